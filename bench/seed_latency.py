"""Seed-corpus timings: index build, app cold start, and search/ask latency over 20 questions.

    python bench/seed_latency.py [--rounds 5] [--app-starts 3]

Reports medians (the machines are shared and noisy); each question is timed `rounds` times and its
median taken, then the median and p95 over questions are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import Assistant  # noqa: E402
from assistant.core import shared_embedder  # noqa: E402
from assistant.settings import DEFAULT_MODEL  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--app-starts", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="seed-bench-"))
    try:
        corpus = work / "corpus"
        shutil.copytree(REPO / "corpus", corpus)
        started = time.perf_counter()
        shared_embedder(DEFAULT_MODEL)
        load_s = time.perf_counter() - started
        builds = []
        for _ in range(3):
            shutil.rmtree(work / "index", ignore_errors=True)
            started = time.perf_counter()
            assistant = Assistant.build(corpus, work / "index")
            builds.append(time.perf_counter() - started)
        started = time.perf_counter()
        Assistant.build(corpus, work / "index")
        unchanged_s = time.perf_counter() - started
        report = assistant.report
        print(f"model load (with torch import): {load_s:.1f} s")
        print(
            f"index build, seed corpus ({report.files} files, {report.articles} articles, {report.passages} passages): "
            f"median {statistics.median(builds):.1f} s over {len(builds)} builds; unchanged rebuild {unchanged_s:.2f} s"
        )

        questions = _questions()
        search_ms = [_median_ms(lambda q=q: assistant.search(q), args.rounds) for q in questions]
        ask_ms = [_median_ms(lambda q=q: assistant.ask(q), args.rounds) for q in questions]
        for name, times in (("search", search_ms), ("ask", ask_ms)):
            median, p95 = statistics.median(times), _p95(times)
            print(f"{name:6} over {len(questions)} questions: median {median:.1f} ms, p95 {p95:.1f} ms")
        print(f"ask/search median ratio: {statistics.median(ask_ms) / statistics.median(search_ms):.2f}")

        if args.app_starts:
            shutil.copytree(work / "index", work / "app-index")
            starts = [_app_cold_start(corpus, work / "app-index") for _ in range(args.app_starts)]
            median = statistics.median(starts)
            print(f"app cold start (process start to first page, fresh index): median {median:.1f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _questions(n: int = 20) -> list[str]:
    path = REPO / "bench" / "seed" / "questions.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows[:n]]


def _median_ms(call, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def _app_cold_start(corpus: Path, index: Path) -> float:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "app.py"), "--port", str(port), "--corpus", str(corpus), "--index", str(index)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = started + 300
        while time.perf_counter() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("app did not start within 300 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
