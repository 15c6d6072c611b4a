"""The LLM answer path against a real OpenAI-compatible HTTP server on 127.0.0.1 with scripted replies."""

from __future__ import annotations

import itertools
import json
import time
from http.server import BaseHTTPRequestHandler

import pytest
from conftest import Script, ScriptedServer, chunk, free_port, raw, sse_head, streamed

from assistant.answers.llm import AnswerUpdate, LLMError, LLMSettings, build_messages, llm_answer, stream_chat
from assistant.answers.verification import UNVERIFIED
from assistant.results import Answer, Hit

GDP = "赤壁市预计全年GDP达到622亿元，同比增长6.5%。"
VISITORS = "天门市油菜花节共接待游客38万人次，带动旅游收入2.1亿元。"
HITS = [
    Hit(
        text=f"{GDP}全市新增市场主体1.2万户。",
        score=1.0,
        source="chibi.txt",
        title="赤壁经济",
        passage_id="a",
        start=0,
        end=9,
    ),
    Hit(
        text=f"{VISITORS}花海面积达到5万亩。",
        score=0.9,
        source="tianmen.txt",
        title="天门花节",
        passage_id="b",
        start=0,
        end=9,
    ),
]
EXTRACTIVE = Answer(text=f"{GDP} [1]", citations=[], found=True)


def settings_for(url: str, timeout_s: float = 5.0) -> LLMSettings:
    return LLMSettings(base_url=url, model="test-model", api_key="sk-test", timeout_s=timeout_s)


# ---- scripts ---------------------------------------------------------------------------------------


def sleeping(seconds: float, after_first_piece: bool = False) -> Script:
    def script(handler: BaseHTTPRequestHandler) -> None:
        if after_first_piece:
            sse_head(handler)
            handler.wfile.write(f"data: {json.dumps(chunk('赤壁市'))}\n\n".encode())
            handler.wfile.flush()
        time.sleep(seconds)

    return script


# ---- the client ------------------------------------------------------------------------------------


def test_request_is_an_openai_streaming_chat_completion(server):
    server.script = streamed(f"{GDP}[1]")
    pieces = list(stream_chat(settings_for(server.url), build_messages("赤壁GDP是多少？", HITS)))
    assert "".join(pieces) == f"{GDP}[1]"
    assert len(pieces) > 3  # it really streamed
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test"
    assert request["body"]["stream"] is True
    assert request["body"]["model"] == "test-model"
    user = request["body"]["messages"][-1]["content"]
    assert "[1] 《赤壁经济》（来源：chibi.txt）" in user
    assert "[2] 《天门花节》（来源：tianmen.txt）" in user
    assert user.endswith("问题：赤壁GDP是多少？")


def test_prompt_asks_for_the_question_script():
    assert "简体中文" in build_messages("赤壁的GDP是多少？", HITS)[0]["content"]
    assert "繁體中文" in build_messages("赤壁的經濟增長了多少？", HITS)[0]["content"]


def test_a_server_that_ignores_stream_true_still_answers(server):
    completion = {"choices": [{"index": 0, "message": {"role": "assistant", "content": f"{GDP}[1]"}}]}
    server.script = raw(200, "application/json", json.dumps(completion, ensure_ascii=False))
    assert "".join(stream_chat(settings_for(server.url), [])) == f"{GDP}[1]"


@pytest.mark.parametrize(
    ("script", "message"),
    [
        (raw(500, "application/json", '{"error": {"message": "CUDA out of memory"}}'), "HTTP 500.*CUDA out of memory"),
        (raw(404, "text/plain", "not found"), "HTTP 404.*/v1"),
        (raw(200, "text/event-stream", "data: {not json\n\n"), "malformed.*not JSON"),
        (raw(200, "text/event-stream", 'data: {"object": "chunk"}\n\n'), "malformed.*no choices"),
        (raw(200, "text/html", "<html><body>login</body></html>"), "malformed.*text/event-stream"),
        (raw(200, "application/json", "{truncated"), "malformed"),
        (raw(200, "text/event-stream", 'data: {"error": {"message": "model not loaded"}}\n\n'), "model not loaded"),
        (streamed(f"{GDP}[1]", done=False), "ended before"),
    ],
    ids=["http-500", "http-404", "bad-json", "no-choices", "not-sse", "bad-completion", "error-event", "cut-off"],
)
def test_endpoint_failures_become_one_clear_error(server, script, message):
    server.script = script
    with pytest.raises(LLMError, match=message):
        list(stream_chat(settings_for(server.url), []))


def test_timeout_before_any_reply(server):
    server.script = sleeping(3)
    started = time.monotonic()
    with pytest.raises(LLMError, match=r"0\.5 秒内没有响应"):
        list(stream_chat(settings_for(server.url, timeout_s=0.5), []))
    assert time.monotonic() - started < 2.5


def test_connection_refused():
    with pytest.raises(LLMError, match="无法连接"):
        list(stream_chat(settings_for(f"http://127.0.0.1:{free_port()}/v1"), []))


def test_bad_base_url():
    with pytest.raises(LLMError, match="无法连接"):
        list(stream_chat(settings_for("localhost:11434/v1"), []))


# ---- settings --------------------------------------------------------------------------------------


def test_settings_from_environment(monkeypatch):
    for name in ("ASSISTANT_LLM_BASE_URL", "ASSISTANT_LLM_MODEL", "ASSISTANT_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert LLMSettings.from_env() is None
    monkeypatch.setenv("ASSISTANT_LLM_BASE_URL", "http://127.0.0.1:11434/v1/chat/completions")
    with pytest.raises(LLMError, match="ASSISTANT_LLM_MODEL"):
        LLMSettings.from_env()
    monkeypatch.setenv("ASSISTANT_LLM_MODEL", "qwen2.5:7b")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fallback")
    settings = LLMSettings.from_env()
    assert settings == LLMSettings("http://127.0.0.1:11434/v1", "qwen2.5:7b", "sk-fallback")
    assert "sk-fallback" not in repr(settings)
    monkeypatch.setenv("ASSISTANT_LLM_API_KEY", "sk-own")
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "12")
    assert LLMSettings.from_env(model="other", temperature=None).api_key == "sk-own"
    assert LLMSettings.from_env(model="other").model == "other"
    assert LLMSettings.from_env().timeout_s == 12.0
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "soon")
    with pytest.raises(LLMError, match="positive number"):
        LLMSettings.from_env()


def test_flags_alone_configure_the_model(monkeypatch):
    monkeypatch.delenv("ASSISTANT_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("ASSISTANT_LLM_MODEL", raising=False)
    settings = LLMSettings.from_env(base_url="http://10.0.0.2:8000/v1/", model="m", timeout_s=5.0)
    assert (settings.base_url, settings.model, settings.timeout_s) == ("http://10.0.0.2:8000/v1", "m", 5.0)


# ---- the answer path -------------------------------------------------------------------------------


def answer_updates(server: ScriptedServer, embedder, question: str = "赤壁市GDP是多少？", timeout_s: float = 5.0):
    calls = []

    def fallback() -> Answer:
        calls.append(1)
        return EXTRACTIVE

    updates = list(llm_answer(question, HITS, embedder, settings_for(server.url, timeout_s), fallback))
    return updates, calls


def test_good_answer_streams_then_arrives_verified(server, hashing_embedder):
    reply = f"{GDP}[1]\n{VISITORS}[2]"
    server.script = streamed(reply)
    updates, fallback_calls = answer_updates(server, hashing_embedder)
    partial, final = updates[:-1], updates[-1]
    assert len(partial) > 3 and all(u.answer is None for u in partial)
    assert all(b.text.startswith(a.text) for a, b in itertools.pairwise(partial))
    assert final.final and final.generated and not fallback_calls
    assert final.answer.text == reply
    assert [c.n for c in final.answer.citations] == [1, 2]
    assert final.verification.citation_precision == 1.0
    assert final.note == ""


def test_wrong_citation_is_removed_and_the_sentence_marked(server, hashing_embedder):
    server.script = streamed(f"{GDP}[1]{VISITORS}[1]")
    final = answer_updates(server, hashing_embedder)[0][-1]
    assert final.answer.text == f"{GDP}[1]{VISITORS}{UNVERIFIED[False]}"
    assert [c.n for c in final.answer.citations] == [1]
    assert final.verification.citation_precision == 0.5
    assert "未核实" in final.note


def test_out_of_range_citation_is_removed(server, hashing_embedder):
    server.script = streamed(f"{GDP}[1]{VISITORS}[9]")
    final = answer_updates(server, hashing_embedder)[0][-1]
    assert "[9]" not in final.answer.text
    assert final.answer.text.endswith(UNVERIFIED[False])
    assert all(c.n in (1, 2) for c in final.answer.citations)


@pytest.mark.parametrize(
    ("script", "said"),
    [
        (sleeping(3), "没有响应"),
        (sleeping(3, after_first_piece=True), "没有响应"),
        (raw(200, "text/event-stream", "data: {not json\n\n"), "格式不对"),
        (raw(500, "application/json", '{"error": "boom"}'), "HTTP 500"),
        (streamed("<think>用户问赤壁</think>   "), "空回答"),
        (streamed("[1][2]"), "空回答"),
    ],
    ids=["timeout", "stall-mid-stream", "malformed", "http-500", "empty", "only-markers"],
)
def test_failures_fall_back_to_the_extractive_answer_and_say_why(server, hashing_embedder, script, said):
    server.script = script
    updates, fallback_calls = answer_updates(server, hashing_embedder, timeout_s=0.5)
    final = updates[-1]
    assert fallback_calls == [1]
    assert final.answer is EXTRACTIVE and final.text == EXTRACTIVE.text
    assert not final.generated and final.verification is None
    assert said in final.note and "摘录" in final.note


def test_unreachable_endpoint_falls_back(hashing_embedder):
    settings = settings_for(f"http://127.0.0.1:{free_port()}/v1")
    updates = list(llm_answer("赤壁市GDP是多少？", HITS, hashing_embedder, settings, lambda: EXTRACTIVE))
    assert len(updates) == 1
    assert updates[0].answer is EXTRACTIVE and "无法连接" in updates[0].note


def test_no_hits_means_no_model_call(server, hashing_embedder):
    refusal = Answer(text="现有文章中没有找到与这个问题相关的内容。", citations=[], found=False)
    updates = list(llm_answer("火星有水吗？", [], hashing_embedder, settings_for(server.url), lambda: refusal))
    assert updates == [AnswerUpdate(refusal.text, refusal, generated=False)]
    assert server.requests == []


def test_reasoning_is_hidden_and_the_answer_follows_the_question_script(server, hashing_embedder):
    server.script = streamed(f"<think>先找赤壁的数据</think>{GDP}[1]")
    updates, _ = answer_updates(server, hashing_embedder, question="赤壁市的GDP是多少？請問")
    assert not any("think" in u.text or "先找" in u.text for u in updates)
    final = updates[-1]
    assert final.answer.text.startswith("赤壁市預計全年GDP達到622億元")  # the question is traditional
    assert final.answer.citations[0].n == 1


@pytest.mark.slow
def test_real_embedder_accepts_rewordings_and_rejects_wrong_citations_and_values(server, real_embedder):
    reworded = "赤壁市全年的GDP预计将达到622亿元。"
    loosely = "据报道，赤壁今年经济总量预计为622亿元，比上年增长6.5%。"  # few shared words, close in meaning
    changed = "赤壁市全年GDP预计达到622亿元，同比增长8%。"
    server.script = streamed(f"{reworded}[1]{loosely}[1]{reworded}[2]{changed}[1]")
    final = answer_updates(server, real_embedder)[0][-1]
    assert [s.verified for s in final.verification.sentences] == [(1,), (1,), (), ()]
    mark = UNVERIFIED[False]
    assert final.answer.text == f"{reworded}[1]{loosely}[1]{reworded}{mark}{changed}{mark}"
