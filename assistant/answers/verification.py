"""Check the [n] citations of a generated answer against the passages the model was given.

A citation stands when its number names a given passage (1-based) and the sentence it is attached to is
supported by that passage: the sentence is close in meaning to one of the passage's sentences (cosine of their
embeddings), most of its content words occur in the passage, and so do all the numbers it states. Citations
that fail are removed; a sentence that states something and keeps no citation is marked as unverified. The
model's wording is kept.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..results import Answer, Citation, Hit
from ..store.keyword import tokenize
from ..text.chunking import sentence_spans
from ..text.normalize import fold_for_matching, is_traditional
from .evidence import QUESTION_WORDS

if TYPE_CHECKING:
    from ..model.embedding import Embedder

# Measured by bench/citation_threshold.py with multilingual-e5-small on CMRC 2018 dev: chosen on 300 simplified
# questions, checked on 300 others converted to traditional script. With the numbers rule they accept 96% / 94%
# of right citations of reworded answers and all quotes, 3.6% / 3.2% of wrong ones (the neighbouring passage of
# the same article, the best passage of another article) and 18% of answers with an invented value. e5's cosines
# are compressed (0.84 for unrelated sentences), hence the high bar; word overlap does most of the separating.
MIN_SIMILARITY = 0.91  # max cosine between the sentence and one sentence of the cited passage
MIN_OVERLAP = 0.65  # length-weighted share of the sentence's content words found in the passage
# A near-paraphrase may share fewer words ("经济总量" for "GDP"); at this similarity no wrong citation of either
# set was accepted with less overlap.
CLOSE_SIMILARITY = 0.97
CLOSE_MIN_OVERLAP = 0.4

# [1], [1][2], [1, 2], and the full-width and lenticular brackets models also write. One or two digits:
# "[2019]" is a year in brackets, not a citation.
MARKER = re.compile(r"[\[［【]\s*(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\s*[\]］】]")
UNVERIFIED = {False: "（未核实）", True: "（未核實）"}
# A sentence saying the passages lack something states nothing that needs a source (matched on folded text).
_ABSTAINS = re.compile(
    r"(?:没有|未|并未|不曾)(?:提到|提及|涉及|找到|说明|给出|包含|记载|披露)|没有相关|无法(?:回答|确定|判断|得知)|不包含"
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")
_LEAD_IN_ENDS = ":："  # "根据资料：" introduces what follows
# Words a model frames an answer with ("根据资料显示，此外…"); they are not evidence the passage must hold.
FRAMING_WORDS = frozenset(
    "根据 据 资料 材料 文章 报道 新闻 显示 提到 指出 介绍 称 表示 可知 可见 此外 另外 同时 其中 总之 综上 综上所述 "
    "因此 所以 并且 而且 以及 还 也 都 该 这 那 这些 那些 其 即 约 大约 左右".split()
)


@dataclass(frozen=True)
class Support:
    """How well one passage supports one sentence."""

    similarity: float  # max cosine between the sentence and the passage's sentences
    overlap: float  # length-weighted share of the sentence's content words found in the passage
    evidence: str  # the passage sentence closest to the sentence, verbatim

    @property
    def supported(self) -> bool:
        return bool(is_supported(self.similarity, self.overlap))


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
    candidates = {
        (i, n): overlap
        for (i, n), overlap in overlaps.items()
        if overlap >= min(MIN_OVERLAP, CLOSE_MIN_OVERLAP) and numbers_found(folded[i], passages[n - 1])
    }
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


def is_supported(similarity: float | np.ndarray, overlap: float | np.ndarray) -> bool | np.ndarray:
    """The support rule, for floats or (in the bench) numpy arrays of both measures."""
    return ((similarity >= MIN_SIMILARITY) & (overlap >= MIN_OVERLAP)) | (
        (similarity >= CLOSE_SIMILARITY) & (overlap >= CLOSE_MIN_OVERLAP)
    )


def keyword_overlap(folded_sentence: str, folded_passage: str) -> float:
    """Length-weighted share of the sentence's content words that occur in the passage (1.0 with none)."""
    words = content_words(folded_sentence)
    total = sum(_weight(w) for w in words)
    if not total:
        return 1.0
    return sum(_weight(w) for w in words if w in folded_passage.lower()) / total


def numbers_found(folded_sentence: str, folded_passage: str) -> bool:
    """Every number the sentence states is a number of the passage: a changed figure is the commonest invented
    fact, and word overlap barely notices one ("增长8%" for "增长6.5%")."""
    stated = set(_NUMBER.findall(_THOUSANDS.sub("", folded_sentence)))
    return stated <= set(_NUMBER.findall(_THOUSANDS.sub("", folded_passage)))


def content_words(folded: str) -> set[str]:
    return {token for token in tokenize(folded) if token not in QUESTION_WORDS and token not in FRAMING_WORDS}


def _weight(word: str) -> float:
    return float(min(len(word), 4))  # longer words say more; a stray single character says little


def passage_sentences(hit: Hit) -> list[str]:
    """The passage's sentences, verbatim."""
    return [hit.text[start:end] for start, end in sentence_spans(hit.text)]


def evidence_rows(folded_sentence: str, folded_evidence: Sequence[str]) -> list[int]:
    """The passage sentences worth embedding for a claim: those sharing a word of two or more characters with
    it (the closest sentence shares words; this halves what is embedded). All of them when none does."""
    words = [w for w in content_words(folded_sentence) if len(w) >= 2]
    rows = [r for r, evidence in enumerate(folded_evidence) if any(w in evidence.lower() for w in words)]
    return rows or list(range(len(folded_evidence)))


def embed_sentences(embedder: Embedder, folded_sentences: Sequence[str]) -> np.ndarray:
    """Vectors of generated and passage sentences alike: e5's symmetric "query: " form, which separated right
    from wrong citations as well as query-vs-passage did (bench/citation_threshold.py) and needs one call."""
    return embedder.encode_queries(list(folded_sentences))


def _supports(
    candidates: dict[tuple[int, int], float], folded: list[str], hits: Sequence[Hit], embedder: Embedder
) -> dict[tuple[int, int], Support]:
    """Support of each (sentence index, passage number) candidate, embedding only what the candidates need."""
    if not candidates:
        return {}
    evidence = {n: passage_sentences(hits[n - 1]) for n in sorted({n for _, n in candidates})}
    folded_evidence = {n: [fold_for_matching(s) for s in sentences] for n, sentences in evidence.items()}
    rows = {(i, n): evidence_rows(folded[i], folded_evidence[n]) for i, n in candidates}
    needed = {folded[i] for i, _ in candidates}
    needed.update(folded_evidence[n][r] for (_, n), chosen in rows.items() for r in chosen)
    texts = sorted(needed)
    vectors = dict(zip(texts, embed_sentences(embedder, texts), strict=True))
    out = {}
    for (i, n), overlap in candidates.items():
        scores = [float(vectors[folded[i]] @ vectors[folded_evidence[n][r]]) for r in rows[i, n]]
        best = int(np.argmax(scores))
        out[i, n] = Support(scores[best], overlap, evidence[n][rows[i, n][best]])
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
