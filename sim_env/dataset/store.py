"""The store: the one reader and writer of a dataset's manifest, and the one subject split.

Layout of a dataset folder::

    manifest.csv, manifest.parquet   one row per finished clip (MANIFEST_COLUMNS)
    manifest.json                    command, versions, plan, counts, subject split
    README.md, card/                 the dataset card (sim_env.dataset.card)
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
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from hrisim.errors import HrisimError
from hrisim.io import atomic_path, atomic_write_text
from hrisim.seeds import derived_seed

FORMAT = "hrisim-dataset/1"
JOURNAL_DIR = ".hrisim"
MANIFEST_COLUMNS = (
    "clip_id", "file", "sha256", "labels_file", "labels_sha256", "crop_file", "crop_sha256",
    "human_id", "group", "gender", "age_years", "african", "asian", "caucasian", "skin_tone",
    "hair_style", "facial_hair", "top", "glasses", "headscarf",
    "animation_id", "emotion", "aus", "view_index", "h_deg", "v_deg", "distance_m", "yfov_deg",
    "lighting", "background", "n_frames", "fps", "width", "height", "renderer", "rig", "appearance", "exposure",
    "tone", "white_balance", "camera_jitter", "exposure_gain", "exposure_bias_ev", "white_balance_gains",
    "metered_luminance",
    "hrisim_version", "seed", "split", "group_index",
)
FILE_COLUMNS = (("file", "sha256"), ("labels_file", "labels_sha256"), ("crop_file", "crop_sha256"))
DEPENDENCIES = ("torch", "anny", "pyrender", "PyOpenGL", "numpy", "av", "trimesh", "Pillow")


class DatasetError(HrisimError):
    """A dataset folder or an input to the generator is not what was expected."""


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def subject_split(human_ids: Sequence[str], groups: Sequence[str], val: float, seed: int) -> dict[str, str]:
    """Subject-disjoint train/val split spread over demographic groups (the paper: 19 / 5).

    ``val`` < 1 is a fraction of the humans (rounded), >= 1 a count. Validation humans are drawn
    round-robin over groups, so no group is left out of validation while others are repeated.
    """
    n = len(human_ids)
    n_val = int(round(val * n)) if val < 1 else int(val)
    if not 0 <= n_val < max(n, 1):
        raise ValueError(f"val_humans={val} leaves no training human among {n}")
    rng = np.random.default_rng(derived_seed(seed, "split"))
    by_group: dict[str, list[str]] = {}
    for hid, grp in zip(human_ids, groups):
        by_group.setdefault(grp, []).append(hid)
    queues = {g: list(rng.permutation(ids)) for g, ids in sorted(by_group.items())}
    order = list(rng.permutation(sorted(queues)))
    chosen: list[str] = []
    while len(chosen) < n_val:
        for g in order:
            if queues[g] and len(chosen) < n_val:
                chosen.append(str(queues[g].pop(0)))
    return {hid: ("val" if hid in chosen else "train") for hid in human_ids}




# Columns read as text whatever they hold (a CSV cell "1" or "nan" is an id or a hash, not a number).
TEXT_COLUMNS = ("clip_id", "file", "sha256", "labels_file", "labels_sha256", "crop_file", "crop_sha256",
                "human_id", "group", "gender", "animation_id", "emotion", "aus", "lighting", "background",
                "renderer", "rig", "appearance", "exposure", "hrisim_version", "split")


def read_manifest(root: Path, required: tuple[str, ...] = ()):
    """The manifest of a dataset folder as a pandas DataFrame (Parquet when present, else CSV).

    The one reader of a dataset's manifest: the generator, audit, merge, judge and training all read
    it here, so Parquet and CSV give the same dtypes (text columns as ``str``). ``required``: columns
    the caller needs; a manifest without them is a ``DatasetError`` naming the file.
    """
    import pandas as pd

    root = Path(root)
    parquet, csv = root / "manifest.parquet", root / "manifest.csv"
    if parquet.exists():
        where = parquet
        try:
            frame = pd.read_parquet(parquet)
        except (OSError, ValueError) as exc:
            raise DatasetError(f"{parquet}: not a readable Parquet manifest ({exc})") from exc
    elif csv.exists():
        where = csv
        try:
            frame = pd.read_csv(csv, keep_default_na=False, dtype={c: str for c in TEXT_COLUMNS})
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise DatasetError(f"{csv}: not a readable CSV manifest ({exc})") from exc
    else:
        raise DatasetError(f"{root}: no manifest.csv or manifest.parquet; is this a dataset folder?")
    for column in TEXT_COLUMNS:
        if column in frame.columns:
            values = frame[column]
            frame[column] = values.astype(object).where(values.notna(), "").astype(str)  # empty cells as ""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DatasetError(f"{where}: missing columns {missing}")
    frame.attrs["path"] = str(where)
    return frame


def read_labels(path: Path, fields: Sequence[str]) -> dict[str, np.ndarray]:
    """Arrays ``fields`` of one clip's ``labels/<clip_id>.npz`` (schema in the module docstring; no
    pickles). A missing or unreadable file, or one without a field, is a ``DatasetError`` naming it."""
    import zipfile

    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: labels file not found")
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [f for f in fields if f not in z.files]
            if missing:
                raise DatasetError(f"{path}: labels file has no {', '.join(map(repr, missing))} array "
                                   f"(it holds {', '.join(z.files)})")
            return {f: np.asarray(z[f]) for f in fields}
    except DatasetError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:  # a corrupt or truncated file, whatever numpy says
        raise DatasetError(f"{path}: unreadable labels file ({type(exc).__name__}: {exc})") from None


def write_manifest(root: Path, rows: list[dict]) -> Path:
    """manifest.csv + manifest.parquet, each written to a temporary name and renamed."""
    import pandas as pd

    root = Path(root)
    frame = pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS))
    with atomic_path(root / "manifest.parquet") as tmp:
        frame.to_parquet(tmp, index=False)
    with atomic_path(root / "manifest.csv") as tmp:
        frame.to_csv(tmp, index=False)
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
    from sim_env.dataset.card import write_card
    from sim_env.dataset.journal import finished_rows

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
    atomic_write_text(root / "manifest.json", json.dumps(meta, indent=2, default=str))
    if rows:
        write_card(root, rows, meta)
    state = "complete" if meta["complete"] else f"{len(rows)} of {plan.n_clips} clips"
    log(f"manifest: {manifest} ({state})")
    return manifest
