"""Check the [n] citations of a generated answer against the passages the model was given.

A citation stands when its number names a given passage (1-based) and the sentence it is attached to is
supported by that passage: the sentence is close in meaning to one of the passage's sentences (cosine of their
embeddings) and most of its content words occur in the passage. Citations that fail are removed; a sentence
that states something and keeps no citation is marked as unverified. The model's wording is kept.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .answering import QUESTION_WORDS
from .chunking import sentence_spans
from .keyword import tokenize
from .normalize import fold_for_matching, is_traditional
from .results import Answer, Citation, Hit

if TYPE_CHECKING:
    from .embedding import Embedder

# Provisional: to be set from bench/citation_threshold.py with the real embedder.
MIN_SIMILARITY = 0.80  # max cosine between the sentence and one sentence of the cited passage
MIN_OVERLAP = 0.50  # length-weighted share of the sentence's content words found in the passage

# [1], [1][2], [1, 2], and the full-width and lenticular brackets models also write. One or two digits:
# "[2019]" is a year in brackets, not a citation.
MARKER = re.compile(r"[\[［【]\s*(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\s*[\]］】]")
UNVERIFIED = {False: "（未核实）", True: "（未核實）"}
# A sentence saying the passages lack something states nothing that needs a source (matched on folded text).
_ABSTAINS = re.compile(
    r"(?:没有|未|并未|不曾)(?:提到|提及|涉及|找到|说明|给出|包含|记载|披露)|没有相关|无法(?:回答|确定|判断|得知)|不包含"
)
_LEAD_IN_ENDS = ":："  # "根据资料：" introduces what follows


@dataclass(frozen=True)
class Support:
    """How well one passage supports one sentence."""

    similarity: float  # max cosine between the sentence and the passage's sentences
    overlap: float  # length-weighted share of the sentence's content words found in the passage
    evidence: str  # the passage sentence closest to the sentence, verbatim

    @property
    def supported(self) -> bool:
        return self.similarity >= MIN_SIMILARITY and self.overlap >= MIN_OVERLAP


@dataclass(frozen=True)
class SentenceCheck:
    text: str  # the sentence as the model wrote it, without markers
    cited: tuple[int, ...]  # the numbers the model cited for it, first mention first
    verified: tuple[int, ...]  # those naming a given passage that supports the sentence
    claim: bool  # False for lead-ins ("根据资料：") and statements that the passages lack something

    @property
    def passed(self) -> bool:
        """A claim whose every citation stands (and which has one)."""
        return self.claim and bool(self.cited) and self.verified == self.cited


@dataclass(frozen=True)
class Verification:
    answer: Answer  # the text with failed citations removed and unsupported claims marked
    sentences: tuple[SentenceCheck, ...]

    @property
    def claims(self) -> int:
        return sum(1 for s in self.sentences if s.claim)

    @property
    def citation_precision(self) -> float | None:
        """Share of the answer's claims whose citation passes verification; None when it claims nothing."""
        return sum(1 for s in self.sentences if s.passed) / self.claims if self.claims else None

    @property
    def note(self) -> str:
        """For users: how many claims could not be verified, empty when all were."""
        unverified = sum(1 for s in self.sentences if s.claim and not s.verified)
        if not unverified:
            return ""
        mark = UNVERIFIED[is_traditional(self.answer.text)]
        return f"模型回答中有 {unverified} 句无法由所引用的文章证实，已标注“{mark}”。"


def verify_answer(text: str, hits: Sequence[Hit], embedder: Embedder) -> Verification:
    """The generated text with its citations checked against hits ([n] names hits[n - 1])."""
    clean, cited = _sentences_and_markers(text)
    sentences = [clean[start:end] for (start, end), _ in cited]
    folded = [fold_for_matching(sentence) for sentence in sentences]
    claims = [_is_claim(f) for f in folded]
    passages = [fold_for_matching(f"{hit.title}\n{hit.text}") for hit in hits]
    # Keyword overlap first: it is cheap, and only pairs that pass it need embeddings.
    overlaps = {
        (i, n): keyword_overlap(folded[i], passages[n - 1])
        for i, (_, numbers) in enumerate(cited)
        for n in numbers
        if 1 <= n <= len(hits)
    }
    candidates = {pair: overlap for pair, overlap in overlaps.items() if overlap >= MIN_OVERLAP}
    supports = _supports(candidates, folded, hits, embedder)
    checks = []
    citations: dict[int, Citation] = {}
    for i, (_, numbers) in enumerate(cited):
        verified = tuple(n for n in numbers if (i, n) in supports and supports[i, n].supported)
        for n in verified:
            citations.setdefault(n, Citation(n=n, hit=hits[n - 1], sentence=supports[i, n].evidence))
        checks.append(SentenceCheck(sentences[i], numbers, verified, claims[i]))
    answer_text = _rewrite(clean, [span for span, _ in cited], checks)
    found = bool(citations)
    answer = Answer(
        text=answer_text,
        citations=[citations[n] for n in sorted(citations)],
        found=found,
        related=[] if found else _distinct_articles(hits),
    )
    return Verification(answer, tuple(checks))


def keyword_overlap(folded_sentence: str, folded_passage: str) -> float:
    """Length-weighted share of the sentence's content words that occur in the passage (1.0 with none)."""
    words = content_words(folded_sentence)
    total = sum(_weight(w) for w in words)
    if not total:
        return 1.0
    return sum(_weight(w) for w in words if w in folded_passage.lower()) / total


def content_words(folded: str) -> set[str]:
    return {token for token in tokenize(folded) if token not in QUESTION_WORDS}


def _weight(word: str) -> float:
    return float(min(len(word), 4))  # longer words say more; a stray single character says little


def passage_sentences(hit: Hit) -> list[str]:
    """The passage's sentences, verbatim."""
    return [hit.text[start:end] for start, end in sentence_spans(hit.text)]


def embed_claims(embedder: Embedder, folded_sentences: Sequence[str]) -> np.ndarray:
    """Vectors of generated sentences, in the form the similarity threshold was measured with."""
    return embedder.encode_queries(list(folded_sentences))


def embed_evidence(embedder: Embedder, folded_sentences: Sequence[str]) -> np.ndarray:
    """Vectors of passage sentences, in the form the similarity threshold was measured with."""
    return embedder.encode_queries(list(folded_sentences))


def _supports(
    candidates: dict[tuple[int, int], float], folded: list[str], hits: Sequence[Hit], embedder: Embedder
) -> dict[tuple[int, int], Support]:
    """Support of each (sentence index, passage number) candidate; embeds only what the candidates need."""
    if not candidates:
        return {}
    sentence_rows = sorted({i for i, _ in candidates})
    numbers = sorted({n for _, n in candidates})
    evidence = {n: passage_sentences(hits[n - 1]) for n in numbers}
    flat = [(n, s) for n in numbers for s in evidence[n]]
    claim_vectors = embed_claims(embedder, [folded[i] for i in sentence_rows])
    evidence_vectors = embed_evidence(embedder, [fold_for_matching(s) for _, s in flat])
    similarity = claim_vectors @ evidence_vectors.T
    row_of = {i: row for row, i in enumerate(sentence_rows)}
    columns = {n: [c for c, (m, _) in enumerate(flat) if m == n] for n in numbers}
    out = {}
    for (i, n), overlap in candidates.items():
        scores = similarity[row_of[i], columns[n]]
        best = int(np.argmax(scores))
        out[i, n] = Support(float(scores[best]), overlap, flat[columns[n][best]][1])
    return out


def _sentences_and_markers(text: str) -> tuple[str, list[tuple[tuple[int, int], tuple[int, ...]]]]:
    """The text without markers, and the span of each of its sentences with the numbers cited for it.

    A marker belongs to the sentence it stands in or, when it stands between sentences ("…。[1]"), to the
    sentence before it.
    """
    pieces = []
    positions: list[tuple[int, list[int]]] = []
    length = 0
    last = 0
    for match in MARKER.finditer(text):
        pieces.append(text[last : match.start()])
        length += match.start() - last
        positions.append((length, [int(n) for n in re.split(r"\s*[,，、]\s*", match.group(1))]))
        last = match.end()
    pieces.append(text[last:])
    clean = "".join(pieces)
    spans = sentence_spans(clean)
    starts = [start for start, _ in spans]
    numbers: list[list[int]] = [[] for _ in spans]
    for position, cited in positions:
        if spans:
            numbers[max(bisect_left(starts, position) - 1, 0)].extend(cited)
    return clean, [(span, tuple(dict.fromkeys(n))) for span, n in zip(spans, numbers, strict=True)]


def _is_claim(folded_sentence: str) -> bool:
    if not content_words(folded_sentence) or folded_sentence.rstrip()[-1] in _LEAD_IN_ENDS:
        return False
    return not _ABSTAINS.search(folded_sentence)


def _rewrite(clean: str, spans: list[tuple[int, int]], checks: list[SentenceCheck]) -> str:
    """The model's text with only the verified markers, after their sentence, and unsupported claims marked."""
    mark = UNVERIFIED[is_traditional(clean)]
    out = []
    position = 0
    for (start, end), check in zip(spans, checks, strict=True):
        out.append(clean[position:start])  # the whitespace and line breaks the model put between sentences
        out.append(check.text)
        if check.verified:
            out.append("".join(f"[{n}]" for n in check.verified))
        elif check.claim:
            out.append(mark)
        position = end
    return "".join(out).strip()


def _distinct_articles(hits: Sequence[Hit], limit: int = 3) -> list[Hit]:
    """Nearby articles to offer when nothing could be cited: one hit per article."""
    seen: dict[tuple[str, int], Hit] = {}
    for hit in hits:
        seen.setdefault((hit.source, hit.article), hit)
    return list(seen.values())[:limit]
