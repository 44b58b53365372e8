"""Memory of ``hrisim predict`` on a long video: the video is streamed, so the peak stays flat.

Builds a MINUTES-long 160×120 video at 24 fps by looping the real face video
($HRISIM_SHARED/real/WolfgangLanger_Pexels.mp4, scaled down) and runs ``hrisim predict VIDEO --out DIR``
(overlay MP4 and all) in a child process with a random-weight checkpoint of the chosen architecture
(memory does not depend on the weights). Prints frames, wall time and the child's peak resident memory
against the 1.5 GiB budget.

Run: python benchmarks/predict_memory.py [--minutes 10] [--arch inception_time|cnn3d] [--stride 5] [--keep DIR]
The face path (inception_time: MTCNN + FaceNet per frame) runs at a few frames per second on a 2-core
CPU, so 10 minutes (14,400 frames) takes about an hour there; cnn3d (no face detection) is quicker.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BUDGET_GIB = 1.5


def make_video(path: Path, minutes: float, source: Path, fps: float = 24.0) -> int:
    """Loop ``source`` (scaled to 160×120) for ``minutes``; frames are streamed, never all in memory."""
    from PIL import Image

    from perception.video import Mp4Writer, iter_frames

    small = [np.asarray(Image.fromarray(f).resize((160, 120), Image.BILINEAR)) for f in iter_frames(source, max_frames=240)]
    n = int(round(minutes * 60 * fps))
    with Mp4Writer(path, fps) as out:
        for i in range(n):
            k = i % (2 * len(small) - 2)  # forth and back, so the loop has no jump
            out.write(small[k if k < len(small) else 2 * len(small) - 2 - k])
    return n


def make_checkpoint(path: Path, arch: str) -> Path:
    import torch

    from perception.checkpoint import build_model, save_checkpoint
    from perception.face_crop import CropConfig
    from perception.recognizer import CLASSES

    torch.manual_seed(0)
    kwargs = {"nf": 32} if arch == "inception_time" else {"width": 8, "input_size": 112}
    cfg = {"architecture": arch, "classes": list(CLASSES), "seq_len": 25, "crop": CropConfig().to_dict(),
           "facenet_weights": "casia-webface" if arch == "inception_time" else None, "model_kwargs": kwargs}
    return save_checkpoint(path, build_model(cfg), cfg)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--arch", default="inception_time", choices=["inception_time", "cnn3d"])
    ap.add_argument("--stride", type=int, default=5)
    ap.add_argument("--keep", default=None, help="folder to keep the video and outputs in (default: a temporary one)")
    args = ap.parse_args(argv)
    shared = Path(os.environ.get("HRISIM_SHARED", "../shared"))
    source = shared / "real" / "WolfgangLanger_Pexels.mp4"
    if not source.is_file():
        print(f"{source} is absent: set HRISIM_SHARED to the shared test-data folder", file=sys.stderr)
        return 1
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="hrisim-predict-mem-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    n = make_video(work / "long.mp4", args.minutes, source)
    made = time.perf_counter() - t0
    ck = make_checkpoint(work / "model", args.arch)
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "sim_env.cli", "predict", str(work / "long.mp4"), "--checkpoint", str(ck),
                           "--stride", str(args.stride), "--out", str(work / "out"), "--no-progress"],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # KiB on Linux
    load = max(load, os.getloadavg()[0])
    if proc.returncode:
        print(proc.stderr[-2000:], file=sys.stderr)
        return proc.returncode
    print(f"video: {args.minutes:g} min, 160x120, {n} frames (written in {made:.0f} s)")
    print(f"predict ({args.arch}, stride {args.stride}, with overlay.mp4): {wall:.0f} s, {n / wall:.1f} frames/s, load average {load:.1f}")
    print(next((ln for ln in proc.stdout.splitlines() if ln.startswith("# ") and "frames:" in ln), ""))
    print(f"peak resident memory: {peak_gib:.2f} GiB (budget {BUDGET_GIB} GiB): {'OK' if peak_gib <= BUDGET_GIB else 'OVER'}")
    return 0 if peak_gib <= BUDGET_GIB else 1


if __name__ == "__main__":
    sys.exit(main())
