"""PDF, Word and saved web pages read into the right articles, with pages, and bad files refused by name."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from newsfiles import (
    FAIR,
    PARK,
    PDF_ANSWER,
    PDF_QUESTION,
    TEA,
    encrypted_pdf,
    news_docx,
    news_page,
    news_pdf,
    scanned_pdf,
)

from assistant.cli import main
from assistant.errors import UnreadableFileError
from assistant.text.articles import PARAGRAPH, ROW, SourceLine, split_lines
from assistant.text.reading import read_file
from assistant.text.webpage import page_split

# Text of the page around the PDF's articles and the web page's article: none of it may reach an article.
PDF_FURNITURE = ["咸宁日报", "星期六", "第1版", "- 1 -", "- 2 -"]
PAGE_CHROME = ["首页", "登录", "要闻", "电动车", "当前位置", "分享到", "温泉", "热点排行", "重点项目", "相关新闻",
               "稻虾", "版权所有", "ICP", "弹窗"]  # fmt: skip


def _everything(split) -> str:
    return "\n".join([*(f"{a.title}\n{a.byline}\n{a.kicker}\n{a.text}" for a in split.articles), *split.unattached])


def _body(paragraphs: list[str]) -> str:
    return "".join(paragraphs).replace("，", ",")


def test_two_column_pdf_gives_each_article_in_reading_order_with_its_page(tmp_path: Path) -> None:
    split, kind = read_file(news_pdf(tmp_path / "news.pdf"), "news.pdf")
    assert kind == "PDF"
    assert [(a.title, a.byline) for a in split.articles] == [(PARK[0], PARK[1]), (FAIR[0], FAIR[1]), (TEA[0], TEA[1])]
    # Columns read left then right, lines broken by the layout (also inside numbers: "1" + "4个月") joined.
    for article, (_, _, paragraphs) in zip(split.articles, (PARK, FAIR, TEA), strict=True):
        assert article.text.replace("\n", "") == _body(paragraphs)
    assert [a.pages for a in split.articles] == [((0, 1),), ((0, 1),), ((0, 2),)]
    everything = _everything(split)
    assert not [text for text in PDF_FURNITURE if text in everything]


def test_an_article_running_over_a_page_break_knows_where_each_page_starts() -> None:
    lines = [
        SourceLine("标题在这里", "headline", 1),
        SourceLine("第一段写在第一页,说明页码,句子在页尾被", page=1),
        SourceLine("截断后接着写在第二页。", page=2),
        SourceLine("第二段全在第二页。", page=2),
    ]
    [article] = split_lines(lines, "a.pdf").articles
    assert article.text == "第一段写在第一页,说明页码,句子在页尾被截断后接着写在第二页。\n第二段全在第二页。"
    turn = article.text.index("截断")
    assert article.pages == ((0, 1), (turn, 2))
    assert article.pages_of(0, 5) == [1]
    assert article.pages_of(0, turn + 2) == [1, 2]
    assert article.pages_of(article.text.index("第二段"), len(article.text)) == [2]


def test_whole_paragraphs_are_not_joined_and_table_rows_stay_body_text() -> None:
    lines = [
        SourceLine("标题", "headline"),
        SourceLine("第一段没有句末标点", PARAGRAPH),
        SourceLine("第二段。", PARAGRAPH),
        SourceLine("指标 | 数值", ROW),
    ]
    [article] = split_lines(lines, "a.docx").articles
    assert article.text.split("\n") == ["第一段没有句末标点", "第二段。", "指标 | 数值"]


def test_word_file_headings_become_headlines_and_tables_rows(tmp_path: Path) -> None:
    split, kind = read_file(news_docx(tmp_path / "news.docx"), "news.docx")
    assert kind == "Word"
    first, second = split.articles
    assert (first.title, first.byline) == ("嘉鱼县蔬菜产业提质增效", "本报记者 周强")
    assert first.text.split("\n") == [
        "今年以来,嘉鱼县推广大棚蔬菜标准化种植,全县蔬菜播种面积达到42万亩。",
        "主要指标",
        "指标 | 2024年 | 2025年",
        "播种面积 | 38万亩 | 42万亩",
        "产值 | 51亿元 | 58亿元",
        "县农业农村局表示,明年将新建冷链仓储设施10处,减少蔬菜采后损耗。",
    ]
    assert second.title == "赤壁市开通城乡公交新线路"
    assert second.pages == ()


def test_saved_news_page_gives_the_article_without_navigation_or_ads(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(news_page(), encoding="utf-8")
    split, _ = read_file(path, "page.html")
    [article] = split.articles
    assert article.title == "咸安区桂花镇建成智慧农业示范基地"
    assert (article.date, article.byline) == ("2026-11-30", "李明")
    assert article.text.startswith("近日,咸安区桂花镇智慧农业示范基地正式投入使用。")
    assert "带动周边农户增收" in article.text.split("\n")
    assert article.text.endswith("力争三年内覆盖面积达到1万亩。")
    everything = _everything(split)
    assert not [text for text in PAGE_CHROME if text in everything]


def _neutral(markup: str) -> str:
    """The page with its chrome's names gone, as sites with generated CSS names have it: every class and id a
    meaningless one, no nav/header/footer/aside tags."""
    names = iter(range(1000))
    markup = re.sub(r'\s(class|id)="[^"]*"', lambda m: f' {m[1]}="c{next(names)}"', markup)
    return re.sub(r"<(/?)(?:nav|header|footer|aside)\b", r"<\1div", markup)


def test_chrome_is_dropped_also_when_the_page_does_not_name_it() -> None:
    [article] = page_split(_neutral(news_page()), "page.html").articles
    assert article.title == "咸安区桂花镇建成智慧农业示范基地"
    assert not [text for text in PAGE_CHROME if text in f"{article.title}\n{article.byline}\n{article.text}"]


def test_a_page_without_chrome_is_read_whole_keeping_its_section_headings() -> None:
    content = news_page().split('<div class="content" id="content">')[1].split("</div>")[0]
    markup = f"<html><body><h1>桂花镇智慧农业</h1>{content}</body></html>"
    [article] = page_split(markup, "page.html").articles
    assert article.title == "桂花镇智慧农业"
    assert "带动周边农户增收" in article.text.split("\n")
    assert article.text.startswith("近日,") and article.text.endswith("1万亩。")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (scanned_pdf, ["scan.pdf", "文字层", "扫描件", "no text layer"]),
        (encrypted_pdf, ["scan.pdf", "加密", "encrypted"]),
    ],
)
def test_scanned_and_encrypted_pdfs_are_refused_by_name(tmp_path: Path, make, words: list[str]) -> None:
    path = make(tmp_path / "scan.pdf")
    with pytest.raises(UnreadableFileError) as refused:
        read_file(path, "scan.pdf")
    assert all(word in str(refused.value) for word in words)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "broken xml"])
def test_corrupt_word_file_is_refused_by_name(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "bad.docx"
    good = news_docx(tmp_path / "good.docx")
    if damage == "garbage":
        path.write_bytes(b"PK\x03\x04" + b"not a word file" * 50)
    elif damage == "truncated":
        path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    else:  # a sound zip whose document is cut short
        with zipfile.ZipFile(good) as whole, zipfile.ZipFile(path, "w") as broken:
            for item in whole.infolist():
                data = whole.read(item.filename)
                broken.writestr(item, data[: len(data) // 2] if item.filename == "word/document.xml" else data)
    with pytest.raises(UnreadableFileError, match=r"bad\.docx.*Word"):
        read_file(path, "bad.docx")


def test_inspect_shows_the_pdf_articles_and_their_pages(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = news_pdf(tmp_path / "news.pdf")
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "news.pdf  编码 encoding: PDF  文章 articles: 3" in out
    assert f"[2] {TEA[0]}" in out
    assert "页 pages: 第2页" in out


def test_inspect_shows_the_word_file_and_the_web_page(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    page = tmp_path / "page.html"
    page.write_text(news_page(), encoding="utf-8")
    assert main(["inspect", str(news_docx(tmp_path / "news.docx"))]) == 0
    assert "[1] 赤壁市开通城乡公交新线路" in capsys.readouterr().out
    assert main(["inspect", str(page)]) == 0
    out = capsys.readouterr().out
    assert "[0] 咸安区桂花镇建成智慧农业示范基地" in out and "日期 date: 2026-11-30" in out and "首页" not in out


def test_search_and_ask_name_the_pdf_page(tmp_path: Path, hashing_embedder, capsys: pytest.CaptureFixture) -> None:
    from assistant import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    news_pdf(corpus / "news.pdf")
    shutil.copy(Path(__file__).parent.parent / "corpus" / "chibi-cadre-year.txt", corpus)
    bot = Assistant.build(corpus, tmp_path / "index", embedder=hashing_embedder)
    [hit] = bot.search(PDF_QUESTION, k=1)
    assert (hit.source, hit.pages) == ("news.pdf", [2])
    answer = bot.ask(PDF_QUESTION)
    assert PDF_ANSWER in answer.text
    assert answer.citations[0].hit.pages == [2]
    [chibi] = bot.search("赤壁市预计全年GDP是多少", k=1, sources=["chibi-cadre-year.txt"])
    assert chibi.pages == []


def test_an_index_from_before_pages_is_stale_and_rebuilt_not_broken(tmp_path: Path, hashing_embedder) -> None:
    import json

    from assistant import Assistant
    from assistant.errors import IndexStaleError

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    news_pdf(corpus / "news.pdf")
    Assistant.build(corpus, index, embedder=hashing_embedder)
    # Make it what the previous version wrote: pipeline version 2, articles without pages.
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    (index / "manifest.json").write_text(json.dumps({**manifest, "pipeline_version": 2}), encoding="utf-8")
    articles = index / manifest["data"] / "articles.jsonl"
    rows = [json.loads(line) for line in articles.read_text(encoding="utf-8").splitlines()]
    articles.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "pages"}) + "\n" for r in rows))

    with pytest.raises(IndexStaleError, match="pipeline version changed"):
        Assistant.load(index, embedder=hashing_embedder)
    old = Assistant.load(index, embedder=hashing_embedder, check_fresh=False)
    assert old.search(PDF_QUESTION, k=1)[0].pages == []  # still answers while stale, without pages
    bot = Assistant.build(corpus, index, embedder=hashing_embedder)
    assert bot.report.changed and bot.search(PDF_QUESTION, k=1)[0].pages == [2]
