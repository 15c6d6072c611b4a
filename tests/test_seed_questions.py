"""The seed question sets (bench/seed/) are well formed: every gold answer is quoted from its article, so the
answer benchmark measures the answerer, not a typo in a key."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "bench" / "seed"
KINDS = {"number", "date", "person", "place", "org", "what", "thing", "reason", "method"}
# Pinyin glued after characters (召開(kāi)): lower-case only, so (eVTOL) and (點子) stay.
PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
ARTICLES = sorted(p.name for p in (ROOT / "corpus").glob("*.txt"))
PREFIXES = sorted({p.name.removesuffix("questions.jsonl") for p in SEED.glob("*questions.jsonl")})


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (SEED / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@functools.cache
def _article(name: str) -> str:
    return PINYIN.sub("", (ROOT / "corpus" / name).read_text(encoding="utf-8"))


def test_every_question_set_comes_as_an_answerable_and_unanswerable_pair():
    assert len(PREFIXES) >= 8
    for prefix in PREFIXES:
        assert (SEED / f"{prefix}unanswerable.jsonl").exists()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_each_gold_answer_is_quoted_from_its_article(prefix):
    for row in _rows(f"{prefix}questions.jsonl"):
        assert row["kind"] in KINDS and row["question"] and row["answers"], row["id"]
        # The first three blind pairs name the source in their notes only: the answer must be in some article.
        sources = [row["source"]] if "source" in row else ARTICLES
        assert any(row["answers"][0] in _article(name) for name in sources), row["id"]
        for other in row.get("also_in", []):
            assert any(answer in _article(other) for answer in row["answers"]), (row["id"], other)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_unanswerable_questions_have_no_answer_and_ids_are_unique(prefix):
    answerable = _rows(f"{prefix}questions.jsonl")
    unanswerable = _rows(f"{prefix}unanswerable.jsonl")
    assert all(row["answers"] == [] and row["kind"] in KINDS for row in unanswerable)
    ids = [row["id"] for row in answerable + unanswerable]
    assert len(ids) == len(set(ids))
