"""What an answering sentence should hold, read once from the question: its words weighted by rarity, and the
numbers and names it is about. Whether a sentence states the asked fact is the reader's judgement (reader.py).

Pure functions over folded text; the corpus's word weights (`idf`) are passed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import jieba.posseg as pseg

from ..store.keyword import tokenize
from ..text.normalize import fold_for_matching

# Words that say what is asked rather than what it is about; they carry no evidence.
QUESTION_WORDS = frozenset(
    (
        "多少 几 几个 什么 哪 哪里 哪个 哪些 哪儿 哪一 谁 如何 怎么 怎样 为什么 为何 何时 何地 什么时候 "
        "啥 么 甚么 是 的 了 吗 呢 有 在 和 与 及 对 把 被 为 个 请问 一下 简述"
    ).split()
)
# A token starting so is a question word with its measure word or noun (哪位, 哪一年, 几个月, 多少亿): it asks.
_ASKING = ("哪", "几", "多少", "什么", "甚么")
WHEN_SHARE = 0.5  # weight of the words of a leading 时 clause: they set the scene, the rest asks


@dataclass(frozen=True)
class Asked:
    """The question, read once: the words an answering sentence should hold and what it is about."""

    terms: dict[str, float]  # the question's evidence words, weighted by rarity
    numbers: list[str]  # a passage must hold them (years)
    names: list[str]  # places, organisations, people: a passage lacking one is marked down


def read_question(question: str, idf: Callable[[str], float]) -> Asked:
    """The question read once: the words an answering sentence should hold, weighted by `idf`."""
    folded = fold_for_matching(question)
    numbers, names = _entities(folded)
    return Asked(
        terms=_context_halved(evidence_terms(folded.lower(), idf), folded.lower()), numbers=numbers, names=names
    )


def evidence_terms(folded_question: str, idf: Callable[[str], float]) -> dict[str, float]:
    """Question tokens that an answer should contain, weighted by how rare they are in the corpus."""
    terms = {}
    for token in tokenize(folded_question):
        token = _unglued(token, idf)
        if token not in QUESTION_WORDS and not token.startswith(_ASKING):
            terms[token] = idf(token)
    return terms


_WHEN_CLAUSE = re.compile(r"^(.+?(?:时|的时候|之际|期间))[,，]")


def _context_halved(terms: dict[str, float], folded_question: str) -> dict[str, float]:
    """The words of a leading 时 clause (卡在验收环节时, 是谁主动请缨) at half weight: they say when, the rest what."""
    match = _WHEN_CLAUSE.match(folded_question)
    if not match:
        return terms
    rest = folded_question[match.end() :]
    return {t: w * WHEN_SHARE if t in match.group(1) and t not in rest else w for t, w in terms.items()}


def _unglued(token: str, idf: Callable[[str], float]) -> str:
    """The token without a verb jieba glued to an unknown name (潘淑是, 钟惺有, 衡在), when the corpus knows it so:
    glued, it is a word no passage has, weighed as the rarest of all."""
    if len(token) >= 2 and token[-1] in "是有在为以会" and idf(token[:-1]) < idf(token):
        return token[:-1]
    return token


def whole_match(words: str, text: str) -> re.Match[str] | None:
    """Where `words` stand in `text` verbatim, a number as a whole number: 18 is not in 2018, 180 or 1.8."""
    before = r"(?<!\d)(?<!\d\.)" if words[0].isdigit() else ""
    after = r"(?!\.?\d)" if words[-1].isdigit() else ""
    return re.search(before + re.escape(words) + after, text)


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
