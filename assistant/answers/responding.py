"""The answer to a question over its hits, as it arrives: quoted and checked by the reader, or generated."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from ..results import Answer, Hit
from ..text.normalize import in_script, is_traditional
from .answering import answer_question
from .llm import AnswerUpdate, LLMSettings, llm_answer
from .reader import ReadAnswer, Reader, checked_note

if TYPE_CHECKING:
    from ..model.embedding import Embedder

CHECKING = "（正在用阅读模型核对…）"
# Without the reader nothing tells a sentence stating the asked fact from one about the same subject: say so.
UNREAD_NOTE = "阅读模型已关闭：以下是与问题用词最接近的原文，没有核对是否回答了这个问题。"


def answer_updates(
    question: str,
    hits: Sequence[Hit],
    idf: Callable[[str], float],
    embedder: Embedder,
    llm: LLMSettings | None,
    reader: Reader | None = None,
) -> Iterator[AnswerUpdate]:
    """Quoted (`llm` None): the best-ranked sentences at once, then, with a reader, the answer it checked; generated:
    the model's growing text, with the quoted answer as the fallback."""

    def read(draft: Answer | None = None) -> ReadAnswer:
        return reader.answer(question, list(hits), idf, embedder, unchecked=draft)

    def quoted() -> Answer:
        return answer_question(question, list(hits), idf) if reader is None else read().checked_answer()

    if llm is not None:
        yield from llm_answer(question, hits, embedder, llm, fallback=quoted)
        return
    traditional = is_traditional(question)
    if reader is None:
        answer = quoted()
        note = UNREAD_NOTE if answer.found else ""
        yield AnswerUpdate(answer.text, answer, note=in_script(note, traditional), generated=False)
        return
    # shown while the reader works: the best-ranked sentences, marked as being checked
    draft = answer_question(question, list(hits), idf)
    checking = in_script(CHECKING, traditional)
    yield AnswerUpdate(f"{draft.text}\n\n{checking}", generated=False)
    checked = read(draft)
    answer = checked.checked_answer()
    yield AnswerUpdate(answer.text, answer, note=checked_note(checked, traditional), generated=False)
