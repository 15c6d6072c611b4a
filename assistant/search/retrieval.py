"""Hybrid retrieval: keyword and vector candidates, fused, with near-duplicate stories collapsed and adjacent
passages of one article merged into one hit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..model.embedding import Embedder
from ..results import Hit
from ..store.base import Scope, Store, Story
from ..text.documents import Article, Passage
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
    keyword_scores: dict[int, float] | None  # every candidate's keyword score; None when the method ignores keywords
    keyword_ranks: dict[int, int]
    vector_scores: dict[int, float]
    vector_ranks: dict[int, int]
    exhausted: bool  # no signal was cut at the depth asked for, so a deeper look finds nothing more

    def ranked(self) -> list[int]:
        return sorted(self.fused, key=lambda r: (-self.fused[r], r))

    def signals(self, row: int) -> dict[str, float | int | None]:
        """Keyword arguments of Hit for the candidate at `row`."""
        return {
            "score": self.fused[row],
            "keyword_score": None if self.keyword_scores is None else self.keyword_scores[row],
            "vector_score": self.vector_scores.get(row),
            "keyword_rank": self.keyword_ranks.get(row),
            "vector_rank": self.vector_ranks.get(row),
        }


class Retriever:
    """Search over any store (store/base.py): it gives each signal's candidates, the fusion and the hits are made
    here, so the ranking is the same whichever engine holds the index."""

    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder

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
        scope = Scope.of(sources, articles)
        query_vector = self.embedder.encode_queries([folded])[0] if method != "keyword" else None
        view = _View(self.store)
        # A hit may take up to MAX_MERGED candidates, and story collapse skips some: look deeper while fewer
        # than k hits came out and a signal was cut short, so merging never leaves places empty needlessly.
        depth = max(DEPTH, k * MAX_MERGED)
        while True:
            found = self._candidates(folded, query_vector, scope, method, depth)
            ranked = found.ranked()
            view.fetch(ranked)
            groups = _groups(view, ranked, k)
            if len(groups) == k or found.exhausted:
                break
            depth *= 4
        # a merged hit scores and ranks as its best passage
        return [view.hit(group, **found.signals(group.rows[0])) for group in groups]

    def _candidates(
        self, folded: str, query_vector: np.ndarray | None, scope: Scope | None, method: Method, depth: int
    ) -> _Candidates:
        """Up to `depth` candidates from each signal the method uses, with their fused scores."""
        store = self.store
        keyword_scores: dict[int, float] | None = None
        keyword_ranks: dict[int, int] = {}
        vector_ranks: dict[int, int] = {}
        vector_scores: dict[int, float] = {}
        keyword_top = vector_top = np.empty(0, dtype=np.float32)
        exhausted = True
        if method != "vector":
            rows, scores = store.keyword_candidates(folded, depth, scope)
            keyword_ranks = {int(r): rank for rank, r in enumerate(rows, 1)}
            keyword_scores = {int(r): float(s) for r, s in zip(rows, scores, strict=True)}
            keyword_top = _padded(np.asarray(scores[:DEPTH], dtype=np.float32), store, scope)
            exhausted = len(rows) < depth
        if query_vector is not None:
            rows, sims = store.vector_candidates(query_vector, depth, scope)
            vector_ranks = {int(r): rank for rank, r in enumerate(rows, 1)}
            vector_scores = {int(r): float(s) for r, s in zip(rows, sims, strict=True)}
            vector_top = np.asarray(sims[:DEPTH], dtype=np.float32)
            exhausted = exhausted and len(rows) < depth
        if method == "keyword":
            fused = dict(keyword_scores or {})
        elif method == "vector":
            fused = dict(vector_scores)
        else:
            assert keyword_scores is not None and query_vector is not None
            _complete(keyword_scores, set(vector_ranks), lambda ids: store.keyword_scores(folded, ids))
            _complete(vector_scores, set(keyword_ranks), lambda ids: store.vector_scores(query_vector, ids))
            # The z-scores are taken over the first DEPTH of each list however deep the candidates go, so a
            # passage scores the same whatever k is.
            fused, _ = fuse(keyword_scores, vector_scores, keyword_top, vector_top)
        return _Candidates(fused, keyword_scores, keyword_ranks, vector_scores, vector_ranks, exhausted)


def _complete(scores: dict[int, float], rows: set[int], lookup: Callable[[list[int]], np.ndarray]) -> None:
    """Add the scores of the rows that one signal found and the other did not."""
    missing = sorted(rows - set(scores))
    if missing:
        scores.update(zip(missing, map(float, lookup(missing)), strict=True))


def _padded(top: np.ndarray, store: Store, scope: Scope | None) -> np.ndarray:
    """The keyword signal's top scores as fusion expects them: the passages holding no query word score zero
    and still count among the first DEPTH when fewer than DEPTH passages hold one."""
    if len(top) >= DEPTH:
        return top
    width = min(DEPTH, store.count(scope))
    return np.concatenate([top, np.zeros(max(0, width - len(top)), dtype=np.float32)])


class _View:
    """The passages, articles and stories one search looks at, fetched from the store once each."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.passages: dict[int, Passage] = {}
        self._articles: dict[tuple[str, int], Article | None] = {}
        self._stories: dict[tuple[str, int], Story | None] = {}

    def fetch(self, rows: list[int]) -> None:
        missing = [r for r in rows if r not in self.passages]
        if missing:
            self.passages.update(self.store.passages(missing))

    def article(self, key: tuple[str, int]) -> Article:
        if key not in self._articles:
            self._articles[key] = self.store.article(*key)
        article = self._articles[key]
        assert article is not None, f"passage of unknown article {key}"
        return article

    def story(self, key: tuple[str, int]) -> Story | None:
        if key not in self._stories:
            self._stories[key] = self.store.story(*key)
        return self._stories[key]

    def hit(self, group: _Group, **signals: float | int | None) -> Hit:
        """The hit for a group: the article text over the union of its passages, named by its best passage, with
        the scores and ranks (`signals`) of that passage."""
        best = self.passages[group.rows[0]]
        members = sorted((self.passages[r] for r in group.rows), key=lambda p: p.start)
        article = self.article(group.article)
        story = self.story(group.article)
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
            also_in=[] if story is None else sorted({s for s, _ in story} - {best.source}),
            **signals,
        )


def _groups(view: _View, ranked_rows: list[int], k: int) -> list[_Group]:
    """Up to k hits from the ranked rows: a passage joins the shown passages of its article that it overlaps
    or touches, else it is shown on its own unless its story is already shown (from this or another article).
    Merging frees a place, which the next candidate fills, so k is reached whenever enough candidates exist.
    """
    groups: list[_Group] = []
    shown_stories: set[Story] = set()
    for row in ranked_rows:
        if _join(view, groups, row):
            continue
        passage = view.passages[row]
        story = view.story((passage.source, passage.article))
        if story in shown_stories:
            continue  # the same story is already shown, listing this source
        if story is not None:
            shown_stories.add(story)
        groups.append(_Group((passage.source, passage.article), [row], passage.start, passage.end))
        if len(groups) == k:
            break
    return groups


def _join(view: _View, groups: list[_Group], row: int) -> bool:
    """Merge the passage at `row` with the groups of its article it touches, best-ranked first, while the
    result stays within MAX_MERGED passages; False when it joined none. A passage between two shown ones
    fuses all three into the better-ranked group."""
    passage = view.passages[row]
    article = (passage.source, passage.article)
    text = view.article(article).text
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
    target.start = min(view.passages[r].start for r in target.rows)
    target.end = max(view.passages[r].end for r in target.rows)
    return True


def _touch(a_start: int, a_end: int, b_start: int, b_end: int, text: str) -> bool:
    """Whether two ranges of `text` overlap or are apart by whitespace only."""
    if a_start > b_start:
        a_start, a_end, b_start, b_end = b_start, b_end, a_start, a_end
    return b_start <= a_end or not text[a_end:b_start].strip()
