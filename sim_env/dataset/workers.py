"""Rendering one group of a plan into its files (runs in a worker process or in-process).

Each worker keeps its own GL context (EGL contexts cannot be pickled or shared) and writes every
file under a temporary name before renaming it, so a killed worker leaves nothing that looks done.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Iterable

import numpy as np

from hrisim.io import atomic_path
from sim_env.dataset.plan import GenerateConfig, GroupPlan
from sim_env.dataset.store import file_sha256

CROP_SIZE = 160
# Face crops are squares of (1 + margin) × the larger side of the ground-truth face box.
CROP_MARGIN = 0.3


_WORKER: dict = {}


def _exit_with_parent() -> None:
    """Workers end when the main process dies (killed runs must not leave renderers behind)."""
    import threading

    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _init_worker(size: int, threads_per_worker: int | None, in_subprocess: bool = False) -> None:
    if in_subprocess:
        _exit_with_parent()
    if threads_per_worker:
        from sim_env.render.renderer import llvmpipe_threads

        os.environ.setdefault("LP_NUM_THREADS", llvmpipe_threads(threads_per_worker))
    import torch

    torch.set_num_threads(threads_per_worker or torch.get_num_threads())
    if "renderer" in _WORKER:
        _WORKER["renderer"].close()
    _WORKER.clear()
    _WORKER["size"] = size


def ensure_worker(size: int, threads_per_worker: int) -> None:
    """Set up this process as a worker unless it already is one for ``size`` (a Ray worker process
    serves many tasks, of one run or several, and keeps its GL context between them)."""
    if _WORKER.get("size") != size:
        _init_worker(size, threads_per_worker)


def _renderer(size: int):
    from sim_env.render.renderer import Renderer

    if "renderer" not in _WORKER:
        _WORKER["renderer"] = Renderer(size, size)
    return _WORKER["renderer"]


def renderer_description(antialias: str) -> str:
    """What drew the frames, e.g. ``pyrender 0.1.45 / egl / llvmpipe (LLVM 15.0.7, 256 bits) / ssaa1.5``."""
    from importlib.metadata import version

    from OpenGL import GL

    gl = GL.glGetString(GL.GL_RENDERER)
    gl = gl.decode() if isinstance(gl, bytes) else str(gl)
    return f"pyrender {version('pyrender')} / {os.environ.get('PYOPENGL_PLATFORM', 'egl')} / {gl} / {antialias}"


def face_crop_box(boxes: np.ndarray) -> np.ndarray:
    """One square crop box (x0, y0, x1, y1) for a whole clip: the median face box, enlarged.

    One box per clip keeps crops free of frame-to-frame jitter (the face moves little in a clip).
    """
    x0, y0, x1, y1 = np.median(boxes, axis=0)
    side = max(x1 - x0, y1 - y0) * (1 + CROP_MARGIN)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return np.array([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], np.float32)


def crop_frames(frames: np.ndarray, box: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """Crop ``box`` from every frame (edge-padded where it leaves the image) and resize to ``size``."""
    from PIL import Image

    x0, y0, x1, y1 = (int(round(v)) for v in box)
    h, w = frames.shape[1:3]
    pad = max(0, -x0, -y0, x1 - w, y1 - h)
    padded = np.pad(frames, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge") if pad else frames
    out = np.empty((len(frames), size, size, 3), np.uint8)
    for i, frame in enumerate(padded):
        region = frame[y0 + pad : y1 + pad, x0 + pad : x1 + pad]
        out[i] = np.asarray(Image.fromarray(region).resize((size, size), Image.BILINEAR))
    return out


def _save_npz(path: Path, **arrays) -> None:
    with atomic_path(path) as tmp:
        np.savez_compressed(tmp, **arrays)


def _save_pngs(folder: Path, frames: np.ndarray) -> None:
    from sim_env.render.media import write_png

    with atomic_path(folder) as tmp:
        tmp.mkdir()
        for i, frame in enumerate(frames):
            write_png(tmp / f"{i + 1:03d}.png", frame)


def render_group(out: str, config: GenerateConfig, group: GroupPlan, background) -> list[dict]:
    """Render, encode and label a group's clips; returns their manifest rows (files in place)."""
    from sim_env.render.clip import render_clip
    from sim_env.render.media import write_mp4

    root = Path(out)
    options = config.render_options(lighting=group.lighting, background=background)
    clip = render_clip(group.human, group.animation, [c.viewpoint for c in group.clips], config.frames, options,
                       renderer=_renderer(config.size), behaviour=group.behaviour)
    labels = clip.labels
    rows = []
    for v, plan in enumerate(group.clips):
        frames = clip.frames[v]
        files = {"file": f"clips/{plan.clip_id}.mp4", "labels_file": f"labels/{plan.clip_id}.npz", "crop_file": ""}
        write_mp4(root / files["file"], frames, fps=config.fps)
        _save_npz(
            root / files["labels_file"], au_keys=np.asarray(labels.au_keys, dtype=str),
            human_id=np.asarray(group.human.id), animation_id=np.asarray(group.animation.id),
            emotion=np.asarray(group.animation.emotion),  # so that an audit can check the row's labels
            au_values=labels.au_values.astype(np.float32), face_boxes=labels.face_boxes[v],
            landmarks=labels.landmarks[v],
            au_numbers=np.asarray(sorted(labels.au_intensities), np.int32),
            au_intensities=np.stack([labels.au_intensities[k] for k in sorted(labels.au_intensities)], 1).astype(np.float32)
            if labels.au_intensities else np.zeros((config.frames, 0), np.float32),
            **(group.behaviour.labels(config.frames, None if labels.occlusion is None else labels.occlusion[v])
               if group.behaviour is not None else {}),  # the failure cases performed (--behaviour)
        )
        if config.crops:
            files["crop_file"] = f"crops/{plan.clip_id}.mp4"
            box = face_crop_box(labels.face_boxes[v])
            write_mp4(root / files["crop_file"], crop_frames(frames, box), fps=config.fps)
        if config.png:
            _save_pngs(root / "frames" / plan.clip_id, frames)
        rows.append({
            "clip_id": plan.clip_id, **files,
            "sha256": file_sha256(root / files["file"]),
            "labels_sha256": file_sha256(root / files["labels_file"]),
            "crop_sha256": file_sha256(root / files["crop_file"]) if files["crop_file"] else "",
            "view_index": plan.view_index,
            **(clip.camera[v].record() if clip.camera else {}),
        })
    return rows


def render_in_worker(out: str, config: GenerateConfig, group: GroupPlan, background) -> tuple[int, list[dict], str]:
    """One group in a set-up worker: (group index, manifest rows, what drew the frames)."""
    rows = render_group(out, config, group, background)
    if "renderer_name" not in _WORKER:
        _WORKER["renderer_name"] = renderer_description(_renderer(config.size).antialias)
    return group.index, rows, _WORKER["renderer_name"]


def run_groups(out: str, config: GenerateConfig, groups: list[GroupPlan], background) -> Iterable:
    """Yield (group index, rows, renderer) as groups finish: in-process for one worker, in worker
    processes for several, or as Ray tasks (``config.backend == "ray"``, see ``ray_backend``)."""
    if not groups:
        return
    if config.backend == "ray":
        from sim_env.dataset.ray_backend import run_groups_on_ray

        yield from run_groups_on_ray(out, config, groups, background)
        return
    cores = os.cpu_count() or 1
    if config.workers == 1:
        _init_worker(config.size, None)
        for group in groups:
            yield render_in_worker(out, config, group, background)
        return
    import multiprocessing

    threads = max(1, cores // config.workers)
    pool = ProcessPoolExecutor(config.workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(config.size, threads, True))
    pending: set = set()
    queue = list(groups)
    try:
        while queue or pending:
            while queue and len(pending) < 2 * config.workers:  # bounded: results stay small in memory
                pending.add(pool.submit(render_in_worker, out, config, queue.pop(0), background))
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield future.result()
    finally:  # on error or interrupt: drop queued groups, let running ones end (they are not journaled)
        pool.shutdown(wait=True, cancel_futures=True)
