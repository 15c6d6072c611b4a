"""Answer benchmark: refusal threshold, answer quality and ask latency, in one command.

    python bench/answer_bench.py [--cmrc-limit N] [--rounds 3]

1. Seed corpus (corpus/, built into a temporary index with the default model), with the questions written about
   it in bench/seed/: questions.jsonl (answerable, with gold answers) and unanswerable.jsonl (near-miss questions
   the articles do not answer: another year, 客运 where they say 货运, a figure they never give).
   For every refusal threshold on the grid (answering.answer_question's `min_focus`): the share of answerable
   questions answered, the share answered with a gold answer in the text, and the share of unanswerable ones
   refused. The product's threshold (answering.MIN_FOCUS) is marked. The same for the held-out pair
   (heldout_questions.jsonl, heldout_unanswerable.jsonl), written after the threshold was chosen, and for the
   seven blind pairs (blind_*.jsonl … blind7_*.jsonl), each written by someone who saw only the articles
   (bench/seed/README.md).
2. ask vs search latency on the seed questions: the median over questions of each question's median time.
3. cmrc2018-dev (../shared/bench/cmrc2018-dev), --cmrc-limit questions (0 skips it): the `eval` command's ask
   figures (answer recall, direct-reply precision and coverage, citation precision) and the same threshold grid
   for found/recall, to show what the threshold costs on a set of only answerable questions.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import Assistant, evaluation  # noqa: E402
from assistant.answers.answering import MIN_FOCUS, answer_question  # noqa: E402
from assistant.core import shared_embedder  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.store.folder import read_jsonl  # noqa: E402

SEED = REPO / "bench" / "seed"
CMRC = REPO.parent / "shared" / "bench" / "cmrc2018-dev"
GRID = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cmrc-limit", type=int, default=600, help="cmrc questions to sample (0: skip)")
    parser.add_argument("--rounds", type=int, default=3, help="timings per question for the latency medians")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="answer-bench-"))
    try:
        shutil.copytree(REPO / "corpus", work / "corpus")
        assistant = Assistant.build(work / "corpus", work / "index")
        idf = assistant._retriever.store.idf  # the weights answers are scored with
        for label, prefix in (
            ("seed", ""),
            ("seed held-out", "heldout_"),
            ("seed blind", "blind_"),
            ("seed blind 2", "blind2_"),
            ("seed blind 3", "blind3_"),
            ("seed blind 4", "blind4_"),
            ("seed blind 5", "blind5_"),
            ("seed blind 6", "blind6_"),
            ("seed blind 7", "blind7_"),
            ("seed blind 8", "blind8_"),
            ("seed blind 9", "blind9_"),
            ("seed blind 10", "blind10_"),
            ("seed blind 11", "blind11_"),
            ("seed blind 12", "blind12_"),
            ("seed blind 13", "blind13_"),
            ("seed blind 14", "blind14_"),
            ("seed blind 15", "blind15_"),
            ("seed blind 16", "blind16_"),
        ):
            if not (SEED / f"{prefix}questions.jsonl").exists():
                continue
            answerable = [(r["question"], r["answers"]) for r in read_jsonl(SEED / f"{prefix}questions.jsonl")]
            unanswerable = [(r["question"], []) for r in read_jsonl(SEED / f"{prefix}unanswerable.jsonl")]
            asked = [(q, golds, assistant.search(q)) for q, golds in answerable + unanswerable]
            print(f"== {label}: {len(answerable)} answerable, {len(unanswerable)} unanswerable questions")
            print(_sweep(asked, idf))
        print("\n== latency (seed questions)")
        files = ("questions.jsonl", "unanswerable.jsonl")
        questions = [r["question"] for name in files for r in read_jsonl(SEED / name)]
        print(json.dumps(_latency(assistant, questions, args.rounds)))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if args.cmrc_limit:
        settings = Settings.from_env()
        articles = evaluation.load_passages(CMRC / "passages.jsonl")
        questions = evaluation.load_questions(CMRC / "questions.jsonl", args.cmrc_limit)
        retriever, _ = evaluation.build_retriever(articles, shared_embedder(settings.model), settings)
        report = evaluation.evaluate_answers(retriever, questions)
        print(f"\n== cmrc2018-dev, {len(questions)} questions: ask")
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        asked = [(q.question, list(q.answers), retriever.search(q.question, k=5)) for q in questions]
        print(_sweep(asked, retriever.store.idf))


def _sweep(asked: list[tuple[str, list[str], list]], idf) -> str:
    """Answered / correct / refused shares for each threshold of the grid."""
    lines = [f"{'min_focus':>9} {'answered':>9} {'correct':>8} {'refused':>8}"]
    for threshold in GRID:
        answered = correct = refused = n_answerable = n_unanswerable = 0
        for question, golds, hits in asked:
            answer = answer_question(question, hits, idf, min_focus=threshold)
            if golds:
                n_answerable += 1
                answered += answer.found
                correct += answer.found and evaluation.holds_answer(answer.text, golds)
            else:
                n_unanswerable += 1
                refused += not answer.found
        mark = "  <- MIN_FOCUS" if abs(threshold - MIN_FOCUS) < 1e-9 else ""
        lines.append(
            f"{threshold:>9.2f} {answered / max(n_answerable, 1):>9.3f} {correct / max(n_answerable, 1):>8.3f} "
            + (f"{refused / n_unanswerable:>8.3f}" if n_unanswerable else f"{'-':>8}")
            + mark
        )
    return "\n".join(lines)


def _latency(assistant: Assistant, questions: list[str], rounds: int) -> dict:
    search, ask = [], []
    for question in questions:
        s, a = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            assistant.search(question)
            s.append(time.perf_counter() - started)
            started = time.perf_counter()
            assistant.ask(question)
            a.append(time.perf_counter() - started)
        search.append(statistics.median(s) * 1000)
        ask.append(statistics.median(a) * 1000)
    s50, a50 = statistics.median(search), statistics.median(ask)
    return {"search_ms_p50": round(s50, 1), "ask_ms_p50": round(a50, 1), "ask_over_search": round(a50 / s50, 3)}


if __name__ == "__main__":
    main()
