"""ExpressionRecognizer: a trained checkpoint → class probabilities for a video, a frame array or a stream.

Frames are cropped once per call (stable boxes across the whole input), turned into per-frame model
inputs once (FaceNet embeddings, normalised crops, or whole frames for the 3D-CNN), and windows are
slices of those, so sliding windows do not recompute FaceNet.
"""
from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np

CLASSES = ("anger", "confusion", "disgust")  # canonical label order everywhere in hrisim


def window_starts(n_frames: int, window: int, stride: int) -> list[int]:
    """Starts of the sliding windows; a clip shorter than one window gives one (looped) window at 0."""
    if window < 1 or stride < 1:
        raise ValueError(f"window and stride must be >= 1, got window={window}, stride={stride}")
    return list(range(0, max(n_frames - window, 0) + 1, stride))


class ExpressionRecognizer:
    def __init__(self, model, config: dict, device=None):
        from perception.face_crop import CropConfig
        from perception.facenet import default_device

        self.model, self.config = model, config
        self.classes: tuple[str, ...] = tuple(config["classes"])
        self.architecture = config["architecture"]
        self.seq_len = int(config["seq_len"])
        self.device = default_device(device)
        self.crop_config = CropConfig.from_dict(config["crop"]) if config.get("crop") else CropConfig()
        if hasattr(model, "to"):
            self.model = model.to(self.device).eval()
        self._cropper = None
        self._extractor = None
        self.last_n_missing: int | None = None  # frames without a detected face in the last input (None: no faces used)

    @classmethod
    def load(cls, checkpoint_dir, device=None) -> "ExpressionRecognizer":
        from perception.checkpoint import load_checkpoint

        model, config = load_checkpoint(checkpoint_dir)
        return cls(model, config, device)

    # --- lazily built stages ------------------------------------------------------------------------
    @property
    def cropper(self):
        if self._cropper is None:
            from perception.face_crop import FaceCropper

            self._cropper = FaceCropper(self.crop_config, self.device)
        return self._cropper

    @property
    def extractor(self):
        if self._extractor is None:
            from perception.facenet import load_facenet
            from perception.features import EmbeddingExtractor

            facenet, name = load_facenet(self.config["facenet_weights"], self.device)
            self._extractor = EmbeddingExtractor(facenet, name, device=self.device)
        return self._extractor

    @property
    def uses_faces(self) -> bool:
        return self.architecture != "cnn3d"

    # --- per-frame inputs, then windows -------------------------------------------------------------
    def _per_frame(self, frames: np.ndarray, crops: np.ndarray | None):
        """What one frame contributes to a window: embedding, normalised crop, or prepared whole frame."""
        if self.architecture in ("inception_time", "knn_dtw"):
            return self.extractor.embed_crops(crops)
        if self.architecture == "facenet_inception_time":
            from perception.augment import normalise_clip

            return normalise_clip(crops)
        from perception.models.cnn3d import prepare_frames

        return prepare_frames(frames, int(self.config.get("model_kwargs", {}).get("input_size", 112)))

    def _classify(self, x) -> dict[str, float]:
        """Probabilities for one window of per-frame inputs (T, ...)."""
        import torch

        if self.architecture == "knn_dtw":
            p = self.model.predict_proba(np.asarray(x)[None])[0]
        else:
            x = torch.as_tensor(x)
            if self.architecture == "inception_time":
                x = x.T[None]  # (1, 512, T)
            elif self.architecture == "facenet_inception_time":
                x = x[None]  # (1, T, 3, S, S)
            else:
                x = x.transpose(0, 1)[None]  # (1, 3, T, S, S)
            with torch.inference_mode():
                p = torch.softmax(self.model(x.to(self.device)).float(), dim=1)[0].cpu().numpy()
        return {c: float(v) for c, v in zip(self.classes, p)}

    def _prepare(self, frames: np.ndarray):
        from perception.face_crop import check_frames

        frames = check_frames(frames)
        crops = None
        if self.uses_faces:
            clip = self.cropper.crop_clip(frames)
            crops, self.last_n_missing = clip.crops, clip.n_missing
        return self._per_frame(frames, crops)

    def predict_frames(self, frames: np.ndarray) -> dict[str, float]:
        """Probabilities for a clip (T,H,W,3) uint8 RGB: its centre window of ``seq_len`` frames (short clips loop)."""
        from perception.augment import select_window

        per_frame = self._prepare(frames)
        return self._classify(per_frame[select_window(len(per_frame), self.seq_len, train=False)])

    def predict_video(self, path, window: int = 25, stride: int = 5, max_frames: int | None = None):
        """``[(start time in s, probabilities), ...]`` over sliding windows of a video file."""
        from perception.video import read_video

        frames, fps = read_video(Path(path), max_frames=max_frames)
        per_frame = self._prepare(frames)
        out = []
        for start in window_starts(len(frames), window, stride):
            idx = (start + np.arange(window)) % len(frames)
            out.append((start / fps, self._classify(per_frame[idx])))
        return out

    def stream(self, window: int = 25, stride: int = 1) -> "StreamingRecognizer":
        return StreamingRecognizer(self, window, stride)


class StreamingRecognizer:
    """Frames pushed one at a time; each frame is face-detected once, and every ``stride`` frames after
    the first full window the last ``window`` frames are cropped (stably, as a clip) and classified."""

    # A frame's FaceNet embedding is reused by later windows while its crop box stays within this
    # many pixels (stable boxes rarely move), so a stream embeds each frame about once, not once
    # per window: stride 1 would otherwise cost ``window`` FaceNet passes per frame.
    REUSE_BOX_PX = 0.5

    def __init__(self, recognizer: ExpressionRecognizer, window: int = 25, stride: int = 1):
        window_starts(window, window, stride)  # validates window and stride
        self.recognizer, self.window, self.stride = recognizer, window, stride
        self.frames: deque = deque(maxlen=window)
        self.detections: deque = deque(maxlen=window)
        self.embedded: deque = deque(maxlen=window)  # (crop box, embedding) or None per frame
        self.n_pushed = 0
        self.n_embedded = 0  # FaceNet passes so far (for benchmarks and tests)

    def push(self, frame: np.ndarray) -> dict[str, float] | None:
        from perception.face_crop import check_frames

        frame = check_frames(frame, "stream frame")[0]
        if self.frames and frame.shape != self.frames[0].shape:
            raise ValueError(f"stream frame: shape {frame.shape} differs from earlier frames {self.frames[0].shape}")
        rec = self.recognizer
        self.frames.append(frame)
        self.embedded.append(None)
        if rec.uses_faces:
            self.detections.append(rec.cropper.detect(frame[None])[0])
        self.n_pushed += 1
        if self.n_pushed < self.window or (self.n_pushed - self.window) % self.stride:
            return None
        frames = np.stack(self.frames)
        if not rec.uses_faces:
            return rec._classify(rec._per_frame(frames, None))
        clip = rec.cropper.crop_detected(frames, list(self.detections))
        if rec.architecture not in ("inception_time", "knn_dtw"):  # per-frame inputs are cheap crops
            return rec._classify(rec._per_frame(frames, clip.crops))
        return rec._classify(self._embeddings(clip))

    def _embeddings(self, clip) -> np.ndarray:
        """(T, 512) for the window, embedding only frames whose crop box moved since they were embedded."""
        stale = [t for t, cached in enumerate(self.embedded)
                 if cached is None or np.abs(cached[0] - clip.boxes[t]).max() > self.REUSE_BOX_PX]
        if stale:
            fresh = self.recognizer.extractor.embed_crops(clip.crops[stale])
            self.n_embedded += len(stale)
            for t, emb in zip(stale, fresh):
                self.embedded[t] = (clip.boxes[t].copy(), emb)
        return np.stack([cached[1] for cached in self.embedded])
