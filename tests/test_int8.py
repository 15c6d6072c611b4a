"""The int8 encoder: its cache folder and checksums (fast, with a stand-in quantisation), and one real build (slow)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from assistant.model import e5int8, e5model
from assistant.model.cache_files import file_sha256 as sha256
from assistant.model.e5int8 import INT8_FOLDER_NAME, ensure_int8_model, int8_folder_problem
from assistant.model.e5model import E5_MODEL_ID, FOLDER_NAME, STAMP


def _fake_float_folder(cache: Path, weights: bytes = b"float weights") -> Path:
    """A float folder that e5model.folder_problem accepts, without materialising the real model."""
    folder = cache / "models" / FOLDER_NAME
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(weights)
    (folder / "config.json").write_text("{}", encoding="utf-8")
    files = {p.name: {"size": p.stat().st_size, "sha256": sha256(p)} for p in sorted(folder.iterdir()) if p.is_file()}
    stamp = {"model_id": E5_MODEL_ID, "layout": e5model._LAYOUT_VERSION, "files": files}
    (folder / STAMP).write_text(json.dumps(stamp), encoding="utf-8")
    assert e5model.folder_problem(folder) is None
    return folder


def _fake_build(calls: list[Path]):
    """Stands in for conversion + quantisation: writes an "OpenVINO model" and the real stamp."""

    def build(float_dir: Path, folder: Path) -> dict:
        calls.append(folder)
        (folder / e5int8.MODEL_XML).write_bytes(b"int8 graph of " + (float_dir / "model.safetensors").read_bytes())
        (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
        return e5int8.write_stamp(folder, float_dir, build_seconds=0.1)

    return build


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    calls: list[Path] = []
    monkeypatch.setattr(e5int8, "build_int8_folder", _fake_build(calls))
    float_dir = _fake_float_folder(tmp_path)
    return tmp_path, float_dir, calls


def test_derived_once_beside_the_float_folder_then_reused(cache):
    root, float_dir, calls = cache
    before = _snapshot(float_dir)
    folder = ensure_int8_model(root)
    assert folder == root / "models" / INT8_FOLDER_NAME and folder.parent == float_dir.parent
    assert int8_folder_problem(folder, float_dir) is None
    assert ensure_int8_model(root) == folder
    assert len(calls) == 1  # the second call found a complete, intact folder
    assert _snapshot(float_dir) == before  # the float folder is only read
    assert not [p.name for p in folder.parent.iterdir() if ".building-" in p.name]  # no staging left behind


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda f: (f / e5int8.MODEL_XML).write_bytes(b"int8 graph of float weightz"), "corrupted"),
        (lambda f: (f / e5int8.MODEL_XML).write_bytes(b"truncated"), "wrong size"),
        (lambda f: (f / "tokenizer.json").unlink(), "missing"),
        (lambda f: (f / e5int8.INT8_STAMP).write_text("{", encoding="utf-8"), "stamp"),
        (lambda f: _edit_stamp(f, model_id="another-model"), "another version"),
        (lambda f: _edit_stamp(f, files={}), "not listed"),
    ],
)
def test_damage_is_found_and_repaired(cache, damage, problem):
    root, float_dir, calls = cache
    folder = ensure_int8_model(root)
    damage(folder)
    assert problem in int8_folder_problem(folder, float_dir)
    assert ensure_int8_model(root) == folder
    assert len(calls) == 2 and int8_folder_problem(folder, float_dir) is None


def test_a_rebuilt_float_model_means_a_new_int8_one(cache):
    root, float_dir, calls = cache
    folder = ensure_int8_model(root)
    shutil.rmtree(float_dir)
    _fake_float_folder(root, weights=b"other float weights")
    assert "another build of the float model" in int8_folder_problem(folder, float_dir)
    ensure_int8_model(root)
    assert len(calls) == 2
    assert (folder / e5int8.MODEL_XML).read_bytes() == b"int8 graph of other float weights"


def test_a_failed_build_leaves_the_previous_folder(cache, monkeypatch):
    root, _, _ = cache
    folder = ensure_int8_model(root)
    good = _snapshot(folder)
    (folder / e5int8.MODEL_XML).write_bytes(b"int8 graph of float weightz")  # damaged: a rebuild is due

    def failing(float_dir: Path, staging: Path) -> dict:
        (staging / "half-written").write_text("x", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(e5int8, "build_int8_folder", failing)
    with pytest.raises(Exception, match="disk full"):
        ensure_int8_model(root)
    assert set(_snapshot(folder)) == set(good)  # the old folder is still there, nothing half-written replaced it
    assert not [p.name for p in folder.parent.iterdir() if ".building-" in p.name]


def test_verification_compares_with_the_vectors_recorded_at_build_time():
    class Tokenizer:
        def encode(self, text):
            return SimpleNamespace(ids=e5model.REFERENCE_TOKEN_IDS)

    class Embedder:
        tokenizer = Tokenizer()

        def encode_queries(self, texts):
            return np.tile(vector, (len(texts), 1))

        encode_passages = encode_queries

    vector = np.ones(4, dtype=np.float32) / 2
    e5int8.verify_int8_embedder(Embedder(), {"reference_query": vector.tolist(), "reference_passage": vector.tolist()})
    moved = {"reference_query": [0.5, 0.5, 0.5, -0.5], "reference_passage": vector.tolist()}
    with pytest.raises(e5int8.ModelUnavailableError, match="recorded"):
        e5int8.verify_int8_embedder(Embedder(), moved)
    with pytest.raises(e5int8.ModelUnavailableError, match="recorded"):
        e5int8.verify_int8_embedder(Embedder(), {})


def test_missing_openvino_names_the_fix(cache, monkeypatch):
    root, _, _ = cache
    ensure_int8_model(root)
    monkeypatch.setitem(sys.modules, "openvino", None)  # import openvino now raises ImportError
    with pytest.raises(e5int8.ModelUnavailableError, match=r"pip install -e \.") as caught:
        e5int8.load_int8_embedder(root)
    assert "--encoder float" in str(caught.value)


def _edit_stamp(folder: Path, **changes: object) -> None:
    path = folder / e5int8.INT8_STAMP
    path.write_text(json.dumps({**json.loads(path.read_text(encoding="utf-8")), **changes}), encoding="utf-8")


# ---- the real thing ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_int8_encoder_agrees_with_float_and_finds_the_article(tmp_path, float_embedder):
    """Convert and quantise for real (in a scratch cache holding a copy of the float folder), then compare."""
    from assistant import Assistant
    from assistant.settings import Settings

    float_dir = e5model.ensure_e5_model()
    shutil.copytree(float_dir, tmp_path / "cache" / "models" / FOLDER_NAME)
    before = _snapshot(float_dir)
    int8 = e5int8.load_int8_embedder(tmp_path / "cache")
    assert _snapshot(float_dir) == before
    folder = e5int8.int8_folder(tmp_path / "cache")
    assert int8_folder_problem(folder, float_dir) is None
    assert not (folder / "model.safetensors").exists()  # the OpenVINO files carry the weights
    # The word table is looked up outside the graph: compiled, the graph holds no float copy of it (384 MB).
    assert np.load(folder / e5int8.WORD_TABLE, mmap_mode="r").shape == (250037, e5int8.E5_DIMENSION)
    runtime = int8._compiled.get_runtime_model().get_ordered_ops()
    constants = [op.get_output_shape(0) for op in runtime if op.get_rt_info()["layerType"].astype(str) == "Const"]
    assert constants and max(np.prod(shape) for shape in constants) < 10_000_000
    stamp = json.loads((folder / e5int8.INT8_STAMP).read_text(encoding="utf-8"))
    assert min(stamp["cosine_to_float"]) >= e5int8.MIN_COSINE and stamp["recipe"]["quantization"] == "static"

    queries = ["赤壁市预计全年GDP是多少?", "臺北的捷運什麼時候通車？", "谁获得了这次比赛的冠军？"]
    passages = [
        "赤壁市预计全年实现地区生产总值622亿元，同比增长7.5%。",
        "臺北捷運淡水線於一九九七年三月通車，是臺灣第一條捷運路線。",
        "在昨天晚上进行的决赛中，来自湖北的选手以三比一战胜对手，获得冠军。",
    ]
    for encode in ("encode_queries", "encode_passages"):
        texts = queries if encode == "encode_queries" else passages
        cosines = np.sum(getattr(int8, encode)(texts) * getattr(float_embedder, encode)(texts), axis=1)
        assert cosines.min() > 0.98, (encode, cosines)

    corpus = tmp_path / "corpus"
    shutil.copytree(Path(__file__).resolve().parent.parent / "corpus", corpus)
    bot = Assistant.build(corpus, tmp_path / "index", Settings(encoder="int8"), embedder=int8)
    assert json.loads((tmp_path / "index" / "manifest.json").read_text(encoding="utf-8"))["encoder"] == "int8"
    for method in ("vector", "hybrid"):
        hit = bot.search("赤壁市预计全年GDP是多少?", k=1, method=method)[0]
        assert hit.source == "chibi-cadre-year.txt", method
