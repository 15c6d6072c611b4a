"""HTML for the web app's source panel and chat messages.

Pure functions over plain view records, so they are tested without a server. Every piece of corpus text and
every question goes through html.escape: an article containing `<script>` must show as text, never run.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..results import page_label
from ..text.documents import LOST_CHARS, MOJIBAKE

# Shown beside a passage whose text the pipeline could not recover exactly.
FLAG_LABELS = {
    LOST_CHARS: "原文有字符丢失",
    MOJIBAKE: "原文疑似乱码",
}
CONTEXT_CHARS = 120  # neighbouring text shown on each side of a cited passage


@dataclass(frozen=True)
class SourceView:
    """One cited passage as the source panel shows it."""

    n: int
    title: str
    source: str
    text: str
    sentence: str = ""
    date: str = ""
    article: int | None = None  # the article's position in its file, from 0 (shown from 1, as the corpus tab does)
    pages: Sequence[int] = ()  # the PDF pages the passage lies on
    before: str = ""
    after: str = ""
    flags: Sequence[str] = ()
    also_in: Sequence[str] = ()


@dataclass(frozen=True)
class RelatedView:
    """A nearby article offered when the corpus holds no answer; not a citation."""

    title: str
    source: str


@dataclass(frozen=True)
class TurnView:
    """The sources of one question and answer in the conversation."""

    number: int  # 0-based position of the turn in the conversation
    question: str
    sources: Sequence[SourceView] = ()
    related: Sequence[RelatedView] = field(default_factory=tuple)


def source_anchor(turn: int, n: int) -> str:
    """Element id of citation [n] of a turn; the page script scrolls to it when [n] is clicked."""
    return f"src-{turn}-{n}"


def highlight(text: str, sentence: str) -> str:
    """The escaped passage with the first verbatim occurrence of the cited sentence marked."""
    at = text.find(sentence) if sentence else -1
    if at < 0:
        return html.escape(text)
    end = at + len(sentence)
    return html.escape(text[:at]) + f'<mark class="cited">{html.escape(sentence)}</mark>' + html.escape(text[end:])


def source_card(turn: int, view: SourceView, context_chars: int = CONTEXT_CHARS) -> str:
    number = f"第{view.article + 1}篇" if view.article is not None else ""
    meta = " · ".join(html.escape(part) for part in (view.source, page_label(view.pages), number, view.date) if part)
    flags = "".join(
        f'<span class="flag" title="{html.escape(flag)}">⚠ {html.escape(FLAG_LABELS.get(flag, flag))}</span>'
        for flag in view.flags
    )
    before = _tail(view.before, context_chars)
    after = _head(view.after, context_chars)
    also = ""
    if view.also_in:
        also = f'<div class="also-in">同一报道也见于：{html.escape("、".join(view.also_in))}</div>'
    return (
        f'<article class="source" id="{source_anchor(turn, view.n)}">'
        f'<header><span class="source-n">[{view.n}]</span>'
        f'<span class="source-title">{html.escape(view.title or "（无标题）")}</span></header>'
        f'<div class="source-meta">{meta}{flags}</div>'
        '<p class="passage">'
        + (f'<span class="context">{html.escape(before)}</span>' if before else "")
        + f'<span class="passage-text">{highlight(view.text, view.sentence)}</span>'
        + (f'<span class="context">{html.escape(after)}</span>' if after else "")
        + f"</p>{also}</article>"
    )


def turn_section(view: TurnView, latest: bool) -> str:
    """One turn's sources, collapsed unless it is the latest turn."""
    if view.sources:
        body = "".join(source_card(view.number, s) for s in view.sources)
    elif view.related:
        items = "".join(
            f'<li><span class="source-title">{html.escape(r.title or "（无标题）")}</span>'
            f'<span class="source-meta">{html.escape(r.source)}</span></li>'
            for r in view.related
        )
        body = f'<p class="no-sources">没有可引用的原文。可能相关的文章：</p><ul class="related">{items}</ul>'
    else:
        body = '<p class="no-sources">这一问没有引用原文。</p>'
    opened = " open" if latest else ""
    return (
        f'<details class="turn" id="turn-{view.number}"{opened}>'
        f"<summary>第 {view.number + 1} 问：{html.escape(_head(view.question, 40))}</summary>{body}</details>"
    )


def sources_panel(turns: Sequence[TurnView]) -> str:
    """The whole source panel, newest turn first."""
    if not turns:
        return '<div class="sources empty"><p>提问后，这里会显示答案所引用的原文，引用句会高亮。</p></div>'
    sections = "".join(turn_section(t, latest=i == 0) for i, t in enumerate(reversed(turns)))
    return f'<div class="sources">{sections}</div>'


def chat_text(text: str) -> str:
    """Answer or message text for the chat: escaped so corpus markup shows as text; [n] markers kept."""
    return html.escape(text, quote=False)


def _tail(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else "…" + text[-limit:]


def _head(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "…"
