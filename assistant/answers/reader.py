"""The reader: a language model that decides which retrieved sentence states the asked fact.

Shared words cannot tell a sentence that states the asked fact from a near miss about the same subject (客运 asked,
货运 given; the project named, its site not). The reader asks a small instruction-tuned model one yes/no question
per candidate sentence and reads p(是) from the first token's log-probabilities. For a question a word or number
answers, a sentence it says 是 to is read a second time: the model is asked to copy the answer from it, and a
sentence it copies none from verbatim is not accepted. Candidates come best first from the fast sentence scoring
(answering.sentence_candidates); the first one the reader accepts leads the answer, its copied words the short bold
reply, and when none is accepted the answer is a refusal. When the model cannot be reached in time the best-ranked
sentences are quoted, marked as not checked: a slow model never turns into an error.

The model is anything that answers OpenAI chat-completion requests with logprobs: the bundled GGUF run in-process
(model/llama.py) or an OpenAI-compatible endpoint (llm.HttpChatModel).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

import jieba.posseg as pseg
import numpy as np

from ..errors import AssistantError
from ..model.llama import shared_chat_model
from ..model.reader_weights import local_model_path
from ..results import Answer, Hit
from ..settings import READER_THRESHOLD, Settings
from ..text.normalize import fold_for_matching, in_script, is_traditional, simplified_char, to_simplified
from .answering import MIN_FOCUS, Candidate, answer_from, answer_question, refusal, sentence_candidates, sentence_of
from .evidence import whole_match
from .llm import HttpChatModel
from .question import question_kind

if TYPE_CHECKING:
    from ..model.embedding import Embedder

MAX_JUDGED = 3  # candidate sentences judged per question, best first
BUDGET_S = 12.0  # a question's whole time with the reader, queueing included
EXTRACT_TOKENS = 24
SHORT_KINDS = ("number", "date", "person", "place", "thing")
MEANING_POOL = 40  # sentences embedded when the question's words find none well (0.12 s at p50 with int8)
UNCHECKED_NOTE = "以下回答未经模型核对（{problem}）。"
NOT_STATED = "资料未提及"


class ChatModel(Protocol):
    def chat(self, request: dict[str, Any], deadline: float | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Judgement:
    sentence: str
    p_yes: float


@dataclass(frozen=True)
class ReadAnswer:
    """An answer with what the reader made of it: `checked` False when the model could not be reached in time
    or failed, `problem` saying which."""

    answer: Answer
    checked: bool
    judgements: list[Judgement]
    problem: str = ""

    def checked_answer(self) -> Answer:
        """The answer carrying whether the reader checked it (Answer.checked)."""
        return replace(self.answer, checked=self.checked)


class Reader:
    def __init__(self, model: ChatModel, threshold: float = READER_THRESHOLD, max_judged: int = MAX_JUDGED) -> None:
        self.model = model
        self.threshold = threshold
        self.max_judged = max_judged

    def judge(self, question: str, sentence: str, deadline: float | None = None) -> float:
        """p(是) that `sentence` states the specific fact `question` asks for, between 0 and 1."""
        request = {
            "messages": _judge_messages(question, sentence),
            "max_tokens": 1,
            "temperature": 0,
            "logprobs": True,
            "top_logprobs": 10,
        }
        return _p_yes(self.model.chat(request, deadline))

    def extract(self, question: str, sentence: str, deadline: float | None = None) -> str:
        """The answer's words copied from `sentence`, or "" when the model gives none found there verbatim."""
        request = {
            "messages": _extract_messages(question, sentence),
            "max_tokens": EXTRACT_TOKENS,
            "temperature": 0,
        }
        reply = _content(self.model.chat(request, deadline)).strip().strip('。.，,：:"“”「」')
        folded = fold_for_matching(reply)  # empty when the reply is only invisible characters: no copy
        if not folded or NOT_STATED in reply:
            return ""
        return reply if whole_match(folded, fold_for_matching(sentence)) else ""

    def answer(
        self,
        question: str,
        hits: list[Hit],
        idf: Callable[[str], float],
        embedder: Embedder | None = None,
        budget_s: float = BUDGET_S,
        unchecked: Answer | None = None,
    ) -> ReadAnswer:
        """The answer whose lead sentence the reader accepted, or a refusal; the unchecked answer (`unchecked` when
        the caller has it already) if it is busy. With an `embedder`, sentences that share too few of the question's
        words are ordered by meaning."""
        deadline = time.monotonic() + budget_s
        judgements: list[Judgement] = []
        try:
            for candidate in self.candidates(question, hits, idf, embedder):
                sentence = sentence_of(hits, candidate)
                p_yes = self.judge(question, sentence, deadline)
                judgements.append(Judgement(sentence, p_yes))
                direct = self.accepted_reply(question, sentence, p_yes, deadline)
                if direct is not None:
                    return ReadAnswer(answer_from(question, hits, idf, candidate, direct), True, judgements)
        except AssistantError as error:  # busy or failing: the best-ranked sentences, marked as not checked
            return ReadAnswer(unchecked or answer_question(question, hits, idf), False, judgements, str(error))
        return ReadAnswer(refusal(hits, is_traditional(question)), True, judgements)

    def candidates(
        self, question: str, hits: list[Hit], idf: Callable[[str], float], embedder: Embedder | None = None
    ) -> list[Candidate]:
        """The distinct sentences the reader judges, best first: by the question's words or, with an `embedder`,
        when those find no sentence well, by meaning."""
        candidates = distinct_candidates(sentence_candidates(question, hits, idf), hits)
        # Only then: blending meaning into every order answered a question or so more per news pair, and let more
        # near misses through on cmrc2018-dev (bench/seed/README.md, 2026-12-06).
        if embedder is not None and candidates and candidates[0].focus < MIN_FOCUS:
            candidates = by_meaning(question, hits, candidates, embedder)
        return candidates[: self.max_judged]

    def accepted_reply(self, question: str, sentence: str, p_yes: float, deadline: float) -> str | None:
        """None when the reader does not accept `sentence` (judged p_yes): below the threshold or, for a question
        a word or number answers, holding no words the model can copy as the answer. Else the short bold reply,
        "" for a reason or a method (the quoted sentence is the answer; extracting would cost seconds)."""
        if p_yes < self.threshold:
            return None
        folded_question = fold_for_matching(question)
        if question_kind(folded_question.lower()) not in SHORT_KINDS:
            return ""
        # A second reading: asked to copy the answer, the model finds none in most near misses it said 是 to (on
        # eleven read pairs, 261 of 343 such sentences at p >= 0.7) and in few sentences stating it (27 of 399).
        reply = self.extract(question, sentence, deadline)
        if not reply:
            return None
        if len(reply) > len(sentence) // 2 or fold_for_matching(reply) in folded_question:
            return ""  # the copy is most of the sentence, or the question's own words: accepted, no bold reply
        reply = with_measure_word(reply, sentence)
        return in_script(reply, is_traditional(question))


_CJK = re.compile(r"[\u4e00-\u9fff]+")


def with_measure_word(reply: str, sentence: str) -> str:
    """A copied number with the measure word or unit that follows it in the sentence (111 -> 111条, 622 -> 622亿元,
    7.5 -> 7.5%): the model often leaves it out, and a bare number does not say what it counts."""
    found = whole_match(reply, sentence) if reply[-1:].isdigit() else None
    if found is None:
        return reply
    end = found.end()
    if sentence[end : end + 1] in ("%", "‰", "％"):
        return reply + sentence[end]
    # Converted character by character, so that the unit's length counts characters of the sentence as written.
    simplified = "".join(map(simplified_char, sentence[end : end + 8]))
    unit = ""
    for i, word in enumerate(pseg.cut(simplified, HMM=False)):
        # jieba tags measure words q or m, but a one-character one right after the number often n (条, 项, 人)
        if not _CJK.fullmatch(word.word) or not (
            word.flag in ("q", "m") or (i == 0 and word.flag == "n" and len(word.word) == 1)
        ):
            break
        unit += word.word
    return reply + sentence[end : end + len(unit)]


def by_meaning(question: str, hits: list[Hit], candidates: list[Candidate], embedder: Embedder) -> list[Candidate]:
    """The candidates ordered by the cosine of their sentence to the question: a paraphrase, or a question in
    English about a Chinese article, shares too few words for the word scoring to find its sentence."""
    shown = candidates[:MEANING_POOL]
    query = embedder.encode_queries([question])[0]
    sentences = embedder.encode_passages([sentence_of(hits, c) for c in shown])
    order = np.argsort(-(sentences @ query), kind="stable")
    return [shown[i] for i in order] + candidates[MEANING_POOL:]


def checked_note(read: ReadAnswer, traditional: bool) -> str:
    """What the user is told about the reader's part in an answer: only that it could not check it, and why."""
    if read.checked:
        return ""
    note = UNCHECKED_NOTE.format(problem=read.problem.rstrip("。."))
    return in_script(note, traditional)


def distinct_candidates(candidates: list[Candidate], hits: list[Hit]) -> list[Candidate]:
    """Candidates without repeats of the same sentence (the same story in two files, overlapping passages)."""
    seen, out = set(), []
    for c in candidates:
        key = fold_for_matching(sentence_of(hits, c))
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


# Judge the sentence, not the passage: with the whole passage the model says 是 to near misses about the same
# subject (DESIGN-NOTES §7). The plain question, rather than one spelling out what must match (year, place, deputy
# or head): on read sets it answered more correctly at equal refusals, on five unread pairs the two are even; its
# p(是) sits higher, hence the high threshold (bench/seed/README.md, 2026-12-06).
_JUDGE_SYSTEM = "你根据资料回答问题。"
_JUDGE_USER = "资料：{sentence}\n问题：{question}\n资料中有这个问题的答案吗？只回答“是”或“否”。"
_EXTRACT_SYSTEM = "你从资料中摘取答案。"
_EXTRACT_USER = (
    "资料：{sentence}\n问题：{question}\n"
    "只用资料中的原文回答，越短越好（一个数字、日期、名字或词组），不要解释。资料中没有答案就输出“资料未提及”。"
)


def _judge_messages(question: str, sentence: str) -> list[dict[str, str]]:
    # The model reads simplified Chinese better; the question may be in either script.
    user = _JUDGE_USER.format(sentence=to_simplified(sentence.strip()), question=to_simplified(question.strip()))
    return [{"role": "system", "content": _JUDGE_SYSTEM}, {"role": "user", "content": user}]


def _extract_messages(question: str, sentence: str) -> list[dict[str, str]]:
    # The sentence stays in its own script so that the copied words are found in it verbatim.
    user = _EXTRACT_USER.format(sentence=sentence.strip(), question=question.strip())
    return [{"role": "system", "content": _EXTRACT_SYSTEM}, {"role": "user", "content": user}]


def _p_yes(response: dict[str, Any]) -> float:
    """p(是) / (p(是) + p(否)) from the first generated token's top log-probabilities; 0 when neither is there."""
    try:
        top = response["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
    except (KeyError, IndexError, TypeError):
        raise AssistantError("阅读模型没有返回概率 (the reading model gave no logprobs).") from None
    yes = sum(math.exp(t["logprob"]) for t in top if t.get("token", "").strip() in ("是", "是的"))
    no = sum(math.exp(t["logprob"]) for t in top if t.get("token", "").strip() in ("否", "不是", "不"))
    return yes / (yes + no) if yes + no > 0 else 0.0


def _content(response: dict[str, Any]) -> str:
    try:
        return str(response["choices"][0]["message"]["content"] or "")
    except (KeyError, IndexError, TypeError):
        raise AssistantError("阅读模型的回复格式不对 (the reading model's reply is malformed).") from None


def load_reader(settings: Settings) -> Reader | None:
    """The reader the settings choose: the bundled model (materialised on first use), another GGUF file, an
    OpenAI-compatible endpoint, or None when the reader is off."""
    chosen = settings.reader
    if chosen.off:
        return None
    if chosen.base_url:
        return Reader(HttpChatModel(chosen.base_url, chosen.model or "default", chosen.api_key), chosen.threshold)
    return Reader(shared_chat_model(local_model_path(chosen)), chosen.threshold)
