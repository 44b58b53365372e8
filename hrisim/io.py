"""Atomic file writes: a file is either absent or complete, never half-written under its real name.

Everything hrisim writes goes through here. The temporary name sits beside the target (same file
system, so the rename is atomic), is the target's name hidden (a leading dot) with ``.part`` and the
target's suffix (so tools that sniff suffixes, like ``np.save`` or ``av.open``, keep working).
``unique=True`` adds the process id, for caches that parallel workers may write at the same time.
A folder is swapped in whole: the old one is renamed aside first, then removed.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Iterator


def temporary_name(path: Path, unique: bool = False) -> Path:
    tag = f".part{os.getpid()}" if unique else ".part"
    return path.with_name(f".{path.name}{tag}{path.suffix}")  # hidden: listings and globs skip it


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, unique: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write ``path`` to (a file, or a folder the caller makes); it is
    renamed onto ``path`` only when the block finishes without an error, else removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path, unique)
    _remove(tmp)
    try:
        yield tmp
        if tmp.is_dir() and path.exists():
            old = path.with_name(f"{path.name}.old{os.getpid()}")
            _remove(old)
            os.replace(path, old)
            os.replace(tmp, path)
            _remove(old)
        else:
            os.replace(tmp, path)
    finally:
        _remove(tmp)


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding=encoding, newline="\n") as handle:
            handle.write(text)
    return Path(path)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_copy(source: str | os.PathLike, path: str | os.PathLike) -> Path:
    with atomic_path(path) as tmp:
        shutil.copyfile(source, tmp)
    return Path(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
