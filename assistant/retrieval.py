"""Hybrid retrieval: keyword and vector candidates, fused, with near-duplicate stories collapsed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from .embedding import Embedder
from .fusion import reciprocal_rank_fusion
from .normalize import fold_for_matching
from .results import Hit
from .store import IndexData

Method = Literal["hybrid", "keyword", "vector"]
CANDIDATES = 50  # depth of each list before fusion


class Retriever:
    def __init__(self, data: IndexData, embedder: Embedder) -> None:
        self.data = data
        self.embedder = embedder
        self._story_of = {member: i for i, group in enumerate(data.stories) for member in group}
        self._sources = np.array([p.source for p in data.passages])

    def search(
        self, query: str, k: int = 5, sources: Sequence[str] | None = None, method: Method = "hybrid"
    ) -> list[Hit]:
        """The k best passages for the query, best first; `sources` restricts to those corpus files."""
        folded = fold_for_matching(query)
        allowed = np.flatnonzero(np.isin(self._sources, list(sources))) if sources else None
        keyword_scores = keyword_ranks = query_vector = None
        vector_scores: dict[int, float] = {}
        vector_ranks: dict[int, int] = {}
        if method != "vector":
            keyword_scores = self.data.keyword.scores(folded)
            keyword_ranks = _top_ranks(keyword_scores, allowed)
        if method != "keyword":
            query_vector = self.embedder.encode_queries([folded])[0]
            rows, sims = self.data.vectors.search(query_vector, CANDIDATES, allowed)
            vector_ranks = {int(r): rank for rank, r in enumerate(rows, 1)}
            vector_scores = {int(r): float(s) for r, s in zip(rows, sims, strict=True)}
        if method == "keyword":
            fused = {row: float(keyword_scores[row]) for row in keyword_ranks}
        elif method == "vector":
            fused = dict(vector_scores)
        else:
            fused = reciprocal_rank_fusion(keyword_ranks, vector_ranks)

        hits: list[Hit] = []
        shown_stories: set[int] = set()
        for row in sorted(fused, key=lambda r: -fused[r]):
            passage = self.data.passages[row]
            story = self._story_of.get((passage.source, passage.article))
            if story in shown_stories:
                continue  # the same story from another article is already shown, listing this source
            if query_vector is not None and row not in vector_scores:
                vector_scores[row] = float(self.data.embeddings[row] @ query_vector)
            hit = Hit(
                text=passage.text,
                score=fused[row],
                source=passage.source,
                title=passage.title,
                passage_id=passage.passage_id,
                start=passage.start,
                end=passage.end,
                article=passage.article,
                flags=list(passage.flags),
                keyword_score=None if keyword_scores is None else float(keyword_scores[row]),
                vector_score=vector_scores.get(row),
                keyword_rank=None if keyword_ranks is None else keyword_ranks.get(row),
                vector_rank=vector_ranks.get(row),
                also_in=self._other_sources(story, passage.source),
            )
            if story is not None:
                shown_stories.add(story)
            hits.append(hit)
            if len(hits) == k:
                break
        return hits

    def _other_sources(self, story: int | None, source: str) -> list[str]:
        if story is None:
            return []
        return sorted({s for s, _ in self.data.stories[story]} - {source})


def _top_ranks(scores: np.ndarray, allowed: np.ndarray | None, depth: int = CANDIDATES) -> dict[int, int]:
    """1-based ranks of the `depth` best rows with a positive score, among the allowed rows."""
    rows = np.flatnonzero(scores > 0)
    if allowed is not None:
        rows = np.intersect1d(rows, allowed)
    rows = rows[np.argsort(-scores[rows], kind="stable")][:depth]
    return {int(row): rank for rank, row in enumerate(rows, 1)}
