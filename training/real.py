"""Real clips from a user's folder: ``ROOT/<label>/<clip>.{mp4,gif,avi}``, ``ROOT/<label>/<clip>/``
(a folder of frame images) or ``ROOT/<label>/<still>.{png,jpg}`` (one image: a clip of one frame, looped
to the window length, as posed-expression databases ship), with an optional ``ROOT/metadata.csv`` (clip, label, group, fold, subject).

Without metadata every clip is its own subject, so grouped folds cannot keep one person's clips
together: a real experiment should give subjects.
"""
from __future__ import annotations

import csv
from pathlib import Path

from training.labels import label_index
from training.records import ClipRecord

VIDEO_SUFFIXES = (".mp4", ".gif", ".avi", ".mov", ".webm")
FRAME_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
METADATA_COLUMNS = ("clip", "label", "group", "fold", "subject")


def is_frame_folder(path: Path) -> bool:
    return path.is_dir() and any(p.suffix.lower() in FRAME_SUFFIXES for p in path.iterdir())


def _scan(root: Path) -> dict[str, tuple[Path, str]]:
    """{clip name: (path, label folder)}; a clip name used twice is an error naming both."""
    found: dict[str, tuple[Path, str]] = {}
    for label_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for item in sorted(label_dir.iterdir()):
            if (item.is_file() and item.suffix.lower() in VIDEO_SUFFIXES + FRAME_SUFFIXES) or is_frame_folder(item):
                name = item.stem if item.is_file() else item.name
                if name in found:
                    raise ValueError(f"{root}: clip name {name!r} used twice ({found[name][0]} and {item})")
                found[name] = (item, label_dir.name)
    return found


def _read_metadata(path: Path) -> dict[str, dict]:
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "clip" not in reader.fieldnames:
            raise ValueError(f"{path}: needs a header with a 'clip' column; optional {', '.join(METADATA_COLUMNS[1:])}")
        rows = {}
        for line, row in enumerate(reader, start=2):
            name = Path(row["clip"]).stem if Path(row["clip"]).suffix.lower() in VIDEO_SUFFIXES + FRAME_SUFFIXES else row["clip"]
            if row.get("fold", "").strip():
                try:
                    int(row["fold"])
                except ValueError:
                    raise ValueError(f"{path} line {line}: fold {row['fold']!r} is not an integer") from None
            rows[name] = {**row, "_line": line}
        return rows


def load_real(root: str | Path) -> list[ClipRecord]:
    """Records of every clip under ``root``, sorted by clip name. Labels come from the folder name
    unless metadata gives one; they must agree when both are given."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: real dataset folder not found")
    clips = _scan(root)
    if not clips:
        raise ValueError(f"{root}: no clips found; expected ROOT/<label>/<clip>.mp4|.gif|.avi or frame folders")
    meta_path = root / "metadata.csv"
    meta = _read_metadata(meta_path) if meta_path.is_file() else {}
    unknown = sorted(set(meta) - set(clips))
    if unknown:
        raise ValueError(f"{meta_path}: rows for clips not found under {root}: {unknown[:5]}")
    records = []
    for name, (path, folder_label) in sorted(clips.items()):
        row = meta.get(name, {})
        label = label_index(folder_label, str(path))
        if row.get("label", "").strip():
            given = label_index(row["label"], f"{meta_path} line {row['_line']}")
            if given != label:
                raise ValueError(f"{meta_path} line {row['_line']}: label {row['label']!r} but the clip lies in {path.parent}")
        fold = row.get("fold", "").strip()
        records.append(ClipRecord(
            clip_id=name, path=path, label=label, subject=row.get("subject", "").strip() or name,
            group=row.get("group", "").strip() or "unknown", source="real", fold=int(fold) if fold else None,
        ))
    return records
