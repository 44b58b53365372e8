"""Per-frame FaceNet embeddings, batched, with an on-disk cache so frozen-FaceNet experiments extract once."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable

import numpy as np

EMBED_DIM = 512
_SAFE_KEY = re.compile(r"^[A-Za-z0-9._-]{1,200}$")


class EmbeddingExtractor:
    """Frozen FaceNet (eval, no grad). Cache files: ``<cache_dir>/<weights name>/<key>.npy``."""

    def __init__(self, model=None, weights_name=None, cache_dir=None, batch_size=64, device=None):
        from perception.facenet import cache_dir as default_cache, default_device, load_facenet

        if model is None:
            model, weights_name = load_facenet("auto", device)
        elif weights_name is None:
            raise ValueError("EmbeddingExtractor: weights_name is required with a given model (it keys the cache)")
        if batch_size < 1:
            raise ValueError(f"EmbeddingExtractor.batch_size: expected >= 1, got {batch_size}")
        self.device = default_device(device)
        self.model = model.eval().to(self.device)
        self.weights_name = weights_name
        self.batch_size = batch_size
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache() / "embeddings"

    def embed_crops(self, crops: np.ndarray) -> np.ndarray:
        """(T,S,S,3) uint8 crops → (T,512) float32 L2-normalised embeddings."""
        import torch

        from perception.augment import normalise_clip

        x = normalise_clip(crops)
        out = []
        with torch.inference_mode():
            for i in range(0, len(x), self.batch_size):
                out.append(self.model(x[i : i + self.batch_size].to(self.device)).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, EMBED_DIM), np.float32)

    def cache_path(self, key: str) -> Path:
        if not _SAFE_KEY.match(key):
            raise ValueError(f"embedding cache key {key!r}: expected 1-200 characters of [A-Za-z0-9._-]")
        return self.cache_dir / self.weights_name / f"{key}.npy"

    def embed_cached(self, key: str, crops_fn: Callable[[], np.ndarray]) -> np.ndarray:
        """Embeddings of the clip ``key`` (its checksum; include crop settings in it if they vary),
        from the cache or computed from ``crops_fn()`` and stored atomically."""
        valid = lambda a: a.ndim == 2 and a.shape[1] == EMBED_DIM and a.dtype == np.float32  # noqa: E731
        return np.asarray(cached_array(self.cache_path(key), lambda: self.embed_crops(crops_fn()), valid))


def cached_array(path: Path, compute: Callable[[], np.ndarray],
                 valid: Callable[[np.ndarray], bool] = lambda a: True, mmap: bool = False) -> np.ndarray:
    """``np.load(path)`` when present, readable and ``valid``; else ``compute()``, saved atomically.

    The temporary name carries the process id, so parallel workers never write one file together.
    """
    if path.is_file():
        try:
            array = np.load(path, mmap_mode="r" if mmap else None)
            if valid(array):
                return array
        except (OSError, ValueError):
            pass  # unreadable cache entry: recompute and overwrite
    array = np.ascontiguousarray(compute())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part.npy")
    np.save(tmp, array)
    os.replace(tmp, path)
    return array
