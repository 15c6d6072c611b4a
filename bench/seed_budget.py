"""Passage size on the seed corpus: hybrid retrieval with the real model at several passage budgets.

    python bench/seed_budget.py [--budgets 150,200,300,400,600]

For each budget the seed corpus is indexed afresh and the questions of bench/seed/questions.jsonl are asked:
source hit@1 / hit@5 (a top hit comes from the question's file, or a file with the same story) and
answer@5 (a gold answer occurs in the top-5 passages' text, scripts folded).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import Assistant, ChunkingSettings, Settings  # noqa: E402
from assistant.text.normalize import fold_for_matching  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budgets", default="150,200,300,400,600")
    args = parser.parse_args()
    questions = [json.loads(line) for line in (REPO / "bench/seed/questions.jsonl").read_text("utf-8").splitlines()]
    print(f"{'budget':>6} {'passages':>8} {'hit@1':>6} {'hit@5':>6} {'answer@5':>8}  ({len(questions)} questions)")
    for budget in map(int, args.budgets.split(",")):
        settings = Settings.from_env(chunking=ChunkingSettings(max_chars=budget))
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(REPO / "corpus", Path(tmp) / "corpus")
            bot = Assistant.build(Path(tmp) / "corpus", Path(tmp) / "index", settings)
            hit1 = hit5 = answer5 = 0
            for q in questions:
                hits = bot.search(q["question"], k=5)
                wanted = {q["source"], *q.get("also_in", [])}
                found = [bool(wanted & {h.source, *h.also_in}) for h in hits]
                hit1 += found[:1] == [True]
                hit5 += any(found)
                top5 = fold_for_matching("".join(h.text for h in hits))
                answer5 += any(fold_for_matching(a) in top5 for a in q["answers"])
            n = len(questions)
            print(f"{budget:>6} {bot.report.passages:>8} {hit1 / n:>6.3f} {hit5 / n:>6.3f} {answer5 / n:>8.3f}")


if __name__ == "__main__":
    main()
