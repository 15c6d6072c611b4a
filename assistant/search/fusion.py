"""Combining the keyword and the vector ranking into one list.

Each signal's scores are standardised over its own top candidates (z-scores), then mixed with a weight that
leans towards the signal that is more confident for this query: the one whose best candidate stands further
above the rest. Measured on cmrc2018-dev (bench/retrieval_bench.py), this beats reciprocal-rank fusion and both
single signals, also where many passages share one topic and the vector signal is weaker.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

DEPTH = 50  # candidates per signal; also the population for the z-scores
GAIN = 0.5  # how far confidence moves the weight away from an even mix
MIN_WEIGHT, MAX_WEIGHT = 0.15, 0.85  # neither signal is ever ignored entirely


def confidence(top_scores: np.ndarray) -> float:
    """How far the best candidate stands out: (best - second) / (best - last), from 0 to 1."""
    if len(top_scores) < 2:
        return 0.0
    spread = top_scores[0] - top_scores[-1]
    return float((top_scores[0] - top_scores[1]) / spread) if spread > 1e-9 else 0.0


def keyword_weight(keyword_top: np.ndarray, vector_top: np.ndarray) -> float:
    """The share of the keyword signal in the mix for one query."""
    weight = 0.5 + GAIN * (confidence(keyword_top) - confidence(vector_top)) / 2
    return min(MAX_WEIGHT, max(MIN_WEIGHT, weight))


def fuse(
    keyword_scores: Mapping[int, float],
    vector_scores: Mapping[int, float],
    keyword_top: np.ndarray,
    vector_top: np.ndarray,
) -> tuple[dict[int, float], float]:
    """Fused score per candidate row, and the keyword weight used.

    `keyword_scores` / `vector_scores` hold both scores of every candidate; `keyword_top` / `vector_top` are
    each signal's best DEPTH scores in descending order, the population the z-scores are taken over.
    """
    alpha = keyword_weight(keyword_top, vector_top)
    k_mean, k_std = _stats(keyword_top)
    v_mean, v_std = _stats(vector_top)
    fused = {
        row: alpha * (keyword_scores[row] - k_mean) / k_std + (1 - alpha) * (vector_scores[row] - v_mean) / v_std
        for row in keyword_scores
    }
    return fused, alpha


def _stats(top: np.ndarray) -> tuple[float, float]:
    if len(top) == 0:
        return 0.0, 1.0
    return float(np.mean(top)), max(float(np.std(top)), 1e-9)
