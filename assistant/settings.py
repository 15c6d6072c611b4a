"""One frozen settings object instead of scattered environment look-ups."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_MODEL = "multilingual-e5-small"  # materialised offline from PyPI packages, see e5model.py
MODEL_ENV = "ASSISTANT_MODEL"
CACHE_ENV = "ASSISTANT_CACHE"
STORE_ENV = "ASSISTANT_STORE"


def default_cache_dir() -> Path:
    """Where the materialised default model lives (never inside the repository)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "news-assistant"


@dataclass(frozen=True)
class ChunkingSettings:
    """How articles become passages; recorded in the index manifest and checked on load."""

    max_chars: int = 300
    overlap_sentences: int = 1

    def to_dict(self) -> dict:
        return {"max_chars": self.max_chars, "overlap_sentences": self.overlap_sentences}


@dataclass(frozen=True)
class Settings:
    model: str = DEFAULT_MODEL
    chunking: ChunkingSettings = field(default_factory=ChunkingSettings)
    max_question_chars: int = 500
    # Where the index lives: "" for the local index folder, or milvus://HOST:PORT[/collection] (store/milvus.py)
    store: str = ""

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings with the model taken from ASSISTANT_MODEL and the store from ASSISTANT_STORE when set;
        explicit overrides win."""
        base = cls(model=os.environ.get(MODEL_ENV) or DEFAULT_MODEL, store=os.environ.get(STORE_ENV, ""))
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(base, **clean)
