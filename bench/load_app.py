"""Load test of the running web app through its Gradio API ("ask" endpoint).

    python app.py &                      # or any running instance
    python bench/load_app.py [--url http://127.0.0.1:7860] [--clients 20] [--questions 10]

Each question is first asked once alone, to warm up and to record its reference answer. Then `--clients`
gradio_client clients start together and each asks `--questions` questions (every client in its own order).
Reported: errors (exceptions, must be 0), unchecked answers (the reading model could not be had within the
question's deadline, so the rules' answer came back marked unchecked, as designed), mismatches (an answer checked
like its reference but differing from it, which under load would mean requests got mixed up), and latency
p50/p95/max. Exit status 1 if there was any error or mismatch.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from gradio_client import Client

QUESTIONS = [
    "赤壁市预计全年GDP是多少?",
    "鄂州花湖国际机场累计开通货运航线多少条?",
    "新港園區1—8月進出口額是多少?",
    "《实施方案》部署了多少项具体任务?",
    "十四五以来湖北省委总共召开了多少次全会?",
    "上海市2025年的GDP是多少?",
    "机场国际货邮吞吐量同比增长多少?",
    "章庄铺镇柑橘种植面积达多少?",
    "赤壁市发文数量下降了多少?",
    "北京冬奥会一共设了多少个小项?",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10, help="questions per client")
    args = parser.parse_args()

    reference = {}
    alone = []
    client = Client(args.url, verbose=False)
    for question in QUESTIONS:
        started = time.perf_counter()
        reference[question] = client.predict(question, 5, None, api_name="/ask")
        alone.append(time.perf_counter() - started)

    latencies: list[float] = []
    errors: list[str] = []
    mismatches: list[str] = []
    unchecked: list[str] = []
    lock = threading.Lock()
    start_together = threading.Barrier(args.clients)

    def run_client(number: int) -> None:
        own = Client(args.url, verbose=False)
        start_together.wait()
        for i in range(args.questions):
            question = QUESTIONS[(number + i) % len(QUESTIONS)]
            started = time.perf_counter()
            try:
                answer = own.predict(question, 5, None, api_name="/ask")
            except Exception as exc:  # every failure counts, whatever its kind
                with lock:
                    errors.append(f"{question}: {exc!r}")
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if answer.get("checked") is False and reference[question].get("checked") is not False:
                    unchecked.append(question)
                elif answer["text"] != reference[question]["text"]:
                    mismatches.append(question)

    wall = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        list(pool.map(run_client, range(args.clients)))
    wall = time.perf_counter() - wall

    total = args.clients * args.questions
    print(f"one client alone: p50 {_ms(statistics.median(alone))}, max {_ms(max(alone))}")
    print(f"{args.clients} clients x {args.questions} questions = {total} requests in {wall:.1f} s")
    print(
        f"errors: {len(errors)}   unchecked (reader busy): {len(unchecked)}   mismatched answers: {len(mismatches)}"
        f"   throughput: {total / wall:.1f} req/s"
    )
    if latencies:
        p50, p95 = _percentile(latencies, 50), _percentile(latencies, 95)
        print(f"latency p50 {_ms(p50)}   p95 {_ms(p95)}   max {_ms(max(latencies))}")
    for line in (errors + mismatches)[:10]:
        print("  " + line)
    return 1 if errors or mismatches else 0


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


if __name__ == "__main__":
    sys.exit(main())
