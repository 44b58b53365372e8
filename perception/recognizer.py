"""ExpressionRecognizer: a trained checkpoint → class probabilities for a video, a frame array or a stream.

Frames are cropped once per call (stable boxes across the whole input), turned into per-frame model
inputs once (FaceNet embeddings, normalised crops, or whole frames for the 3D-CNN), and windows are
slices of those, so sliding windows do not recompute FaceNet.

A video file is streamed twice (``analyse_video``): a first pass runs MTCNN and keeps only boxes, the
stable box track is computed over the whole video, and a second pass crops, embeds and classifies
window by window, keeping only the last window's inputs; memory does not grow with the video's length.

A model trained with ``model.person_norm`` reads embeddings minus the person's median embedding
(perception.person_norm): a video's baseline comes from up to ``HISTORY`` of its own face frames (one
more decode), a stream's from a running median, unless ``set_baseline`` was given the person's video.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from perception.person_norm import RunningBaseline, evenly_spaced, person_baseline

CLASSES = ("anger", "confusion", "disgust")  # canonical label order everywhere in hrisim


@dataclass
class WindowPrediction:
    """One sliding window: where it lies, how many of its frames had a detected face (None: the model
    uses no faces) and the class probabilities (None: no frame of the window had a face, so no label)."""

    start_frame: int
    n_frames: int
    start_s: float
    end_s: float
    face_frames: int | None
    probabilities: dict[str, float] | None

    @property
    def label(self) -> str | None:
        return None if self.probabilities is None else max(self.probabilities, key=self.probabilities.get)


@dataclass
class VideoPrediction:
    """Every window of a video, with the per-frame face track (``boxes`` xyxy, ``detected``)."""

    video: str
    fps: float
    n_frames: int
    window: int
    stride: int
    classes: tuple[str, ...]
    windows: list[WindowPrediction] = field(default_factory=list)
    boxes: np.ndarray | None = None
    detected: np.ndarray | None = None

    def counts(self) -> dict:
        """Frames with and without a face, windows with and without a label, windows per label."""
        labels = [w.label for w in self.windows]
        faces = None if self.detected is None else int(self.detected.sum())
        return {"frames": self.n_frames, "frames_with_face": faces,
                "frames_without_face": None if faces is None else self.n_frames - faces,
                "windows": len(self.windows), "windows_without_face": labels.count(None),
                "windows_by_label": {c: labels.count(c) for c in self.classes}}


def window_starts(n_frames: int, window: int, stride: int) -> list[int]:
    """Starts of the sliding windows; a clip shorter than one window gives one (looped) window at 0."""
    if window < 1 or stride < 1:
        raise ValueError(f"window and stride must be >= 1, got window={window}, stride={stride}")
    return list(range(0, max(n_frames - window, 0) + 1, stride))


class ExpressionRecognizer:
    """``models``: several checkpoints of one run (its CV folds) whose probabilities are averaged."""

    # checkpoint fields that must agree for models to share one crop/feature pipeline
    SHARED_FIELDS = ("architecture", "classes", "seq_len", "facenet_weights", "crop", "person_norm")

    def __init__(self, model, config: dict, device=None, models: list | None = None):
        from perception.face_crop import CropConfig
        from perception.facenet import default_device

        self.model, self.config = model, config
        self.models = [model] if models is None else list(models)
        self.classes: tuple[str, ...] = tuple(config["classes"])
        self.architecture = config["architecture"]
        self.seq_len = int(config["seq_len"])
        self.device = default_device(device)
        self.crop_config = CropConfig.from_dict(config["crop"]) if config.get("crop") else CropConfig()
        if hasattr(model, "to"):
            self.models = [m.to(self.device).eval() for m in self.models]
            self.model = self.models[0]
        self._cropper = None
        self._extractor = None
        # models trained with person_norm read embeddings minus the person's median (perception.person_norm):
        # ``baseline`` is that median when the caller knows the person (set_baseline), else each input's own
        self.person_norm = bool(config.get("person_norm", False))
        self.baseline: np.ndarray | None = None
        self.last_n_missing: int | None = None  # frames without a detected face in the last input (None: no faces used)

    @classmethod
    def load(cls, checkpoint_dir, device=None) -> "ExpressionRecognizer":
        """A model folder, or a run folder written by ``hrisim train`` (all its checkpoints, averaged)."""
        from perception.checkpoint import checkpoint_dirs, load_checkpoint

        dirs = checkpoint_dirs(checkpoint_dir)
        loaded = [load_checkpoint(d) for d in dirs]
        config = loaded[0][1]
        for d, (_, other) in zip(dirs[1:], loaded[1:]):
            for key in cls.SHARED_FIELDS:
                if other.get(key) != config.get(key):
                    raise ValueError(f"{d}: field {key!r} is {other.get(key)!r} but {dirs[0]} has {config.get(key)!r}; "
                                     "the checkpoints of one run must share it")
        config = {**config, "checkpoints": [str(d) for d in dirs]}
        return cls(loaded[0][0], config, device, models=[m for m, _ in loaded])

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
            # 16 faces a batch: as fast as 64 on a CPU, and a quarter of the activation memory
            self._extractor = EmbeddingExtractor(facenet, name, device=self.device, batch_size=16)
        return self._extractor

    @property
    def kind(self):
        from perception.models.registry import model_kind

        return model_kind(self.architecture)

    @property
    def uses_faces(self) -> bool:
        return self.kind.uses_faces

    # --- per-frame inputs, then windows -------------------------------------------------------------
    def _per_frame(self, frames: np.ndarray, crops: np.ndarray | None):
        """What one frame contributes to a window: embedding, normalised crop, or prepared whole frame."""
        if self.kind.input == "embeddings":
            return self.extractor.embed_crops(crops)
        if self.kind.input == "crops":
            from perception.augment import normalise_clip

            return normalise_clip(crops)
        from perception.models.cnn3d import prepare_frames

        return prepare_frames(frames, int(self.config.get("model_kwargs", {}).get("input_size", 112)))

    def _classify(self, x, baseline: np.ndarray | None = None) -> dict[str, float]:
        """Probabilities for one window of per-frame inputs (T, ...); a person_norm model subtracts
        ``baseline`` (D,) from every frame's embedding."""
        import torch

        if self.person_norm:
            if baseline is None:
                raise ValueError("this model was trained with person_norm: it needs the person's baseline embedding")
            x = np.asarray(x, np.float32) - np.asarray(baseline, np.float32)
        if not self.kind.torch:
            p = np.mean([m.predict_proba(np.asarray(x)[None])[0] for m in self.models], axis=0)
        else:
            x = torch.as_tensor(x)
            if self.kind.input == "embeddings":
                x = x.T[None]  # (1, 512, T)
            elif self.kind.input == "crops":
                x = x[None]  # (1, T, 3, S, S)
            else:
                x = x.transpose(0, 1)[None]  # (1, 3, T, S, S)
            with torch.inference_mode():
                x = x.to(self.device)
                p = torch.stack([torch.softmax(m(x).float(), dim=1)[0] for m in self.models]).mean(0).cpu().numpy()
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
        baseline = None
        if self.person_norm:  # the clip's own median unless set_baseline gave the person's
            baseline = self.baseline if self.baseline is not None else person_baseline(per_frame, "clip")
        return self._classify(per_frame[select_window(len(per_frame), self.seq_len, train=False)], baseline)

    def set_baseline(self, source, max_frames: int | None = None) -> np.ndarray:
        """The person baseline of a person_norm model from a video file or frames (T,H,W,3) of the same
        person (at rest, or over a varied stretch): the median embedding of up to ``HISTORY`` evenly
        spaced frames with a detected face. Used by every later prediction until set again."""
        if not self.person_norm:
            raise ValueError("set_baseline: this model was not trained with person_norm and reads raw embeddings")
        if isinstance(source, np.ndarray):
            from perception.face_crop import check_frames

            frames = check_frames(source)
            boxes, detected = self.cropper.stable_boxes(self.cropper.detect(frames), *frames.shape[1:3])
            keep = evenly_spaced(np.flatnonzero(detected))
            baseline = self._median_embedding(frames[keep], boxes[keep], "baseline frames") if len(keep) else None
            where = "the frames"
        else:
            boxes, detected, _ = self._track_video(source, max_frames, False, None, 64)
            baseline, where = self._video_baseline(source, boxes, detected, max_frames), f"{source}"
        if baseline is None:
            raise ValueError(f"set_baseline: no face was detected in {where}")
        self.baseline = baseline
        return baseline

    def _median_embedding(self, frames: np.ndarray, boxes: np.ndarray, what: str) -> np.ndarray:
        """The person baseline of ``frames`` cropped at ``boxes``: the median of their embeddings."""
        return person_baseline(self.extractor.embed_crops(self.cropper.crop_boxes(frames, boxes)), what)

    def _video_baseline(self, path, boxes, detected, max_frames) -> np.ndarray | None:
        """Median embedding of up to ``HISTORY`` evenly spaced frames of a video where a face was found."""
        from perception.video import iter_frames

        found = np.flatnonzero(detected)
        if not len(found):
            return None
        pick = set(evenly_spaced(found).tolist())
        frames, idx = [], []
        for n, frame in enumerate(iter_frames(path, max_frames)):
            if n in pick:
                frames.append(frame)
                idx.append(n)
        return self._median_embedding(np.stack(frames), boxes[idx], str(path))

    def predict_video(self, path, window: int = 25, stride: int = 5, max_frames: int | None = None):
        """``[(start time in s, probabilities or None where the window had no face), ...]``."""
        result = self.analyse_video(path, window, stride, max_frames)
        return [(w.start_s, w.probabilities) for w in result.windows]

    def analyse_video(self, path, window: int = 25, stride: int = 5, max_frames: int | None = None,
                      progress: bool = False, on_frame: Callable | None = None, chunk: int = 64) -> VideoPrediction:
        """Sliding windows over a video file of any length, in bounded memory (see the module doc).

        ``on_frame(index, frame, box, detected, latest_window)`` is called for every frame of the
        second pass (``box``/``detected`` are None for a model without faces; ``latest_window`` is the
        last window that ended at or before this frame), e.g. to draw an overlay video as it goes.
        """
        from hrisim.memory import release_freed_memory
        from perception.video import iter_frames, video_info

        window_starts(window, window, stride)  # validates
        info = video_info(path)
        total = min(info.n_frames, max_frames) if info.n_frames and max_frames else (info.n_frames or max_frames)
        result = VideoPrediction(str(path), info.fps, 0, window, stride, self.classes)
        if self.uses_faces:
            result.boxes, result.detected, result.n_frames = self._track_video(path, max_frames, progress, total, chunk)
            self.last_n_missing = int((~result.detected).sum())
        needed = None if result.detected is None else _near_a_face(result.detected, window)
        baseline = self.baseline
        if self.person_norm and baseline is None:  # the video's own faces: one more decode, FaceNet on <= HISTORY frames
            baseline = self._video_baseline(path, result.boxes, result.detected, max_frames)
        buffer: deque = deque(maxlen=window)
        latest = None
        n = 0
        bar = _bar(progress, total, "classifying windows")
        for frames in _chunks(iter_frames(path, max_frames), chunk):
            boxes = None if result.boxes is None else result.boxes[n : n + len(frames)]
            per_frame = self._chunk_inputs(frames, boxes, None if needed is None else needed[n : n + len(frames)])
            for k in range(len(frames)):
                buffer.append(per_frame[k])
                start = n - window + 1
                if start >= 0 and start % stride == 0:
                    latest = self._window(result, start, list(buffer), baseline=baseline)
                if on_frame is not None:
                    on_frame(n, frames[k], None if boxes is None else boxes[k],
                             None if result.detected is None else bool(result.detected[n]), latest)
                n += 1
            release_freed_memory()
            bar.update(len(frames))
        bar.close()
        result.n_frames = n
        if n < window:  # a clip shorter than one window: one looped window at 0, as predict_frames does
            self._window(result, 0, [buffer[i % n] for i in range(window)], n_frames=n, baseline=baseline)
        return result

    def _chunk_inputs(self, frames: np.ndarray, boxes: np.ndarray | None, needed: np.ndarray | None) -> list:
        """Per-frame inputs of a chunk; None for frames that no window with a face contains (no FaceNet for them)."""
        if boxes is None:
            return list(self._per_frame(frames, None))
        out = [None] * len(frames)
        keep = np.flatnonzero(needed)
        if len(keep):
            inputs = self._per_frame(frames[keep], self.cropper.crop_boxes(frames[keep], boxes[keep]))
            for j, k in enumerate(keep):
                out[k] = inputs[j]
        return out

    def _window(self, result: VideoPrediction, start: int, inputs: list, n_frames: int | None = None,
                baseline: np.ndarray | None = None) -> WindowPrediction:
        """Classify one window (unless none of its frames had a face) and append it to ``result``."""
        n_frames = n_frames or result.window
        faces = None if result.detected is None else int(result.detected[start : start + n_frames].sum())
        probs = None
        if faces is None or faces > 0:
            import torch

            x = torch.stack(inputs) if isinstance(inputs[0], torch.Tensor) else np.stack(inputs)
            probs = self._classify(x, baseline)
        w = WindowPrediction(start, n_frames, start / result.fps, (start + n_frames) / result.fps, faces, probs)
        result.windows.append(w)
        return w

    def _track_video(self, path, max_frames, progress: bool, total, chunk: int):
        """First pass: MTCNN on every frame, boxes only; the stable track over the whole video."""
        from perception.video import iter_frames

        candidates, shape = [], None
        bar = _bar(progress, total, "finding faces")
        for frames in _chunks(iter_frames(path, max_frames), chunk):
            shape = frames.shape[1:3]
            candidates += self.cropper.detect(frames)  # trims the heap after every MTCNN batch
            bar.update(len(frames))
        bar.close()
        boxes, detected = self.cropper.stable_boxes(candidates, *shape)
        return boxes, detected, len(candidates)

    def stream(self, window: int = 25, stride: int = 1) -> "StreamingRecognizer":
        return StreamingRecognizer(self, window, stride)


def _near_a_face(detected: np.ndarray, window: int) -> np.ndarray:
    """Frames within ``window - 1`` of a detected face: the only ones a labelled window can contain."""
    if len(detected) <= window:
        return np.full(len(detected), bool(detected.any()))
    c = np.concatenate([[0], np.cumsum(detected)])
    i = np.arange(len(detected))
    lo, hi = np.maximum(i - window + 1, 0), np.minimum(i + window, len(detected))
    return (c[hi] - c[lo]) > 0


def _chunks(frames, size: int):
    """(≤size, H, W, 3) arrays from a frame iterator."""
    batch = []
    for frame in frames:
        batch.append(frame)
        if len(batch) == size:
            yield np.stack(batch)
            batch = []
    if batch:
        yield np.stack(batch)


def _bar(enabled: bool, total, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total or None, desc=desc, unit="frame", disable=not enabled, leave=False)


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
        self.running_baseline = RunningBaseline()  # a person_norm model's baseline when none was set

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
        if rec.kind.input != "embeddings":  # per-frame inputs are cheap crops
            return rec._classify(rec._per_frame(frames, clip.crops))
        embeddings = self._embeddings(clip)
        if not rec.person_norm:
            return rec._classify(embeddings)
        return rec._classify(embeddings, rec.baseline if rec.baseline is not None else self.running_baseline.value())

    def _embeddings(self, clip) -> np.ndarray:
        """(T, 512) for the window, embedding only frames whose crop box moved since they were embedded."""
        stale = [t for t, cached in enumerate(self.embedded)
                 if cached is None or np.abs(cached[0] - clip.boxes[t]).max() > self.REUSE_BOX_PX]
        if stale:
            fresh = self.recognizer.extractor.embed_crops(clip.crops[stale])
            self.n_embedded += len(stale)
            for t, emb in zip(stale, fresh):
                if self.recognizer.person_norm and self.embedded[t] is None:  # a frame's first embedding, once
                    self.running_baseline.add(emb[None])
                self.embedded[t] = (clip.boxes[t].copy(), emb)
        return np.stack([cached[1] for cached in self.embedded])
