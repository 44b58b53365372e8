"""``ClipDataset``: an hrisim dataset folder as a standard ``torch.utils.data.Dataset``.

Each item is a dict, so a default ``DataLoader`` collates it:

- ``frames``: the clip, ``uint8`` tensor (T, H, W, 3) RGB, or whatever ``transform(frames)`` returns
- ``label``: index into ``training.labels.CLASSES`` (anger, confusion, disgust); ``emotion``: its name
- ``au_intensities``: ``float32`` (T, A) per-frame FACS AU intensities in [0, 1]; the columns are the same for
  every clip, all AUs of hrisim's FACS catalogue in order (``ClipDataset.au_numbers``), so clips batch together
- ``face_boxes``: ``float32`` (T, 4) x0, y0, x1, y1 in frame pixels; ``landmarks``: (T, 5, 2) x, y of
  left_eye, right_eye, nose_tip, mouth_left, mouth_right (the labels file's schema is in the dataset card)
- ``clip_id``, ``human_id``, ``group``, ``h_deg``, ``v_deg``

It reads the manifest through ``training.synthetic`` (the same filters as training), so emotions outside
the classifier's classes (e.g. neutral) are left out.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from training.labels import CLASSES

SPLITS = {"train": "train", "val": "val", "validation": "val"}


class ClipDataset(torch.utils.data.Dataset):
    """Clips of ``root`` (an ``hrisim generate`` folder), optionally one ``split`` ("train", "val" or
    "validation"); ``crops=True`` yields the 160×160 face-crop videos (``generate --crops``) instead."""

    def __init__(self, root: str | Path, split: str | None = None, transform: Callable | None = None,
                 crops: bool = False, emotions: Sequence[str] | None = None):
        from training.synthetic import SyntheticFilter, load_synthetic

        if split is not None and split not in SPLITS:
            raise ValueError(f"ClipDataset split: expected one of {sorted(SPLITS)} or None, got {split!r}")
        self.root, self.transform, self.crops = Path(root), transform, crops
        self.records = load_synthetic(self.root, SyntheticFilter(split=SPLITS.get(split), emotions=emotions))
        if crops:
            missing = [r.clip_id for r in self.records if r.crop_path is None]
            if missing:
                raise ValueError(f"{self.root}: clip {missing[0]} has no crop_file (generate with --crops)")
        self.classes = CLASSES
        from animations.catalogue import CATALOGUE

        self.au_numbers = tuple(sorted(CATALOGUE))

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> dict:
        from perception.video import read_video

        r = self.records[index]
        frames, _ = read_video(r.crop_path if self.crops else r.path)
        labels = self.labels(index)
        item = {"frames": torch.from_numpy(frames), "label": r.label, "emotion": CLASSES[r.label],
                "clip_id": r.clip_id, "human_id": r.subject, "group": r.group,
                "h_deg": r.viewpoint[0], "v_deg": r.viewpoint[1], **labels}
        if self.transform is not None:
            item["frames"] = self.transform(item["frames"])
        return item

    def labels(self, index: int) -> dict:
        """The clip's per-frame labels file as tensors (see the module doc)."""
        r = self.records[index]
        path = r.extra.get("labels_path")
        if path is None:
            raise ValueError(f"{self.root}: clip {r.clip_id} has no labels_file in the manifest")
        try:
            with np.load(path) as npz:
                values, numbers = np.asarray(npz["au_intensities"], np.float32), np.asarray(npz["au_numbers"]).tolist()
                boxes, landmarks = np.asarray(npz["face_boxes"], np.float32), np.asarray(npz["landmarks"], np.float32)
            au = np.zeros((len(values), len(self.au_numbers)), np.float32)
            au[:, [self.au_numbers.index(int(n)) for n in numbers]] = values
        except (OSError, KeyError, ValueError, IndexError) as exc:
            raise ValueError(f"{path}: unreadable labels file ({type(exc).__name__}: {exc})") from exc
        return {"au_intensities": torch.from_numpy(au), "face_boxes": torch.from_numpy(boxes),
                "landmarks": torch.from_numpy(landmarks)}
