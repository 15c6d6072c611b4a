"""Sentences and passages of an article, with exact character offsets into its cleaned text."""

from __future__ import annotations

import hashlib
import re

from ..settings import ChunkingSettings
from .articles import HEADING_CHARS
from .documents import LOST_CHARS, MOJIBAKE, Article, Passage
from .normalize import fold_for_matching, is_question_mark, is_traditional, lost_char_spans, mojibake_spans

_ENDERS = "。!！?？;；…"
_CLOSERS = "”’」』)）》\"'"
# Where an over-long sentence may be cut when nothing better exists: after a clause mark.
_CLAUSE_MARKS = re.compile(r"[,，、:：]")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, in order, without surrounding whitespace.

    A sentence ends at 。！？；… (with any closing quotes or brackets after them) or at a line end: a
    paragraph never continues a sentence, so headings and captions are sentences of their own. A "?"
    that stands for a lost character does not end a sentence. Only whitespace lies between spans.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            _add_span(spans, text, start, i)
            start = i + 1
        elif char in _ENDERS and (char != "?" or is_question_mark(text, i)):
            while i + 1 < n and text[i + 1] in _ENDERS:
                i += 1
            while i + 1 < n and text[i + 1] in _CLOSERS:
                i += 1
            _add_span(spans, text, start, i + 1)
            start = i + 1
        i += 1
    _add_span(spans, text, start, n)
    return spans


def _add_span(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))


def _within_budget(spans: list[tuple[int, int]], text: str, max_chars: int) -> list[tuple[int, int]]:
    """Sentences longer than the budget cut into pieces, after a clause mark where there is one."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        while end - start > max_chars:
            limit = start + max_chars
            marks = [m.end() for m in _CLAUSE_MARKS.finditer(text, start, limit)]
            cut = marks[-1] if marks and marks[-1] > start + max_chars // 3 else limit
            out.append((start, cut))
            start = cut
            while start < end and text[start].isspace():
                start += 1
        if start < end:
            out.append((start, end))
    return out


def split_passages(article: Article, chunking: ChunkingSettings) -> list[Passage]:
    """Whole sentences packed up to chunking.max_chars, consecutive passages sharing
    chunking.overlap_sentences sentences. A single sentence over the budget is cut at clause marks."""
    text = article.text
    sentences = _within_budget(sentence_spans(text), text, chunking.max_chars)
    traditional = is_traditional(text)
    damage = {LOST_CHARS: lost_char_spans(text), MOJIBAKE: mojibake_spans(text, traditional)}
    passages: list[Passage] = []
    seen: dict[str, int] = {}
    first = 0
    previous_end = -1
    while first < len(sentences):
        last = first
        while last + 1 < len(sentences) and sentences[last + 1][1] - sentences[first][0] <= chunking.max_chars:
            last += 1
        # A heading belongs with the text after it, not at the end of a passage (unless nothing else
        # would be new in this passage).
        while (
            first < last < len(sentences) - 1
            and _is_heading(text, sentences[last])
            and sentences[last - 1][1] > previous_end
        ):
            last -= 1
        start, end = sentences[first][0], sentences[last][1]
        previous_end = end
        body = text[start:end]
        repeat = seen.get(body, 0)
        seen[body] = repeat + 1
        flags = tuple(flag for flag, spans in damage.items() if any(s < end and start < e for s, e in spans))
        passages.append(
            Passage(
                passage_id=passage_id(article.source, article.title, body, repeat),
                source=article.source,
                article=article.number,
                title=article.title,
                text=body,
                match_text=fold_for_matching(body),
                start=start,
                end=end,
                flags=flags,
            )
        )
        if last == len(sentences) - 1:
            break
        first = _next_first(sentences, first, last, chunking)
    return passages


def _is_heading(text: str, span: tuple[int, int]) -> bool:
    """A short paragraph of its own without a sentence end: a section heading or caption title."""
    start, end = span
    whole_line = (start == 0 or text[start - 1] == "\n") and (end == len(text) or text[end] == "\n")
    return whole_line and end - start <= HEADING_CHARS and text[end - 1] not in _ENDERS + _CLOSERS


def _next_first(sentences: list[tuple[int, int]], first: int, last: int, chunking: ChunkingSettings) -> int:
    """First sentence of the next passage: the overlap, shrunk until the next new sentence fits with it
    (a passage made only of sentences the previous one already holds would add nothing)."""
    following = sentences[last + 1]
    for shared in range(min(chunking.overlap_sentences, last - first), 0, -1):
        if following[1] - sentences[last + 1 - shared][0] <= chunking.max_chars:
            return last + 1 - shared
    return last + 1


def passage_id(source: str, title: str, text: str, repeat: int = 0) -> str:
    """Stable id: the same source, title and text give the same id in every build.
    repeat tells apart identical passages of one article."""
    key = "\x1f".join((source, title, text, str(repeat)))
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()
