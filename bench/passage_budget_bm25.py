"""How the passage budget (ChunkingSettings.max_chars) changes keyword retrieval, measured on an eval set.

Each eval passage goes through the real text pipeline (cleaning, sentence-aware chunking, folding) at
several budgets; BM25 (bm25s over jieba search-mode tokens, as assistant.keyword) ranks the chunks for
every question. Reported per budget:
- article R@1 / R@5 / MRR@10: the gold passage owns one of the top chunks (what a citation needs);
- answer R@1 / R@5: a top chunk of the gold passage contains a gold answer verbatim (what an
  extractive answer needs: the answer must be inside the retrieved unit, not just its article);
- chunks and mean characters per chunk.

Usage: python bench/passage_budget_bm25.py [SET_DIR] [--budgets 150,200,300,400,600,0] (0 = no chunking)
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.settings import ChunkingSettings
from assistant.store.keyword import KeywordIndex
from assistant.text.chunking import split_passages
from assistant.text.documents import Article
from assistant.text.normalize import clean_text, fold_for_matching

DEFAULT_SET = Path("/work/shared/bench/cmrc2018-dev")


def load(set_dir: Path) -> tuple[list[dict], list[dict]]:
    def rows(name: str) -> list[dict]:
        with open(set_dir / name, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    return rows("passages.jsonl"), rows("questions.jsonl")


def evaluate(passages: list[dict], questions: list[dict], budget: int) -> dict[str, float]:
    chunking = ChunkingSettings(max_chars=budget or 10**9, overlap_sentences=1)
    owners: list[str] = []
    texts: list[str] = []
    shown: list[str] = []
    for row in passages:
        article = Article(source=row["id"], number=0, title=row["title"], text=clean_text(row["text"]).strip())
        for p in split_passages(article, chunking):
            owners.append(row["id"])
            texts.append(f"{fold_for_matching(p.title)}\n{p.match_text}")
            shown.append(fold_for_matching(p.text))
    index = KeywordIndex.build(texts)
    owner = np.array(owners)
    article_hits = {1: 0, 5: 0}
    answer_hits = {1: 0, 5: 0}
    reciprocal = 0.0
    for q in questions:
        scores = index.scores(fold_for_matching(q["question"]))
        top = np.argsort(-scores, kind="stable")[:10]
        gold = q["passage_id"]
        ranks = [r for r, i in enumerate(top) if owner[i] == gold]
        answers = [fold_for_matching(a) for a in q["answers"] if a]
        answer_ranks = [r for r, i in enumerate(top) if owner[i] == gold and any(a in shown[i] for a in answers)]
        for k in article_hits:
            article_hits[k] += bool(ranks and ranks[0] < k)
            answer_hits[k] += bool(answer_ranks and answer_ranks[0] < k)
        reciprocal += 1 / (ranks[0] + 1) if ranks else 0.0
    n = len(questions)
    return {
        "budget": budget,
        "chunks": len(texts),
        "mean_chars": round(sum(len(t) for t in shown) / len(shown), 1),
        "article_R@1": round(article_hits[1] / n, 3),
        "article_R@5": round(article_hits[5] / n, 3),
        "article_MRR@10": round(reciprocal / n, 3),
        "answer_R@1": round(answer_hits[1] / n, 3),
        "answer_R@5": round(answer_hits[5] / n, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("set_dir", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--budgets", default="150,200,300,400,600,0")
    args = parser.parse_args()
    logging.getLogger("jieba").setLevel(logging.WARNING)
    passages, questions = load(args.set_dir)
    print(f"{args.set_dir}: {len(passages)} passages, {len(questions)} questions")
    for budget in (int(b) for b in args.budgets.split(",")):
        started = time.perf_counter()
        result = evaluate(passages, questions, budget)
        print(json.dumps(result, ensure_ascii=False), f"({time.perf_counter() - started:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
