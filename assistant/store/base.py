"""What search and the facade need from an index, whichever engine holds it.

Two implementations: the local index folder (store/local.py: FAISS + bm25s in this process) and a Milvus
collection (store/milvus.py). Retrieval asks a store for each signal's candidates and fuses them itself, so the
ranking does not depend on the engine. Passages are numbered by row (their position in the build's passage list);
both stores use those numbers as ids, so the same corpus gives the same ids in either.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..text.documents import Article, Passage
from .folder import Manifest

Story = tuple[tuple[str, int], ...]  # near-duplicate articles, as (source, number) pairs


@dataclass(frozen=True)
class Scope:
    """Which passages a search may return: those of some corpus files and/or some articles (both must hold)."""

    sources: tuple[str, ...] = ()
    articles: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, sources: Sequence[str] | None, articles: Sequence[tuple[str, int]] | None) -> Scope | None:
        """The scope of a search's filters; None when there is none."""
        if not sources and not articles:
            return None
        return cls(tuple(sources or ()), tuple((str(s), int(n)) for s, n in (articles or ())))


@dataclass(frozen=True)
class Contents:
    """What a build writes into a store; row i of the embeddings belongs to passages[i]."""

    manifest: Manifest
    passages: list[Passage]
    articles: list[Article]
    stories: list[list[tuple[str, int]]]
    embeddings: np.ndarray


@dataclass(frozen=True)
class ArticleSummary:
    """One article as the corpus view lists it."""

    source: str
    number: int
    title: str
    passages: int
    flags: tuple[str, ...]


class Store(Protocol):
    """A built index, read-only. Ids are passage rows; scores are BM25 (keyword) and cosine (vector)."""

    manifest: Manifest

    def count(self, scope: Scope | None) -> int:
        """How many passages the scope lets through."""
        ...

    def keyword_candidates(self, folded: str, depth: int, scope: Scope | None) -> tuple[np.ndarray, np.ndarray]:
        """Ids and BM25 scores of up to `depth` passages holding a word of the (folded) query, best first, ties
        broken by the lower id; passages scoring zero are left out."""
        ...

    def keyword_scores(self, folded: str, ids: Sequence[int]) -> np.ndarray:
        """The BM25 score of each of these passages for the query (zero when it holds none of its words)."""
        ...

    def vector_candidates(self, vector: np.ndarray, depth: int, scope: Scope | None) -> tuple[np.ndarray, np.ndarray]:
        """Ids and cosine scores of up to `depth` nearest passages, best first."""
        ...

    def vector_scores(self, vector: np.ndarray, ids: Sequence[int]) -> np.ndarray:
        """The cosine score of each of these passages."""
        ...

    def passages(self, ids: Sequence[int]) -> dict[int, Passage]:
        """The passages with these ids."""
        ...

    def article(self, source: str, number: int) -> Article | None:
        """One article, with the text its passages' offsets refer to."""
        ...

    def story(self, source: str, number: int) -> Story | None:
        """The group of near-duplicate articles this one belongs to, if any."""
        ...

    def idf(self, token: str) -> float:
        """BM25's inverse document frequency of a lower-cased token (what answers weigh question words by)."""
        ...

    def articles(self) -> Iterator[ArticleSummary]:
        """Every article, in build order."""
        ...


class Location(Protocol):
    """Where an index is built and read: a folder or a Milvus collection."""

    def describe(self) -> str:
        """How to name it in messages."""
        ...

    def read_manifest(self) -> Manifest:
        """The manifest of the index being served; IndexMissingError or IndexCorruptError when there is none."""
        ...

    def open(self) -> Store:
        """The index being served, ready to search."""
        ...

    def corpus_dir(self, manifest: Manifest) -> Path:
        """The corpus folder this index was built from."""
        ...

    def corpus_reference(self, corpus_dir: Path) -> str:
        """What the manifest records of the corpus folder, so that `corpus_dir` finds it again."""
        ...

    def lock(self) -> AbstractContextManager[None]:
        """Held while building: one build at a time."""
        ...

    def reusable_embeddings(
        self, texts: Sequence[str], model_id: str, encoder: str, dimension: int
    ) -> dict[str, np.ndarray]:
        """Embeddings the served index already holds for any of these embedding texts, made by that model run by
        that encoder."""
        ...

    def write(self, contents: Contents) -> Manifest:
        """Write a new index and serve it from then on (switched last: a failed write leaves the old one serving)."""
        ...
