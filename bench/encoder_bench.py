"""Encoder benchmark: the int8 encoder (OpenVINO) against the float one (PyTorch), in one run, side by side.

    python bench/encoder_bench.py [--parts tune,throughput,latency,quality,cold] [--passages 200] [--limit 800]

Parts (all by default):
  tune        int8 compile options (threads, performance hint) x batch size on a passage sample and one-query
              latency per option (how e5int8.COMPILE_CONFIG and embedding.BATCH_SIZES were chosen), and the
              share of encoding time spent tokenising
  throughput  index-build encoding rate (embed_passages, length-sorted batches) on a random sample of
              cmrc2018-dev passages, float and int8 alternating, `--rounds` each: medians and the ratio, per
              wall-clock second and per CPU second of this process (what a busy machine leaves stable)
  latency     search p50 (hybrid, k=5) on the seed corpus index and on cmrc2018-dev (k=10), the two encoders
              alternating question by question
  quality     hybrid and vector-only R@1 / MRR@10 on cmrc2018-dev and on its traditional-script copy (OpenCC
              s2t, made by retrieval_bench.py), `--limit` questions sampled with a fixed seed
  cold        first-use conversion + quantisation, timed in a scratch cache (a copy of the float folder), and
              the load time of the cached int8 model; also what the stamp of the real cache recorded
Prints a Markdown table of everything at the end, then the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from retrieval_bench import CMRC, _make_set  # noqa: E402  (the traditional copy is made there)
from seed_latency import _median_ms  # noqa: E402

from assistant import Assistant, evaluation  # noqa: E402
from assistant.core import shared_embedder  # noqa: E402
from assistant.model import e5int8  # noqa: E402
from assistant.settings import DEFAULT_MODEL, Settings, default_cache_dir  # noqa: E402
from assistant.store.indexing import embed_passages, embedding_text  # noqa: E402
from assistant.text import chunking  # noqa: E402

ENCODERS = ("float", "int8")
PARTS = ("tune", "throughput", "latency", "quality", "cold")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--passages", type=int, default=200, help="passage sample for throughput")
    parser.add_argument("--rounds", type=int, default=3, help="alternating throughput rounds per encoder")
    parser.add_argument("--limit", type=int, default=800, help="questions sampled per set for quality")
    parser.add_argument("--sets", default="simplified,traditional", help="quality sets (made by retrieval_bench)")
    parser.add_argument("--data", type=Path, default=CMRC)
    args = parser.parse_args()
    parts = args.parts.split(",")
    if unknown := set(parts) - set(PARTS):
        raise SystemExit(f"unknown parts {sorted(unknown)}; choose from {PARTS}")

    results: dict = {"cpu": _cpu_flags()}
    print("cpu:", results["cpu"], flush=True)
    settings = Settings()
    articles = evaluation.load_passages(args.data / "passages.jsonl")
    chunked = [p for a in articles for p in chunking.split_passages(a, settings.chunking)]
    sample = random.Random(0).sample(chunked, min(args.passages, len(chunked)))
    if "cold" in parts:  # first, so the scratch build runs before the models below take the memory
        results["cold"] = _cold()
        print("cold:", json.dumps(results["cold"]), flush=True)
    started = time.perf_counter()
    embedders = {}
    for name in ENCODERS:
        started = time.perf_counter()
        embedders[name] = shared_embedder(DEFAULT_MODEL, name)
        results.setdefault("load_s", {})[name] = round(time.perf_counter() - started, 1)
    print("load (first in this process, s):", results["load_s"], flush=True)
    if "tune" in parts:
        results["tune"] = _tune(sample[:96], embedders["int8"])
        print("tune:", json.dumps(results["tune"]), flush=True)
    if "throughput" in parts:
        results["throughput"] = _throughput(sample, embedders, args.rounds)
        print("throughput:", json.dumps(results["throughput"]), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        if "latency" in parts:
            results["latency"] = _latency(Path(tmp), embedders, articles, args.data, settings)
            print("latency:", json.dumps(results["latency"]), flush=True)
        if "quality" in parts:
            results["quality"] = _quality(Path(tmp), embedders, args.data, args.limit, settings, args.sets)
    print("\n" + _table(results))
    print("\n" + json.dumps(results, ensure_ascii=False, indent=1))


# ---- parts ------------------------------------------------------------------------------------------------


def _tune(passages, int8) -> dict:
    """int8 compile options x batch sizes (passages/s, median of 2 alternating rounds) and one-query p50 per
    option; the tokenizer's share of encoding time."""
    texts = [embedding_text(p) for p in passages]
    folder = e5int8.int8_folder()
    chosen = e5int8.COMPILE_CONFIG
    options = {
        f"threads={threads} hint={hint}": {"PERFORMANCE_HINT": hint, "INFERENCE_NUM_THREADS": threads}
        for threads in (1, 2)
        for hint in ("LATENCY", "THROUGHPUT")
    }
    models = {}
    for label, config in options.items():
        e5int8.COMPILE_CONFIG = config
        models[label] = e5int8.OpenVinoEmbedder(folder, batch_size=16)
    e5int8.COMPILE_CONFIG = chosen
    rates: dict[str, list[float]] = {}
    for _ in range(2):
        for label, model in models.items():
            for batch in (8, 16, 32):
                model.batch_size = batch
                started = time.perf_counter()
                model.encode_passages(texts)
                rates.setdefault(f"{label} batch={batch}", []).append(len(texts) / (time.perf_counter() - started))
    query = "赤壁市预计全年GDP是多少?"
    query_ms = {label: round(_p50_ms(lambda m=m: m.encode_queries([query]), 40), 2) for label, m in models.items()}
    started = time.perf_counter()
    int8.tokenizer.encode_batch([f"passage: {t}" for t in texts])
    tokenize_s = time.perf_counter() - started
    started = time.perf_counter()
    int8.encode_passages(texts)
    encode_s = time.perf_counter() - started
    return {
        "passages_per_s": {k: round(statistics.median(v), 2) for k, v in rates.items()},
        "query_ms_p50": query_ms,
        "tokenize_share_of_int8_encode": round(tokenize_s / encode_s, 4),
    }


def _throughput(passages, embedders: dict, rounds: int) -> dict:
    wall: dict[str, list[float]] = {name: [] for name in embedders}
    cpu: dict[str, list[float]] = {name: [] for name in embedders}
    n = len(passages)
    embed_passages(passages[:8], embedders["int8"])  # warm up both
    embed_passages(passages[:8], embedders["float"])
    for _ in range(rounds):
        for name, embedder in embedders.items():
            w, c = time.perf_counter(), time.process_time()
            embed_passages(passages, embedder)
            wall[name].append(n / (time.perf_counter() - w))
            cpu[name].append(n / (time.process_time() - c))
    med = {name: statistics.median(values) for name, values in wall.items()}
    med_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    return {
        "passages": n,
        "mean_chars": round(statistics.mean(len(embedding_text(p)) for p in passages), 1),
        "passages_per_s": {name: round(v, 2) for name, v in med.items()},
        "rounds": {name: [round(v, 2) for v in values] for name, values in wall.items()},
        "ratio": round(med["int8"] / med["float"], 2),
        "passages_per_cpu_s": {name: round(v, 2) for name, v in med_cpu.items()},
        "ratio_per_cpu_s": round(med_cpu["int8"] / med_cpu["float"], 2),
    }


def _latency(tmp: Path, embedders: dict, articles, data: Path, settings: Settings) -> dict:
    corpus = tmp / "seed-corpus"
    shutil.copytree(REPO / "corpus", corpus)
    seed = {
        name: Assistant.build(corpus, tmp / f"seed-index-{name}", Settings(encoder=name), embedders[name])
        for name in ENCODERS
    }
    seed_questions = _seed_questions()
    out = {"seed": _alternating_p50({n: (lambda q, a=a: a.search(q, k=5)) for n, a in seed.items()}, seed_questions)}
    questions = [q.question for q in evaluation.load_questions(data / "questions.jsonl", 300)]
    retrievers = {name: evaluation.build_retriever(articles, embedders[name], settings)[0] for name in ENCODERS}
    out["cmrc"] = _alternating_p50({n: (lambda q, r=r: r.search(q, k=10)) for n, r in retrievers.items()}, questions)
    return out


def _quality(tmp: Path, embedders: dict, data: Path, limit: int, settings: Settings, sets: str) -> dict:
    out = {}
    for set_name in sets.split(","):
        passages, questions = _make_set(set_name, data, tmp)
        articles = evaluation.load_passages(passages)
        qs = evaluation.load_questions(questions, limit)
        for name in ENCODERS:
            retriever, build_s = evaluation.build_retriever(articles, embedders[name], settings)
            reports = evaluation.evaluate_retrieval(retriever, qs, build_s, methods=("vector", "hybrid"))
            out[f"{set_name}/{name}"] = {
                r.method: {k: v for k, v in r.to_dict().items() if k in ("recall@1", "mrr@10", "recall@5")}
                for r in reports
            } | {"build_s": round(build_s, 1), "questions": len(qs)}
            print(f"quality {set_name}/{name}:", json.dumps(out[f"{set_name}/{name}"]), flush=True)
    return out


def _cold() -> dict:
    """Derive the int8 folder afresh in a scratch cache holding a copy of the float folder; then load it."""
    from assistant.model.cache_files import read_json
    from assistant.model.e5model import FOLDER_NAME, ensure_e5_model

    out: dict = {}
    float_dir = ensure_e5_model()
    if stamp := read_json(e5int8.int8_folder() / e5int8.INT8_STAMP):
        out["recorded_build_s"] = stamp.get("build_seconds")
    with tempfile.TemporaryDirectory(prefix="encoder-bench-cache-") as scratch:
        shutil.copytree(float_dir, Path(scratch) / "models" / FOLDER_NAME)
        started = time.perf_counter()
        e5int8.ensure_int8_model(Path(scratch))
        out["convert_and_quantise_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        e5int8.load_int8_embedder(Path(scratch))
        out["cached_load_s"] = round(time.perf_counter() - started, 1)
        folder = e5int8.int8_folder(Path(scratch))
        out["cosine_to_float"] = (read_json(folder / e5int8.INT8_STAMP) or {}).get("cosine_to_float")
        out["model_mb"] = round(sum(p.stat().st_size for p in folder.glob("openvino_model.*")) / 2**20)
    out["cache"] = str(default_cache_dir())
    return out


# ---- helpers ----------------------------------------------------------------------------------------------


def _alternating_p50(calls: dict[str, Callable[[str], object]], questions: list[str]) -> dict:
    times: dict[str, list[float]] = {name: [] for name in calls}
    for q in questions[:3]:
        for call in calls.values():
            call(q)  # warm up
    for q in questions:
        for name, call in calls.items():
            started = time.perf_counter()
            call(q)
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: round(statistics.median(t), 2) for name, t in times.items()} | {"questions": len(questions)}


def _p50_ms(call: Callable[[], object], n: int) -> float:
    call()  # warm up
    return _median_ms(call, n)


def _seed_questions() -> list[str]:
    path = REPO / "bench" / "seed" / "questions.jsonl"
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _cpu_flags() -> dict:
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return {}
    flags = next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), [])
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "")
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "amx_bf16")
    return {"model": model, "cores": os.cpu_count(), "flags": [f for f in wanted if f in flags]}


def _table(results: dict) -> str:
    rows = ["| measure | float (PyTorch) | int8 (OpenVINO) | int8 / float |", "|---|---|---|---|"]
    if t := results.get("throughput"):
        f, i = t["passages_per_s"]["float"], t["passages_per_s"]["int8"]
        rows.append(f"| build encoding, passages/s ({t['passages']} cmrc passages) | {f} | {i} | {t['ratio']}× |")
        f, i = t["passages_per_cpu_s"]["float"], t["passages_per_cpu_s"]["int8"]
        rows.append(f"| … per CPU second | {f} | {i} | {t['ratio_per_cpu_s']}× |")
    for where, label in (("seed", "search p50, seed index (ms)"), ("cmrc", "search p50, cmrc2018-dev (ms)")):
        if lat := results.get("latency", {}).get(where):
            rows.append(f"| {label} | {lat['float']} | {lat['int8']} | {lat['int8'] / lat['float']:.2f} |")
    for key, q in _quality_rows(results.get("quality", {})):
        rows.append(f"| {key} | {q['float']:.3f} | {q['int8']:.3f} | Δ {q['int8'] - q['float']:+.3f} |")
    if load := results.get("load_s"):
        rows.append(f"| model load, s (first in process) | {load['float']} | {load['int8']} | |")
    if cold := results.get("cold"):
        rows.append(f"| first-use conversion + quantisation, s | | {cold.get('convert_and_quantise_s')} | |")
    return "\n".join(rows)


def _quality_rows(quality: dict):
    for set_name in ("simplified", "traditional"):
        if f"{set_name}/float" not in quality:
            continue
        for method in ("hybrid", "vector"):
            for metric in ("recall@1", "mrr@10"):
                values = {e: quality[f"{set_name}/{e}"][method][metric] for e in ENCODERS}
                yield f"cmrc {set_name}, {method} {metric.replace('recall', 'R')}", values


if __name__ == "__main__":
    main()
