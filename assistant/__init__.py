"""Offline semantic search and cited question answering over Chinese news articles."""

from .core import ArticleInfo, Assistant, IndexStatus
from .errors import AssistantError
from .results import Answer, Citation, Hit
from .settings import ChunkingSettings, Settings

__all__ = [
    "Answer",
    "ArticleInfo",
    "Assistant",
    "AssistantError",
    "ChunkingSettings",
    "Citation",
    "Hit",
    "IndexStatus",
    "Settings",
]
