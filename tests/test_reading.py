"""Reading corpus files: encodings, formats, unreadable files."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from assistant.errors import UnreadableFileError
from assistant.text.reading import decode_bytes, list_corpus_files, read_articles

SIMPLIFIED = (
    "硬核队伍写就三份答卷 淬火成钢奋进新征程\n\n湖北日报全媒记者 雷巍巍\n\n"
    "“一年开新局”的支点答卷、经济大省挑大梁的发展答卷、“十四五”收官的历史答卷，由一支冲锋在前、善作善成的硬核干部队伍写就。"
    "今年是全省“干部素质提升年”，省委实施凝心铸魂、对标争先、强基提能等六大行动，干部队伍素质得到淬炼提升。\n"
)
TRADITIONAL = (
    "火熱的施工現場，項目專員與施工方討論著優化建設方案；忙碌的生產車間，黨建指導員逐條為企業解讀最新申報政策；"
    "靜謐的社區廣場，樓棟長仔細記錄、整理獨居老人的購藥需求。如今，新港園區青年干部的身影，如星火般散落在項目攻堅、"
    "企業服務、社區治理的脈絡深處。這抹流動的風景線，正是新港園區以“干部素質提升年”為契機，推動干部“沉下去”實踐的生動縮影。\n"
)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(SIMPLIFIED, "gbk"), (SIMPLIFIED, "gb18030"), (TRADITIONAL, "big5"), (TRADITIONAL, "gb18030")],
)
def test_legacy_chinese_encodings_are_detected(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(text.encode(encoding))
    decoded = decode_bytes(path.read_bytes(), "a.txt")
    assert decoded.text == text
    assert read_articles(path, "a.txt")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_byte_order_marks(encoding: str) -> None:
    data = TRADITIONAL.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    assert decode_bytes(data, "a.txt").text == TRADITIONAL


@pytest.mark.parametrize("data", [bytes(range(256)) * 4, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)])
def test_binary_files_are_unreadable_with_a_message_naming_them(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(data)
    with pytest.raises(UnreadableFileError, match=r"image\.txt"):
        read_articles(path, "image.txt")


def test_list_corpus_files_is_recursive_sorted_and_skips_hidden_and_unsupported(tmp_path: Path) -> None:
    for name in ["b.txt", "a/c.md", "a/d.html", "e.jsonl", "f.pdf", "h.doc", ".hidden.txt", ".git/x.txt", "g.HTM"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in list_corpus_files(tmp_path)]
    assert found == ["a/c.md", "a/d.html", "b.txt", "e.jsonl", "f.pdf", "g.HTM"]


def test_html_tags_stripped_paragraphs_kept_headline_taken(tmp_path: Path) -> None:
    page = """<html><head><title>站点</title><style>p{color:red}</style></head><body>
    <h1>黄石新港项目专员 周末跑工地</h1><p>湖北日报全媒记者 杨富春</p>
    <div><p>“周末跑工地，问题不过夜”，这是<b>陈灿</b>写在笔记本扉页上的一句话。</p>
    <p>新港园区选派10名干部担任&ldquo;项目专员&rdquo;。<br>已累计解决难题62个。</p></div>
    <figure><img src="x.jpg"><figcaption>项目专员在现场走访</figcaption></figure>
    <h2>扎根企业车间</h2><p>党建指导员逐条为企业解读政策。</p><script>var a = "<p>不是正文</p>";</script>
    </body></html>"""
    path = tmp_path / "a.html"
    path.write_text(page, encoding="utf-8")
    [article] = read_articles(path, "a.html")
    assert article.title == "黄石新港项目专员 周末跑工地"
    assert article.byline == "湖北日报全媒记者 杨富春"
    assert article.text.split("\n") == [
        "“周末跑工地,问题不过夜”,这是陈灿写在笔记本扉页上的一句话。",
        "新港园区选派10名干部担任“项目专员”。",
        "已累计解决难题62个。",
        "项目专员在现场走访",
        "扎根企业车间",
        "党建指导员逐条为企业解读政策。",
    ]


def test_html_in_gbk_without_block_markup(tmp_path: Path) -> None:
    path = tmp_path / "a.htm"
    path.write_bytes(("<html><body>" + SIMPLIFIED + "</body></html>").encode("gbk"))
    [article] = read_articles(path, "a.htm")
    assert article.title == "硬核队伍写就三份答卷 淬火成钢奋进新征程"


def test_markdown_headlines_start_articles(tmp_path: Path) -> None:
    text = (
        "# 第一篇 标题\n\n**湖北**日报讯，[新港园区](http://x)选派干部。\n\n## 小标题\n\n- 第一条。\n\n"
        "# 第二篇 标题\n\n第二篇的正文。\n"
    )
    path = tmp_path / "a.md"
    path.write_text(text, encoding="utf-8")
    articles = read_articles(path, "a.md")
    assert [(a.number, a.title, a.text) for a in articles] == [
        (0, "第一篇 标题", "湖北日报讯,新港园区选派干部。\n小标题\n第一条。"),
        (1, "第二篇 标题", "第二篇的正文。"),
    ]


def test_jsonl_one_article_a_line_bad_lines_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lines = [
        json.dumps(
            {"title": "標題一", "text": "第一段召開(kāi)會議,\n\n討論項目。", "date": "2025-11-28", "url": "http://a"}
        ),
        "not json",
        json.dumps({"title": "没有正文"}),
        json.dumps({"text": "没有标题的一篇。第二句。"}),
    ]
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        articles = read_articles(path, "a.jsonl")
    assert [(a.number, a.title, a.text, a.date, a.url) for a in articles] == [
        (0, "標題一", "第一段召開會議,討論項目。", "2025-11-28", "http://a"),
        (1, "没有标题的一篇", "没有标题的一篇。第二句。", "", ""),
    ]
    assert [r.getMessage() for r in caplog.records if "a.jsonl" in r.getMessage()][:1]
    assert sum("a.jsonl" in r.getMessage() for r in caplog.records) == 2


def test_html_text_directly_inside_a_container_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.html"
    path.write_text("<div>容器里直接写的一句话。<p>段落里的一句话。</p>结尾的一句话。</div>", encoding="utf-8")
    [article] = read_articles(path, "a.html")
    assert article.text.split("\n") == ["容器里直接写的一句话。", "段落里的一句话。", "结尾的一句话。"]


def test_utf8_with_a_damaged_byte_stays_utf8_and_the_damage_is_visible() -> None:
    data = TRADITIONAL.encode("utf-8")
    decoded = decode_bytes(data[:30] + b"\xff" + data[30:], "a.txt")
    assert decoded.encoding.startswith("utf-8")
    assert decoded.text.replace("\ufffd", "") == TRADITIONAL
