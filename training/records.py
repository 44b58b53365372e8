"""One clip of any dataset, as the training code sees it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ClipRecord:
    """Who/what/where of one labelled clip. ``subject`` is the person (folds never split a subject);
    synthetic clips also carry ``animation_id`` and ``viewpoint`` for the mixed sampler."""

    clip_id: str
    path: Path  # video file or folder of frames
    label: int  # index into CLASSES
    subject: str
    group: str = ""
    source: str = "real"  # "real" | "synthetic"
    fold: int | None = None
    sha256: str = ""  # content key for caches; derived from the file when empty
    crop_path: Path | None = None  # face-cropped version written by the generator, if any
    animation_id: str = ""
    viewpoint: tuple[float, float] | None = None  # (h_deg, v_deg)
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def subjects(records) -> list[str]:
    return sorted({r.subject for r in records})


def select_subjects(records, keep) -> list[ClipRecord]:
    keep = set(keep)
    return [r for r in records if r.subject in keep]
