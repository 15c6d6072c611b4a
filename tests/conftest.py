"""Shared fixtures. Unit tests use a small hashing embedder; tests marked `slow` use the real default model."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may touch the network
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
SEED_CORPUS = REPO / "corpus"


class HashingEmbedder:
    """A fast stand-in: character unigrams and bigrams hashed into a fixed number of dimensions.

    It is deterministic and similar texts get similar vectors, which is all retrieval plumbing needs.
    """

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.model_id = f"test-hashing-{dimension}"

    def _encode(self, texts) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
            for gram in grams:
                if gram.strip():
                    slot = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=4).digest(), "little")
                    out[row, slot % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out

    def encode_queries(self, texts) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts)


@pytest.fixture
def hashing_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def seed_corpus(tmp_path: Path) -> Path:
    """A private copy of the seed corpus, so a test may add, change or delete files."""
    target = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, target)
    return target


@pytest.fixture(scope="session")
def real_embedder():
    """The default model, loaded once per test session."""
    from assistant.core import shared_embedder
    from assistant.settings import DEFAULT_MODEL

    return shared_embedder(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def seed_assistant(tmp_path_factory, real_embedder):
    """An assistant over the seed corpus with the real model, built once per session."""
    from assistant import Assistant

    root = tmp_path_factory.mktemp("seed")
    corpus = root / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    return Assistant.build(corpus, root / "index")
