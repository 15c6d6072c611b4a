"""A GGUF language model run in this process by llama.cpp (the `xllamacpp` package), shared by every thread.

It answers OpenAI-style chat-completion requests in-process (`chat`, used by the reader's judgements) and over an
OpenAI-compatible HTTP listener on a free loopback port (`base_url`, used by generated answers through the same
client as any other endpoint). Loading takes seconds and about 1.5 GB, so there is one model per process.
A bounded number of requests wait for it; one that cannot start before its deadline gets ModelBusyError, so a
caller can answer without the model instead of queueing forever.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import AssistantError, ModelUnavailableError

CONTEXT_TOKENS = 4096
PROMPT_CACHE_MIB = 64  # a few recent prompts' states: judging and extraction prompts are a few hundred tokens
SLOTS = 1  # requests run one at a time: on two cores a second slot only halves the speed of each
MAX_WAITING = 8  # requests that may queue for the model; more are turned away at once


class ModelBusyError(AssistantError):
    """The model could not take the request before its deadline (too many questions at once)."""


class Admission:
    """At most `slots` requests run at once and `waiting` more wait, each no longer than its deadline; the rest
    are turned away at once (ModelBusyError), so a crowd of questions never piles up behind a slow model."""

    def __init__(self, slots: int = SLOTS, waiting: int = MAX_WAITING) -> None:
        self._running = threading.BoundedSemaphore(slots)
        self._present = threading.BoundedSemaphore(slots + waiting)

    @contextmanager
    def slot(self, deadline: float | None = None) -> Iterator[None]:
        if not self._present.acquire(blocking=False):
            raise ModelBusyError("阅读模型正忙 (the reading model is busy).")
        try:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not self._running.acquire(timeout=wait):
                raise ModelBusyError("阅读模型排队超时 (the reading model could not be reached in time).")
            try:
                yield
            finally:
                self._running.release()
        finally:
            self._present.release()


class LocalChatModel:
    """One llama.cpp model; `chat` runs a request when a slot frees up before `deadline` (time.monotonic)."""

    def __init__(self, path: Path, threads: int | None = None, listen: bool = True) -> None:
        try:
            import xllamacpp
        except ImportError as error:
            raise ModelUnavailableError(
                "阅读模型需要 xllamacpp 软件包：pip install xllamacpp（或 make setup）"
                "(the reading model needs the xllamacpp package)."
            ) from error
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = CONTEXT_TOKENS
        params.n_parallel = SLOTS
        params.cpuparams.n_threads = params.cpuparams_batch.n_threads = threads or os.cpu_count() or 2
        params.warmup = False
        # Read the weights into memory rather than mapping the file. With the prebuilt wheel's repacked weight
        # buffers a mapped file counted twice (about 0.6 GB more); without extra buffers (below) both ways measure
        # 1.41 GB resident.
        params.load_mode = xllamacpp.llama_load_mode.LLAMA_LOAD_MODE_NONE
        # llama.cpp keeps past prompts in RAM so that the judging prompt's prefix survives an extraction in between;
        # its default allowance (8 GiB) would let a long-running app grow far past its memory budget.
        params.cache_ram_mib = PROMPT_CACHE_MIB
        # No extra weight buffers (AMX tiles, repacked blocks): llama.cpp built for this CPU (make setup) crashes
        # loading into its AMX buffer. Without them the native build judges in 0.67-0.72 s at p50; the prebuilt
        # AVX2 wheel takes 1.33-1.36 s with or without its repacked blocks (measured 2026-12-05).
        params.no_extra_bufts = True
        params.verbosity = -1  # llama.cpp's own log goes to stderr; keep the app's output readable
        if listen:
            params.hostnames = ["127.0.0.1"]
            params.port = _free_port()
        self.path = path
        self.name = path.stem
        try:
            self._server = xllamacpp.Server(params)
        except Exception as error:  # llama.cpp reports a bad file as a generic runtime error
            raise ModelUnavailableError(
                f"无法加载语言模型 {path}：{error} (cannot load the language model)."
            ) from error
        self.base_url = f"http://127.0.0.1:{params.port}/v1" if listen else ""
        self._admission = Admission()

    def chat(self, request: dict[str, Any], deadline: float | None = None) -> dict[str, Any]:
        """The chat-completion response for `request` (OpenAI format: messages, max_tokens, logprobs, …)."""
        with self._admission.slot(deadline):
            response = self._server.handle_chat_completions(request)
        if not isinstance(response, dict) or "choices" not in response:
            raise AssistantError(f"阅读模型返回了错误：{str(response)[:200]} (the reading model failed).")
        return response


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


_loaded: dict[Path, LocalChatModel] = {}
_loading = threading.Lock()


def shared_chat_model(path: Path) -> LocalChatModel:
    """The process's one copy of the model in `path`, loaded by whoever asks first (others wait for it)."""
    with _loading:
        if path not in _loaded:
            _loaded[path] = LocalChatModel(path)
        return _loaded[path]
