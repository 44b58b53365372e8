"""Feature benchmark: MTCNN frames/s (160×160 and 640×360 frames) and FaceNet crops/s (batch 32, 64).

Run: python benchmarks/features.py [--device cpu] [--frames 32] [--threads N]   (prints figures; not a test)
Frames are real video frames from $HRISIM_SHARED/real/single_face.mp4 when present (MTCNN's cost depends
on what it finds), else a seeded synthetic image. Peak memory is the process's maximum resident set.
"""
from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import numpy as np


def _frames(n: int) -> np.ndarray:
    shared = os.environ.get("HRISIM_SHARED")
    path = Path(shared) / "real" / "single_face.mp4" if shared else None
    if path and path.is_file():
        from perception.video import read_video

        frames, _ = read_video(path, max_frames=n)
        return np.resize(frames, (n, *frames.shape[1:]))  # 640×360
    return np.random.default_rng(0).integers(0, 256, (n, 360, 640, 3), dtype=np.uint8)


def _rate(fn, n_items: int, reps: int = 2) -> float:
    fn()  # warm up (allocations, oneDNN kernels)
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return n_items * reps / (time.perf_counter() - t0)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    import torch

    from perception.face_crop import FaceCropper
    from perception.features import EmbeddingExtractor

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None)
    ap.add_argument("--frames", type=int, default=32)
    ap.add_argument("--threads", type=int, default=None,
                    help="torch CPU threads (default: torch's choice); 1 is faster on a CPU other jobs share")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, device {args.device or 'auto'}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (other work slows every figure)")

    big = _frames(args.frames)
    cropper = FaceCropper(device=args.device)
    small = cropper.crop_clip(big[:1]).crops.repeat(args.frames, axis=0)  # a 160×160 face-filled frame
    for name, frames in (("160x160", small), ("640x360", big)):
        rate = _rate(lambda: cropper.detect(frames), len(frames))
        full = _rate(lambda: cropper.crop_clip(frames), len(frames), reps=1)
        print(f"MTCNN detect {name}: {rate:7.1f} frames/s   detect+track+crop: {full:7.1f} frames/s")
    print(f"peak memory after MTCNN: {_peak_mib():.0f} MiB")

    ext = EmbeddingExtractor(device=args.device)
    print(f"FaceNet weights: {ext.weights_name}")
    crops = small
    for bs in (32, 64):
        ext.batch_size = bs
        batch = np.resize(crops, (bs, *crops.shape[1:]))
        print(f"FaceNet batch {bs}: {_rate(lambda: ext.embed_crops(batch), bs):7.1f} crops/s")
    print(f"peak memory (max RSS): {_peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
