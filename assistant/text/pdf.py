"""PDF files (their text layer) to lines in reading order, each with its page.

pdfplumber gives every word with its box and font size; the reading order is worked out here by a recursive
XY-cut, the usual method for newspaper pages: a region is split at a blank band across its whole width (between
articles, under a headline), else at a blank gutter down its whole height (between columns), else around the
few lines that bridge an otherwise blank gutter (a headline over two columns), and read top to bottom within a
column. Running headers and footers (the paper's name, date and page number repeated in the margins) are
dropped. Lines set well above the body size are headlines; a headline wrapped over several lines is one.

A PDF of page images only (a scan) has no text to read and no OCR model is available offline: it is refused
with a message saying so, like an encrypted or broken file.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnreadableFileError
from .articles import HEADING, HEADLINE, SourceLine
from .normalize import clean_text

PDF_SUFFIXES = (".pdf",)
HEADLINE_SIZE = 1.35  # a line this many times the body size or more is a headline
HEADING_SIZE = 1.12  # ... and this many times a subtitle or section heading
WORD_GAP = 0.15  # a gap wider than this share of the font size separates words (PDFs often draw no spaces)
MAX_CUTS = 60  # nesting of cuts; deeper regions (tables of tiny cells) are read line by line
MARGIN = 0.07  # share of the page height at the top and the bottom where running headers and footers sit
# Page numbers and folio lines: "3", "- 3 -", "3/12", "Page 3", "第3版", "第 3 页"; not "(下转第3版)", which
# articles.py reads as a continuation mark.
_FOLIO = re.compile(r"^[-—–·\s]*(?:\d{1,4}(?:\s*/\s*\d{1,4})?|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)[-—–·\s]*$", re.I)
_PAGE_MARK = re.compile(r"(?<![转接轉])第\s*[0-9一二三四五六七八九十]{1,4}\s*[版页頁]")


@dataclass(frozen=True)
class _Frag:
    """A run of characters without a wider gap than letter spacing, as pdfplumber groups them."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


@dataclass(frozen=True)
class _Line:
    text: str
    top: float
    bottom: float
    size: float
    page: int


def pdf_lines(path: Path, source: str) -> list[SourceLine]:
    """The text of a PDF as lines in reading order, headlines marked, each with its page number.

    Raises UnreadableFileError for an encrypted, broken or image-only PDF.
    """
    import pdfplumber  # only PDF files need it
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        with pdfplumber.open(path) as pdf:
            pages = [_page_fragments(page) for page in pdf.pages]
    except Exception as exc:  # pdfminer raises many kinds of errors on damaged files; each means the same here
        # pdfplumber wraps pdfminer's errors: the password error is its argument.
        if any(isinstance(e, PDFPasswordIncorrect) for e in (exc, *exc.args)):
            raise _refused(source, "PDF 已加密，需要密码", "the PDF is encrypted") from exc
        raise _refused(source, f"PDF 已损坏 ({type(exc).__name__})", "the PDF is damaged") from exc
    if not any(pages):
        raise _refused(
            source, "PDF 没有文字层（可能是扫描件），无法提取文字", "the PDF has no text layer, it may be a scan"
        )
    pages = _without_running_lines(pages)
    body = _body_size([f for page in pages for f in page])
    lines: list[_Line] = []
    for number, fragments in enumerate(pages, 1):
        for block in _reading_order(fragments, body):
            lines.extend(_block_lines(block, number))
    return _source_lines(lines, body)


def _refused(source: str, why: str, why_en: str) -> UnreadableFileError:
    return UnreadableFileError(f"已跳过 {source}:{why}。 / Skipped {source}: {why_en}.")


def _page_fragments(page) -> list[_Frag]:
    sizes = [c["size"] for c in page.chars if not c["text"].isspace()]
    if not sizes:
        return []
    size = statistics.median(sizes)
    words = page.extract_words(
        x_tolerance=size * WORD_GAP, y_tolerance=size * 0.3, keep_blank_chars=True, extra_attrs=["size"]
    )
    height = float(page.height)
    return [
        _Frag(w["text"].strip(), w["x0"], w["x1"], w["top"] / height, w["bottom"] / height, w["size"])
        for w in words
        if w["text"].strip()
    ]


# --- running headers and footers ------------------------------------------------------------------


def _without_running_lines(pages: list[list[_Frag]]) -> list[list[_Frag]]:
    """Pages without the folio lines in their margins: page numbers, and margin text repeated on other pages
    (digits aside: "第3版" and "第4版" are the same running header)."""

    def key(frag: _Frag) -> str:
        return re.sub(r"\d+", "#", frag.text.replace(" ", ""))

    def in_margin(frag: _Frag) -> bool:
        return frag.bottom <= MARGIN or frag.top >= 1 - MARGIN

    repeated = Counter(k for page in pages for k in {key(f) for f in page if in_margin(f)})
    return [
        [
            f
            for f in page
            if not (
                in_margin(f)
                and (_FOLIO.match(f.text) or _PAGE_MARK.search(f.text) or (len(pages) > 1 and repeated[key(f)] > 1))
            )
        ]
        for page in pages
    ]


# --- reading order --------------------------------------------------------------------------------


def _body_size(fragments: list[_Frag]) -> float:
    weights = Counter()
    for f in fragments:
        weights[round(f.size, 1)] += len(f.text)
    return weights.most_common(1)[0][0] if weights else 10.0


def _reading_order(fragments: list[_Frag], body: float, depth: int = 0) -> list[list[_Frag]]:
    """Blocks of one column each, in the order they are read."""
    if len(fragments) <= 1 or depth > MAX_CUTS:
        return [fragments] if fragments else []
    bands = _split(fragments, lambda f: (f.top, f.bottom), _blank_band(fragments))
    if len(bands) <= 1:
        bands = _split(fragments, lambda f: (f.x0, f.x1), body * 0.8)  # columns
    if len(bands) <= 1 and (bridging := _bridging(fragments, body)):
        bands = _around(fragments, bridging)
    if len(bands) <= 1:
        return [fragments]
    return [block for band in bands for block in _reading_order(band, body, depth + 1)]


def _blank_band(fragments: list[_Frag]) -> float:
    """The height of a blank line, as a share of the page (fragment tops and bottoms are shares of it)."""
    return statistics.median(f.bottom - f.top for f in fragments) * 0.9


def _split(fragments: list[_Frag], span, gap: float) -> list[list[_Frag]]:
    """Groups of fragments apart by at least `gap` along one axis (span gives a fragment's extent on it)."""
    ordered = sorted(fragments, key=lambda f: span(f)[0])
    groups = [[ordered[0]]]
    reach = span(ordered[0])[1]
    for frag in ordered[1:]:
        low, high = span(frag)
        if low - reach >= gap:
            groups.append([])
        groups[-1].append(frag)
        reach = max(reach, high)
    return groups


def _bridging(fragments: list[_Frag], body: float) -> list[_Frag]:
    """The few widest fragments without which the region falls into columns (headlines over two columns)."""
    widest = sorted(fragments, key=lambda f: f.x1 - f.x0, reverse=True)
    for n in range(1, min(4, len(fragments) // 5) + 1):
        rest = widest[n:]
        columns = _split(rest, lambda f: (f.x0, f.x1), body * 0.8)
        if len(columns) > 1 and all(len(c) >= 2 for c in columns):
            return widest[:n]
    return []


def _around(fragments: list[_Frag], bridging: list[_Frag]) -> list[list[_Frag]]:
    """The region cut into bands above, at and below each bridging fragment."""
    bands: list[list[_Frag]] = [[]]
    for frag in sorted(fragments, key=lambda f: (f.top + f.bottom) / 2):
        if frag in bridging:
            bands += [[frag], []]
        else:
            bands[-1].append(frag)
    return [band for band in bands if band]


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _block_lines(block: list[_Frag], page: int) -> list[_Line]:
    """The lines of one column block: fragments on the same baseline, left to right."""
    rows: list[list[_Frag]] = []
    for frag in sorted(block, key=lambda f: (f.top, f.x0)):
        if rows and frag.top < (rows[-1][0].top + rows[-1][0].bottom) / 2:
            rows[-1].append(frag)
        else:
            rows.append([frag])
    lines = []
    for row in rows:
        text = ""
        for frag in sorted(row, key=lambda f: f.x0):
            # Fragments of a row are apart by more than letter spacing: a word space, unless Chinese is on either
            # side (justified Chinese is spaced out, and never has word spaces).
            spaced = text and not (_wide(text[-1]) or _wide(frag.text[0]))
            text += (" " if spaced else "") + frag.text
        lines.append(_Line(text, min(f.top for f in row), max(f.bottom for f in row), max(f.size for f in row), page))
    return lines


# --- lines with hints -----------------------------------------------------------------------------


def _source_lines(lines: list[_Line], body: float) -> list[SourceLine]:
    """Lines with headline hints, a wrapped headline joined, a blank line where the text leaves a gap."""
    out: list[SourceLine] = []
    previous: _Line | None = None
    for line in lines:
        ratio = line.size / body
        hint = HEADLINE if ratio >= HEADLINE_SIZE else HEADING if ratio >= HEADING_SIZE else ""
        gap = line.top - previous.bottom if previous and previous.page == line.page else 0.0
        if (
            previous
            and out
            and hint
            and out[-1].hint == hint
            and previous.size == line.size
            and gap < line.bottom - line.top
        ):
            out[-1] = SourceLine(out[-1].text + clean_text(line.text), hint, out[-1].page)  # a wrapped headline
        else:
            if previous and gap > (previous.bottom - previous.top):
                out.append(SourceLine("", page=line.page))
            out.append(SourceLine(clean_text(line.text), hint, line.page))
        previous = line
    return out
