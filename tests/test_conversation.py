"""Follow-up questions are rewritten against the previous turn before retrieval."""

import pytest

from assistant.web.conversation import Exchange, questions_from_text, resolve_followup, topic_of


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("赤壁市预计全年GDP是多少？", "赤壁市"),
        ("鄂州花湖国际机场累计开通货运航线多少条？", "鄂州花湖国际机场"),
        ("新港園區1—8月進出口額是多少？", "新港園區"),  # traditional script is kept
        ("咸宁中试谷赤壁基地在哪里？", "咸宁中试谷赤壁基地"),
        ("是多少？", ""),
    ],
)
def test_topic_of_finds_the_leading_named_noun_phrase(question, topic):
    assert topic_of(question) == topic


@pytest.mark.parametrize(
    ("follow_up", "previous", "resolved"),
    [
        ("它的增速是多少？", "赤壁市预计全年GDP是多少？", "赤壁市的增速是多少？"),
        ("那里的药价下降了多少？", "赤壁市预计全年GDP是多少？", "赤壁市的药价下降了多少？"),
        (
            "这个项目覆盖多大面积？",
            "赤壁市低空经济时空信息基础设施建设项目由谁实施？",
            "赤壁市低空经济时空信息基础设施建设项目覆盖多大面积？",
        ),
        ("该机场何时投运？", "鄂州花湖国际机场累计开通货运航线多少条？", "鄂州花湖国际机场何时投运？"),
        ("那進出口額呢？", "新港園區1—8月進出口額是多少？", "新港園區進出口額呢？"),
    ],
)
def test_pronouns_and_cues_are_replaced_by_the_previous_topic(follow_up, previous, resolved):
    assert resolve_followup(follow_up, Exchange(previous)) == resolved


def test_a_which_question_is_followed_by_its_answer_not_its_noun():
    previous = Exchange("哪个机场开通了111条货运航线？", direct="鄂州花湖国际机场")
    assert resolve_followup("它在哪里？", previous) == "鄂州花湖国际机场在哪里？"


@pytest.mark.parametrize(
    "question",
    ["新港园区进出口额是多少？", "同比增长多少？", "这是什么？", "其中外贸占多少？"],
)
def test_self_contained_questions_are_left_alone(question):
    assert resolve_followup(question, Exchange("赤壁市预计全年GDP是多少？")) == question


def test_first_question_is_only_trimmed():
    assert resolve_followup("  它的增速是多少？ ", None) == "它的增速是多少？"


def test_questions_are_drawn_from_clauses_stating_a_quantity_about_a_named_place():
    text = "今年以来成效明显。鄂州花湖国际机场累计开通货运航线111条，初步形成全球“八小时交通圈”。"
    assert questions_from_text(text) == [("鄂州花湖国际机场累计开通货运航线多少条？", "111条")]


def test_traditional_clauses_give_traditional_questions():
    assert questions_from_text("新港園區1—8月進出口額達256.5億元") == [
        ("新港園區1—8月進出口額達多少億元？", "256.5億元")
    ]


def test_clauses_without_a_name_or_with_several_quantities_give_no_question():
    assert questions_from_text("预计全年GDP622亿元。同比增长7.5%，总量12亿元。") == []
