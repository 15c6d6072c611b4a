"""What an answering sentence must hold, read once from the question: its words weighted by rarity, the names and
years it is about, and what it asks that only some sentences can tell: who holds an office, which ranks first, an
event rather than its opposite, a figure for the year asked.

Pure functions over folded text; the corpus's word weights (`idf`) are passed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import jieba.posseg as pseg

from ..store.keyword import tokenize
from ..text.normalize import fold_for_matching
from .extraction import NAMING, values
from .question import QuestionFrame, analyse

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
WHEN_SHARE = 0.5  # weight of the words of a leading 时 clause: they set the scene, the rest asks


@dataclass(frozen=True)
class Asked:
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

    def rules_out(self, folded_sentence: str, folded_title: str) -> bool:
        """Whether the sentence cannot answer, whatever words it holds.

        A number or date question is answered only by a sentence that gives one (in the asked unit, with its year
        when 哪一年 is asked), a number only by one that names what is counted (客运航线, not 货运航线) unless the
        headline does, and not by one that only measures something against the place asked about (领跑咸宁). Who
        holds an office (书记是谁) is told only by a sentence naming the office and the body it belongs to, not a
        deputy's; a superlative (最多) only by a sentence that ranks; an event (开工) not by a sentence that tells
        only of its opposite (竣工); a figure asked for one year not by a sentence giving only other years.
        """
        frame, here = self.frame, folded_sentence
        return bool(
            (self.years and _other_year_only(here, self.years))
            or not _may_answer(frame, here, folded_title)
            # 岗位最多的是哪家企业: a sentence ranking nothing does not say which has the most
            or (self.superlative and not _STATES_RANK.search(here))
            # 哪一年开工 asked, "于2025年11月23日通过竣工验收": the end of the work, not its start
            or any(opposite.search(here) and not event.search(here) for event, opposite in self.opposites)
            # 赤壁市委书记是谁: a sentence naming no 书记 (or a 副书记, or another body's) does not say
            or (self.office is not None and not self.office.told_by(self.without_deputies(here), folded_title))
            # 咸宁 asked, "GDP622亿元,…领跑咸宁": the figure is another subject's, measured against it
            or (frame.kind == "number" and _compared_only(here, self.names, folded_title))
        )

    def without_deputies(self, folded_text: str) -> str:
        """The text with its deputies' titles cut short: 副书记 does not answer for 书记 (nor 副总经理 for 总经理),
        unless the question asks for a deputy."""
        for term in self.terms:
            deputy = "副" + term
            if deputy in folded_text and deputy not in self.frame.text:
                folded_text = folded_text.replace(deputy, "副")
        return folded_text


def read_question(question: str, idf: Callable[[str], float]) -> Asked:
    """The question read once: the words an answering sentence should hold, weighted by `idf`, and its rules."""
    folded_question = fold_for_matching(question)
    frame = analyse(folded_question.lower())
    numbers, names = _entities(folded_question)
    return Asked(
        frame=frame,
        terms=_context_halved(evidence_terms(f"{frame.left} {frame.right}", idf), frame),
        numbers=numbers,
        names=names,
        years=frozenset(YEAR.findall(frame.text)),
        office=_office_asked(frame),
        superlative=bool(_SUPERLATIVE.search(frame.text)),
        opposites=tuple((asked, opposite) for asked, opposite in _OPPOSITES if asked.search(frame.text)),
        wordings=tuple(w for w in _WORDINGS if w.asks.search(frame.text)),
    )


def evidence_terms(folded_question: str, idf: Callable[[str], float]) -> dict[str, float]:
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


def _other_year_only(folded_sentence: str, question_years: frozenset[str]) -> bool:
    years = set(YEAR.findall(folded_sentence))
    return bool(years) and not years & question_years
