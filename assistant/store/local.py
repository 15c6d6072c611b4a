"""The embedded store: the index folder, loaded into this process (FAISS vectors, bm25s keywords)."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np

from ..errors import IndexProblem
from ..text.documents import Article, Passage
from .base import ArticleSummary, Contents, Scope, Story
from .folder import IndexData, Manifest, assemble, build_lock, read_index, read_manifest, write_index
from .indexing import embedding_text


class LocalStore:
    """A Store over an index held in memory; ids are rows of `data.passages`."""

    def __init__(self, data: IndexData) -> None:
        self.data = data
        self.manifest = data.manifest
        self._story_of = {tuple(m): tuple(tuple(x) for x in group) for group in data.stories for m in group}
        self._articles = {(a.source, a.number): a for a in data.articles}
        self._sources = np.array([p.source for p in data.passages])
        ordinal = {key: i for i, key in enumerate(self._articles)}
        self._ordinal = ordinal
        self._article_ordinals = np.array([ordinal[p.source, p.article] for p in data.passages], dtype=np.int64)
        self._last_query: tuple[str, np.ndarray] = ("", np.zeros(0))

    def count(self, scope: Scope | None) -> int:
        allowed = self._allowed_rows(scope)
        return len(self.data.passages) if allowed is None else len(allowed)

    def keyword_candidates(self, folded: str, depth: int, scope: Scope | None) -> tuple[np.ndarray, np.ndarray]:
        scores = self._keyword_all(folded)
        rows = _top_rows(scores, self._allowed_rows(scope), depth)
        rows = rows[scores[rows] > 0]
        return rows, scores[rows]

    def keyword_scores(self, folded: str, ids: Sequence[int]) -> np.ndarray:
        return self._keyword_all(folded)[np.asarray(ids, dtype=np.int64)]

    def vector_candidates(self, vector: np.ndarray, depth: int, scope: Scope | None) -> tuple[np.ndarray, np.ndarray]:
        rows, scores = self.data.vectors.search(vector, depth, self._allowed_rows(scope))
        order = np.lexsort((rows, -scores))  # equal scores by row, whatever order the index found them in
        return rows[order], scores[order]

    def vector_scores(self, vector: np.ndarray, ids: Sequence[int]) -> np.ndarray:
        return self.data.embeddings[np.asarray(ids, dtype=np.int64)] @ vector

    def passages(self, ids: Sequence[int]) -> dict[int, Passage]:
        return {int(i): self.data.passages[i] for i in ids}

    def article(self, source: str, number: int) -> Article | None:
        return self._articles.get((source, number))

    def story(self, source: str, number: int) -> Story | None:
        return self._story_of.get((source, number))

    def idf(self, token: str) -> float:
        return self.data.keyword.idf(token)

    def articles(self) -> Iterator[ArticleSummary]:
        counts = Counter((p.source, p.article) for p in self.data.passages)
        flags: dict[tuple[str, int], set[str]] = defaultdict(set)
        for p in self.data.passages:
            flags[(p.source, p.article)].update(p.flags)
        for a in self.data.articles:
            key = (a.source, a.number)
            yield ArticleSummary(a.source, a.number, a.title, counts[key], tuple(sorted(flags[key])))

    def _keyword_all(self, folded: str) -> np.ndarray:
        # Every passage's BM25 score; the retriever asks for the same query's candidates and scores in turn,
        # so the last query's scores are kept (one tuple, replaced whole, so concurrent searches stay correct).
        last_folded, last_scores = self._last_query
        if last_folded == folded and len(last_scores):
            return last_scores
        scores = self.data.keyword.scores(folded)
        self._last_query = (folded, scores)
        return scores

    def _allowed_rows(self, scope: Scope | None) -> np.ndarray | None:
        """The passage rows the scope lets through, or None when there is no scope."""
        if scope is None:
            return None
        keep = np.ones(len(self._sources), dtype=bool)
        if scope.sources:
            keep &= np.isin(self._sources, list(scope.sources))
        if scope.articles:
            wanted = [self._ordinal[key] for key in scope.articles if key in self._ordinal]
            keep &= np.isin(self._article_ordinals, wanted)
        return np.flatnonzero(keep)


class FolderLocation:
    """The index folder (store/folder.py) as a Location."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)

    def describe(self) -> str:
        return str(self.index_dir)

    def read_manifest(self) -> Manifest:
        return read_manifest(self.index_dir)

    def open(self) -> LocalStore:
        return LocalStore(read_index(self.index_dir))

    def corpus_dir(self, manifest: Manifest) -> Path:
        return self.index_dir / manifest.corpus_dir

    def corpus_reference(self, corpus_dir: Path) -> str:
        # relative, so the corpus and the index folder can be moved together
        return os.path.relpath(corpus_dir.resolve(), self.index_dir.resolve())

    def lock(self) -> AbstractContextManager[None]:
        return build_lock(self.index_dir)

    def reusable_embeddings(
        self, texts: Sequence[str], model_id: str, encoder: str, dimension: int
    ) -> dict[str, np.ndarray]:
        try:
            data = read_index(self.index_dir)
        except IndexProblem:
            return {}
        if not data.manifest.made_by(model_id, encoder, dimension):
            return {}
        wanted = set(texts)
        pairs = ((embedding_text(p), data.embeddings[i]) for i, p in enumerate(data.passages))
        return {text: vector for text, vector in pairs if text in wanted}

    def write(self, contents: Contents) -> Manifest:
        c = contents
        return write_index(self.index_dir, assemble(c.manifest, c.passages, c.articles, c.stories, c.embeddings))


def _top_rows(scores: np.ndarray, allowed: np.ndarray | None, depth: int) -> np.ndarray:
    """The rows of the `depth` best scores, best first (ties: lower row first), among the allowed rows."""
    rows = np.arange(len(scores)) if allowed is None else allowed
    if len(rows) > depth:
        rows = rows[np.argpartition(-scores[rows], depth - 1)[:depth]]
    return rows[np.lexsort((rows, -scores[rows]))]
