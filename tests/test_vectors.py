"""VectorIndex: exact search for small corpora, HNSW above APPROXIMATE_MIN_SIZE, both behind one interface."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from assistant.store import vectors
from assistant.store.vectors import APPROXIMATE_MIN_SIZE, HNSW_EF_SEARCH, VectorIndex

DIMENSION = 32


def clustered(n: int, seed: int = 0) -> np.ndarray:
    """L2-normalised vectors around 20 centres, like real embeddings rather than uniform noise."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, DIMENSION))
    points = centres[rng.integers(0, 20, n)] + 0.3 * rng.standard_normal((n, DIMENSION))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def near(point: np.ndarray, seed: int = 1) -> np.ndarray:
    """A query close to, but not equal to, a corpus vector."""
    query = point + 0.05 * np.random.default_rng(seed).standard_normal(point.shape).astype(np.float32)
    return query / np.linalg.norm(query)


@pytest.fixture(scope="module")
def corpus() -> np.ndarray:
    return clustered(3000)


@pytest.fixture(scope="module", params=[False, True], ids=["exact", "hnsw"])
def index(request, corpus: np.ndarray) -> VectorIndex:
    return VectorIndex.build(corpus, approximate=request.param)


def test_kind_follows_the_size_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    small = clustered(200)
    assert VectorIndex.build(small).kind == "exact"
    monkeypatch.setattr(vectors, "APPROXIMATE_MIN_SIZE", len(small))
    assert VectorIndex.build(small).kind == "hnsw"
    assert VectorIndex.build(small, approximate=False).kind == "exact"


def test_forced_kind(corpus: np.ndarray) -> None:
    assert len(corpus) < APPROXIMATE_MIN_SIZE
    assert VectorIndex.build(corpus, approximate=True).kind == "hnsw"
    assert VectorIndex.build(corpus, approximate=False).kind == "exact"


def test_both_kinds_find_the_nearest_row(index: VectorIndex, corpus: np.ndarray) -> None:
    assert (index.size, index.dimension) == corpus.shape
    for row in (0, 1234, 2999):
        query = near(corpus[row])
        rows, scores = index.search(query, 10)
        exact = np.argsort(-(corpus @ query))[:10]
        assert rows[0] == exact[0]
        assert len(set(rows) & set(exact)) >= 9
        assert np.all(np.diff(scores) <= 1e-6)
        assert scores[0] == pytest.approx(float(corpus[rows[0]] @ query), abs=1e-5)


def test_k_larger_than_the_corpus(index: VectorIndex) -> None:
    rows, scores = index.search(near(np.ones(DIMENSION, dtype=np.float32)), 10_000)
    assert sorted(rows) == list(range(index.size))
    assert len(scores) == index.size


@pytest.mark.parametrize("count", [1, 3, 40, 1500])
def test_allowed_rows_restrict_the_search(
    index: VectorIndex, corpus: np.ndarray, count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the threshold at 1,000 rows, HNSW scans the tiny sets exactly (its own search would drop most of
    them) and searches 1,500 rows with a widened efSearch."""
    monkeypatch.setattr(vectors, "APPROXIMATE_MIN_SIZE", 1000)
    allowed = np.random.default_rng(count).choice(len(corpus), count, replace=False)
    query = near(corpus[allowed[-1]])
    rows = index.search(query, 10, allowed)[0]
    best = allowed[np.argsort(-(corpus[allowed] @ query))][: min(10, count)]
    assert set(rows) <= set(allowed)
    assert len(rows) == min(10, count)
    assert rows[0] == best[0]
    assert len(set(rows) & set(best)) >= len(best) - 1


def test_an_empty_allowed_set_finds_nothing(index: VectorIndex) -> None:
    rows, scores = index.search(np.ones(DIMENSION, dtype=np.float32), 5, np.array([], dtype=np.int64))
    assert len(rows) == len(scores) == 0


def test_save_and_load_keep_the_kind_and_results(index: VectorIndex, corpus: np.ndarray, tmp_path: Path) -> None:
    index.save(tmp_path / "vectors.faiss")
    loaded = VectorIndex.load(tmp_path / "vectors.faiss")
    assert (loaded.kind, loaded.size, loaded.dimension) == (index.kind, index.size, index.dimension)
    query = near(corpus[7])
    for allowed in (None, np.arange(0, 3000, 3)):
        assert np.array_equal(loaded.search(query, 20, allowed)[0], index.search(query, 20, allowed)[0])


def test_loaded_graph_searches_with_our_ef_search(tmp_path: Path) -> None:
    """A graph written with another efSearch still searches with HNSW_EF_SEARCH once loaded."""
    corpus = clustered(5000, seed=3)
    graph = faiss.IndexHNSWFlat(DIMENSION, 16, faiss.METRIC_INNER_PRODUCT)
    graph.add(corpus)
    graph.hnsw.efSearch = 1
    faiss.write_index(graph, str(tmp_path / "vectors.faiss"))
    loaded = VectorIndex.load(tmp_path / "vectors.faiss")
    queries = [near(corpus[row], seed=row) for row in range(0, 5000, 100)]
    found = sum(loaded.search(q, 1)[0][0] == np.argmax(corpus @ q) for q in queries)
    stored = sum(graph.search(q[None], 1)[1][0, 0] == np.argmax(corpus @ q) for q in queries)
    assert HNSW_EF_SEARCH > 1
    assert found == len(queries) > stored


def test_an_index_written_with_an_id_map_still_loads(corpus: np.ndarray, tmp_path: Path) -> None:
    """Indexes built before the HNSW kind wrap the flat index in an IndexIDMap2."""
    old = faiss.IndexIDMap2(faiss.IndexFlatIP(DIMENSION))
    old.add_with_ids(corpus, np.arange(len(corpus), dtype=np.int64))
    faiss.write_index(old, str(tmp_path / "vectors.faiss"))
    loaded = VectorIndex.load(tmp_path / "vectors.faiss")
    query = near(corpus[42])
    assert loaded.kind == "exact"
    assert loaded.search(query, 5)[0][0] == 42
    assert loaded.search(query, 5, np.arange(100, 200))[0][0] == 100 + np.argmax(corpus[100:200] @ query)
