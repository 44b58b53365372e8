"""``hrisim dataset audit``: re-verify a dataset folder against its manifest, its journal and its labels.

Checked: every file a row names exists with its sha256; every manifest row equals the row the
journal recorded when the clip was finished (so an edited cell, an ``emotion`` or ``human_id``
changed by hand, is caught); every labels file agrees with its row (AU keys and frame count, and
human, animation and emotion where the labels record them); no file in ``clips/``, ``labels/``
or ``crops/`` is left that no row names (orphans).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from sim_env.dataset.store import FILE_COLUMNS, JOURNAL_DIR, MANIFEST_COLUMNS, file_sha256, read_manifest

DATA_FOLDERS = ("clips", "labels", "crops")


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
    problems += _journal_problems(root, frame, "manifest")
    if (root / "manifest.csv").exists() and (root / "manifest.parquet").exists():  # both copies, each checked
        import pandas as pd

        problems += _journal_problems(root, pd.read_csv(root / "manifest.csv", keep_default_na=False), "manifest.csv")
    problems += _label_problems(root, frame)
    problems += _orphans(root, frame)
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


def _same(a, b) -> bool:
    """Cell equality across CSV round trips (numbers read back as floats, empty cells as '')."""
    if a is None or (isinstance(a, float) and a != a):
        a = ""
    if b is None or (isinstance(b, float) and b != b):
        b = ""
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


def _journal_problems(root: Path, frame, label: str) -> list[str]:
    from sim_env.dataset.journal import read_journal

    journals = sorted((root / JOURNAL_DIR).glob("journal*.jsonl"))
    if not journals:
        return [f"{root / JOURNAL_DIR}: no journal; rows cannot be checked against what was rendered"]
    recorded: dict[str, dict] = {}
    for journal in journals:
        for row in read_journal(journal):
            recorded[row["clip_id"]] = row  # the last record of a clip is the one its files are from
    problems = []
    for row in frame.to_dict("records"):
        journal_row = recorded.get(row["clip_id"])
        if journal_row is None:
            problems.append(f"{row['clip_id']}: in the {label} but not in the journal")
            continue
        edited = [c for c in MANIFEST_COLUMNS if c in journal_row and not _same(row.get(c), journal_row[c])]
        if edited:
            cells = ", ".join(f"{c}={row.get(c)!r} (journal: {journal_row[c]!r})" for c in edited[:4])
            problems.append(f"{row['clip_id']}: {label} cells differ from the journal: {cells}")
    return problems


def _label_problems(root: Path, frame) -> list[str]:
    import numpy as np

    problems = []
    for row in frame.to_dict("records"):
        rel = row.get("labels_file")
        if not rel or not (root / rel).is_file():
            continue
        try:
            with np.load(root / rel, allow_pickle=False) as labels:
                keys = ";".join(str(k) for k in labels["au_keys"])
                frames = int(labels["au_values"].shape[0])
                stored = {f: str(labels[f]) for f in ("human_id", "animation_id", "emotion") if f in labels.files}
        except Exception as exc:  # noqa: BLE001 (a corrupt file, whatever numpy says about it)
            problems.append(f"{row['clip_id']}: labels file {rel} is unreadable ({type(exc).__name__})")
            continue
        if keys != str(row.get("aus", "") or ""):
            problems.append(f"{row['clip_id']}: labels file {rel} has AU keys {keys!r}, the manifest {row.get('aus')!r}")
        if not _same(frames, row.get("n_frames")):
            problems.append(f"{row['clip_id']}: labels file {rel} has {frames} frames, the manifest {row.get('n_frames')}")
        for field, value in stored.items():
            if not _same(value, row.get(field)):
                problems.append(f"{row['clip_id']}: labels file {rel} says {field}={value!r}, the manifest {row.get(field)!r}")
    return problems


def _orphans(root: Path, frame) -> list[str]:
    named = {str(v) for c, _ in FILE_COLUMNS if c in frame.columns for v in frame[c] if isinstance(v, str) and v}
    orphans = sorted(str(p.relative_to(root)) for folder in DATA_FOLDERS if (root / folder).is_dir()
                     for p in (root / folder).rglob("*") if p.is_file() and str(p.relative_to(root)) not in named
                     and ".part" not in p.name)  # a killed run's temporary file is not data
    if not orphans:
        return []
    listing = ", ".join(orphans[:5]) + (" …" if len(orphans) > 5 else "")
    return [f"{len(orphans)} orphan file(s) no manifest row names: {listing}"]
