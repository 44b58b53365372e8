"""Face detection and cropping with facenet-pytorch's MTCNN, stable across a clip.

One face is tracked through the clip (the largest in the first frame with a face, then the box that
overlaps the previous one most). Frames without a detection get a box interpolated between the
nearest detected frames (held at the clip's ends). Boxes are then smoothed over time, and when the head
barely moves the whole clip uses one box, so crops do not jitter from frame to frame. A clip with no
face at all gets a centre square crop and every frame is flagged as not detected.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class CropConfig:
    """Crop settings. Defaults are the paper's pipeline, facenet-pytorch's MTCNN defaults at 160×160.

    ``margin`` is in pixels of the 160×160 output, as facenet-pytorch defines it; 0 is facenet-pytorch's
    default and the paper (MTCNN crop resized to 160×160) names no other. ``smoothing`` is the length in
    frames of the centred moving average over box centres and sizes; ``still_tolerance`` is the largest
    spread of box centre and size, as a fraction of the median box size, for which the whole clip uses one
    box. ``batch_size`` bounds how many frames MTCNN sees at once (memory).
    """

    image_size: int = 160
    margin: int = 0
    min_face_size: int = 20
    thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7)
    factor: float = 0.709
    smoothing: int = 5
    still_tolerance: float = 0.05
    batch_size: int = 32

    def __post_init__(self):
        if self.image_size < 16:
            raise ValueError(f"CropConfig.image_size: expected >= 16, got {self.image_size}")
        if not 0 <= self.margin < self.image_size:
            raise ValueError(f"CropConfig.margin: expected 0 <= margin < image_size, got {self.margin}")
        if len(self.thresholds) != 3 or not all(0 < t < 1 for t in self.thresholds):
            raise ValueError(f"CropConfig.thresholds: expected three values in (0, 1), got {self.thresholds}")
        if self.smoothing < 1 or self.batch_size < 1:
            raise ValueError("CropConfig.smoothing and batch_size: expected >= 1")
        object.__setattr__(self, "thresholds", tuple(float(t) for t in self.thresholds))

    def to_dict(self) -> dict:
        return {**asdict(self), "thresholds": list(self.thresholds)}

    @classmethod
    def from_dict(cls, d: dict) -> "CropConfig":
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"crop config: unknown fields {sorted(unknown)}; expected {sorted(known)}")
        return cls(**{**d, **({"thresholds": tuple(d["thresholds"])} if "thresholds" in d else {})})


@dataclass
class ClipCrops:
    """Crops of one clip: ``crops`` (T,S,S,3) uint8, ``boxes`` (T,4) float32 xyxy in frame pixels,
    ``detected`` (T,) bool (False where the box was interpolated, held or a centre fallback)."""

    crops: np.ndarray
    boxes: np.ndarray
    detected: np.ndarray
    n_missing: int


def check_frames(frames: np.ndarray, what: str = "frames") -> np.ndarray:
    """``frames`` as a (T,H,W,3) uint8 array, or a clear error."""
    frames = np.asarray(frames)
    if frames.ndim == 3 and frames.shape[-1] == 3:
        frames = frames[None]
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"{what}: expected a (T, H, W, 3) RGB array, got shape {frames.shape}")
    if frames.dtype != np.uint8:
        raise ValueError(f"{what}: expected uint8 RGB, got dtype {frames.dtype}")
    if len(frames) == 0:
        raise ValueError(f"{what}: the clip has no frames")
    return frames


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of box ``a`` (4,) with boxes ``b`` (N,4)."""
    x1, y1 = np.maximum(a[0], b[:, 0]), np.maximum(a[1], b[:, 1])
    x2, y2 = np.minimum(a[2], b[:, 2]), np.minimum(a[3], b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = lambda r: (r[..., 2] - r[..., 0]) * (r[..., 3] - r[..., 1])  # noqa: E731
    return inter / np.maximum(area(a) + area(b) - inter, 1e-9)


def track_boxes(per_frame: list[np.ndarray | None], max_gap: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """One box per frame from MTCNN's candidates: the largest face first, then the candidate that
    overlaps the previous box most. A frame where no candidate overlaps counts as missing (another
    face, not ours); after ``max_gap`` such frames in a row the track restarts at the largest face.

    Returns ``(boxes (T,4) with NaN where none, detected (T,))``.
    """
    boxes = np.full((len(per_frame), 4), np.nan, dtype=np.float64)
    prev, gap = None, 0
    for t, cand in enumerate(per_frame):
        if cand is not None and len(cand):
            cand = np.asarray(cand, dtype=np.float64).reshape(-1, 4)
            if prev is None or gap >= max_gap:
                pick = int(np.argmax((cand[:, 2] - cand[:, 0]) * (cand[:, 3] - cand[:, 1])))
            else:
                iou = _iou(prev, cand)
                pick = int(np.argmax(iou)) if iou.max() > 0 else None
            if pick is not None:
                boxes[t] = prev = cand[pick]
                gap = 0
                continue
        gap += 1
    return boxes, ~np.isnan(boxes[:, 0])


def fill_missing(boxes: np.ndarray, detected: np.ndarray) -> np.ndarray:
    """Linear interpolation of each coordinate between detected frames, held at the ends."""
    t = np.arange(len(boxes))
    return np.stack([np.interp(t, t[detected], boxes[detected, j]) for j in range(4)], axis=1)


def stabilise(boxes: np.ndarray, window: int, still_tolerance: float) -> np.ndarray:
    """Smooth box centres and sizes over time; a still head gets one (median) box for the whole clip."""
    c = (boxes[:, :2] + boxes[:, 2:]) / 2
    s = boxes[:, 2:] - boxes[:, :2]
    scale = float(np.median(s.max(axis=1)))
    spread = max(np.ptp(c, axis=0).max(), np.ptp(s, axis=0).max()) / max(scale, 1e-9)
    if spread <= still_tolerance:
        c = np.broadcast_to(np.median(c, axis=0), c.shape)
        s = np.broadcast_to(np.median(s, axis=0), s.shape)
    elif window > 1 and len(boxes) > 1:
        w = min(window, len(boxes))
        pad = (w // 2, w - 1 - w // 2)
        kernel = np.ones(w) / w
        smooth = lambda x: np.stack(  # noqa: E731
            [np.convolve(np.pad(x[:, j], pad, mode="edge"), kernel, mode="valid") for j in range(x.shape[1])], axis=1
        )
        c, s = smooth(c), smooth(s)
    return np.concatenate([c - s / 2, c + s / 2], axis=1)


def centre_box(height: int, width: int) -> np.ndarray:
    """The fallback box of a clip with no face: the central square of side min(H, W)."""
    side = min(height, width)
    x0, y0 = (width - side) / 2, (height - side) / 2
    return np.array([x0, y0, x0 + side, y0 + side], dtype=np.float64)


class FaceCropper:
    """MTCNN (weights ship in facenet-pytorch's wheel) + temporal box stabilisation; device auto."""

    def __init__(self, config: CropConfig = CropConfig(), device=None):
        from facenet_pytorch import MTCNN

        from perception.facenet import default_device

        self.config = config
        self.device = default_device(device)
        self.mtcnn = MTCNN(
            image_size=config.image_size, margin=config.margin, min_face_size=config.min_face_size,
            thresholds=list(config.thresholds), factor=config.factor, keep_all=True, device=self.device,
        )

    def detect(self, frames: np.ndarray) -> list[np.ndarray | None]:
        """MTCNN's candidate boxes for each frame (None where it found no face)."""
        from hrisim.memory import release_freed_memory

        frames = check_frames(frames)
        out: list[np.ndarray | None] = []
        for i in range(0, len(frames), self.config.batch_size):
            boxes, _ = self.mtcnn.detect(frames[i : i + self.config.batch_size])
            out.extend(None if b is None else np.asarray(b) for b in boxes)
            release_freed_memory()  # each batch's image pyramid has other tensor sizes: see hrisim.memory
        return out

    def crop_clip(self, frames: np.ndarray) -> ClipCrops:
        """Stable face crops of a clip (T,H,W,3) uint8 RGB."""
        frames = check_frames(frames)
        return self.crop_detected(frames, self.detect(frames))

    def crop_detected(self, frames: np.ndarray, candidates: list[np.ndarray | None]) -> ClipCrops:
        """Crops from MTCNN candidates already found per frame (lets a stream detect each frame once)."""
        frames = check_frames(frames)
        if len(candidates) != len(frames):
            raise ValueError(f"crop_detected: {len(frames)} frames but {len(candidates)} detection lists")
        boxes, detected = self.stable_boxes(candidates, *frames.shape[1:3])
        return ClipCrops(self.crop_boxes(frames, boxes), boxes.astype(np.float32), detected, int((~detected).sum()))

    def stable_boxes(self, candidates: list[np.ndarray | None], height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """``(boxes (T,4) float64, detected (T,))`` of one clip from its per-frame MTCNN candidates:
        tracked, gaps filled, smoothed; the centre square everywhere when no frame has a face. Boxes
        only, so a long video's boxes fit in memory while its frames are streamed."""
        boxes, detected = track_boxes(candidates)
        if detected.any():
            boxes = stabilise(fill_missing(boxes, detected), self.config.smoothing, self.config.still_tolerance)
        else:
            boxes = np.tile(centre_box(height, width), (len(candidates), 1))
        return boxes, detected

    def crop_boxes(self, frames: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """(T,S,S,3) uint8 crops of ``frames`` at ``boxes`` (T,4)."""
        import torch
        from facenet_pytorch.models.utils.detect_face import extract_face
        from PIL import Image

        size = self.config.image_size
        crops = np.empty((len(frames), size, size, 3), dtype=np.uint8)
        for t, (frame, box) in enumerate(zip(frames, boxes)):
            # facenet-pytorch's own margin arithmetic and resize, so crops match its MTCNN output.
            face = extract_face(Image.fromarray(frame), box, size, self.config.margin)
            crops[t] = face.permute(1, 2, 0).clamp(0, 255).to(torch.uint8).numpy()
        return crops
