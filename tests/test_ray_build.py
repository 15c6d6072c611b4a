"""`build --ray`: the passages embedded by Ray Data actors (real Ray, the real model), written to Milvus, answer as
the local build does; the local build never imports Ray."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.cli import main
from tests.conftest import REPO, SEED_CORPUS

SEED_QUESTIONS = REPO / "bench" / "seed" / "questions.jsonl"


@pytest.mark.slow
def test_ray_build_into_milvus_answers_as_the_local_build(seed_assistant, milvus_server, capsys):
    ray = pytest.importorskip("ray")
    store = f"{milvus_server}/ray_built"
    try:
        assert main(["build", "--corpus", str(SEED_CORPUS), "--store", store, "--ray", "--ray-actors", "2"]) == 0
        assert ray.is_initialized() and ray.cluster_resources()["CPU"] == 2
    finally:
        ray.shutdown()
    assert "92 passages (92 embedded at " in capsys.readouterr().out

    built = Assistant.load("unused", Settings(store=store))
    store_ = built._retriever.store
    rows = store_.client.query(store_.version, filter="id >= 0", output_fields=["id", "vector"])
    by_ray = np.array([r["vector"] for r in sorted(rows, key=lambda r: r["id"])], dtype=np.float32)
    local = seed_assistant._retriever.store.data.embeddings
    assert by_ray.shape == local.shape and np.min(np.sum(by_ray * local, axis=1)) > 0.9999

    questions = [json.loads(line)["question"] for line in SEED_QUESTIONS.read_text(encoding="utf-8").splitlines()]
    for question in questions[:20]:
        assert [h.passage_ids for h in built.search(question)] == [
            h.passage_ids for h in seed_assistant.search(question)
        ]
        assert built.ask(question).text == seed_assistant.ask(question).text


def test_the_local_build_does_not_import_ray(tmp_path):
    script = (
        "import sys\n"
        "from assistant import Assistant, Settings\n"
        "from tests.conftest import SEED_CORPUS, HashingEmbedder\n"
        f"Assistant.build(SEED_CORPUS, {str(tmp_path / 'index')!r}, Settings(), HashingEmbedder())\n"
        "assert 'ray' not in sys.modules, 'ray imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
