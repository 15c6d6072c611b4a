"""Retrieval benchmark: every figure the retrieval issue targets, in one command.

    python bench/retrieval_bench.py [--limit N] [--sets simplified,traditional,paragraphs] [--throughput-only]

Sets, all built from ../shared/bench/cmrc2018-dev (CC BY-SA 4.0):
  simplified   the set as shipped (848 passages, 3,219 questions)
  traditional  the same set converted to traditional script with OpenCC s2t (questions and passages)
  paragraphs   a different shape: every passage split at its paragraphs/sentences into ~150-character
               pieces that share the article's title, the question's gold being the piece holding the answer
               (many passages per topic, where the vector signal is weaker)
First the build throughput check on the first set's passages (index build passages/s against raw model.encode
passages/s on the same texts; --throughput-only stops there). Then for each set: keyword-only, vector-only and hybrid
side by side (the `eval` command's metrics), and the latency check (hybrid search p50 against encode-query + FAISS
search p50 in the same run).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import evaluation  # noqa: E402
from assistant.core import shared_embedder  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.store.indexing import embedding_text  # noqa: E402
from assistant.text import chunking  # noqa: E402
from assistant.text.normalize import fold_for_matching, to_traditional  # noqa: E402

CMRC = REPO.parent / "shared" / "bench" / "cmrc2018-dev"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="sample this many questions per set")
    parser.add_argument("--sets", default="simplified,traditional,paragraphs")
    parser.add_argument("--data", type=Path, default=CMRC)
    parser.add_argument("--throughput-only", action="store_true", help="only the build throughput check")
    args = parser.parse_args()

    settings = Settings.from_env()
    embedder = shared_embedder(settings.model)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, name in enumerate(args.sets.split(",")):
            passages, questions = _make_set(name, args.data, Path(tmp))
            articles = evaluation.load_passages(passages)
            if i == 0:
                chunked = [p for a in articles for p in chunking.split_passages(a, settings.chunking)]
                results["throughput"] = _throughput(chunked, embedder)
                print("throughput:", json.dumps(results["throughput"]))
                if args.throughput_only:
                    return
            qs = evaluation.load_questions(questions, args.limit)
            retriever, build_s = evaluation.build_retriever(articles, embedder, settings)
            reports = evaluation.evaluate_retrieval(retriever, qs, build_s)
            print(f"\n== {name}")
            print(evaluation.format_table(reports))
            results[name] = {r.method: r.to_dict() for r in reports}
            results[name]["latency"] = _latency(retriever, qs[:300])
            print("latency:", json.dumps(results[name]["latency"]))
    print("\n" + json.dumps(results, ensure_ascii=False, indent=1))


def _make_set(name: str, data: Path, tmp: Path) -> tuple[Path, Path]:
    if name == "simplified":
        return data / "passages.jsonl", data / "questions.jsonl"
    rows = [json.loads(line) for line in (data / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
    questions = [json.loads(line) for line in (data / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    if name == "traditional":
        convert = to_traditional
        rows = [{**r, "title": convert(r["title"]), "text": convert(r["text"])} for r in rows]
        questions = [
            {**q, "question": convert(q["question"]), "answers": [convert(a) for a in q["answers"]]} for q in questions
        ]
    elif name == "paragraphs":
        rows, questions = _paragraph_set(rows, questions)
    else:
        raise SystemExit(f"unknown set {name}")
    out = tmp / name
    out.mkdir()
    for filename, items in (("passages.jsonl", rows), ("questions.jsonl", questions)):
        with (out / filename).open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    return out / "passages.jsonl", out / "questions.jsonl"


def _paragraph_set(rows: list[dict], questions: list[dict]) -> tuple[list[dict], list[dict]]:
    """Split each passage into sentence groups of ~150 characters; a question's gold is the piece with its answer."""
    pieces = []
    piece_of: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        text = r["text"]
        group, groups = "", []
        for start, end in chunking.sentence_spans(text):
            group += text[start:end]
            if len(group) >= 150:
                groups.append(group)
                group = ""
        if group:
            groups.append(group)
        for i, g in enumerate(groups):
            pid = f"{r['id']}#{i}"
            pieces.append({"id": pid, "title": r["title"], "text": g})
            piece_of.setdefault(str(r["id"]), []).append((pid, g))
    kept = []
    for q in questions:
        gold = next((pid for pid, g in piece_of.get(str(q["passage_id"]), []) if q["answers"][0] in g), None)
        if gold:
            kept.append({**q, "passage_id": gold})
    return pieces, kept


def _latency(retriever, questions) -> dict:
    search, baseline = [], []
    for q in questions:
        started = time.perf_counter()
        retriever.search(q.question, k=10)
        search.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        vector = retriever.embedder.encode_queries([fold_for_matching(q.question)])[0]
        retriever.store.vector_candidates(vector, 10, None)
        baseline.append((time.perf_counter() - started) * 1000)
    s, b = statistics.median(search), statistics.median(baseline)
    return {"search_ms_p50": round(s, 2), "encode_plus_faiss_ms_p50": round(b, 2), "ratio": round(s / b, 3)}


def _throughput(passages, embedder, n: int = 400, rounds: int = 3) -> dict:
    """Index build embedding rate vs raw model.encode on the same passages (the index path adds sorting/grouping).

    The two are timed alternately, `rounds` times each, and the medians compared, per wall-clock second and per
    CPU second of this process (the latter is what a shared, busy machine leaves stable).
    """
    from assistant.store.indexing import embed_passages

    passages = passages[:n]
    texts = [embedding_text(p) for p in passages]
    timings: dict[str, list[float]] = {"ours_wall": [], "ours_cpu": [], "raw_wall": [], "raw_cpu": []}
    for _ in range(rounds):
        for label, run in (
            ("ours", lambda: embed_passages(passages, embedder)),
            ("raw", lambda: embedder.encode_passages(texts)),
        ):
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            timings[f"{label}_wall"].append(n / (time.perf_counter() - wall))
            timings[f"{label}_cpu"].append(n / (time.process_time() - cpu))
    rate = {k: statistics.median(v) for k, v in timings.items()}
    return {
        "index_passages_per_s": round(rate["ours_wall"], 2),
        "raw_encode_passages_per_s": round(rate["raw_wall"], 2),
        "ratio": round(rate["ours_wall"] / rate["raw_wall"], 3),
        "ratio_per_cpu_second": round(rate["ours_cpu"] / rate["raw_cpu"], 3),
    }


if __name__ == "__main__":
    main()
