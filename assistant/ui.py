"""The Gradio web app: a chat answering from the articles with cited sources, a retrieval test and a corpus view.

`build_app(service)` returns the Blocks; `launch(app, host, port)` serves it (127.0.0.1 by default, never a
public share link). The page is in Chinese. Every handler turns an AssistantError into a message for the user.
Named API endpoints for programs: "ask" (Answer.to_dict()) and "search" (a list of Hit.to_dict()); both take
the question, k, and optionally corpus files and [file, article number] pairs to look in.
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
from .answers.llm import BASE_URL_ENV, MODEL_ENV
from .chat import DEFAULT_K, MAX_K, AnswerMode, ChatState, checked_k, respond
from .conversation import questions_from_text
from .core import ArticleInfo, Assistant
from .errors import AssistantError, QuestionError
from .model.embedding import Embedder
from .results import Hit
from .search.retrieval import Method
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
            str(hit.article + 1),  # numbered from 1, as in the corpus tab
            _flag_names(hit.flags),
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


# ---- where to look: corpus files and, optionally, one article --------------------------------------

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


# ---- layout -------------------------------------------------------------------------------------


def build_app(service: Service) -> gr.Blocks:
    with gr.Blocks(title="新闻问答助手", fill_width=True) as app:
        gr.HTML(
            '<div class="app-header"><h1>新闻问答助手</h1><p>从本地新闻文章中检索并作答，每句话都注明出处。</p></div>'
        )
        with gr.Tabs():
            with gr.Tab("对话", id="chat"):
                chatbot, chat_scope = _chat_tab(service)
            with gr.Tab("检索测试", id="retrieval"):
                retrieval_scope = _retrieval_tab(service)
            pickers = [*chat_scope, *retrieval_scope]
            with gr.Tab("语料库", id="corpus"):
                _corpus_tab(service, pickers)
        _api_endpoints(service)

        def fill_in():  # after the page shows: working out the example questions takes a few searches
            return gr.update(examples=[{"text": q} for q in service.examples()])

        app.load(fill_in, None, chatbot, api_visibility="private")
        app.load(**_refreshing(service, pickers))  # the index may have changed since the layout was made
    app.queue(default_concurrency_limit=CHAT_CONCURRENCY)
    return app


def _refreshing(service: Service, pickers: list[gr.Dropdown]) -> dict:
    """Event arguments that refresh every (files, article) picker pair from the current index."""

    def refresh(*chosen: list[str] | str | None) -> list[dict]:
        pairs = zip(chosen[::2], chosen[1::2], strict=True)  # the pickers come as (files, article) pairs
        return [update for files, article in pairs for update in scope_updates(service, files, article)]

    return {"fn": refresh, "inputs": pickers, "outputs": pickers, "api_visibility": "private", "queue": False}


def _scope_pickers(service: Service, name: str) -> tuple[gr.Dropdown, gr.Dropdown]:
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


def _chat_tab(service: Service) -> tuple[gr.Chatbot, tuple[gr.Dropdown, gr.Dropdown]]:
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
            k, scope, mode = _settings_panel(service)
        with gr.Column(scale=2, min_width=300):
            gr.HTML("<h3 class='panel-title'>来源</h3>")
            panel = gr.HTML(render.sources_panel([]), elem_id="sources", js_on_load=None)

    outputs = [chatbot, state, panel, question]

    inputs = [question, state, k, *scope, *mode]

    def chat(question_text, chat_state, k_value, files, article, how, base_url, model, api_key):
        answer_mode = AnswerMode(how == "generate", base_url or "", model or "", api_key or "")
        sources, articles = search_scope(files, article)
        yield from respond(service.require, question_text, chat_state, k_value, sources, answer_mode, articles=articles)

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
    return chatbot, scope


def _settings_panel(
    service: Service,
) -> tuple[gr.Slider, tuple[gr.Dropdown, gr.Dropdown], list[gr.components.Component]]:
    """Passage count, where to look and answer mode; the model endpoint fields show only for generated answers."""
    with gr.Accordion("设置", open=False, elem_id="settings"):
        k = gr.Slider(1, MAX_K, value=DEFAULT_K, step=1, label="检索段落数")
        scope = _scope_pickers(service, "chat")
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
    return k, scope, [how, base_url, model, api_key]


def _retrieval_tab(service: Service) -> tuple[gr.Dropdown, gr.Dropdown]:
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
        scope = _scope_pickers(service, "retrieval")
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


def _corpus_tab(service: Service, pickers: list[gr.Dropdown]) -> None:
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
    ).then(**_refreshing(service, pickers))


def _api_endpoints(service: Service) -> None:
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
