"""What a question asks for: the kind of answer (a number, a date, a person, ...), the unit it expects, and the
words around the question word, which an answering sentence repeats around the answer itself.

Pure functions over the folded (simplified, NFKC) question text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import jieba.posseg as pseg

Kind = Literal["number", "date", "person", "place", "reason", "method", "thing"]

# 哪个县, 哪座城市, 哪位: only a named place or person answers (哪里 may be 口中 or 眼下, 谁 a company).
_WHICH_PERSON = r"哪一?位"
_DIVISION = r"哪(?:个|些|几个)(?:省|市|县|区|镇|乡|村|社区|街道|国家|城市|地区)|哪条(?:街道|街|路)|哪座城市|哪国"
# Ordered: the first pattern that matches names the kind ("哪一年" is a date before "哪" is a thing).
_ASKS: tuple[tuple[Kind, str], ...] = (
    ("date", r"什么时候|什么时间|何时|哪一?年|何年|几月几[日号]|几月|哪一?天|几号|哪个年代|什么年代"),
    # 称为什么 / 译为什么 ask a name, 作为什么(用途) a thing: 为 belongs to the verb (but 改名为什么最后改为… asks why).
    ("reason", r"(?<![称叫译封名作成])为什么|(?<=[名作成])为什么(?=.{5})|为何|什么原因|原因是什么|何故"),
    ("method", r"怎么样|怎样|怎么|如何|什么方式|什么办法|什么方法|什么手段"),
    ("person", rf"谁|{_WHICH_PERSON}|什么人"),
    ("place", rf"哪里|哪儿|何地|何处|什么地方|{_DIVISION}|哪(?:个|些|几个)地方"),
    ("number", r"多长时间|多少时间|多少|几(?=[^乎经])|多大|多长|多高|多重|多远|多久|多宽|多深|百分之几"),
    ("thing", r"什么|哪(?:一|些|个|种|家|所|部|款|项|条|类|支|座|本|首|两|三|几)?|何种"),
)
ASKS = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _ASKS))

# Measure words and units a number question names right after 多少/几 ("多少亿元", "几个", "多少名专员").
_UNIT_WORDS = (
    "个百分点|百分点|亿美元|万美元|美元|亿元|万元|千元|元|英镑|欧元|日元|万吨|吨|公斤|千克|克|平方公里|平方千米|平方米|平方英里|万亩|亩|公顷|"
    "公里|千米|公尺|公分|厘米|毫米|英里|英尺|英寸|米|万人次|人次|万人|人|余人|名|位|户|家|个|项|条|座|次|场|批|辆|件|所|台|份|"
    "种|类|期|届|天|小时|分钟|秒|年|岁|个月|月|周|千瓦|兆瓦|瓦|片|部|本|首|枚|架|艘|颗|层|倍|%|度|支|队|只|头|匹|棵|株|间|套|"
    "张|篇|集|季|章|卷|版|代|世纪|页|点|股|尊|朝|字|句|节|站|线|路|号|级|分|票|席|球|局|轮|场次|例|对|双|根|块|口|层楼|"
    "步|趟|册|组|门|幅|粒|光年|海里|英亩|立方米|升|毫升|毫克|微米|纳米|马力|千瓦时|分贝|摄氏度|回|遍|圈|处|班|面|列|"
    "港元|加元|澳元|卢布|韩元|越南盾|马克|法郎"
)
# Longest first: a regex alternation takes the first that fits, and 12个月 must not stop at 个.
UNITS = "|".join(sorted(set(_UNIT_WORDS.split("|")), key=len, reverse=True))
UNIT = re.compile(UNITS)
_QUESTION_TAIL = re.compile(r"[?？!！。.\s]*(?:呢|吗|呀|啊)?[?？!！。.\s]*$")
# Other spellings of 什么: 甚麼 (folded to 甚么) in Hong Kong and Taiwan writing, 啥 in speech (为啥, 啥时候).
_WHAT = re.compile(r"甚么|啥")


@dataclass(frozen=True)
class QuestionFrame:
    """A question taken apart around its question word."""

    text: str  # the folded question, without the trailing question mark and particle
    kind: Kind | None  # what the answer is, None when the question has no question word
    unit: str  # the unit or measure word a number question names ("亿元", "个"), else ""
    left: str  # the question before the question word: an answering sentence repeats its end before the answer
    right: str  # the question after the question word (and its unit): repeated after the answer
    measured: tuple[str, ...] = ()  # for a number question, the words naming what is counted (客运 航线, 总投资)
    loose_unit: bool = False  # no sentence gives the unit: a number written without one may answer (7.2 for 几级)

    @property
    def needs_name(self) -> bool:
        """Whether only a name answers: a country, province, city, county or district (哪个县, not just a where),
        or a person (哪位, while 谁 may be a company)."""
        return (self.kind == "place" and re.search(_DIVISION, self.text) is not None) or (
            self.kind == "person" and re.search(_WHICH_PERSON, self.text) is not None
        )

    @property
    def asks_name(self) -> bool:
        """Whether the answer is someone's name: 谁, or 叫什么名字."""
        return self.kind == "person" or (self.kind == "thing" and self.right == "名字")


def analyse(folded_question: str) -> QuestionFrame:
    """Take the question apart at its first question word."""
    text = _WHAT.sub("什么", _QUESTION_TAIL.sub("", folded_question))
    match = ASKS.search(text)
    if match is None:
        return QuestionFrame(text=text, kind=None, unit="", left=text, right="")
    kind: Kind = match.lastgroup  # type: ignore[assignment]
    end = match.end()
    unit = ""
    if kind == "number":
        unit_match = UNIT.match(text, end)
        if unit_match and not _starts_longer_word(text[end:], unit_match.group()):
            unit = unit_match.group()
            end = unit_match.end()
        elif text.startswith("钱", end):
            unit, end = "元", end + 1  # 多少钱 asks for an amount of money
    elif kind == "thing" and match.group().startswith("哪"):
        # 哪两个公司 / 哪一历史事件: the measure word and noun after 哪 belong to the question word, not the context
        # (but in 哪个项目, 项 starts the noun).
        end += len(re.match(r"[一两三四五六七八九十几]?", text[end:]).group())
        measure = re.match(r"[个位家种所部项条类支座本首]?", text[end:]).group()
        if measure and not _starts_longer_word(text[end:], measure):
            end += 1
    left = text[: match.start()]
    measured = _measured(left, text[end:] if unit else "") if kind == "number" else ()
    return QuestionFrame(text=text, kind=kind, unit=unit, left=left, right=text[end:], measured=measured)


def _starts_longer_word(text: str, unit: str) -> bool:
    """Whether the unit is only the start of a noun (多少人口: 人口 is what is counted, not 人)."""
    first = next(iter(pseg.cut(text[:6], HMM=False)), None)
    return first is not None and len(first.word) > len(unit) and first.word.startswith(unit) and first.flag == "n"


# Words between what is counted and 多少 that say nothing about it ("总投资[是]多少", "航线[一共有]多少").
_LINKING = frozenset(
    "是 有 为 的 达 约 共 一共 总共 大约 大概 预计 累计 了 要 能 可 可以 将 会 需要 需 达到 到 在 就".split()
)


# Nouns that name a figure, not what it counts: 整车产量的目标, 企业的数量.
_META = frozenset("目标 数量 总数 数目 数字 数额 规模 水平 预期 预计 计划 任务 指标".split())


def _measured(left: str, after_unit: str = "") -> tuple[str, ...]:
    """The nouns naming what a number question counts: the noun right after its unit (多少家[企业]参会), else
    those just before the question word (linking words between) and after the last 的 (灰凤冠雉的[体长]: the bird
    is what the question is about, not what it counts; 首场招聘会有多少家企业: the fair is where they came).

    Only nouns, at most two (客运 航线), and a place word before them (国内 货邮 吞吐量): verbs are paraphrased
    freely (涨 for 增长, 引来 for 引进), nouns of quantities rarely are.
    """
    counted = next(iter(pseg.cut(after_unit, HMM=False)), None)
    if counted is not None and len(counted.word) >= 2 and counted.flag == "n":
        return (counted.word,)
    head, _, tail = left.rpartition("的")
    if head and all(w.word in _META or w.word in _LINKING for w in pseg.lcut(tail)):
        tail = head  # 整车产量的[目标]是多少: the target is of the output, which is what is counted
    words = [w for w in pseg.lcut(tail) if w.word not in _LINKING and re.search(r"\w", w.word)]
    nouns: list[str] = []
    for word in reversed(words[-2:]):
        # A verbal noun counts only next to the question word (总投资多少), not before another noun (生活 水深);
        # a name is never what is counted (jieba tags the verb 拉高 as one; 王江泾 镇内 is where), nor is a
        # one-character noun (连载完结[时]).
        if (
            word.flag.startswith(("nr", "ns", "nt", "nz"))
            or len(word.word) < 2
            or not (word.flag.startswith("n") or word.flag == "eng" or (word.flag == "vn" and not nouns))
        ):
            break
        nouns.insert(0, word.word)
    before = words[-len(nouns) - 1] if nouns and len(words) > len(nouns) else None
    if before is not None and before.flag == "s" and len(before.word) == 2:
        nouns.insert(0, before.word)  # 国内 货邮 吞吐量: where it is counted is part of what is counted (not 国际)
    return tuple(nouns)
