"""Reader benchmark: answers judged by the reading model beside the unchecked quote, threshold by threshold.

    python bench/reader_bench.py [--pairs blind7_,blind6_] [--judged 3] [--cmrc-limit 0] [--near-miss] [--bold]
        [--thresholds 0.9,0.92]

For each seed pair in bench/seed/ (answerable questions with gold answers and unanswerable near misses) every
question is searched on the seed corpus, the first --judged candidate sentences, ordered as the product orders them
(Reader.candidates: by the question's words, by meaning when those find no sentence well), are all judged by the
reader, and the answer at each threshold is worked out from those judgements as Reader.answer works it out (the
lead is the first candidate whose p reaches it and, for a short answer, from which the model copies one; none:
refused). Printed per pair: the unchecked quote, as given with the reader off (answered, correct, refused), then
the reader's curve beside the curve on p(是) alone, and the median time of one judgement.
With --cmrc-limit N the same over the fixed sample of N cmrc2018-dev questions that `eval --limit N` takes (answer
recall; hits cached by answer_replay.py) and, with --near-miss, over the same questions with every sentence holding
a gold answer cut from their hits (refusals), as `answer_replay.py --near-miss` cuts them.
With --bold, per pair (and for cmrc): for the answers accepted at the reader's threshold, how often a bold short
reply is shown and how often it holds a gold answer. Only aggregate figures are printed, so a blind pair stays
blind.

Every reply of the model is kept in the cache folder (bench/reader-replies-*.jsonl, by reader settings): a request
made before is answered from there, so a rerun after a change to the candidates judges only the new sentences
(temperature 0: the model would give the same reply). --fresh asks the model again and keeps its new replies.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
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

from answer_replay import retrieval_key, retrieve, without_answers  # noqa: E402

from assistant import Assistant, evaluation  # noqa: E402
from assistant.answers.answering import answer_from, answer_question, sentence_of  # noqa: E402
from assistant.answers.reader import MAX_JUDGED, ChatModel, Reader, load_reader  # noqa: E402
from assistant.core import shared_embedder  # noqa: E402
from assistant.model.embedding import Embedder  # noqa: E402
from assistant.results import Hit  # noqa: E402
from assistant.settings import Settings, default_cache_dir  # noqa: E402
from assistant.store.folder import read_jsonl  # noqa: E402
from assistant.store.keyword import idf_from  # noqa: E402

SEED = REPO / "bench" / "seed"
CMRC = REPO.parent / "shared" / "bench" / "cmrc2018-dev"
PAIRS = (
    "",
    "heldout_",
    "blind_",
    "blind2_",
    "blind3_",
    "blind4_",
    "blind5_",
    "blind6_",
    "blind7_",
    "blind8_",
    "blind9_",
    "blind10_",
    "blind11_",
    "blind12_",
    "blind13_",
    "blind14_",
    "blind15_",
    "blind16_",
)
GRID = (0.7, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", default=",".join(p or "tuned" for p in PAIRS), help="comma-separated prefixes")
    parser.add_argument("--judged", type=int, default=MAX_JUDGED, help="candidate sentences judged per question")
    parser.add_argument("--cmrc-limit", type=int, default=0, help="cmrc2018-dev questions (0: none)")
    parser.add_argument("--near-miss", action="store_true", help="also the cmrc questions with answers cut")
    parser.add_argument("--latency", type=int, default=0, help="time ask with the reader on N seed questions")
    parser.add_argument("--fresh", action="store_true", help="ask the model again rather than reuse its replies")
    parser.add_argument("--bold", action="store_true", help="also how often a bold short reply is shown, and if right")
    parser.add_argument("--thresholds", default="", help="comma-separated thresholds to print (default: a grid)")
    args = parser.parse_args()
    settings = Settings.from_env()
    reader = load_reader(settings)
    if reader is None:
        sys.exit("The reader is off (ASSISTANT_READER=off): nothing to measure.")
    model = reader.model  # timed by --latency: never answered from the file
    key = hashlib.sha256(repr(settings.reader).encode()).hexdigest()[:12]
    reader.model = remembered = RememberedReplies(
        model, default_cache_dir() / "bench" / f"reader-replies-{key}.jsonl", reuse=not args.fresh
    )
    timings = remembered.seconds
    reader.max_judged = args.judged
    embedder = shared_embedder(settings.model, settings.resolved_encoder)  # the one Assistant.build uses
    chosen = [float(t) for t in args.thresholds.split(",") if t]
    grid = sorted(set(chosen) if chosen else {*GRID, reader.threshold})  # the product's, or one set for another model

    prefixes = [("" if p == "tuned" else p) for p in args.pairs.split(",") if p]
    if prefixes or args.latency:
        work = Path(tempfile.mkdtemp(prefix="reader-bench-"))
        try:
            shutil.copytree(REPO / "corpus", work / "corpus")
            assistant = Assistant.build(work / "corpus", work / "index")
            idf = assistant._retriever.store.idf
            if args.latency:
                print(json.dumps(_latency(assistant, Reader(model, reader.threshold), args.latency)), flush=True)
            for prefix in prefixes:
                if not (SEED / f"{prefix}questions.jsonl").exists():
                    continue
                rows = [(r["question"], r["answers"]) for r in read_jsonl(SEED / f"{prefix}questions.jsonl")]
                rows += [(r["question"], []) for r in read_jsonl(SEED / f"{prefix}unanswerable.jsonl")]
                judged = [_judged(reader, q, golds, assistant.search(q), idf, embedder) for q, golds in rows]
                print(
                    f"== {prefix or 'tuned_'}: {sum(bool(g) for _, g in rows)} answerable, "
                    f"{sum(not g for _, g in rows)} unanswerable",
                    flush=True,
                )
                print(_curve(reader, judged, idf, grid), flush=True)
                if args.bold:
                    print(_bold(reader, judged), flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    if args.cmrc_limit:
        cache = default_cache_dir() / "bench" / f"cmrc-hits-{retrieval_key(settings.model)}.pkl"
        asked, frequencies, size = retrieve(cache, settings)
        sample = {q.id for q in evaluation.load_questions(CMRC / "questions.jsonl", args.cmrc_limit)}
        asked = [(q, hits) for q, hits in asked if q.id in sample]  # the same fixed sample as eval --limit

        def idf(token: str) -> float:  # as KeywordIndex.idf
            return idf_from(frequencies.get(token, 0), size)

        judged = [_judged(reader, q.question, list(q.answers), hits, idf, embedder) for q, hits in asked]
        print(f"== cmrc2018-dev, {len(judged)} questions (answer recall = correct)", flush=True)
        print(_curve(reader, judged, idf, grid), flush=True)
        if args.bold:
            print(_bold(reader, judged), flush=True)
        if args.near_miss:
            cut = [(q, [without_answers(hit, q.answers) for hit in hits]) for q, hits in asked]
            cut = [(q, hits) for q, hits in cut if not any(evaluation.holds_answer(h.text, q.answers) for h in hits)]
            judged = [_judged(reader, q.question, [], hits, idf, embedder) for q, hits in cut]
            print(f"== cmrc2018-dev near misses, {len(judged)} questions (answering sentences cut)", flush=True)
            print(_curve(reader, judged, idf, grid), flush=True)
    if timings:
        print(
            f"model replies: {remembered.reused} from the file, {len(timings)} asked; "
            f"judgement seconds: p50 {statistics.median(timings):.2f}, "
            f"p95 {sorted(timings)[int(0.95 * (len(timings) - 1))]:.2f}, n {len(timings)}"
        )


def _latency(assistant: Assistant, reader: Reader, n: int) -> dict:
    """search and ask (reader on) times on the first n answerable and n unanswerable tuned seed questions."""
    rows = read_jsonl(SEED / "questions.jsonl")[:n] + read_jsonl(SEED / "unanswerable.jsonl")[:n]
    assistant.reader = reader
    search, ask = [], []
    for row in rows:
        started = time.perf_counter()
        assistant.search(row["question"])
        search.append(time.perf_counter() - started)
        started = time.perf_counter()
        assistant.ask(row["question"])
        ask.append(time.perf_counter() - started)
    return {
        "questions": len(rows),
        "search_ms_p50": round(statistics.median(search) * 1000, 1),
        "ask_s_p50": round(statistics.median(ask), 2),
        "ask_s_p95": round(sorted(ask)[int(0.95 * (len(ask) - 1))], 2),
    }


class RememberedReplies:
    """The reader's model with its replies kept in a file, keyed by the whole request; `seconds` times the
    requests that went to the model. Without `reuse` every request goes to the model, and its reply replaces the
    kept one (a later line of the file wins)."""

    def __init__(self, model: ChatModel, path: Path, reuse: bool = True) -> None:
        self.model, self.path = model, path
        self.replies: dict[str, dict] = {}
        if reuse and path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    self.replies[row["key"]] = row["reply"]
        self.seconds: list[float] = []
        self.reused = 0

    def chat(self, request: dict, deadline: float | None = None) -> dict:
        key = hashlib.sha256(json.dumps(request, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        if key in self.replies:
            self.reused += 1
            return self.replies[key]
        started = time.perf_counter()
        reply = self.model.chat(request, deadline)
        self.seconds.append(time.perf_counter() - started)
        self.replies[key] = reply
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"key": key, "reply": reply}, ensure_ascii=False) + "\n")
        return reply


def _judged(reader: Reader, question: str, golds: list[str], hits: list[Hit], idf, embedder: Embedder):
    candidates = reader.candidates(question, hits, idf, embedder)
    scores = [reader.judge(question, sentence_of(hits, c)) for c in candidates]
    return question, golds, hits, candidates, scores


def _curve(reader: Reader, judged: list, idf, grid: list[float]) -> str:
    """The unchecked quote (reader off), then answered / correct / refused at each threshold of the reader: as the
    product decides (a short answer also needs words the model copies from the sentence), and on p(是) alone."""
    lines = [f"{'':>10} {'answered':>9} {'correct':>8} {'refused':>8}   {'on p(是) alone':>14}"]
    unchecked = [answer_question(q, hits, idf) for q, _, hits, _, _ in judged]
    shares = _shares([(golds, a) for (_, golds, *_), a in zip(judged, unchecked, strict=True)])
    lines.append(f"{'unchecked':>10} {shares}")
    for threshold in grid:
        at_threshold, read, judged_only = Reader(reader.model, threshold), [], []
        for question, golds, hits, candidates, scores in judged:
            lead = _lead(at_threshold, question, hits, candidates, scores)
            read.append((golds, answer_from(question, hits, idf, *lead) if lead else None))
            first = next((c for c, p in zip(candidates, scores, strict=True) if p >= threshold), None)
            judged_only.append((golds, answer_from(question, hits, idf, first, "") if first else None))
        lines.append(f"{f'p>={threshold:.2f}':>10} " + _shares(read) + "   " + _shares(judged_only))
    return "\n".join(lines)


def _lead(reader: Reader, question: str, hits: list[Hit], candidates: list, scores: list[float]):
    """The first candidate `reader` accepts, as Reader.answer takes it, and its bold reply; None: refused."""
    for candidate, p_yes in zip(candidates, scores, strict=True):
        direct = reader.accepted_reply(question, sentence_of(hits, candidate), p_yes, math.inf)
        if direct is not None:
            return candidate, direct
    return None


def _bold(reader: Reader, judged: list) -> str:
    """The bold short reply of the answers the reader accepts (at its threshold): how often there is one (the
    model's copy, with its measure word) and how often it holds a gold answer."""
    accepted = shown = right = 0
    for question, golds, hits, candidates, scores in judged:
        lead = _lead(reader, question, hits, candidates, scores)
        if not golds or lead is None:
            continue
        accepted += 1
        shown += bool(lead[1])
        right += bool(lead[1]) and evaluation.holds_answer(lead[1], golds)
    return f"bold replies of {accepted} accepted answers: {shown} ({right} right)"


def _shares(answers: list) -> str:
    answerable = [(g, a) for g, a in answers if g]
    unanswerable = [a for g, a in answers if not g]
    found = sum(bool(a and a.found) for _, a in answerable)
    correct = sum(bool(a and a.found and evaluation.holds_answer(a.text, g)) for g, a in answerable)
    refused = sum(not (a and a.found) for a in unanswerable)
    n, m = max(len(answerable), 1), max(len(unanswerable), 1)
    return f"{found / n:>9.3f} {correct / n:>8.3f} " + (f"{refused / m:>8.3f}" if unanswerable else f"{'-':>8}")


if __name__ == "__main__":
    main()
