"""Torch views of clip records: what one model input looks like, per epoch and seed.

The window and the augmentation of item i in epoch e come from ``rng(seed, epoch, i)``, so a run is
repeatable whatever the batch order, and training still sees new windows and transforms every epoch.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from training.features import ClipSource
from training.records import ClipRecord

MODES = ("embeddings", "crops", "frames")


class ClipDataset(torch.utils.data.Dataset):
    """``mode``: "embeddings" → (512, L) for a head on frozen FaceNet; "crops" → (L, 3, S, S) face
    crops in [-1, 1] for FaceNet fine-tuning; "frames" → (3, L, S, S) whole frames for the 3D-CNN.
    Training draws a random window (and augmentation, images only), testing takes the centre window."""

    def __init__(self, records: Sequence[ClipRecord], source: ClipSource, mode: str, length: int, train: bool,
                 augment: bool = True, seed: int = 0, frame_size: int = 112):
        if mode not in MODES:
            raise ValueError(f"ClipDataset mode {mode!r}: expected one of {MODES}")
        self.records = list(records)
        self.source, self.mode, self.length = source, mode, length
        self.train, self.augment, self.seed, self.frame_size = train, augment, seed, frame_size
        self.epoch = 0
        self._augmenter = None

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.records)

    @property
    def labels(self) -> np.ndarray:
        return np.array([r.label for r in self.records])

    def __getitem__(self, i: int):
        from perception.augment import normalise_clip, select_window

        record = self.records[i]
        rng = np.random.default_rng([self.seed, self.epoch, i])
        if self.mode == "embeddings":
            emb = self.source.embeddings(record)
            x = torch.as_tensor(np.asarray(emb[select_window(len(emb), self.length, self.train, rng)], np.float32)).T
            return x.contiguous(), record.label
        clip = self.source.crops(record) if self.mode == "crops" else self.source.frames(record, self.frame_size)
        clip = np.asarray(clip[select_window(len(clip), self.length, self.train, rng)])
        x = self.augmenter(clip, rng) if self.train and self.augment else normalise_clip(clip)
        x = torch.as_tensor(np.asarray(x, np.float32))  # (L, 3, S, S)
        return (x.permute(1, 0, 2, 3).contiguous() if self.mode == "frames" else x), record.label

    @property
    def augmenter(self):
        if self._augmenter is None:
            from perception.augment import ClipAugmenter

            size = self.frame_size if self.mode == "frames" else None
            self._augmenter = ClipAugmenter(size) if size else ClipAugmenter()
        return self._augmenter


def loader(dataset: ClipDataset, batch_size: int, shuffle: bool, seed: int, epoch: int = 0) -> torch.utils.data.DataLoader:
    """Batches in an order fixed by (seed, epoch)."""
    dataset.set_epoch(epoch)
    gen = torch.Generator().manual_seed(int(np.random.default_rng([seed, epoch]).integers(2**31)))
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=gen if shuffle else None)
