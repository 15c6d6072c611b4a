"""The facade over the seed corpus with the fast stand-in embedder: building, updating, errors."""

from __future__ import annotations

import json

import pytest

from assistant import Assistant, Settings
from assistant.errors import IndexMissingError, IndexStaleError, ModelMismatchError, QuestionError
from assistant.settings import ChunkingSettings


@pytest.fixture
def built(seed_corpus, tmp_path, hashing_embedder):
    return Assistant.build(seed_corpus, tmp_path / "index", embedder=hashing_embedder)


def test_build_reports_counts(built):
    report = built.report
    assert report.changed
    assert report.files == 5
    assert report.passages == report.embedded > 0
    assert report.articles >= 5


def test_unchanged_corpus_is_not_rebuilt(built, seed_corpus, tmp_path, hashing_embedder):
    again = Assistant.build(seed_corpus, tmp_path / "index", embedder=hashing_embedder)
    assert not again.report.changed
    assert again.report.embedded == 0


def test_changed_file_reembeds_only_its_new_passages(built, seed_corpus, tmp_path, hashing_embedder):
    (seed_corpus / "new.txt").write_text("新增文章标题\n\n武汉今年新建了三座大桥。大桥总长十二公里。", encoding="utf-8")
    again = Assistant.build(seed_corpus, tmp_path / "index", embedder=hashing_embedder)
    assert again.report.changed
    assert 0 < again.report.embedded <= 2
    assert any(h.source == "new.txt" for h in again.search("武汉新建大桥", k=3))


def test_deleted_file_is_no_longer_answered(built, seed_corpus, tmp_path, hashing_embedder):
    (seed_corpus / "chibi-cadre-year.txt").unlink()
    again = Assistant.build(seed_corpus, tmp_path / "index", embedder=hashing_embedder)
    assert all(h.source != "chibi-cadre-year.txt" for h in again.search("赤壁市预计全年GDP", k=10))
    assert "chibi-cadre-year.txt" not in again.sources()


def test_binary_and_unreadable_files_are_skipped_with_a_reason(seed_corpus, tmp_path, hashing_embedder):
    (seed_corpus / "photo.txt").write_bytes(bytes(range(256)) * 20)
    built = Assistant.build(seed_corpus, tmp_path / "index", embedder=hashing_embedder)
    assert "photo.txt" in built.report.skipped
    assert built.report.files == 5
    assert built.status().skipped == ("photo.txt",)


def test_load_detects_stale_index(built, seed_corpus, tmp_path, hashing_embedder):
    (seed_corpus / "chibi-cadre-year.txt").write_text("改过的内容。", encoding="utf-8")
    with pytest.raises(IndexStaleError, match=r"chibi-cadre-year\.txt"):
        Assistant.load(tmp_path / "index", embedder=hashing_embedder)
    assert not built.status().fresh


def test_load_refuses_another_model(built, tmp_path):
    from tests.conftest import HashingEmbedder

    with pytest.raises(ModelMismatchError, match="test-hashing-256"):
        Assistant.load(tmp_path / "index", embedder=HashingEmbedder(dimension=128))


def test_load_refuses_other_chunking(built, tmp_path, hashing_embedder):
    settings = Settings(chunking=ChunkingSettings(max_chars=123))
    with pytest.raises(IndexStaleError, match="chunking"):
        Assistant.load(tmp_path / "index", settings=settings, embedder=hashing_embedder)


def test_missing_index(tmp_path, hashing_embedder):
    with pytest.raises(IndexMissingError):
        Assistant.load(tmp_path / "no-index", embedder=hashing_embedder)


@pytest.mark.parametrize("question", ["", "   ", "问" * 10_000])
def test_bad_questions_get_clear_messages(built, question):
    with pytest.raises(QuestionError) as err:
        built.ask(question)
    assert "问题" in str(err.value)


def test_an_unknown_retrieval_method_gets_a_clear_message(built):
    with pytest.raises(QuestionError, match="hybrid、keyword 或 vector"):
        built.search("黄石新港园区项目专员", method="bm25")


def test_hits_map_back_to_the_cleaned_article(built):
    hits = built.search("黄石新港园区项目专员", k=5)
    assert hits
    for hit in hits:
        before, after = built.passage_context(hit, chars=10)
        assert isinstance(before, str) and isinstance(after, str)
        assert hit.keyword_rank is not None or hit.vector_rank is not None


def test_duplicate_story_is_shown_once_listing_both_sources(built):
    hits = built.search("黄石新港园区项目专员陈灿周末跑工地", k=5)
    sources = [h.source for h in hits]
    roundup, traditional = "hubei-daily-cadres-roundup.txt", "xingang-park-traditional.txt"
    top = hits[0]
    assert {top.source, *top.also_in} >= {roundup, traditional}
    # the other telling of the story does not come back as a separate hit
    assert not (roundup in sources and traditional in sources)


def test_source_filter(built):
    hits = built.search("干部", k=5, sources=["chibi-cadre-year.txt"])
    assert hits and {h.source for h in hits} == {"chibi-cadre-year.txt"}


def test_rebuild_swaps_in_the_new_index(built, seed_corpus):
    (seed_corpus / "extra.txt").write_text("额外文章\n\n襄樊古城墙今年完成修缮。", encoding="utf-8")
    report = built.rebuild()
    assert report.changed
    assert "extra.txt" in built.sources()


def test_jsonl_article_date_reaches_the_hit(seed_corpus, tmp_path, hashing_embedder):
    text = "武汉今年新建了三座长江大桥。大桥总长十二公里。"
    row = {"title": "武汉新建三座长江大桥", "text": text, "date": "2026-03-01"}
    (seed_corpus / "wire.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    built = Assistant.build(seed_corpus, tmp_path / "index", embedder=hashing_embedder)
    hit = next(h for h in built.search("武汉新建长江大桥", k=5) if h.source == "wire.jsonl")
    assert hit.date == "2026-03-01"


def test_building_another_corpus_into_the_same_index_replaces_it(built, tmp_path, hashing_embedder):
    other = tmp_path / "other"
    other.mkdir()
    (other / "only.txt").write_text("另一份语料\n\n襄阳古城墙今年完成修缮。", encoding="utf-8")
    again = Assistant.build(other, tmp_path / "index", embedder=hashing_embedder)
    assert again.report.changed
    assert again.sources() == ["only.txt"]
