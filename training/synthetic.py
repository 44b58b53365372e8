"""Synthetic clips from an hrisim dataset manifest, with filters and a split by human."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.labels import CLASSES, label_index
from training.records import ClipRecord, select_subjects, subjects

REQUIRED_COLUMNS = ("clip_id", "file", "human_id", "group", "animation_id", "emotion", "h_deg", "v_deg")


@dataclass(frozen=True)
class SyntheticFilter:
    """Rows kept from a manifest; None keeps everything. Emotions outside CLASSES (e.g. neutral) are
    dropped unless asked for, and asking for one is an error since the classifier cannot learn it."""

    groups: Sequence[str] | None = None
    viewpoints: Sequence[tuple[float, float]] | None = None
    emotions: Sequence[str] | None = None
    humans: Sequence[str] | None = None
    split: str | None = None  # the generator's "train" | "val" column


def read_manifest(directory: str | Path):
    """(manifest table, its file) through the dataset store's one reader, required columns checked."""
    from sim_env.dataset.store import read_manifest as read_store_manifest

    table = read_store_manifest(Path(directory), required=REQUIRED_COLUMNS)
    return table, Path(table.attrs["path"])


def _row_record(directory: Path, row, where: str) -> ClipRecord:
    crop = str(row.get("crop_file", "") or "")
    return ClipRecord(
        clip_id=str(row["clip_id"]),
        path=directory / str(row["file"]),
        label=label_index(row["emotion"], where),
        subject=str(row["human_id"]),
        group=str(row["group"]),
        source="synthetic",
        sha256=str(row.get("sha256", "") or ""),
        crop_path=directory / crop if crop and crop != "nan" else None,
        animation_id=str(row["animation_id"]),
        viewpoint=(float(row["h_deg"]), float(row["v_deg"])),
        extra={**{k: row[k] for k in ("gender", "age_years", "skin_tone", "split") if k in row},
               **({"labels_path": directory / str(row["labels_file"])} if str(row.get("labels_file", "") or "") not in ("", "nan") else {})},
    )


def load_synthetic(directory: str | Path, flt: SyntheticFilter = SyntheticFilter()) -> list[ClipRecord]:
    """Records of a manifest's rows that pass ``flt``, in manifest order."""
    directory = Path(directory)
    table, where = read_manifest(directory)
    emotions = table["emotion"].astype(str).str.lower()
    keep = emotions.isin(CLASSES)
    if flt.emotions is not None:
        for e in flt.emotions:
            label_index(e, f"{where}: filter emotions")
        keep &= emotions.isin([CLASSES[label_index(e, '')] for e in flt.emotions])
    if flt.groups is not None:
        keep &= table["group"].astype(str).isin([str(g) for g in flt.groups])
    if flt.humans is not None:
        keep &= table["human_id"].astype(str).isin([str(h) for h in flt.humans])
    if flt.split is not None:
        if "split" not in table.columns:
            raise ValueError(f"{where}: filter split={flt.split!r} but the manifest has no split column")
        keep &= table["split"].astype(str) == flt.split
    if flt.viewpoints is not None:
        hv = np.stack([table["h_deg"].astype(float), table["v_deg"].astype(float)], axis=1)
        wanted = np.asarray(flt.viewpoints, float).reshape(-1, 2)
        keep &= (np.abs(hv[:, None, :] - wanted[None]) < 1e-6).all(-1).any(-1)
    rows = table[keep.to_numpy()]
    records = [_row_record(directory, row, f"{where} row {i + 2}") for i, row in rows.iterrows()]
    if not records:
        raise ValueError(f"{where}: no clip passes the filter {flt}")
    return records


def split_by_human(records, n_val: int, seed: int) -> tuple[list[ClipRecord], list[ClipRecord]]:
    """(train, val) with ``n_val`` whole humans in val (the paper: 19 / 5), drawn with ``seed``:
    the generator's own subject-disjoint split (``sim_env.dataset.store.subject_split``), so
    validation humans are drawn round-robin over groups and small validation sets still span them."""
    from sim_env.dataset.store import subject_split

    humans = subjects(records)
    if not 0 < n_val < len(humans):
        raise ValueError(f"cannot hold out {n_val} of {len(humans)} humans for validation")
    group_of = {r.subject: r.group for r in records}
    split = subject_split(humans, [group_of[h] for h in humans], int(n_val), seed)
    train = [h for h in humans if split[h] == "train"]
    val = [h for h in humans if split[h] == "val"]
    return select_subjects(records, train), select_subjects(records, val)
