"""Thresholds for citation verification (assistant/verification.py), measured on an eval set.

A generated sentence citing [n] is kept only when passage n supports it: the max cosine between the sentence
and one of the passage's sentences (MIN_SIMILARITY) and the length-weighted share of the sentence's content
words found in the passage (MIN_OVERLAP). This script measures both figures on sentences whose citation is
right and on sentences whose citation is wrong, and picks the pair of thresholds that separates them best.

Every eval passage goes through the real text pipeline (cleaning, 300-character chunks). For a sample of
questions whose gold answer lies verbatim in one chunk (the "gold chunk"), without any generative model:
- quote: the gold chunk's sentence holding the answer, verbatim (what an extractive answer cites);
- statement: the question rewritten as a statement with the answer in place of the question word
  ("《战国无双3》是由哪两个公司合作开发的？" -> "《战国无双3》是由光荣和ω-force公司合作开发的。"),
  the way a model words an answer: the question's words, not the passage's.
Pairs (sentence, cited chunk):
- right: quote -> gold chunk, statement -> gold chunk, framed statement ("根据资料，" + statement) -> gold chunk;
- wrong neighbour: statement -> another chunk of the same article without the answer (same topic);
- wrong retrieved: statement -> the best BM25 chunk of another article for the question;
- wrong fact: statement with another question's answer -> gold chunk (a hallucinated value; reported to show
  what the check cannot do, not used to choose thresholds).
Thresholds maximise Youden's J (acceptance of right citations minus acceptance of wrong ones, neighbour and
retrieved pooled) over a grid, with the constraint that at least 90% of right statements pass.

Measured 2026-11-23, multilingual-e5-small, 300 questions each (the traditional set is CMRC dev through OpenCC
s2t, drawn with --seed 1, a check the thresholds were not chosen on):
    percentiles p5 / p50 / p95        similarity          overlap
    right statement                   0.91 0.95 0.99      0.71 0.94 1.00
    wrong neighbour                   0.86 0.91 0.95      0.11 0.33 0.68
    wrong retrieved                   0.84 0.87 0.93      0.00 0.27 0.71
    wrong fact                        0.89 0.92 0.96      0.22 0.56 0.84
    best J: similarity alone 0.75 (>= 0.92), overlap alone 0.91 (>= 0.70), both 0.92 (>= 0.91 and >= 0.65)
    accepted by verification.py       simplified  traditional
    right quote / statement / framed  100 / 95.7 / 96.1 %   100 / 94.1 / 94.5 %
    wrong neighbour / retrieved       2.4 / 4.7 %           2.8 / 3.5 %
    wrong fact                        18.0 %                17.7 %  (28.9 % without the numbers rule)
    verify_answer p50 / p95: 293 / 552 ms with --threads 1 (1.8 / 2.1 s with torch's default 2 threads while
    the machine was shared: small batches suffer most from oversubscribed cores)

Usage: HF_HUB_OFFLINE=1 python bench/citation_threshold.py [SET_DIR] [--questions 300] [--seed 0]
       [--embedder real|hashing] [--cache vectors.npz] [--threads N]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.answers import verification
from assistant.evaluation import load_passages, load_questions
from assistant.results import Hit
from assistant.settings import Settings
from assistant.store.keyword import KeywordIndex
from assistant.text.chunking import sentence_spans, split_passages
from assistant.text.normalize import fold_for_matching

DEFAULT_SET = Path("/work/shared/bench/cmrc2018-dev")
MIN_RIGHT_ACCEPTED = 0.90
# The question phrase an answer replaces; only questions with exactly one are rewritten.
_ASKING = re.compile(
    r"哪[一两几]?(?:个|位|种|家|年|部|场|些|天|座|条|所|名|支|次|本|项|类|里|儿|国)?|什么(?:时候|地方|时期|样的?)?|"
    r"多少|几(?:个|年|次|种|位|岁|名)?|谁|怎样|怎么样|如何|为什么|为何|何时|何地"
)


@dataclass
class Chunk:
    owner: str
    title: str
    text: str
    sentences: list[str]


@dataclass
class Pair:
    group: str
    sentence: str  # folded
    chunk: int


def statement(question: str, answer: str) -> str | None:
    """The question as a statement with the answer in place of its one question phrase (found on the folded
    question, so traditional questions are rewritten too, in their own script)."""
    folded = fold_for_matching(question)
    asked = list(_ASKING.finditer(folded))
    if len(asked) != 1 or len(folded) != len(question.strip()):
        return None
    start, end = asked[0].span()
    text = question.strip()
    return re.sub(r"[?？吗嗎呢]+$", "", text[:start] + answer + text[end:]) + "。"


def make_pairs(chunks: list[Chunk], questions, keyword: KeywordIndex, seed: int) -> list[Pair]:
    by_owner: dict[str, list[int]] = {}
    for i, chunk in enumerate(chunks):
        by_owner.setdefault(chunk.owner, []).append(i)
    answers = [q.answers[0] for q in questions if q.answers]
    rng = random.Random(seed)
    pairs = []
    for q in questions:
        if not q.answers:
            continue
        answer = q.answers[0]
        own = by_owner.get(q.passage_id, [])
        gold = next((i for i in own if answer in chunks[i].text), None)
        if gold is None:
            continue
        quote = next((s for s in chunks[gold].sentences if answer in s), None)
        said = statement(q.question, answer)
        if quote:
            pairs.append(Pair("right quote", fold_for_matching(quote), gold))
        if said is None:
            continue
        said = fold_for_matching(said)
        pairs.append(Pair("right statement", said, gold))
        pairs.append(Pair("right framed", fold_for_matching(f"根据资料，{said}"), gold))
        neighbours = [i for i in own if answer not in chunks[i].text]
        if neighbours:
            pairs.append(Pair("wrong neighbour", said, rng.choice(neighbours)))
        scores = keyword.scores(fold_for_matching(q.question))
        for i in np.argsort(-scores):
            if chunks[int(i)].owner != q.passage_id:
                pairs.append(Pair("wrong retrieved", said, int(i)))
                break
        other = rng.choice(answers)
        if other not in chunks[gold].text and answer not in other:
            wrong = fold_for_matching(statement(q.question, other) or "")
            pairs.append(Pair("wrong fact", wrong, gold))
    return pairs


def features(pairs: list[Pair], chunks: list[Chunk], embedder, cache: Path | None) -> dict[str, np.ndarray]:
    """Per pair: keyword overlap; whether its numbers are the passage's (1/0); max cosine over the passage
    sentences verification embeds (sim), over all of them (sim_all), and over all of them in e5's
    query-vs-passage form (sim_qp)."""
    evidence = {c: [fold_for_matching(s) for s in chunks[c].sentences] for c in sorted({p.chunk for p in pairs})}
    texts = sorted({p.sentence for p in pairs} | {s for sentences in evidence.values() for s in sentences})
    passages = sorted({s for sentences in evidence.values() for s in sentences})
    same, passage_vectors = _vectors(texts, passages, embedder, cache)
    row = {t: i for i, t in enumerate(texts)}
    passage_row = {t: i for i, t in enumerate(passages)}
    out: dict[str, list[float]] = {"overlap": [], "numbers": [], "sim": [], "sim_all": [], "sim_qp": []}
    for p in pairs:
        chunk, claim = chunks[p.chunk], same[row[p.sentence]]
        sentences = evidence[p.chunk]
        scores = same[[row[s] for s in sentences]] @ claim
        chosen = verification.evidence_rows(p.sentence, sentences)
        passage = fold_for_matching(f"{chunk.title}\n{chunk.text}")
        out["overlap"].append(verification.keyword_overlap(p.sentence, passage))
        out["numbers"].append(float(verification.numbers_found(p.sentence, passage)))
        out["sim"].append(float(scores[chosen].max()))
        out["sim_all"].append(float(scores.max()))
        out["sim_qp"].append(float((passage_vectors[[passage_row[s] for s in sentences]] @ claim).max()))
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def _vectors(texts: list[str], passages: list[str], embedder, cache: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """Sentences embedded as verification does, and passage sentences in e5's passage form; cached by text."""
    if cache and cache.exists():
        saved = np.load(cache, allow_pickle=False)
        if saved["model"].item() == embedder.model_id and list(saved["texts"]) == texts:
            return saved["same"], saved["passage"]
    started = time.perf_counter()
    same = verification.embed_sentences(embedder, texts)
    print(f"embedded {len(texts)} sentences in {time.perf_counter() - started:.0f} s")
    passage = embedder.encode_passages(passages)
    if cache:
        np.savez(cache, model=embedder.model_id, texts=np.array(texts), same=same, passage=passage)
    return same, passage


def describe(groups: np.ndarray, values: dict[str, np.ndarray]) -> None:
    percentiles = (5, 10, 25, 50, 75, 90, 95)
    print(f"\n{'group':<17}{'n':>5}  feature   " + "".join(f"p{p:<5}" for p in percentiles))
    for group in sorted(set(groups)):
        mask = groups == group
        for name, column in values.items():
            cells = "".join(f"{v:<6.2f}" for v in np.percentile(column[mask], percentiles))
            print(f"{group:<17}{mask.sum():>5}  {name:<9} {cells}")


def choose(
    groups: np.ndarray, sim: np.ndarray, overlap: np.ndarray, gate: np.ndarray, use_sim: bool, use_overlap: bool
) -> tuple[float, float, float]:
    """(J, similarity threshold, overlap threshold) with the best J among those accepting enough right statements."""
    right = groups == "right statement"
    wrong = np.isin(groups, ["wrong neighbour", "wrong retrieved"])
    best = (-1.0, 0.0, 0.0)
    for t_sim in np.arange(0.0, 0.99, 0.01) if use_sim else [0.0]:
        for t_overlap in np.arange(0.0, 1.001, 0.05) if use_overlap else [0.0]:
            accepted = (sim >= t_sim - 1e-9) & (overlap >= t_overlap - 1e-9) & gate
            tpr, fpr = accepted[right].mean(), accepted[wrong].mean()
            if tpr >= MIN_RIGHT_ACCEPTED and tpr - fpr > best[0]:
                best = (tpr - fpr, round(float(t_sim), 2), round(float(t_overlap), 2))
    return best


def accepted_by(values: dict[str, np.ndarray], t_sim: float, t_overlap: float, name: str = "sim") -> np.ndarray:
    return (values[name] >= t_sim - 1e-9) & (values["overlap"] >= t_overlap - 1e-9)


def acceptance(groups: np.ndarray, accepted: np.ndarray) -> None:
    for group in sorted(set(groups)):
        mask = groups == group
        print(f"  {group:<17} accepted {accepted[mask].mean():6.1%}  (n={mask.sum()})")


def second_tier(groups: np.ndarray, values: dict[str, np.ndarray], base: np.ndarray) -> None:
    """What accepting very similar sentences with less word overlap would add (rewordings the bench cannot make)."""
    names = sorted(set(groups))
    print("\nsecond tier (base OR similarity >= s AND overlap >= o), numbers required; acceptance per group:")
    print(f"{'s':>6}{'o':>6}  " + "".join(f"{n:>17}" for n in names))
    for t_sim in (0.95, 0.96, 0.97, 0.98):
        for t_overlap in (0.3, 0.4, 0.5):
            accepted = (base | accepted_by(values, t_sim, t_overlap)) & (values["numbers"] > 0)
            print(f"{t_sim:>6}{t_overlap:>6}  " + "".join(f"{accepted[groups == n].mean():>17.1%}" for n in names))


def latency(pairs: list[Pair], chunks: list[Chunk], keyword: KeywordIndex, embedder, answers: int = 40) -> None:
    """Time verify_answer on three-sentence answers citing two of five passages (one citation wrong)."""
    timings = []
    embedder.encode_queries(["预热"])  # the first call pays for lazy initialisation
    for pair in [p for p in pairs if p.group == "right statement"][:answers]:
        ranked = [int(i) for i in np.argsort(-keyword.scores(pair.sentence)) if int(i) != pair.chunk][:4]
        hits = [_as_hit(chunks[c]) for c in [pair.chunk, *ranked]]
        text = f"{pair.sentence}[1]{chunks[pair.chunk].sentences[0]}[1]{pair.sentence}[2]"
        started = time.perf_counter()
        verification.verify_answer(text, hits, embedder)
        timings.append((time.perf_counter() - started) * 1000)
    p50, p95 = np.percentile(timings, [50, 95])
    print(f"\nverify_answer latency over {len(timings)} answers: p50 {p50:.0f} ms, p95 {p95:.0f} ms")


def _as_hit(chunk: Chunk) -> Hit:
    return Hit(text=chunk.text, score=0.0, source=chunk.owner, title=chunk.title, passage_id="", start=0, end=0)


def load_embedder(kind: str):
    if kind == "hashing":
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from conftest import HashingEmbedder

        return HashingEmbedder()
    from assistant.core import shared_embedder

    return shared_embedder(Settings().model)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("set_dir", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--embedder", choices=("real", "hashing"), default="real")
    parser.add_argument("--cache", type=Path, help="an .npz file keeping the vectors between runs")
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's own choice)")
    args = parser.parse_args()

    settings = Settings()
    chunks = []
    for article in load_passages(args.set_dir / "passages.jsonl"):
        for p in split_passages(article, settings.chunking):
            sentences = [p.text[s:e] for s, e in sentence_spans(p.text)]
            chunks.append(Chunk(article.source, p.title, p.text, sentences))
    keyword = KeywordIndex.build([fold_for_matching(f"{c.title}\n{c.text}") for c in chunks])
    questions = load_questions(args.set_dir / "questions.jsonl", limit=args.questions, seed=args.seed)
    pairs = make_pairs(chunks, questions, keyword, args.seed)
    embedder = load_embedder(args.embedder)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    print(
        f"{args.set_dir.name}: {len(chunks)} chunks, {len(questions)} questions, {len(pairs)} pairs,",
        f"embedder {embedder.model_id}",
    )
    values = features(pairs, chunks, embedder, args.cache)
    groups = np.array([p.group for p in pairs])
    describe(groups, values)
    everything = np.ones(len(pairs), dtype=bool)
    numbers = values["numbers"] > 0
    for name, use_sim, use_overlap, gate, label in [
        ("sim", True, True, everything, "both, verification's sentences"),
        ("sim_all", True, True, everything, "both, all passage sentences"),
        ("sim_qp", True, True, everything, "both, query-vs-passage form"),
        ("sim", True, False, everything, "similarity only"),
        ("sim", False, True, everything, "overlap only"),
        ("sim", True, True, numbers, "both, and the sentence's numbers in the passage"),
    ]:
        j, t_sim, t_overlap = choose(groups, values[name], values["overlap"], gate, use_sim, use_overlap)
        print(f"\n{label}: best J={j:.3f} at {name} >= {t_sim}, overlap >= {t_overlap}")
        acceptance(groups, accepted_by(values, t_sim, t_overlap, name) & gate)
    v = verification
    print(
        f"\nverification.py now: (similarity >= {v.MIN_SIMILARITY} and overlap >= {v.MIN_OVERLAP} or similarity >= "
        f"{v.CLOSE_SIMILARITY} and overlap >= {v.CLOSE_MIN_OVERLAP}), numbers in the passage"
    )
    acceptance(groups, v.is_supported(values["sim"], values["overlap"]) & numbers)
    second_tier(groups, values, accepted_by(values, v.MIN_SIMILARITY, v.MIN_OVERLAP))
    latency(pairs, chunks, keyword, embedder)


if __name__ == "__main__":
    main()
