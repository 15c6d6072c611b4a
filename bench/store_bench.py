"""The same retrieval from the index folder and from Milvus: quality parity and search latency, in one run.

    python bench/store_bench.py [--limit N] [--k 10] [--store milvus://HOST:PORT]

Embeds the cmrc2018-dev passages once with the default model (kept in the cache folder for later runs), writes
the same index into both stores (the local one in memory, Milvus in a collection of a `milvus-lite server` this
script starts on 127.0.0.1 and stops, or of the server --store names), then asks every question (or a fixed
sample of --limit) with hybrid retrieval on both, the local store first, then Milvus, with the query vectors
computed once beforehand, so the p50 is the store and the fusion, not the encoder. Reports R@1 and MRR@10 per
store, their difference, how many result lists were identical, and search p50 / p95.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import evaluation  # noqa: E402
from assistant.core import shared_embedder  # noqa: E402
from assistant.settings import Settings, default_cache_dir  # noqa: E402
from assistant.store.indexing import embedding_text  # noqa: E402
from assistant.store.milvus import lite_server  # noqa: E402
from assistant.text.normalize import fold_for_matching  # noqa: E402

CMRC = REPO.parent / "shared" / "bench" / "cmrc2018-dev"


class QueryCache:
    """The embedder with its query vectors computed once, so both stores are timed without the encoder."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self.model_id, self.dimension = embedder.model_id, embedder.dimension
        self.vectors: dict[str, np.ndarray] = {}

    def warm(self, questions: list[str]) -> None:
        folded = [fold_for_matching(q) for q in questions]
        for text, vector in zip(folded, self.embedder.encode_queries(folded), strict=True):
            self.vectors[text] = vector

    def encode_queries(self, texts):
        return np.stack([self.vectors[t] for t in texts])

    def encode_passages(self, texts, show_progress: bool = False):
        return self.embedder.encode_passages(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="a fixed sample of this many questions")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--store", default="", help="a Milvus server to use instead of starting milvus-lite")
    args = parser.parse_args()
    settings = Settings()
    embedder = shared_embedder(settings.model)
    articles = evaluation.load_passages(CMRC / "passages.jsonl")
    questions = evaluation.load_questions(CMRC / "questions.jsonl", args.limit)
    started = time.perf_counter()
    data = evaluation.embedded_index(articles, embedder, settings, _cached(embedder, articles, settings))
    _save(embedder, data)
    print(f"{len(data.passages)} passages embedded or read from the cache in {time.perf_counter() - started:.0f} s")
    queries = QueryCache(embedder)
    queries.warm([q.question for q in questions])
    with tempfile.TemporaryDirectory() as tmp:
        if args.store:
            _compare(data, queries, questions, args.k, args.store)
        else:
            with lite_server(Path(tmp) / "data", _free_port(), Path(tmp) / "server.log") as address:
                _compare(data, queries, questions, args.k, address)


def _compare(data, queries: QueryCache, questions, k: int, address: str) -> None:
    started = time.perf_counter()
    remote = evaluation.retriever_over(data, queries, f"{address}/store_bench")
    print(f"written to Milvus in {time.perf_counter() - started:.1f} s")
    local = evaluation.retriever_over(data, queries)
    results = {}
    for name, retriever in (("local", local), ("milvus", remote)):
        ranks, times, lists = [], [], []
        for q in questions:
            t = time.perf_counter()
            hits = retriever.search(q.question, k=k)
            times.append((time.perf_counter() - t) * 1000)
            ranks.append(next((i for i, h in enumerate(hits, 1) if h.source == q.passage_id), None))
            lists.append([h.passage_ids for h in hits])
        n = len(questions)
        results[name] = {
            "recall@1": sum(r == 1 for r in ranks) / n,
            "mrr@10": sum(1 / r for r in ranks if r is not None and r <= 10) / n,
            "search_ms_p50": statistics.median(times),
            "search_ms_p95": float(np.percentile(times, 95)),
            "lists": lists,
        }
    same = sum(a == b for a, b in zip(results["local"]["lists"], results["milvus"]["lists"], strict=True))
    for name, r in results.items():
        print(
            f"{name:<7} R@1 {r['recall@1']:.4f}  MRR@10 {r['mrr@10']:.4f}  "
            f"search p50 {r['search_ms_p50']:.1f} ms  p95 {r['search_ms_p95']:.1f} ms"
        )
    delta = {m: round(results["milvus"][m] - results["local"][m], 4) for m in ("recall@1", "mrr@10")}
    print(f"milvus - local: {json.dumps(delta)}; identical top-{k} lists: {same} of {len(questions)} questions")


def _cache_file(embedder, settings: Settings) -> Path:
    key = hashlib.sha256(f"{embedder.model_id} {settings.chunking.to_dict()}".encode()).hexdigest()[:12]
    return default_cache_dir() / "bench" / f"store-bench-cmrc-{key}.npz"


def _cached(embedder, articles, settings: Settings) -> dict[str, np.ndarray]:
    path = _cache_file(embedder, settings)
    if not path.exists():
        return {}
    saved = np.load(path, allow_pickle=False)
    return dict(zip(saved["texts"].tolist(), saved["vectors"], strict=True))


def _save(embedder, data) -> None:
    path = _cache_file(embedder, Settings())
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, texts=np.array([embedding_text(p) for p in data.passages]), vectors=data.embeddings)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
