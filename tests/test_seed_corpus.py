"""The seed files, read end to end: articles, headlines, cleaning, flags, the duplicated story."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.inspection import render_file
from assistant.settings import ChunkingSettings
from assistant.text.articles import derived_title
from assistant.text.chunking import split_passages
from assistant.text.dedup import story_groups
from assistant.text.documents import LOST_CHARS, MOJIBAKE, Article, Passage
from assistant.text.reading import list_corpus_files, read_articles

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

TITLES = {
    "hubei-daily-cadres-roundup.txt": [
        "硬核队伍写就三份答卷 淬火成钢奋进新征程",
        "黄石新港项目专员 周末跑工地 问题不过夜",
        "公安县干部 跨省取经让柑橘“身价”倍增",
        "建始三里乡项目专班 把办公室搬到征迁现场",
        "天门“小天帮办”延时服务 市民下班也能赶上办护照",
    ],
    "chibi-cadre-year.txt": [
        "锻造高质量发展“硬核”力量——赤壁市“干部素质提升年”工作纪实",
        "优化编制资源配置 赋能经济高质量发展",
    ],
    "hubei-daily-cadre-plan-and-chegu.txt": [
        "强素质 提能力 转作风 促担当 全省深化拓展“干部素质提升年”",
        "节后第一天,襄阳2000多人找到新工作",
        "牢记嘱托 加力奋进 为确保支点建设取得决定性进展而不懈奋斗",
    ],
    # Printed without headlines: titled by their first sentence.
    "hubei-plenum-tv-traditional.txt": ["本周,湖北省委召開十二屆十次全會,重點聚焦“激勵干部擔當作為”這一主題"],
    "xingang-park-traditional.txt": ["火熱的施工現場,項目專員與施工方討論著優化建設方案"],
}
BYLINES = {
    "hubei-daily-cadres-roundup.txt": [
        "湖北日报全媒记者 雷巍巍",
        "湖北日报全媒记者 杨富春 通讯员 徐燕玲",
        "湖北日报全媒记者 何辉 通讯员 冯重 林京虹",
        "湖北日报全媒记者 蔡俊 通讯员 郭良彪 方誉俊",
        "湖北日报讯 (记者赵莎莎、通讯员王潮)",
    ],
    "xingang-park-traditional.txt": ["記者 魯冰兒 通訊員 李成"],
}
PINYIN = re.compile(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[Article]]:
    return {path.name: read_articles(path, path.name) for path in list_corpus_files(CORPUS)}


@pytest.fixture(scope="module")
def passages(corpus: dict[str, list[Article]]) -> dict[str, list[Passage]]:
    chunking = ChunkingSettings()
    return {name: [p for a in articles for p in split_passages(a, chunking)] for name, articles in corpus.items()}


def test_articles_and_headlines_per_file(corpus: dict[str, list[Article]]) -> None:
    assert {name: [a.title for a in articles] for name, articles in corpus.items()} == TITLES


def test_bylines_kickers_and_continuation_marks(corpus: dict[str, list[Article]]) -> None:
    for name, bylines in BYLINES.items():
        assert [a.byline for a in corpus[name]] == bylines
    assert corpus["hubei-daily-cadres-roundup.txt"][0].kicker == "读公报 强担当"
    assert corpus["chibi-cadre-year.txt"][1].kicker == "赤壁市委编办"
    assert corpus["hubei-daily-cadre-plan-and-chegu.txt"][2].kicker == "(上接第1版)"


def test_no_headline_byline_or_kicker_inside_a_body(corpus: dict[str, list[Article]]) -> None:
    for articles in corpus.values():
        printed = [a.title for a in articles if a.title != derived_title(a.text)]
        printed += [part for a in articles for part in a.byline.split(" 通讯员 ") + a.kicker.split(" / ") if part]
        assert printed
        for article in articles:
            assert not [line for line in printed if line in article.text], article.title


def test_lines_broken_by_layout_are_joined(corpus: dict[str, list[Article]]) -> None:
    text = "\n".join(a.text for articles in corpus.values() for a in articles)
    for joined in (
        "正在新兴管业协调事情的陈灿说",
        "24名干部下沉基层治理一线,历练成长",
        "服务中心正式挂牌",
        "标准管党治党",
    ):
        assert joined in text
    roundup = corpus["hubei-daily-cadres-roundup.txt"]
    assert roundup[0].text.split("\n")[4:6] == ["对标争先", "与好的比与快的赛与强的竞高低"]  # section headings


def test_no_pinyin_annotation_or_markup_left_in_any_passage(passages: dict[str, list[Passage]]) -> None:
    for items in passages.values():
        for p in items:
            assert not PINYIN.search(p.text), p.text
            assert "/span>" not in p.text
    xingang = " ".join(p.text for p in passages["xingang-park-traditional.txt"])
    assert "(組織部)" in xingang and "(居)" in xingang  # real parentheses stay
    tv = " ".join(p.text for p in passages["hubei-plenum-tv-traditional.txt"])
    assert "召開十二屆十次全會" in tv and "(三維五軸)" in tv and "idea(點子)" in tv


def test_mojibake_and_lost_characters_are_flagged(passages: dict[str, list[Passage]]) -> None:
    xingang = passages["xingang-park-traditional.txt"]
    for run in ("毙赂蹐@區", "睒菞濋L", "眲④S滿", "鶎又卫怼"):
        holding = [p for p in xingang if run in p.text]
        assert holding and all(MOJIBAKE in p.flags for p in holding), run
    assert all(LOST_CHARS in p.flags for p in passages["hubei-plenum-tv-traditional.txt"] if "奮勇??先" in p.text)
    clean = [p for name in TITLES if "traditional" not in name for p in passages[name]]
    assert clean and not any(p.flags for p in clean)  # the simplified files are undamaged


def test_the_duplicated_story_is_detected(corpus: dict[str, list[Article]]) -> None:
    articles = [a for items in corpus.values() for a in items]
    assert story_groups(articles) == [[("hubei-daily-cadres-roundup.txt", 1), ("xingang-park-traditional.txt", 0)]]


def test_passages_map_back_and_fit_the_budget(corpus: dict[str, list[Article]]) -> None:
    chunking = ChunkingSettings()
    for articles in corpus.values():
        for article in articles:
            items = split_passages(article, chunking)
            assert items and items[0].start == 0 and items[-1].end == len(article.text)
            assert all(p.text == article.text[p.start : p.end] and len(p.text) <= chunking.max_chars for p in items)


def test_inspect_shows_articles_passages_and_flags() -> None:
    out = render_file(CORPUS / "xingang-park-traditional.txt", "xingang-park-traditional.txt", ChunkingSettings())
    assert "火熱的施工現場,項目專員與施工方討論著優化建設方案" in out
    assert "記者 魯冰兒 通訊員 李成" in out
    assert "⟦毙赂蹐@⟧區黨工委委員" in out
    assert "乱码 mojibake" in out and "缺字 lost characters" in out
    out = render_file(CORPUS / "hubei-daily-cadre-plan-and-chegu.txt", "plan.txt", ChunkingSettings())
    assert "湖北日报全媒体记者 汪洋" in out.split("[0]")[0]  # the byline without a body is shown, not lost
