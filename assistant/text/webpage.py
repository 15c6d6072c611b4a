"""HTML files: a saved news page read for its article alone, or an HTML fragment read whole.

A page saved from a news site carries navigation, ads, "hot" lists, related links and a footer around the
article. trafilatura finds the article body, headline, date and author there far better than flattening the
page; on an article exported as HTML (or a fragment) it gains nothing and loses structure: it drops section
headings and may flatten the whole page into one paragraph. bench/webpage_bench.py measures both readers.
So both read the page, and what the page-wide reader (html_lines) finds beyond trafilatura's article decides:
body text outside the article (CHROME_LINES lines or more, headings aside) means site chrome -> trafilatura's
article; nothing beyond it -> every block of the page, with its structure.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .articles import CAPTION, HEADING, HEADLINE, PARAGRAPH, ROW, ArticleSplit, SourceLine, split_lines
from .normalize import clean_text

HTML_SUFFIXES = (".html", ".htm")
CHROME_LINES = 3  # lines of a page outside its article that make it a page with site chrome

_BLOCK_TAGS = (
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "table", "tr", "td",
    "th", "blockquote", "pre", "section", "article", "header", "footer", "main", "aside", "nav", "dl", "dt", "dd",
)  # fmt: skip
_HINTS = {"h1": HEADLINE, "figcaption": CAPTION} | {f"h{n}": HEADING for n in range(2, 7)}
_HINT_MARK = re.compile("^\ue000(\\w+)\ue001")  # put before a heading's text while the page is flattened
_SPACE = re.compile(r"\s+")
# A site's footer lines, which trafilatura keeps when the page does not name its footer (generated CSS names).
_FOOTER = re.compile(r"版权所有|版權所有|ICP[备證证]|Copyright|©|关于我们\s*\||联系我们\s*\||网站地图|免责声明", re.I)
_FOOTER_CHARS = 80  # a footer line is short; an article sentence may quote "版权所有"
_BYLINE_LABEL = re.compile(r"^(?:作者|记者|編輯|编辑|撰稿|文)\s*[:：]\s*")


def page_split(markup: str, source: str) -> ArticleSplit:
    """The articles of an HTML file: the article of a page with site chrome, or all of a page without it."""
    whole = html_lines(markup)
    lines, meta = article_lines(markup)
    if not lines or len(outside(whole, lines)) < CHROME_LINES:
        return split_lines(whole, source)
    split = split_lines(lines, source)
    if not split.articles:
        return split_lines(whole, source)
    first = split.articles[0]
    first = replace(
        first,
        byline=first.byline or meta.get("author", ""),
        date=first.date or meta.get("date", ""),
        url=first.url or meta.get("url", ""),
    )
    return ArticleSplit([first, *split.articles[1:]], split.unattached)


def outside(whole: list[SourceLine], article: list[SourceLine]) -> list[str]:
    """Body lines of the whole page that the article does not hold (headings aside: trafilatura drops some)."""
    # Spacing differs between the two (trafilatura puts spaces around inline tags such as <b>): compare without it.
    held = "\n".join(_SPACE.sub("", line.text) for line in article)
    return [
        line.text
        for line in whole
        if line.text and line.hint not in (HEADLINE, HEADING) and _SPACE.sub("", line.text) not in held
    ]


def article_lines(markup: str) -> tuple[list[SourceLine], dict[str, str]]:
    """The article trafilatura finds in a page, as lines (headline first), and its author, date and url."""
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(
        markup, output_format="xml", with_metadata=True, include_tables=True, include_images=False
    )
    if not xml:
        return [], {}
    doc = etree.fromstring(xml.encode("utf-8"))
    main = doc.find("main")
    if main is None:
        return [], {}
    lines = [SourceLine(clean_text(doc.get("title") or ""), HEADLINE)] if doc.get("title") else []
    lines += [line for line in _body_lines(main) if not (len(line.text) <= _FOOTER_CHARS and _FOOTER.search(line.text))]
    meta = {
        "author": _BYLINE_LABEL.sub("", clean_text(doc.get("author") or "")).strip(),
        "date": doc.get("date") or "",
        "url": doc.get("url") or "",
    }
    return lines, meta


def _body_lines(main) -> list[SourceLine]:
    """Lines of trafilatura's <main>: heads, paragraphs, list items, table rows."""
    lines = []
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
    return lines


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
