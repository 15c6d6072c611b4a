"""Corpus folder -> index (a folder or a Milvus collection): read, split, embed (reusing unchanged embeddings),
write atomically."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import AssistantError, IndexProblem, UnreadableFileError
from ..model.embedding import Embedder
from ..settings import Settings
from ..text import chunking, dedup, reading
from ..text.documents import Article, Passage
from ..text.normalize import fold_for_matching
from .base import Contents, Location
from .folder import Manifest, sha256_of_file

log = logging.getLogger(__name__)

# Bump when reading, cleaning or chunking changes what passages contain, so old indexes count as stale.
PIPELINE_VERSION = 3
EMBED_GROUP = 64  # passages per progress step

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class BuildReport:
    files: int
    articles: int
    passages: int
    embedded: int  # passages whose embedding was computed in this build
    seconds: float
    changed: bool  # False when the index was already fresh and nothing was written
    skipped: dict[str, str] = field(default_factory=dict)
    embed_seconds: float = 0.0  # time spent computing the `embedded` passages' vectors

    @property
    def passages_per_second(self) -> float:
        """Encoder throughput of this build (0 when nothing was embedded)."""
        return self.embedded / self.embed_seconds if self.embedded and self.embed_seconds > 0 else 0.0

    def summary(self) -> str:
        counts = f"{self.files} files, {self.articles} articles, {self.passages} passages"
        if not self.changed:
            return f"索引已是最新 (index up to date): {counts}, {self.seconds:.1f} s"
        rate = f" at {self.passages_per_second:.1f} passages/s" if self.passages_per_second else ""
        return f"{counts} ({self.embedded} embedded{rate}), {len(self.skipped)} skipped, {self.seconds:.1f} s"


def hash_corpus(corpus_dir: Path) -> dict[str, str]:
    """sha256 of every corpus file, keyed by its path relative to the corpus folder."""
    return {source_name(corpus_dir, path): sha256_of_file(path) for path in reading.list_corpus_files(corpus_dir)}


def source_name(corpus_dir: Path, path: Path) -> str:
    return path.relative_to(corpus_dir).as_posix()


def staleness(
    manifest: Manifest,
    corpus_dir: Path,
    model_name: str,
    settings: Settings,
    current: dict[str, str] | None = None,
    *,
    encoder: str,
) -> list[str]:
    """Reasons why the index no longer matches its corpus and settings (model `model_name` run by `encoder`);
    empty when it is fresh.

    `current` holds the corpus file hashes to compare with; by default those of `corpus_dir`, the corpus the index
    was built from.
    """
    reasons = []
    if manifest.model_name != model_name:
        reasons.append(f"model changed ({manifest.model_name} -> {model_name})")
    if manifest.encoder != encoder:
        reasons.append(f"encoder changed ({manifest.encoder} -> {encoder})")
    if manifest.chunking != settings.chunking.to_dict():
        reasons.append(f"chunking changed ({manifest.chunking} -> {settings.chunking.to_dict()})")
    if manifest.pipeline_version != PIPELINE_VERSION:
        reasons.append(f"text pipeline version changed ({manifest.pipeline_version} -> {PIPELINE_VERSION})")
    if current is None and corpus_dir.is_dir():
        current = hash_corpus(corpus_dir)
    if current is not None:
        added = sorted(set(current) - set(manifest.files))
        removed = sorted(set(manifest.files) - set(current))
        changed = sorted(s for s in set(current) & set(manifest.files) if current[s] != manifest.files[s])
        for label, names in (("added", added), ("removed", removed), ("changed", changed)):
            if names:
                reasons.append(f"{len(names)} file(s) {label}: {', '.join(names[:3])}")
    return reasons


def build_index(
    corpus_dir: Path,
    location: Location,
    settings: Settings,
    get_embedder: Callable[[], Embedder],
    model_name: str,
    progress: Progress | None = None,
    *,
    encoder: str,
) -> BuildReport:
    """Bring the index at `location` up to date with corpus_dir; a fresh index is left untouched (and no model is
    loaded). `encoder` names how `model_name` runs ("int8", "float"): vectors of two encoders are never mixed."""
    started = time.perf_counter()
    if not corpus_dir.is_dir():
        raise AssistantError(f"语料文件夹不存在：{corpus_dir} (corpus folder not found)")
    with location.lock():
        old = _current_manifest(location)
        current = hash_corpus(corpus_dir)  # hashed once: both the freshness check and the manifest use it
        if old is not None and not staleness(
            old, location.corpus_dir(old), model_name, settings, current, encoder=encoder
        ):
            return BuildReport(
                files=old.counts["files"],
                articles=old.counts["articles"],
                passages=old.counts["passages"],
                embedded=0,
                seconds=time.perf_counter() - started,
                changed=False,
                skipped=dict(old.skipped),
            )
        articles, skipped = _read_corpus(corpus_dir, progress)
        files = current
        passages = [p for a in articles for p in chunking.split_passages(a, settings.chunking)]
        if not passages:
            raise AssistantError(
                f"语料文件夹 {corpus_dir} 中没有可读的文章 (no readable articles: add text, PDF or Word files)"
            )
        embedder = get_embedder()
        texts = [embedding_text(p) for p in passages]
        reusable = location.reusable_embeddings(texts, embedder.model_id, encoder, embedder.dimension) if old else {}
        embed_started = time.perf_counter()
        embeddings, embedded = embed_passages(passages, embedder, reusable, progress)
        embed_seconds = time.perf_counter() - embed_started
        manifest = Manifest(
            model_name=model_name,
            model_id=embedder.model_id,
            encoder=encoder,
            dimension=embedder.dimension,
            chunking=settings.chunking.to_dict(),
            pipeline_version=PIPELINE_VERSION,
            files=files,
            skipped=skipped,
            corpus_dir=location.corpus_reference(corpus_dir),
            counts={"files": len(files) - len(skipped), "articles": len(articles), "passages": len(passages)},
        )
        location.write(Contents(manifest, passages, articles, dedup.story_groups(articles), embeddings))
    return BuildReport(
        files=manifest.counts["files"],
        articles=len(articles),
        passages=len(passages),
        embedded=embedded,
        seconds=time.perf_counter() - started,
        changed=True,
        skipped=skipped,
        embed_seconds=embed_seconds,
    )


def embedding_text(passage: Passage) -> str:
    """What the model sees: the folded headline gives every passage its article's topic."""
    return f"{fold_for_matching(passage.title)}\n{passage.match_text}"


def _read_corpus(corpus_dir: Path, progress: Progress | None) -> tuple[list[Article], dict[str, str]]:
    paths = reading.list_corpus_files(corpus_dir)
    skipped: dict[str, str] = {}
    articles: list[Article] = []
    for done, path in enumerate(paths, 1):
        source = source_name(corpus_dir, path)
        try:
            articles.extend(reading.read_articles(path, source))
        except UnreadableFileError as exc:
            log.warning("skipped %s: %s", source, exc)
            skipped[source] = str(exc)
        if progress:
            progress("read", done, len(paths))
    return articles, skipped


def _current_manifest(location: Location) -> Manifest | None:
    try:
        return location.read_manifest()
    except IndexProblem:
        return None  # missing or unreadable: build from scratch


def embed_passages(
    passages: list[Passage],
    embedder: Embedder,
    reusable: dict[str, np.ndarray] | None = None,
    progress: Progress | None = None,
) -> tuple[np.ndarray, int]:
    """Embeddings of the passages (row i for passages[i]) and how many were computed rather than reused."""
    texts = [embedding_text(p) for p in passages]
    reusable = reusable or {}
    vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    todo = []
    for i, text in enumerate(texts):
        if text in reusable:
            vectors[i] = reusable[text]
        else:
            todo.append(i)
    # Longest first across groups keeps padding waste low and makes the progress bar's rate honest.
    todo.sort(key=lambda i: len(texts[i]), reverse=True)
    # an embedder that starts workers per call (store/ray_embedding.py) takes everything at once
    size = getattr(embedder, "group_size", EMBED_GROUP) or max(1, len(todo))
    for start in range(0, len(todo), size):
        group = todo[start : start + size]
        vectors[group] = embedder.encode_passages([texts[i] for i in group])
        if progress:
            progress("embed", min(start + size, len(todo)), len(todo))
    return vectors, len(todo)
