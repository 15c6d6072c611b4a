"""The app's named endpoints for programs: "ask" (Answer.to_dict()) and "search" (a list of Hit.to_dict())."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import gradio as gr

from ..errors import AssistantError, QuestionError
from .chat import DEFAULT_K, checked_k
from .service import Service


def api_endpoints(service: Service) -> None:
    def ask(
        question: str,
        k: int = DEFAULT_K,
        sources: list[str] | None = None,
        articles: list[tuple[str, int]] | None = None,
    ) -> dict:
        """Answer a question from the articles; the reply quotes them with [n] markers and lists the citations.
        `sources` limits it to those corpus files, `articles` to those [file, number] pairs (numbers from 0,
        as in each hit's `article`)."""
        with _reported_to_client():
            bot = service.require()
            return bot.ask(question, checked_k(k), sources or None, articles=checked_articles(articles)).to_dict()

    def search(
        question: str,
        k: int = DEFAULT_K,
        sources: list[str] | None = None,
        articles: list[tuple[str, int]] | None = None,
        method: str = "hybrid",
    ) -> list[dict]:
        """The k best passages for a question, best first, with keyword, vector and fused scores; adjacent
        passages of one article come as one hit listing their `passage_ids`. Filters as in "ask"; `method` is
        "hybrid" (the default), "keyword" or "vector"."""
        with _reported_to_client():
            bot = service.require()
            hits = bot.search(question, checked_k(k), sources or None, method, articles=checked_articles(articles))
        return [h.to_dict() for h in hits]

    gr.api(ask, api_name="ask", concurrency_id="answer")
    gr.api(search, api_name="search", concurrency_id="answer")


def checked_articles(articles: Sequence | None) -> list[tuple[str, int]] | None:
    """[file, number] pairs from an API client as tuples; QuestionError for anything else."""
    if not articles:
        return None
    pairs = []
    for item in articles:
        valid = isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[0], str)
        if not valid or not isinstance(item[1], int) or isinstance(item[1], bool) or item[1] < 0:
            raise QuestionError(
                f"articles 须为 [[文件, 篇号], …]，篇号从 0 起 (articles must be [[file, number], ...], got {item!r})"
            )
        pairs.append((item[0], item[1]))
    return pairs


@contextmanager
def _reported_to_client() -> Iterator[None]:
    """A user's mistake reaches an API client as its message (gradio_client raises AppError), not a traceback."""
    try:
        yield
    except AssistantError as exc:
        raise gr.Error(str(exc), print_exception=False) from exc
