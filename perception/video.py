"""Video files as streams of RGB frames, and a streaming MP4 writer, so a video of any length is
processed in bounded memory (imageio reads; PyAV, whose wheel ships the ffmpeg libraries, encodes)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class VideoInfo:
    """What the container says: frames per second and an estimate of the frame count (0 if unknown)."""

    path: Path
    fps: float
    n_frames: int
    width: int
    height: int


def _reason(exc: BaseException) -> str:
    lines = [ln for ln in str(exc).splitlines() if ln.strip()] or [type(exc).__name__]
    return lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"  # not ffmpeg's whole banner


_ERRORS = (OSError, ValueError, RuntimeError, KeyError, IndexError)


def video_info(path: str | Path) -> VideoInfo:
    import imageio.v3 as iio

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such video file")
    try:
        meta = iio.immeta(path)
        fps = float(meta.get("fps") or (1000.0 / meta["duration"] if path.suffix.lower() == ".gif" and meta.get("duration") else 25.0))
        props = iio.improps(path)
        n = int(props.n_images) if props.n_images and props.n_images != float("inf") else 0
        if not n and meta.get("duration") and path.suffix.lower() != ".gif":
            n = int(round(float(meta["duration"]) * fps))
        height, width = props.shape[-3:-1] if len(props.shape) >= 3 else (0, 0)
    except _ERRORS as exc:
        raise ValueError(f"{path}: cannot read video ({_reason(exc)})") from exc
    return VideoInfo(path, fps, n, int(width), int(height))


def iter_frames(path: str | Path, max_frames: int | None = None, step: int = 1) -> Iterator[np.ndarray]:
    """(H,W,3) uint8 RGB frames one at a time: every ``step``-th frame, at most ``max_frames``."""
    import imageio.v3 as iio

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such video file")
    kept = 0
    try:
        for i, frame in enumerate(iio.imiter(path)):
            if i % step:
                continue
            frame = np.asarray(frame)
            if frame.ndim == 2:
                frame = np.repeat(frame[..., None], 3, axis=2)
            yield np.ascontiguousarray(frame[..., :3], dtype=np.uint8)
            kept += 1
            if max_frames is not None and kept >= max_frames:
                return
    except _ERRORS as exc:
        raise ValueError(f"{path}: cannot read video ({_reason(exc)})") from exc
    if not kept:
        raise ValueError(f"{path}: the video has no frames")


def read_video(path: str | Path, max_frames: int | None = None, step: int = 1) -> tuple[np.ndarray, float]:
    """``(frames (T,H,W,3) uint8 RGB, fps)`` in memory (short clips); long videos: ``iter_frames``."""
    info = video_info(path)
    return np.stack(list(iter_frames(path, max_frames, step))), info.fps / step


class Mp4Writer:
    """H.264 MP4 (yuv420p) written frame by frame to a temporary name and renamed on a clean close,
    so an interrupted run never leaves a truncated file under the final name."""

    def __init__(self, path: str | Path, fps: float, crf: int = 20):
        from hrisim.io import atomic_path

        self.path, self.fps, self.crf = Path(path), fps, crf
        self._atomic = atomic_path(self.path)
        self.tmp = self._atomic.__enter__()
        self._container = self._stream = None
        self.n_frames = 0

    def write(self, frame: np.ndarray) -> None:
        import av

        from hrisim.h264 import add_h264_stream

        h, w = frame.shape[:2]
        if h % 2 or w % 2:  # yuv420p needs even sizes
            frame = np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
        if self._container is None:
            self._container = av.open(str(self.tmp), "w", format="mp4")
            self._stream = add_h264_stream(self._container, self.fps, frame.shape[1], frame.shape[0], self.crf, "veryfast")
        self._container.mux(self._stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")))
        self.n_frames += 1

    def close(self, ok: bool = True) -> Path | None:
        """Finish the file (``ok``) or remove the temporary one; None when nothing was written."""
        if self._atomic is None:
            return self.path if ok and self.n_frames else None
        ok = ok and self.n_frames > 0
        try:
            if self._container is not None:
                try:
                    if ok:
                        self._container.mux(self._stream.encode())
                finally:
                    self._container.close()
                    self._container = None
        except BaseException:
            ok = False
            raise
        finally:
            atomic, self._atomic = self._atomic, None
            if ok:
                atomic.__exit__(None, None, None)  # renames onto the final name
            else:
                try:
                    atomic.__exit__(RuntimeError, RuntimeError("not finished"), None)  # removes the temporary file
                except RuntimeError:
                    pass
        return self.path if ok else None

    def __enter__(self) -> "Mp4Writer":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(ok=exc_type is None)
