"""FaceNet + InceptionTime end to end: (B, T, 3, 160, 160) in [-1, 1] → logits, FaceNet frozen or fine-tuned."""
from __future__ import annotations

import torch
from torch import nn


class FaceNetInceptionTime(nn.Module):
    """Frames → FaceNet embeddings (B, T, 512) → (B, 512, T) → InceptionTime head.

    When frozen, FaceNet stays in eval mode (its batch norms keep their statistics) and runs without
    gradients, whatever ``train()`` is called on the whole model.
    """

    def __init__(self, facenet: nn.Module, head: nn.Module, freeze_facenet: bool):
        super().__init__()
        self.facenet = facenet
        self.head = head
        self.freeze_facenet = bool(freeze_facenet)
        if self.freeze_facenet:
            self.facenet.requires_grad_(False)
            self.facenet.eval()

    def train(self, mode: bool = True):
        super().train(mode)
        if self.freeze_facenet:
            self.facenet.eval()
        return self

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 5 or x.shape[2] != 3:
            raise ValueError(f"FaceNetInceptionTime: expected input (B, T, 3, H, W), got {tuple(x.shape)}")
        b, t = x.shape[:2]
        flat = x.reshape(b * t, *x.shape[2:])
        if self.freeze_facenet:
            with torch.no_grad():
                emb = self.facenet(flat)
        else:
            emb = self.facenet(flat)
        return emb.reshape(b, t, -1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x).transpose(1, 2))
