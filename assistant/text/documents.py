"""Plain records for what the text pipeline produces: articles and their passages."""

from __future__ import annotations

from dataclasses import dataclass, field

# Damage flags raised by the text pipeline and shown to users beside a passage.
LOST_CHARS = "lost_chars"  # "?" or U+FFFD where characters were lost
MOJIBAKE = "mojibake"  # text decoded with the wrong encoding, not provably repairable


@dataclass(frozen=True)
class Article:
    """One article of a corpus file, cleaned, in its own script."""

    source: str  # file path relative to the corpus folder, with "/" separators
    number: int  # position of the article within its file, from 0
    title: str
    text: str  # cleaned body; passage offsets refer to this string
    byline: str = ""
    date: str = ""
    url: str = ""
    kicker: str = ""  # labels printed beside the headline: column name, "(上接第1版)", authoring body
    # (offset in text, page number from 1) where each page of a paged file (PDF) begins; empty when unpaged
    pages: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        # Read back from JSON the pairs are lists; keep the record hashable and equal to the one written.
        object.__setattr__(self, "pages", tuple((int(at), int(page)) for at, page in self.pages))

    def pages_of(self, start: int, end: int) -> list[int]:
        """The page numbers text[start:end] lies on, in order; empty when the file has no pages."""
        on = [page for at, page in self.pages if start < at < end]
        before = [page for at, page in self.pages if at <= start]
        return list(dict.fromkeys(before[-1:] + on))


@dataclass(frozen=True)
class Passage:
    """A retrieval unit: whole sentences of one article, with their exact span in it."""

    passage_id: str  # stable across rebuilds while source, title and text are unchanged
    source: str
    article: int  # Article.number
    title: str
    text: str  # display text: article.text[start:end]
    match_text: str  # simplified, width-folded form used by keyword and vector retrieval
    start: int
    end: int
    flags: tuple[str, ...] = field(default=())
