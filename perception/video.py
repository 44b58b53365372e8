"""Reading video files into RGB frame arrays (imageio; the ffmpeg binary ships in imageio-ffmpeg)."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def read_video(path: str | Path, max_frames: int | None = None, step: int = 1) -> tuple[np.ndarray, float]:
    """``(frames (T,H,W,3) uint8 RGB, fps)``; keeps every ``step``-th frame, at most ``max_frames``."""
    import imageio.v3 as iio

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such video file")
    try:
        meta = iio.immeta(path)
        fps = float(meta.get("fps") or (1000.0 / meta["duration"] if path.suffix.lower() == ".gif" and meta.get("duration") else 25.0))
        frames = []
        for i, frame in enumerate(iio.imiter(path)):
            if i % step:
                continue
            frame = np.asarray(frame)
            if frame.ndim == 2:
                frame = np.repeat(frame[..., None], 3, axis=2)
            frames.append(frame[..., :3].astype(np.uint8, copy=False))
            if max_frames is not None and len(frames) >= max_frames:
                break
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        lines = [ln for ln in str(exc).splitlines() if ln.strip()] or [type(exc).__name__]
        reason = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"  # not ffmpeg's whole banner
        raise ValueError(f"{path}: cannot read video ({reason})") from exc
    if not frames:
        raise ValueError(f"{path}: the video has no frames")
    return np.stack(frames), fps / step
