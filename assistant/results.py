"""Plain results returned to users of the Python API, the CLI (--json) and the web app."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Hit:
    """One retrieved passage, best first in a result list."""

    text: str  # the passage as shown to users (display script)
    score: float  # fused score, higher is better
    source: str  # file path relative to the corpus folder
    title: str  # the article's headline
    passage_id: str
    start: int  # character offsets of the passage in its cleaned article text
    end: int
    article: int = 0  # the article's position in its file
    date: str = ""  # the article's date, when the corpus gives one
    flags: list[str] = field(default_factory=list)
    keyword_score: float | None = None
    vector_score: float | None = None
    keyword_rank: int | None = None  # 1-based rank in the keyword list, None when absent from it
    vector_rank: int | None = None
    also_in: list[str] = field(default_factory=list)  # other sources carrying the same story

    def to_dict(self) -> dict:
        return asdict(self)


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

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "found": self.found,
            "direct": self.direct,
            "citations": [c.to_dict() for c in self.citations],
            "related": [h.to_dict() for h in self.related],
        }
