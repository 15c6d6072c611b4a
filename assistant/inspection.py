"""A readable account of what the index will hold for one file (python -m assistant inspect FILE)."""

from __future__ import annotations

from pathlib import Path

from .results import page_label
from .settings import ChunkingSettings
from .text.articles import derived_title
from .text.chunking import split_passages
from .text.documents import LOST_CHARS, MOJIBAKE, Article, Passage
from .text.normalize import is_traditional, lost_char_spans, mojibake_spans
from .text.reading import read_file

FLAG_NAMES = {LOST_CHARS: "缺字 lost characters", MOJIBAKE: "乱码 mojibake"}
MARK_OPEN, MARK_CLOSE = "⟦", "⟧"  # around damaged characters in the printed passages


def render_file(path: Path, source: str, chunking: ChunkingSettings) -> str:
    """Articles, titles, bylines, passages with their offsets, and damage flags of one corpus file.

    Raises UnreadableFileError when the file cannot be decoded.
    """
    split, encoding = read_file(Path(path), source)
    per_article = [(a, split_passages(a, chunking)) for a in split.articles]
    total = sum(len(p) for _, p in per_article)
    lines = [
        f"{source}  编码 encoding: {encoding}  文章 articles: {len(split.articles)}  段落 passages: {total}"
        f"  (max_chars={chunking.max_chars}, overlap_sentences={chunking.overlap_sentences})"
    ]
    if split.unattached:
        lines.append("不属于任何文章的行 lines that belong to no article:")
        lines.extend(f"    {text}" for text in split.unattached)
    for article, passages in per_article:
        lines.append("")
        lines.extend(_render_article(article, passages))
    return "\n".join(lines) + "\n"


def _render_article(article: Article, passages: list[Passage]) -> list[str]:
    derived = article.title == derived_title(article.text)
    script = "繁体 traditional" if is_traditional(article.text) else "简体 simplified"
    lines = [
        f"[{article.number}] {article.title}"
        + ("  (标题取自首句 title taken from the first sentence)" if derived else "")
    ]
    for label, value in (
        ("署名 byline", article.byline),
        ("栏目 kicker", article.kicker),
        ("日期 date", article.date),
        ("网址 url", article.url),
        ("页 pages", page_label(article.pages_of(0, len(article.text)))),
    ):
        if value:
            lines.append(f"    {label}: {value}")
    flagged = {flag: sum(flag in p.flags for p in passages) for flag in FLAG_NAMES}
    damage = ", ".join(f"{FLAG_NAMES[f]} ×{n}" for f, n in flagged.items() if n) or "无 none"
    lines.append(
        f"    {len(article.text)} 字 characters, {script}, {len(passages)} 段落 passages, 疑似损坏 damaged: {damage}"
    )
    marks = _damage_spans(article.text)
    for number, passage in enumerate(passages):
        flags = ", ".join(FLAG_NAMES[f] for f in passage.flags) or "-"
        lines.append(f"  ({number}) [{passage.start}:{passage.end}] id={passage.passage_id} 标记 flags: {flags}")
        lines.extend(f"      {line}" for line in _marked(article.text, passage, marks).split("\n"))
    return lines


def _damage_spans(text: str) -> list[tuple[int, int]]:
    spans = sorted(lost_char_spans(text) + mojibake_spans(text, is_traditional(text)))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _marked(text: str, passage: Passage, spans: list[tuple[int, int]]) -> str:
    out, position = [], passage.start
    for start, end in spans:
        start, end = max(start, passage.start), min(end, passage.end)
        if start >= end:
            continue
        out += [text[position:start], MARK_OPEN, text[start:end], MARK_CLOSE]
        position = end
    out.append(text[position : passage.end])
    return "".join(out)
