"""Embedding a build's passages on Ray (`build --ray [ADDRESS]`): Ray Data's map_batches over a pool of actors,
each loading the model once, on this machine or on a cluster. Ray is imported only here, so the local build
never needs it."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import numpy as np

from ..errors import AssistantError
from ..model.embedding import Embedder, encoder_of, load_embedder

LOCAL = "local"  # `--ray` without an address: start Ray on this machine
BATCH = 16  # passages per model call in an actor (the local build's encoder batches as many)


class PassageEncoder:
    """One Ray actor: the model, loaded once, embedding the batches it is given."""

    def __init__(self, model: str, encoder: str) -> None:
        self.embedder = load_embedder(model, encoder=encoder)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.embedder.encode_passages([str(t) for t in batch["text"]])
        return {"row": batch["row"], "vector": np.asarray(vectors, dtype=np.float32)}


class RayEmbedder:
    """An Embedder whose passages are embedded by Ray actors running the local model's encoder; queries, model_id
    and dimension come from the local model (the assistant needs it after the build anyway)."""

    # Each encode_passages call starts a pool of actors that load the model: give it a build's passages at once.
    group_size = None

    def __init__(self, local: Embedder, model: str, address: str = LOCAL, actors: int = 2) -> None:
        self.local = local
        self.model = model
        self.address = address
        self.actors = actors
        self.model_id = local.model_id
        self.dimension = local.dimension
        self.encoder = encoder_of(local)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.local.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        start_ray(self.address, self.actors)
        import ray

        rows = ray.data.from_items([{"row": i, "text": t} for i, t in enumerate(texts)])
        embedded = rows.map_batches(
            PassageEncoder,
            fn_constructor_kwargs={"model": self.model, "encoder": self.encoder},
            batch_size=BATCH,
            concurrency=self.actors,
            num_cpus=1,  # Ray then gives each actor's encoder one thread
        )
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for batch in embedded.iter_batches(batch_format="numpy", batch_size=256):
            out[batch["row"]] = batch["vector"]  # batches come back in any order; the row says where
        return out


def start_ray(address: str, cpus: int) -> None:
    """Connect to the cluster at `address`, or start Ray here with `cpus` CPUs; once per process."""
    try:
        import ray
    except ImportError as exc:
        raise AssistantError(
            "build --ray 需要安装 Ray：pip install 'news-assistant[ray]' (Ray is not installed)"
        ) from exc

    if ray.is_initialized():
        return
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    try:
        if address == LOCAL:
            ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        # Ray Data logs its progress every few seconds (its loggers are set up by init); the build reports its own
        logging.getLogger("ray.data").setLevel(logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise AssistantError(
            f"无法连接 Ray 集群 {address}：{exc}。请确认地址（如 ray://主机:10001 或 auto）"
            f"(cannot start or reach Ray at {address})."
        ) from exc
