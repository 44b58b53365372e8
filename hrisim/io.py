"""Atomic file writes: a file is either absent or complete, never half-written under its real name.

Everything hrisim writes goes through here: the temporary name sits beside the target (same file
system, so the rename is atomic), starts with the target's name and ends in ``.part`` plus the
target's suffix (so tools that sniff suffixes, like ``np.savez``, keep it).
"""
from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Iterator


def _temporary(path: Path) -> Path:
    return path.with_name(f"{path.name}.part{path.suffix}")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write ``path`` to; it is renamed onto ``path`` only on success.

    Works for files and for folders (a folder is replaced as a whole).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(path)
    _remove(tmp)
    try:
        yield tmp
        if tmp.is_dir() and path.is_dir():
            _remove(path)
        os.replace(tmp, path)
    finally:
        _remove(tmp)


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding=encoding)
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
