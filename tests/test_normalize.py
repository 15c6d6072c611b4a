"""Cleaning, damage detection and folding: examples from the seed files, and properties over messy text."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from assistant.text.normalize import (
    clean_text,
    fold_for_matching,
    is_question_mark,
    is_traditional,
    lost_char_spans,
    mojibake_spans,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("湖北省委召開(kāi)十二屆十次全會(huì)", "湖北省委召開十二屆十次全會"),
        ("鼓勵干部擔當作為、奮勇?tīng)?zhēng)先", "鼓勵干部擔當作為、奮勇??先"),  # lost: flagged, not guessed
        ("部長(zhǎng)劉躍滿", "部長劉躍滿"),
        ("黨群工作部(組織部)部長", "黨群工作部(組織部)部長"),
        ("這款(三維五軸)設備", "這款(三維五軸)設備"),
        ("(記者 魯冰兒 通訊員 李成)", "(記者 魯冰兒 通訊員 李成)"),
        ("多款電動垂直起降飛行器(eVTOL)首次亮相", "多款電動垂直起降飛行器(eVTOL)首次亮相"),
        ("我們造的,</span>更是因為", "我們造的,更是因為"),
        ("我們造的,/span>更是因為", "我們造的,更是因為"),
        ("<p>第一段</p>", "第一段"),
        ("A&amp;B 公司", "A&B 公司"),
        ("零\u200b宽\ufeff字符", "零宽字符"),
        ("不\u00a0间断\u3000空格", "不 间断 空格"),
        ("ＧＤＰ增长７．５％", "GDP增长7.5%"),
        ("全角，标点！", "全角,标点!"),
        ("\u3000\u3000段首缩进", "段首缩进"),
        ("賣不出去 ,這個", "賣不出去,這個"),
        ("一行\r\n二行\r三行", "一行\n二行\n三行"),
    ],
)
def test_clean_text_examples(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def _misread(phrase: str, wrong: str) -> str | None:
    try:
        return phrase.encode("utf-8").decode(wrong)
    except UnicodeDecodeError:
        return None  # not every UTF-8 text is valid in every legacy encoding


MISREAD = [
    (phrase, mojibake)
    for phrase in ["黄石新港园区项目专员", "召开全会", "新港园区黨工委委員", "干部素质提升年"]
    for wrong in ["gb18030", "cp1252", "latin-1"]
    if (mojibake := _misread(phrase, wrong))
]


@pytest.mark.parametrize(("phrase", "mojibake"), MISREAD)  # e.g. 榛勭煶鏂版腐鍥尯, é»„çŸ³æ–°æ¸¯
def test_utf8_read_with_a_legacy_encoding_is_repaired_when_reversible(phrase: str, mojibake: str) -> None:
    assert clean_text(f"今天{mojibake}。") == f"今天{phrase}。"


def test_mojibake_that_lost_bytes_is_left_alone() -> None:
    damaged = "支撐!毙赂蹐@區黨工委委員"  # a byte of GBK text was lost: not reversible, only flagged
    assert clean_text(damaged) == damaged
    assert clean_text("café naïve ÷ 2") == "café naïve ÷ 2"


def test_clean_text_keeps_paragraphs_and_lines() -> None:
    assert clean_text("第一段。\n\n第二段\n第三行") == "第一段。\n\n第二段\n第三行"


def test_fold_for_matching_is_phrase_level_simplified_and_width_folded() -> None:
    assert fold_for_matching("湖北省委召開十二屆十次全會") == "湖北省委召开十二届十次全会"
    # Phrase level: 乾隆 stays 乾隆 (a character table would make it 干隆), 頭髮 becomes 头发.
    assert fold_for_matching("乾隆年間的頭髮") == "乾隆年间的头发"
    assert fold_for_matching("ＧＤＰ　增長") == "GDP 增长"
    assert fold_for_matching("已经是简体") == "已经是简体"


def test_traditional_query_and_simplified_passage_meet() -> None:
    assert fold_for_matching("黃石新港園區項目專員") == fold_for_matching("黄石新港园区项目专员")


def test_is_traditional() -> None:
    assert is_traditional("火熱的施工現場,項目專員與施工方討論著優化建設方案")
    assert not is_traditional("火热的施工现场,项目专员与施工方讨论着优化建设方案")
    assert not is_traditional("GDP 2025")


@pytest.mark.parametrize(
    ("text", "index", "question"),
    [
        ("为啥人家的果子能卖高价?”今年", 11, True),
        ("能细讲一下吗?”秦河", 6, True),
        ("需要什么样的干部?如何让这些", 8, True),
        ("你有不干的理由嗎?老百姓", 8, True),
        ("奮勇??先", 2, False),
        ("擔當?母刹縼", 2, False),
        ("封頂?娜程", 2, False),
    ],
)
def test_question_mark_or_lost_character(text: str, index: int, question: bool) -> None:
    assert text[index] == "?"
    assert is_question_mark(text, index) is question


def test_lost_char_spans() -> None:
    text = "能细讲一下吗?”奮勇??先,“**項目”\ufffd"
    assert [text[s:e] for s, e in lost_char_spans(text)] == ["?", "?", "**", "\ufffd"]


def test_mojibake_runs_of_the_xingang_seed_are_found() -> None:
    text = (
        "為園區高質量發展筑牢堅實支撐!毙赂蹐@區黨工委委員、黨群工作部(組織部)部長劉躍滿說。"
        "“您別急,這事我都記在臺賬上了!睒菞濋L、新港園區韋源口鎮黨委委員明椿林。"
        "讓干部在真刀真槍的實戰中補短板、強本領、提效能!眲④S滿表示,下一步。"
    )
    found = [text[s:e] for s, e in mojibake_spans(text, traditional=True)]
    assert found == ["毙赂蹐@", "睒菞濋L", "眲④S"]


def test_clean_text_has_no_mojibake() -> None:
    simplified = "如今,这片泥地已蝶变为全国规模最大的碳化硅半导体生产基地,可年产36万片6英寸碳化硅晶圆。"
    traditional = "長江云新聞記者 徐瑗 向秀 金若晗 楊旭琿 朱哲鋆 彭瀚 通訊員 李哲文 項夢瑩,多款eVTOL首次亮相。"
    assert mojibake_spans(simplified) == []
    assert mojibake_spans(traditional) == []  # rare characters of names, one at a time, are not damage


# --- properties -----------------------------------------------------------------------------------

# Messy text: Chinese of both scripts, mojibake characters, pinyin annotations, markup remnants,
# invisible and odd spaces, full-width forms, line breaks.
_pieces = st.sampled_from(
    [
        "湖北", "召開", "(kāi)", "(zhǎng)", "?tīng)", "(組織部)", "(記者 魯冰兒)", "</span>", "/span>", "<p>",
        "&amp;", "\u200b", "\u00a0", "\u3000", "\ufeff", "ＧＤＰ", "，", "。", "！", "?", "毙赂蹐@", "\n", "\n\n",
        "\r\n", " ", "  ", "(", ")", "eVTOL", "“", "”", "…", ";", "干部", "項目專員", "a", "1", "*", "**",
    ]
)  # fmt: skip
messy_text = st.lists(_pieces | st.text(max_size=3), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(messy_text)
def test_cleaning_is_idempotent(raw: str) -> None:
    once = clean_text(raw)
    assert clean_text(once) == once


@settings(max_examples=200, deadline=None)
@given(messy_text)
@example("0/span>")  # found by hypothesis: a remnant right after a digit survived
def test_cleaned_text_has_no_debris(raw: str) -> None:
    cleaned = clean_text(raw)
    assert not any(c in cleaned for c in "\u200b\ufeff\u00a0\u3000\r")
    assert "/span>" not in cleaned
    assert not any(0xFF01 <= ord(c) <= 0xFF5E for c in cleaned)
    assert all(line == line.strip() for line in cleaned.split("\n"))


@settings(max_examples=200, deadline=None)
@given(messy_text)
def test_folding_is_idempotent(raw: str) -> None:
    once = fold_for_matching(raw)
    assert fold_for_matching(once) == once


@settings(max_examples=200, deadline=None)
@given(messy_text)
def test_damage_spans_lie_inside_the_text(raw: str) -> None:
    text = clean_text(raw)
    for start, end in lost_char_spans(text) + mojibake_spans(text):
        assert 0 <= start < end <= len(text)
