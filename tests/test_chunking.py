"""Sentences and passages: examples, and properties over generated messy articles."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.settings import ChunkingSettings
from assistant.text.chunking import passage_id, sentence_spans, split_passages
from assistant.text.documents import LOST_CHARS, MOJIBAKE, Article
from assistant.text.normalize import clean_text, fold_for_matching


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_sentences_end_at_enders_with_closing_quotes() -> None:
    text = "“周末跑工地,问题不过夜!”这是一句话。真的吗?”他说;好……\n标题行\n最后一句"
    assert _sentences(text) == [
        "“周末跑工地,问题不过夜!”",
        "这是一句话。",
        "真的吗?”",
        "他说;",
        "好……",
        "标题行",
        "最后一句",
    ]


def test_a_lost_character_does_not_end_a_sentence() -> None:
    assert _sentences("鼓勵干部奮勇??先;同時為干事者撐腰。") == ["鼓勵干部奮勇??先;", "同時為干事者撐腰。"]


def _article(text: str, title: str = "标题") -> Article:
    return Article(source="a/b.txt", number=0, title=title, text=text)


def test_passages_hold_whole_sentences_with_one_sentence_overlap() -> None:
    sentences = [f"第{i}句话说的是一件事情。" for i in range(10)]  # 12 characters each
    passages = split_passages(_article("".join(sentences)), ChunkingSettings(max_chars=36, overlap_sentences=1))
    assert [p.text for p in passages] == [
        "".join(sentences[0:3]),
        "".join(sentences[2:5]),
        "".join(sentences[4:7]),
        "".join(sentences[6:9]),
        "".join(sentences[8:10]),
    ]


def test_a_passage_does_not_end_with_a_heading() -> None:
    text = "第一段的一句话。\n小标题\n第二段的一句话。"
    passages = split_passages(_article(text), ChunkingSettings(max_chars=13, overlap_sentences=1))
    assert [p.text for p in passages] == ["第一段的一句话。", "小标题\n第二段的一句话。"]


def test_an_overlong_sentence_is_cut_at_clause_marks() -> None:
    long = "、".join(["一二三四五六七八九"] * 8) + "。"
    passages = split_passages(_article(long), ChunkingSettings(max_chars=30, overlap_sentences=1))
    assert "".join(p.text for p in passages) == long
    assert all(len(p.text) <= 30 and (p.text.endswith("、") or p.end == len(long)) for p in passages)


def test_passage_fields_and_flags() -> None:
    text = "新港園區干部們?陧?目一線比進度。支撐!毙赂蹐@區黨工委委員說。一切正常的句子。"
    article = Article(source="x.txt", number=3, title="標題", text=text)
    passages = split_passages(article, ChunkingSettings(max_chars=17, overlap_sentences=0))
    assert [p.flags for p in passages] == [(LOST_CHARS, MOJIBAKE), (MOJIBAKE,), ()]
    first = passages[0]
    assert (first.source, first.article, first.title) == ("x.txt", 3, "標題")
    assert first.match_text == fold_for_matching(first.text)
    assert first.passage_id == passage_id("x.txt", "標題", first.text)


def test_passage_ids_are_stable_and_repeats_are_told_apart() -> None:
    text = "同一句话。\n同一句话。"
    chunking = ChunkingSettings(max_chars=5, overlap_sentences=0)
    first = split_passages(_article(text), chunking)
    again = split_passages(_article(text), chunking)
    assert [p.passage_id for p in first] == [p.passage_id for p in again]
    assert first[0].passage_id != first[1].passage_id
    assert split_passages(_article(text, title="别的标题"), chunking)[0].passage_id != first[0].passage_id


# --- properties -----------------------------------------------------------------------------------

_words = st.sampled_from(
    ["湖北", "干部", "項目專員", "新港園區", "7S店", "eVTOL", "“尺子”", "(組織部)", "毙赂蹐@", "??", "36万吨", " "]
)
_enders = st.sampled_from(["。", "!", "?", ";", "…", "……", "。”", "?”", ",", "、", ""])
_sentence = st.builds(lambda ws, e: "".join(ws) + e, st.lists(_words, min_size=1, max_size=30), _enders)
_paragraph = st.lists(_sentence, min_size=1, max_size=8).map("".join)
articles_text = st.lists(_paragraph, min_size=1, max_size=6).map(lambda ps: clean_text("\n".join(ps)).strip())
chunkings = st.builds(ChunkingSettings, max_chars=st.integers(8, 400), overlap_sentences=st.integers(0, 2))


@settings(max_examples=300, deadline=None)
@given(articles_text, chunkings)
def test_passages_map_back_exactly(text: str, chunking: ChunkingSettings) -> None:
    for p in split_passages(_article(text), chunking):
        assert p.text == text[p.start : p.end]
        assert 0 <= p.start < p.end <= len(text)
        assert len(p.text) <= chunking.max_chars


@settings(max_examples=300, deadline=None)
@given(articles_text, chunkings)
def test_every_character_lies_in_some_passage(text: str, chunking: ChunkingSettings) -> None:
    passages = split_passages(_article(text), chunking)
    covered = [False] * len(text)
    for p in passages:
        covered[p.start : p.end] = [True] * (p.end - p.start)
    assert all(text[i].isspace() for i, c in enumerate(covered) if not c)
    # Where two passages do not overlap, only the line break or space between them belongs to neither.
    for a, b in pairwise(passages):
        assert b.start <= a.end or text[a.end : b.start].isspace()


@settings(max_examples=300, deadline=None)
@given(articles_text, chunkings)
def test_passages_start_and_end_on_sentence_boundaries(text: str, chunking: ChunkingSettings) -> None:
    spans = sentence_spans(text)
    starts = {s for s, _ in spans}
    ends = {e for _, e in spans}
    overlong = [(s, e) for s, e in spans if e - s > chunking.max_chars]
    for p in split_passages(_article(text), chunking):
        inside_overlong_start = any(s < p.start < e for s, e in overlong)
        inside_overlong_end = any(s < p.end < e for s, e in overlong)
        assert p.start in starts or inside_overlong_start
        assert p.end in ends or inside_overlong_end


@settings(max_examples=200, deadline=None)
@given(articles_text, chunkings)
def test_passages_advance(text: str, chunking: ChunkingSettings) -> None:
    passages = split_passages(_article(text), chunking)
    assert [p.start for p in passages] == sorted({p.start for p in passages})
    assert all(b.end > a.end for a, b in pairwise(passages))


@pytest.mark.parametrize("overlap", [0, 1, 2])
def test_empty_article_has_no_passages(overlap: int) -> None:
    assert split_passages(_article(""), ChunkingSettings(max_chars=50, overlap_sentences=overlap)) == []
