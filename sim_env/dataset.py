"""A generated dataset on disk: manifest files, journals, checksums, audit and shard merge.

Layout of a dataset folder::

    manifest.csv, manifest.parquet   one row per finished clip (MANIFEST_COLUMNS)
    manifest.json                    command, versions, plan, counts, subject split
    README.md, card/                 the dataset card (sim_env.dataset_card)
    clips/<clip_id>.mp4              H.264 video of one viewpoint
    labels/<clip_id>.npz             au_keys, au_values (T, K), au_numbers, au_intensities (T, A),
                                     face_boxes (T, 4) xyxy px, landmarks (T, 5, 2) px
    crops/<clip_id>.mp4              optional 160×160 face crops (``--crops``)
    frames/<clip_id>/001.png …       optional PNG frames (``--png``)
    .hrisim/plan.json, journal*.jsonl   what a resumed run checks and skips
"""
from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Callable, Iterable

FORMAT = "hrisim-dataset/1"
JOURNAL_DIR = ".hrisim"
MANIFEST_COLUMNS = (
    "clip_id", "file", "sha256", "labels_file", "labels_sha256", "crop_file", "crop_sha256",
    "human_id", "group", "gender", "age_years", "african", "asian", "caucasian", "skin_tone",
    "animation_id", "emotion", "aus", "view_index", "h_deg", "v_deg", "distance_m", "yfov_deg",
    "lighting", "background", "n_frames", "fps", "width", "height", "renderer", "rig", "appearance", "exposure",
    "hrisim_version", "seed", "split", "group_index",
)
_FILE_COLUMNS = (("file", "sha256"), ("labels_file", "labels_sha256"), ("crop_file", "crop_sha256"))
DEPENDENCIES = ("torch", "anny", "pyrender", "PyOpenGL", "numpy", "av", "trimesh", "Pillow")


class DatasetError(ValueError):
    """A dataset folder or an input to the generator is not what was expected."""


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


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
    return all((Path(root) / row[f]).is_file() for f, _ in _FILE_COLUMNS if row.get(f))


def finished_rows(root: Path) -> list[dict]:
    """Every clip the journals of ``root`` list whose files exist, one row per clip id, in plan order."""
    root = Path(root)
    rows: dict[str, dict] = {}
    for journal in sorted((root / JOURNAL_DIR).glob("journal*.jsonl")):
        for row in read_journal(journal):
            if files_intact(root, row):
                rows[row["clip_id"]] = row  # a re-rendered clip replaces its earlier row
    return sorted(rows.values(), key=lambda r: (r["group_index"], r["view_index"]))


def read_manifest(root: Path):
    """The manifest as a pandas DataFrame (Parquet when present, else CSV)."""
    import pandas as pd

    root = Path(root)
    if (root / "manifest.parquet").exists():
        return pd.read_parquet(root / "manifest.parquet")
    if (root / "manifest.csv").exists():
        return pd.read_csv(root / "manifest.csv", keep_default_na=False)
    raise DatasetError(f"{root}: no manifest.csv or manifest.parquet; is this a dataset folder?")


def write_manifest(root: Path, rows: list[dict]) -> Path:
    """manifest.csv + manifest.parquet, each written to a temporary name and renamed."""
    import pandas as pd

    root = Path(root)
    frame = pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS))
    csv_tmp, pq_tmp = root / "manifest.csv.part", root / "manifest.parquet.part"
    frame.to_csv(csv_tmp, index=False)
    frame.to_parquet(pq_tmp, index=False)
    pq_tmp.replace(root / "manifest.parquet")
    csv_tmp.replace(root / "manifest.csv")
    return root / "manifest.csv"


def dependency_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("hrisim",) + DEPENDENCIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def write_dataset_files(root: Path, plan, config, command: str | None, log: Callable[[str], None] = print) -> Path:
    """Manifest, manifest.json and card from what the journals list as finished."""
    from humans.spec import write_text_atomic
    from sim_env.dataset_card import write_card

    root = Path(root)
    rows = finished_rows(root)
    manifest = write_manifest(root, rows)
    humans = {g.human.id: g.split for g in plan.groups}
    meta = {
        "format": FORMAT,
        "command": command,
        "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "plan_hash": plan.plan_hash,
        "config": config.content_fields(),
        "planned_clips": plan.n_clips,
        "finished_clips": len(rows),
        "complete": len(rows) == plan.n_clips,
        "splits": {s: sorted(h for h, v in humans.items() if v == s) for s in ("train", "val")},
        "versions": dependency_versions(),
        "columns": list(MANIFEST_COLUMNS),
    }
    write_text_atomic(root / "manifest.json", json.dumps(meta, indent=2, default=str))
    if rows:
        write_card(root, rows, meta)
    state = "complete" if meta["complete"] else f"{len(rows)} of {plan.n_clips} clips"
    log(f"manifest: {manifest} ({state})")
    return manifest


# ----------------------------------------------------------------------------------------------
# Audit

def audit_dataset(root: Path, log: Callable[[str], None] = print, verify_checksums: bool = True) -> list[str]:
    """Re-verify files and checksums, print the balance tables; returns the problems found."""
    from sim_env.dataset_card import balance_tables

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
        for file_col, sum_col in _FILE_COLUMNS:
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


# ----------------------------------------------------------------------------------------------
# Shards

def merge_shards(out: Path, sources: Iterable[Path], log: Callable[[str], None] = print) -> Path:
    """Bring shard folders of one dataset together in ``out`` and write one manifest and card.

    Shards of one plan (same ``.hrisim/plan.json`` hash) are merged; their files are copied into
    ``out`` unless a source is ``out`` itself (shards written to a shared folder).
    """
    from humans.spec import write_text_atomic

    out = Path(out)
    sources = [Path(s) for s in sources] or [out]
    plans = {}
    for src in sources:
        plan_file = src / JOURNAL_DIR / "plan.json"
        if not plan_file.exists():
            raise DatasetError(f"{src}: not a generated dataset folder (no {JOURNAL_DIR}/plan.json)")
        plans[src] = json.loads(plan_file.read_text())
    hashes = {p["plan_hash"] for p in plans.values()}
    if len(hashes) != 1:
        raise DatasetError(f"shards come from different plans ({sorted(hashes)}): cannot merge {sources}")
    (out / JOURNAL_DIR).mkdir(parents=True, exist_ok=True)
    for src in sources:
        if src.resolve() == out.resolve():
            continue
        rows = finished_rows(src)
        for row in rows:
            for file_col, _ in _FILE_COLUMNS:
                if row.get(file_col):
                    dest = out / row[file_col]
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    tmp = dest.with_name(dest.name + ".part")
                    shutil.copyfile(src / row[file_col], tmp)
                    tmp.replace(dest)
        journal = out / JOURNAL_DIR / f"journal-merged-{hashlib.sha256(str(src.resolve()).encode()).hexdigest()[:8]}.jsonl"
        write_text_atomic(journal, "".join(json.dumps(r) + "\n" for r in rows))
        log(f"merged {len(rows)} clips from {src}")
    first = next(iter(plans.values()))
    if not (out / JOURNAL_DIR / "plan.json").exists():
        write_text_atomic(out / JOURNAL_DIR / "plan.json", json.dumps(first, indent=2))
    from sim_env.generate import GenerateConfig, make_plan

    config = GenerateConfig(out=str(out), **first["config"])
    plan = make_plan(config)
    if plan.plan_hash != first["plan_hash"]:
        raise DatasetError(f"the plan of {sources[0]} cannot be rebuilt on this machine (its humans or "
                           "animations differ here); merge where the inputs are available")
    return write_dataset_files(out, plan, config, first.get("command"), log=log)
