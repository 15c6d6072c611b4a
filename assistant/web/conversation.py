"""Follow-up questions: rewrite 它 / 这个项目 / 那里 against the previous question before retrieval.

Retrieval sees one question at a time, so "它的增速是多少？" after "赤壁市预计全年GDP是多少？" must become
"赤壁市的增速是多少？". Without a generative model the rewrite is lexical: find the topic of the previous
question (its first run of nouns, preferring one with a place or organisation name) and put it in place of the
pronoun. A question with no pronoun and no follow-up cue is returned unchanged.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import jieba
import jieba.posseg

from ..text.normalize import to_simplified

jieba.setLogLevel(logging.WARNING)

# Pronouns that stand for the previous topic as a whole.
_STANDALONE = frozenset(["它", "它们", "他们", "她们", "那里", "那儿", "这里", "这儿", "当地", "该地", "那边", "这边"])
# Demonstratives that point back when followed by a noun: 这个项目, 该市, 那家企业.
_DEMONSTRATIVE = {
    "这个",
    "那个",
    "这家",
    "那家",
    "这座",
    "那座",
    "这项",
    "那项",
    "这些",
    "那些",
    "该",
    "此",
    "这",
    "那",
}
_LEADING_CUES = ("那么", "那", "还有", "另外")  # "那进出口额呢？" continues the previous topic
_NAME_FLAGS = {"ns", "nt", "nz", "nr", "nrt", "nrfg"}
_PLACE_FLAGS = {"ns", "nt"}  # places and organisations; jieba's person names are too often wrong
_ASKS_FOR_ENTITY = ("哪个", "哪家", "哪座", "哪里", "哪些", "谁", "什么地方")


@dataclass(frozen=True)
class Exchange:
    """The previous turn, as far as resolving a follow-up needs it."""

    question: str  # the question as it was finally asked (itself resolved)
    direct: str = ""  # the short exact reply, if any


def topic_of(text: str) -> str:
    """The main noun phrase of a question: the first run of nouns holding a name, else the first run."""
    runs: list[tuple[str, bool]] = []
    words: list[str] = []
    named = False
    for word, flag in _tagged(text):
        if flag.startswith("n") or flag == "j":
            words.append(word)
            named = named or flag in _NAME_FLAGS
            continue
        if words:
            runs.append(("".join(words), named))
        words, named = [], False
    if words:
        runs.append(("".join(words), named))
    runs = [(phrase, has_name) for phrase, has_name in runs if len(phrase) >= 2]
    for phrase, has_name in runs:
        if has_name:
            return phrase
    return runs[0][0] if runs else ""


def resolve_followup(question: str, previous: Exchange | None) -> str:
    """The question with references to the previous turn spelled out; unchanged when there are none."""
    question = question.strip()
    if previous is None:
        return question
    topic = _previous_topic(previous)
    if not topic:
        return question
    tagged = _tagged(question)
    for i, (word, _flag) in enumerate(tagged):
        if word in _STANDALONE:
            return _splice(tagged, i, i + 1, topic)
        if word in _DEMONSTRATIVE and i + 1 < len(tagged) and tagged[i + 1][1].startswith("n"):
            noun = tagged[i + 1][0]
            replacement = topic if noun in topic else topic + noun
            return _splice(tagged, i, i + 2, replacement)
    if _continues_topic(question) and not any(flag in _NAME_FLAGS for _w, flag in tagged):
        rest = question
        for cue in _LEADING_CUES:
            if rest.startswith(cue):
                rest = rest[len(cue) :]
                break
        return f"{topic}{rest}"
    return question


def _previous_topic(previous: Exchange) -> str:
    # "哪个机场…？" is answered by a name; that name, not the word 机场, is what "它" then means.
    direct = previous.direct.strip()
    if direct and any(w in previous.question for w in _ASKS_FOR_ENTITY) and not direct[0].isdigit():
        return direct
    return topic_of(previous.question)


def _continues_topic(question: str) -> bool:
    core = question.rstrip("?？。!！ ")
    return core.endswith("呢") or question.startswith(_LEADING_CUES)


def _splice(tagged: list[tuple[str, str]], start: int, end: int, replacement: str) -> str:
    return "".join(w for w, _ in tagged[:start]) + replacement + "".join(w for w, _ in tagged[end:])


def _tagged(text: str) -> list[tuple[str, str]]:
    """(word, part-of-speech) pairs in the text's own script; tagging runs on the simplified form."""
    simplified = to_simplified(text)
    pairs = [(p.word, p.flag) for p in jieba.posseg.cut(simplified)]
    if len(simplified) != len(text):  # a phrase conversion changed the length: keep the simplified words
        return pairs
    out, at = [], 0
    for word, flag in pairs:
        out.append((text[at : at + len(word)], flag))
        at += len(word)
    return out


# A stated quantity with its unit: 111条, 622亿元, 6.5万亩, 138%.
_QUANTITY = re.compile(
    r"\d+(?:\.\d+)?(?:余|多)?(?:万|亿)?(?:亿元|万元|元|条|个|家|名|人次|人|项|场|户|万吨|吨|万亩|亩|平方公里|平方米|公里|辆|款|%)"
)
_CLAUSE = re.compile(r"[^。！？；，,;!?\n]+")
_MAX_QUESTION_CLAUSE = 32


def questions_from_text(text: str) -> list[tuple[str, str]]:
    """(question, expected answer) pairs from clauses stating one quantity about a named place or organisation.

    "鄂州花湖国际机场累计开通货运航线111条" gives ("鄂州花湖国际机场累计开通货运航线多少条？", "111条").
    Clauses that open with their name come first: they read as natural questions.
    """
    found = []
    for clause in _CLAUSE.findall(text):
        clause = clause.strip()
        simplified = to_simplified(clause)  # units are matched in simplified script (億元 -> 亿元)
        quantities = list(_QUANTITY.finditer(simplified))
        if len(quantities) != 1 or len(clause) > _MAX_QUESTION_CLAUSE or len(simplified) != len(clause):
            continue
        if clause.count("“") != clause.count("”"):
            continue
        start, end = quantities[0].span()
        names = [i for i, (word, flag) in enumerate(_tagged(clause[:start])) if flag in _PLACE_FLAGS and len(word) >= 2]
        if not names:
            continue
        number_end = start + re.match(r"\d+(?:\.\d+)?(?:余|多)?", simplified[start:]).end()
        question = f"{clause[:start]}多少{clause[number_end:]}？"
        found.append((names[0] != 0, len(clause), question, clause[start:end]))
    return [(question, value) for _late, _size, question, value in sorted(found)]
