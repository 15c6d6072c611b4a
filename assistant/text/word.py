"""Word files (.docx) to lines: headings become headlines, paragraphs text, tables rows of text.

Title and Heading 1 paragraphs (or styles based on them, and Chinese Word's 标题 / 标题 1) start articles;
lower headings are section headings. A Word paragraph is a paragraph as its author wrote it, so it is never
joined to the next one the way lines broken by page layout are. Each table row becomes one line of its cells.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import UnreadableFileError
from .articles import HEADING, HEADLINE, PARAGRAPH, ROW, SourceLine
from .normalize import clean_text

WORD_SUFFIXES = (".docx",)
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
_TITLE_STYLES = ("title", "标题")


def docx_lines(path: Path, source: str) -> list[SourceLine]:
    """The paragraphs and table rows of a .docx file in document order. Raises UnreadableFileError."""
    import docx  # only Word files need it

    try:
        return _lines(docx.Document(str(path)))
    except Exception as exc:  # zipfile, python-docx and lxml each raise their own kinds on a damaged file
        raise UnreadableFileError(
            f"已跳过 {source}:Word 文件已损坏或不是 .docx 格式 ({type(exc).__name__})。"
            f" / Skipped {source}: the Word file is damaged or not a .docx."
        ) from exc


def _lines(document) -> list[SourceLine]:
    lines: list[SourceLine] = []
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):  # a table
            for row in block.rows:
                cells = list(dict.fromkeys(clean_text(cell.text).strip() for cell in row.cells))  # merged cells repeat
                lines.append(SourceLine(" | ".join(c for c in cells if c), ROW))
        else:
            hint = _hint(block.style)
            lines.extend(SourceLine(clean_text(text), hint) for text in block.text.split("\n"))
    return lines


def _hint(style) -> str:
    """HEADLINE, HEADING or PARAGRAPH from a paragraph's style or the built-in style it is based on."""
    while style is not None:
        name = (style.name or "").strip().lower()
        if name in _TITLE_STYLES:
            return HEADLINE
        if level := _HEADING_STYLE.match(name):
            return HEADLINE if level[1] == "1" else HEADING
        style = style.base_style
    return PARAGRAPH
