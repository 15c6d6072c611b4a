"""The index folder: a manifest plus one data folder, written atomically and checked on load.

Layout of `index/`:
    manifest.json        the commit point: settings, model, corpus file hashes, and which data folder is current
    data-<stamp>/        passages.jsonl, articles.jsonl, embeddings.npy, vectors.faiss, keyword/ (bm25s)
A build writes a new data folder first and replaces manifest.json last (os.replace is atomic), so a build that
fails or is interrupted leaves the previous index loadable.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..errors import IndexCorruptError, IndexMissingError
from ..text.documents import Article, Passage
from .keyword import KeywordIndex
from .vectors import VectorIndex

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_REBUILD_HINT = "请删除该文件夹后重新构建 (delete the folder and run `python -m assistant build`)"


@dataclass(frozen=True)
class Manifest:
    model_name: str  # what to load: a sentence-transformers name, a folder, or the default model
    model_id: str  # what was loaded, as the embedder reports it
    dimension: int
    chunking: dict
    pipeline_version: int  # bumped whenever cleaning or chunking changes what passages contain
    files: dict[str, str]  # source -> sha256 of the file's bytes, for every file read or skipped
    skipped: dict[str, str]  # source -> why it was not indexed
    corpus_dir: str  # relative to the index folder, so the pair can be moved together
    counts: dict[str, int]
    data: str = ""  # name of the current data folder
    encoder: str = "float"  # how the model ran ("int8", "float"; model/embedding.py); indexes before it: float
    built_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    normalized: bool = True
    format_version: int = FORMAT_VERSION

    def made_by(self, model_id: str, encoder: str, dimension: int) -> bool:
        """Whether this index's vectors came from that model run by that encoder, so they can be reused."""
        return (self.model_id, self.encoder, self.dimension) == (model_id, encoder, dimension)


@dataclass
class IndexData:
    manifest: Manifest
    passages: list[Passage]
    articles: list[Article]
    stories: list[list[tuple[str, int]]]  # near-duplicate articles, as (source, number) groups
    embeddings: np.ndarray  # (passages, dimension) float32, row i belongs to passages[i]
    vectors: VectorIndex
    keyword: KeywordIndex


def read_manifest(index_dir: Path) -> Manifest:
    path = index_dir / MANIFEST
    if not path.exists():
        raise IndexMissingError(
            f"索引不存在：{index_dir} 中没有 {MANIFEST}。请先运行 `python -m assistant build` "
            f"(no index in {index_dir}: build it first)."
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format_version") != FORMAT_VERSION:
            raise IndexCorruptError(
                f"索引格式版本为 {raw.get('format_version')}，本程序需要 {FORMAT_VERSION}。{_REBUILD_HINT}"
            )
        return Manifest(**raw)
    except (ValueError, TypeError) as exc:
        raise IndexCorruptError(f"索引清单 {path} 已损坏 ({exc})。{_REBUILD_HINT}") from exc


def read_index(index_dir: Path) -> IndexData:
    manifest = read_manifest(index_dir)
    data_dir = index_dir / manifest.data
    try:
        passages = [_passage_from_json(r) for r in read_jsonl(data_dir / "passages.jsonl")]
        articles = [Article(**r) for r in read_jsonl(data_dir / "articles.jsonl")]
        stories = json.loads((data_dir / "stories.json").read_text(encoding="utf-8"))
        embeddings = np.load(data_dir / "embeddings.npy", allow_pickle=False)
        vectors = VectorIndex.load(data_dir / "vectors.faiss")
        keyword = KeywordIndex.load(data_dir / "keyword", len(passages))
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise IndexCorruptError(f"索引数据 {data_dir} 无法读取 ({exc})。{_REBUILD_HINT}") from exc
    sizes = {len(passages), len(embeddings), vectors.size, manifest.counts.get("passages", -1)}
    if len(sizes) != 1 or embeddings.shape[1:] != (manifest.dimension,) or vectors.dimension != manifest.dimension:
        raise IndexCorruptError(f"索引数据 {data_dir} 前后不一致 (sizes {sorted(sizes)})。{_REBUILD_HINT}")
    return IndexData(
        manifest=manifest,
        passages=passages,
        articles=articles,
        stories=[[(s, n) for s, n in group] for group in stories],
        embeddings=embeddings,
        vectors=vectors,
        keyword=keyword,
    )


def assemble(
    manifest: Manifest,
    passages: list[Passage],
    articles: list[Article],
    stories: list[list[tuple[str, int]]],
    embeddings: np.ndarray,
) -> IndexData:
    """An in-memory index: the vector and keyword indexes built over the passages."""
    embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
    return IndexData(
        manifest=manifest,
        passages=passages,
        articles=articles,
        stories=stories,
        embeddings=embeddings,
        vectors=VectorIndex.build(embeddings),
        keyword=KeywordIndex.build([p.match_text for p in passages]),
    )


def write_index(index_dir: Path, data: IndexData) -> Manifest:
    """Write the index as a new data folder and make it current; returns the manifest as written."""
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    data_name = f"data-{stamp}-{uuid.uuid4().hex[:8]}"
    tmp = index_dir / f".building-{data_name}"
    tmp.mkdir()
    try:
        _write_jsonl(tmp / "passages.jsonl", (_passage_to_json(p) for p in data.passages))
        _write_jsonl(tmp / "articles.jsonl", (asdict(a) for a in data.articles))
        (tmp / "stories.json").write_text(json.dumps(data.stories, ensure_ascii=False), encoding="utf-8")
        np.save(tmp / "embeddings.npy", data.embeddings, allow_pickle=False)
        data.vectors.save(tmp / "vectors.faiss")
        (tmp / "keyword").mkdir()
        data.keyword.save(tmp / "keyword")
        os.replace(tmp, index_dir / data_name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    written = Manifest(**{**asdict(data.manifest), "data": data_name})
    manifest_tmp = index_dir / f".{MANIFEST}.{data_name}.tmp"
    manifest_tmp.write_text(json.dumps(asdict(written), ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(manifest_tmp, index_dir / MANIFEST)
    _remove_old_data(index_dir, keep=data_name)
    return written


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder (two app processes may start together)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_old_data(index_dir: Path, keep: str) -> None:
    # Only called under build_lock, so any other data or .building folder is a leftover.
    for child in index_dir.iterdir():
        is_data = child.name.startswith("data-") or child.name.startswith(".building-")
        if child.is_dir() and is_data and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)


def _passage_to_json(p: Passage) -> dict:
    return {**asdict(p), "flags": list(p.flags)}


def _passage_from_json(raw: dict) -> Passage:
    return Passage(**{**raw, "flags": tuple(raw.get("flags", ()))})


def sha256_of_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks by the standard library."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _write_jsonl(path: Path, rows: Iterator[dict]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]
