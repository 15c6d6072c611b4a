"""Build throughput: passages embedded per second by the local build and by `build --ray` with 1 and 2 actors.

    python bench/ray_build_bench.py [--passages 300] [--seed 0]

A fixed sample of cmrc2018-dev passages (chunked as the index chunks them) is embedded by the default model three
ways on this machine, in one run: the local build's embed_passages (one process, torch's own threads), and Ray Data
map_batches (store/ray_embedding.py) over 1 and over 2 actors of one CPU each, on a Ray started here with 2 CPUs.
Ray's figures are wall time for the whole call, actors starting and loading the model included (each actor loads
it once, ~8 s here), and again with that start-up subtracted (the actors' first batch time is not visible from
outside, so the start-up is measured as the same call on 2 passages). Vectors are checked against the local ones.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import evaluation  # noqa: E402
from assistant.model.embedding import load_embedder  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.store.indexing import embed_passages, embedding_text  # noqa: E402
from assistant.store.ray_embedding import LOCAL, RayEmbedder, start_ray  # noqa: E402
from assistant.text import chunking  # noqa: E402

CMRC = REPO.parent / "shared" / "bench" / "cmrc2018-dev"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    settings = Settings()
    articles = evaluation.load_passages(CMRC / "passages.jsonl")
    passages = [p for a in articles for p in chunking.split_passages(a, settings.chunking)]
    sample = random.Random(args.seed).sample(passages, args.passages)
    texts = [embedding_text(p) for p in sample]
    print(f"{len(sample)} passages, mean {np.mean([len(t) for t in texts]):.0f} characters")

    started = time.perf_counter()
    embedder = load_embedder(settings.model)
    print(f"local model load {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    local, _ = embed_passages(sample, embedder)
    local_s = time.perf_counter() - started
    print(f"local build          {len(sample) / local_s:6.2f} passages/s  ({local_s:.1f} s)")

    started = time.perf_counter()
    start_ray(LOCAL, 2)
    print(f"ray.init(num_cpus=2) {time.perf_counter() - started:.1f} s")
    for actors in (1, 2):
        ray_embedder = RayEmbedder(embedder, settings.model, LOCAL, actors)
        started = time.perf_counter()
        ray_embedder.encode_passages(texts[:2])
        startup_s = time.perf_counter() - started
        started = time.perf_counter()
        vectors = ray_embedder.encode_passages(texts)
        wall_s = time.perf_counter() - started
        agreement = float(np.min(np.sum(vectors * local, axis=1)))
        print(
            f"ray, {actors} actor(s)     {len(sample) / wall_s:6.2f} passages/s  ({wall_s:.1f} s; "
            f"{len(sample) / max(wall_s - startup_s, 1e-9):.2f}/s without the {startup_s:.1f} s start-up; "
            f"min cosine to local {agreement:.5f})"
        )


if __name__ == "__main__":
    main()
