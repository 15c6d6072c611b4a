"""Generated answers in the chat, against a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import itertools
import shutil

import pytest
from test_llm import ScriptedServer, raw, streamed

from assistant.answers.llm import API_KEY_ENV, BASE_URL_ENV, FALLBACK_API_KEY_ENV, MODEL_ENV
from assistant.web.chat import AnswerMode, ChatState, respond
from assistant.web.service import Service

AIRPORT = "鄂州花湖国际机场累计开通货运航线多少条？"
REPLY = "鄂州花湖国际机场累计开通货运航线111条，初步形成全球“八小时交通圈”。[1]"


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Service:
    from conftest import SEED_CORPUS, HashingEmbedder

    root = tmp_path_factory.mktemp("ui-llm")
    shutil.copytree(SEED_CORPUS, root / "corpus")
    return Service.start(root / "corpus", root / "index", embedder=HashingEmbedder())


@pytest.fixture
def server():
    with ScriptedServer() as s:
        yield s


@pytest.fixture(autouse=True)
def no_operator_endpoint(monkeypatch):
    for name in (BASE_URL_ENV, MODEL_ENV, API_KEY_ENV, FALLBACK_API_KEY_ENV):
        monkeypatch.delenv(name, raising=False)


def _run(service: Service, mode: AnswerMode, question: str = AIRPORT):
    return list(respond(service.require, question, ChatState(), 5, None, mode))


def test_generated_answer_streams_from_the_model_and_cites_verified_sources(service, server):
    server.script = streamed(REPLY, piece_chars=3)
    steps = _run(service, AnswerMode(True, server.url, "test-model", "sk-typed"))
    growing = [messages[-1]["content"] for messages, *_ in steps[1:-1]]
    assert len(growing) >= 5 and all(len(a) < len(b) for a, b in itertools.pairwise(growing)), growing
    messages, state, panel, _ = steps[-1]
    assert "111条" in messages[-1]["content"] and "[1]" in messages[-1]["content"]
    assert state.turns[-1].view.sources, "the verified citation is shown in the source panel"
    assert 'id="src-0-1"' in panel
    request = server.requests[0]
    assert request["headers"]["Authorization"] == "Bearer sk-typed"
    assert request["body"]["model"] == "test-model"
    assert "111条" in str(request["body"]["messages"]), "the model is given the retrieved passages"


def test_failing_endpoint_falls_back_to_the_quoted_answer_and_says_why(service, server):
    server.script = raw(500, "application/json", '{"error": "boom"}')
    messages, state, _, _ = _run(service, AnswerMode(True, server.url, "test-model"))[-1]
    reply = messages[-1]["content"]
    assert "⚠" in reply and "500" in reply
    assert "111条" in reply and state.turns[-1].view.sources


def test_missing_endpoint_gets_a_message(service):
    messages, *_ = _run(service, AnswerMode(True, "", ""))[-1]
    assert "接口地址和模型名" in messages[-1]["content"]


def test_the_operators_key_never_goes_to_an_address_typed_in_the_page(service, server, monkeypatch):
    with ScriptedServer() as operators:
        monkeypatch.setenv(BASE_URL_ENV, operators.url)
        monkeypatch.setenv(MODEL_ENV, "operator-model")
        monkeypatch.setenv(FALLBACK_API_KEY_ENV, "sk-operator")
        operators.script = server.script = streamed(REPLY)

        _run(service, AnswerMode(True, server.url, "test-model"))
        assert "Authorization" not in server.requests[0]["headers"]

        _run(service, AnswerMode(True))  # fields left empty: the operator's endpoint, model and key
        assert operators.requests[0]["headers"]["Authorization"] == "Bearer sk-operator"
        assert operators.requests[0]["body"]["model"] == "operator-model"
