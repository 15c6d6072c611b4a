"""Answer replay: the extractive answerer over cached retrieval hits, for every cmrc2018-dev question, in seconds.

    python bench/answer_replay.py [--failures F.txt] [--refresh] [--near-miss]

`eval` rebuilds the index and retrieves before it answers (half an hour on a busy 2-core machine). Tuning the
answerer (anything in assistant/answers/) does not change retrieval, so this script
retrieves once, keeps each question's k=5 hybrid hits and the keyword index's document frequencies in the cache
folder, and from then on only answers. Its figures equal `eval`'s ask figures for the same code (answer recall,
direct-reply precision and coverage), broken down by the kind of question. The cache is keyed by the retrieval-side
source files, so a change there retrieves again; --refresh forces it.

--near-miss turns every question into one the hits do not answer: each sentence holding a gold answer is cut from
the hits, and the rest of each passage is kept. What remains is about the same subject, with the asked fact
missing: the near misses of the seed question sets, 3,219 of them. The figures are the share refused and the share
given a bold direct reply (which would be a confident wrong answer), by kind of question.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import hashlib
import os
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import evaluation  # noqa: E402
from assistant.answers.answering import answer_question  # noqa: E402
from assistant.answers.question import question_kind  # noqa: E402
from assistant.core import shared_embedder  # noqa: E402
from assistant.results import Hit  # noqa: E402
from assistant.settings import Settings, default_cache_dir  # noqa: E402
from assistant.store.keyword import idf_from  # noqa: E402
from assistant.text.chunking import sentence_spans  # noqa: E402
from assistant.text.normalize import fold_for_matching  # noqa: E402

CMRC = REPO.parent / "shared" / "bench" / "cmrc2018-dev"
ANSWER_SIDE = ("answers", "web")  # stages after retrieval: changing them needs no new retrieval


def retrieval_key(model: str) -> str:
    """A hash of everything retrieval depends on: the model and the source files of the stages up to search."""
    digest = hashlib.sha256(model.encode())
    package = REPO / "assistant"
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package).parts[0] not in ANSWER_SIDE:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def retrieve(cache: Path, settings: Settings) -> tuple[list, dict[str, int], int]:
    """Each question with its hits, and the document frequencies and size of the keyword index."""
    if cache.exists():
        with cache.open("rb") as f:
            return pickle.load(f)
    embedder = shared_embedder(settings.model)
    started = time.perf_counter()
    retriever, _ = evaluation.build_retriever(evaluation.load_passages(CMRC / "passages.jsonl"), embedder, settings)
    asked = [(q, retriever.search(q.question, k=5)) for q in evaluation.load_questions(CMRC / "questions.jsonl")]
    keyword = retriever.store.data.keyword
    frequencies = keyword.document_frequencies()
    cache.parent.mkdir(parents=True, exist_ok=True)
    with cache.open("wb") as f:
        pickle.dump((asked, frequencies, keyword.size), f)
    print(f"retrieved and cached in {time.perf_counter() - started:.0f} s: {cache}", file=sys.stderr)
    return asked, frequencies, keyword.size


def kind_of(question: str) -> str:
    """What the question asks for (number, date, person, ...), "none" without a question word."""
    return question_kind(fold_for_matching(question).lower()) or "none"


def without_answers(hit: Hit, answers: tuple[str, ...]) -> Hit:
    """The hit with every sentence holding a gold answer cut out (the others joined by line ends)."""
    kept = [hit.text[a:b] for a, b in sentence_spans(hit.text) if not evaluation.holds_answer(hit.text[a:b], answers)]
    return dataclasses.replace(hit, text="\n".join(kept))


def near_misses(asked: list, idf: Callable[[str], float]) -> None:
    """Refusals and direct replies over the hits with their answering sentences cut out."""
    by_kind: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for q, hits in asked:
        cut = [without_answers(hit, q.answers) for hit in hits]
        if any(evaluation.holds_answer(hit.text, q.answers) for hit in cut):
            continue  # an answer outside any sentence (a headline): not a near miss
        answer = answer_question(q.question, cut, idf)
        kind = kind_of(q.question)
        for key in (kind, "all"):
            by_kind[key].update(n=1, refused=not answer.found, direct=bool(answer.direct))
    print(f"{'kind':8} {'n':>5} {'refused':>7} {'direct':>6}")
    for kind, c in sorted(by_kind.items(), key=lambda kv: (kv[0] == "all", -kv[1]["n"])):
        print(f"{kind:8} {c['n']:5d} {c['refused'] / c['n']:7.3f} {c['direct'] / c['n']:6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--failures", type=Path, help="write the wrong and refused questions here")
    parser.add_argument("--refresh", action="store_true", help="retrieve again even if cached")
    parser.add_argument("--near-miss", action="store_true", help="cut the answering sentences from the hits")
    args = parser.parse_args()
    settings = Settings.from_env()
    cache = default_cache_dir() / "bench" / f"cmrc-hits-{retrieval_key(settings.model)}.pkl"
    if args.refresh:
        cache.unlink(missing_ok=True)
    asked, frequencies, size = retrieve(cache, settings)

    def idf(token: str) -> float:  # as KeywordIndex.idf
        return idf_from(frequencies.get(token, 0), size)

    if args.near_miss:
        near_misses(asked, idf)
        return

    totals: collections.Counter = collections.Counter()
    by_kind: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    failures = []
    started = time.perf_counter()
    for q, hits in asked:
        answer = answer_question(q.question, hits, idf)
        right = evaluation.holds_answer(answer.text, q.answers)
        direct_right = bool(answer.direct) and evaluation.holds_answer(answer.direct, q.answers)
        kind = kind_of(q.question)
        for counter in (totals, by_kind[kind]):
            counter.update(
                n=1, recalled=right, found=answer.found, directs=bool(answer.direct), direct_right=direct_right
            )
        if not right:
            failures.append(
                f"{'WRONG' if answer.found else 'REFUSED'} | {q.question} | {q.answers} | {answer.text[:150]}"
            )
    seconds = time.perf_counter() - started
    print(f"{len(asked)} questions answered in {seconds:.1f} s\n")
    print(f"{'kind':8} {'n':>5} {'recall':>7} {'found':>6} {'direct cov':>10} {'direct prec':>11}")
    for kind, c in [*sorted(by_kind.items(), key=lambda kv: -kv[1]["n"]), ("all", totals)]:
        precision = c["direct_right"] / c["directs"] if c["directs"] else 0.0
        print(
            f"{kind:8} {c['n']:5d} {c['recalled'] / c['n']:7.3f} {c['found'] / c['n']:6.3f} "
            f"{c['directs'] / c['n']:10.3f} {precision:11.3f}"
        )
    if args.failures:
        args.failures.write_text("\n".join(failures) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
