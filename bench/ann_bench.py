"""Exact against approximate vector search by corpus size: the threshold and HNSW settings in assistant/vectors.py.

    python bench/ann_bench.py [--sizes 2000,10000,25000,50000,100000,200000] [--queries 60] [--runs 3]
                              [--threads N] [--cache vectors.npz]

Each size also reports what the exact and the HNSW index hold in memory and the process's RSS (the 1M-vector
figures in README's "Scaling out" come from `--sizes 1000000 --threads 1`).

For each corpus size (384 dimensions, L2-normalised, inner product) it builds the exact index (what
VectorIndex uses below APPROXIMATE_MIN_SIZE), an HNSW graph (IndexHNSWFlat, HNSW_M / HNSW_EF_CONSTRUCTION)
and, for comparison, an IVF index (IndexIVFFlat, 2*sqrt(n) lists), and reports build time, recall@10 and
recall@50 against exact search over the same vectors (the app asks for DEPTH = 50 candidates and ranks
them, so every search here asks for 50 and recall@10 compares the first 10), and the p50 latency of a
single-query search as the app runs it (one query per call): each p50 is over --queries questions, and the
median of --runs such rounds is reported. HNSW is swept over efSearch, IVF over nprobe.

Then, at the largest size, searches restricted to allowed rows (the app's `sources` filter; here a contiguous
block of rows, like one corpus file's passages) at several shares of the corpus, all with the same selector
(a bitmap of the rows): exact search; HNSW at the fixed efSearch (it keeps efSearch candidates and drops
those not allowed, so with few allowed rows it loses recall and returns fewer than 50 rows); HNSW with
efSearch widened by 1/share (capped at MAX_EF_SEARCH); an exact scan of the HNSW graph's flat storage; and
what VectorIndex.search does (the scan below APPROXIMATE_MIN_SIZE allowed rows, the widened HNSW above).

Vectors: real embeddings are clustered and anisotropic (multilingual-e5-small: the mean vector has norm 0.92,
two random passages have cosine ~0.84, 90% of the variance lies in ~245 of 384 directions); iid gaussian
vectors have no such structure (every point nearly equally far from every other), a different and harder
case for approximate search. So the corpus is generated from real
embeddings: the 10,688 sentences and 848 passages of CMRC 2018 dev (../shared/bench/cmrc2018-dev, embedded
in passage form, 11,536 anchors). Each vector is a random mix of an anchor and one of its 10 nearest anchors
plus gaussian noise shaped like the anchors' own covariance (scale NOISE), normalised. The queries are real:
500 of the 3,219 CMRC questions embedded in query form, so they are near, never equal to, corpus vectors. A
calibration line compares the real anchors with a synthetic corpus of the same size (nearest-neighbour
cosines, query top-1 cosine, and HNSW recall at a low efSearch, where recall is sensitive to the data):
NOISE = 0.5 makes the synthetic set slightly harder than the real one. The first run embeds the texts with
the default model (minutes; longer on a busy machine) and keeps them in --cache.

Threads: the app never sets FAISS's thread count, so FAISS uses OpenMP's default (all cores); this script
does the same unless --threads is given (which limits FAISS's OpenMP and both BLAS libraries). On a shared,
oversubscribed machine every multi-threaded call waits for cores (a single exact search over 200k vectors
took 130 ms with 2 threads and 21 ms with 1), so there compare with --threads 1.

Measured 2026-12-02, FAISS 1.15.1, 2 shared cores (load ~6), defaults (60 queries x 3 rounds, k = 50):
    --threads 1     exact p50    HNSW ef=256 p50   recall@10 / @50   HNSW build   IVF nprobe=64 (recall@10, p50)
      2,000          0.07 ms      0.16 ms           1.000 / 1.000       0.2 s      1.000  0.10 ms
     10,000          0.52         0.77              0.999 / 0.998       2.1        0.985  0.21
     25,000          2.11         1.23              0.999 / 0.994       7.3        0.977  0.43
     50,000          4.91         1.60              0.998 / 0.994      19.7        0.984  0.82
    100,000         11.99         1.41              0.996 / 0.993      40.8        0.981  1.32
    200,000         22.21         1.23              0.982 / 0.982      84.7        0.981  1.95
    (ef=128: recall@10 0.995 at 50k, 0.971 at 200k; ef=512: 0.999 at 200k, 2.6 ms)
  With FAISS's default 2 threads on the busy machine, exact p50 was 24 / 48 / 124 ms at 10k / 50k / 200k
  (OpenMP waiting for cores) and HNSW's single-query search, which runs on one thread, was unchanged.
  Filtered, 200,000 vectors, --threads 1 (recall@10 / p50):
    allowed rows                      200            2,000          10,000         60,000         100,000
    HNSW ef=256 + selector            0.180  1.0 ms  0.615  1.1 ms  0.918  1.3 ms  0.983  1.4 ms  0.984  1.3 ms
      (rows returned of 50)           3              28             49             50             50
    HNSW, efSearch widened            0.695 13.5     0.971 13.7     0.998 17.0     0.999  4.7     0.999  2.6
    exact scan of the allowed rows    1.000  0.4     1.000  0.6     1.000  1.2     1.000  7.6     1.000 12.0
    VectorIndex.search                1.000  0.3     1.000  0.7     1.000  1.9     0.999  5.6     0.999  3.3
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import faiss  # noqa: E402

from assistant.search.fusion import DEPTH  # noqa: E402
from assistant.settings import default_cache_dir  # noqa: E402
from assistant.store.vectors import APPROXIMATE_MIN_SIZE, HNSW_EF_SEARCH, VectorIndex  # noqa: E402
from assistant.text.chunking import sentence_spans  # noqa: E402

CMRC = REPO.parent / "shared" / "bench" / "cmrc2018-dev"
NOISE = 0.5
NEIGHBOURS = 10
EF_SEARCHES = (64, 128, 256, 512)
NPROBES = (8, 16, 32, 64)
FILTER_SHARES = (0.001, 0.01, 0.05, 0.2, 0.3, 0.5)
RECALL_QUERIES = 500
MAX_EF_SEARCH = 2048  # the widened search stops here: beyond it HNSW visits most of the graph


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,10000,25000,50000,100000,200000")
    parser.add_argument("--queries", type=int, default=60, help="single-query searches per timing round")
    parser.add_argument("--runs", type=int, default=3, help="timing rounds; the median round p50 is reported")
    parser.add_argument("--threads", type=int, help="FAISS and BLAS threads (default: the libraries' own, as the app)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=default_cache_dir() / "bench" / "ann-cmrc-vectors.npz")
    args = parser.parse_args()
    if args.threads:
        threadpool_limits(args.threads)  # FAISS's OpenMP and BLAS, and numpy's BLAS
    anchors, questions = real_vectors(args.cache)
    rng = np.random.default_rng(args.seed)
    recall_queries = questions[rng.permutation(len(questions))[:RECALL_QUERIES]]
    timed_queries = recall_queries[: args.queries]
    print(
        f"FAISS {faiss.__version__}, {faiss.omp_get_max_threads()} threads; {len(anchors)} anchors, "
        f"recall over {len(recall_queries)} questions, p50 over {len(timed_queries)} single-query searches, "
        f"median of {args.runs} rounds; k = {DEPTH}; APPROXIMATE_MIN_SIZE = {APPROXIMATE_MIN_SIZE}"
    )
    generator = Generator(anchors, rng)
    calibrate(anchors, generator, recall_queries)

    print(
        f"\n{'size':>7} {'index':<6} {'setting':<11} {'build s':>8} {'recall@10':>9} {'recall@50':>9}"
        f" {'p50 ms':>8} {'cpu ms':>8}"
    )
    sizes = [int(s) for s in args.sizes.split(",")]
    kept = None
    for size in sizes:
        rows, exact, hnsw = compare(generator.sample(size), recall_queries, timed_queries, args.runs)
        for row in rows:
            print(f"{size:>7} " + row, flush=True)
        print(f"{size:>7} memory: {memory(exact, hnsw)}", flush=True)
        if size == max(sizes):
            kept = exact, hnsw
    filtered(*kept, recall_queries, timed_queries, args.runs)


def real_vectors(cache: Path) -> tuple[np.ndarray, np.ndarray]:
    """CMRC dev sentences and passages (passage form) and questions (query form), embedded by the default model."""
    passages = [json.loads(line) for line in (CMRC / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = [p["text"][s:e] for p in passages for s, e in sentence_spans(p["text"])] + [p["text"] for p in passages]
    questions = [json.loads(line)["question"] for line in (CMRC / "questions.jsonl").read_text("utf-8").splitlines()]
    if cache.exists():
        saved = np.load(cache, allow_pickle=False)
        if saved["anchors"].shape[0] == len(texts) and saved["queries"].shape[0] == len(questions):
            return saved["anchors"], saved["queries"]
    from assistant.model.embedding import load_embedder

    print(f"embedding {len(texts)} texts and {len(questions)} questions (kept in {cache}) ...", file=sys.stderr)
    embedder = load_embedder()
    anchors, queries = embedder.encode_passages(texts), embedder.encode_queries(questions)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, model=embedder.model_id, anchors=anchors, queries=queries)
    return anchors, queries


class Generator:
    """Vectors near the real anchors: a mix of an anchor and a near neighbour plus anchor-shaped noise."""

    def __init__(self, anchors: np.ndarray, rng: np.random.Generator) -> None:
        self.anchors = anchors
        self.rng = rng
        index = faiss.IndexFlatIP(anchors.shape[1])
        index.add(anchors)
        self.neighbours = index.search(anchors, NEIGHBOURS + 1)[1][:, 1:]
        centred = anchors - anchors.mean(axis=0)
        _, spread, directions = np.linalg.svd(centred, full_matrices=False)
        # a standard gaussian times this has the anchors' covariance
        self.shape = (spread[:, None] * directions / math.sqrt(len(anchors))).astype(np.float32)

    def sample(self, n: int) -> np.ndarray:
        first = self.rng.integers(0, len(self.anchors), n)
        second = self.neighbours[first, self.rng.integers(0, NEIGHBOURS, n)]
        weight = self.rng.random((n, 1), dtype=np.float32)
        noise = self.rng.standard_normal((n, len(self.shape)), dtype=np.float32) @ self.shape
        vectors = weight * self.anchors[first] + (1 - weight) * self.anchors[second] + NOISE * noise
        return np.ascontiguousarray(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), dtype=np.float32)


def calibrate(anchors: np.ndarray, generator: Generator, queries: np.ndarray) -> None:
    """The real anchors against a synthetic corpus of the same size."""
    print("\ncalibration (p10 / p50 / p90)   nearest-neighbour cosine   query top-1 cosine   HNSW recall@10, ef=16")
    for name, vectors in (("real anchors", anchors), ("synthetic", generator.sample(len(anchors)))):
        exact = faiss.IndexFlatIP(vectors.shape[1])
        exact.add(vectors)
        neighbour = exact.search(vectors[:2000], 2)[0][:, 1]
        top, truth = exact.search(queries, 10)
        hnsw = VectorIndex.build(vectors, approximate=True)._index
        found = hnsw.search(queries, 10, params=faiss.SearchParametersHNSW(efSearch=16))[1]
        print(f"{name:<31} {_quantiles(neighbour):<26} {_quantiles(top[:, 0]):<20} {recall(found, truth, 10):.3f}")


class Timing(NamedTuple):
    wall_ms: float
    cpu_ms: float  # CPU time of the whole process (all threads): steady while the machine is busy


def compare(
    vectors: np.ndarray, queries: np.ndarray, timed: np.ndarray, runs: int
) -> tuple[list[str], VectorIndex, VectorIndex]:
    """Table rows (exact, HNSW at each efSearch, IVF at each nprobe), and the exact and HNSW indexes."""
    exact, exact_s = _timed(lambda: VectorIndex.build(vectors, approximate=False))
    truth = exact._index.search(queries, DEPTH)[1]
    rows = [_row("exact", "", exact_s, truth, truth, p50(lambda q: exact.search(q, DEPTH), timed, runs))]
    hnsw, hnsw_s = _timed(lambda: VectorIndex.build(vectors, approximate=True))
    for ef in EF_SEARCHES:
        params = faiss.SearchParametersHNSW(efSearch=ef)
        rows.append(_row("hnsw", f"ef={ef}", hnsw_s, truth, *_search(hnsw._index, params, queries, timed, runs)))
    lists = max(1, min(round(2 * math.sqrt(len(vectors))), len(vectors) // 39))
    ivf, ivf_s = _timed(lambda: _ivf(vectors, lists))
    for nprobe in NPROBES:
        params = faiss.SearchParametersIVF(nprobe=nprobe)
        rows.append(_row("ivf", f"{nprobe}/{lists}", ivf_s, truth, *_search(ivf, params, queries, timed, runs)))
    return rows, exact, hnsw


def memory(exact: VectorIndex, hnsw: VectorIndex) -> str:
    """What each index holds in memory (the vectors, and HNSW's graph beside them), and this process's RSS."""
    vectors_mb = exact.size * exact.dimension * 4 / 2**20
    graph = hnsw._index.hnsw
    graph_mb = (graph.neighbors.size() * 4 + graph.offsets.size() * 8 + graph.levels.size() * 4) / 2**20
    status = Path("/proc/self/status").read_text()
    rss_mb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) / 1024
    return (
        f"exact {vectors_mb:.0f} MB; hnsw {vectors_mb + graph_mb:.0f} MB ({graph_mb:.0f} MB graph); "
        f"process RSS {rss_mb:.0f} MB"
    )


def filtered(exact: VectorIndex, hnsw: VectorIndex, queries: np.ndarray, timed: np.ndarray, runs: int) -> None:
    """Searches restricted to the first rows of the corpus at several shares of it."""
    print(
        f"\nfiltered, {hnsw.size} vectors; 'rows' is the mean number of rows returned of {DEPTH}\n"
        f"{'allowed':>8} {'search':<24} {'setting':<8} {'recall@10':>9} {'rows':>5} {'p50 ms':>8} {'cpu ms':>8}"
    )
    for share in FILTER_SHARES:
        allowed = np.arange(max(1, round(share * hnsw.size)), dtype=np.int64)
        for line in _filtered_rows(exact, hnsw, allowed, queries, timed, runs):
            print(f"{len(allowed):>8} {line}", flush=True)


def _filtered_rows(
    exact: VectorIndex, hnsw: VectorIndex, allowed: np.ndarray, queries: np.ndarray, timed: np.ndarray, runs: int
) -> list[str]:
    selector = hnsw._selector(allowed)
    truth = exact._index.search(queries, DEPTH, params=faiss.SearchParameters(sel=selector))[1]
    lines = [
        _filtered_row("exact, selector", "", truth, truth, p50(lambda q: exact.search(q, DEPTH, allowed), timed, runs))
    ]
    widened = min(hnsw._ef_search(DEPTH, allowed), MAX_EF_SEARCH)
    for name, ef in (("hnsw, selector", HNSW_EF_SEARCH), ("hnsw, selector, widened", widened)):
        params = faiss.SearchParametersHNSW(efSearch=ef, sel=selector)
        lines.append(_filtered_row(name, f"ef={ef}", truth, *_search(hnsw._index, params, queries, timed, runs)))
    storage, params = faiss.downcast_index(hnsw._index.storage), faiss.SearchParameters(sel=selector)
    lines.append(_filtered_row("exact scan of storage", "", truth, *_search(storage, params, queries, timed, runs)))
    found = np.array([_padded(hnsw.search(q, DEPTH, allowed)[0]) for q in queries])
    timing = p50(lambda q: hnsw.search(q, DEPTH, allowed), timed, runs)
    policy = "scan" if len(allowed) < APPROXIMATE_MIN_SIZE else f"ef={hnsw._ef_search(DEPTH, allowed)}"
    lines.append(_filtered_row("VectorIndex.search", policy, truth, found, timing))
    return lines


def _search(
    index: faiss.Index, params: faiss.SearchParameters, queries: np.ndarray, timed: np.ndarray, runs: int
) -> tuple[np.ndarray, Timing]:
    """Rows found for every query (one batch), and the single-query timing."""
    found = index.search(queries, DEPTH, params=params)[1]
    return found, p50(lambda q: index.search(q.reshape(1, -1), DEPTH, params=params), timed, runs)


def _ivf(vectors: np.ndarray, lists: int) -> faiss.Index:
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(vectors.shape[1]), vectors.shape[1], lists, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).permutation(len(vectors))[: 64 * lists]
    index.train(vectors[sample])
    index.add(vectors)
    return index


def recall(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    """Mean share of the exact top k (fewer when fewer rows are allowed) that the approximate top k holds."""
    shares = []
    for f, t in zip(found, truth, strict=True):
        best = set(t[:k]) - {-1}
        shares.append(len(best & set(f[:k])) / len(best))
    return float(np.mean(shares))


def p50(search: Callable[[np.ndarray], object], queries: np.ndarray, runs: int) -> Timing:
    """Median over rounds of the median single-query wall and CPU time."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = [], []
        for query in queries:
            start, start_cpu = time.perf_counter(), time.process_time()
            search(query)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        walls.append(statistics.median(wall))
        cpus.append(statistics.median(cpu))
    return Timing(statistics.median(walls) * 1000, statistics.median(cpus) * 1000)


def _timed(make: Callable[[], object]) -> tuple:
    start = time.perf_counter()
    made = make()
    return made, time.perf_counter() - start


def _padded(rows: np.ndarray) -> np.ndarray:
    return np.concatenate([rows, np.full(DEPTH - len(rows), -1, dtype=np.int64)])


def _row(index: str, setting: str, build_s: float, truth: np.ndarray, found: np.ndarray, timing: Timing) -> str:
    recalls = f"{recall(found, truth, 10):>9.3f} {recall(found, truth, DEPTH):>9.3f}"
    return f"{index:<6} {setting:<11} {build_s:>8.2f} {recalls} {timing.wall_ms:>8.2f} {timing.cpu_ms:>8.2f}"


def _filtered_row(search: str, setting: str, truth: np.ndarray, found: np.ndarray, timing: Timing) -> str:
    returned = np.mean((found >= 0).sum(axis=1))
    return (
        f"{search:<24} {setting:<8} {recall(found, truth, 10):>9.3f} {returned:>5.0f}"
        f" {timing.wall_ms:>8.2f} {timing.cpu_ms:>8.2f}"
    )


def _quantiles(values: np.ndarray) -> str:
    return " / ".join(f"{v:.3f}" for v in np.quantile(values, [0.1, 0.5, 0.9]))


if __name__ == "__main__":
    main()
