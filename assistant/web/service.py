"""The assistant the web app serves: built or loaded once, rebuilt in place while it keeps answering."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

from ..core import Assistant
from ..errors import AssistantError
from ..model.embedding import Embedder
from ..settings import Settings
from .chat import MAX_K
from .conversation import questions_from_text


class Service:
    """The assistant the app serves, or the reason there is none; rebuilt in place while it keeps answering."""

    def __init__(
        self, corpus_dir: Path, index_dir: Path, settings: Settings | None = None, embedder: Embedder | None = None
    ) -> None:
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = Path(index_dir)
        self.assistant: Assistant | None = None
        self.problem = ""  # why there is no assistant, in words for users
        self.settings = settings
        self.embedder = embedder
        self._first_build = threading.Lock()
        self._examples: list[str] | None = None
        self._examples_lock = threading.Lock()  # the first page loads arrive together; work out examples once

    @classmethod
    def start(
        cls,
        corpus_dir: str | Path = "corpus",
        index_dir: str | Path = "index",
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        build: bool = True,
        progress=None,
    ) -> Service:
        """Build (incrementally) or load the index; a failure becomes the message every page shows."""
        service = cls(Path(corpus_dir), Path(index_dir), settings, embedder)
        try:
            if build:
                service.assistant = Assistant.build(corpus_dir, index_dir, settings, embedder, progress)
            else:
                service.assistant = Assistant.load(index_dir, settings, embedder)
        except AssistantError as exc:
            service.problem = str(exc)
        return service

    def require(self) -> Assistant:
        if self.assistant is None:
            raise AssistantError(self.problem or "索引尚未加载 (no index loaded)")
        return self.assistant

    def rebuild(self, progress=None) -> str:
        """Bring the index up to date with the corpus; the old index answers until the new one is ready."""
        if self.assistant is not None:
            summary = self.assistant.rebuild(self.corpus_dir, progress).summary()
        else:
            with self._first_build:
                self.assistant = Assistant.build(
                    self.corpus_dir, self.index_dir, self.settings, self.embedder, progress
                )
                self.problem = ""
                summary = self.assistant.report.summary()
        self._examples = None
        return summary

    def examples(self) -> list[str]:
        """Questions drawn from the corpus that the assistant can answer, for the empty chat."""
        with self._examples_lock:
            if self._examples is None:
                self._examples = example_questions(self.assistant) if self.assistant else []
            return self._examples


def example_questions(assistant: Assistant, limit: int = 4, tries_per_file: int = 3) -> list[str]:
    """Up to `limit` questions, one per corpus file, each checked to be answered with the value it came from."""
    titles: dict[str, list[str]] = {}
    for info in assistant.articles():
        titles.setdefault(info.source, []).append(info.title)
    chosen: list[str] = []
    for source, headlines in titles.items():
        for question, value in itertools.islice(_file_questions(assistant, source, headlines), tries_per_file):
            answer = assistant.ask(question, check=False)  # the reader is for users; examples only need a quote
            if answer.found and value in answer.text:
                chosen.append(question)
                break
        if len(chosen) == limit:
            break
    return chosen


def _file_questions(assistant: Assistant, source: str, headlines: list[str]) -> Iterator[tuple[str, str]]:
    """Distinct candidate questions from the passages near each headline of one file, searched only as needed."""
    seen: set[str] = set()
    for headline in headlines:
        try:
            hits = assistant.search(headline, k=MAX_K, sources=[source])
        except AssistantError:
            continue  # an untitled article gives no query
        for question, value in questions_from_text("\n".join(h.text for h in hits)):
            if question not in seen:
                seen.add(question)
                yield question, value
