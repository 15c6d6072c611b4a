"""Optional generated answers: an OpenAI-compatible chat endpoint, streamed, with every citation verified.

Users who run a model (Ollama, vLLM, llama.cpp server, a hosted API) set its base URL and model name. The
model sees the retrieved passages numbered [1]..[k] and must cite them; `verification.verify_answer` checks
each citation afterwards. Any failure of the endpoint falls back to the extractive answer, saying why.

The client is httpx (already used by the app) with httpx-sse for the event stream: the `openai` SDK would
add a dependency tree and retries (which delay the fallback) for one POST whose format we parse ourselves.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import httpx
from httpx_sse import EventSource, SSEError

from ..errors import AssistantError
from ..model.llama import shared_chat_model
from ..model.reader_weights import local_model_path
from ..results import Answer, Hit
from ..settings import ReaderSettings
from ..text.normalize import in_script, is_traditional
from .verification import MARKER, Verification, verify_answer

if TYPE_CHECKING:
    from ..model.embedding import Embedder

BASE_URL_ENV = "ASSISTANT_LLM_BASE_URL"
MODEL_ENV = "ASSISTANT_LLM_MODEL"
API_KEY_ENV = "ASSISTANT_LLM_API_KEY"
FALLBACK_API_KEY_ENV = "OPENAI_API_KEY"
TIMEOUT_ENV = "ASSISTANT_LLM_TIMEOUT"
CONNECT_TIMEOUT_S = 10.0  # an unreachable host should not hold the answer for the whole read timeout
ERROR_BODY_CHARS = 300
LOCAL_TIMEOUT_S = 300.0
LOCAL = "local"  # the base URL that names the bundled model


class LLMError(AssistantError):
    """The language model endpoint could not give an answer; the message says why, for users."""


@dataclass(frozen=True)
class LLMSettings:
    base_url: str  # up to and including the API version, e.g. http://127.0.0.1:11434/v1
    model: str
    api_key: str | None = None
    timeout_s: float = 60.0  # connect (capped at CONNECT_TIMEOUT_S) and longest silence while streaming
    max_tokens: int = 512
    temperature: float = 0.1

    @classmethod
    def from_env(cls, **overrides: object) -> LLMSettings | None:
        """Settings from ASSISTANT_LLM_* (the key falls back to OPENAI_API_KEY); None when no base URL is set.

        Explicit overrides (CLI flags, the web app's setting) win over the environment; None values are ignored.
        """
        given = {k: v for k, v in overrides.items() if v is not None}
        base_url = given.pop("base_url", None) or os.environ.get(BASE_URL_ENV, "").strip()
        if not base_url:
            return None
        model = given.pop("model", None) or os.environ.get(MODEL_ENV, "").strip()
        if not model:
            raise LLMError(
                f"已设置语言模型地址 {base_url}，但没有设置模型名：请设置 {MODEL_ENV} 或 --llm-model "
                f"(an LLM base URL is set but no model name: set {MODEL_ENV})."
            )
        api_key = given.pop("api_key", None) or os.environ.get(API_KEY_ENV) or os.environ.get(FALLBACK_API_KEY_ENV)
        settings = cls(base_url=normalized_base_url(str(base_url)), model=str(model), api_key=api_key or None)
        if os.environ.get(TIMEOUT_ENV):
            settings = replace(settings, timeout_s=_positive_float(os.environ[TIMEOUT_ENV], TIMEOUT_ENV))
        return replace(settings, **given)

    def __repr__(self) -> str:  # never print the key into logs
        key = "set" if self.api_key else "none"
        return f"LLMSettings(base_url={self.base_url!r}, model={self.model!r}, api_key={key}, timeout={self.timeout_s})"


def local_llm_settings(reader: ReaderSettings) -> LLMSettings:
    """Generated answers by the bundled model (or the reader's own GGUF file), offline, through the loopback
    listener of the one copy this process runs."""
    model = shared_chat_model(local_model_path(reader))
    # Generation runs at a few tokens a second on two cores: the silence before the first token can be long.
    return LLMSettings(base_url=model.base_url, model=model.name, timeout_s=LOCAL_TIMEOUT_S)


def normalized_base_url(url: str) -> str:
    """The base URL without a trailing slash or a pasted /chat/completions suffix."""
    url = url.strip().rstrip("/")
    return re.sub(r"/chat/completions$", "", url)


def _positive_float(value: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if number <= 0:
        raise LLMError(f"{name} 必须是正数（秒），现在是 {value!r} ({name} must be a positive number of seconds).")
    return number


# ---- the prompt -----------------------------------------------------------------------------------

_SYSTEM_PROMPT = """你是新闻问答助手，只根据用户给出的编号资料回答问题，不使用资料以外的知识。
要求：
1. 用{script}回答，简洁准确，保留资料中的数字、名称和日期。
2. 每句话末尾用 [编号] 标出依据的资料，例如“……增长了5%。[2]”；一句话依据多条资料时写 [1][3]。
   只能引用给出的编号，不要编造引用。
3. 如果资料中没有问题的答案，就直接说明资料中没有提到，不要猜测。"""

_SCRIPTS = {False: "简体中文", True: "繁體中文"}


def build_messages(question: str, hits: Sequence[Hit]) -> list[dict[str, str]]:
    """Chat messages: the rules (in Chinese, naming the question's script), then numbered passages and the question."""
    passages = "\n\n".join(
        f"[{n}] 《{hit.title}》（来源：{hit.source}）\n{hit.text.strip()}" for n, hit in enumerate(hits, start=1)
    )
    system = _SYSTEM_PROMPT.format(script=_SCRIPTS[is_traditional(question)])
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"资料：\n\n{passages}\n\n问题：{question.strip()}"},
    ]


# ---- the streaming client -------------------------------------------------------------------------


def stream_chat(settings: LLMSettings, messages: list[dict[str, str]]) -> Iterator[str]:
    """Pieces of the model's reply as they arrive. Raises LLMError for every way the endpoint can fail."""
    url = f"{settings.base_url}/chat/completions"
    body = {
        "model": settings.model,
        "messages": messages,
        "stream": True,
        "max_tokens": settings.max_tokens,
        "temperature": settings.temperature,
    }
    headers = {"Accept": "text/event-stream"}
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key}"
    timeout = httpx.Timeout(settings.timeout_s, connect=min(settings.timeout_s, CONNECT_TIMEOUT_S))
    try:
        with (
            httpx.Client(timeout=timeout) as client,
            client.stream("POST", url, json=body, headers=headers) as response,
        ):
            if response.status_code >= 400:
                response.read()
                raise LLMError(_status_message(settings, response))
            if _content_type(response) == "application/json":
                # Some servers ignore stream=true and send the whole completion at once.
                response.read()
                yield _completion_content(response.text)
                return
            yield from _stream_content(EventSource(response))
    except httpx.TimeoutException as exc:
        raise LLMError(
            f"语言模型 {settings.base_url} 在 {settings.timeout_s:g} 秒内没有响应 "
            f"(the model endpoint timed out: {type(exc).__name__})."
        ) from exc
    except (httpx.ConnectError, httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise LLMError(
            f"无法连接语言模型服务 {settings.base_url}，请检查地址和服务是否已启动 (endpoint unreachable: {exc})."
        ) from exc
    except httpx.HTTPError as exc:  # connection dropped mid-stream, protocol violations ...
        raise LLMError(f"与语言模型服务的连接中断 (connection to the model endpoint failed: {exc}).") from exc


class HttpChatModel:
    """An OpenAI-compatible endpoint answering whole (not streamed) chat-completion requests, e.g. the reader's."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout_s: float = 30.0) -> None:
        self.settings = LLMSettings(normalized_base_url(base_url), model, api_key, timeout_s)

    def chat(self, request: dict, deadline: float | None = None) -> dict:
        settings = self.settings
        timeout = (
            settings.timeout_s if deadline is None else max(0.1, min(settings.timeout_s, deadline - time.monotonic()))
        )
        headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
        try:
            response = httpx.post(
                f"{settings.base_url}/chat/completions",
                json={"model": settings.model, **request},
                headers=headers,
                timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_S)),
            )
        except httpx.HTTPError as exc:
            raise LLMError(f"无法连接阅读模型服务 {settings.base_url} (reader endpoint failed: {exc}).") from exc
        if response.status_code >= 400:
            raise LLMError(_status_message(settings, response))
        try:
            return response.json()
        except ValueError as exc:
            raise LLMError(_malformed("not JSON")) from exc


def _stream_content(events: EventSource) -> Iterator[str]:
    finished = False
    try:
        for event in events.iter_sse():
            if event.data.strip() == "[DONE]":
                return
            if not event.data.strip():
                continue
            try:
                chunk = json.loads(event.data)
            except json.JSONDecodeError as exc:
                raise LLMError(_malformed(f"not JSON: {event.data[:80]!r}")) from exc
            _raise_if_error(chunk)
            choice = _first_choice(chunk)
            piece = (choice.get("delta") or {}).get("content")
            if piece is not None and not isinstance(piece, str):
                raise LLMError(_malformed("delta.content is not text"))
            if piece:
                yield piece
            finished = finished or bool(choice.get("finish_reason"))
    except SSEError as exc:
        raise LLMError(_malformed(str(exc))) from exc
    if not finished:
        raise LLMError("语言模型的回复不完整：流在结束标记之前中断 (the stream ended before the reply was complete).")


def _completion_content(text: str) -> str:
    try:
        completion = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LLMError(_malformed(f"not JSON: {text[:80]!r}")) from exc
    _raise_if_error(completion)
    content = (_first_choice(completion).get("message") or {}).get("content")
    if not isinstance(content, str):
        raise LLMError(_malformed("no message.content"))
    return content


def _first_choice(chunk: object) -> dict:
    choices = chunk.get("choices") if isinstance(chunk, dict) else None
    if not isinstance(choices, list):
        raise LLMError(_malformed("no choices"))
    if not choices:
        return {}  # usage-only chunks carry no choice
    if not isinstance(choices[0], dict):
        raise LLMError(_malformed("a choice is not an object"))
    return choices[0]


def _raise_if_error(chunk: object) -> None:
    if isinstance(chunk, dict) and chunk.get("error"):
        error = chunk["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise LLMError(f"语言模型服务报告错误：{message} (the model endpoint reported an error).")


def _malformed(detail: str) -> str:
    return f"语言模型服务的回复格式不对，不是 OpenAI 兼容的流式回复 (malformed response: {detail})."


def _content_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").partition(";")[0].strip().lower()


def _status_message(settings: LLMSettings, response: httpx.Response) -> str:
    detail = response.text[:ERROR_BODY_CHARS].strip()
    try:
        error = json.loads(response.text).get("error")
        detail = str(error.get("message") if isinstance(error, dict) else error or detail)
    except (json.JSONDecodeError, AttributeError):
        pass
    hint = {
        401: "请检查 API key（ASSISTANT_LLM_API_KEY）",
        403: "请检查 API key 的权限",
        404: f"请检查地址是否包含 /v1 以及模型名 {settings.model} 是否存在",
        429: "请求太频繁或额度已用完",
    }.get(response.status_code, "服务出错")
    return f"语言模型服务返回 HTTP {response.status_code}：{hint} (HTTP {response.status_code}: {detail[:200]})."


# ---- the answer path ------------------------------------------------------------------------------

_THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)


@dataclass(frozen=True)
class AnswerUpdate:
    """One step of an answer in progress. Each update's text replaces the previous one's."""

    text: str  # the reply so far; on the last update, the final answer text
    answer: Answer | None = None  # set on the last update only
    note: str = ""  # for users: why the extractive answer is shown, or how many sentences failed verification
    generated: bool = True  # False when the answer is the extractive fallback
    verification: Verification | None = None  # the citation check of a generated answer (last update only)

    @property
    def final(self) -> bool:
        return self.answer is not None


def llm_answer(
    question: str,
    hits: Sequence[Hit],
    embedder: Embedder,
    settings: LLMSettings,
    fallback: Callable[[], Answer],
) -> Iterator[AnswerUpdate]:
    """Stream a generated answer over the hits, then yield it with verified citations.

    Partial updates carry the text so far; the last update carries the Answer. When the endpoint fails
    (unreachable, timeout, HTTP error, malformed reply) the last update is `fallback()` with a note saying why;
    text already streamed is replaced by it. With no hits there is nothing to cite: the fallback answers.
    """
    if not hits:
        answer = fallback()
        yield AnswerUpdate(answer.text, answer, generated=False)
        return
    traditional = is_traditional(question)
    raw = ""
    try:
        for piece in stream_chat(settings, build_messages(question, hits)):
            raw += piece
            yield AnswerUpdate(in_script(visible_text(raw), traditional))
        reply = in_script(visible_text(raw), traditional).strip()
        if not MARKER.sub("", reply).strip():
            raise LLMError("语言模型返回了空回答 (the model returned an empty reply).")
    except LLMError as error:
        answer = fallback()
        note = f"{error} 以下是从文章中摘录的回答。"
        yield AnswerUpdate(answer.text, answer, note=note, generated=False)
        return
    verification = verify_answer(reply, hits, embedder)
    yield AnswerUpdate(verification.answer.text, verification.answer, note=verification.note, verification=verification)


def visible_text(raw: str) -> str:
    """The reply without a reasoning model's <think> block (closed or still open)."""
    return _THINKING.sub("", raw).lstrip()
