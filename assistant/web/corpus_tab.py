"""The 语料库 tab: index status, the articles with their damage flags, and the rebuild button."""

from __future__ import annotations

import gradio as gr

from ..errors import AssistantError
from . import render
from .retrieval_tab import flag_names
from .scope import refreshing
from .service import Service

BUILD_STAGES = {"read": "读取文件", "embed": "计算向量", "write": "写入索引"}
ARTICLE_COLUMNS = ["文件", "篇", "标题", "段落数", "标记"]


def status_markdown(service: Service) -> str:
    if service.assistant is None:
        return f"**索引不可用。** {render.chat_text(service.problem)}\n\n修正后点击“重建索引”。"
    s = service.assistant.status()
    state = "✓ 最新" if s.fresh else "⚠ 已过期：" + "；".join(s.stale_reasons) + "（点击“重建索引”更新）"
    lines = [
        f"**索引状态：** {state}",
        f"**模型：** {s.model}（{s.encoder}，{s.dimension} 维）　**构建时间：** {s.built_at}",
        f"**规模：** {s.files} 个文件，{s.articles} 篇文章，{s.passages} 个段落",
    ]
    if s.skipped:
        lines.append("**未收录的文件：** " + "、".join(s.skipped))
    return "\n\n".join(render.chat_text(line) for line in lines)


def article_rows(service: Service) -> list[list[str]]:
    if service.assistant is None:
        return []
    return [
        [a.source, str(a.number + 1), a.title, str(a.passages), flag_names(a.flags)]
        for a in service.assistant.articles()
    ]


def corpus_tab(service: Service, pickers: list[gr.Dropdown]) -> None:
    """Index status, the article list and the rebuild button; a rebuild refreshes every file and article picker."""
    status = gr.Markdown(status_markdown(service), elem_id="index-status")
    with gr.Row():
        rebuild = gr.Button("重建索引", variant="primary", elem_id="rebuild", scale=0, min_width=120)
        refresh = gr.Button("刷新", variant="secondary", scale=0, min_width=80)
    outcome = gr.Markdown(elem_id="rebuild-outcome")
    articles = gr.Dataframe(
        value=article_rows(service),
        headers=ARTICLE_COLUMNS,
        datatype="str",
        interactive=False,
        wrap=True,
        elem_id="articles",
        column_widths=["26%", "6%", "50%", "8%", "10%"],
    )

    def overview():
        return status_markdown(service), article_rows(service)

    def run_rebuild(progress=gr.Progress()):  # noqa: B008 - Gradio finds its progress tracker by this default
        def report(stage: str, done: int, total: int) -> None:
            progress((done, max(total, 1)), desc=BUILD_STAGES.get(stage, stage))

        try:
            summary = "✓ " + service.rebuild(report)
        except AssistantError as exc:
            summary = f"⚠ {exc}"
        return render.chat_text(summary), *overview()

    refresh.click(overview, None, [status, articles], api_visibility="private", queue=False)
    rebuild.click(
        run_rebuild,
        None,
        [outcome, status, articles],
        api_visibility="private",
        concurrency_limit=1,
        concurrency_id="rebuild",
    ).then(**refreshing(service, pickers))
