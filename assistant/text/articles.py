"""Splitting the cleaned text of one file into articles.

Page layout leaves a file as a sequence of lines: headlines, kickers, bylines, photo captions,
continuation marks and body lines, with body lines broken wherever a column ended. The rules:

1. Each line is classified by its own shape: bylines ("湖北日报全媒记者 雷巍巍", "通讯员 …"),
   datelines that open a body ("湖北日报讯(记者…)…"), closing credits ("(記者 魯冰兒 通訊員 李成)"),
   photo captions (ending in "(… 摄)" / "(…供图)"), continuation marks ("(上接第1版)"),
   heading-shaped lines (at most HEADING_CHARS, no sentence end, not ending in a comma, at most one
   comma), and body lines. Structured formats may say what a line is (HTML h1/h2/figcaption, "#").
2. A body line that does not end a sentence continues in the next body line ("协" + "调事情"), past
   any caption printed in between. A heading-shaped line continues only when a word spans the
   junction ("尹位脑" + "海中": 脑海); otherwise it is a heading and is never glued into a sentence.
   A heading right before a caption is the caption's title ("通城县直播带岗").
3. Heading lines after a body and followed by a wider gap than paragraphs have (the lead photo
   between a headline and its text) head a new article ("赤壁市委编办 / 优化编制资源配置…").
4. Bylines and continuation marks open an article body; a closing credit ends one.
5. The heading lines right before an opening mark are the headline of one of the two bodies they sit
   between. Newspapers print it above its body, but some pages (the later articles of the roundup
   seed file) print it after. The block goes to the body it describes: the one with more of its
   rarer (idf-weighted) character bigrams, unless the body before already has a headline (then to
   the next one, as printed above). Headings at the start of a file or after a credit head what
   follows; headings at the end of the last body head it when it has no headline yet.
6. In a title block, the longest line is the headline, a line starting with "——" is its subtitle and
   the others are kickers (column names such as "读公报 强担当", authoring bodies).
7. An article without a headline is titled by its first sentence, cut at a clause mark within
   TITLE_CHARS characters (the file name only when the article has no sentence at all).
8. Heading lines inside a body are section headings, and captions stay where they are: each is a
   paragraph of its own, so nothing is lost and no sentence is split by them.

A byline block followed by no body is kept aside (ArticleSplit.unattached), not glued to an article.

Limit: an article printed with no byline, credit, continuation mark or photo gap after its headline
cannot be told from a section heading by layout alone (topic similarity was measured and does not
separate them); it stays inside the article before it, its headline kept as a section heading.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .documents import Article
from .normalize import is_cjk, to_simplified

TITLE_CHARS = 40  # longest derived title
HEADING_CHARS = 40  # longest line that can be a headline or section heading

# Hints that structured formats (HTML, Markdown) give about a line.
HEADLINE = "headline"  # starts a new article and titles it (h1, "# ")
HEADING = "heading"  # a section heading (h2-h6, "## ")
CAPTION = "caption"  # a photo caption (figcaption)
PARAGRAPH = "paragraph"  # a whole paragraph (a Word paragraph): classified by its shape but never joined to others
ROW = "row"  # a table row written as text: body text of its own, whatever its shape

_HAN = r"\u4e00-\u9fff\u3400-\u4dbf"
_ROLE = rf"(?:[{_HAN}]{{0,14}}(?:记者|記者)|通讯员|通訊員|实习生|實習生|特约撰稿人|特約撰稿人|撰稿人|摄影|攝影)"
_NAMES = rf"[{_HAN}·]{{2,5}}(?:[ 、,]+[{_HAN}·]{{2,5}})*"
_BYLINE = re.compile(rf"^(?:{_ROLE}\s*{_NAMES}\s*)+$")
_DATELINE = re.compile(
    rf"^(?P<byline>[{_HAN}0-9]{{2,20}}(?:讯|訊|电|電)\s*[(（][^()（）\n]{{0,60}}"
    rf"(?:记者|記者|通讯员|通訊員)[^()（）\n]{{0,60}}[)）])\s*(?P<rest>\S.*)$"
)
# A closing credit may hold damaged characters ("?"), but never a sentence.
_CREDIT = re.compile(
    r"^[(（](?P<credit>[^()（）\n。!！]{0,200}(?:记者|記者|通讯员|通訊員|撰稿)[^()（）\n。!！]{0,200})[)）]$"
)
_CAPTION_CREDIT = re.compile(r"[(（][^()（）\n]{0,40}(?:摄|攝|供图|供圖|资料图|資料圖|图片|圖片)[)）]$")
_CONTINUATION = re.compile(r"^[(（]?\s*(?:上接|下转|下轉|接上|转下|轉下|紧接|緊接)[^()（）\n]{0,12}[)）]?$")
_INLINE_CONTINUATION = re.compile(r"[(（]\s*(?:上接|下转|下轉|紧接|緊接)第?[0-9A-Z一二三四五六七八九十]{1,3}版\s*[)）]")
_SENTENCE_END = "。!！?？;；…"
_CLOSERS = "”’」』)）》\"'"
_OPEN_ENDINGS = ",，、:：(（《“‘"  # a line ending so is cut mid-sentence
_CLAUSE_MARKS = ",，、:：;；"


@dataclass(frozen=True)
class SourceLine:
    """One line of a file, with what a structured format says about it."""

    text: str
    hint: str = ""
    page: int = 0  # page number from 1 in a paged file (PDF), 0 when unpaged


@dataclass(frozen=True)
class ArticleSplit:
    articles: list[Article]
    unattached: list[str] = field(default_factory=list)  # bylines and headings that belong to no body


@dataclass
class _Item:
    kind: str  # body, heading, caption, byline, credit, continuation, headline
    text: str
    gap: int = 0  # blank lines before it
    page: int = 0  # the page the text starts on
    whole: bool = False  # a complete paragraph of its format, not joined to its neighbours
    turns: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, page) where a later page begins


@dataclass
class _Draft:
    items: list[_Item] = field(default_factory=list)  # body, heading and caption items, in order
    title_lines: list[str] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)
    kickers: list[str] = field(default_factory=list)

    @property
    def has_body(self) -> bool:
        return any(item.kind == "body" for item in self.items)


def split_text(text: str, source: str) -> ArticleSplit:
    """Articles of a plain-text file whose text is already cleaned."""
    return split_lines([SourceLine(line) for line in text.split("\n")], source)


def split_lines(lines: Sequence[SourceLine], source: str) -> ArticleSplit:
    items = _mark_headlines_over_photos(_join_broken_lines(_classify(lines)))
    drafts, unattached = _segment(items)
    articles = [_finish(draft, source, number) for number, draft in enumerate(drafts)]
    return ArticleSplit(articles, unattached)


def join_paragraphs(text: str) -> str:
    """Cleaned text of one article with the lines broken by layout joined: one paragraph a line."""
    items = _join_broken_lines(_classify([SourceLine(line) for line in text.split("\n")]))
    return "\n".join(item.text for item in items)


# --- 1. classify ----------------------------------------------------------------------------------


def _classify(lines: Sequence[SourceLine]) -> list[_Item]:
    items: list[_Item] = []
    blank = 0
    for line in lines:
        text = line.text if _CONTINUATION.match(line.text) else _INLINE_CONTINUATION.sub("", line.text).strip()
        if not text:
            blank += 1
            continue
        for item in _classify_line(text, line.hint, blank):
            item.page, item.whole = line.page, line.hint in (PARAGRAPH, ROW)
            items.append(item)
        blank = 0
    return items


def _classify_line(text: str, hint: str, gap: int) -> list[_Item]:
    if hint in (HEADLINE, HEADING, CAPTION):
        return [_Item(hint, text, gap)]
    if hint == ROW:
        return [_Item("body", text, gap)]
    if dateline := _DATELINE.match(text):
        return [_Item("byline", dateline["byline"], gap), _Item("body", dateline["rest"])]
    if _BYLINE.match(text) and len(text) <= 60:
        return [_Item("byline", text, gap)]
    if _CAPTION_CREDIT.search(text):
        return [_Item("caption", text, gap)]
    if _CONTINUATION.match(text):
        return [_Item("continuation", text, gap)]
    if credit := _CREDIT.match(text):
        return [_Item("credit", credit["credit"].strip(), gap)]
    return [_Item("heading" if _heading_shaped(text) else "body", text, gap)]


def _has_sentence_end(text: str) -> bool:
    return any(c in _SENTENCE_END for c in text)


def _ends_sentence(text: str) -> bool:
    return text.rstrip(_CLOSERS)[-1:] in tuple(_SENTENCE_END) if text.rstrip(_CLOSERS) else False


def _heading_shaped(text: str) -> bool:
    """Short, without a sentence end, not cut after a comma: a headline, kicker or section heading."""
    return (
        len(text) <= HEADING_CHARS
        and any(is_cjk(c) for c in text)
        and not _has_sentence_end(text)
        and text[-1] not in _OPEN_ENDINGS
        and sum(text.count(c) for c in ",，") <= 1
    )


# --- 2. join lines broken by layout ---------------------------------------------------------------


def _join_broken_lines(items: list[_Item]) -> list[_Item]:
    out: list[_Item] = []
    i = 0
    while i < len(items):
        item = items[i]
        if item.kind == "heading" and not item.whole and _continues(item.text, _next_body(items, i)):
            item = _Item("body", item.text, item.gap, item.page)
        if item.kind != "body" or item.whole:
            out.append(item)
            i += 1
            continue
        merged = item.text
        turns: list[tuple[int, int]] = []
        page = item.page
        held: list[_Item] = []  # captions printed in the middle of the broken sentence
        j = i + 1
        while not _ends_sentence(merged):
            k = j
            while k < len(items) and items[k].kind == "caption":
                k += 1
            if k >= len(items) or items[k].kind not in ("body", "heading") or items[k].whole:
                break
            if items[k].kind == "heading" and not _continues(merged, items[k].text):
                break
            held.extend(items[j:k])
            glued = _glue(merged, items[k].text)
            if items[k].page != page:
                page = items[k].page
                turns.append((len(glued) - len(items[k].text), page))
            merged = glued
            j = k + 1
        out.append(_Item("body", merged, item.gap, item.page, turns=turns))
        out.extend(held)
        i = j
    # A heading right before a caption is the caption's title ("通城县直播带岗").
    for i in range(len(out) - 1):
        if out[i].kind == "heading" and out[i + 1].kind == "caption":
            out[i].kind = "caption"
    return out


def _next_body(items: list[_Item], i: int) -> str | None:
    """The text of the body line after item i, past any captions printed in between."""
    k = i + 1
    while k < len(items) and items[k].kind == "caption":
        k += 1
    return items[k].text if k < len(items) and items[k].kind == "body" else None


def _continues(line: str, following: str | None) -> bool:
    """Whether a line without a sentence end is the first part of a sentence that goes on in following.

    Long lines are. A heading-shaped line is when a word spans the junction ("尹位脑" + "海中" gives
    脑海, "服务中" + "心" gives 服务中心); the word must be in jieba's dictionary, unless the line holds a
    comma: headlines rarely do and the start of a reported sentence does ("王忠林要求,要以…标准管" +
    "党治党"), so there jieba may also recognise a word its HMM proposes (管党).
    """
    if following is None or _ends_sentence(line):
        return False
    if not _heading_shaped(line):
        return True
    return _word_spans_junction(line[-6:], following[:6], guess=any(c in ",，" for c in line))


def _word_spans_junction(left: str, right: str, guess: bool) -> bool:
    import jieba  # loaded only when a short line has to be told apart from a headline

    position = 0
    for word in jieba.cut(left + right, HMM=guess):
        if position < len(left) < position + len(word):
            return True
        position += len(word)
    return False


def _glue(left: str, right: str) -> str:
    # Latin words broken across lines keep a space; Chinese never had one, nor a number a page broke ("5" + "20万").
    if left[-1:].isdigit() and right[:1].isdigit():
        return left + right
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return f"{left} {right}"
    return left + right


# --- 3. headlines printed over a photo -----------------------------------------------------------


def _mark_headlines_over_photos(items: list[_Item]) -> list[_Item]:
    """Heading lines after a body and followed by a wider gap than paragraphs have, then body, open a
    new article: the gap is the lead photo a page prints between a headline and its text. Section
    headings sit right on their paragraph, and captions come after the gap, not before it."""
    gaps = sorted(item.gap for item in items[1:] if item.kind == "body")
    if not gaps:
        return items
    usual = gaps[(len(gaps) - 1) // 2]
    for i, item in enumerate(items):
        if item.kind != "body" or item.gap <= usual:
            continue
        block = i
        while block > 0 and items[block - 1].kind == "heading":
            block -= 1
        if block < i and block > 0 and items[block - 1].kind in ("body", "caption"):
            for heading in items[block:i]:
                heading.kind = "headline"
    return items


# --- 4-6. segment into articles -------------------------------------------------------------------


def _segment(items: list[_Item]) -> tuple[list[_Draft], list[str]]:
    """Articles from classified items (see the module docstring for the rules)."""
    # Runs of content between opening marks; each opening mark starts a new draft.
    drafts: list[_Draft] = [_Draft()]
    opened_by_mark: list[bool] = [False]
    unattached: list[str] = []
    i = 0
    while i < len(items):
        item = items[i]
        if item.kind in ("byline", "continuation"):
            marks = []
            while i < len(items) and items[i].kind in ("byline", "continuation"):
                marks.append(items[i])
                i += 1
            drafts.append(
                _Draft(
                    bylines=[m.text for m in marks if m.kind == "byline"],
                    kickers=[m.text for m in marks if m.kind == "continuation"],
                )
            )
            opened_by_mark.append(True)
            continue
        if item.kind == "credit":
            drafts[-1].bylines.append(item.text)
            drafts.append(_Draft())
            opened_by_mark.append(False)
        elif item.kind == "headline":
            if drafts[-1].items:
                drafts.append(_Draft())
                opened_by_mark.append(False)
            drafts[-1].title_lines.append(item.text)
        else:
            drafts[-1].items.append(item)
        i += 1

    # Headings at the start of a draft not opened by a byline head it (file start, after a credit).
    for draft, by_mark in zip(drafts, opened_by_mark, strict=True):
        if not by_mark and not draft.title_lines:
            lead = _leading_headings(draft.items)
            draft.title_lines.extend(h.text for h in lead)
            del draft.items[: len(lead)]

    # Heading blocks just before an opening mark: headline of the body before or the one after.
    for k in range(1, len(drafts)):
        if not opened_by_mark[k]:
            continue
        before, after = drafts[k - 1], drafts[k]
        if before.title_lines and not before.items and not before.bylines:
            after.title_lines, before.title_lines = before.title_lines + after.title_lines, []  # over a byline
        block = _trailing_headings(before.items)
        if not block:
            continue
        del before.items[len(before.items) - len(block) :]
        texts = [h.text for h in block]
        if not after.has_body or (
            before.has_body and not before.title_lines and _prefers_previous(texts, before, after, drafts)
        ):
            target = before if before.has_body and not before.title_lines else None
        else:
            target = after
        if target is None:
            unattached.extend(texts)
        else:
            target.title_lines.extend(texts)

    # The last body may end with its own headline.
    last = drafts[-1]
    block = _trailing_headings(last.items)
    if block and last.has_body and not last.title_lines and len(block) < len(last.items):
        last.title_lines.extend(h.text for h in block)
        del last.items[len(last.items) - len(block) :]

    kept: list[_Draft] = []
    for draft in drafts:
        if draft.has_body:
            kept.append(draft)
        elif draft.bylines and not draft.items and kept and not kept[-1].bylines and draft is drafts[-1]:
            kept[-1].bylines.extend(draft.bylines)  # a byline printed after the last body
        else:
            unattached.extend([*draft.bylines, *draft.kickers, *draft.title_lines])
            unattached.extend(item.text for item in draft.items)
    return kept, unattached


def _leading_headings(items: list[_Item]) -> list[_Item]:
    lead: list[_Item] = []
    for item in items:
        if item.kind != "heading":
            break
        lead.append(item)
    return lead if len(lead) < len(items) else []


def _trailing_headings(items: list[_Item]) -> list[_Item]:
    block: list[_Item] = []
    for item in reversed(items):
        if item.kind != "heading":
            break
        block.insert(0, item)
    return block


def _prefers_previous(title: list[str], before: _Draft, after: _Draft, drafts: list[_Draft]) -> bool:
    """Whether a title block describes the body before it better than the body after it."""
    documents = [_bigrams(_body_text(d)) for d in drafts if d.has_body]
    df = Counter(g for doc in documents for g in doc)
    n = len(documents)

    def affinity(draft: _Draft) -> float:
        grams = _bigrams(_body_text(draft))
        # Rarer bigrams say more about which story a title belongs to (idf weighting).
        return sum(math.log((n + 1) / (df[g] + 0.5)) for g in _bigrams(" ".join(title)) if g in grams)

    return affinity(before) > affinity(after)


def _body_text(draft: _Draft) -> str:
    return "\n".join(item.text for item in draft.items)


@lru_cache(maxsize=1024)  # bodies of one file, asked about once per title block
def _bigrams(text: str) -> frozenset[str]:
    folded = to_simplified(text)
    return frozenset(folded[i : i + 2] for i in range(len(folded) - 1) if all(c.isalnum() for c in folded[i : i + 2]))


# --- 7-8. finish ----------------------------------------------------------------------------------


def _finish(draft: _Draft, source: str, number: int) -> Article:
    title, kickers = _title_from_block(draft.title_lines)
    text = "\n".join(item.text for item in draft.items)
    return Article(
        source=source,
        number=number,
        title=title or derived_title(text) or _stem(source),
        text=text,
        byline=" ".join(draft.bylines),
        kicker=" / ".join([*kickers, *draft.kickers]),
        pages=_page_starts(draft.items),
    )


def _page_starts(items: list[_Item]) -> tuple[tuple[int, int], ...]:
    """(offset, page) where the article's text starts and where it turns to another page."""
    starts: list[tuple[int, int]] = []
    offset = 0
    for item in items:
        for at, page in [(0, item.page), *item.turns]:
            if page and (not starts or starts[-1][1] != page):
                starts.append((offset + at, page))
        offset += len(item.text) + 1
    return tuple(starts)


def _title_from_block(lines: list[str]) -> tuple[str, list[str]]:
    main = [line for line in lines if not line.startswith("—")]
    if not main:
        return " ".join(line.lstrip("—") for line in lines), []
    headline = max(main, key=len)
    subtitles = [line for line in lines if line.startswith("—")]
    return headline + "".join(subtitles), [line for line in main if line is not headline]


def derived_title(text: str) -> str:
    """A title for an article printed without one: its first sentence, cut at a clause mark."""
    first = text.strip().split("\n", 1)[0]
    for i, char in enumerate(first):
        if char in _SENTENCE_END:
            first = first[:i]
            break
    if len(first) <= TITLE_CHARS:
        return first.strip()
    cut = max((i for i, c in enumerate(first[: TITLE_CHARS + 1]) if c in _CLAUSE_MARKS), default=TITLE_CHARS)
    return first[:cut].strip()


def _stem(source: str) -> str:
    name = source.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name
