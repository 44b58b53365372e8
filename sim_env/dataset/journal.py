"""The journal of a run: which clips are finished, appended group by group and fsynced.

A group's clips enter the journal only once all their files are in place; the manifest is written
from the journal, so a killed run never leaves a manifest row for a file that is not there.
"""
from __future__ import annotations

import json
from pathlib import Path

from sim_env.dataset.store import FILE_COLUMNS, JOURNAL_DIR, DatasetError


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


def files_intact(root: Path, row: dict) -> bool:
    """Every file a manifest row names exists under ``root``."""
    return all((Path(root) / row[f]).is_file() for f, _ in FILE_COLUMNS if row.get(f))


def finished_rows(root: Path) -> list[dict]:
    """Every clip the journals of ``root`` list whose files exist, one row per clip id, in plan order."""
    root = Path(root)
    rows: dict[str, dict] = {}
    for journal in sorted((root / JOURNAL_DIR).glob("journal*.jsonl")):
        for row in read_journal(journal):
            if files_intact(root, row):
                rows[row["clip_id"]] = row  # a re-rendered clip replaces its earlier row
    return sorted(rows.values(), key=lambda r: (r["group_index"], r["view_index"]))
