"""The whole product with the real default model: seed corpus -> index -> search -> cited answer."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

# (question, file the fact is in, the fact as written in that file)
SEED_QUESTIONS = [
    ("鄂州花湖国际机场累计开通了多少条货运航线?", "hubei-daily-cadres-roundup.txt", "111条"),
    ("《实施方案》部署了多少项具体任务?", "hubei-daily-cadre-plan-and-chegu.txt", "25项"),
    ("赤壁市预计全年GDP是多少?", "chibi-cadre-year.txt", "622亿元"),
    ("十四五以来湖北省委总共召开了多少次全会?", "hubei-plenum-tv-traditional.txt", "13次"),
    ("新港園區1—8月進出口額是多少?", "xingang-park-traditional.txt", "256.5億元"),
]


@pytest.mark.parametrize(("question", "source", "fact"), SEED_QUESTIONS)
def test_search_finds_the_right_file(seed_assistant, question, source, fact):
    hits = seed_assistant.search(question, k=3)
    assert any(h.source == source or source in h.also_in for h in hits), [(h.source, h.text[:40]) for h in hits]


@pytest.mark.parametrize(("question", "source", "fact"), SEED_QUESTIONS)
def test_answer_cites_a_passage_containing_the_fact(seed_assistant, question, source, fact):
    answer = seed_assistant.ask(question)
    assert answer.found, answer.text
    assert answer.citations
    assert any(fact in c.hit.text and fact in c.sentence for c in answer.citations), answer.to_dict()
    for c in answer.citations:
        assert f"[{c.n}]" in answer.text
        assert c.sentence in c.hit.text  # quoted verbatim from the cited passage


def test_unanswerable_question_is_refused_without_citations(seed_assistant):
    answer = seed_assistant.ask("上海市2025年的GDP是多少?")
    assert not answer.found
    assert answer.citations == []
    assert "[1]" not in answer.text
    assert "没有" in answer.text


def test_traditional_question_finds_simplified_passage(seed_assistant):
    hits = seed_assistant.search("赤壁市預計全年GDP是多少?", k=3)
    assert hits[0].source == "chibi-cadre-year.txt"
