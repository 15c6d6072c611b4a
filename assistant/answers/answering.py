"""Extractive answers: the sentences of the retrieved passages that best answer the question, cited.

No generative model is needed: every sentence of an answer is a verbatim sentence of a cited passage. Sentences are
ranked by the question's rarity-weighted words; which of them states the asked fact is the reader's judgement
(reader.py), and with the reader off (or busy) the best-ranked one leads, unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..results import Answer, Citation, Hit
from ..text.chunking import sentence_spans
from ..text.normalize import fold_for_matching, in_script, is_traditional
from .evidence import Asked, read_question, whole_match

MAX_SENTENCES = 3
MIN_FOCUS = 0.3  # share of the question's own evidence (beyond the article's topic) the best sentence must hold
NEIGHBOUR_CREDIT = 0.5  # weight of a question word found in the next or previous sentence rather than in this one
PASSAGE_CREDIT = 0.25  # ... found elsewhere in the passage
PART_CREDIT = 0.5  # ... found nowhere, but its first or last two characters are in this sentence
RUNNER_UP_RATIO = 0.8  # a further sentence must score this share of the best one
SAME_PASSAGE_RATIO = 0.85  # ... and this share when it comes from a passage already quoted, next to the quote
TIED_RATIO = 0.95  # ... and this share when it is elsewhere in that passage (quoted on its own)
TOPIC_SHARE = 0.5  # weight in the focus of question words the headline holds: a question on the topic alone passes
MISSING_NAME_FACTOR = 0.6  # per name of the question (a place, a person) the passage lacks
RANK_PRIOR = 0.05  # ties go to the better-ranked passage
NOT_FOUND = "现有文章中没有找到与这个问题相关的内容。"


@dataclass
class Candidate:
    hit_index: int
    start: int  # offsets of the sentence in its hit's text
    end: int
    first: int  # its position among the hit's sentences (first == last until a neighbour joins)
    last: int
    folded: str
    score: float
    focus: float
    lacks_numbers: bool  # its passage lacks a number of the question (a year): a reader judges it last


def answer_question(
    question: str, hits: list[Hit], idf: Callable[[str], float], min_focus: float = MIN_FOCUS
) -> Answer:
    """The best-ranked sentences of the hits, unchecked, or a plain refusal when none holds enough of the question's
    evidence.

    `idf` weighs the question's words: a rare word the passage lacks (客运 where it says 货运) counts more
    than a common one. `min_focus` is the refusal threshold (bench/answer_bench.py measures it).
    """
    candidates = _ranked(read_question(question, idf), hits)
    if not candidates or candidates[0].focus < min_focus:
        return refusal(hits, is_traditional(question))
    return _answer(hits, candidates)


def sentence_candidates(question: str, hits: list[Hit], idf: Callable[[str], float]) -> list[Candidate]:
    """Every sentence of the hits that might answer, best first by the question's words, for a reader to judge.

    Unlike answer_question nothing is refused; sentences of passages lacking the question's numbers (years) come
    after the rest."""
    asked = read_question(question, idf)
    scored = [c for i, hit in enumerate(hits) for c in _score_sentences(i, hit, asked)]
    return sorted(scored, key=lambda c: (c.lacks_numbers, -c.score))


def answer_from(question: str, hits: list[Hit], idf: Callable[[str], float], lead: Candidate, direct: str) -> Answer:
    """The answer quoting `lead` (a sentence the reader accepted) with `direct` as its short bold reply when given.
    When the lead is the best-ranked sentence, its close runners-up are quoted too."""
    candidates = _ranked(read_question(question, idf), hits)
    answer = _answer(hits, candidates if candidates and _same(candidates[0], lead) else [lead])
    if not direct:
        return answer
    return replace(answer, text=f"**{direct}** [1]\n\n{answer.text}", direct=direct)


def sentence_of(hits: list[Hit], candidate: Candidate) -> str:
    return hits[candidate.hit_index].text[candidate.start : candidate.end]


def _same(a: Candidate, b: Candidate) -> bool:
    return (a.hit_index, a.start, a.end) == (b.hit_index, b.start, b.end)


def _ranked(asked: Asked, hits: list[Hit]) -> list[Candidate]:
    """The sentences of the passages that hold the question's numbers, best first."""
    held = [c for i, hit in enumerate(hits) for c in _score_sentences(i, hit, asked) if not c.lacks_numbers]
    return sorted(held, key=lambda c: -c.score)


def _answer(hits: list[Hit], candidates: list[Candidate]) -> Answer:
    """The answer quoting the best candidate and its close runners-up."""
    best, *others = candidates
    citations: list[Citation] = []
    for c in _choose(best, others):
        hit = hits[c.hit_index]
        citations.append(Citation(n=len(citations) + 1, hit=hit, sentence=hit.text[c.start : c.end]))
    text = "\n\n".join(f"{c.sentence} [{c.n}]" for c in citations)
    return Answer(text=text, citations=citations, found=True)


def _lowered(text: str) -> str:
    """The form question tokens are looked up in: folded like the index, lower-cased like the tokens."""
    return fold_for_matching(text).lower()


def _holds_numbers(about: str, asked: Asked) -> bool:
    """Whether the lowered passage and headline hold each number of the question whole: 18 is not held by 2018,
    180 or 1.8."""
    return all(whole_match(n, about) for n in asked.numbers)


def _score_sentences(hit_index: int, hit: Hit, asked: Asked) -> list[Candidate]:
    """Each sentence that could answer the question, with its share of the question's evidence; a sentence that is
    itself a question is skipped.

    Words of the headline hold for every sentence of the article (the topic: 榅桲 in "榅桲的果实有什么特点"), so
    sentences are told apart by the question's other words, its focus (果实, 特点). A focus word found only in a
    neighbouring sentence counts half (the answer often follows the sentence that names its subject). Each name of
    the question that the passage lacks (上海 asked, 赤壁 given) takes a share off.
    """
    terms = asked.terms
    about = _lowered(hit.title + hit.text)
    lacks_numbers = not _holds_numbers(about, asked)
    penalty = MISSING_NAME_FACTOR ** sum(name not in about for name in asked.names)
    title = _lowered(hit.title)
    topic = {t for t in terms if t in title}
    focus_terms = {t: w for t, w in terms.items() if t not in topic}
    topic_weight = TOPIC_SHARE * sum(w for t, w in terms.items() if t in topic)
    total_all = sum(terms.values()) or 1.0
    total_focus = sum(focus_terms.values()) + topic_weight or 1.0
    passage = _lowered(hit.text)
    spans = [(a, b) for a, b in sentence_spans(hit.text) if b - a >= 4]
    folded = [_lowered(hit.text[a:b]) for a, b in spans]
    out = []
    for j, (start, end) in enumerate(spans):
        here = folded[j]
        if _IS_QUESTION.search(here):
            continue
        near = " ".join(folded[max(0, j - 1) : j + 2])

        def credit(t: str, here: str = here, near: str = near) -> float:
            if t in here:
                return 1.0
            if t in near:
                return NEIGHBOUR_CREDIT
            if t in passage:
                return PASSAGE_CREDIT
            return PART_CREDIT if _in_part(t, here) else 0.0

        focus = (sum(w * credit(t) for t, w in focus_terms.items()) + topic_weight) / total_focus
        coverage = sum(w * (1.0 if t in topic else credit(t)) for t, w in terms.items()) / total_all
        score = penalty * (coverage + focus) / 2 + RANK_PRIOR / (hit_index + 1)
        out.append(Candidate(hit_index, start, end, j, j, here, score, penalty * focus, lacks_numbers))
    return out


# A sentence that asks ("为啥人家的果子能卖高价?") repeats the question's words but answers nothing.
_IS_QUESTION = re.compile(r"[?？][”」』\"’]?\s*$")


def _in_part(term: str, folded_sentence: str) -> bool:
    """Whether the sentence holds the first or last two characters of a long word: jieba joins words a passage
    writes apart or spells otherwise (王连字 for 王连,字; 赛斯纳 where the passage has 塞斯纳)."""
    return len(term) >= 3 and not term.isascii() and (term[:2] in folded_sentence or term[-2:] in folded_sentence)


def _join(chosen: Candidate, neighbour: Candidate) -> None:
    """Widen a chosen sentence to take in the sentence right before or after it, quoted as one excerpt."""
    if neighbour.first < chosen.first:
        chosen.start, chosen.first, chosen.folded = neighbour.start, neighbour.first, neighbour.folded + chosen.folded
    else:
        chosen.end, chosen.last, chosen.folded = neighbour.end, neighbour.last, chosen.folded + neighbour.folded


def _choose(best: Candidate, others: list[Candidate]) -> list[Candidate]:
    """The best sentence, plus up to two close runners-up (from `others`, best first) that add a distinct fact:
    from another passage; when nearly as good, the sentence right before or after one already chosen (the
    answer often spans two sentences of one paragraph), quoted together with it as one passage excerpt; when as
    good as the best (the same question words: 作者 in two sentences of one article), another sentence of a
    quoted passage, quoted on its own where room is left."""
    chosen = [best]
    sentences = 1
    tied = []
    for c in others:
        if sentences == MAX_SENTENCES or c.score < RUNNER_UP_RATIO * best.score:
            break
        if any(_bigram_overlap(c.folded, k.folded) >= 0.5 for k in chosen):
            continue
        same = next((k for k in chosen if k.hit_index == c.hit_index), None)
        if same is None:
            chosen.append(c)
            sentences += 1
        elif c.score >= SAME_PASSAGE_RATIO * best.score and c.first in (same.first - 1, same.last + 1):
            _join(same, c)
            sentences += 1
        elif c.score >= TIED_RATIO * best.score:
            tied.append(c)  # as good as the best, elsewhere in its passage: which one answers is not known
    # Ties come after the rest, which tells more: another article, the sentence next to a quote.
    return chosen + tied[: MAX_SENTENCES - sentences]


def _bigram_overlap(a: str, b: str) -> float:
    grams_a = {a[i : i + 2] for i in range(len(a) - 1)}
    grams_b = {b[i : i + 2] for i in range(len(b) - 1)}
    if not grams_a or not grams_b:
        return 0.0
    return len(grams_a & grams_b) / min(len(grams_a), len(grams_b))


def refusal(hits: list[Hit], traditional: bool) -> Answer:
    related = []
    seen = set()
    for hit in hits:
        if (hit.source, hit.title) not in seen:
            seen.add((hit.source, hit.title))
            related.append(hit)
    text = in_script(NOT_FOUND, traditional)
    return Answer(text=text, citations=[], found=False, related=related[:3])
