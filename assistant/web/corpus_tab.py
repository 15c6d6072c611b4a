"""The 语料库 tab: index status, the articles with their damage flags, the rebuild button, uploads and deletion.

Uploaded files are checked and saved one by one (text/intake.py): a refused file is named with the reason and the
others still go in. The index is then brought up to date incrementally while the old one keeps answering.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import gradio as gr

from ..errors import AssistantError
from ..store.indexing import Progress
from ..text.intake import MAX_FILE_BYTES, add_file, remove_file
from ..text.reading import SUPPORTED_SUFFIXES, list_corpus_files
from . import render
from .retrieval_tab import flag_names
from .scope import refreshing
from .service import Service

BUILD_STAGES = {"read": "读取文件", "embed": "计算向量", "write": "写入索引", "save": "检查并保存文件"}
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


def corpus_files(service: Service) -> list[str]:
    """Every file in the corpus folder, indexed or not (an unreadable one can be deleted too)."""
    if not service.corpus_dir.is_dir():
        return []
    return [path.relative_to(service.corpus_dir).as_posix() for path in list_corpus_files(service.corpus_dir)]


def rebuild_lines(service: Service, changes: list[str], progress: Progress | None = None) -> list[str]:
    """`changes`, then what bringing the index up to date did (or why it could not: the old index stays)."""
    try:
        return [*changes, "✓ " + service.rebuild(progress)]
    except AssistantError as exc:
        return [*changes, f"⚠ {exc}"]


def add_uploads(service: Service, paths: Sequence[str | Path], progress: Progress | None = None) -> list[str]:
    """Check and save each uploaded file (by its own name), then update the index if any went in; one line each."""
    outcomes = []
    for done, path in enumerate(paths):
        if progress:
            progress("save", done, len(paths))
        outcomes.append(add_file(service.corpus_dir, Path(path)))
    changes = [f"✓ 已添加：{o.source}" if o.ok else f"⚠ {o.problem}" for o in outcomes]
    return rebuild_lines(service, changes, progress) if any(o.ok for o in outcomes) else changes


def delete_files(service: Service, names: Sequence[str], progress: Progress | None = None) -> list[str]:
    """Delete the named corpus files, then update the index; one line each."""
    outcomes = [remove_file(service.corpus_dir, name) for name in names]
    changes = [f"✓ 已删除：{o.source}" if o.ok else f"⚠ {o.problem}" for o in outcomes]
    return rebuild_lines(service, changes, progress) if any(o.ok for o in outcomes) else changes


def corpus_tab(service: Service, pickers: list[gr.Dropdown]) -> None:
    """Index status, the article list, rebuild, uploads and deletion; each refreshes every file and article picker."""
    status = gr.Markdown(status_markdown(service), elem_id="index-status")
    with gr.Row():
        rebuild = gr.Button("重建索引", variant="primary", elem_id="rebuild", scale=0, min_width=120)
        refresh = gr.Button("刷新", variant="secondary", scale=0, min_width=80)
    outcome = gr.Markdown(elem_id="rebuild-outcome")
    with gr.Row():
        uploads = gr.File(
            label=f"添加文件（可拖入多个；{' '.join(SUPPORTED_SUFFIXES)}；每个不超过 {MAX_FILE_BYTES // 2**20} MB）",
            file_count="multiple",
            file_types=list(SUPPORTED_SUFFIXES),
            type="filepath",
            elem_id="uploads",
            scale=3,
        )
        with gr.Column(scale=2):
            add = gr.Button("添加到语料库并更新索引", variant="primary", elem_id="add-files")
            doomed = gr.Dropdown(
                choices=corpus_files(service), value=[], multiselect=True, label="要删除的文件", elem_id="doomed"
            )
            delete = gr.Button("删除所选文件并更新索引", variant="stop", elem_id="delete-files")
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

    def finished(lines: list[str]) -> tuple:
        text = "\n\n".join(render.chat_text(line) for line in lines)
        return text, *overview(), gr.update(choices=corpus_files(service), value=[])

    def tracker(progress: gr.Progress) -> Progress:
        return lambda stage, done, total: progress((done, max(total, 1)), desc=BUILD_STAGES.get(stage, stage))

    def run_rebuild(progress=gr.Progress()):  # noqa: B008 - Gradio finds its progress tracker by this default
        return finished(rebuild_lines(service, [], tracker(progress)))

    def run_add(paths: list[str] | None, progress=gr.Progress()):  # noqa: B008
        return finished(add_uploads(service, paths, tracker(progress)) if paths else ["请先选择或拖入文件。"])

    def run_delete(names: list[str] | None, progress=gr.Progress()):  # noqa: B008
        return finished(delete_files(service, names, tracker(progress)) if names else ["请先选择要删除的文件。"])

    refresh.click(overview, None, [status, articles], api_visibility="private", queue=False)
    changing = {"api_visibility": "private", "concurrency_limit": 1, "concurrency_id": "rebuild"}
    outputs = [outcome, status, articles, doomed]
    rebuild.click(run_rebuild, None, outputs, **changing).then(**refreshing(service, pickers))
    add.click(run_add, uploads, outputs, **changing).then(
        lambda: None, None, uploads, api_visibility="private", queue=False
    ).then(**refreshing(service, pickers))
    delete.click(run_delete, doomed, outputs, **changing).then(**refreshing(service, pickers))
