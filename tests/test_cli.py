"""The command line, run in-process with the real default model."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main

EVAL_KEYS = {
    "recall@1",
    "recall@5",
    "recall@10",
    "mrr@10",
    "answer_recall@5",
    "build_s",
    "query_ms_p50",
    "query_ms_p95",
    "n_questions",
    "n_passages",
}


def test_missing_index_is_a_clear_error(tmp_path, capsys):
    assert main(["search", "赤壁", "--index", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "索引不存在" in err and "Traceback" not in err


@pytest.mark.slow
def test_build_search_ask(seed_corpus, tmp_path, capsys, real_embedder):
    index = str(tmp_path / "index")
    assert main(["build", "--corpus", str(seed_corpus), "--index", index]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert "5 files" in summary and "passages" in summary

    assert main(["search", "鄂州花湖国际机场累计开通了多少条货运航线?", "--index", index, "--json", "-k", "3"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 3
    assert {"text", "score", "source", "title", "passage_id", "start", "end"} <= set(hits[0])
    assert "111条" in hits[0]["text"]

    assert main(["ask", "鄂州花湖国际机场累计开通了多少条货运航线?", "--index", index, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["found"] and answer["citations"] and "[1]" in answer["text"]
    assert answer["citations"][0]["n"] == 1 and "111条" in answer["citations"][0]["hit"]["text"]

    assert main(["ask", "上海市2025年的GDP是多少?", "--index", index]) == 0
    assert "没有找到" in capsys.readouterr().out


def test_inspect_prints_articles_and_flags(capsys):
    from tests.conftest import SEED_CORPUS

    assert main(["inspect", str(SEED_CORPUS / "xingang-park-traditional.txt")]) == 0
    out = capsys.readouterr().out
    assert "mojibake" in out or "乱码" in out


@pytest.mark.slow
def test_eval_json_has_exactly_the_documented_keys(tmp_path, capsys, real_embedder):
    from tests.conftest import REPO

    data = REPO.parent / "shared" / "bench" / "cmrc2018-dev"
    if not data.exists():
        pytest.skip("the shared cmrc2018-dev set is not beside the repository")
    passages = [json.loads(line) for line in (data / "passages.jsonl").read_text(encoding="utf-8").splitlines()][:15]
    ids = {p["id"] for p in passages}
    questions = [
        q
        for q in map(json.loads, (data / "questions.jsonl").read_text(encoding="utf-8").splitlines())
        if q["passage_id"] in ids
    ][:30]
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in passages), "utf-8")
    (tmp_path / "q.jsonl").write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions), "utf-8")
    argv = ["eval", "--passages", str(tmp_path / "p.jsonl"), "--questions", str(tmp_path / "q.jsonl"), "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"keyword", "vector", "hybrid", "ask"}
    asked = report.pop("ask")
    assert asked["citation_precision"] == 1.0  # extractive answers quote their passages verbatim
    assert asked["n_questions"] == len(questions) and 0 < asked["answer_recall"] <= 1
    for method in report.values():
        assert set(method) == EVAL_KEYS
        assert method["n_passages"] == 15 and method["n_questions"] == len(questions)
        assert 0.5 < method["recall@5"] <= 1.0
