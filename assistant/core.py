"""The facade users import: `Assistant` builds or loads an index and answers questions from it."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import get_args

from .answers.llm import AnswerUpdate, LLMSettings, answer_updates
from .errors import IndexStaleError, ModelMismatchError, QuestionError
from .model.embedding import Embedder, load_embedder
from .results import Answer, Hit
from .search.retrieval import Method, Retriever
from .settings import Settings, default_encoder
from .store.folder import IndexData, read_index
from .store.indexing import BuildReport, Progress, build_index, staleness


@dataclass(frozen=True)
class IndexStatus:
    model: str
    encoder: str
    dimension: int
    built_at: str
    files: int
    articles: int
    passages: int
    fresh: bool
    stale_reasons: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArticleInfo:
    source: str
    number: int
    title: str
    passages: int
    flags: tuple[str, ...]


def shared_embedder(model: str, encoder: str | None = None) -> Embedder:
    """The model run by the encoder (None: the model's default one), loaded once per process."""
    return _loaded(model, encoder or default_encoder(model))


@cache
def _loaded(model: str, encoder: str) -> Embedder:
    # Loading a model takes seconds and a gigabyte: one copy per process, whoever asks.
    return load_embedder(model, encoder=encoder)


def _embedder_for(settings: Settings) -> Embedder:
    return shared_embedder(settings.model, settings.resolved_encoder)


def _encoder_of(embedder: Embedder) -> str:
    """What a caller's own embedder records as its encoder; its model_id already tells it apart."""
    return str(getattr(embedder, "encoder", "float"))


class Assistant:
    def __init__(
        self, index_dir: Path, data: IndexData, embedder: Embedder, settings: Settings, custom_embedder: bool = False
    ) -> None:
        self.index_dir = index_dir
        self.settings = settings
        self.embedder = embedder
        self._custom_embedder = custom_embedder  # given by the caller rather than loaded by settings.model
        self.report: BuildReport | None = None
        self._data = data
        self._retriever = Retriever(data, embedder)
        self._rebuilding = threading.Lock()

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        corpus_dir: str | Path = "corpus",
        index_dir: str | Path = "index",
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        progress: Progress | None = None,
    ) -> Assistant:
        """Build the index, or bring it up to date with the corpus, and return a ready assistant."""
        settings = settings or Settings.from_env()
        index_dir = Path(index_dir)
        model_name = embedder.model_id if embedder else settings.model
        encoder = _encoder_of(embedder) if embedder else settings.resolved_encoder
        get_embedder = (lambda: embedder) if embedder else (lambda: _embedder_for(settings))
        report = build_index(Path(corpus_dir), index_dir, settings, get_embedder, model_name, progress, encoder=encoder)
        assistant = cls.load(index_dir, settings, embedder, check_fresh=False)
        assistant.report = report
        return assistant

    @classmethod
    def load(
        cls,
        index_dir: str | Path = "index",
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        check_fresh: bool = True,
    ) -> Assistant:
        """Load a built index; raises a clear error if it is missing, corrupt, stale or made with another model
        or encoder."""
        settings = settings or Settings.from_env()
        index_dir = Path(index_dir)
        data = read_index(index_dir)
        manifest = data.manifest
        wanted = embedder.model_id if embedder else settings.model
        if manifest.model_name != wanted:
            raise ModelMismatchError(
                f"索引由模型 {manifest.model_name} 构建，当前选择的模型是 {wanted}。"
                f"请改用 --model {manifest.model_name}，或用新模型重新构建 "
                f"(index built with {manifest.model_name}, asked for {wanted})."
            )
        if embedder is None and manifest.encoder != settings.resolved_encoder:
            asked = settings.resolved_encoder
            raise ModelMismatchError(
                f"索引由 {manifest.encoder} 编码器构建，当前选择的编码器是 {asked}。"
                f"请改用 --encoder {manifest.encoder}，或用新编码器重新构建 "
                f"(index built with the {manifest.encoder} encoder, asked for {asked})."
            )
        if check_fresh and (
            reasons := staleness(manifest, index_dir, manifest.model_name, settings, encoder=manifest.encoder)
        ):
            raise IndexStaleError(
                f"索引已过期：{'; '.join(reasons)}。请运行 `python -m assistant build` (the index is stale)."
            )
        custom = embedder is not None
        embedder = embedder or _embedder_for(settings)
        if embedder.model_id != manifest.model_id or embedder.dimension != manifest.dimension:
            raise ModelMismatchError(
                f"模型 {embedder.model_id} ({embedder.dimension} 维) 与索引 {manifest.model_id} "
                f"({manifest.dimension} 维) 不一致，请重新构建索引 (model does not match the index)."
            )
        return cls(index_dir, data, embedder, settings, custom)

    # ---- questions ----------------------------------------------------------------------------
    def search(
        self,
        question: str,
        k: int = 5,
        sources: Sequence[str] | None = None,
        method: Method = "hybrid",
        *,
        articles: Sequence[tuple[str, int]] | None = None,
    ) -> list[Hit]:
        """The k hits that best match the question, best first; adjacent passages of one article come as one
        hit. `sources` limits the search to those corpus files, `articles` to those (source, article number)
        pairs (numbers from 0, as `inspect` shows them); unknown files or articles match nothing."""
        question, k, method = self.check_question(question), _checked_k(k), _checked_method(method)
        return self._retriever.search(question, k, sources, method, articles=articles)

    def ask(
        self,
        question: str,
        k: int = 5,
        sources: Sequence[str] | None = None,
        llm: LLMSettings | None = None,
        *,
        articles: Sequence[tuple[str, int]] | None = None,
    ) -> Answer:
        """A cited answer: extractive by default (every sentence quoted from a cited passage), or generated by
        the language model at `llm` with every citation verified, falling back to extractive if it fails.
        `sources` and `articles` limit where it looks, as in `search`."""
        *_, last = self.answer_updates(question, k, sources, llm, articles=articles)
        return last.answer

    def answer_updates(
        self,
        question: str,
        k: int = 5,
        sources: Sequence[str] | None = None,
        llm: LLMSettings | None = None,
        *,
        articles: Sequence[tuple[str, int]] | None = None,
    ) -> Iterator[AnswerUpdate]:
        """The answer as it arrives: one final update when quoting, the model's growing text when generating."""
        question = self.check_question(question)
        retriever = self._retriever  # one index for the whole answer, even if a rebuild swaps it meanwhile
        hits = retriever.search(question, _checked_k(k), sources, articles=articles)
        yield from answer_updates(question, hits, retriever.data.keyword.idf, self.embedder, llm)

    def check_question(self, question: str) -> str:
        """The question stripped of surrounding space; QuestionError when it is empty or too long."""
        question = (question or "").strip()
        if not question:
            raise QuestionError("请输入问题 (the question is empty)")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise QuestionError(
                f"问题太长：{len(question)} 个字符，最多 {limit} 个 (question too long: {len(question)} > {limit})"
            )
        return question

    # ---- the index ----------------------------------------------------------------------------
    def status(self) -> IndexStatus:
        manifest = self._data.manifest
        reasons = staleness(manifest, self.index_dir, manifest.model_name, self.settings, encoder=manifest.encoder)
        return IndexStatus(
            model=manifest.model_name,
            encoder=manifest.encoder,
            dimension=manifest.dimension,
            built_at=manifest.built_at,
            files=manifest.counts["files"],
            articles=manifest.counts["articles"],
            passages=manifest.counts["passages"],
            fresh=not reasons,
            stale_reasons=tuple(reasons),
            skipped=tuple(manifest.skipped),
        )

    def articles(self) -> list[ArticleInfo]:
        counts = Counter((p.source, p.article) for p in self._data.passages)
        flags: dict[tuple[str, int], set[str]] = defaultdict(set)
        for p in self._data.passages:
            flags[(p.source, p.article)].update(p.flags)
        return [
            ArticleInfo(a.source, a.number, a.title, counts[key], tuple(sorted(flags[key])))
            for a in self._data.articles
            for key in [(a.source, a.number)]
        ]

    def sources(self) -> list[str]:
        return sorted({a.source for a in self._data.articles})

    def passage_context(self, hit: Hit, chars: int = 120) -> tuple[str, str]:
        """Up to `chars` characters of the cleaned article just before and just after the passage."""
        for article in self._data.articles:
            if article.source == hit.source and article.number == hit.article:
                return article.text[max(0, hit.start - chars) : hit.start], article.text[hit.end : hit.end + chars]
        return "", ""

    def rebuild(self, corpus_dir: str | Path | None = None, progress: Progress | None = None) -> BuildReport:
        """Update the index from the corpus while this assistant keeps answering from the old one."""
        corpus = Path(corpus_dir) if corpus_dir else self.index_dir / self._data.manifest.corpus_dir
        with self._rebuilding:
            embedder = self.embedder if self._custom_embedder else None
            fresh = Assistant.build(corpus, self.index_dir, self.settings, embedder, progress)
            # Searches read self._retriever once per call, so each sees the old index or the new one, never a mix.
            self._data, self._retriever, self.report = fresh._data, fresh._retriever, fresh.report
        return fresh.report


def _checked_method(method: str) -> Method:
    if method not in get_args(Method):
        raise QuestionError(f"method 须为 hybrid、keyword 或 vector (method must be one of those, got {method!r})")
    return method  # type: ignore[return-value]


def _checked_k(k: int) -> int:
    if k < 1:
        raise QuestionError(f"k 必须至少为 1 (k must be at least 1, got {k})")
    return k
