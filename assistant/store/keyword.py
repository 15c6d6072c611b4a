"""Keyword retrieval: BM25 (bm25s) over jieba search-mode segmentation of the match text."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from pathlib import Path

import bm25s
import jieba
import numpy as np

jieba.setLogLevel(logging.WARNING)  # jieba prints its dictionary loading to stderr otherwise
logging.getLogger("bm25s").setLevel(logging.WARNING)  # and bm25s its index building

# A token is kept when it holds at least one letter, digit or CJK character; punctuation and spaces are noise.
_WORDLIKE = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]")


def tokenize(text: str) -> list[str]:
    """Segment already-folded (simplified, width-folded) text into lower-cased search tokens.

    jieba's search mode emits both a long word and its shorter parts (中华人民共和国 -> 中华, 华人, 人民, ...),
    which lets a question match a passage that uses only part of a compound.
    """
    return [t.lower() for t in jieba.lcut_for_search(text) if _WORDLIKE.search(t)]


class KeywordIndex:
    """BM25 scores for every passage of the index, in index order."""

    def __init__(self, bm25: bm25s.BM25, size: int) -> None:
        self._bm25 = bm25
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> KeywordIndex:
        bm25 = bm25s.BM25()
        tokens = [tokenize(t) for t in texts]
        # An empty token list would make bm25s fail; an unused placeholder keeps the row (it scores zero).
        bm25.index([t or [""] for t in tokens], show_progress=False)
        return cls(bm25, len(texts))

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder))

    @classmethod
    def load(cls, folder: Path, size: int) -> KeywordIndex:
        bm25 = bm25s.BM25.load(str(folder), load_corpus=False)
        return cls(bm25, size)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of the (folded) query against every passage; zeros when no query token is known."""
        ids = self._bm25.get_tokens_ids(tokenize(query))
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

    def idf(self, token: str) -> float:
        """Inverse document frequency of a lower-cased token; a token no passage contains gets the highest."""
        token_id = self._bm25.vocab_dict.get(token)
        indptr = self._bm25.scores["indptr"]
        df = 0 if token_id is None else int(indptr[token_id + 1] - indptr[token_id])
        return idf_from(df, self.size)

    def document_frequencies(self) -> dict[str, int]:
        """How many passages hold each known token: what `idf` is computed from."""
        indptr = self._bm25.scores["indptr"]
        vocabulary = self._bm25.vocab_dict.items()
        # bm25s lists the empty token in its vocabulary without a row of scores
        return {token: int(indptr[i + 1] - indptr[i]) for token, i in vocabulary if i + 1 < len(indptr)}


def idf_from(document_frequency: int, size: int) -> float:
    """BM25's inverse document frequency (always positive) of a token held by that many of `size` passages."""
    return math.log(1 + (size - document_frequency + 0.5) / (document_frequency + 0.5))
