"""Hybrid retrieval: keyword and vector candidates, fused, with near-duplicate stories collapsed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from .embedding import Embedder
from .fusion import DEPTH, fuse
from .normalize import fold_for_matching
from .results import Hit
from .store import IndexData

Method = Literal["hybrid", "keyword", "vector"]


class Retriever:
    def __init__(self, data: IndexData, embedder: Embedder) -> None:
        self.data = data
        self.embedder = embedder
        self._story_of = {member: i for i, group in enumerate(data.stories) for member in group}
        self._sources = np.array([p.source for p in data.passages])
        self._dates = {(a.source, a.number): a.date for a in data.articles}

    def search(
        self, query: str, k: int = 5, sources: Sequence[str] | None = None, method: Method = "hybrid"
    ) -> list[Hit]:
        """The k best passages for the query, best first; `sources` restricts to those corpus files."""
        folded = fold_for_matching(query)
        allowed = np.flatnonzero(np.isin(self._sources, list(sources))) if sources else None
        keyword_all = None
        keyword_ranks: dict[int, int] = {}
        vector_ranks: dict[int, int] = {}
        vector_scores: dict[int, float] = {}
        if method != "vector":
            keyword_all = self.data.keyword.scores(folded)
            keyword_top_rows = _top_rows(keyword_all, allowed)
            keyword_ranks = {int(r): rank for rank, r in enumerate(keyword_top_rows, 1) if keyword_all[r] > 0}
        if method != "keyword":
            query_vector = self.embedder.encode_queries([folded])[0]
            rows, sims = self.data.vectors.search(query_vector, DEPTH, allowed)
            vector_ranks = {int(r): rank for rank, r in enumerate(rows, 1)}
            vector_scores = {int(r): float(s) for r, s in zip(rows, sims, strict=True)}
        if method == "keyword":
            fused = {row: float(keyword_all[row]) for row in keyword_ranks}
        elif method == "vector":
            fused = dict(vector_scores)
        else:
            candidates = set(keyword_ranks) | set(vector_ranks)
            for row in candidates - set(vector_scores):
                vector_scores[row] = float(self.data.embeddings[row] @ query_vector)
            fused, _ = fuse(
                {row: float(keyword_all[row]) for row in candidates},
                vector_scores,
                keyword_all[keyword_top_rows],
                np.asarray(sims, dtype=np.float32),
            )

        hits: list[Hit] = []
        shown_stories: set[int] = set()
        for row in sorted(fused, key=lambda r: -fused[r]):
            passage = self.data.passages[row]
            story = self._story_of.get((passage.source, passage.article))
            if story in shown_stories:
                continue  # the same story from another article is already shown, listing this source
            hit = Hit(
                text=passage.text,
                score=fused[row],
                source=passage.source,
                title=passage.title,
                passage_id=passage.passage_id,
                start=passage.start,
                end=passage.end,
                article=passage.article,
                date=self._dates.get((passage.source, passage.article), ""),
                flags=list(passage.flags),
                keyword_score=None if keyword_all is None else float(keyword_all[row]),
                vector_score=vector_scores.get(row),
                keyword_rank=keyword_ranks.get(row),
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


def _top_rows(scores: np.ndarray, allowed: np.ndarray | None, depth: int = DEPTH) -> np.ndarray:
    """The rows of the `depth` best scores, best first, among the allowed rows."""
    rows = np.arange(len(scores)) if allowed is None else allowed
    if len(rows) > depth:
        rows = rows[np.argpartition(-scores[rows], depth - 1)[:depth]]
    return rows[np.argsort(-scores[rows], kind="stable")]
