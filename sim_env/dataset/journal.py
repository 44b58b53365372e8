"""The journal of a run: which clips are finished, appended group by group and fsynced.

A group's clips enter the journal only once all their files are in place; the manifest is written
from the journal, so a killed run never leaves a manifest row for a file that is not there.
"""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Callable

from sim_env.dataset.store import FILE_COLUMNS, JOURNAL_DIR, DatasetError, file_sha256


def _sha256(path: Path) -> str:
    """sha256 of a file, cached by (path, size, mtime): resume and the manifest both verify each file."""
    st = os.stat(path)
    return _sha256_cached(str(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=65536)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    return file_sha256(Path(path))


def journal_path(root: Path, shard: tuple[int, int] = (0, 1)) -> Path:
    index, count = shard
    name = "journal.jsonl" if count == 1 else f"journal-shard{index}of{count}.jsonl"
    return Path(root) / JOURNAL_DIR / name


def read_journal(path: Path) -> list[dict]:
    """Rows of one journal; a torn last line (a run killed mid-write) is ignored."""
    if not Path(path).exists():
        return []
    rows = []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            if number == len(lines):
                break
            raise DatasetError(f"{path}, line {number}: not a JSON manifest row ({exc})") from exc
    return rows


def file_problems(root: Path, row: dict) -> list[str]:
    """What is wrong with the files a journal row names: missing, or not the bytes the journal's
    sha256 says (truncated, corrupt, swapped with another clip's). Empty when all are intact."""
    problems = []
    for file_col, sum_col in FILE_COLUMNS:
        rel = row.get(file_col)
        if not rel:
            continue
        path = Path(root) / rel
        if not path.is_file():
            problems.append(f"{rel} is missing")
        elif row.get(sum_col) and _sha256(path) != row[sum_col]:
            problems.append(f"{rel} does not match its sha256 in the journal (truncated, corrupt or swapped)")
    return problems


def files_intact(root: Path, row: dict) -> bool:
    """Every file a manifest row names exists under ``root`` with the sha256 the journal recorded."""
    return not file_problems(root, row)


def verified_rows(root: Path, rows: list[dict], log: Callable[[str], None] = print) -> dict[str, dict]:
    """clip id -> row of the journal rows whose files are intact; says which ones are not, since
    those clips are rendered again."""
    good: dict[str, dict] = {}
    bad: dict[str, list[str]] = {}
    for row in rows:
        problems = file_problems(root, row)
        if problems:
            bad[row["clip_id"]] = problems
        else:
            good[row["clip_id"]] = row
            bad.pop(row["clip_id"], None)  # a later, intact re-render supersedes
    for clip_id, problems in bad.items():
        if clip_id not in good:
            log(f"re-rendering {clip_id}: {'; '.join(problems)}")
    return good


def finished_rows(root: Path) -> list[dict]:
    """Every clip the journals of ``root`` list whose files are intact, one row per clip id, in plan order."""
    root = Path(root)
    rows: dict[str, dict] = {}
    for journal in sorted((root / JOURNAL_DIR).glob("journal*.jsonl")):
        for row in read_journal(journal):
            if files_intact(root, row):
                rows[row["clip_id"]] = row  # a re-rendered clip replaces its earlier row
    return sorted(rows.values(), key=lambda r: (r["group_index"], r["view_index"]))
