"""Corpus files to articles: decoding, format-specific structure, then cleaning and splitting.

Text, Markdown and JSON Lines are read here; PDF (pdf.py), Word (word.py) and HTML (webpage.py) in their own
modules, each giving lines with hints that articles.py splits like any other file.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

from ..errors import UnreadableFileError
from .articles import (
    HEADING,
    HEADLINE,
    ArticleSplit,
    SourceLine,
    derived_title,
    join_paragraphs,
    split_lines,
    split_text,
)
from .documents import Article
from .normalize import clean_text
from .pdf import PDF_SUFFIXES, pdf_lines
from .webpage import HTML_SUFFIXES, page_split
from .word import WORD_SUFFIXES, docx_lines

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
JSONL_SUFFIXES = (".jsonl",)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES + PDF_SUFFIXES + WORD_SUFFIXES

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Detectors may name a narrower relative of the encoding they saw; decode with the wider superset.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "cp950": "big5hkscs"}


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def list_corpus_files(corpus_dir: Path) -> list[Path]:
    """Supported files under corpus_dir, recursively, sorted; hidden files and folders are left out."""
    corpus_dir = Path(corpus_dir)
    found = [
        path
        for path in corpus_dir.rglob("*")
        if path.is_file()
        and path.suffix.lower() in SUPPORTED_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(corpus_dir).parts)
    ]
    return sorted(found, key=lambda p: p.relative_to(corpus_dir).as_posix())


def decode_bytes(data: bytes, name: str) -> Decoded:
    """Text of a file: by its byte-order mark, as UTF-8, or in the encoding charset-normalizer detects.

    Raises UnreadableFileError for binary data or bytes no encoding explains.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding)
            except UnicodeDecodeError as exc:
                raise _unreadable(name, f"broken {encoding} text ({exc.reason})") from exc
    if b"\x00" in data:
        raise _unreadable(name, "binary data")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    # UTF-8 with a few damaged bytes (a truncated download) is still UTF-8: the damage becomes U+FFFD,
    # which is flagged as lost characters, instead of a detector's guess garbling the whole file.
    text = data.decode("utf-8", errors="replace")
    damaged = text.count("\ufffd")
    if damaged <= max(1, len(text) // 1000):
        return Decoded(text, f"utf-8 ({damaged} damaged bytes)")
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise _unreadable(name, "no text encoding explains these bytes")
    encoding = _SUPERSETS.get(best.encoding, best.encoding)
    text = data.decode(encoding, errors="replace")
    if _control_share(text) > 0.01:
        raise _unreadable(name, "binary data")
    return Decoded(text, encoding)


def _control_share(text: str) -> float:
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    return controls / max(len(text), 1)


def _unreadable(name: str, why: str) -> UnreadableFileError:
    return UnreadableFileError(f"无法读取文件 {name}:{why}。请另存为 UTF-8 文本后重试。 / Cannot read {name}: {why}.")


def read_file(path: Path, source: str) -> tuple[ArticleSplit, str]:
    """Articles of one corpus file (with lines that belong to none) and the encoding it was read in
    (for PDF and Word files, the format)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        return split_lines(pdf_lines(path, source), source), "PDF"
    if suffix in WORD_SUFFIXES:
        return split_lines(docx_lines(path, source), source), "Word"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(source, exc.strerror or "cannot open") from exc
    decoded = decode_bytes(data, source)
    if suffix in JSONL_SUFFIXES:
        split = ArticleSplit(list(_jsonl_articles(decoded.text, source)))
    elif suffix in HTML_SUFFIXES:
        split = page_split(decoded.text, source)
    elif suffix in (".md", ".markdown"):
        split = split_lines(markdown_lines(clean_text(decoded.text)), source)
    else:
        split = split_text(clean_text(decoded.text), source)
    return split, decoded.encoding


def read_articles(path: Path, source: str) -> list[Article]:
    """Decode, clean and split one corpus file. Raises UnreadableFileError."""
    return read_file(path, source)[0].articles


# --- formats --------------------------------------------------------------------------------------

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|`+)(\S(?:.*?\S)?)\1")
_MD_LIST = re.compile(r"^(?:[-*+]|\d+[.)])\s+|^>\s?")


def markdown_lines(text: str) -> list[SourceLine]:
    """Markdown as lines: "#" headlines, "##" section headings, markup around words removed."""
    lines: list[SourceLine] = []
    for raw in text.split("\n"):
        heading = _MD_HEADING.match(raw)
        if heading:
            lines.append(SourceLine(_md_inline(heading[2]), HEADLINE if len(heading[1]) == 1 else HEADING))
        elif raw.strip() in ("---", "***", "```"):
            lines.append(SourceLine(""))
        else:
            lines.append(SourceLine(_md_inline(_MD_LIST.sub("", raw))))
    return lines


def _md_inline(text: str) -> str:
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    return _MD_EMPHASIS.sub(r"\2", text).strip()


def _jsonl_articles(text: str, source: str) -> Iterator[Article]:
    number = 0
    for line_number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            body = record["text"]
            if not isinstance(body, str):
                raise TypeError("text is not a string")
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            log.warning("skipped line %d of %s: not an article with a text (%s)", line_number, source, exc)
            continue
        joined = join_paragraphs(clean_text(body))
        if not joined:
            continue
        title = clean_text(str(record.get("title") or "")).replace("\n", " ").strip()
        yield Article(
            source=source,
            number=number,
            title=title or derived_title(joined),
            text=joined,
            date=str(record.get("date") or ""),
            url=str(record.get("url") or ""),
        )
        number += 1
