"""load_embedder: the default e5 model (int8 by default, float on request) and other sentence-transformers folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import ModelUnavailableError
from assistant.model.e5int8 import INT8_MODEL_ID
from assistant.model.e5model import E5_DIMENSION, E5_MODEL_ID, ensure_e5_model
from assistant.model.embedding import load_embedder

pytestmark = pytest.mark.slow

TEXTS = [
    "短句。",
    "国务院新闻办公室今天上午举行新闻发布会，介绍今年一季度国民经济运行情况。" * 3,
    "中等长度的句子，用来检查批处理。",
]


def test_default_embedder_identifies_itself(real_embedder, float_embedder):
    assert (real_embedder.model_id, real_embedder.encoder) == (INT8_MODEL_ID, "int8")
    assert (float_embedder.model_id, float_embedder.encoder) == (E5_MODEL_ID, "float")
    assert real_embedder.dimension == float_embedder.dimension == E5_DIMENSION


def test_int8_is_for_the_default_model_only():
    with pytest.raises(ModelUnavailableError, match="--encoder float"):
        load_embedder("some-org/another-model", encoder="int8")


@pytest.mark.parametrize("encoder", ["int8", "float"])
def test_vectors_are_float32_and_unit_length(encoder, real_embedder, float_embedder):
    embedder = real_embedder if encoder == "int8" else float_embedder
    for vectors in (embedder.encode_queries(TEXTS), embedder.encode_passages(TEXTS)):
        assert vectors.dtype == np.float32
        assert vectors.shape == (len(TEXTS), E5_DIMENSION)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_input_gives_an_empty_matrix(real_embedder):
    assert real_embedder.encode_queries([]).shape == (0, E5_DIMENSION)
    assert real_embedder.encode_passages([]).dtype == np.float32


def test_relevant_chinese_passage_scores_clearly_higher(real_embedder):
    query = real_embedder.encode_queries(["中国的首都是哪座城市？"])[0]
    relevant, unrelated = real_embedder.encode_passages(
        ["北京是中华人民共和国的首都，也是全国的政治和文化中心。", "这款手机的电池续航时间长达两天，并且支持快速充电。"]
    )
    assert query @ relevant - query @ unrelated > 0.05


def test_e5_prefixes_are_applied(real_embedder, float_embedder):
    text = "今年的政府工作报告提出了哪些目标？"
    by_hand = float_embedder.model.encode([f"query: {text}", f"passage: {text}"], normalize_embeddings=True)
    np.testing.assert_allclose(float_embedder.encode_queries([text])[0], by_hand[0], atol=1e-6)
    np.testing.assert_allclose(float_embedder.encode_passages([text])[0], by_hand[1], atol=1e-6)
    assert not np.allclose(by_hand[0], by_hand[1])
    # the int8 encoder adds the same prefixes: each of its vectors is nearest to the float one of its own kind
    int8 = np.stack([real_embedder.encode_queries([text])[0], real_embedder.encode_passages([text])[0]])
    cosines = int8 @ by_hand.T
    assert cosines[0, 0] > max(0.99, cosines[0, 1]) and cosines[1, 1] > max(0.99, cosines[1, 0])


@pytest.mark.parametrize("encoder", ["int8", "float"])
def test_batching_and_length_sorting_do_not_change_vectors(encoder, real_embedder, float_embedder):
    # int8 too: its activation ranges were fixed at calibration, so a text's batch-mates do not move its vector
    embedder = real_embedder if encoder == "int8" else float_embedder
    together = embedder.encode_passages(TEXTS)
    alone = np.stack([embedder.encode_passages([text])[0] for text in TEXTS])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_other_folder_keeps_its_own_prompts(tmp_path):
    """A local sentence-transformers folder without prompts: its name is the model id, no prefixes."""
    source = ensure_e5_model()
    folder = tmp_path / "plain-model"
    for path in source.rglob("*"):
        target = folder / path.relative_to(source)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif path.suffix in (".safetensors",) or path.name == "tokenizer.json":
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)  # share the large files
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    config = folder / "config_sentence_transformers.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "prompts": {}}), encoding="utf-8")

    embedder = load_embedder(str(folder), batch_size=4)
    assert embedder.model_id == str(folder)
    assert embedder.batch_size == 4
    text = ["北京是中国的首都。"]
    np.testing.assert_allclose(embedder.encode_queries(text), embedder.encode_passages(text), atol=1e-6)


@pytest.mark.parametrize("name", ["/nonexistent/model-folder", "some-org/model-that-is-not-cached"])
def test_unloadable_model_names_the_model_and_the_fix(name):
    with pytest.raises(ModelUnavailableError) as caught:
        load_embedder(name)
    message = str(caught.value)
    assert name in message and "multilingual-e5-small" in message
    if not Path(name).exists():
        assert "local" in message


def test_a_folder_that_is_not_a_model_is_explained(tmp_path):
    (tmp_path / "notes.txt").write_text("not a model", encoding="utf-8")
    with pytest.raises(ModelUnavailableError, match="not a usable sentence-transformers model"):
        load_embedder(str(tmp_path))
