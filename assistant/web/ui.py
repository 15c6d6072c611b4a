"""The Gradio web app: a chat answering from the articles with cited sources, a retrieval test and a corpus view.

`build_app(service)` wires the tabs (chat_tab, retrieval_tab, corpus_tab) and the API endpoints (api) into one
page; `launch(app, host, port)` serves it (127.0.0.1 by default, never a public share link). The page is in
Chinese. Every handler turns an AssistantError into a message for the user.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from .api import api_endpoints
from .chat_tab import chat_tab
from .corpus_tab import corpus_tab
from .retrieval_tab import retrieval_tab
from .scope import refreshing
from .service import Service

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
UPLOAD_CEILING = "1gb"
CHAT_CONCURRENCY = 4  # questions answered at once; more only queue for the same two CPU cores
_ASSETS = Path(__file__).with_name("assets")


def build_app(service: Service) -> gr.Blocks:
    with gr.Blocks(title="新闻问答助手", fill_width=True) as app:
        gr.HTML(
            '<div class="app-header"><h1>新闻问答助手</h1><p>从本地新闻文章中检索并作答，每句话都注明出处。</p></div>'
        )
        with gr.Tabs():
            with gr.Tab("对话", id="chat"):
                chatbot, chat_scope = chat_tab(service)
            with gr.Tab("检索测试", id="retrieval"):
                retrieval_scope = retrieval_tab(service)
            pickers = [*chat_scope, *retrieval_scope]
            with gr.Tab("语料库", id="corpus"):
                corpus_tab(service, pickers)
        api_endpoints(service)

        def fill_in():  # after the page shows: working out the example questions takes a few searches
            return gr.update(examples=[{"text": q} for q in service.examples()])

        app.load(fill_in, None, chatbot, api_visibility="private")
        app.load(**refreshing(service, pickers))  # the index may have changed since the layout was made
    app.queue(default_concurrency_limit=CHAT_CONCURRENCY)
    return app


def launch(app: gr.Blocks, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, block: bool = True) -> str:
    """Serve the app; returns its local URL (when block is False the server runs in a background thread)."""
    _, url, _ = app.launch(
        server_name=host,
        server_port=port,
        share=False,
        prevent_thread_lock=not block,
        show_error=False,
        footer_links=["api"],
        theme=_theme(),
        css=_asset("ui.css"),
        head=f"<style>{_asset('page.css')}</style><script>{_asset('ui.js')}</script>",
        quiet=True,
        # Uploads over our own limit are refused with a message naming them (text/intake.py); this only keeps a
        # runaway upload from filling the disk before that check sees it.
        max_file_size=UPLOAD_CEILING,
    )
    return url


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def _theme() -> gr.Theme:
    cjk = ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "sans-serif"]
    return gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=cjk)
