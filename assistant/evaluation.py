"""Built-in evaluation on a question set (DESIGN-NOTES §4 format).

passages.jsonl: {"id", "title", "text"} per line; questions.jsonl: {"id", "question", "answers", "passage_id"}.
Each passage becomes one article of a throwaway in-memory index; every question is asked with keyword-only,
vector-only and hybrid retrieval, so the three can be compared in one run. The answers are extractive, or generated
by a language model when one is given.
"""

from __future__ import annotations

import logging
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .answers.llm import AnswerUpdate, LLMSettings
from .answers.reader import Reader
from .answers.responding import answer_updates
from .model.embedding import Embedder, encoder_of
from .search.retrieval import Method, Retriever
from .settings import Settings
from .store.base import Contents
from .store.folder import IndexData, Manifest, assemble, read_jsonl
from .store.indexing import embed_passages
from .store.local import LocalStore
from .store.location import scratch_location
from .text import chunking, dedup
from .text.documents import Article
from .text.normalize import clean_text, fold_for_matching

METHODS: tuple[Method, ...] = ("keyword", "vector", "hybrid")
LLM_KEYS = ("llm_model", "llm_fallbacks")  # in the ask report only when a language model answered
READER_KEYS = ("reader", "reader_unchecked")  # ... only when it did not

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: tuple[str, ...]
    passage_id: str


@dataclass
class MethodReport:
    method: str
    recall_at_1: float
    recall_at_5: float
    recall_at_10: float
    mrr_at_10: float
    answer_recall_at_5: float
    build_s: float
    query_ms_p50: float
    query_ms_p95: float
    n_questions: int
    n_passages: int

    def to_dict(self) -> dict:
        return {
            "recall@1": round(self.recall_at_1, 4),
            "recall@5": round(self.recall_at_5, 4),
            "recall@10": round(self.recall_at_10, 4),
            "mrr@10": round(self.mrr_at_10, 4),
            "answer_recall@5": round(self.answer_recall_at_5, 4),
            "build_s": round(self.build_s, 2),
            "query_ms_p50": round(self.query_ms_p50, 2),
            "query_ms_p95": round(self.query_ms_p95, 2),
            "n_questions": self.n_questions,
            "n_passages": self.n_passages,
        }


def load_passages(path: Path) -> list[Article]:
    """Each evaluation passage as one cleaned article whose source is the passage id."""
    articles = []
    for row in read_jsonl(path):
        articles.append(
            Article(
                source=str(row["id"]), number=0, title=clean_text(row.get("title", "")), text=clean_text(row["text"])
            )
        )
    return articles


def load_questions(path: Path, limit: int | None = None, seed: int = 0) -> list[Question]:
    """The questions, or a fixed-seed sample of `limit` of them."""
    questions = [
        Question(str(r["id"]), r["question"], tuple(r.get("answers", ())), str(r.get("passage_id", "")))
        for r in read_jsonl(path)
    ]
    if limit is not None and limit < len(questions):
        questions = random.Random(seed).sample(questions, limit)
    return questions


def build_retriever(articles: list[Article], embedder: Embedder, settings: Settings) -> tuple[Retriever, float]:
    """A throwaway index over the articles, and the seconds it took to build: in memory, or in the scratch
    collection of the store settings.store names."""
    started = time.perf_counter()
    data = embedded_index(articles, embedder, settings)
    return retriever_over(data, embedder, settings.store), time.perf_counter() - started


def retriever_over(data: IndexData, embedder: Embedder, store: str = "") -> Retriever:
    """Search over an index made by `embedded_index`: in memory, or written to the scratch place of `store`."""
    if not store:
        return Retriever(LocalStore(data), embedder)
    location = scratch_location(store)
    location.write(Contents(data.manifest, data.passages, data.articles, data.stories, data.embeddings))
    return Retriever(location.open(), embedder)


def embedded_index(
    articles: list[Article], embedder: Embedder, settings: Settings, reusable: dict[str, np.ndarray] | None = None
) -> IndexData:
    """The articles split into passages and embedded (`reusable`: embeddings known by their input text), as an
    in-memory index."""
    passages = [p for a in articles for p in chunking.split_passages(a, settings.chunking)]
    embeddings, _ = embed_passages(passages, embedder, reusable)
    manifest = Manifest(
        model_name=embedder.model_id,
        model_id=embedder.model_id,
        encoder=encoder_of(embedder),
        dimension=embedder.dimension,
        chunking=settings.chunking.to_dict(),
        pipeline_version=0,
        files={},
        skipped={},
        corpus_dir="",
        counts={"files": 0, "articles": len(articles), "passages": len(passages)},
    )
    return assemble(manifest, passages, articles, dedup.story_groups(articles), embeddings)


def evaluate_retrieval(
    retriever: Retriever,
    questions: list[Question],
    build_s: float,
    k: int = 10,
    methods: tuple[Method, ...] = METHODS,
    on_question: Callable[[], None] | None = None,
) -> list[MethodReport]:
    n_passages = sum(1 for _ in retriever.store.articles())
    reports = []
    for method in methods:
        ranks: list[int | None] = []
        answer_hits = 0
        times_ms = []
        for q in questions:
            started = time.perf_counter()
            hits = retriever.search(q.question, k=max(k, 10), method=method)
            times_ms.append((time.perf_counter() - started) * 1000)
            ranks.append(next((i for i, h in enumerate(hits, 1) if h.source == q.passage_id), None))
            answer_hits += holds_answer("".join(h.text for h in hits[:5]), q.answers)
            if on_question:
                on_question()
        n = len(questions) or 1
        reports.append(
            MethodReport(
                method=method,
                recall_at_1=sum(r is not None and r <= 1 for r in ranks) / n,
                recall_at_5=sum(r is not None and r <= 5 for r in ranks) / n,
                recall_at_10=sum(r is not None and r <= 10 for r in ranks) / n,
                mrr_at_10=sum(1 / r for r in ranks if r is not None and r <= 10) / n,
                answer_recall_at_5=answer_hits / n,
                build_s=build_s,
                query_ms_p50=statistics.median(times_ms) if times_ms else 0.0,
                query_ms_p95=float(np.percentile(times_ms, 95)) if times_ms else 0.0,
                n_questions=len(questions),
                n_passages=n_passages,
            )
        )
    return reports


@dataclass
class AskReport:
    """How the answers (`ask`, extractive or generated) fare: the answer-quality figures of the answers issue."""

    answer_recall: float  # a gold answer string occurs in the answer text
    direct_precision: float  # of the answers with a bold direct reply, the share containing a gold answer
    direct_coverage: float  # the share of answers that give a direct reply
    # extractive: the share of citations whose passage contains the sentence quoted with it; generated: the share
    # of claims whose citation passes verification (Verification.citation_precision, pooled over the answers)
    citation_precision: float
    found_rate: float  # the share of answerable questions answered rather than refused
    refusal_rate: float | None  # the share of unanswerable questions refused (None without --unanswerable)
    ask_ms_p50: float
    n_questions: int
    n_unanswerable: int
    llm_model: str | None = None  # the language model asked; None for extractive answers
    llm_fallbacks: int | None = None  # answers where the endpoint failed and the extractive answer stood in
    reader: bool = False  # the reading model checked the quoted answers
    reader_unchecked: int = 0  # answers the reader could not check in time (the unchecked quote stood)
    ask_ms_p95: float = 0.0

    def to_dict(self) -> dict:
        return {
            k: (round(v, 4) if isinstance(v, float) else v)
            for k, v in asdict(self).items()
            # extractive reports keep their keys and the reader's, generated ones the model's
            if not (k in LLM_KEYS and self.llm_model is None) and not (k in READER_KEYS and self.llm_model)
        }


def evaluate_answers(
    retriever: Retriever,
    questions: list[Question],
    unanswerable: Sequence[Question] = (),
    k: int = 5,
    on_question: Callable[[], None] | None = None,
    llm: LLMSettings | None = None,
    reader: Reader | None = None,
) -> AskReport:
    """Answers to every question, scored against the gold answers; refusals on unanswerable ones.

    Extractive answers (checked by `reader` when given), or with `llm` the model's answers as users get them:
    citations verified, the extractive answer standing in when the endpoint fails (counted as a fallback).
    """
    recalled = found = directs = direct_right = citations = cited_right = fallbacks = unchecked = 0
    times_ms = []

    def ask(question: str) -> AnswerUpdate:
        nonlocal fallbacks, unchecked
        update = _ask(retriever, question, k, llm, reader)
        unchecked += update.answer.checked is False
        if llm is not None and not update.generated and update.note:  # the LLM failed; the note says why
            if not fallbacks:
                logger.warning("LLM fallback (counted in llm_fallbacks): %s", update.note)
            fallbacks += 1
        return update

    for q in questions:
        started = time.perf_counter()
        update = ask(q.question)
        times_ms.append((time.perf_counter() - started) * 1000)
        answer = update.answer
        recalled += holds_answer(answer.text, q.answers)
        found += answer.found
        if answer.direct:
            directs += 1
            direct_right += holds_answer(answer.direct, q.answers)
        checked, passed = _citation_checks(update)
        citations += checked
        cited_right += passed
        if on_question:
            on_question()
    refused = 0
    for q in unanswerable:
        refused += not ask(q.question).answer.found
        if on_question:
            on_question()
    n = len(questions) or 1
    return AskReport(
        answer_recall=recalled / n,
        direct_precision=direct_right / directs if directs else 0.0,
        direct_coverage=directs / n,
        citation_precision=cited_right / citations if citations else 1.0,
        found_rate=found / n,
        refusal_rate=refused / len(unanswerable) if unanswerable else None,
        ask_ms_p50=statistics.median(times_ms) if times_ms else 0.0,
        n_questions=len(questions),
        n_unanswerable=len(unanswerable),
        llm_model=llm.model if llm else None,
        llm_fallbacks=fallbacks if llm else None,
        reader=reader is not None,
        reader_unchecked=unchecked,
        ask_ms_p95=float(np.percentile(times_ms, 95)) if times_ms else 0.0,
    )


def holds_answer(text: str, answers: Sequence[str]) -> bool:
    """Whether one of the gold answers occurs in the text, both folded as the index folds them (script, width)."""
    folded = fold_for_matching(text)
    return any(fold_for_matching(a) in folded for a in answers if a)


def _ask(retriever: Retriever, question: str, k: int, llm: LLMSettings | None, reader: Reader | None) -> AnswerUpdate:
    """The final update of the answer, as `Assistant.answer_updates` gives it."""
    hits = retriever.search(question, k=k)
    *_, last = answer_updates(question, hits, retriever.store.idf, retriever.embedder, llm, reader)
    return last


def _citation_checks(update: AnswerUpdate) -> tuple[int, int]:
    """How many citations of a final answer were checked, and how many stood. Generated: its claims, and those
    whose citation passed verification (an uncited claim fails, as in Verification.citation_precision).
    Extractive: its citations, and those whose passage contains the sentence quoted with them."""
    if update.verification:
        return update.verification.claims, sum(s.passed for s in update.verification.sentences)
    cited = update.answer.citations
    return len(cited), sum(bool(c.sentence) and c.sentence in c.hit.text for c in cited)


def format_table(reports: list[MethodReport]) -> str:
    keys = ["recall@1", "recall@5", "recall@10", "mrr@10", "answer_recall@5", "query_ms_p50", "query_ms_p95"]
    lines = [f"{'method':<8} " + " ".join(f"{k:>15}" for k in keys)]
    for r in reports:
        d = r.to_dict()
        lines.append(f"{r.method:<8} " + " ".join(f"{d[k]:>15}" for k in keys))
    first = reports[0]
    lines.append(f"{first.n_questions} questions, {first.n_passages} passages, index built in {first.build_s:.1f} s")
    return "\n".join(lines)
