"""Writing what hrisim renders: MP4 video, PNG frames and contact sheets."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def tile(images: np.ndarray, columns: int, pad: int = 2, fill: int = 255) -> np.ndarray:
    """Lay out (N, H, W, 3) images in a grid with ``columns`` columns."""
    n, h, w, _ = images.shape
    rows = -(-n // columns)
    out = np.full((rows * h + (rows + 1) * pad, columns * w + (columns + 1) * pad, 3), fill, np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, columns)
        y, x = pad + r * (h + pad), pad + c * (w + pad)
        out[y : y + h, x : x + w] = img
    return out


def label(image: np.ndarray, text: str) -> np.ndarray:
    """A copy of ``image`` with ``text`` on a dark strip along its top edge."""
    pil = Image.fromarray(image)
    draw = ImageDraw.Draw(pil)
    draw.rectangle([0, 0, pil.width, 11], fill=(0, 0, 0))
    draw.text((2, 0), text, fill=(255, 255, 255))
    return np.asarray(pil)


def grid_video_frames(views: np.ndarray, columns: int = 3) -> np.ndarray:
    """(V, T, H, W, 3) views → (T, H', W', 3) frames with the views tiled in a grid."""
    return np.stack([tile(views[:, t], columns, pad=0) for t in range(views.shape[1])])


def write_mp4(path: str | Path, frames: np.ndarray, fps: float = 25.0, quality: int = 9) -> Path:
    """H.264 MP4 (yuv420p, plays everywhere). Written to a temporary name, then renamed."""
    import imageio.v2 as imageio

    path = Path(path)
    frames = np.asarray(frames, np.uint8)
    h, w = frames.shape[1:3]
    if h % 2 or w % 2:  # yuv420p needs even sizes
        frames = np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    tmp = path.with_name(path.name + ".part.mp4")
    writer = imageio.get_writer(
        tmp, fps=fps, codec="libx264", quality=quality, pixelformat="yuv420p",
        macro_block_size=1, ffmpeg_log_level="error",
    )
    try:
        for frame in frames:
            writer.append_data(frame)
    finally:
        writer.close()
    os.replace(tmp, path)
    return path


def read_video(path: str | Path) -> np.ndarray:
    """All frames (T, H, W, 3) uint8 of a video file."""
    import imageio.v2 as imageio

    reader = imageio.get_reader(Path(path))
    try:
        return np.stack([np.asarray(f)[..., :3] for f in reader])
    finally:
        reader.close()


def write_png(path: str | Path, image: np.ndarray) -> Path:
    path = Path(path)
    tmp = path.with_name(path.name + ".part.png")
    Image.fromarray(np.asarray(image, np.uint8)).save(tmp)
    os.replace(tmp, path)
    return path
