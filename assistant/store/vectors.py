"""Vector search over L2-normalised embeddings with FAISS (inner product = cosine similarity).

Small corpora get exact search; from APPROXIMATE_MIN_SIZE vectors on, an HNSW graph. bench/ann_bench.py
measures both and chose the threshold and the HNSW parameters.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

# The app searches one query at a time, where FAISS's threads only wait for each other and for the cores:
# bench/ann_bench.py on this shared 2-core machine, exact search p50 with the default threads was 24 / 47 / 124 ms
# at 10k / 50k / 200k vectors against 0.52 / 4.91 / 22.2 ms with one thread.
faiss.omp_set_num_threads(1)

# From this many vectors on, HNSW. bench/ann_bench.py --threads 1 (single-query p50, k = 50, recall@10 against
# exact) measured exact / HNSW: 10k 0.52 / 0.77 ms, 25k 2.11 / 1.23 ms, 50k 4.91 / 1.60 ms (recall 0.998),
# 100k 12.0 / 1.41 ms (0.996), 200k 22.2 / 1.23 ms (0.982). 50k is the first size where HNSW is clearly
# (~3x) faster; building it then takes ~20 s on one busy core against 0.1 s. IVF needed more time for the
# same recall (200k, nprobe=64: 0.981 at 1.95 ms).
APPROXIMATE_MIN_SIZE = 50_000
# M and efConstruction were compared once on the bench's 50k set (ef=128): M=16 lost recall (0.986 against
# 0.995), M=48 gained none; efConstruction 80 cost 30% more build time for the same recall.
HNSW_M = 32  # graph degree
HNSW_EF_CONSTRUCTION = 40  # FAISS's default
HNSW_EF_SEARCH = 256  # candidates kept per query: recall@10 >= 0.98 up to 200k (128: 0.971 at 200k)

Kind = Literal["exact", "hnsw"]


class VectorIndex:
    """A FAISS index whose int64 ids are the row numbers of the passages in the index folder."""

    def __init__(self, index: faiss.Index) -> None:
        self._index = index

    @classmethod
    def build(cls, vectors: np.ndarray, *, approximate: bool | None = None) -> VectorIndex:
        """Exact below APPROXIMATE_MIN_SIZE vectors, HNSW from there; `approximate` forces the kind."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if approximate is None:
            approximate = len(vectors) >= APPROXIMATE_MIN_SIZE
        # both number the vectors in insertion order, so their ids are the row numbers without an id map
        # (indexes written with an IndexIDMap2 around the flat index, before the HNSW kind, still load)
        if approximate:
            index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        else:
            index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return cls(index)

    @property
    def kind(self) -> Kind:
        return "hnsw" if isinstance(self._index, faiss.IndexHNSW) else "exact"

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        return cls(faiss.read_index(str(path)))

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Row ids and cosine scores of the k nearest passages, best first; `allowed` restricts the rows."""
        k = min(k, self.size if allowed is None else len(allowed))
        if k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        selector = None if allowed is None else self._selector(allowed)
        index = self._index
        if self.kind == "exact":
            params = None if selector is None else faiss.SearchParameters(sel=selector)
        elif selector is not None and len(allowed) < APPROXIMATE_MIN_SIZE:
            # an allowed subset is searched as a corpus of its size would be: HNSW keeps efSearch candidates
            # and drops those not allowed, so it would miss most of a small subset; the graph's flat storage
            # (the vectors in row order) is scanned exactly instead
            index = faiss.downcast_index(self._index.storage)
            params = faiss.SearchParameters(sel=selector)
        else:
            params = faiss.SearchParametersHNSW(efSearch=self._ef_search(k, allowed), sel=selector)
        scores, ids = index.search(query, k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def _selector(self, allowed: np.ndarray) -> faiss.IDSelector:
        """A bitmap over the rows: ten times cheaper to make per query than an IDSelectorBatch for 100k rows."""
        mask = np.zeros(self.size, dtype=bool)
        mask[allowed] = True
        return faiss.IDSelectorBitmap(np.packbits(mask, bitorder="little"))  # keeps a reference to the bits

    def _ef_search(self, k: int, allowed: np.ndarray | None) -> int:
        """HNSW_EF_SEARCH, widened in proportion when only a share of the rows may be returned, and at least k
        (HNSW returns no more rows than it keeps candidates)."""
        share = 1.0 if allowed is None else len(allowed) / self.size
        return max(k, math.ceil(HNSW_EF_SEARCH / share))
