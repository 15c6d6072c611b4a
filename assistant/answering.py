"""Extractive answers: the sentences of the retrieved passages that best answer the question, cited.

No generative model is needed: every sentence of an answer is a verbatim sentence of a cited passage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import jieba.posseg as pseg

from .chunking import sentence_spans
from .keyword import tokenize
from .normalize import fold_for_matching
from .results import Answer, Citation, Hit

# Words that say what is asked rather than what it is about; they carry no evidence.
QUESTION_WORDS = frozenset(
    (
        "多少 几 几个 什么 哪 哪里 哪个 哪些 哪儿 哪一 谁 如何 怎么 怎样 为什么 为何 何时 何地 什么时候 "
        "是 的 了 吗 呢 有 在 和 与 及 对 把 被 为 个 请问 一下"
    ).split()
)
_UNITS = (
    "亿元|万元|千元|元|美元|亿美元|万吨|吨|公斤|千克|条|个|人次|万人|人|家|项|名|户|亩|万亩|平方公里|平方米|公里|千米|米|"
    "岁|倍|座|次|场|批|辆|件|所|台|份|种|类|期|天|小时|分钟|年|个月|月|千瓦|兆瓦|片|步|余人|余个|余家|多户"
)
NUMBER = re.compile(rf"\d+(?:[.,]\d+)*(?:\s*[%‰])?(?:[多余])?(?:[万亿千百]+)?(?:{_UNITS})?")
DATE = re.compile(r"\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日|\d{1,2}[—-]\d{1,2}月")
ASKS_NUMBER = re.compile(r"多少|几|多大|多长|多高|比例|增长了?多|百分之")
ASKS_DATE = re.compile(r"什么时候|何时|哪一年|哪年|几月|哪天|哪一天|日期")
ASKS_PERSON = re.compile(r"谁|哪位|什么人")
ASKS_PLACE = re.compile(r"哪里|哪儿|何地|什么地方|哪个(?:省|市|县|区|国家|地方)")

MAX_SENTENCES = 3
MIN_COVERAGE = 0.4  # share of the question's evidence that the best sentence must hold to count as found
CONTEXT_CREDIT = 0.5  # weight of question words found around a sentence rather than in it
KIND_BONUS = 0.15  # a sentence holding what the question asks for (a number, a date) ranks higher
RANK_PRIOR = 0.05  # ties go to the better-ranked passage
NOT_FOUND = "现有文章中没有找到与这个问题相关的内容。"


@dataclass
class _Candidate:
    hit_index: int
    sentence: str
    folded: str
    score: float
    coverage: float


def answer_question(question: str, hits: list[Hit], idf: Callable[[str], float]) -> Answer:
    """An answer built from the hits' sentences, or a plain refusal when none carries the question's evidence.

    `idf` weighs the question's words: a rare word the passage lacks (客运 where it says 货运) counts more
    than a common one.
    """
    folded_question = fold_for_matching(question)
    terms = _evidence_terms(folded_question, idf)
    entities = _entities(folded_question)
    candidates = [
        c
        for i, hit in enumerate(hits)
        if _mentions_all(_lowered(hit.title + hit.text), entities)
        for c in _score_sentences(i, hit, terms, folded_question)
    ]
    candidates.sort(key=lambda c: -c.score)
    if not candidates or candidates[0].coverage < MIN_COVERAGE:
        return _refusal(hits)
    chosen = _choose(candidates)
    citations: list[Citation] = []
    parts = []
    for c in chosen:
        citation = Citation(n=len(citations) + 1, hit=hits[c.hit_index], sentence=c.sentence)
        citations.append(citation)
        parts.append(f"{c.sentence} [{citation.n}]")
    direct = _direct_reply(folded_question, chosen[0], terms)
    text = "\n\n".join(parts)
    if direct:
        text = f"**{direct}** [1]\n\n{text}"
    return Answer(text=text, citations=citations, found=True, direct=direct)


def _evidence_terms(folded_question: str, idf: Callable[[str], float]) -> dict[str, float]:
    """Question tokens that an answer should contain, weighted by how rare they are in the corpus."""
    return {t: idf(t) for t in tokenize(folded_question) if t not in QUESTION_WORDS}


def _lowered(text: str) -> str:
    """The form question tokens are looked up in: folded like the index, lower-cased like the tokens."""
    return fold_for_matching(text).lower()


def _entities(folded_question: str) -> list[str]:
    """Places, organisations, people and numbers (years) named in the question; an answer must be about them."""
    names = re.findall(r"\d+(?:\.\d+)?", folded_question)
    for word in pseg.cut(folded_question):
        if word.flag in {"ns", "nt", "nr", "nz"} and len(word.word) >= 2:
            # 赤壁市 should match a passage that says 赤壁: drop an administrative suffix.
            names.append(re.sub(r"(?<=..)(省|市|县|区|镇|乡|村)$", "", word.word).lower())
    return names


def _mentions_all(folded_text: str, entities: list[str]) -> bool:
    return all(name in folded_text for name in entities)


def _score_sentences(hit_index: int, hit: Hit, terms: dict[str, float], folded_question: str) -> list[_Candidate]:
    """Each sentence's share of the question's evidence; words found only around it (the headline, the
    neighbouring sentences: 赤壁 for "预计全年GDP622亿元") count half."""
    total = sum(terms.values()) or 1.0
    around = _lowered(hit.title + "\n" + hit.text)
    wants = _wanted_kind(folded_question)
    out = []
    for start, end in sentence_spans(hit.text):
        sentence = hit.text[start:end].strip()
        if len(sentence) < 4:
            continue
        folded = _lowered(sentence)
        inside = sum(w for t, w in terms.items() if t in folded)
        nearby = sum(w for t, w in terms.items() if t not in folded and t in around)
        coverage = (inside + CONTEXT_CREDIT * nearby) / total
        kind_bonus = KIND_BONUS if wants is not None and wants.search(folded) else 0.0
        rank_prior = RANK_PRIOR / (hit_index + 1)
        out.append(_Candidate(hit_index, sentence, folded, coverage + kind_bonus + rank_prior, coverage))
    return out


def _wanted_kind(folded_question: str) -> re.Pattern | None:
    if ASKS_DATE.search(folded_question):
        return DATE
    if ASKS_NUMBER.search(folded_question):
        return NUMBER
    return None


def _choose(candidates: list[_Candidate]) -> list[_Candidate]:
    """The best sentence, plus up to two close runners-up that add a distinct fact from another passage."""
    best = candidates[0]
    chosen = [best]
    for c in candidates[1:]:
        if len(chosen) == MAX_SENTENCES or c.score < 0.8 * best.score:
            break
        distinct = all(_bigram_overlap(c.folded, k.folded) < 0.5 for k in chosen)
        if distinct and all(c.hit_index != k.hit_index for k in chosen):
            chosen.append(c)
    return chosen


def _direct_reply(folded_question: str, best: _Candidate, terms: dict[str, float]) -> str:
    """The exact short answer inside the best sentence: the number or date nearest to the question's words."""
    pattern = _wanted_kind(folded_question)
    if pattern is None:
        return ""
    dates = [m.span() for m in DATE.finditer(best.folded)] if pattern is NUMBER else []
    spans = [
        m
        for m in pattern.finditer(best.folded)
        if not _is_question_term(m.group(), terms) and not any(a < m.end() and m.start() < b for a, b in dates)
    ]
    if not spans:
        return ""
    anchors = [m.end() for t in terms for m in re.finditer(re.escape(t), best.folded)]
    if not anchors:
        return ""
    # Prefer a value that follows a matched question word (GDP622亿元), then the closest one.
    match = min(spans, key=lambda m: min((abs(m.start() - a) + (0 if m.start() >= a else 5)) for a in anchors))
    start, end = match.span()
    return best.sentence[start:end] if len(best.sentence) == len(best.folded) else match.group()


def _is_question_term(value: str, terms: dict[str, float]) -> bool:
    return value.lower() in terms


def _bigram_overlap(a: str, b: str) -> float:
    grams_a = {a[i : i + 2] for i in range(len(a) - 1)}
    grams_b = {b[i : i + 2] for i in range(len(b) - 1)}
    if not grams_a or not grams_b:
        return 0.0
    return len(grams_a & grams_b) / min(len(grams_a), len(grams_b))


def _refusal(hits: list[Hit]) -> Answer:
    related = []
    seen = set()
    for hit in hits:
        if (hit.source, hit.title) not in seen:
            seen.add((hit.source, hit.title))
            related.append(hit)
    return Answer(text=NOT_FOUND, citations=[], found=False, related=related[:3])
