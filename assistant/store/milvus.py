"""The index in Milvus, for corpora past one machine: `--store milvus://HOST:PORT[/collection]`.

Each build writes a new version, two collections named after it:
    <name>__v<stamp>            one row per passage: id (its row), the fields hits and filters need (source, article,
                                offsets, flags, texts), the vector, and its keyword terms with Milvus's BM25 function
    <name>__v<stamp>_records    key -> JSON: the manifest, every article (text, story, passage count, flags), and
                                the document frequency of every keyword term (answers weigh question words by it)
and then points the alias <name> at it, last: a build that fails halfway leaves the previous version serving.
The version before the current one is dropped by the next build, not at once, so an assistant still holding it
keeps answering until it reloads.

The keyword terms are the local store's tokens (jieba search mode, store/keyword.py), each written as one ASCII
word (a hash) for Milvus's `standard` analyzer: milvus-lite offers only the `standard` and `jieba` analyzers, and
its jieba cuts differently from the Python jieba both the local store and the answers use. With the same tokens
and bm25s's parameters, Milvus's BM25 ranks as the local one does (its scores are (k1 + 1) times bm25s's, and
milvus-lite reports them negated), so retrieval gives the same hits on either store. milvus-lite computes BM25's
statistics over the filtered passages only when a search has a filter, so filtered keyword candidates are drawn
with some margin and rescored here, exactly as bm25s scores them, from their stored terms and the collection's
statistics (the document frequencies and the average length kept with the records).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..errors import IndexCorruptError, IndexMissingError, StoreUnavailableError
from ..text.documents import Article, Passage
from .base import ArticleSummary, Contents, Scope, Story
from .folder import FORMAT_VERSION, Manifest, build_lock
from .indexing import embedding_text
from .keyword import idf_from, tokenize
from .vectors import APPROXIMATE_MIN_SIZE, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M

try:
    from pymilvus import DataType, Function, FunctionType, MilvusClient, MilvusException
except ImportError as exc:  # the optional extra is not installed
    raise StoreUnavailableError(
        "使用 Milvus 需要安装 pymilvus：pip install 'news-assistant[milvus]' "
        "(the Milvus store needs the milvus extra installed)."
    ) from exc

# pymilvus logs every failed call with its traceback before raising; the errors raised here say it in words.
logging.getLogger("pymilvus").setLevel(logging.CRITICAL)

DEFAULT_COLLECTION = "news_assistant"
TOKEN_ENV = "MILVUS_TOKEN"  # "user:password" or an API key; also MILVUS_USER and MILVUS_PASSWORD
BM25_K1, BM25_B = 1.5, 0.75  # bm25s's defaults, which the local KeywordIndex uses
MAX_TOP_K = 16_384  # Milvus refuses a larger limit
FILTERED_MARGIN = 4  # filtered keyword candidates drawn per candidate kept (see the module's docstring)
BATCH = 500  # rows per insert or query: well under gRPC's message size with 384-dimension vectors and texts
RECORD_CACHE = 50_000  # records kept in memory per version (articles, word statistics)
PIECE_CHARS = 15_000  # a record's JSON is stored in pieces of this many characters (VARCHAR holds 65,535 bytes)
TEXT_BYTES = 65_535
CONNECT_TIMEOUT_S = 10.0
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,200}$")
_REBUILD_HINT = "请重新运行 `python -m assistant build --store …` (rebuild into this store)"
_PASSAGE_FIELDS = ["id", "passage_id", "source", "article", "title", "text", "match_text", "start", "end", "flags"]


def term_word(token: str) -> str:
    """A keyword token as one lower-case ASCII word (48 bits of its hash, one letter a-p per 4 bits), which
    Milvus's standard analyzer keeps whole."""
    digest = hashlib.blake2b(token.encode("utf-8"), digest_size=6).digest()
    return "".join(chr(97 + (b >> 4)) + chr(97 + (b & 15)) for b in digest)


def terms_of(folded: str) -> str:
    """The text Milvus's BM25 function sees for a passage's match text or a folded query."""
    return " ".join(term_word(t) for t in tokenize(folded))


def embed_key(text: str) -> str:
    """What identifies an embedding input, so a rebuild can find the vectors it may reuse."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class MilvusLocation:
    """A Milvus collection name at a server, as a Location (store/base.py)."""

    def __init__(self, uri: str, collection: str = DEFAULT_COLLECTION) -> None:
        self.uri = uri
        self.collection = collection
        self._client: MilvusClient | None = None

    @classmethod
    def parse(cls, address: str) -> MilvusLocation:
        """milvus://HOST:PORT[/collection]; a malformed address is refused with the form it should take."""
        match = re.fullmatch(r"milvus://([^/:\s]+):(\d{1,5})(?:/([^/\s]*))?/?", address.strip())
        collection = (match.group(3) or DEFAULT_COLLECTION) if match else ""
        if not match or not 0 < int(match.group(2)) < 65536 or not _NAME.match(collection):
            raise StoreUnavailableError(
                f"Milvus 地址 {address!r} 格式不对，应为 milvus://主机:端口[/集合名]，集合名只含字母、数字和下划线 "
                f"(malformed Milvus address; expected milvus://HOST:PORT[/collection], collection of [A-Za-z0-9_])."
            )
        return cls(f"http://{match.group(1)}:{match.group(2)}", collection)

    def describe(self) -> str:
        return f"{self.uri}/{self.collection}"

    @property
    def client(self) -> MilvusClient:
        if self._client is None:
            self._client = connect(self.uri)
        return self._client

    def served_version(self) -> str | None:
        """The collection the alias points at; None before the first build."""
        try:
            if self.collection not in self.client.list_aliases().get("aliases", []):
                return None
            return self.client.describe_alias(self.collection)["collection_name"]
        except MilvusException as exc:
            raise _unavailable(self.uri, exc) from exc

    def read_manifest(self) -> Manifest:
        version = self.served_version()
        if version is None:
            raise IndexMissingError(
                f"索引不存在：Milvus {self.describe()} 中没有集合 {self.collection}。请先运行 "
                f"`python -m assistant build --store milvus://…` (no index in {self.describe()}: build it first)."
            )
        return _Records(self.client, version).manifest()

    def open(self) -> MilvusStore:
        version = self.served_version()
        if version is None:
            self.read_manifest()  # raises the missing-index error
        return MilvusStore(self.client, str(version))

    def corpus_dir(self, manifest: Manifest) -> Path:
        return Path(manifest.corpus_dir)

    def corpus_reference(self, corpus_dir: Path) -> str:
        return str(corpus_dir.resolve())  # a server has no folder to be relative to

    def lock(self) -> AbstractContextManager[None]:
        # One build at a time from this machine; builds from several machines into one collection are the
        # operator's to serialise (the alias switch keeps each of them atomic).
        key = hashlib.sha256(self.describe().encode()).hexdigest()[:16]
        return build_lock(Path(tempfile.gettempdir()) / "news-assistant-milvus-locks" / key)

    def reusable_embeddings(
        self, texts: Sequence[str], model_id: str, encoder: str, dimension: int
    ) -> dict[str, np.ndarray]:
        version = self.served_version()
        if version is None:
            return {}
        manifest = _Records(self.client, version).manifest()
        if not manifest.made_by(model_id, encoder, dimension):
            return {}
        by_key = {embed_key(t): t for t in texts}
        keys = list(by_key)
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), BATCH):
            rows = self.client.query(
                version,
                filter=f"embed_key in {_literal(keys[start : start + BATCH])}",
                output_fields=["embed_key", "vector"],
            )
            found.update((by_key[r["embed_key"]], np.asarray(r["vector"], dtype=np.float32)) for r in rows)
        return found

    def write(self, contents: Contents) -> Manifest:
        client = self.client
        passages = contents.passages
        served = self.served_version()
        self._drop_versions(keep={served})  # leftovers of failed builds, and the version before the served one
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        version = f"{self.collection}__v{stamp}_{uuid.uuid4().hex[:8]}"
        written = Manifest(**{**asdict(contents.manifest), "data": version})
        try:
            _create_passages(client, version, contents.embeddings.shape[1], len(passages))
            _insert_passages(client, version, passages, contents.embeddings)
            _Records.create(client, version)
            _Records(client, version).write(written, contents)
            for name in (version, version + _Records.SUFFIX):
                client.flush(name)  # sealed segments get their indexes: milvus-lite searched 8x faster after
            count = client.query(version, filter="", output_fields=["count(*)"])[0]["count(*)"]
            if count != len(passages):
                raise IndexCorruptError(f"Milvus 集合 {version} 写入了 {count} 个段落，应为 {len(passages)}")
            if served is None:
                client.create_alias(version, self.collection)
            else:
                client.alter_alias(version, self.collection)  # the commit point
        except BaseException:
            self._drop_versions(keep={served})
            raise
        return written

    def _drop_versions(self, keep: set[str | None]) -> None:
        prefix = f"{self.collection}__v"
        for name in self.client.list_collections():
            base = name.removesuffix(_Records.SUFFIX)
            if name.startswith(prefix) and base not in keep:
                self.client.drop_collection(name)


class MilvusStore:
    """A Store over one version of the index in Milvus (a search never mixes two versions)."""

    def __init__(self, client: MilvusClient, version: str) -> None:
        self.client = client
        self.version = version
        self._records = _Records(client, version)
        self.manifest = self._records.manifest()
        self._hnsw = self.manifest.counts.get("passages", 0) >= APPROXIMATE_MIN_SIZE
        statistics = self._records.get("bm25")
        if not isinstance(statistics, dict):
            raise IndexCorruptError(f"Milvus 集合 {version} 缺少 BM25 统计。{_REBUILD_HINT}")
        self._avgdl = float(statistics["avgdl"])

    def count(self, scope: Scope | None) -> int:
        if scope is None:
            return self.manifest.counts["passages"]
        return self.client.query(self.version, filter=_filter(scope), output_fields=["count(*)"])[0]["count(*)"]

    def keyword_candidates(self, folded: str, depth: int, scope: Scope | None) -> tuple[np.ndarray, np.ndarray]:
        if scope is None:
            return self._bm25(folded, min(depth, MAX_TOP_K), "")
        # filtered, milvus-lite ranks by the scope's own statistics: draw more, rescore, keep the best
        ids, _ = self._bm25(folded, min(depth * FILTERED_MARGIN, MAX_TOP_K), _filter(scope))
        return _ranked(list(zip(ids.tolist(), self.keyword_scores(folded, ids).tolist(), strict=True)), depth)

    def keyword_scores(self, folded: str, ids: Sequence[int]) -> np.ndarray:
        """bm25s's score (method "lucene") from the passages' stored terms, as KeywordIndex.scores gives it."""
        tokens = tokenize(folded)
        ids = [int(i) for i in ids]
        if not tokens or not ids:
            return np.zeros(len(ids), dtype=np.float32)
        idf = self._idfs(tokens)
        words = {int(r["id"]): Counter(r["terms"].split()) for r in self._query_ids(ids, ["id", "terms"])}
        scores = np.zeros(len(ids), dtype=np.float32)
        for n, i in enumerate(ids):
            counts = words[i]
            # a passage without tokens was indexed by bm25s as one placeholder token
            norm = BM25_K1 * (1 - BM25_B + BM25_B * max(1, counts.total()) / self._avgdl)
            tfs = ((t, counts[term_word(t)]) for t in tokens)
            scores[n] = sum(idf[t] * tf / (tf + norm) for t, tf in tfs if tf)
        return scores

    def vector_candidates(self, vector: np.ndarray, depth: int, scope: Scope | None) -> tuple[np.ndarray, np.ndarray]:
        depth = min(depth, MAX_TOP_K)
        search_params: dict = {"metric_type": "IP"}
        if self._hnsw:
            search_params["params"] = {"ef": max(depth, HNSW_EF_SEARCH)}
        result = self.client.search(
            self.version,
            data=[np.asarray(vector, dtype=np.float32).tolist()],
            anns_field="vector",
            limit=depth,
            filter=_filter(scope),
            search_params=search_params,
        )[0]
        return _ranked([(int(h["id"]), float(h["distance"])) for h in result])

    def vector_scores(self, vector: np.ndarray, ids: Sequence[int]) -> np.ndarray:
        rows = self._query_ids(ids, ["id", "vector"])
        by_id = {int(r["id"]): np.asarray(r["vector"], dtype=np.float32) for r in rows}
        return np.array([float(by_id[int(i)] @ vector) for i in ids], dtype=np.float32)

    def passages(self, ids: Sequence[int]) -> dict[int, Passage]:
        rows = self._query_ids(ids, _PASSAGE_FIELDS)
        return {int(r["id"]): _passage(r) for r in rows}

    def article(self, source: str, number: int) -> Article | None:
        record = self._records.get(_article_key(source, number))
        return None if record is None else _article(record)

    def story(self, source: str, number: int) -> Story | None:
        record = self._records.get(_article_key(source, number))
        if record is None or not record["story"]:
            return None
        return tuple((s, n) for s, n in record["story"])

    def idf(self, token: str) -> float:
        return self._idfs([token])[token]

    def _idfs(self, tokens: Sequence[str]) -> dict[str, float]:
        found = self._records.get_many([_term_key(t) for t in tokens])
        size = self.manifest.counts["passages"]
        return {t: idf_from(int(found.get(_term_key(t), 0)), size) for t in tokens}

    def articles(self) -> Iterator[ArticleSummary]:
        for record in self._records.articles():
            yield ArticleSummary(
                record["source"], record["number"], record["title"], record["passages"], tuple(record["flags"])
            )

    def _bm25(self, folded: str, limit: int, expr: str) -> tuple[np.ndarray, np.ndarray]:
        terms = terms_of(folded)
        if not terms or limit <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        result = self.client.search(
            self.version,
            data=[terms],
            anns_field="sparse",
            limit=limit,
            filter=expr,
            search_params={"metric_type": "BM25"},
        )[0]
        # abs(): milvus-lite reports BM25 scores negated, a Milvus server positive; divided by (k1 + 1) they are
        # bm25s's scores, which the retrieval test shows
        return _ranked([(int(h["id"]), abs(float(h["distance"])) / (BM25_K1 + 1)) for h in result])

    def _query_ids(self, ids: Sequence[int], fields: list[str]) -> list[dict]:
        ids = [int(i) for i in ids]
        rows: list[dict] = []
        for start in range(0, len(ids), BATCH):
            rows += self.client.query(self.version, ids=ids[start : start + BATCH], output_fields=fields)
        return rows


class _Records:
    """The key -> JSON collection of one version: manifest, articles, term document frequencies."""

    SUFFIX = "_records"

    def __init__(self, client: MilvusClient, version: str) -> None:
        self.client = client
        self.name = version + self.SUFFIX
        # A version never changes, so what was read once (articles, word statistics) is kept, the oldest dropped
        # first; a search reads a handful of articles, and a question's words recur across questions.
        self._cache: OrderedDict[str, dict | str | int | None] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def create(cls, client: MilvusClient, version: str) -> None:
        schema = client.create_schema(auto_id=False)
        schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=TEXT_BYTES)
        schema.add_field("kind", DataType.VARCHAR, max_length=16)
        schema.add_field("seq", DataType.INT64)  # build order, for listing articles
        schema.add_field("parts", DataType.INT64)  # how many pieces the value is split into (key, key#1, ...)
        schema.add_field("value", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
        index = client.prepare_index_params()
        index.add_index("unused", index_type="FLAT", metric_type="L2")
        client.create_collection(version + cls.SUFFIX, schema=schema, index_params=index, consistency_level="Strong")

    def write(self, manifest: Manifest, contents: Contents) -> None:
        passages = contents.passages
        story_of = {tuple(m): [list(x) for x in group] for group in contents.stories for m in group}
        counts = Counter((p.source, p.article) for p in passages)
        flags: dict[tuple[str, int], set[str]] = {}
        for p in passages:
            flags.setdefault((p.source, p.article), set()).update(p.flags)
        tokens = [tokenize(p.match_text) for p in passages]
        frequencies = Counter(t for row in tokens for t in set(row))
        lengths = [max(1, len(row)) for row in tokens]  # bm25s gives a passage without tokens one placeholder
        rows = self._rows("manifest", "manifest", 0, asdict(manifest))
        rows += self._rows("bm25", "bm25", 0, {"avgdl": sum(lengths) / max(1, len(lengths))})
        for seq, a in enumerate(contents.articles):
            key = (a.source, a.number)
            value = {**asdict(a), "story": story_of.get(key), "passages": counts[key], "flags": sorted(flags[key])}
            rows += self._rows(_article_key(*key), "article", seq, value)
        rows += [self._row(_term_key(t), "term", 0, 1, str(n)) for t, n in frequencies.items()]
        for start in range(0, len(rows), BATCH * 4):
            self.client.insert(self.name, rows[start : start + BATCH * 4])

    def manifest(self) -> Manifest:
        raw = self.get("manifest")
        if raw is None or raw.get("format_version") != FORMAT_VERSION:
            raise IndexCorruptError(f"Milvus 集合 {self.name} 中的索引清单缺失或版本不符。{_REBUILD_HINT}")
        try:
            return Manifest(**raw)
        except TypeError as exc:
            raise IndexCorruptError(f"Milvus 集合 {self.name} 中的索引清单已损坏 ({exc})。{_REBUILD_HINT}") from exc

    def get(self, key: str) -> dict | str | int | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: Sequence[str]) -> dict[str, dict | str | int]:
        """The values of those keys that exist."""
        with self._lock:
            known = {k: self._cache[k] for k in keys if k in self._cache}
        missing = [k for k in dict.fromkeys(keys) if k not in known]
        if missing:
            try:
                rows = self.client.query(self.name, ids=missing, output_fields=["key", "parts", "value"])
            except MilvusException as exc:
                raise IndexCorruptError(f"Milvus 集合 {self.name} 无法读取 ({exc})。{_REBUILD_HINT}") from exc
            found = {r["key"]: self._joined(r["key"], r) for r in rows}
            with self._lock:
                for key in missing:
                    known[key] = self._cache[key] = found.get(key)
                while len(self._cache) > RECORD_CACHE:
                    self._cache.popitem(last=False)
        return {k: v for k, v in known.items() if v is not None}

    def articles(self) -> Iterator[dict]:
        iterator = self.client.query_iterator(
            self.name,
            batch_size=1000,
            filter='kind == "article" and parts > 0',  # first pieces only
            output_fields=["key", "seq", "parts", "value"],
        )
        firsts = []
        while batch := iterator.next():
            firsts += batch
        iterator.close()
        for row in sorted(firsts, key=lambda r: r["seq"]):
            yield self._joined(row["key"], row)

    def _joined(self, key: str, first: dict) -> dict | str | int:
        value = first["value"]
        if first["parts"] > 1:
            keys = [f"{key}#{i}" for i in range(1, first["parts"])]
            rest = {r["key"]: r["value"] for r in self.client.query(self.name, ids=keys, output_fields=["value"])}
            value += "".join(rest[k] for k in keys)
        return json.loads(value)

    def _rows(self, key: str, kind: str, seq: int, value: object) -> list[dict]:
        text = json.dumps(value, ensure_ascii=False)
        pieces = [text[i : i + PIECE_CHARS] for i in range(0, len(text), PIECE_CHARS)] or [""]
        # only the first piece carries the count, so listing a kind skips the continuations (parts 0)
        return [
            self._row(key if i == 0 else f"{key}#{i}", kind, seq, len(pieces) if i == 0 else 0, piece)
            for i, piece in enumerate(pieces)
        ]

    @staticmethod
    def _row(key: str, kind: str, seq: int, parts: int, value: str) -> dict:
        return {"key": key, "kind": kind, "seq": seq, "parts": parts, "value": value, "unused": [0.0, 0.0]}


@contextlib.contextmanager
def lite_server(data_dir: Path, port: int, log: Path, timeout_s: float = 60.0) -> Iterator[str]:
    """A `milvus-lite server` (the Milvus gRPC protocol, on 127.0.0.1 only) for tests and benchmarks: started,
    waited for, and stopped at the end; yields its milvus://127.0.0.1:PORT address."""
    command = [str(Path(sys.executable).with_name("milvus-lite")), "server"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if process.poll() is not None:
                    raise StoreUnavailableError(f"milvus-lite exited with {process.returncode}: {log.read_text()}")
                try:
                    MilvusClient(uri=f"http://127.0.0.1:{port}", timeout=2).list_collections()
                    break
                except MilvusException:  # not listening yet
                    if time.monotonic() > deadline:
                        raise StoreUnavailableError(f"milvus-lite did not start in time: {log.read_text()}") from None
                    time.sleep(0.2)
            yield f"milvus://127.0.0.1:{port}"
        finally:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
            process.kill()  # does nothing once it has exited
            process.wait()


def connect(uri: str) -> MilvusClient:
    """A client for the server at uri, with credentials from the environment; a clear error when unreachable."""
    token = os.environ.get(TOKEN_ENV) or ":".join(
        filter(None, (os.environ.get("MILVUS_USER"), os.environ.get("MILVUS_PASSWORD")))
    )
    try:
        return MilvusClient(uri=uri, token=token, timeout=CONNECT_TIMEOUT_S)
    except MilvusException as exc:
        raise _unavailable(uri, exc) from exc


def _unavailable(uri: str, exc: Exception) -> StoreUnavailableError:
    return StoreUnavailableError(
        f"无法连接 Milvus {uri}：{getattr(exc, 'message', exc)}。请确认服务器已启动、地址和端口正确，"
        f"凭据见环境变量 {TOKEN_ENV} (cannot reach the Milvus server)."
    )


def _create_passages(client: MilvusClient, version: str, dimension: int, size: int) -> None:
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)  # the passage's row in the build
    schema.add_field("passage_id", DataType.VARCHAR, max_length=256)
    schema.add_field("source", DataType.VARCHAR, max_length=4096)
    schema.add_field("article", DataType.INT64)
    schema.add_field("article_key", DataType.VARCHAR, max_length=4200)  # source and number, for the article filter
    schema.add_field("title", DataType.VARCHAR, max_length=TEXT_BYTES)
    schema.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES)
    schema.add_field("match_text", DataType.VARCHAR, max_length=TEXT_BYTES)
    schema.add_field("start", DataType.INT64)
    schema.add_field("end", DataType.INT64)
    schema.add_field("flags", DataType.VARCHAR, max_length=1024)  # JSON list
    schema.add_field("embed_key", DataType.VARCHAR, max_length=32)
    schema.add_field(
        "terms",
        DataType.VARCHAR,
        max_length=TEXT_BYTES,
        enable_analyzer=True,
        analyzer_params={"tokenizer": "standard"},
    )
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(
        Function(
            name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"], output_field_names=["sparse"]
        )
    )
    index = client.prepare_index_params()
    if size >= APPROXIMATE_MIN_SIZE:  # the local store's threshold and graph parameters (store/vectors.py)
        index.add_index(
            "vector", index_type="HNSW", metric_type="IP", params={"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION}
        )
    else:
        index.add_index("vector", index_type="FLAT", metric_type="IP")
    index.add_index(
        "sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params={"bm25_k1": BM25_K1, "bm25_b": BM25_B}
    )
    index.add_index("source", index_type="INVERTED")
    index.add_index("article_key", index_type="INVERTED")
    index.add_index("embed_key", index_type="INVERTED")
    client.create_collection(version, schema=schema, index_params=index, consistency_level="Strong")


def _insert_passages(client: MilvusClient, version: str, passages: list[Passage], embeddings: np.ndarray) -> None:
    for start in range(0, len(passages), BATCH):
        rows = [
            {
                "id": row,
                "passage_id": p.passage_id,
                "source": p.source,
                "article": p.article,
                "article_key": _passage_article_key(p.source, p.article),
                "title": p.title,
                "text": p.text,
                "match_text": p.match_text,
                "start": p.start,
                "end": p.end,
                "flags": json.dumps(list(p.flags)),
                "embed_key": embed_key(embedding_text(p)),
                "terms": terms_of(p.match_text),
                "vector": embeddings[row].tolist(),
            }
            for row, p in enumerate(passages[start : start + BATCH], start)
        ]
        client.insert(version, rows)


def _filter(scope: Scope | None) -> str:
    """A Milvus filter expression for the scope ("" for none)."""
    if scope is None:
        return ""
    parts = []
    if scope.sources:
        parts.append(f"source in {_literal(scope.sources)}")
    if scope.articles:
        parts.append(f"article_key in {_literal([_passage_article_key(s, n) for s, n in scope.articles])}")
    return " and ".join(parts)


def _literal(values: Sequence[str]) -> str:
    """A list of strings as a Milvus expression literal: JSON's quoting is the expression grammar's (milvus-lite
    does not take filter_params in a search, so values are quoted here, never spliced raw)."""
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


def _ranked(pairs: list[tuple[int, float]], depth: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Ids and scores best first, ties by the lower id (as the local store orders them); the first `depth` that
    score above zero when depth is given."""
    pairs.sort(key=lambda pair: (-pair[1], pair[0]))
    if depth is not None:
        pairs = [pair for pair in pairs if pair[1] > 0][:depth]
    return np.array([i for i, _ in pairs], dtype=np.int64), np.array([s for _, s in pairs], dtype=np.float32)


def _article_key(source: str, number: int) -> str:
    return f"article\x1f{source}\x1f{number}"


def _passage_article_key(source: str, number: int) -> str:
    # printable, since filters name it; unique because the number after the last "#" is all digits
    return f"{source}#{number}"


def _term_key(token: str) -> str:
    return f"term\x1f{token}"


def _passage(row: dict) -> Passage:
    return Passage(**{f: row[f] for f in _PASSAGE_FIELDS[1:] if f != "flags"}, flags=tuple(json.loads(row["flags"])))


def _article(record: dict) -> Article:
    return Article(**{k: v for k, v in record.items() if k not in ("story", "passages", "flags")})
