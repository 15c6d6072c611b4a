"""Folders materialised once into the user's model cache: a lock for concurrent builders, a stamp listing every
file's size and SHA-256 (written last, checked on every start), and an atomic swap into place."""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if missing), so concurrent processes build a file once."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def list_files(folder: Path) -> dict[str, dict]:
    """Every file under `folder` as {relative name: {"size", "sha256"}}, for a stamp."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): {"size": p.stat().st_size, "sha256": file_sha256(p)} for p in files}


def files_problem(folder: Path, files: dict[str, dict]) -> str | None:
    """The first file of a stamp's listing that is missing or differs, as a reason; None when all match."""
    for name, expected in files.items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != expected["size"]:
            return f"{name} is missing or has the wrong size"
        if file_sha256(path) != expected["sha256"]:
            return f"{name} is corrupted"
    return None


def read_json(path: Path) -> dict | None:
    """A JSON object from `path`, or None when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def replace_folder(staging: Path, target: Path) -> None:
    """Move a damaged `target` aside (rename is atomic), then rename `staging` into its place."""
    if target.exists():
        discarded = Path(tempfile.mkdtemp(prefix=f".{target.name}.discarded-", dir=target.parent))
        target.rename(discarded / "old")
        shutil.rmtree(discarded, ignore_errors=True)
    staging.rename(target)
