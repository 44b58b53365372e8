"""``hrisim dataset audit``: re-verify a dataset folder against its manifest."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from sim_env.dataset.store import FILE_COLUMNS, MANIFEST_COLUMNS, file_sha256, read_manifest


def audit_dataset(root: Path, log: Callable[[str], None] = print, verify_checksums: bool = True) -> list[str]:
    """Re-verify files and checksums, print the balance tables; returns the problems found."""
    from sim_env.dataset.card import balance_tables

    root = Path(root)
    frame = read_manifest(root)
    problems = []
    missing_cols = [c for c in MANIFEST_COLUMNS if c not in frame.columns]
    if missing_cols:
        return [f"{root}: manifest lacks columns {missing_cols}"]
    dupes = frame["clip_id"][frame["clip_id"].duplicated()].tolist()
    if dupes:
        problems.append(f"duplicate clip ids: {dupes[:5]}{' …' if len(dupes) > 5 else ''}")
    for row in frame.itertuples(index=False):
        for file_col, sum_col in FILE_COLUMNS:
            rel = getattr(row, file_col)
            if not rel:
                continue
            path = root / rel
            if not path.is_file():
                problems.append(f"{row.clip_id}: missing {rel}")
            elif verify_checksums and file_sha256(path) != getattr(row, sum_col):
                problems.append(f"{row.clip_id}: checksum mismatch for {rel} (file changed or corrupt)")
    meta_path = root / "manifest.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("finished_clips") != len(frame):
            problems.append(f"manifest.json says {meta.get('finished_clips')} clips, manifest has {len(frame)}")
        if not meta.get("complete", False):
            problems.append(f"incomplete: {len(frame)} of {meta.get('planned_clips')} planned clips")
    for title, table in balance_tables(frame).items():
        log(f"\n{title}\n{table}")
    log("")
    for p in problems:
        log(f"PROBLEM {p}")
    log(f"{len(frame)} clips checked: " + ("OK" if not problems else f"{len(problems)} problems"))
    return problems
