"""Choosing the encoder (int8 or float) and keeping an index to the one that built it, with the stand-in embedder."""

from __future__ import annotations

import json

import pytest

from assistant import Assistant, Settings
from assistant.cli import main
from assistant.errors import ModelMismatchError, SettingsError
from assistant.settings import DEFAULT_MODEL
from assistant.store.folder import read_manifest
from assistant.store.indexing import BuildReport, staleness
from tests.conftest import HashingEmbedder

MODEL = HashingEmbedder().model_id


@pytest.fixture
def loads(monkeypatch) -> list[tuple[str, str | None]]:
    """The stand-in embedder whatever model and encoder the settings ask for; records every load."""
    calls: list[tuple[str, str | None]] = []

    def shared(model: str, encoder: str | None = None) -> HashingEmbedder:
        calls.append((model, encoder))
        return HashingEmbedder()

    monkeypatch.setattr("assistant.core.shared_embedder", shared)
    return calls


@pytest.fixture
def int8_index(seed_corpus, tmp_path, loads):
    Assistant.build(seed_corpus, tmp_path / "index", Settings(model=MODEL, encoder="int8"))
    loads.clear()
    return tmp_path / "index"


def test_the_default_model_runs_int8_others_float(monkeypatch):
    monkeypatch.delenv("ASSISTANT_ENCODER", raising=False)
    monkeypatch.delenv("ASSISTANT_MODEL", raising=False)
    assert Settings().resolved_encoder == Settings.from_env().resolved_encoder == "int8"
    assert Settings(model="some-org/other-model").resolved_encoder == "float"
    assert Settings(encoder="float").resolved_encoder == "float"
    monkeypatch.setenv("ASSISTANT_ENCODER", "float")
    assert Settings.from_env().resolved_encoder == "float"
    assert Settings.from_env(encoder="int8").resolved_encoder == "int8"  # the flag wins over the environment
    assert Settings.from_env().model == DEFAULT_MODEL


def test_an_unknown_encoder_is_a_clear_error(monkeypatch, capsys, tmp_path):
    with pytest.raises(SettingsError, match="int8"):
        Settings(encoder="fp16")
    monkeypatch.setenv("ASSISTANT_ENCODER", "fp16")
    assert main(["search", "问题", "--index", str(tmp_path)]) == 2
    assert "ASSISTANT_ENCODER" in capsys.readouterr().err


def test_the_manifest_records_the_encoder(int8_index):
    assert read_manifest(int8_index).encoder == "int8"


def test_loading_with_the_other_encoder_is_refused_like_another_model(int8_index, loads):
    with pytest.raises(ModelMismatchError) as caught:
        Assistant.load(int8_index, Settings(model=MODEL, encoder="float"))
    message = str(caught.value)
    assert "int8" in message and "float" in message and "--encoder int8" in message
    assert loads == []  # refused before any model is loaded
    with pytest.raises(ModelMismatchError, match="--model"):  # the model check reads the same way
        Assistant.load(int8_index, Settings(model="another-model", encoder="int8"))
    assert Assistant.load(int8_index, Settings(model=MODEL, encoder="int8")).status().encoder == "int8"
    assert loads == [(MODEL, "int8")]


def test_building_with_the_other_encoder_reembeds_everything(int8_index, seed_corpus, loads):
    float_settings = Settings(model=MODEL, encoder="float")
    reasons = staleness(read_manifest(int8_index), seed_corpus, MODEL, float_settings, encoder="float")
    assert reasons == ["encoder changed (int8 -> float)"]
    rebuilt = Assistant.build(seed_corpus, int8_index, float_settings)
    assert rebuilt.report.changed and rebuilt.report.embedded == rebuilt.report.passages  # nothing mixed in
    assert read_manifest(int8_index).encoder == "float"
    assert (MODEL, "float") in loads


def test_cli_flag_chooses_the_encoder(seed_corpus, tmp_path, loads, capsys):
    index = str(tmp_path / "cli-index")
    assert main(["build", "--corpus", str(seed_corpus), "--index", index, "--model", MODEL, "--encoder", "int8"]) == 0
    assert "passages/s" in capsys.readouterr().out
    assert read_manifest(tmp_path / "cli-index").encoder == "int8"
    assert main(["search", "赤壁", "--index", index, "--model", MODEL, "--encoder", "float"]) == 2
    assert "--encoder int8" in capsys.readouterr().err


def test_an_index_from_before_the_int8_encoder_reads_as_float(int8_index):
    path = int8_index / "manifest.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    del raw["encoder"]
    path.write_text(json.dumps(raw), encoding="utf-8")
    assert read_manifest(int8_index).encoder == "float"


def test_build_report_gives_passages_per_second():
    report = BuildReport(files=1, articles=2, passages=30, embedded=20, seconds=5.0, changed=True, embed_seconds=4.0)
    assert report.passages_per_second == 5.0
    assert "20 embedded at 5.0 passages/s" in report.summary()
    reused = BuildReport(files=1, articles=2, passages=30, embedded=0, seconds=1.0, changed=True)
    assert "passages/s" not in reused.summary()
