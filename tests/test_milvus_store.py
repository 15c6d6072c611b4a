"""The index in Milvus (a real `milvus-lite server`, see conftest.milvus_server) answers as the index folder does:
same hits, scores, answers and citations; incremental and crash-safe builds; clear errors for bad addresses."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from assistant import Assistant, Settings
from assistant.cli import main
from assistant.errors import IndexMissingError, ModelMismatchError, StoreUnavailableError
from assistant.evaluation import build_retriever, evaluate_answers, evaluate_retrieval, load_questions
from assistant.settings import ChunkingSettings
from assistant.store import milvus
from assistant.text.documents import Article
from tests.conftest import SEED_CORPUS, HashingEmbedder

SEED = SEED_CORPUS.parent / "bench" / "seed"
SMALL_PASSAGES = ChunkingSettings(max_chars=60, overlap_sentences=1)


def _questions() -> list[str]:
    rows = []
    for name in ("questions.jsonl", "unanswerable.jsonl"):
        rows += [json.loads(line)["question"] for line in (SEED / name).read_text(encoding="utf-8").splitlines()]
    return rows


def _hits(assistant: Assistant, question: str, **kwargs) -> list[tuple]:
    """What a hit shows, with its scores rounded to what float32 arithmetic on two engines agrees on."""
    return [
        (
            h.passage_ids,
            h.source,
            h.article,
            h.start,
            h.end,
            h.text,
            h.keyword_rank,
            h.vector_rank,
            h.also_in,
            h.flags,
            *(
                None if x is None else pytest.approx(x, rel=1e-4, abs=1e-5)
                for x in (h.score, h.keyword_score, h.vector_score)
            ),
        )
        for h in assistant.search(question, **kwargs)
    ]


def _answer(assistant: Assistant, question: str) -> tuple:
    answer = assistant.ask(question)
    return answer.text, answer.found, [(c.n, c.sentence, c.hit.passage_ids) for c in answer.citations]


def _both(root, store: str, chunking: ChunkingSettings | None = None) -> tuple[Assistant, Assistant]:
    chunking = chunking or ChunkingSettings()
    corpus = root / "corpus"
    if not corpus.exists():
        shutil.copytree(SEED_CORPUS, corpus)
    local = Assistant.build(corpus, root / "index", Settings(chunking=chunking), HashingEmbedder())
    remote = Assistant.build(corpus, root / "unused", Settings(chunking=chunking, store=store), HashingEmbedder())
    return local, remote


@pytest.fixture(scope="module")
def seed_pair(milvus_server, tmp_path_factory):
    """The seed corpus built into the index folder and into Milvus, with the stand-in embedder."""
    return _both(tmp_path_factory.mktemp("pair"), f"{milvus_server}/seed_pair")


def test_seed_questions_get_the_same_hits_answers_and_citations(seed_pair):
    local, remote = seed_pair
    assert remote.location.describe().startswith("http://127.0.0.1:")  # really the server, not the folder
    for question in _questions():
        for method in ("hybrid", "keyword", "vector"):
            assert _hits(remote, question, k=5, method=method) == _hits(local, question, k=5, method=method)
        assert _answer(remote, question) == _answer(local, question), question


def test_filters_and_corpus_views_agree(seed_pair):
    local, remote = seed_pair
    sources = local.sources()
    assert remote.sources() == sources and remote.articles() == local.articles()
    scopes = [{"sources": [sources[0]]}, {"sources": sources[1:3]}, {"articles": [(sources[0], 0), (sources[2], 1)]}]
    scopes.append({"sources": ["no-such-file.txt"]})
    for scope in scopes:
        for question in ("赤壁市预计全年GDP是多少?", "项目专员陈灿周末跑工地"):
            hits = _hits(remote, question, k=4, **scope)
            assert hits == _hits(local, question, k=4, **scope)
            assert all(h[1] in scope.get("sources", [s for s, _ in scope.get("articles", [])]) for h in hits)
    hit = local.search("项目专员陈灿")[0]
    assert remote.passage_context(hit) == local.passage_context(hit) != ("", "")
    assert remote.status().passages == local.status().passages and remote.status().fresh


def test_merged_neighbours_match_too(milvus_server, tmp_path):
    """Small passages: many adjacent ones match together and are merged; Milvus must merge them the same way."""
    local, remote = _both(tmp_path, f"{milvus_server}/small", SMALL_PASSAGES)
    merged = 0
    for question in _questions()[:40]:
        hits = _hits(remote, question, k=5)
        assert hits == _hits(local, question, k=5)
        merged += sum(len(h[0]) > 1 for h in hits)
    assert merged > 0


def test_incremental_rebuild_removes_deleted_files_and_survives_a_failed_write(milvus_server, tmp_path, monkeypatch):
    store = f"{milvus_server}/incremental"
    settings = Settings(store=store)
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    embedder = HashingEmbedder()
    first = Assistant.build(corpus, tmp_path / "unused", settings, embedder)
    assert first.report.embedded == first.report.passages
    assert Assistant.build(corpus, tmp_path / "unused", settings, embedder).report.changed is False

    gone = "chibi-cadre-year.txt"
    (corpus / gone).unlink()
    (corpus / "new.txt").write_text("天门市举办油菜花节\n\n天门市油菜花节共接待游客38万人次。", encoding="utf-8")
    assert first.status().fresh is False
    second = Assistant.build(corpus, tmp_path / "unused", settings, embedder)
    assert 0 < second.report.embedded < second.report.passages  # only the new file's passages were embedded
    assert gone not in second.sources() and "new.txt" in second.sources()
    assert all(h.source != gone for h in second.search("赤壁市预计全年GDP是多少?", k=10))
    assert second.search("天门油菜花节接待游客多少人次", k=1)[0].source == "new.txt"

    # a build that fails after writing half of the new version leaves the previous one serving
    (corpus / "later.txt").write_text("鄂州机场\n\n鄂州花湖机场新开三条航线。", encoding="utf-8")

    def broken(client, version, passages, embeddings):
        client.insert(version, [])
        raise RuntimeError("server went away")

    monkeypatch.setattr(milvus, "_insert_passages", broken)
    with pytest.raises(RuntimeError):
        Assistant.build(corpus, tmp_path / "unused", settings, embedder)
    monkeypatch.undo()
    served = Assistant.load(tmp_path / "unused", settings, embedder, check_fresh=False)
    assert "later.txt" not in served.sources() and "new.txt" in served.sources()
    versions = [n for n in served.location.client.list_collections() if n.startswith("incremental__v")]
    # the served version and its records only: the half-written one was dropped, and the one before the served
    # one when this build began
    assert sorted(versions) == [served.location.served_version(), served.location.served_version() + "_records"]
    third = Assistant.build(corpus, tmp_path / "unused", settings, embedder)
    assert "later.txt" in third.sources() and third.report.embedded < third.report.passages


def test_another_model_is_refused_with_the_local_message(seed_pair, tmp_path):
    local, remote = seed_pair
    other = HashingEmbedder(dimension=128)
    with pytest.raises(ModelMismatchError) as at_local:
        Assistant.load(local.location.index_dir, Settings(), other, check_fresh=False)
    with pytest.raises(ModelMismatchError) as at_milvus:
        Assistant.load(tmp_path, remote.settings, other, check_fresh=False)
    assert str(at_milvus.value) == str(at_local.value)


@pytest.mark.parametrize(
    "address", ["milvus://127.0.0.1", "milvus://127.0.0.1:99999", "milvus://h:1/bad-name", "redis://h:1"]
)
def test_malformed_addresses_are_refused_clearly(address, capsys):
    with pytest.raises(StoreUnavailableError, match="milvus://"):
        Assistant.load("index", Settings(store=address))
    assert main(["search", "赤壁", "--store", address]) == 2
    err = capsys.readouterr().err
    assert "milvus://" in err and "Traceback" not in err


def test_unreachable_and_missing_stores_are_clear_errors(milvus_server, capsys):
    with pytest.raises(StoreUnavailableError, match="无法连接"):
        Assistant.load("index", Settings(store="milvus://127.0.0.1:1/x"))
    with pytest.raises(IndexMissingError, match="索引不存在"):
        Assistant.load("index", Settings(store=f"{milvus_server}/never_built"))
    assert main(["ask", "赤壁", "--store", f"{milvus_server}/never_built"]) == 2
    assert "索引不存在" in capsys.readouterr().err


def test_store_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("ASSISTANT_STORE", "milvus://h:1/x")
    assert Settings.from_env().store == "milvus://h:1/x"
    assert Settings.from_env(store="milvus://g:2").store == "milvus://g:2"


def test_evaluation_scores_the_same_on_both_stores(milvus_server, tmp_path):
    passages = [
        Article(source=f"p{i}", number=0, title=f"第{i}篇", text=text)
        for i, text in enumerate(
            [
                "赤壁市预计全年GDP622亿元，同比增长7.5%。",
                "天门市油菜花节共接待游客38万人次。",
                "鄂州花湖机场开通货运航线111条。",
            ]
        )
    ]
    questions_path = tmp_path / "q.jsonl"
    rows = [
        ("赤壁GDP多少", "622亿元", "p0"),
        ("油菜花节接待游客多少", "38万人次", "p1"),
        ("货运航线几条", "111条", "p2"),
    ]
    questions_path.write_text(
        "".join(
            json.dumps({"id": i, "question": q, "answers": [a], "passage_id": p}) + "\n"
            for i, (q, a, p) in enumerate(rows)
        ),
        encoding="utf-8",
    )
    questions = load_questions(questions_path)
    reports = {}
    for store in ("", f"{milvus_server}/evaluated"):
        retriever, _ = build_retriever(passages, HashingEmbedder(), Settings(store=store))
        figures = [r.to_dict() for r in evaluate_retrieval(retriever, questions, 0.0)]
        asked = evaluate_answers(retriever, questions).to_dict()
        reports[store] = [{k: v for k, v in f.items() if "ms" not in k} for f in figures], asked["answer_recall"]
    assert reports[""] == reports[f"{milvus_server}/evaluated"]
    assert reports[""][0][2]["recall@1"] == 1.0
    # the throwaway index went beside the collection named, never into it
    names = milvus.MilvusLocation.parse(milvus_server + "/evaluated").client.list_aliases()["aliases"]
    assert "evaluated_eval" in names and "evaluated" not in names


@pytest.mark.skipif(not os.environ.get("MILVUS_URI"), reason="set MILVUS_URI=milvus://HOST:PORT to test a real Milvus")
def test_a_real_milvus_answers_as_the_index_folder(tmp_path):
    local, remote = _both(tmp_path, f"{os.environ['MILVUS_URI'].rstrip('/')}/news_assistant_test")
    for question in _questions()[:30]:
        assert _hits(remote, question, k=5) == _hits(local, question, k=5)
        assert _answer(remote, question) == _answer(local, question)
