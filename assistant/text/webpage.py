"""HTML files: a saved news page read for its article alone, or an HTML fragment read whole.

A page saved from a news site carries navigation, ads, "hot" lists, related links and a footer around the
article. trafilatura finds the article body, headline, date and author there far better than flattening the
page (bench/webpage_bench.py measures both). On a page with no such chrome (an article exported as HTML, a
fragment) trafilatura gains nothing and loses structure: it may drop short text or flatten headings and
paragraphs into one block. So the page's own markup decides: chrome present -> trafilatura; otherwise, or when
trafilatura finds no article, every block of the page is read (html_lines).
"""

from __future__ import annotations

import re
from dataclasses import replace

from .articles import CAPTION, HEADING, HEADLINE, PARAGRAPH, ROW, ArticleSplit, SourceLine, split_lines
from .normalize import clean_text

HTML_SUFFIXES = (".html", ".htm")

_BLOCK_TAGS = (
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "table", "tr", "td",
    "th", "blockquote", "pre", "section", "article", "header", "footer", "main", "aside", "nav", "dl", "dt", "dd",
)  # fmt: skip
_HINTS = {"h1": HEADLINE, "figcaption": CAPTION} | {f"h{n}": HEADING for n in range(2, 7)}
_HINT_MARK = re.compile("^\ue000(\\w+)\ue001")  # put before a heading's text while the page is flattened
# Markup a site puts around its articles; an exported article or a fragment has none of it.
_CHROME_TAGS = ("nav", "header", "footer", "aside")
_CHROME_NAMES = re.compile(
    r"\b(?:nav|navbar|menu|topbar|header|footer|sidebar|side|breadcrumb|crumb|ad|ads|advert|banner|related|share|"
    r"comment|comments|hot|rank|recommend|copyright)\b",
    re.I,
)
_BYLINE_LABEL = re.compile(r"^(?:作者|记者|編輯|编辑|撰稿|文)\s*[:：]\s*")


def page_split(markup: str, source: str) -> ArticleSplit:
    """The articles of an HTML file: the article of a saved page, or all of a page without site chrome."""
    if has_chrome(markup):
        lines, meta = article_lines(markup)
        if lines:
            split = split_lines(lines, source)
            if split.articles:
                first = split.articles[0]
                first = replace(
                    first,
                    byline=first.byline or meta.get("author", ""),
                    date=first.date or meta.get("date", ""),
                    url=first.url or meta.get("url", ""),
                )
                return ArticleSplit([first, *split.articles[1:]], split.unattached)
    return split_lines(html_lines(markup), source)


def has_chrome(markup: str) -> bool:
    """Whether the page has navigation, ad, sidebar or footer markup around its text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    if soup.find(_CHROME_TAGS):
        return True
    return any(
        _CHROME_NAMES.search(" ".join([*element.get("class", []), element.get("id", "")]))
        for element in soup.find_all(["div", "ul", "section", "span", "p"])
    )


def article_lines(markup: str) -> tuple[list[SourceLine], dict[str, str]]:
    """The article trafilatura finds in a page, as lines (headline first), and its author, date and url."""
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(
        markup, output_format="xml", with_metadata=True, include_tables=True, include_images=False, deduplicate=True
    )
    if not xml:
        return [], {}
    doc = etree.fromstring(xml.encode("utf-8"))
    main = doc.find("main")
    if main is None:
        return [], {}
    lines = [SourceLine(clean_text(doc.get("title") or ""), HEADLINE)] if doc.get("title") else []
    for element in main:
        if element.tag == "table":
            for row in element.iter("row"):
                cells = [clean_text("".join(cell.itertext())).strip() for cell in row.iter("cell")]
                lines.append(SourceLine(" | ".join(c for c in cells if c), ROW))
        elif element.tag == "list":
            lines.extend(SourceLine(clean_text("".join(item.itertext())), PARAGRAPH) for item in element.iter("item"))
        else:
            hint = HEADING if element.tag == "head" else PARAGRAPH
            lines.extend(SourceLine(clean_text(text), hint) for text in "".join(element.itertext()).split("\n"))
    meta = {
        "author": _BYLINE_LABEL.sub("", clean_text(doc.get("author") or "")).strip(),
        "date": doc.get("date") or "",
        "url": doc.get("url") or "",
    }
    return lines, meta


def html_lines(markup: str) -> list[SourceLine]:
    """An HTML page as lines: tags stripped, every block a paragraph, headings and captions marked."""
    from bs4 import BeautifulSoup  # only HTML files need it

    soup = BeautifulSoup(markup, "html.parser")
    for hidden in soup(["script", "style", "noscript", "template", "head"]):
        hidden.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for element in soup.find_all(_BLOCK_TAGS):
        if element.name in _HINTS:
            element.insert(0, f"\ue000{_HINTS[element.name]}\ue001")
        element.insert_before("\n\n")
        element.insert_after("\n\n")
    lines: list[SourceLine] = []
    for raw in soup.get_text().split("\n"):
        mark = _HINT_MARK.match(raw.strip())
        text = clean_text(raw[raw.index("\ue001") + 1 :] if mark else raw)
        lines.append(SourceLine(text, mark[1] if mark else ""))
    return lines
