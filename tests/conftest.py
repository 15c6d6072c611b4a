"""Shared fixtures. Unit tests use a small hashing embedder; tests marked `slow` use the real default model."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may touch the network
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# The app started as a subprocess answers with the rules too (see _no_reader_unless_given).
os.environ.setdefault("ASSISTANT_READER", "off")

REPO = Path(__file__).resolve().parent.parent
SEED_CORPUS = REPO / "corpus"


class HashingEmbedder:
    """A fast stand-in: character unigrams and bigrams hashed into a fixed number of dimensions.

    It is deterministic and similar texts get similar vectors, which is all retrieval plumbing needs.
    """

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.model_id = f"test-hashing-{dimension}"

    def _encode(self, texts) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
            for gram in grams:
                if gram.strip():
                    slot = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=4).digest(), "little")
                    out[row, slot % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out

    def encode_queries(self, texts) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts)


@pytest.fixture(autouse=True)
def _no_reader_unless_given(monkeypatch):
    """Assistants answer with the rules unless a test gives one a reader (`assistant.reader = …`): Settings()
    built in a test would otherwise load the 1.1 GB reading model, and its answers would depend on its timing."""
    import assistant.core

    monkeypatch.setattr(assistant.core, "load_reader", lambda settings: None)


@pytest.fixture
def hashing_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def seed_corpus(tmp_path: Path) -> Path:
    """A private copy of the seed corpus, so a test may add, change or delete files."""
    target = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, target)
    return target


@pytest.fixture(scope="session")
def real_embedder():
    """The default model as it runs by default (the int8 encoder), loaded once per test session."""
    from assistant.core import shared_embedder
    from assistant.settings import DEFAULT_MODEL

    return shared_embedder(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def float_embedder():
    """The default model's float32 PyTorch encoder, loaded once per test session."""
    from assistant.core import shared_embedder
    from assistant.settings import DEFAULT_MODEL

    return shared_embedder(DEFAULT_MODEL, "float")


@pytest.fixture(scope="session")
def seed_assistant(tmp_path_factory, real_embedder):
    """An assistant over the seed corpus with the real model, built once per session."""
    from assistant import Assistant

    root = tmp_path_factory.mktemp("seed")
    corpus = root / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    return Assistant.build(corpus, root / "index")


# ---- the web app as users start it (helper "ui") -------------------------------------------------

# Markup in corpus text. The text pipeline strips the tags it knows (script, img); the others reach the app.
HOSTILE_ARTICLE = """天门市举办油菜花节<svg/onload=alert(1)>

天门市油菜花节共接待游客38万人次<details open ontoggle=alert(2)>，带动旅游收入2.1亿元。
<marquee onstart=alert(3)>花海</marquee><script>alert(4)</script><img src=x onerror="alert(5)">
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """`python app.py` on a free port over a copy of the seed corpus plus a hostile article; yields its URL.

    The index does not exist beforehand, so this also proves that app.py builds it. Real model: mark users slow.
    """
    import subprocess
    import sys
    import time
    import urllib.request

    root = tmp_path_factory.mktemp("app")
    shutil.copytree(SEED_CORPUS, root / "corpus")
    (root / "corpus" / "hostile.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    port = free_port()
    log = (root / "app.log").open("w")
    command = [sys.executable, str(REPO / "app.py"), "--port", str(port), "--corpus", "corpus", "--index", "index"]
    process = subprocess.Popen(command, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900  # first run materialises the model and embeds the corpus
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"app.py exited with {process.returncode}:\n{(root / 'app.log').read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"app.py did not start in time:\n{(root / 'app.log').read_text()}")
            time.sleep(1)
        yield {"url": url, "root": root, "port": port}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# ---- a scripted OpenAI-compatible endpoint on 127.0.0.1 (the LLM answer path, its UI and its evaluation) -------

Script = Callable[[BaseHTTPRequestHandler], None]


class ScriptedServer:
    """POST /v1/chat/completions answered by the script the test sets; requests are recorded."""

    def __init__(self) -> None:
        self.script: Script = lambda handler: handler.send_error(404)
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts)
                    server.script(self)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as s:
        yield s


def chunk(content: str | None = None, finish: str | None = None) -> dict:
    delta = {} if content is None else {"content": content}
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def streamed(text: str, piece_chars: int = 4, done: bool = True) -> Script:
    """The reply as an SSE stream of small deltas, closed the way OpenAI closes it."""

    def script(handler: BaseHTTPRequestHandler) -> None:
        events = [chunk(text[i : i + piece_chars]) for i in range(0, len(text), piece_chars)]
        if done:
            events.append(chunk(finish="stop"))
        sse_head(handler)
        for event in events:
            handler.wfile.write(f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode())
            handler.wfile.flush()
        if done:
            handler.wfile.write(b"data: [DONE]\n\n")

    return script


def sse_head(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream; charset=utf-8")
    handler.end_headers()


def raw(status: int, content_type: str, body: str) -> Script:
    def script(handler: BaseHTTPRequestHandler) -> None:
        data = body.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return script


# ---- a Milvus server of our own: `milvus-lite server` on a free 127.0.0.1 port ---------------------------------


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory) -> Iterator[str]:
    """`milvus-lite server` (the Milvus gRPC protocol, as a cluster speaks it) on a free 127.0.0.1 port; yields the
    milvus://127.0.0.1:PORT address and stops the server it started at the end of the session."""
    from assistant.store.milvus import lite_server

    root = tmp_path_factory.mktemp("milvus")
    with lite_server(root / "data", free_port(), root / "server.log") as address:
        yield address
