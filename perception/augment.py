"""Clip augmentation and length handling, as in the paper.

One random transform per clip, the same on every frame (torchvision v2 draws its parameters once per
call and applies them to all leading dimensions, so the clip goes through as one (T,3,H,W) tensor):
one of {perspective 0.1 (p 0.5); affine ±5°, translate 5 %, shear 5; resized crop scale 0.9–1, ratio
0.95–1.15}, then horizontal flip 0.5 and colour jitter (0.5, 0.5, 0.5, hue 0.5), then [-1, 1].
"""
from __future__ import annotations

import numpy as np
import torch


def _to_tensor(crops: np.ndarray) -> torch.Tensor:
    crops = np.asarray(crops)
    if crops.ndim != 4 or crops.shape[-1] != 3 or crops.dtype != np.uint8:
        raise ValueError(f"crops: expected (T, S, S, 3) uint8, got shape {crops.shape} dtype {crops.dtype}")
    return torch.from_numpy(np.ascontiguousarray(crops)).permute(0, 3, 1, 2)


def standardise(x: torch.Tensor) -> torch.Tensor:
    """uint8-range values → [-1, 1]: facenet-pytorch's ``fixed_image_standardization``, (x − 127.5) / 128,
    what FaceNet 2018 models were trained with, so frozen features and fine-tuning see the same input."""
    return (x.float() - 127.5) / 128.0


def normalise_clip(crops: np.ndarray) -> torch.Tensor:
    """(T,S,S,3) uint8 → (T,3,S,S) float in [-1, 1], no augmentation."""
    return standardise(_to_tensor(crops))


class ClipAugmenter:
    """The paper's per-clip augmentation; randomness comes only from the ``rng`` passed in."""

    def __init__(self, image_size: int = 160):
        from torchvision.transforms import v2

        self.image_size = image_size
        self.transform = v2.Compose([
            v2.RandomChoice([
                v2.RandomPerspective(distortion_scale=0.1, p=0.5),
                v2.RandomAffine(degrees=5, translate=(0.05, 0.05), shear=5),
                v2.RandomResizedCrop(image_size, scale=(0.9, 1.0), ratio=(0.95, 1.15), antialias=True),
            ]),
            v2.RandomHorizontalFlip(0.5),
            v2.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.5),
        ])

    def __call__(self, crops: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
        x = _to_tensor(crops)
        if x.shape[-2:] != (self.image_size, self.image_size):
            raise ValueError(f"crops: expected {self.image_size}×{self.image_size}, got {tuple(x.shape[-2:])}")
        # torchvision draws from torch's global generator: seed a forked copy from rng, leave the global state alone.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(rng.integers(0, 2**63 - 1)))
            x = self.transform(x)
        return standardise(x)


def select_window(n_frames: int, length: int, train: bool, rng: np.random.Generator | None = None) -> np.ndarray:
    """Frame indices of a ``length`` window: short clips loop from the start; training takes a random
    window (needs ``rng``), testing the centre one."""
    if n_frames < 1 or length < 1:
        raise ValueError(f"select_window: n_frames and length must be >= 1, got {n_frames}, {length}")
    if n_frames <= length:
        return np.arange(length) % n_frames
    if train:
        if rng is None:
            raise ValueError("select_window: train=True needs an rng (seeded numpy Generator)")
        start = int(rng.integers(0, n_frames - length + 1))
    else:
        start = (n_frames - length) // 2
    return np.arange(start, start + length)
