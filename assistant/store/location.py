"""Which store an address names: the local index folder by default, a Milvus collection by milvus:// URI."""

from __future__ import annotations

from pathlib import Path

from ..errors import StoreUnavailableError
from .base import Location
from .local import FolderLocation

MILVUS_SCHEME = "milvus://"


def locate(store: str, index_dir: str | Path) -> Location:
    """The location of the index: `store` ("" or milvus://HOST:PORT[/collection]) or else the folder index_dir."""
    if not store:
        return FolderLocation(Path(index_dir))
    if store.startswith(MILVUS_SCHEME):
        from .milvus import MilvusLocation  # pymilvus is only needed by those who use it

        return MilvusLocation.parse(store)
    raise StoreUnavailableError(
        f"无法识别的存储地址 {store!r}：请留空（使用本地索引文件夹）或写成 milvus://主机:端口[/集合名] "
        f"(unknown store address; use milvus://HOST:PORT[/collection] or nothing for the index folder)."
    )


def scratch_location(store: str) -> Location:
    """Where throwaway indexes (evaluation) go beside the Milvus collection `store` names, never replacing it:
    the collection <name>_eval. The local store keeps them in memory instead."""
    if not store.startswith(MILVUS_SCHEME):
        raise StoreUnavailableError(f"{store!r} 不是 Milvus 地址 (not a Milvus address)")
    from .milvus import MilvusLocation

    location = MilvusLocation.parse(store)
    return MilvusLocation(location.uri, f"{location.collection}_eval")
