"""Combining the keyword and the vector ranking into one list."""

from __future__ import annotations

from collections.abc import Mapping

RRF_K = 60


def reciprocal_rank_fusion(
    keyword_ranks: Mapping[int, int], vector_ranks: Mapping[int, int], k: int = RRF_K
) -> dict[int, float]:
    """Fused score per passage row from 1-based ranks in each list (absent from a list adds nothing)."""
    fused: dict[int, float] = {}
    for ranks in (keyword_ranks, vector_ranks):
        for row, rank in ranks.items():
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank)
    return fused
