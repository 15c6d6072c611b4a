"""Default embedding model: materialisation time, load time, encoding throughput, memory.

    python bench/embedding_speed.py [--runs 3] [--builds 3] [--batch-sizes 16,32,64]

Each measurement runs in a fresh process (so the torch import counts) and the median over runs is
reported. Texts are CMRC 2018 dev passages cut to ~190 characters (sentences) and ~480 (passages).
Throughput is given per wall-clock second and per CPU second: on a shared, busy machine only the latter
is stable.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO.parent / "shared" / "bench" / "cmrc2018-dev" / "passages.jsonl"

MATERIALISE = """
import json, sys, time
from pathlib import Path
start = time.perf_counter()
from assistant.model.e5model import ensure_e5_model
ensure_e5_model(Path(sys.argv[1]))
print(json.dumps({"seconds": time.perf_counter() - start}))
"""

LOAD_AND_ENCODE = """
import json, resource, sys, time
start = time.perf_counter()
from assistant.model.embedding import load_embedder
embedder = load_embedder()
loaded = time.perf_counter() - start
texts = json.loads(sys.argv[1])
result = {"load_seconds": loaded}
for batch_size in json.loads(sys.argv[2]):
    embedder.batch_size = batch_size
    for name, items in texts.items():
        embedder.encode_passages(items[:8])  # warm-up
        t, cpu = time.perf_counter(), time.process_time()
        embedder.encode_passages(items)
        result[f"{name}/s batch {batch_size}"] = len(items) / (time.perf_counter() - t)
        result[f"{name}/cpu-s batch {batch_size}"] = len(items) / (time.process_time() - cpu)
result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def _texts() -> dict[str, list[str]]:
    passages = [json.loads(line)["text"] for line in BENCH.open(encoding="utf-8")]
    long_enough = [p for p in passages if len(p) >= 480]
    return {
        "sentences(190)": [p[:190] for p in long_enough[:96]],
        "passages(480)": [p[:480] for p in long_enough[96:144]],
    }


def _run(code: str, *args: str) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--builds", type=int, default=3, help="materialisations to time (0: skip)")
    parser.add_argument("--batch-sizes", default="32")
    args = parser.parse_args()
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]

    builds = []
    for _ in range(args.builds):
        with tempfile.TemporaryDirectory(prefix="e5-bench-") as cache:
            builds.append(round(_run(MATERIALISE, cache)["seconds"], 1))
    if builds:
        print(f"materialise (fresh cache, incl. verification): median {statistics.median(builds):.1f} s  {builds}")

    texts = json.dumps(_texts(), ensure_ascii=False)
    runs = [_run(LOAD_AND_ENCODE, texts, json.dumps(batch_sizes)) for _ in range(args.runs)]
    for key in runs[0]:
        values = [run[key] for run in runs]
        print(f"{key}: median {statistics.median(values):.1f}  {[round(v, 1) for v in values]}")


if __name__ == "__main__":
    main()
