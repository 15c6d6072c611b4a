"""The 检索测试 tab: every hit of a query with its keyword, vector and fused scores and ranks."""

from __future__ import annotations

from collections.abc import Sequence

import gradio as gr

from ..errors import AssistantError
from ..results import Hit
from ..search.retrieval import Method
from . import render
from .chat import MAX_K, checked_k
from .scope import scope_pickers, search_scope
from .service import Service

HIT_COLUMNS = [
    "名次",
    "融合分",
    "关键词分",
    "关键词名次",
    "向量分",
    "向量名次",
    "标题",
    "文件",
    "篇",
    "标记",
    "段落编号",
    "段落",
]


def hit_rows(hits: Sequence[Hit]) -> list[list[str]]:
    """The retrieval-test table: one row per hit with its fused, keyword and vector scores and ranks."""
    return [
        [
            str(rank),
            f"{hit.score:.4f}",
            _number(hit.keyword_score),
            _number(hit.keyword_rank),
            _number(hit.vector_score),
            _number(hit.vector_rank),
            hit.title,
            hit.source,
            str(hit.article + 1),  # numbered from 1, as in the corpus tab
            flag_names(hit.flags),
            passage_label(hit.passage_ids),
            hit.text,
        ]
        for rank, hit in enumerate(hits, 1)
    ]


def retrieval_view(
    service: Service,
    query: str,
    k: float,
    method: Method = "hybrid",
    files: Sequence[str] | None = None,
    article: str | None = None,
) -> tuple[str, list[list[str]]]:
    """The retrieval test's message and table for a query, searched within the chosen files or article."""
    sources, articles = search_scope(files, article)
    try:
        hits = service.require().search(query, checked_k(k), sources, method, articles=articles)
    except AssistantError as exc:
        return f"⚠ {render.chat_text(str(exc))}", []
    return f"共 {len(hits)} 条结果。", hit_rows(hits)


def passage_label(ids: Sequence[str]) -> str:
    """A hit's passages by the ids `inspect` prints: one id, or the first and last of adjacent merged passages."""
    return ids[0] if len(ids) == 1 else f"{ids[0]} … {ids[-1]}（{len(ids)} 段）"


def flag_names(flags: Sequence[str]) -> str:
    return "、".join(render.FLAG_LABELS.get(f, f) for f in flags)


def _number(value: float | int | None) -> str:
    if value is None:
        return "—"
    return str(value) if isinstance(value, int) else f"{value:.4f}"


def retrieval_tab(service: Service) -> tuple[gr.Dropdown, gr.Dropdown]:
    gr.Markdown("输入查询，查看每个段落的关键词分、向量分和融合分及各自名次，用来判断检索是否可信。")
    with gr.Row():
        query = gr.Textbox(show_label=False, placeholder="输入查询，Enter 检索", scale=5, elem_id="retrieval-query")
        k = gr.Slider(1, MAX_K, value=10, step=1, label="结果数", scale=2)
        run = gr.Button("检索", variant="primary", scale=1, min_width=72, elem_id="retrieval-run")
    with gr.Row():
        method = gr.Radio(
            [("混合（实际使用）", "hybrid"), ("只用关键词", "keyword"), ("只用向量", "vector")],
            value="hybrid",
            label="检索方式",
            elem_id="retrieval-method",
            scale=3,
        )
        scope = scope_pickers(service, "retrieval")
    message = gr.Markdown()
    table = gr.Dataframe(
        headers=HIT_COLUMNS,
        datatype="str",
        interactive=False,
        wrap=True,
        elem_id="hits",
        column_widths=["4%", "6%", "6%", "5%", "6%", "5%", "12%", "11%", "4%", "6%", "11%", "24%"],
        max_height=640,
    )

    def retrieve(text: str, k_value: float, how: Method, files: list[str] | None, article: str | None):
        return retrieval_view(service, text, k_value, how, files, article)

    inputs = [query, k, method, *scope]
    for trigger in (query.submit, run.click):
        trigger(retrieve, inputs, [message, table], api_visibility="private", concurrency_id="answer")
    return scope
