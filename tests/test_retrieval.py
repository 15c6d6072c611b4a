"""Retrieval with the fast stand-in embedder: adjacent passages merged into one hit, filters by file and article."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from itertools import combinations, pairwise

import pytest

from assistant import Assistant, Settings
from assistant.cli import main
from assistant.results import Hit
from assistant.search import retrieval
from assistant.search.retrieval import MAX_MERGED, Retriever
from assistant.settings import ChunkingSettings
from assistant.store.folder import read_index
from assistant.store.keyword import KeywordIndex, idf_from
from assistant.store.local import LocalStore
from assistant.text.chunking import sentence_spans
from assistant.text.documents import Passage
from tests.conftest import SEED_CORPUS, HashingEmbedder

# One article whose middle sentences all name the bridge, so several consecutive passages match.
BRIDGE_SENTENCES = [
    "武汉市今年继续推进城市更新工作。",
    "全市新开工保障性住房一万套。",
    "长江大桥维修工程于三月正式启动。",
    "长江大桥桥面铺装全部更换为新材料。",
    "施工期间长江大桥实行单向交通管制。",
    "长江大桥的照明系统同步完成改造。",
    "长江大桥维修预计在十月底完工。",
    "长江大桥通车后将恢复双向八车道。",
    "汉口江滩公园新增两处亲水平台。",
    "东湖绿道年接待游客超过两千万人次。",
    "地铁十二号线全线贯通进入试运行。",
    "市民可通过政务服务平台查询进度。",
]
SMALL_PASSAGES = Settings(chunking=ChunkingSettings(max_chars=40, overlap_sentences=1))


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory):
    """The seed corpus plus the bridge article, in passages small enough that many neighbours match together."""
    root = tmp_path_factory.mktemp("retrieval")
    corpus = root / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    (corpus / "bridge.txt").write_text("长江大桥维修工程启动\n\n" + "".join(BRIDGE_SENTENCES), encoding="utf-8")
    Assistant.build(corpus, root / "index", settings=SMALL_PASSAGES, embedder=HashingEmbedder())
    return root / "index"


@pytest.fixture(scope="module")
def assistant(seed_index):
    return Assistant.load(seed_index, settings=SMALL_PASSAGES, embedder=HashingEmbedder())


@pytest.fixture(scope="module")
def retriever(seed_index):
    return Retriever(LocalStore(read_index(seed_index)), HashingEmbedder())


def _article_text(retriever: Retriever, hit: Hit) -> str:
    return next(a.text for a in retriever.store.data.articles if (a.source, a.number) == (hit.source, hit.article))


def _touch(a: Hit | Passage, b: Hit | Passage, text: str) -> bool:
    """Overlapping or apart by whitespace only."""
    first, second = sorted((a, b), key=lambda x: x.start)
    return second.start <= first.end or not text[first.end : second.start].strip()


def _check_hit(retriever: Retriever, hit: Hit) -> None:
    """What every hit promises: verbatim article text over the union of contiguous passages, within the cap."""
    text = _article_text(retriever, hit)
    assert hit.text == text[hit.start : hit.end]
    passages = retriever.store.data.passages
    by_id = {p.passage_id: p for p in passages if (p.source, p.article) == (hit.source, hit.article)}
    members = [by_id[pid] for pid in hit.passage_ids]
    assert hit.passage_id in hit.passage_ids and 1 <= len(members) <= MAX_MERGED
    assert [p.start for p in members] == sorted(p.start for p in members)  # text order
    assert hit.start == min(p.start for p in members) and hit.end == max(p.end for p in members)
    assert all(_touch(before, after, text) for before, after in pairwise(members))
    sentences = [hit.text[s:e] for s, e in sentence_spans(hit.text)]
    assert len(sentences) == len(set(sentences))  # the sentence two passages share is there once


def _unmerged(retriever: Retriever, monkeypatch, query: str, method: str) -> dict:
    """Every candidate passage as its own hit, by passage id (the search before merging existed)."""
    with monkeypatch.context() as patch:
        patch.setattr(retrieval, "MAX_MERGED", 1)
        return {h.passage_id: h for h in retriever.search(query, k=100, method=method)}


@pytest.mark.parametrize("method", ["hybrid", "keyword", "vector"])
def test_adjacent_passages_of_an_article_become_one_hit(retriever, monkeypatch, method):
    hits = retriever.search("长江大桥维修", k=3, method=method)
    assert len(hits) == 3  # merging frees places that further candidates fill
    for hit in hits:
        _check_hit(retriever, hit)
    merged = [h for h in hits if len(h.passage_ids) > 1]
    assert merged and merged[0].source == "bridge.txt"
    alone = _unmerged(retriever, monkeypatch, "长江大桥维修", method)
    for hit in merged:
        best = alone[hit.passage_id]
        assert hit.score == best.score == max(alone[p].score for p in hit.passage_ids if p in alone)
        assert (hit.keyword_score, hit.vector_score) == (best.keyword_score, best.vector_score)
        assert (hit.keyword_rank, hit.vector_rank) == (best.keyword_rank, best.vector_rank)
    assert hits[0].passage_id == next(iter(alone))  # the best passage still leads


QUERIES = ["长江大桥维修", "赤壁市干部培训", "黄石新港园区项目专员陈灿周末跑工地", "低空经济无人机", "干部", "GDP增长"]


@pytest.mark.parametrize("method", ["hybrid", "keyword", "vector"])
@pytest.mark.parametrize("k", [1, 5, 10])
def test_every_hit_keeps_its_promises(retriever, method, k):
    for query in QUERIES:
        hits = retriever.search(query, k=k, method=method)
        if method != "keyword":
            assert len(hits) == k  # the vector signal always has more candidates than k
        ids = [pid for h in hits for pid in h.passage_ids]
        assert len(ids) == len(set(ids))  # no passage in two hits
        for hit in hits:
            _check_hit(retriever, hit)
        for a, b in combinations(hits, 2):
            if (a.source, a.article) == (b.source, b.article) and _touch(a, b, _article_text(retriever, a)):
                # touching hits of one article stay apart only when together they would exceed the cap
                assert len(a.passage_ids) + len(b.passage_ids) > MAX_MERGED, query


def test_merged_hits_keep_the_story_collapsed(retriever):
    hits = retriever.search("黄石新港园区项目专员陈灿周末跑工地", k=5)
    roundup, traditional = "hubei-daily-cadres-roundup.txt", "xingang-park-traditional.txt"
    top = hits[0]
    assert len(top.passage_ids) > 1
    assert {top.source, *top.also_in} >= {roundup, traditional}
    story = next(group for group in retriever.store.data.stories if (top.source, top.article) in group)
    assert sum((h.source, h.article) in story for h in hits) == 1  # the other telling does not come back


def test_filter_by_article(assistant):
    hits = assistant.search("干部", k=5, articles=[("chibi-cadre-year.txt", 1)])
    assert hits and {(h.source, h.article) for h in hits} == {("chibi-cadre-year.txt", 1)}
    two = assistant.search("干部", k=100, articles=[("chibi-cadre-year.txt", 0), ("chibi-cadre-year.txt", 1)])
    assert {(h.source, h.article) for h in two} == {("chibi-cadre-year.txt", 0), ("chibi-cadre-year.txt", 1)}


@pytest.mark.parametrize("method", ["hybrid", "keyword", "vector"])
def test_unknown_articles_and_sources_match_nothing(assistant, method):
    assert assistant.search("干部", articles=[("chibi-cadre-year.txt", 99)], method=method) == []
    assert assistant.search("干部", articles=[("no-such-file.txt", 0)], method=method) == []
    assert assistant.search("干部", sources=["no-such-file.txt"], method=method) == []


def test_sources_and_articles_together_must_both_match(assistant):
    both = assistant.search("干部", sources=["chibi-cadre-year.txt"], articles=[("chibi-cadre-year.txt", 0)])
    assert both and {(h.source, h.article) for h in both} == {("chibi-cadre-year.txt", 0)}
    assert assistant.search("干部", sources=["bridge.txt"], articles=[("chibi-cadre-year.txt", 0)]) == []


def test_ask_within_one_article(assistant):
    answer = assistant.ask("长江大桥维修预计什么时候完工?", articles=[("bridge.txt", 0)])
    shown = [c.hit for c in answer.citations] + answer.related  # cited when found, related when refused
    assert shown and {(h.source, h.article) for h in shown} == {("bridge.txt", 0)}


@pytest.fixture
def cli_index(tmp_path, monkeypatch):
    """`--index` of an index with the default settings for the CLI, which loads the stand-in embedder."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    (corpus / "bridge.txt").write_text("长江大桥维修工程启动\n\n" + "".join(BRIDGE_SENTENCES), encoding="utf-8")
    Assistant.build(corpus, tmp_path / "index", embedder=HashingEmbedder())
    monkeypatch.setattr("assistant.core.shared_embedder", lambda model, encoder=None: HashingEmbedder())
    monkeypatch.setenv("ASSISTANT_MODEL", HashingEmbedder().model_id)
    return ["--index", str(tmp_path / "index")]


def test_cli_search_and_ask_by_article(cli_index, capsys):
    argv = ["search", "干部", "--source", "chibi-cadre-year.txt", "--article", "1", "--json", *cli_index]
    assert main(argv) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and Counter((h["source"], h["article"]) for h in hits).keys() == {("chibi-cadre-year.txt", 1)}
    assert all(h["passage_id"] in h["passage_ids"] for h in hits)

    argv = ["ask", "长江大桥维修预计什么时候完工?", "--source", "bridge.txt", "--article", "0", "--json", *cli_index]
    assert main(argv) == 0
    answer = json.loads(capsys.readouterr().out)
    shown = [c["hit"] for c in answer["citations"]] + answer["related"]
    assert shown and {h["source"] for h in shown} == {"bridge.txt"}

    assert main(["search", "干部", "--source", "chibi-cadre-year.txt", "--article", "99", *cli_index]) == 0
    assert "没有找到" in capsys.readouterr().err


def test_cli_article_needs_a_source(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["search", "干部", "--article", "1"])
    assert exit_.value.code == 2
    assert "--source" in capsys.readouterr().err


def test_keyword_idf_comes_from_document_frequencies():
    index = KeywordIndex.build(["赤壁 经济 增长", "赤壁 长江 大桥", "鄂州 机场"])
    frequencies = index.document_frequencies()
    assert frequencies["赤壁"] == 2 and frequencies["机场"] == 1 and "" not in frequencies
    assert index.idf("赤壁") == idf_from(2, 3) < index.idf("机场") == idf_from(1, 3)
    assert index.idf("机场") < index.idf("上海") == idf_from(0, 3)  # a token no passage holds weighs most
