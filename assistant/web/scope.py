"""Where to look: the corpus-file and article pickers shared by the chat and the retrieval test."""

from __future__ import annotations

from collections.abc import Sequence

import gradio as gr

from ..core import ArticleInfo
from .service import Service


def source_choices(service: Service) -> list[str]:
    return service.assistant.sources() if service.assistant else []


ANY_ARTICLE = ("全部文章", "")  # a dropdown choice cannot be None, so "" stands for no article filter


def article_label(info: ArticleInfo) -> str:
    """An article as the corpus tab shows it: file, number from 1, title."""
    return f"{info.source} 第{info.number + 1}篇：{info.title or '（无标题）'}"


def article_value(source: str, number: int) -> str:
    """The dropdown value of an article; the number counts from 0, as Assistant.search and Hit.article do."""
    return f"{number}:{source}"


def article_choices(service: Service, files: Sequence[str] | None) -> list[tuple[str, str]]:
    """(label, value) of the articles in the chosen files, or in every file when none is chosen."""
    infos = service.assistant.articles() if service.assistant else []
    chosen = set(files or [])
    return [ANY_ARTICLE] + [
        (article_label(a), article_value(a.source, a.number)) for a in infos if not chosen or a.source in chosen
    ]


def search_scope(
    files: Sequence[str] | None, article: str | None
) -> tuple[list[str] | None, list[tuple[str, int]] | None]:
    """Assistant.search's `sources` and `articles` for what the file and article pickers show."""
    if not article:
        return list(files or []) or None, None
    number, _, source = article.partition(":")
    return None, [(source, int(number))]


def scope_updates(service: Service, files: Sequence[str] | None, article: str | None) -> tuple[dict, dict]:
    """The pickers after the index changed: the files and articles it now holds, keeping the choices still there."""
    sources = source_choices(service)
    kept = [f for f in files or [] if f in sources]
    return gr.update(choices=sources, value=kept), _article_update(service, kept, article)


def _article_update(service: Service, files: Sequence[str] | None, article: str | None) -> dict:
    choices = article_choices(service, files)
    return gr.update(choices=choices, value=article if article in {value for _, value in choices} else "")


def refreshing(service: Service, pickers: list[gr.Dropdown]) -> dict:
    """Event arguments that refresh every (files, article) picker pair from the current index."""

    def refresh(*chosen: list[str] | str | None) -> list[dict]:
        pairs = zip(chosen[::2], chosen[1::2], strict=True)  # the pickers come as (files, article) pairs
        return [update for files, article in pairs for update in scope_updates(service, files, article)]

    return {"fn": refresh, "inputs": pickers, "outputs": pickers, "api_visibility": "private", "queue": False}


def scope_pickers(service: Service, name: str) -> tuple[gr.Dropdown, gr.Dropdown]:
    """A multiselect of corpus files and a dropdown of their articles (all articles while no file is chosen)."""
    files = gr.Dropdown(
        choices=source_choices(service),
        value=[],
        multiselect=True,
        label="只在这些文件中查找（留空表示全部）",
        elem_id=f"{name}-files",
        scale=2,
    )
    article = gr.Dropdown(
        choices=article_choices(service, []),
        value="",
        label="只在其中一篇文章中查找（可输入标题筛选）",
        elem_id=f"{name}-article",
        elem_classes="article-picker",  # the page script selects its text on focus, so typing filters at once
        scale=3,
    )
    files.change(
        lambda chosen, current: _article_update(service, chosen, current),
        [files, article],
        article,
        api_visibility="private",
        queue=False,
    )
    return files, article
