"""Cost of the independent judge: model load, preprocessing + forward per face, and (given a dataset
folder) apex decode + crop per clip, so a user knows what `hrisim judge` costs on a big dataset.

    python benchmarks/judge.py [DATASET_DIR] [--faces 512]
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", nargs="?", help="a `hrisim generate` folder (optional: adds the per-clip decode cost)")
    ap.add_argument("--faces", type=int, default=512, help="synthetic face crops to time the model on")
    args = ap.parse_args()
    import torch

    from perception.judges.fer import FERJudge

    print(f"torch threads {torch.get_num_threads()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, "
          f"load average {os.getloadavg()[0]:.1f}")
    t = time.perf_counter()
    judge = FERJudge()
    print(f"load weights (h5py → torch): {1000 * (time.perf_counter() - t):.0f} ms")
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (args.faces, 96, 96, 3), dtype=np.uint8)
    judge.predict_proba(faces[:8])  # warm-up
    for batch in (1, 64, 256):
        t = time.perf_counter()
        judge.predict_proba(faces, batch_size=batch)
        dt = time.perf_counter() - t
        print(f"judge, batch {batch:3d}: {1000 * dt / len(faces):.2f} ms/face ({len(faces) / dt:.0f} faces/s, 96 px crops)")
    if args.dataset:
        from perception.judges.fer import crop_square
        from training.judge_dataset import _apex_image, _labels
        from sim_env.dataset import read_manifest

        root = Path(args.dataset)
        table = read_manifest(root).head(64)
        t = time.perf_counter()
        for _, row in table.iterrows():
            apex, box = _labels(root, row)
            crop_square(_apex_image(root, row, apex), box, 0.2)
        dt = time.perf_counter() - t
        print(f"apex decode + crop: {1000 * dt / len(table):.1f} ms/clip over {len(table)} clips of {root}")


if __name__ == "__main__":
    main()
