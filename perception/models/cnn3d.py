"""3D-CNN baseline with no face prior (the paper used I3D, 64 × 224 × 224, Kinetics-pretrained).

No pretrained video weights are reachable offline, so the network is trained from scratch. The default
is a small C3D-style net (four Conv3d-BN-ReLU stages, 32→256 channels, ≈1.2 M parameters, global
average pooling, any T/H/W): torchvision's ``r3d_18`` (33 M parameters) is available with
``arch="r3d_18"`` but, from scratch on ~100 real clips plus a few thousand synthetic ones, it overfits
and costs minutes per epoch on a CPU.
"""
from __future__ import annotations

from torch import nn


def _stage(c_in: int, c_out: int, pool: tuple[int, int, int]) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv3d(c_in, c_out, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm3d(c_out),
        nn.ReLU(inplace=True),
        nn.MaxPool3d(pool, pool),
    )


class SmallC3D(nn.Module):
    """(B, 3, T, H, W) → logits. The first pool keeps time (as in C3D) so short clips survive."""

    def __init__(self, n_classes: int = 3, width: int = 32, dropout: float = 0.5):
        super().__init__()
        w = width
        self.features = nn.Sequential(
            _stage(3, w, (1, 2, 2)), _stage(w, 2 * w, (2, 2, 2)), _stage(2 * w, 4 * w, (2, 2, 2)),
            _stage(4 * w, 8 * w, (1, 2, 2)),
        )
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.fc = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(8 * w, n_classes))

    def forward(self, x):
        if x.ndim != 5 or x.shape[1] != 3:
            raise ValueError(f"SmallC3D: expected input (B, 3, T, H, W), got {tuple(x.shape)}")
        return self.fc(self.pool(self.features(x)))


def make_cnn3d(n_classes: int = 3, arch: str = "small_c3d", **kw) -> nn.Module:
    """``arch``: ``small_c3d`` (default; ``width``, ``dropout``) or ``r3d_18`` (torchvision, weights=None)."""
    if arch == "small_c3d":
        return SmallC3D(n_classes, **kw)
    if arch == "r3d_18":
        from torchvision.models.video import r3d_18

        return r3d_18(weights=None, num_classes=n_classes, **kw)
    raise ValueError(f"make_cnn3d.arch: expected 'small_c3d' or 'r3d_18', got {arch!r}")


def prepare_frames(frames, size: int = 112):
    """Whole frames (T,H,W,3) uint8 → (T,3,size,size) float in [-1, 1]: no face crop, by design."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    from perception.augment import standardise

    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"cnn3d frames: expected (T, H, W, 3), got shape {frames.shape}")
    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float()
    x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return standardise(x)
