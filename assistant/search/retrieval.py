"""Hybrid retrieval: keyword and vector candidates, fused, with near-duplicate stories collapsed and adjacent
passages of one article merged into one hit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..model.embedding import Embedder
from ..results import Hit
from ..store.folder import IndexData
from ..text.normalize import fold_for_matching
from .fusion import DEPTH, fuse

Method = Literal["hybrid", "keyword", "vector"]

# At most this many adjacent passages become one hit. Three passages of max_chars (300 by default) sharing a
# sentence each make about 800 characters: still one readable source card, and k such hits still fit a language
# model's prompt. A longer relevant run of the article stays split over several hits.
MAX_MERGED = 3


@dataclass
class _Group:
    """Rows of adjacent passages of one article shown as one hit; rows[0] ranks best."""

    article: tuple[str, int]  # (source, number)
    rows: list[int]
    start: int  # the union of their ranges in the article text
    end: int


@dataclass
class _Candidates:
    """Candidate rows with their fused score and each signal's score and rank (shown in the retrieval test)."""

    fused: dict[int, float]
    keyword_all: np.ndarray | None  # every row's keyword score; None when the method ignores keywords
    keyword_ranks: dict[int, int]
    vector_scores: dict[int, float]
    vector_ranks: dict[int, int]
    exhausted: bool  # no signal was cut at the depth asked for, so a deeper look finds nothing more

    def ranked(self) -> list[int]:
        return sorted(self.fused, key=lambda r: -self.fused[r])

    def signals(self, row: int) -> dict[str, float | int | None]:
        """Keyword arguments of Hit for the candidate at `row`."""
        return {
            "score": self.fused[row],
            "keyword_score": None if self.keyword_all is None else float(self.keyword_all[row]),
            "vector_score": self.vector_scores.get(row),
            "keyword_rank": self.keyword_ranks.get(row),
            "vector_rank": self.vector_ranks.get(row),
        }


class Retriever:
    def __init__(self, data: IndexData, embedder: Embedder) -> None:
        self.data = data
        self.embedder = embedder
        self._story_of = {member: i for i, group in enumerate(data.stories) for member in group}
        self._sources = np.array([p.source for p in data.passages])
        self._articles = {(a.source, a.number): a for a in data.articles}
        self._ordinal = {key: i for i, key in enumerate(self._articles)}
        self._article_ordinals = np.array([self._ordinal[p.source, p.article] for p in data.passages], dtype=np.int64)

    def search(
        self,
        query: str,
        k: int = 5,
        sources: Sequence[str] | None = None,
        method: Method = "hybrid",
        *,
        articles: Sequence[tuple[str, int]] | None = None,
    ) -> list[Hit]:
        """The k best hits for the query, best first. `sources` restricts to those corpus files, `articles` to
        those (source, article number) pairs; given both, a passage must satisfy both. Unknown ones match nothing.
        """
        folded = fold_for_matching(query)
        allowed = self._allowed_rows(sources, articles)
        keyword_all = self.data.keyword.scores(folded) if method != "vector" else None
        query_vector = self.embedder.encode_queries([folded])[0] if method != "keyword" else None
        # A hit may take up to MAX_MERGED candidates, and story collapse skips some: look deeper while fewer
        # than k hits came out and a signal was cut short, so merging never leaves places empty needlessly.
        depth = max(DEPTH, k * MAX_MERGED)
        while True:
            found = self._candidates(keyword_all, query_vector, allowed, method, depth)
            groups = self._groups(found.ranked(), k)
            if len(groups) == k or found.exhausted:
                break
            depth *= 4
        # a merged hit scores and ranks as its best passage
        return [self._hit(group, **found.signals(group.rows[0])) for group in groups]

    def _candidates(
        self,
        keyword_all: np.ndarray | None,
        query_vector: np.ndarray | None,
        allowed: np.ndarray | None,
        method: Method,
        depth: int,
    ) -> _Candidates:
        """Up to `depth` candidates from each signal the method uses, with their fused scores."""
        keyword_ranks: dict[int, int] = {}
        vector_ranks: dict[int, int] = {}
        vector_scores: dict[int, float] = {}
        exhausted = True
        if keyword_all is not None:
            keyword_top_rows = _top_rows(keyword_all, allowed, depth)
            keyword_ranks = {int(r): rank for rank, r in enumerate(keyword_top_rows, 1) if keyword_all[r] > 0}
            exhausted = len(keyword_ranks) < depth
        if query_vector is not None:
            rows, sims = self.data.vectors.search(query_vector, depth, allowed)
            vector_ranks = {int(r): rank for rank, r in enumerate(rows, 1)}
            vector_scores = {int(r): float(s) for r, s in zip(rows, sims, strict=True)}
            exhausted = exhausted and len(rows) < depth
        if method == "keyword":
            fused = {row: float(keyword_all[row]) for row in keyword_ranks}
        elif method == "vector":
            fused = dict(vector_scores)
        else:
            candidates = set(keyword_ranks) | set(vector_ranks)
            for row in candidates - set(vector_scores):
                vector_scores[row] = float(self.data.embeddings[row] @ query_vector)
            # The z-scores are taken over the first DEPTH of each list however deep the candidates go, so a
            # passage scores the same whatever k is.
            fused, _ = fuse(
                {row: float(keyword_all[row]) for row in candidates},
                vector_scores,
                keyword_all[keyword_top_rows[:DEPTH]],
                np.asarray(sims[:DEPTH], dtype=np.float32),
            )
        return _Candidates(fused, keyword_all, keyword_ranks, vector_scores, vector_ranks, exhausted)

    def _allowed_rows(
        self, sources: Sequence[str] | None, articles: Sequence[tuple[str, int]] | None
    ) -> np.ndarray | None:
        """The passage rows the filters let through, or None when there is no filter."""
        if not sources and not articles:
            return None
        keep = np.ones(len(self._sources), dtype=bool)
        if sources:
            keep &= np.isin(self._sources, list(sources))
        if articles:
            wanted = [self._ordinal[key] for key in map(tuple, articles) if key in self._ordinal]
            keep &= np.isin(self._article_ordinals, wanted)
        return np.flatnonzero(keep)

    def _groups(self, ranked_rows: list[int], k: int) -> list[_Group]:
        """Up to k hits from the ranked rows: a passage joins the shown passages of its article that it overlaps
        or touches, else it is shown on its own unless its story is already shown (from this or another article).
        Merging frees a place, which the next candidate fills, so k is reached whenever enough candidates exist.
        """
        groups: list[_Group] = []
        shown_stories: set[int] = set()
        for row in ranked_rows:
            if self._join(groups, row):
                continue
            passage = self.data.passages[row]
            story = self._story_of.get((passage.source, passage.article))
            if story in shown_stories:
                continue  # the same story is already shown, listing this source
            if story is not None:
                shown_stories.add(story)
            groups.append(_Group((passage.source, passage.article), [row], passage.start, passage.end))
            if len(groups) == k:
                break
        return groups

    def _join(self, groups: list[_Group], row: int) -> bool:
        """Merge the passage at `row` with the groups of its article it touches, best-ranked first, while the
        result stays within MAX_MERGED passages; False when it joined none. A passage between two shown ones
        fuses all three into the better-ranked group."""
        passage = self.data.passages[row]
        article = (passage.source, passage.article)
        text = self._articles[article].text
        joined: list[_Group] = []
        size = 1
        for group in groups:
            touching = group.article == article and _touch(group.start, group.end, passage.start, passage.end, text)
            if touching and size + len(group.rows) <= MAX_MERGED:
                joined.append(group)
                size += len(group.rows)
        if not joined:
            return False
        target, *others = joined  # groups are in rank order, so target holds the best-ranked passage
        for group in others:
            target.rows += group.rows
            groups.remove(group)
        target.rows.append(row)
        target.start = min(self.data.passages[r].start for r in target.rows)
        target.end = max(self.data.passages[r].end for r in target.rows)
        return True

    def _hit(self, group: _Group, **signals: float | int | None) -> Hit:
        """The hit for a group: the article text over the union of its passages, named by its best passage, with
        the scores and ranks (`signals`) of that passage."""
        best = self.data.passages[group.rows[0]]
        members = sorted((self.data.passages[r] for r in group.rows), key=lambda p: p.start)
        article = self._articles[group.article]
        story = self._story_of.get(group.article)
        return Hit(
            # A slice of the article, never a concatenation of passages, so the shared sentence appears once and
            # every sentence quoted from the hit is verbatim article text.
            text=article.text[group.start : group.end],
            source=best.source,
            title=best.title,
            passage_id=best.passage_id,
            passage_ids=[p.passage_id for p in members],
            start=group.start,
            end=group.end,
            article=best.article,
            date=article.date,
            pages=article.pages_of(group.start, group.end),
            flags=list(dict.fromkeys(flag for p in members for flag in p.flags)),
            also_in=self._other_sources(story, best.source),
            **signals,
        )

    def _other_sources(self, story: int | None, source: str) -> list[str]:
        if story is None:
            return []
        return sorted({s for s, _ in self.data.stories[story]} - {source})


def _touch(a_start: int, a_end: int, b_start: int, b_end: int, text: str) -> bool:
    """Whether two ranges of `text` overlap or are apart by whitespace only."""
    if a_start > b_start:
        a_start, a_end, b_start, b_end = b_start, b_end, a_start, a_end
    return b_start <= a_end or not text[a_end:b_start].strip()


def _top_rows(scores: np.ndarray, allowed: np.ndarray | None, depth: int) -> np.ndarray:
    """The rows of the `depth` best scores, best first, among the allowed rows."""
    rows = np.arange(len(scores)) if allowed is None else allowed
    if len(rows) > depth:
        rows = rows[np.argpartition(-scores[rows], depth - 1)[:depth]]
    return rows[np.argsort(-scores[rows], kind="stable")]
