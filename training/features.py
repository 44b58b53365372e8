"""Frames, face crops and FaceNet embeddings of dataset clips, each computed once and kept on disk.

Caches are keyed by the clip's content (sha256) and by everything that changes the result (crop
settings, FaceNet weights), never by its path, so renaming a dataset keeps its caches valid and a
changed file is never served stale.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from perception.features import cached_array
from training.real import FRAME_SUFFIXES
from training.records import ClipRecord


def load_frames(path: Path) -> np.ndarray:
    """(T,H,W,3) uint8 RGB of a video file or a folder of frame images (sorted by name)."""
    path = Path(path)
    if path.is_dir():
        from PIL import Image

        files = sorted(p for p in path.iterdir() if p.suffix.lower() in FRAME_SUFFIXES)
        if not files:
            raise ValueError(f"{path}: frame folder without {'/'.join(FRAME_SUFFIXES)} images")
        frames = [np.asarray(Image.open(f).convert("RGB")) for f in files]
        if len({f.shape for f in frames}) > 1:
            raise ValueError(f"{path}: frames differ in size")
        return np.stack(frames)
    from perception.video import read_video

    return read_video(path)[0]


def content_hash(path: Path) -> str:
    """sha256 of a file, or of a frame folder's file names and bytes."""
    h = hashlib.sha256()
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            h.update(f.name.encode())
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:12]


class ClipSource:
    """What models read from a clip: face crops (FaceNet input), FaceNet embeddings (frozen runs,
    extracted once), or whole frames resized square (the 3D-CNN, which has no face prior).

    ``synthetic_crops="generator"`` reads the generator's own face-cropped video where the manifest
    has one, instead of running MTCNN on the full frame.
    """

    def __init__(self, cache_dir: str | Path | None = None, crop_config=None, facenet_weights: str = "auto",
                 synthetic_crops: str = "mtcnn", embed_batch_size: int = 64, device=None):
        from perception.face_crop import CropConfig
        from perception.facenet import cache_dir as default_cache_dir

        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        self.crop_config = crop_config or CropConfig()
        self.facenet_weights = facenet_weights
        self.synthetic_crops = synthetic_crops
        self.embed_batch_size = embed_batch_size
        self.device = device
        self._keys: dict[Path, str] = {}
        self._cropper = None
        self._extractor = None

    def key(self, record: ClipRecord) -> str:
        if record.sha256:
            return record.sha256
        if record.path not in self._keys:
            if not record.path.exists():
                raise FileNotFoundError(f"{record.path}: clip {record.clip_id!r} not found")
            self._keys[record.path] = content_hash(record.path)
        return self._keys[record.path]

    def crops(self, record: ClipRecord) -> np.ndarray:
        """(T,S,S,3) uint8 face crops."""
        if self.synthetic_crops == "generator" and record.crop_path is not None:
            return cached_array(self.cache_dir / "crops" / f"{self.key(record)}-generator.npy",
                                lambda: load_frames(record.crop_path), mmap=True)
        tag = _digest(self.crop_config.to_dict())
        return cached_array(self.cache_dir / "crops" / f"{self.key(record)}-{tag}.npy",
                            lambda: self.cropper.crop_clip(load_frames(record.path)).crops, mmap=True)

    def frames(self, record: ClipRecord, size: int) -> np.ndarray:
        """(T,size,size,3) uint8 whole frames, resized exactly as ExpressionRecognizer resizes them."""
        return cached_array(self.cache_dir / "frames" / f"{self.key(record)}-{size}.npy",
                            lambda: resize_like_recognizer(load_frames(record.path), size), mmap=True)

    def embeddings(self, record: ClipRecord) -> np.ndarray:
        """(T,512) FaceNet embeddings of the clip's crops (cached by the extractor)."""
        source = "generator" if self.synthetic_crops == "generator" and record.crop_path is not None else _digest(self.crop_config.to_dict())
        return np.asarray(self.extractor.embed_cached(f"{self.key(record)}-{source}", lambda: self.crops(record)))

    def precompute(self, records, mode: str, frame_size: int = 112, progress: bool = True) -> None:
        """Fill the caches for ``records`` up front (one progress bar), so epochs only read."""
        from tqdm.auto import tqdm

        get = {"embeddings": self.embeddings, "crops": self.crops, "frames": lambda r: self.frames(r, frame_size)}[mode]
        for record in tqdm(records, desc=f"{mode} (once)", disable=not progress, leave=False):
            get(record)

    @property
    def cropper(self):
        if self._cropper is None:
            from perception.face_crop import FaceCropper

            self._cropper = FaceCropper(self.crop_config, device=self.device)
        return self._cropper

    @property
    def extractor(self):
        if self._extractor is None:
            from perception.facenet import load_facenet
            from perception.features import EmbeddingExtractor

            model, name = load_facenet(self.facenet_weights, device=self.device)
            self._extractor = EmbeddingExtractor(model, name, self.cache_dir / "embeddings", self.embed_batch_size)
        return self._extractor

    @property
    def weights_name(self) -> str:
        """The FaceNet weights the embeddings come from (what every report names)."""
        if self._extractor is not None:
            return self._extractor.weights_name
        from perception.facenet import resolve_weights

        return resolve_weights(self.facenet_weights)


def resize_like_recognizer(frames: np.ndarray, size: int) -> np.ndarray:
    """perception's 3D-CNN frame preparation, brought back to uint8 so clips can be augmented."""
    import torch

    from perception.models.cnn3d import prepare_frames

    x = prepare_frames(frames, size) * 128.0 + 127.5  # undo standardise: back to pixel values
    return x.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()
