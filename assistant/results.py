"""Plain results returned to users of the Python API, the CLI (--json) and the web app."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Hit:
    """One retrieved passage, or adjacent passages of one article merged, best first in a result list."""

    text: str  # as shown to users (display script): exactly the cleaned article text from start to end
    score: float  # fused score, higher is better; a merged hit scores as its best passage
    source: str  # file path relative to the corpus folder
    title: str  # the article's headline
    passage_id: str  # the best-ranked passage of the hit
    start: int  # character offsets of the hit in its cleaned article text
    end: int
    article: int = 0  # the article's position in its file
    date: str = ""  # the article's date, when the corpus gives one
    pages: list[int] = field(default_factory=list)  # pages of a PDF the hit lies on; empty for unpaged files
    flags: list[str] = field(default_factory=list)
    keyword_score: float | None = None
    vector_score: float | None = None
    keyword_rank: int | None = None  # 1-based rank in the keyword list, None when absent from it
    vector_rank: int | None = None
    also_in: list[str] = field(default_factory=list)  # other sources carrying the same story
    passage_ids: list[str] = field(default_factory=list)  # every passage the hit spans, in text order

    def __post_init__(self) -> None:
        if not self.passage_ids:
            self.passage_ids = [self.passage_id]  # a hit of one passage

    def to_dict(self) -> dict:
        return asdict(self)


def page_label(pages: list[int] | tuple[int, ...]) -> str:
    """ "第3页", or "第3–4页" for a passage that runs over a page break; "" for unpaged files."""
    if not pages:
        return ""
    return f"第{pages[0]}页" if len(pages) == 1 else f"第{pages[0]}–{pages[-1]}页"


@dataclass
class Citation:
    n: int  # the number shown as [n] in the answer text
    hit: Hit
    sentence: str = ""  # the quoted sentence, verbatim from hit.text

    def to_dict(self) -> dict:
        return {"n": self.n, "sentence": self.sentence, "hit": self.hit.to_dict()}


@dataclass
class Answer:
    text: str  # contains the [n] markers
    citations: list[Citation]
    found: bool
    direct: str = ""  # short exact reply (a number with unit, a name) when one was found
    related: list[Hit] = field(default_factory=list)  # nearest articles when nothing was found
    checked: bool | None = None  # True: the reader judged it; False: the reader was busy (the rules' answer)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "found": self.found,
            "direct": self.direct,
            "checked": self.checked,
            "citations": [c.to_dict() for c in self.citations],
            "related": [h.to_dict() for h in self.related],
        }
