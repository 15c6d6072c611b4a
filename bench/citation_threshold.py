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
- right: quote -> gold chunk, statement -> gold chunk;
- wrong neighbour: statement -> another chunk of the same article without the answer (same topic);
- wrong retrieved: statement -> the best BM25 chunk of another article for the question;
- wrong fact: statement with another question's answer -> gold chunk (a hallucinated value; reported to show
  what the check cannot do, not used to choose thresholds).
Thresholds maximise Youden's J (acceptance of right citations minus acceptance of wrong ones, neighbour and
retrieved pooled) over a grid, with the constraint that at least 90% of right statements pass.

Usage: HF_HUB_OFFLINE=1 python bench/citation_threshold.py [SET_DIR] [--questions 300] [--embedder real|hashing]
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

from assistant import verification
from assistant.chunking import sentence_spans, split_passages
from assistant.evaluation import load_passages, load_questions
from assistant.keyword import KeywordIndex
from assistant.normalize import fold_for_matching
from assistant.settings import Settings

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
    """The question as a statement with the answer in place of its one question phrase."""
    asked = _ASKING.findall(question)
    if len(asked) != 1:
        return None
    text = _ASKING.sub(lambda _: answer, question, count=1)
    return re.sub(r"[?？吗呢]+$", "", text.strip()) + "。"


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


def features(pairs: list[Pair], chunks: list[Chunk], embedder) -> dict[str, np.ndarray]:
    """overlap, and max cosine with the chunk's sentences: as verification does (sim) and query-vs-passage."""
    used = sorted({p.chunk for p in pairs})
    flat = [(c, fold_for_matching(s)) for c in used for s in chunks[c].sentences]
    columns: dict[int, list[int]] = {}
    for column, (c, _) in enumerate(flat):
        columns.setdefault(c, []).append(column)
    claims = sorted({p.sentence for p in pairs})
    row = {s: i for i, s in enumerate(claims)}
    started = time.perf_counter()
    claim_vectors = verification.embed_claims(embedder, claims)
    evidence_vectors = verification.embed_evidence(embedder, [s for _, s in flat])
    print(
        f"embedded {len(claims)} sentences and {len(flat)} passage sentences in {time.perf_counter() - started:.0f} s"
    )
    passage_vectors = embedder.encode_passages([s for _, s in flat])
    sim = claim_vectors @ evidence_vectors.T
    sim_qp = claim_vectors @ passage_vectors.T
    out = {"overlap": [], "sim": [], "sim_qp": []}
    for p in pairs:
        chunk = chunks[p.chunk]
        passage = fold_for_matching(f"{chunk.title}\n{chunk.text}")
        out["overlap"].append(verification.keyword_overlap(p.sentence, passage))
        out["sim"].append(sim[row[p.sentence], columns[p.chunk]].max())
        out["sim_qp"].append(sim_qp[row[p.sentence], columns[p.chunk]].max())
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def describe(groups: np.ndarray, values: dict[str, np.ndarray]) -> None:
    percentiles = (5, 10, 25, 50, 75, 90, 95)
    print(f"\n{'group':<17}{'n':>5}  feature   " + "".join(f"p{p:<5}" for p in percentiles))
    for group in sorted(set(groups)):
        mask = groups == group
        for name, column in values.items():
            cells = "".join(f"{v:<6.2f}" for v in np.percentile(column[mask], percentiles))
            print(f"{group:<17}{mask.sum():>5}  {name:<9} {cells}")


def choose(groups: np.ndarray, sim: np.ndarray, overlap: np.ndarray) -> tuple[float, float, float]:
    right = groups == "right statement"
    wrong = np.isin(groups, ["wrong neighbour", "wrong retrieved"])
    best = (-1.0, 0.0, 0.0)
    for t_sim in np.arange(0.0, 0.99, 0.01):
        for t_overlap in np.arange(0.0, 1.001, 0.05):
            accepted = (sim >= t_sim - 1e-9) & (overlap >= t_overlap - 1e-9)
            tpr, fpr = accepted[right].mean(), accepted[wrong].mean()
            if tpr >= MIN_RIGHT_ACCEPTED and tpr - fpr > best[0]:
                best = (tpr - fpr, round(float(t_sim), 2), round(float(t_overlap), 2))
    return best


def acceptance(groups: np.ndarray, sim: np.ndarray, overlap: np.ndarray, t_sim: float, t_overlap: float) -> None:
    accepted = (sim >= t_sim - 1e-9) & (overlap >= t_overlap - 1e-9)
    for group in sorted(set(groups)):
        mask = groups == group
        print(f"  {group:<17} accepted {accepted[mask].mean():6.1%}  (n={mask.sum()})")


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
    print(
        f"{args.set_dir.name}: {len(chunks)} chunks, {len(questions)} questions, {len(pairs)} pairs,",
        f"embedder {embedder.model_id}",
    )
    values = features(pairs, chunks, embedder)
    groups = np.array([p.group for p in pairs])
    describe(groups, values)
    for name in ("sim", "sim_qp"):
        j, t_sim, t_overlap = choose(groups, values[name], values["overlap"])
        print(f"\n{name}: best J={j:.3f} at similarity >= {t_sim}, overlap >= {t_overlap}")
        acceptance(groups, values[name], values["overlap"], t_sim, t_overlap)
    current = (verification.MIN_SIMILARITY, verification.MIN_OVERLAP)
    print(f"\nverification.py now: similarity >= {current[0]}, overlap >= {current[1]}")
    acceptance(groups, values["sim"], values["overlap"], *current)


if __name__ == "__main__":
    main()
