"""Extractive answers: the sentences of the retrieved passages that best answer the question, cited.

No generative model is needed: every sentence of an answer is a verbatim sentence of a cited passage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import jieba.posseg as pseg

from .chunking import sentence_spans
from .extraction import NAMING, direct_reply, values
from .keyword import tokenize
from .normalize import fold_for_matching, is_traditional, to_traditional
from .question import QuestionFrame, analyse
from .results import Answer, Citation, Hit

# Words that say what is asked rather than what it is about; they carry no evidence.
QUESTION_WORDS = frozenset(
    (
        "多少 几 几个 什么 哪 哪里 哪个 哪些 哪儿 哪一 谁 如何 怎么 怎样 为什么 为何 何时 何地 什么时候 "
        "啥 么 是 的 了 吗 呢 有 在 和 与 及 对 把 被 为 个 请问 一下 简述"
    ).split()
)


@dataclass(frozen=True)
class _Wording:
    """Something questions ask about in words that answering sentences rarely repeat: when `asks` matches the
    question, its `words` count as held by a sentence that `says` matches."""

    asks: re.Pattern[str]
    words: frozenset[str]
    says: re.Pattern[str]


_WORDINGS = (
    # Another name: 又叫什么, 原名是什么, 还可以叫什么 -- answered by 又名, 俗称, 学名 (not by 叫声).
    _Wording(
        re.compile(r"又叫|又称|还叫|也叫|可以叫|被叫|别名|别称|俗称|俗名|简称|全称|原名|本名|原来的名字|本来的名字"),
        frozenset(
            "又 叫 还 也 可以 被 称 名 名字 原来 本来 又叫 又称 也叫 别名 别称 俗称 俗名 简称 全称 原名 本名".split()
        ),
        NAMING,
    ),
    # Food: 以什么为食, 吃什么, 食物是什么 -- answered by 为食, 为生, 吃, 啃食, 捕食.
    _Wording(
        re.compile(r"为食|吃什么|食物|食性|主食|为生"),
        frozenset("为食 吃 食物 食性 主食 为生".split()),
        re.compile(r"为食|为生|吃|[啃捕摄觅猎取嗜]食|食物|食性|主食"),
    ),
    # Death: 去世, 死 -- answered by 卒, 逝世, 病逝, 殁, 遇害.
    _Wording(
        re.compile(r"去世|逝世|病逝|死"),
        frozenset("去世 逝世 病逝 死 死亡".split()),
        re.compile(r"卒|逝世|去世|病逝|病故|死|殁|薨|崩|遇害|被杀|身故|过世|亡"),
    ),
)
YEAR = re.compile(r"(?<!\d)(?:1[0-9]|20)\d{2}(?=年)")

MAX_SENTENCES = 3
MIN_FOCUS = 0.3  # share of the question's own evidence (beyond the article's topic) the best sentence must hold
NEIGHBOUR_CREDIT = 0.5  # weight of a question word found in the next or previous sentence rather than in this one
PASSAGE_CREDIT = 0.25  # ... found elsewhere in the passage
PART_CREDIT = 0.5  # ... found nowhere, but its first or last two characters are in this sentence
DIRECT_MIN_FOCUS = 0.65  # a short reply stated on its own needs a sentence that clearly answers the question
NAMED_RATIO = 0.9  # a 谁 (哪里) question takes a sentence naming someone (a place) over one scoring up to 10% more
RUNNER_UP_RATIO = 0.8  # a further sentence must score this share of the best one
SAME_PASSAGE_RATIO = 0.85  # ... and this share when it comes from a passage already quoted, next to the quote
TIED_RATIO = 0.95  # ... and this share when it is elsewhere in that passage (quoted on its own)
TOPIC_SHARE = 0.5  # weight in the focus of question words the headline holds: a question on the topic alone passes
WHEN_SHARE = 0.5  # weight of the words of a leading 时 clause: they set the scene, the rest asks
MISSING_NAME_FACTOR = 0.6  # per name of the question (a place, a person) the passage lacks
RANK_PRIOR = 0.05  # ties go to the better-ranked passage
NOT_FOUND = "现有文章中没有找到与这个问题相关的内容。"


@dataclass
class _Candidate:
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
    asked = _read(question, idf)

    def scored(asked: _Asked) -> list[_Candidate]:
        return [c for i, hit in enumerate(hits) for c in _score_sentences(i, hit, asked)]

    candidates = scored(asked)
    if not candidates and asked.frame.unit:
        # No sentence gives the unit asked: a number written without one may answer (几级 asked, 规模为7.2; 多少米,
        # 40km), but not one in another Chinese unit (多少吨 asked, 6.5万亩 given).
        asked = replace(asked, frame=replace(asked.frame, loose_unit=True))
        candidates = scored(asked)
    frame = asked.frame
    candidates.sort(key=lambda c: -c.score)
    traditional = is_traditional(question)
    if not candidates or candidates[0].focus < min_focus:
        return _refusal(hits, traditional)
    if frame.kind == "person":
        _lead_with(candidates, _names_someone)
    elif frame.kind == "place":
        _lead_with(candidates, lambda folded: _names_place(frame, folded))
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


@dataclass(frozen=True)
class _Asked:
    """The question, read once: the words an answering sentence should hold and what rules a sentence out."""

    frame: QuestionFrame
    terms: dict[str, float]  # the question's evidence words, weighted by rarity
    numbers: list[str]  # a passage must hold them (years)
    names: list[str]  # places, organisations, people: a passage lacking one is marked down
    years: frozenset[str]  # a sentence giving only other years gives another year's figure
    office: _Office | None  # 书记是谁: the office whose holder is asked for
    superlative: bool  # 岗位最多: a sentence must rank
    opposites: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]  # (开工, 竣工): an event asked and its opposite
    wordings: tuple[_Wording, ...]  # things asked in words answers rarely repeat (吃什么 / 为食)


def _read(question: str, idf: Callable[[str], float]) -> _Asked:
    folded_question = fold_for_matching(question)
    frame = analyse(folded_question.lower())
    numbers, names = _entities(folded_question)
    return _Asked(
        frame=frame,
        terms=_context_halved(_evidence_terms(f"{frame.left} {frame.right}", idf), frame),
        numbers=numbers,
        names=names,
        years=frozenset(YEAR.findall(frame.text)),
        office=_office_asked(frame),
        superlative=bool(_SUPERLATIVE.search(frame.text)),
        opposites=tuple((asked, opposite) for asked, opposite in _OPPOSITES if asked.search(frame.text)),
        wordings=tuple(w for w in _WORDINGS if w.asks.search(frame.text)),
    )


def _evidence_terms(folded_question: str, idf: Callable[[str], float]) -> dict[str, float]:
    """Question tokens that an answer should contain, weighted by how rare they are in the corpus."""
    terms = {}
    for token in tokenize(folded_question):
        token = _unglued(token, idf)
        if token not in QUESTION_WORDS:
            terms[token] = idf(token)
    return terms


_WHEN_CLAUSE = re.compile(r"^(.+?(?:时|的时候|之际|期间))[,，]")


def _context_halved(terms: dict[str, float], frame: QuestionFrame) -> dict[str, float]:
    """The words of a leading 时 clause (卡在验收环节时, 是谁主动请缨) at half weight: they say when, the rest what."""
    match = _WHEN_CLAUSE.match(frame.left)
    if not match:
        return terms
    rest = frame.text[match.end() :]
    return {t: w * WHEN_SHARE if t in match.group(1) and t not in rest else w for t, w in terms.items()}


def _unglued(token: str, idf: Callable[[str], float]) -> str:
    """The token without a verb jieba glued to an unknown name (潘淑是, 钟惺有, 衡在), when the corpus knows it so:
    glued, it is a word no passage has, weighed as the rarest of all."""
    if len(token) >= 2 and token[-1] in "是有在为以会" and idf(token[:-1]) < idf(token):
        return token[:-1]
    return token


def _lowered(text: str) -> str:
    """The form question tokens are looked up in: folded like the index, lower-cased like the tokens."""
    return fold_for_matching(text).lower()


def _entities(folded_question: str) -> tuple[list[str], list[str]]:
    """Numbers (years) and names (places, organisations, people) in the question; an answer must be about them.

    A number must be in the passage. A name only weighs: jieba's tags are not reliable enough to refuse on
    (新春 and 城市 come tagged as places).
    """
    numbers = re.findall(r"\d+(?:\.\d+)?", folded_question)
    names = []
    for word in pseg.cut(folded_question, HMM=False):
        if word.flag in {"ns", "nt", "nr", "nz"} and len(word.word) >= 2:
            # 赤壁市 should match a passage that says 赤壁: drop an administrative suffix.
            names.append(re.sub(r"(?<=..)(省|市|县|区|镇|乡|村)$", "", word.word).lower())
    return numbers, names


def _missing(folded_text: str, names: list[str]) -> int:
    return sum(name not in folded_text for name in names)


def _score_sentences(hit_index: int, hit: Hit, asked: _Asked) -> list[_Candidate]:
    """Each sentence that could answer the question, with its share of the question's evidence.

    A passage must hold the question's numbers (years). A number or date question is answered only by a sentence
    that gives one (in the asked unit), a number only by one that names what is counted (客运航线, not 货运航线)
    unless the headline does, and not by one that only measures something against the place asked about (领跑咸宁).
    Who holds an office (书记是谁) is told only by a sentence naming the office and the body it belongs to, not a
    deputy's; a superlative (最多) only by a sentence that ranks; an event (开工) not by a sentence that tells only of
    its opposite (竣工). (A 谁 or 哪里 question's preference for a sentence naming someone or a place is applied to
    the ranked sentences: _lead_with.)

    Words of the headline hold for every sentence of the article (the topic: 榅桲 in "榅桲的果实有什么特点"), so
    sentences are told apart by the question's other words, its focus (果实, 特点). A focus word found only in a
    neighbouring sentence counts half (the answer often follows the sentence that names its subject). Each name of
    the question that the passage lacks (上海 asked, 赤壁 given) takes a share off.
    """
    frame, terms, names = asked.frame, asked.terms, asked.names
    about = _lowered(hit.title + hit.text)
    if _missing(about, asked.numbers):
        return []
    penalty = MISSING_NAME_FACTOR ** _missing(about, names)
    title = _lowered(hit.title)
    topic = {t for t in terms if t in title}
    focus_terms = {t: w for t, w in terms.items() if t not in topic}
    topic_weight = TOPIC_SHARE * sum(w for t, w in terms.items() if t in topic)
    total_all = sum(terms.values()) or 1.0
    total_focus = sum(focus_terms.values()) + topic_weight or 1.0
    passage = _without_deputies(_lowered(hit.text), terms, frame.text)
    spans = [(a, b) for a, b in sentence_spans(hit.text) if b - a >= 4]
    folded = [_lowered(hit.text[a:b]) for a, b in spans]
    checked = [_without_deputies(text, terms, frame.text) for text in folded]
    out = []
    for j, (start, end) in enumerate(spans):
        here = folded[j]
        if asked.years and _other_year_only(here, asked.years):
            continue  # the sentence gives the figure for another year
        if not _may_answer(frame, here, title):
            continue
        if asked.superlative and not _STATES_RANK.search(here):
            continue  # 岗位最多的是哪家企业: a sentence ranking nothing does not say which has the most
        if any(opposite.search(here) and not event.search(here) for event, opposite in asked.opposites):
            continue  # 哪一年开工 asked, "于2025年11月23日通过竣工验收": the end of the work, not its start
        if asked.office and not asked.office.told_by(checked[j], title):
            continue  # 赤壁市委书记是谁: a sentence naming no 书记 (or a 副书记, or another body's) does not say
        if frame.kind == "number" and _compared_only(here, names, title):
            continue  # 咸宁 asked, "GDP622亿元,…领跑咸宁": the figure is another subject's, measured against it
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
        out.append(_Candidate(hit_index, start, end, j, j, here, score, penalty * focus))
    return out


_OFFICE = re.compile(
    r"(?:书记|局长|处长|科长|部长|厅长|省长|市长|县长|区长|镇长|乡长|村长|主任|主席|经理|董事长|总裁|院长|校长|会长|"
    r"队长|站长|所长|社长|行长|负责人)$"
)


@dataclass(frozen=True)
class _Office:
    """An office whose holder a question asks for: 赤壁市委[书记]是谁, 政数局[局长]叫什么名字."""

    title: str  # 书记
    body: str  # who has it, the last noun before it (市委, 事业部; 汽车, not 现在, in 岚图汽车现在的), or ""

    def told_by(self, folded_sentence: str, folded_title: str) -> bool:
        """Whether the sentence names the office, and the body there or in the headline (a school's article)."""
        return self.title in folded_sentence and self.body in folded_sentence + folded_title


def _office_asked(frame: QuestionFrame) -> _Office | None:
    if frame.asks_name:
        left = re.sub(r"(?:是|叫|名叫|的)+$", "", re.sub(r"\([^()]*\)", "", frame.left))  # 总经理(ceo): a gloss
        match = _OFFICE.search(left)
        if match:
            words = pseg.cut(left[: match.start()], HMM=False)
            nouns = [w.word for w in words if len(w.word) >= 2 and w.flag[0] in "njx"]
            return _Office(match.group(), nouns[-1] if nouns else "")
    return None


# A superlative asked (岗位最多, 最长可以录制多久) is told only by a sentence that ranks or states a maximum.
_SUPERLATIVE = re.compile(r"最(?:多|大|高|小|少|长|短|低|快|慢|重|轻|强|弱|深|浅|宽|窄|广|厚|薄)")
_STATES_RANK = re.compile(r"最|[长高多宽深重远大]达|至多|第一|之首|居首|首位|榜首|冠军|之冠|首屈|领先|居前")
# Events (and flows) and their opposites: a sentence telling only of the opposite one (竣工 for 开工, 出生 for 去世,
# 进出口 for 进口) does not answer for the one asked.
_OPPOSITE_WORDS = (
    ("开工|动工|开建|奠基|始建|开始建设|开始施工", "竣工|完工|建成|落成|交付|通车|投用|验收"),
    ("出生|诞生|生于", "去世|逝世|病逝|死|卒|殁"),
    ("上任|就任|接任|出任", "卸任|离任|辞职|辞任|去职"),
    ("成立|创立|创办|建立|组建", "解散|撤销|倒闭|撤并"),
    ("开幕|开始", "闭幕|结束"),
    ("进口", "出口"),
)
_OPPOSITES = tuple(
    (re.compile(a), re.compile(b)) for first, second in _OPPOSITE_WORDS for a, b in ((first, second), (second, first))
)

_COMPARED = re.compile(r"(?:领跑|领先|超过|超越|高于|低于|多于|少于|位居|占)$")


def _compared_only(folded_sentence: str, names: list[str], folded_title: str) -> bool:
    """Whether a name the question asks about (and the headline does not give) is in the sentence only as what
    something else is measured against: 领跑咸宁, 高于全省, 占全市."""
    for name in names:
        if name in folded_title or name not in folded_sentence:
            continue
        starts = [m.start() for m in re.finditer(re.escape(name), folded_sentence)]
        if all(_COMPARED.search(folded_sentence[max(0, at - 2) : at]) for at in starts):
            return True
    return False


def _without_deputies(folded_text: str, terms: dict[str, float], folded_question: str) -> str:
    """The text with its deputies' titles cut short: 副书记 does not answer for 书记 (nor 副总经理 for 总经理),
    unless the question asks for a deputy."""
    for term in terms:
        deputy = "副" + term
        if deputy in folded_text and deputy not in folded_question:
            folded_text = folded_text.replace(deputy, "副")
    return folded_text


def _in_part(term: str, folded_sentence: str) -> bool:
    """Whether the sentence holds the first or last two characters of a long word: jieba joins words a passage
    writes apart or spells otherwise (王连字 for 王连,字; 赛斯纳 where the passage has 塞斯纳)."""
    return len(term) >= 3 and not term.isascii() and (term[:2] in folded_sentence or term[-2:] in folded_sentence)


def _may_answer(frame: QuestionFrame, folded_sentence: str, folded_title: str) -> bool:
    spans = values(frame, folded_sentence)
    if frame.kind in ("number", "date") and not spans:
        return False
    return _names_measured(frame.measured, folded_sentence, folded_title, spans)


def _names_measured(
    measured: tuple[str, ...], folded_sentence: str, folded_title: str, value_spans: list[tuple[int, int]]
) -> bool:
    """Whether the sentence (or the headline) names what the question counts: each modifier in full (客运 is not
    货运), the head noun in full or in part right beside a value (体长 given as 长91厘米, 平均分 as 平均得分41.5分)."""
    if not measured:
        return True
    *modifiers, head = measured
    text = folded_sentence + folded_title
    if not all(word in text for word in modifiers):
        return False
    beside = "".join(folded_sentence[max(0, a - 2) : a] + folded_sentence[b : b + 2] for a, b in value_spans)
    return head in text or any(ch in beside for ch in head)


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


def _other_year_only(folded_sentence: str, question_years: frozenset[str]) -> bool:
    years = set(YEAR.findall(folded_sentence))
    return bool(years) and not years & question_years


def _names_place(frame: QuestionFrame, folded_sentence: str) -> bool:
    """Whether the sentence names a place: one where the question word stands, or any jieba tags as a place."""
    return direct_reply(frame, folded_sentence) is not None or any(
        w.flag == "ns" for w in pseg.cut(folded_sentence, HMM=True)
    )


def _lead_with(ranked: list[_Candidate], names: Callable[[str], bool]) -> None:
    """Make the best sentence name what the question asks for (someone for 谁, a place for 哪里), where the hits
    allow: join to it the sentence right after or before it that does (a quote's speaker: "…的加速器。”张永伟表示;
    a caption's next line: "…技术核心。发往意大利的…"), or else put first a nearly as good sentence that does.

    A sentence naming none still answers when neither exists: 谁 is also answered by a company, a people or a
    name jieba does not know (三月MOUSE), 哪里 by a place jieba does not know. Names are tagged (jieba's HMM,
    milliseconds a sentence) only on the sentences this looks at.
    """
    best = ranked[0]
    if names(best.folded):
        return
    beside = [c for c in ranked if c.hit_index == best.hit_index and c.first in (best.last + 1, best.first - 1)]
    for c in sorted(beside, key=lambda c: c.first < best.first):  # the sentence after first: the speaker follows
        if names(c.folded):
            _join(best, c)
            ranked.remove(c)
            return
    for i, c in enumerate(ranked[1:], 1):
        if c.score < NAMED_RATIO * best.score:
            break
        if names(c.folded):
            ranked.insert(0, ranked.pop(i))
            return


# A sentence pointing back at what was said before it: “周末跑工地,问题不过夜!”…这句自勉语格外醒目.
_POINTS_BACK = re.compile(r"这句|这番话|这段话|这一席话|此话|此言|上述")


def _take_referent(ranked: list[_Candidate]) -> None:
    """Join to the best sentence the sentence before it when it only points back at it (这句话): what it
    refers to is the answer."""
    best = ranked[0]
    if not _POINTS_BACK.search(best.folded):
        return
    before = next((c for c in ranked if c.hit_index == best.hit_index and c.last == best.first - 1), None)
    if before is not None:
        _join(best, before)
        ranked.remove(before)


def _join(chosen: _Candidate, neighbour: _Candidate) -> None:
    """Widen a chosen sentence to take in the sentence right before or after it, quoted as one excerpt."""
    if neighbour.first < chosen.first:
        chosen.start, chosen.first, chosen.folded = neighbour.start, neighbour.first, neighbour.folded + chosen.folded
    else:
        chosen.end, chosen.last, chosen.folded = neighbour.end, neighbour.last, chosen.folded + neighbour.folded


def _choose(best: _Candidate, others: list[_Candidate]) -> list[_Candidate]:
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


def _refusal(hits: list[Hit], traditional: bool) -> Answer:
    related = []
    seen = set()
    for hit in hits:
        if (hit.source, hit.title) not in seen:
            seen.add((hit.source, hit.title))
            related.append(hit)
    text = to_traditional(NOT_FOUND) if traditional else NOT_FOUND
    return Answer(text=text, citations=[], found=False, related=related[:3])
