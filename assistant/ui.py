"""The Gradio web app: a chat answering from the articles with cited sources, a retrieval test and a corpus view.

`build_app(service)` returns the Blocks; `launch(app, host, port)` serves it (127.0.0.1 by default, never a
public share link). The page is in Chinese. Every handler turns an AssistantError into a message for the user.
Named API endpoints for programs: "ask" (Answer.to_dict()) and "search" (a list of Hit.to_dict()).
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import gradio as gr

from . import render
from .chat import DEFAULT_K, MAX_K, AnswerMode, ChatState, checked_k, respond
from .conversation import questions_from_text
from .core import Assistant
from .embedding import Embedder
from .errors import AssistantError
from .llm import BASE_URL_ENV, MODEL_ENV
from .results import Hit
from .settings import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
CHAT_CONCURRENCY = 4  # questions answered at once; more only queue for the same two CPU cores
BUILD_STAGES = {"read": "读取文件", "embed": "计算向量", "write": "写入索引"}
_ASSETS = Path(__file__).with_name("ui_assets")


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
            answer = assistant.ask(question)
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


# ---- retrieval test and corpus views ------------------------------------------------------------

HIT_COLUMNS = ["名次", "融合分", "关键词分", "关键词名次", "向量分", "向量名次", "标题", "文件", "标记", "段落"]
ARTICLE_COLUMNS = ["文件", "篇", "标题", "段落数", "标记"]


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
            _flag_names(hit.flags),
            hit.text,
        ]
        for rank, hit in enumerate(hits, 1)
    ]


def _flag_names(flags: Sequence[str]) -> str:
    return "、".join(render.FLAG_LABELS.get(f, f) for f in flags)


def _number(value: float | int | None) -> str:
    if value is None:
        return "—"
    return str(value) if isinstance(value, int) else f"{value:.4f}"


def status_markdown(service: Service) -> str:
    if service.assistant is None:
        return f"**索引不可用。** {render.chat_text(service.problem)}\n\n修正后点击“重建索引”。"
    s = service.assistant.status()
    state = "✓ 最新" if s.fresh else "⚠ 已过期：" + "；".join(s.stale_reasons) + "（点击“重建索引”更新）"
    lines = [
        f"**索引状态：** {state}",
        f"**模型：** {s.model}（{s.dimension} 维）　**构建时间：** {s.built_at}",
        f"**规模：** {s.files} 个文件，{s.articles} 篇文章，{s.passages} 个段落",
    ]
    if s.skipped:
        lines.append("**未收录的文件：** " + "、".join(s.skipped))
    return "\n\n".join(render.chat_text(line) for line in lines)


def article_rows(service: Service) -> list[list[str]]:
    if service.assistant is None:
        return []
    return [
        [a.source, str(a.number + 1), a.title, str(a.passages), _flag_names(a.flags)]
        for a in service.assistant.articles()
    ]


def source_choices(service: Service) -> list[str]:
    return service.assistant.sources() if service.assistant else []


# ---- layout -------------------------------------------------------------------------------------


def build_app(service: Service) -> gr.Blocks:
    with gr.Blocks(title="新闻问答助手", fill_width=True) as app:
        gr.HTML(
            '<div class="app-header"><h1>新闻问答助手</h1><p>从本地新闻文章中检索并作答，每句话都注明出处。</p></div>'
        )
        with gr.Tabs():
            with gr.Tab("对话", id="chat"):
                chatbot, source_filter = _chat_tab(service)
            with gr.Tab("检索测试", id="retrieval"):
                _retrieval_tab(service)
            with gr.Tab("语料库", id="corpus"):
                _corpus_tab(service, source_filter)
        _api_endpoints(service)

        def fill_in():  # after the page shows: working out the example questions takes a few searches
            examples = [{"text": q} for q in service.examples()]
            return gr.update(examples=examples), gr.update(choices=source_choices(service))

        app.load(fill_in, None, [chatbot, source_filter], api_visibility="private")
    app.queue(default_concurrency_limit=CHAT_CONCURRENCY)
    return app


def _chat_tab(service: Service) -> tuple[gr.Chatbot, gr.Dropdown]:
    state = gr.State(ChatState())
    with gr.Row(equal_height=False, elem_classes="chat-row"):
        with gr.Column(scale=3, min_width=320):
            chatbot = gr.Chatbot(
                elem_id="chat",
                label="对话",
                show_label=False,
                height="62vh",
                buttons=["copy"],
                feedback_options=None,
                group_consecutive_messages=False,
                layout="bubble",
                placeholder=(
                    "<div class='chat-welcome'><h3>有什么想问的？</h3>"
                    "<p>问题会在本地文章中检索，回答里的 [1] [2] 可点击查看原文。</p>"
                    "<p class='hint'>Enter 发送，Shift+Enter 换行</p></div>"
                ),
            )
            with gr.Row(elem_classes="input-row"):
                question = gr.Textbox(
                    elem_id="question",
                    show_label=False,
                    placeholder="输入问题，Enter 发送",
                    lines=1,
                    max_lines=6,
                    scale=5,
                    autofocus=True,
                )
                send = gr.Button("发送", variant="primary", scale=1, min_width=72, elem_id="send")
            with gr.Row(elem_classes="chat-tools"):
                clear = gr.Button("清空对话", size="sm", variant="secondary", elem_id="clear", scale=0, min_width=96)
            k, sources, mode = _settings_panel(service)
        with gr.Column(scale=2, min_width=300):
            gr.HTML("<h3 class='panel-title'>来源</h3>")
            panel = gr.HTML(render.sources_panel([]), elem_id="sources", js_on_load=None)

    outputs = [chatbot, state, panel, question]

    inputs = [question, state, k, sources, *mode]

    def chat(question_text, chat_state, k_value, chosen, how, base_url, model, api_key):
        answer_mode = AnswerMode(how == "generate", base_url or "", model or "", api_key or "")
        yield from respond(service.require, question_text, chat_state, k_value, chosen, answer_mode)

    for trigger in (question.submit, send.click):
        trigger(chat, inputs, outputs, api_visibility="private", concurrency_id="answer")

    def pick_example(selected: gr.SelectData) -> str:
        return selected.value["text"]

    chatbot.example_select(pick_example, None, question, api_visibility="private", queue=False).then(
        chat, inputs, outputs, api_visibility="private", concurrency_id="answer"
    )
    clear.click(
        lambda: ([], ChatState(), render.sources_panel([]), ""), None, outputs, api_visibility="private", queue=False
    )
    chatbot.clear(lambda: (ChatState(), render.sources_panel([])), None, [state, panel], api_visibility="private")
    return chatbot, sources


def _settings_panel(service: Service) -> tuple[gr.Slider, gr.Dropdown, list[gr.components.Component]]:
    """Passage count, source filter and answer mode; the model endpoint fields show only for generated answers."""
    with gr.Accordion("设置", open=False, elem_id="settings"):
        k = gr.Slider(1, MAX_K, value=DEFAULT_K, step=1, label="检索段落数")
        sources = gr.Dropdown(
            choices=source_choices(service), multiselect=True, label="只在这些文件中查找（留空表示全部）"
        )
        how = gr.Radio(
            [("摘录原文（无需模型）", "quote"), ("语言模型生成（OpenAI 兼容接口）", "generate")],
            value="quote",
            label="回答方式",
            elem_id="answer-mode",
        )
        with gr.Group(visible=False, elem_id="endpoint") as endpoint:
            base_url = gr.Textbox(
                label="接口地址", placeholder="http://127.0.0.1:11434/v1", value=os.environ.get(BASE_URL_ENV, "")
            )
            model = gr.Textbox(label="模型名", placeholder="qwen2.5:7b-instruct", value=os.environ.get(MODEL_ENV, ""))
            api_key = gr.Textbox(label="API Key（本地模型可留空）", type="password")
        how.change(lambda chosen: gr.update(visible=chosen == "generate"), how, endpoint, api_visibility="private")
    return k, sources, [how, base_url, model, api_key]


def _retrieval_tab(service: Service) -> None:
    gr.Markdown("输入查询，查看每个段落的关键词分、向量分和融合分及各自名次，用来判断检索是否可信。")
    with gr.Row():
        query = gr.Textbox(show_label=False, placeholder="输入查询，Enter 检索", scale=5, elem_id="retrieval-query")
        k = gr.Slider(1, MAX_K, value=10, step=1, label="结果数", scale=2)
        run = gr.Button("检索", variant="primary", scale=1, min_width=72, elem_id="retrieval-run")
    method = gr.Radio(
        [("混合（实际使用）", "hybrid"), ("只用关键词", "keyword"), ("只用向量", "vector")],
        value="hybrid",
        label="检索方式",
        elem_id="retrieval-method",
    )
    message = gr.Markdown()
    table = gr.Dataframe(
        headers=HIT_COLUMNS,
        datatype="str",
        interactive=False,
        wrap=True,
        elem_id="hits",
        column_widths=["5%", "7%", "7%", "6%", "7%", "6%", "14%", "12%", "6%", "30%"],
        max_height=640,
    )

    def retrieve(text: str, k_value: float, how: str):
        try:
            hits = service.require().search(text, k=checked_k(k_value), method=how)
        except AssistantError as exc:
            return f"⚠ {render.chat_text(str(exc))}", []
        return f"共 {len(hits)} 条结果。", hit_rows(hits)

    for trigger in (query.submit, run.click):
        trigger(retrieve, [query, k, method], [message, table], api_visibility="private", concurrency_id="answer")


def _corpus_tab(service: Service, source_filter: gr.Dropdown) -> None:
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
        return (
            render.chat_text(summary),
            *overview(),
            gr.update(choices=source_choices(service)),
        )

    refresh.click(overview, None, [status, articles], api_visibility="private", queue=False)
    rebuild.click(
        run_rebuild,
        None,
        [outcome, status, articles, source_filter],
        api_visibility="private",
        concurrency_limit=1,
        concurrency_id="rebuild",
    )


def _api_endpoints(service: Service) -> None:
    def ask(question: str, k: int = DEFAULT_K, sources: list[str] | None = None) -> dict:
        """Answer a question from the articles; the reply quotes them with [n] markers and lists the citations."""
        with _reported_to_client():
            return service.require().ask(question, k=checked_k(k), sources=sources or None).to_dict()

    def search(question: str, k: int = DEFAULT_K, sources: list[str] | None = None) -> list[dict]:
        """The k best passages for a question, best first, with keyword, vector and fused scores."""
        with _reported_to_client():
            hits = service.require().search(question, k=checked_k(k), sources=sources or None)
        return [h.to_dict() for h in hits]

    gr.api(ask, api_name="ask", concurrency_id="answer")
    gr.api(search, api_name="search", concurrency_id="answer")


@contextmanager
def _reported_to_client() -> Iterator[None]:
    """A user's mistake reaches an API client as its message (gradio_client raises AppError), not a traceback."""
    try:
        yield
    except AssistantError as exc:
        raise gr.Error(str(exc), print_exception=False) from exc


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
    )
    return url


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def _theme() -> gr.Theme:
    cjk = ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "sans-serif"]
    return gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=cjk)
