"""The index folder: round trip, atomic replacement, and clear errors for missing or damaged indexes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.errors import IndexCorruptError, IndexMissingError
from assistant.store import folder
from assistant.text.documents import Article, Passage


def _sample(n: int = 3, dim: int = 8):
    article = Article(source="a.txt", number=0, title="标题", text="".join(f"第{i}句。" for i in range(n)))
    passages = [
        Passage(f"p{i}", "a.txt", 0, "标题", f"第{i}句。", f"第{i}句。", 4 * i, 4 * i + 4, ("lost_chars",) if i else ())
        for i in range(n)
    ]
    vectors = np.random.default_rng(0).normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    manifest = folder.Manifest(
        model_name="m",
        model_id="m-id",
        dimension=dim,
        chunking={"max_chars": 300, "overlap_sentences": 1},
        pipeline_version=1,
        files={"a.txt": "0" * 64},
        skipped={},
        corpus_dir="../corpus",
        counts={"files": 1, "articles": 1, "passages": n},
    )
    return manifest, passages, [article], vectors


def test_round_trip(tmp_path):
    manifest, passages, articles, vectors = _sample()
    folder.write_index(tmp_path, folder.assemble(manifest, passages, articles, [[("a.txt", 0), ("b.txt", 1)]], vectors))
    data = folder.read_index(tmp_path)
    assert data.passages == passages
    assert data.articles == articles
    assert data.stories == [[("a.txt", 0), ("b.txt", 1)]]
    np.testing.assert_allclose(data.embeddings, vectors)
    rows, scores = data.vectors.search(vectors[2], 1)
    assert rows.tolist() == [2]
    assert scores[0] == pytest.approx(1.0, abs=1e-5)


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(IndexMissingError, match="python -m assistant build"):
        folder.read_index(tmp_path / "nothing")


def test_failed_build_leaves_previous_index_loadable(tmp_path, monkeypatch):
    manifest, passages, articles, vectors = _sample()
    folder.write_index(tmp_path, folder.assemble(manifest, passages, articles, [], vectors))

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    smaller = folder.assemble(manifest, passages[:1], articles, [], vectors[:1])
    monkeypatch.setattr(smaller.keyword, "save", explode)
    with pytest.raises(RuntimeError):
        folder.write_index(tmp_path, smaller)
    assert len(folder.read_index(tmp_path).passages) == 3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".building")]


def test_old_data_folders_are_removed(tmp_path):
    manifest, passages, articles, vectors = _sample()
    folder.write_index(tmp_path, folder.assemble(manifest, passages, articles, [], vectors))
    folder.write_index(tmp_path, folder.assemble(manifest, passages, articles, [], vectors))
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("data-")]) == 1


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: (d / "manifest.json").write_text("{not json", encoding="utf-8"),
        lambda d: (d / "manifest.json").write_text(json.dumps({"format_version": 99}), encoding="utf-8"),
        lambda d: next(d.glob("data-*/embeddings.npy")).write_bytes(b"garbage"),
        lambda d: next(d.glob("data-*/vectors.faiss")).unlink(),
        lambda d: next(d.glob("data-*/passages.jsonl")).write_text("", encoding="utf-8"),
    ],
    ids=["manifest-not-json", "manifest-other-version", "embeddings-garbage", "faiss-missing", "passages-empty"],
)
def test_damaged_index_gives_clear_error(tmp_path, damage):
    manifest, passages, articles, vectors = _sample()
    folder.write_index(tmp_path, folder.assemble(manifest, passages, articles, [], vectors))
    damage(tmp_path)
    with pytest.raises(IndexCorruptError, match=r"重新构建|rebuild|assistant build"):
        folder.read_index(tmp_path)
