"""Tiny fake datasets in the real on-disk formats, for tests, benchmarks and smoke runs.

Frames carry a class-dependent pattern, so a model can learn the labels in a few steps while nothing
in them is a face.
"""
from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np

from training.labels import CLASSES

def fake_frames(label: int, subject: int, n_frames: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """(T, size, size, 3) uint8 noise over a class pattern that survives the paper's augmentation
    (flip, hue/contrast jitter, small affine): horizontal stripes, vertical stripes or a checkerboard,
    drifting over time; brightness depends on the subject."""
    yy, xx = np.mgrid[0:size, 0:size] * (4 * np.pi / size)
    frames = np.empty((n_frames, size, size, 3), np.float32)
    for t in range(n_frames):
        phase = 2 * np.pi * t / max(n_frames, 1)
        pattern = (np.sin(yy + phase), np.sin(xx + phase), np.sin(yy + phase) * np.sin(xx))[label % 3]
        frames[t] = (100 + 10 * (subject % 4) + 80 * pattern)[..., None]
    frames += rng.normal(0, 15, frames.shape)
    return np.clip(frames, 0, 255).astype(np.uint8)


def write_fake_synthetic(directory: str | Path, n_humans: int = 4, animations_per_class: int = 2,
                         viewpoints=((0.0, 0.0), (20.0, 15.0)), n_frames: int = 8, size: int = 32,
                         groups=("african", "asian", "caucasian", "hispanic"), seed: int = 0) -> Path:
    """A manifest folder as ``hrisim generate`` writes it (clips, manifest.csv/.json), no label files."""
    from sim_env.dataset.store import write_manifest
    from sim_env.render.media import write_mp4

    directory = Path(directory)
    (directory / "clips").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = []
    for h in range(n_humans):
        human, group = f"h{h:02d}", groups[h % len(groups)]
        for label, emotion in enumerate(CLASSES):
            for a in range(animations_per_class):
                for hv in viewpoints:
                    clip_id = f"{human}_{emotion}{a}_{hv[0]:+.0f}_{hv[1]:+.0f}"
                    rel = f"clips/{clip_id}.mp4"
                    write_mp4(directory / rel, fake_frames(label, h, n_frames, size, rng))
                    rows.append({
                        "clip_id": clip_id, "file": rel, "sha256": hashlib.sha256((directory / rel).read_bytes()).hexdigest(),
                        "labels_file": "", "crop_file": "", "human_id": human, "group": group,
                        "gender": "female" if h % 2 else "male", "age_years": 30 + h, "emotion": emotion,
                        "animation_id": f"{emotion}_{a}", "aus": "", "h_deg": hv[0], "v_deg": hv[1],
                        "n_frames": n_frames, "fps": 25, "width": size, "height": size,
                        "split": "val" if h == n_humans - 1 else "train",
                    })
    write_manifest(directory, rows)  # the store's writer: the same columns and files as `hrisim generate`
    (directory / "manifest.json").write_text(json.dumps({"command": "training.testing.write_fake_synthetic", "seed": seed}))
    return directory


def write_fake_real(root: str | Path, n_subjects: int = 6, clips_per_label: int = 1, n_frames: int = 10, size: int = 32,
                    groups=("caucasian", "caucasian", "african", "asian"), labels=CLASSES, metadata: bool = True,
                    seed: int = 1) -> Path:
    """ROOT/<label>/<clip>.mp4 with a metadata.csv (clip, label, group, subject); every subject
    shows every label ``clips_per_label`` times."""
    from sim_env.render.media import write_mp4

    root = Path(root)
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_subjects):
        for label in labels:
            (root / label).mkdir(parents=True, exist_ok=True)
            for c in range(clips_per_label):
                name = f"s{s:02d}_{label}_{c}"
                write_mp4(root / label / f"{name}.mp4", fake_frames(CLASSES.index(label), s, n_frames, size, rng))
                rows.append({"clip": name, "label": label, "group": groups[s % len(groups)], "subject": f"s{s:02d}"})
    if metadata:
        with (root / "metadata.csv").open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return root


def fake_embeddings(label: int, n_frames: int, rng: np.random.Generator, dim: int = 512) -> np.ndarray:
    """(T, dim) float32 with a class-dependent mean: stands in for FaceNet features in fast tests."""
    centre = np.zeros(dim, np.float32)
    centre[label * 8 : label * 8 + 8] = 1.0
    return (centre + rng.normal(0, 0.5, (n_frames, dim))).astype(np.float32)


class FakeSource:
    """Stands in for training.features.ClipSource without MTCNN or FaceNet: class-dependent
    embeddings, crops and frames derived from each record's label and clip id (same record, same data)."""

    weights_name = "fake"

    def __init__(self, n_frames: int = 12, crop_size: int = 160):
        from perception.face_crop import CropConfig

        self.n_frames, self.crop_size = n_frames, crop_size
        self.crop_config = CropConfig()
        self._memo: dict = {}

    def _rng(self, record) -> np.random.Generator:
        return np.random.default_rng(int(hashlib.sha256(record.clip_id.encode()).hexdigest()[:8], 16))

    def precompute(self, records, mode: str, frame_size: int = 112, progress: bool = True) -> None:
        """Nothing to extract: data is made on demand."""

    def describe(self) -> dict:
        """What a run's report records about its features (ClipSource.describe)."""
        return {"real_face_boxes": "fake", "synthetic_face_boxes": "fake", "facenet_runtime": "fake"}

    def _once(self, key, make):
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def embeddings(self, record) -> np.ndarray:
        return self._once(("e", record.clip_id), lambda: fake_embeddings(record.label, self.n_frames, self._rng(record)))

    def crops(self, record) -> np.ndarray:
        return self.frames(record, self.crop_size)

    def frames(self, record, size: int) -> np.ndarray:
        return self._once(("f", record.clip_id, size), lambda: fake_frames(record.label, 0, self.n_frames, size, self._rng(record)))


def one_torch_thread():
    """Generator for a pytest fixture: tiny test models run fastest on one thread (and do not
    spin-wait against other processes on a shared CPU); the previous count is restored."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
