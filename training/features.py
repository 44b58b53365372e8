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

SYNTHETIC_CROPS = ("mtcnn", "boxes", "generator")


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

    ``synthetic_crops`` says where a synthetic clip's face box comes from: ``"mtcnn"`` (as for real
    clips, the paper's protocol), ``"boxes"`` (the generator's ground-truth face boxes from the labels
    file, cut exactly as MTCNN's boxes are: no detector run, several times faster) or ``"generator"``
    (the generator's own face-cropped video). Real clips always go through MTCNN.
    ``facenet_runtime``/``embed_threads``: perception.features' runtime and its intra-op threads.
    """

    def __init__(self, cache_dir: str | Path | None = None, crop_config=None, facenet_weights: str = "auto",
                 synthetic_crops: str = "mtcnn", embed_batch_size: int = 64, device=None,
                 facenet_runtime: str = "auto", embed_threads: int | None = None):
        from perception.face_crop import CropConfig
        from perception.facenet import cache_dir as default_cache_dir

        if synthetic_crops not in SYNTHETIC_CROPS:
            raise ValueError(f"ClipSource.synthetic_crops: expected one of {SYNTHETIC_CROPS}, got {synthetic_crops!r}")
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        self.crop_config = crop_config or CropConfig()
        self.facenet_weights = facenet_weights
        self.synthetic_crops = synthetic_crops
        self.embed_batch_size = embed_batch_size
        self.device = device
        self.facenet_runtime = facenet_runtime
        self.embed_threads = embed_threads
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

    def box_source(self, record: ClipRecord) -> str:
        """Where ``record``'s crop comes from: "mtcnn", "boxes" (ground truth) or "generator"."""
        if record.source != "synthetic" or self.synthetic_crops == "mtcnn":
            return "mtcnn"
        if self.synthetic_crops == "generator":
            return "generator" if record.crop_path is not None else "mtcnn"
        if record.extra.get("labels_path") is None:
            raise ValueError(f"clip {record.clip_id!r}: synthetic_crops 'boxes' needs the manifest's labels_file column")
        return "boxes"

    def crop_tag(self, record: ClipRecord) -> str:
        """Cache tag of a clip's crops: the box source and the crop settings."""
        source = self.box_source(record)
        if source == "generator":
            return "generator"
        tag = _digest(self.crop_config.to_dict())
        return tag if source == "mtcnn" else f"gt-{tag}"

    def crops(self, record: ClipRecord) -> np.ndarray:
        """(T,S,S,3) uint8 face crops."""
        source, path = self.box_source(record), self.cache_dir / "crops" / f"{self.key(record)}-{self.crop_tag(record)}.npy"
        if source == "generator":
            return cached_array(path, lambda: load_frames(record.crop_path), mmap=True)
        if source == "boxes":
            return cached_array(path, lambda: self.ground_truth_crops(record), mmap=True)
        return cached_array(path, lambda: self.cropper.crop_clip(load_frames(record.path)).crops, mmap=True)

    def ground_truth_crops(self, record: ClipRecord) -> np.ndarray:
        """Crops at the generator's projected face boxes (labels file ``face_boxes`` (T,4) xyxy pixels),
        gaps filled and stabilised as MTCNN's tracked boxes are, then cut by the same code."""
        from perception.face_crop import centre_box, fill_missing, stabilise

        labels = Path(record.extra["labels_path"])
        try:
            with np.load(labels) as z:
                boxes = np.asarray(z["face_boxes"], np.float64)
        except (OSError, ValueError, KeyError) as exc:
            raise ValueError(f"{labels}: cannot read face_boxes of clip {record.clip_id!r} ({exc})") from None
        frames = load_frames(record.path)
        if boxes.shape != (len(frames), 4):
            raise ValueError(f"{labels}: face_boxes has shape {boxes.shape}; clip {record.clip_id!r} has {len(frames)} frames, expected ({len(frames)}, 4)")
        seen = np.isfinite(boxes).all(1) & (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
        c = self.crop_config
        boxes = (stabilise(fill_missing(boxes, seen), c.smoothing, c.still_tolerance) if seen.any()
                 else np.tile(centre_box(*frames.shape[1:3]), (len(frames), 1)))
        return self.cropper.crop_boxes(frames, boxes)

    def frames(self, record: ClipRecord, size: int) -> np.ndarray:
        """(T,size,size,3) uint8 whole frames, resized exactly as ExpressionRecognizer resizes them."""
        return cached_array(self.cache_dir / "frames" / f"{self.key(record)}-{size}.npy",
                            lambda: resize_like_recognizer(load_frames(record.path), size), mmap=True)

    def embeddings(self, record: ClipRecord) -> np.ndarray:
        """(T,512) FaceNet embeddings of the clip's crops (cached by the extractor)."""
        return np.asarray(self.extractor.embed_cached(f"{self.key(record)}-{self.crop_tag(record)}", lambda: self.crops(record)))

    def precompute(self, records, mode: str, frame_size: int = 112, progress: bool = True) -> None:
        """Fill the caches for ``records`` up front (one progress bar), so epochs only read.

        Embeddings: a second thread decodes and crops the next clips while FaceNet embeds the current
        one, so both cores work (decoding, MTCNN and the runtimes release the GIL)."""
        from concurrent.futures import ThreadPoolExecutor

        from tqdm.auto import tqdm

        records = list(records)
        bar = tqdm(total=len(records), desc=f"{mode} (once)", disable=not progress, leave=False)
        if mode == "embeddings":
            todo = [r for r in records if not self._embeddings_cached(r)]
            bar.update(len(records) - len(todo))
            with ThreadPoolExecutor(1) as pool:
                pending = [pool.submit(self.crops, r) for r in todo[:2]]
                for i, record in enumerate(todo):
                    crops = pending[i].result()
                    if i + 2 < len(todo):
                        pending.append(pool.submit(self.crops, todo[i + 2]))
                    self.extractor.embed_cached(f"{self.key(record)}-{self.crop_tag(record)}", lambda: crops)
                    pending[i] = None  # let the crops go
                    bar.update()
        else:
            get = {"crops": self.crops, "frames": lambda r: self.frames(r, frame_size)}[mode]
            for record in records:
                get(record)
                bar.update()
        bar.close()

    def _embeddings_cached(self, record: ClipRecord) -> bool:
        path = self.extractor.cache_path(f"{self.key(record)}-{self.crop_tag(record)}")
        return path.is_file()

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
            self._extractor = EmbeddingExtractor(model, name, self.cache_dir / "embeddings", self.embed_batch_size,
                                                 runtime=self.facenet_runtime, threads=self.embed_threads)
        return self._extractor

    def describe(self) -> dict:
        """What the run's report records about its face crops and FaceNet runtime."""
        boxes = {"mtcnn": "MTCNN", "boxes": "ground truth (generator labels file)", "generator": "generator crop_file"}
        return {"real_face_boxes": "MTCNN", "synthetic_face_boxes": boxes[self.synthetic_crops],
                "facenet_runtime": self._extractor.runtime if self._extractor is not None else self.facenet_runtime,
                "embed_threads": self.embed_threads}

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
