"""Extractive answers: the sentences of the retrieved passages that best answer the question, cited.

No generative model is needed: every sentence of an answer is a verbatim sentence of a cited passage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import jieba.posseg as pseg

from ..results import Answer, Citation, Hit
from ..text.chunking import sentence_spans
from ..text.normalize import fold_for_matching, is_traditional, to_traditional
from .evidence import Asked, read_question
from .extraction import direct_reply
from .question import QuestionFrame

MAX_SENTENCES = 3
MIN_FOCUS = 0.3  # share of the question's own evidence (beyond the article's topic) the best sentence must hold
NEIGHBOUR_CREDIT = 0.5  # weight of a question word found in the next or previous sentence rather than in this one
PASSAGE_CREDIT = 0.25  # ... found elsewhere in the passage
PART_CREDIT = 0.5  # ... found nowhere, but its first or last two characters are in this sentence
DIRECT_MIN_FOCUS = 0.65  # a short reply stated on its own needs a sentence that clearly answers the question
NAMED_RATIO = 0.9  # a 谁 (哪里) question takes a sentence naming someone (a place) over one scoring up to 10% more
CAUSE_RATIO = 0.85  # a 为什么 question takes a sentence giving a cause over one scoring up to 15% more
CAUSE_QUOTED_RATIO = 0.6  # ... else it also quotes one scoring at least 60% of the best
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


def answer_question(
    question: str, hits: list[Hit], idf: Callable[[str], float], min_focus: float = MIN_FOCUS
) -> Answer:
    """An answer built from the hits' sentences, or a plain refusal when none carries the question's evidence.

    `idf` weighs the question's words: a rare word the passage lacks (客运 where it says 货运) counts more
    than a common one. `min_focus` is the refusal threshold (bench/answer_bench.py measures it).
    """
    asked, candidates = _ranked(question, hits, idf)
    traditional = is_traditional(question)
    if not candidates or candidates[0].focus < min_focus or not _lead_named(asked.frame, candidates):
        return refusal(hits, traditional)  # 位于哪个区, 哪位领导: no sentence names a place or someone
    return _answer(asked.frame, hits, candidates, traditional)


def sentence_candidates(question: str, hits: list[Hit], idf: Callable[[str], float]) -> list[Candidate]:
    """Every sentence of the hits that might answer, best first by the question's words, for a reader to judge.

    Unlike answer_question nothing is refused here and the rules that rule sentences out are not applied: the
    reader decides. Sentences the rules would rule out come after those they keep."""
    asked, kept = _ranked(question, hits, idf)
    if kept:
        _lead_named(asked.frame, kept)
    others = [c for i, hit in enumerate(hits) for c in _score_sentences(i, hit, asked, strict=False)]
    seen = {(c.hit_index, c.first) for c in kept}
    return kept + sorted((c for c in others if (c.hit_index, c.first) not in seen), key=lambda c: -c.score)


def answer_from(question: str, hits: list[Hit], idf: Callable[[str], float], lead: Candidate, direct: str) -> Answer:
    """The answer quoting `lead` (a sentence the reader accepted), with `direct` as its short reply when given,
    else (or when theirs holds it) the rules' one. When the lead is the rules' own, their runners-up are quoted too."""
    asked, candidates = _ranked(question, hits, idf)
    traditional = is_traditional(question)
    if candidates and _lead_named(asked.frame, candidates) and _same(candidates[0], lead):
        answer = _answer(asked.frame, hits, candidates, traditional)
    else:
        answer = _answer(asked.frame, hits, [lead], traditional)
    # The rules' reply wins when it holds the reader's: the same value with its measure word (137名, not 137).
    if direct and fold_for_matching(direct) not in fold_for_matching(answer.direct):
        text = answer.text.removeprefix(f"**{answer.direct}** [1]\n\n") if answer.direct else answer.text
        answer = replace(answer, text=f"**{direct}** [1]\n\n{text}", direct=direct)
    return answer


def sentence_of(hits: list[Hit], candidate: Candidate) -> str:
    return hits[candidate.hit_index].text[candidate.start : candidate.end]


def _same(a: Candidate, b: Candidate) -> bool:
    return (a.hit_index, a.start, a.end) == (b.hit_index, b.start, b.end)


def _ranked(question: str, hits: list[Hit], idf: Callable[[str], float]) -> tuple[Asked, list[Candidate]]:
    asked = read_question(question, idf)

    def scored(asked: Asked) -> list[Candidate]:
        return [c for i, hit in enumerate(hits) for c in _score_sentences(i, hit, asked)]

    candidates = scored(asked)
    if not candidates and asked.frame.unit:
        # No sentence gives the unit asked: a number written without one may answer (几级 asked, 规模为7.2; 多少米,
        # 40km), but not one in another Chinese unit (多少吨 asked, 6.5万亩 given).
        asked = replace(asked, frame=replace(asked.frame, loose_unit=True))
        candidates = scored(asked)
    candidates.sort(key=lambda c: -c.score)
    return asked, candidates


def _lead_named(frame: QuestionFrame, candidates: list[Candidate]) -> bool:
    """Put first the sentence that names what the question asks for, where the hits allow (_lead_with); False
    when the question needs a name (哪个县, 哪位) and no sentence gives one."""
    named = False
    if frame.kind == "person":
        named = _lead_with(candidates, _names_someone)
    elif frame.kind == "place":
        named = _lead_with(candidates, lambda folded: _names_place(frame, folded))
    elif frame.kind == "reason" and not _lead_with(candidates, _gives_cause, CAUSE_RATIO):
        _quote_also(candidates, _gives_cause, CAUSE_QUOTED_RATIO)
    return named or not frame.needs_name


def _answer(frame: QuestionFrame, hits: list[Hit], candidates: list[Candidate], traditional: bool) -> Answer:
    """The answer quoting the best candidate and its close runners-up, with the short reply where one is sure."""
    _take_referent(candidates)
    best, *others = candidates
    chosen = _choose(best, others)
    citations: list[Citation] = []
    parts = []
    for c in chosen:
        hit = hits[c.hit_index]
        citation = Citation(n=len(citations) + 1, hit=hit, sentence=hit.text[c.start : c.end])
        citations.append(citation)
        parts.append(f"{citation.sentence} [{citation.n}]")
    lead = citations[0].sentence
    direct = _direct(frame, chosen[0].folded, lead, traditional) if chosen[0].focus >= DIRECT_MIN_FOCUS else ""
    text = "\n\n".join(parts)
    if direct:
        text = f"**{direct}** [1]\n\n{text}"
    return Answer(text=text, citations=citations, found=True, direct=direct)


def _lowered(text: str) -> str:
    """The form question tokens are looked up in: folded like the index, lower-cased like the tokens."""
    return fold_for_matching(text).lower()


def _missing(folded_text: str, names: list[str]) -> int:
    return sum(name not in folded_text for name in names)


def _holds_number(folded_text: str, number: str) -> bool:
    """Whether the text holds the number whole: 18 is not held by 2018, 180 or 1.8."""
    return re.search(rf"(?<!\d)(?<!\d\.){re.escape(number)}(?!\.?\d)", folded_text) is not None


def _score_sentences(hit_index: int, hit: Hit, asked: Asked, strict: bool = True) -> list[Candidate]:
    """Each sentence that could answer the question, with its share of the question's evidence.

    A passage must hold the question's numbers (years); a sentence the question's rules rule out (Asked.rules_out:
    another unit, another year, another body's office, …) is skipped, and so is a sentence that is itself a
    question. (A 谁 or 哪里 question's preference for a sentence naming someone or a place is applied to the
    ranked sentences: _lead_with.)

    Words of the headline hold for every sentence of the article (the topic: 榅桲 in "榅桲的果实有什么特点"), so
    sentences are told apart by the question's other words, its focus (果实, 特点). A focus word found only in a
    neighbouring sentence counts half (the answer often follows the sentence that names its subject). Each name of
    the question that the passage lacks (上海 asked, 赤壁 given) takes a share off.
    """
    terms = asked.terms
    about = _lowered(hit.title + hit.text)
    if strict and any(not _holds_number(about, n) for n in asked.numbers):
        return []
    penalty = MISSING_NAME_FACTOR ** _missing(about, asked.names)
    title = _lowered(hit.title)
    topic = {t for t in terms if t in title}
    focus_terms = {t: w for t, w in terms.items() if t not in topic}
    topic_weight = TOPIC_SHARE * sum(w for t, w in terms.items() if t in topic)
    total_all = sum(terms.values()) or 1.0
    total_focus = sum(focus_terms.values()) + topic_weight or 1.0
    passage = asked.without_deputies(_lowered(hit.text))
    spans = [(a, b) for a, b in sentence_spans(hit.text) if b - a >= 4]
    folded = [_lowered(hit.text[a:b]) for a, b in spans]
    checked = [asked.without_deputies(text) for text in folded]
    out = []
    for j, (start, end) in enumerate(spans):
        here = folded[j]
        if _IS_QUESTION.search(here) or (strict and asked.rules_out(here, title)):
            continue
        held = checked[j]
        near = " ".join(checked[max(0, j - 1) : j + 2])

        def credit(t: str, held: str = held, near: str = near) -> float:
            if t in held or any(t in w.words and w.says.search(held) for w in asked.wordings):
                return 1.0
            if t in near:
                return NEIGHBOUR_CREDIT
            if t in passage:
                return PASSAGE_CREDIT
            return PART_CREDIT if _in_part(t, held) else 0.0

        focus = (sum(w * credit(t) for t, w in focus_terms.items()) + topic_weight) / total_focus
        coverage = sum(w * (1.0 if t in topic else credit(t)) for t, w in terms.items()) / total_all
        score = penalty * (coverage + focus) / 2 + RANK_PRIOR / (hit_index + 1)
        out.append(Candidate(hit_index, start, end, j, j, here, score, penalty * focus))
    return out


# A sentence that asks ("为啥人家的果子能卖高价?") repeats the question's words but answers nothing.
_IS_QUESTION = re.compile(r"[?？][”」』\"’]?\s*$")


def _in_part(term: str, folded_sentence: str) -> bool:
    """Whether the sentence holds the first or last two characters of a long word: jieba joins words a passage
    writes apart or spells otherwise (王连字 for 王连,字; 赛斯纳 where the passage has 塞斯纳)."""
    return len(term) >= 3 and not term.isascii() and (term[:2] in folded_sentence or term[-2:] in folded_sentence)


# A photo credit ends a caption with its author's name, which jieba seldom tags as one: "(视界网 刘建平 摄)".
_PHOTO_CREDIT = re.compile(r"[\u4e00-\u9fff]{2,4}\s*摄影?\)?$")


def _names_someone(folded_sentence: str) -> bool:
    """Whether the sentence names a person (jieba's person tag, a transliterated name with a middle dot, or a
    photo credit)."""
    return (
        "·" in folded_sentence
        or bool(_PHOTO_CREDIT.search(folded_sentence))
        or any(w.flag.startswith("nr") for w in pseg.cut(folded_sentence, HMM=True))
    )


def _names_place(frame: QuestionFrame, folded_sentence: str) -> bool:
    """Whether the sentence names a place: one where the question word stands, or one jieba tags as a place that
    the question does not name (湖南 in "…去的是湖南哪个县" is where to look, not the answer)."""
    return direct_reply(frame, folded_sentence) is not None or any(
        w.flag == "ns" and w.word not in frame.text for w in pseg.cut(folded_sentence, HMM=True)
    )


def _lead_with(ranked: list[Candidate], names: Callable[[str], bool], ratio: float = NAMED_RATIO) -> bool:
    """Make the best sentence name what the question asks for (someone for 谁, a place for 哪里, a cause for
    为什么), where the hits allow: join to it the sentence right after or before it that does (a quote's speaker:
    "…的加速器。”张永伟表示; a caption's next line: "…技术核心。发往意大利的…"), or else put first a sentence
    that does and scores at least `ratio` of the best.

    A sentence naming none may still answer when neither exists: 谁 is also answered by a company, a people or a
    name jieba does not know (三月MOUSE), 哪里 by a place jieba does not know (but not 哪个县 or 哪位:
    answer_question refuses them). Names are tagged (jieba's HMM, milliseconds a sentence) only on the sentences
    this looks at. Returns whether the lead now names one.
    """
    best = ranked[0]
    if names(best.folded) or _join_neighbour(ranked, lambda c: names(c.folded)):
        return True
    i = _first_fitting(ranked, names, ratio)
    if i is not None:
        ranked.insert(0, ranked.pop(i))
    return i is not None


def _first_fitting(ranked: list[Candidate], fits: Callable[[str], bool], ratio: float) -> int | None:
    """The rank of the best runner-up that `fits` and scores at least `ratio` of the best, if any."""
    for i, c in enumerate(ranked[1:], 1):
        if c.score < ratio * ranked[0].score:
            return None
        if fits(c.folded):
            return i
    return None


# Words that give a cause or a purpose: "对方的优势在于更科学的种植方式" answers 原因是什么.
_GIVES_CAUSE = re.compile(
    "因为|由于|因此|所以|为了|原因|缘故|导致|造成|使得|致使|因而|于是|源于|出于|在于|得益于|以便|以免|旨在|目的|是为|因"
)


def _gives_cause(folded_sentence: str) -> bool:
    return _GIVES_CAUSE.search(folded_sentence) is not None


def _quote_also(ranked: list[Candidate], fits: Callable[[str], bool], ratio: float) -> None:
    """Make the best-ranked sentence that `fits` and scores at least `ratio` of the best the runner-up, quoted
    like a tie of the best: a 为什么 answer whose lead restates the question ("…品相和收购价却总矮人一截") also
    quotes the cause the passage gives later ("对方的优势在于更科学的种植方式")."""
    i = _first_fitting(ranked, fits, ratio)
    if i is not None:
        ranked[i].score = max(ranked[i].score, TIED_RATIO * ranked[0].score)
        ranked.insert(1, ranked.pop(i))


# A sentence pointing back at what was said before it: “周末跑工地,问题不过夜!”…这句自勉语格外醒目.
_POINTS_BACK = re.compile(r"这句|这番话|这段话|这一席话|此话|此言|上述")


def _take_referent(ranked: list[Candidate]) -> None:
    """Join to the best sentence the sentence before it when it only points back at it (这句话): what it
    refers to is the answer."""
    best = ranked[0]
    if _POINTS_BACK.search(best.folded):
        _join_neighbour(ranked, lambda c: c.first < best.first)


def _join_neighbour(ranked: list[Candidate], fits: Callable[[Candidate], bool]) -> bool:
    """Join to the best sentence the sentence right after it, or else right before it, that `fits` (the speaker
    of a quote follows it), taking it out of the ranking; whether one was joined."""
    best = ranked[0]
    beside = [c for c in ranked if c.hit_index == best.hit_index and c.first in (best.last + 1, best.first - 1)]
    for c in sorted(beside, key=lambda c: c.first < best.first):
        if fits(c):
            _join(best, c)
            ranked.remove(c)
            return True
    return False


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
    sentences = best.last - best.first + 1  # a speaker may have joined it
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


def _direct(frame: QuestionFrame, folded: str, sentence: str, traditional: bool) -> str:
    """The exact short answer inside the lead quote, in the question's script.

    Taken from the folded quote (folding may drop or widen characters, so its offsets do not fit the display
    text), with its letter case back, then converted to the question's script.
    """
    span = direct_reply(frame, folded)
    cased = fold_for_matching(sentence)
    if span is None or len(cased) != len(folded):
        return ""
    reply = cased[span[0] : span[1]]
    return to_traditional(reply) if traditional else reply


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
    text = to_traditional(NOT_FOUND) if traditional else NOT_FOUND
    return Answer(text=text, citations=[], found=False, related=related[:3])
