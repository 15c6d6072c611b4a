"""The ask part of `eval` with a language model: a scripted OpenAI-compatible server on 127.0.0.1 answers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler

import pytest
from conftest import HashingEmbedder, Script, ScriptedServer, raw, streamed

from assistant.answers.llm import API_KEY_ENV, BASE_URL_ENV, FALLBACK_API_KEY_ENV, MODEL_ENV, LLMSettings
from assistant.cli import main
from assistant.evaluation import Question, build_retriever, evaluate_answers, evaluate_retrieval, load_passages
from assistant.settings import Settings

GDP = "赤壁市预计全年GDP达到622亿元，同比增长6.5%。"
VISITORS = "天门市油菜花节共接待游客38万人次，带动旅游收入2.1亿元。"
PASSAGES = [
    {"id": "chibi", "title": "赤壁经济", "text": f"{GDP}全市新增市场主体1.2万户。"},
    {"id": "tianmen", "title": "天门花节", "text": f"{VISITORS}花海面积达到5万亩。"},
]
QUESTIONS = [Question("q1", "赤壁市预计全年GDP达到多少？", ("622亿元",), "chibi")]
UNANSWERABLE = [Question("u1", "火星上有水吗？", (), "")]
ABSTAINS = "资料中没有提到火星上是否有水。"
EXTRACTIVE_KEYS = {
    "answer_recall",
    "direct_precision",
    "direct_coverage",
    "citation_precision",
    "found_rate",
    "refusal_rate",
    "reader",
    "reader_unchecked",
    "ask_ms_p95",
    "ask_ms_p50",
    "n_questions",
    "n_unanswerable",
}

Reply = Callable[[dict[str, int]], str]  # the passage numbers the prompt gave, by passage id -> the model's reply


@pytest.fixture(autouse=True)
def no_operator_endpoint(monkeypatch):
    for name in (BASE_URL_ENV, MODEL_ENV, API_KEY_ENV, FALLBACK_API_KEY_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def data_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    files = {"passages": PASSAGES, "questions": [asdict(q) for q in QUESTIONS]}
    for name, rows in files.items():
        (root / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return root


@pytest.fixture(scope="module")
def retriever(data_files):
    return build_retriever(load_passages(data_files / "passages.jsonl"), HashingEmbedder(), Settings())[0]


def answering(server: ScriptedServer, reply: Reply) -> Script:
    """Answer the evaluation questions with `reply`, which cites the passages by the numbers the prompt gave them;
    abstain on the unanswerable question."""

    def script(handler: BaseHTTPRequestHandler) -> None:
        prompt = server.requests[-1]["body"]["messages"][-1]["content"]
        numbers = {source: int(n) for n, source in re.findall(r"\[(\d+)\] 《.*?》（来源：(.+?)）", prompt)}
        streamed(ABSTAINS if UNANSWERABLE[0].question in prompt else reply(numbers))(handler)

    return script


def settings_for(server: ScriptedServer) -> LLMSettings:
    return LLMSettings(base_url=server.url, model="test-model", timeout_s=5.0)


def test_without_a_model_the_report_keeps_the_extractive_keys(retriever):
    report = evaluate_answers(retriever, QUESTIONS, UNANSWERABLE)
    assert set(report.to_dict()) == EXTRACTIVE_KEYS
    assert report.citation_precision == 1.0


def test_a_correctly_cited_reply_scores_one(server, retriever):
    server.script = answering(server, lambda n: f"{GDP}[{n['chibi']}]")
    report = evaluate_answers(retriever, QUESTIONS, UNANSWERABLE, llm=settings_for(server))
    assert len(server.requests) == 2  # the model answered both questions
    assert report.to_dict() | {"ask_ms_p50": 0, "ask_ms_p95": 0} == {
        "answer_recall": 1.0,
        "direct_precision": 0.0,
        "direct_coverage": 0.0,  # generated answers carry no direct reply
        "citation_precision": 1.0,
        "found_rate": 1.0,
        "refusal_rate": 1.0,  # abstaining is refusing
        "ask_ms_p50": 0,
        "ask_ms_p95": 0,
        "n_questions": 1,
        "n_unanswerable": 1,
        "llm_model": "test-model",
        "llm_fallbacks": 0,
    }


@pytest.mark.parametrize(
    ("reply", "precision"),
    [
        (lambda n: f"{GDP}[{n['chibi']}]{VISITORS}[{n['chibi']}]", 0.5),  # the second sentence cites the wrong one
        (lambda n: f"{GDP}[{n['tianmen']}]", 0.0),
        (lambda n: f"{GDP}[9]", 0.0),  # no such passage
        (lambda n: f"{GDP}[{n['chibi']}][9]", 0.0),  # one bad number fails the sentence
        (lambda n: f"{GDP}", 0.0),  # a claim without a citation
    ],
    ids=["one-of-two-wrong", "wrong-passage", "out-of-range", "extra-out-of-range", "uncited"],
)
def test_citations_failing_verification_lower_precision(server, retriever, reply, precision):
    server.script = answering(server, reply)
    report = evaluate_answers(retriever, QUESTIONS, UNANSWERABLE, llm=settings_for(server))
    assert report.citation_precision == precision
    assert report.answer_recall == 1.0  # the reply still states the answer
    assert report.llm_fallbacks == 0


def test_a_failing_endpoint_counts_fallbacks_and_scores_the_extractive_answers(server, retriever, caplog):
    server.script = raw(500, "application/json", '{"error": {"message": "CUDA out of memory"}}')
    report = evaluate_answers(retriever, QUESTIONS, UNANSWERABLE, llm=settings_for(server))
    assert report.llm_fallbacks == 2  # the answerable and the unanswerable question
    extractive = evaluate_answers(retriever, QUESTIONS, UNANSWERABLE).to_dict()
    fell_back = report.to_dict()
    for key in ("ask_ms_p50", "ask_ms_p95", "llm_model", "llm_fallbacks"):
        fell_back.pop(key)
    for key in ("ask_ms_p50", "ask_ms_p95", "reader", "reader_unchecked"):
        extractive.pop(key)
    assert fell_back == extractive
    warnings = [r.getMessage() for r in caplog.records if r.name == "assistant.evaluation"]
    assert len(warnings) == 1 and "CUDA out of memory" in warnings[0]  # once, saying why


# ---- the command line ------------------------------------------------------------------------------


@pytest.fixture
def eval_argv(data_files, monkeypatch) -> list[str]:
    monkeypatch.setattr("assistant.core.shared_embedder", lambda model, encoder=None: HashingEmbedder())
    passages, questions = str(data_files / "passages.jsonl"), str(data_files / "questions.jsonl")
    return ["eval", "--passages", passages, "--questions", questions, "--json"]


def test_eval_asks_the_model_named_by_the_flags(server, eval_argv, monkeypatch, capsys):
    monkeypatch.setenv(API_KEY_ENV, "sk-eval")
    server.script = answering(server, lambda n: f"{GDP}[{n['chibi']}]")
    assert main([*eval_argv, "--llm-url", server.url, "--llm-model", "m"]) == 0
    asked = json.loads(capsys.readouterr().out)["ask"]
    assert (asked["llm_model"], asked["llm_fallbacks"], asked["citation_precision"]) == ("m", 0, 1.0)
    request = server.requests[0]
    assert request["body"]["model"] == "m"
    assert request["headers"]["Authorization"] == "Bearer sk-eval"


def test_eval_ignores_an_endpoint_set_only_in_the_environment(server, eval_argv, monkeypatch, capsys):
    monkeypatch.setenv(BASE_URL_ENV, server.url)
    monkeypatch.setenv(MODEL_ENV, "m")
    assert main(eval_argv) == 0
    assert set(json.loads(capsys.readouterr().out)["ask"]) == EXTRACTIVE_KEYS
    assert server.requests == []


def test_eval_model_without_url_is_a_clear_error(eval_argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*eval_argv, "--llm-model", "m"])
    assert exit_.value.code == 2
    assert "--llm-url" in capsys.readouterr().err


def test_answer_recall_at_5_folds_like_the_ask_figures(retriever):
    # cmrc's gold answers keep full-width commas; the passages as shown have them folded to ",".
    question = Question("q2", "赤壁市预计全年GDP达到多少？", ("622亿元，同比增长6.5%",), "chibi")
    reports = evaluate_retrieval(retriever, [question], build_s=0.0)
    assert all(r.answer_recall_at_5 == 1.0 for r in reports)
