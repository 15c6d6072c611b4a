"""The app served by a real Gradio server in this process, used through gradio_client's named endpoints."""

from __future__ import annotations

import shutil

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from assistant.web import ui
from assistant.web.service import Service

AIRPORT = "鄂州花湖国际机场累计开通货运航线多少条？"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from conftest import SEED_CORPUS, HashingEmbedder, free_port

    root = tmp_path_factory.mktemp("served")
    shutil.copytree(SEED_CORPUS, root / "corpus")
    service = Service.start(root / "corpus", root / "index", embedder=HashingEmbedder())
    app = ui.build_app(service)
    url = ui.launch(app, port=free_port(), block=False)
    try:
        yield Client(url, verbose=False)
    finally:
        app.close()


def test_ask_endpoint_returns_answer_with_citations(client):
    answer = client.predict(AIRPORT, 5, None, api_name="/ask")
    assert answer["found"] is True
    assert "111条" in answer["citations"][0]["sentence"] and answer["checked"] is None  # no reader in this app
    assert answer["citations"][0]["hit"]["source"] == "hubei-daily-cadres-roundup.txt"
    assert "[1]" in answer["text"]


def test_search_endpoint_returns_scored_hits(client):
    hits = client.predict(AIRPORT, 3, ["hubei-daily-cadres-roundup.txt"], api_name="/search")
    assert 1 <= len(hits) <= 3
    assert all(h["source"] == "hubei-daily-cadres-roundup.txt" for h in hits)
    assert {"score", "keyword_score", "vector_score", "keyword_rank", "vector_rank"} <= set(hits[0])


def test_search_endpoint_takes_a_retrieval_method(client):
    keyword = client.predict(AIRPORT, 3, None, None, "keyword", api_name="/search")
    assert keyword and all(h["vector_rank"] is None and h["keyword_rank"] for h in keyword)
    vector = client.predict(AIRPORT, 3, None, None, "vector", api_name="/search")
    assert vector and all(h["keyword_rank"] is None and h["vector_rank"] for h in vector)
    with pytest.raises(AppError, match="method"):
        client.predict(AIRPORT, 3, None, None, "bm25", api_name="/search")


def test_endpoints_take_an_article_filter_numbered_from_zero(client):
    roundup = "hubei-daily-cadres-roundup.txt"
    hits = client.predict(AIRPORT, 5, None, [[roundup, 1]], api_name="/search")
    assert hits and {(h["source"], h["article"]) for h in hits} == {(roundup, 1)}
    assert all(h["passage_ids"] and h["passage_id"] in h["passage_ids"] for h in hits)
    answer = client.predict(AIRPORT, 5, [roundup], [[roundup, 0]], api_name="/ask")
    assert "111条" in answer["citations"][0]["sentence"]
    assert {(c["hit"]["source"], c["hit"]["article"]) for c in answer["citations"]} == {(roundup, 0)}
    with pytest.raises(AppError, match="articles"):
        client.predict(AIRPORT, 5, None, [[roundup, "第1篇"]], api_name="/search")


@pytest.mark.parametrize(
    ("question", "k", "message"), [("", 5, "请输入问题"), ("长" * 10_000, 5, "问题太长"), (AIRPORT, 0, "1 到 20")]
)
def test_bad_requests_get_the_users_message(client, question, k, message):
    with pytest.raises(AppError, match=message):
        client.predict(question, k, None, api_name="/ask")


def test_only_the_named_endpoints_are_public(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/ask", "/search"}


def test_app_with_a_missing_corpus_still_serves_and_says_what_is_wrong(tmp_path):
    import subprocess
    import sys
    import time

    from conftest import REPO, free_port

    port = free_port()
    command = [sys.executable, str(REPO / "app.py"), "--port", str(port), "--corpus", "nowhere", "--index", "index"]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                client = Client(f"http://127.0.0.1:{port}", verbose=False)
                break
            except Exception:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "app.py did not start"
                time.sleep(0.5)
        with pytest.raises(AppError, match="语料文件夹不存在"):
            client.predict(AIRPORT, 5, None, api_name="/ask")
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert "语料文件夹不存在" in output and "Traceback" not in output
