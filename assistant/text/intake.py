"""Adding files to the corpus folder and removing them, for the CLI and the web app's uploads.

A file is admitted only when it can be read: a supported type, within the size limit (checked on the file's
size before a byte is read), a name that stays a plain file name inside corpus/, and at least one article in
it. It is written under a hidden temporary name and renamed into place, so a failed copy leaves nothing
half-written, and a file already there with other content is never overwritten: the new one gets a numbered name.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnreadableFileError
from .reading import SUPPORTED_SUFFIXES, list_corpus_files, read_articles

MAX_FILE_BYTES = 50 * 1024 * 1024  # a 50 MB e-paper PDF is large; anything bigger is refused unread
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


@dataclass(frozen=True)
class Intake:
    """What became of one file given to add or remove."""

    name: str  # as the user gave it
    source: str = ""  # its name in the corpus folder, when added or removed
    problem: str = ""  # why it was refused, in words for users (Chinese, then English)

    @property
    def ok(self) -> bool:
        return not self.problem


def add_file(corpus_dir: Path, path: Path, name: str | None = None) -> Intake:
    """Check the file at `path` and copy it into corpus_dir as `name` (default: its own file name)."""
    name = name if name is not None else Path(path).name
    safe = safe_name(name)
    if not safe:
        return Intake(
            name, problem=f"文件名 {name} 含有路径或非法字符，已拒绝 (the file name {name!r} is not a plain name)"
        )
    if Path(safe).suffix.lower() not in SUPPORTED_SUFFIXES:
        kinds = "、".join(SUPPORTED_SUFFIXES)
        return Intake(name, problem=f"不支持的文件类型：{name}，支持 {kinds} (unsupported file type)")
    if not Path(path).is_file():
        return Intake(name, problem=f"找不到文件 {name} (no such file)")
    size = Path(path).stat().st_size
    if size > MAX_FILE_BYTES:
        return Intake(
            name,
            problem=f"文件太大：{name} 有 {size / 2**20:.0f} MB，上限 {MAX_FILE_BYTES // 2**20} MB "
            f"(file too large: {size} bytes > {MAX_FILE_BYTES})",
        )
    try:
        if not read_articles(Path(path), safe):
            return Intake(name, problem=f"{name} 中没有可读的文章 (no article found in the file)")
    except UnreadableFileError as exc:
        return Intake(name, problem=str(exc))
    corpus_dir.mkdir(parents=True, exist_ok=True)
    target = _free_target(corpus_dir, safe, Path(path))
    if target.exists():
        return Intake(name, source=target.name)  # the same content is already there
    temporary = corpus_dir / f".upload-{uuid.uuid4().hex}{target.suffix}"
    try:
        shutil.copyfile(path, temporary)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        return Intake(name, problem=f"无法保存 {name}:{exc.strerror} (cannot save the file)")
    return Intake(name, source=target.name)


def remove_file(corpus_dir: Path, source: str) -> Intake:
    """Delete one corpus file, named as the index names it (its path relative to corpus_dir)."""
    known = {path.relative_to(corpus_dir).as_posix(): path for path in list_corpus_files(corpus_dir)}
    path = known.get(source)
    if path is None:
        return Intake(source, problem=f"语料库中没有文件 {source} (no such corpus file)")
    path.unlink()
    return Intake(source, source=source)


def safe_name(name: str) -> str:
    """The name as a plain file name for corpus/, or "" when it names a folder or a path (../../etc/passwd.txt)."""
    name = unicodedata.normalize("NFC", name).strip()
    if "/" in name or "\\" in name or name in ("", ".", ".."):
        return ""
    name = _UNSAFE.sub("_", name).lstrip(".").strip()
    return name if Path(name).stem else ""


def _free_target(corpus_dir: Path, name: str, incoming: Path) -> Path:
    """corpus_dir/name, or name-2, name-3 … when a file with other content holds the name."""
    stem, suffix = Path(name).stem, Path(name).suffix
    target, number = corpus_dir / name, 1
    while target.exists() and not _same_bytes(target, incoming):
        number += 1
        target = corpus_dir / f"{stem}-{number}{suffix}"
    return target


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as left, b.open("rb") as right:
        while chunk := left.read(1 << 20):
            if chunk != right.read(len(chunk)):
                return False
    return True
