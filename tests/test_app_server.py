"""`python app.py` as users start it: a real server with the real model, asked through gradio_client."""

from __future__ import annotations

import socket

import pytest
from gradio_client import Client

pytestmark = pytest.mark.slow

SEED_FACTS = [
    ("赤壁市预计全年GDP是多少?", "622亿元", "chibi-cadre-year.txt"),
    ("鄂州花湖国际机场累计开通货运航线多少条?", "111条", "hubei-daily-cadres-roundup.txt"),
    ("新港園區1—8月進出口額是多少?", "256.5億元", "xingang-park-traditional.txt"),
]


@pytest.fixture(scope="module")
def client(app_server):
    return Client(app_server["url"], verbose=False)


def test_app_builds_the_missing_index_before_serving(app_server):
    assert (app_server["root"] / "index" / "manifest.json").is_file()


@pytest.mark.parametrize(("question", "fact", "source"), SEED_FACTS)
def test_seed_questions_are_answered_with_citations(client, question, fact, source):
    answer = client.predict(question, 5, None, api_name="/ask")
    assert answer["found"], answer
    assert fact in answer["direct"] or fact in answer["text"]
    assert "[1]" in answer["text"]
    cited = answer["citations"]
    assert any(fact in c["sentence"] and source in [c["hit"]["source"], *c["hit"]["also_in"]] for c in cited), cited


def test_unanswerable_question_is_refused_plainly(client):
    answer = client.predict("上海市2025年的GDP是多少?", 5, None, api_name="/ask")
    assert not answer["found"]
    assert answer["citations"] == []
    assert "没有" in answer["text"] and "[1]" not in answer["text"]


def test_search_endpoint_ranks_the_right_file_first(client):
    hits = client.predict("鄂州花湖国际机场累计开通货运航线多少条?", 3, None, api_name="/search")
    assert hits[0]["source"] == "hubei-daily-cadres-roundup.txt"
    assert hits[0]["keyword_rank"] is not None and hits[0]["vector_rank"] is not None


def test_server_listens_on_loopback_only(app_server):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # no packet is sent; this only picks the outward-facing address
        address = probe.getsockname()[0]
    if address.startswith("127."):
        pytest.skip("this machine has no non-loopback address to try")
    with socket.socket() as outside, pytest.raises(OSError):
        outside.settimeout(3)
        outside.connect((address, app_server["port"]))
