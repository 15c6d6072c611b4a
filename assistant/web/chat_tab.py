"""The 对话 tab: the chat, its settings (passages, where to look, answer mode) and the sources panel."""

from __future__ import annotations

import os

import gradio as gr

from ..answers.llm import BASE_URL_ENV, MODEL_ENV
from . import render
from .chat import DEFAULT_K, MAX_K, AnswerMode, ChatState, respond
from .scope import scope_pickers, search_scope
from .service import Service


def chat_tab(service: Service) -> tuple[gr.Chatbot, tuple[gr.Dropdown, gr.Dropdown]]:
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

    def chat(question_text, chat_state, k_value, files, article, how, base_url, model, api_key, check):
        answer_mode = AnswerMode(how == "generate", base_url or "", model or "", api_key or "", check, how == "local")
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
        scope = scope_pickers(service, "chat")
        how = gr.Radio(
            [
                ("摘录原文", "quote"),
                ("本地模型生成（离线，较慢）", "local"),
                ("语言模型生成（OpenAI 兼容接口）", "generate"),
            ],
            value="quote",
            label="回答方式",
            elem_id="answer-mode",
        )
        check = gr.Checkbox(
            value=True,
            label="用阅读模型核对摘录的回答（更准，每问多几秒；关闭则更快）",
            elem_id="reader-check",
        )
        with gr.Group(visible=False, elem_id="endpoint") as endpoint:
            base_url = gr.Textbox(
                label="接口地址", placeholder="http://127.0.0.1:11434/v1", value=os.environ.get(BASE_URL_ENV, "")
            )
            model = gr.Textbox(label="模型名", placeholder="qwen2.5:7b-instruct", value=os.environ.get(MODEL_ENV, ""))
            api_key = gr.Textbox(label="API Key（本地模型可留空）", type="password")
        how.change(lambda chosen: gr.update(visible=chosen == "generate"), how, endpoint, api_visibility="private")
    return k, scope, [how, base_url, model, api_key, check]
