"""Training benchmark: seconds per epoch of the paper's mixed strategy (ratio 0.25: ≈98 real training
clips of a 5-fold split of 123, plus ⌊0.25 × 24⌋ humans × 21 animations = 126 synthetic clips per
epoch, batch 8), FaceNet frozen (InceptionTime on cached embeddings) and fine-tuned (the real
InceptionResnetV1, its CASIA-WebFace weights, per-clip augmentation). Stand-in clips (training.testing
FakeSource) replace decoding and MTCNN, which are one-off costs (benchmarks/features.py).

Run: python benchmarks/train.py [--length 25] [--batches 3] [--threads N]
Each case runs in its own process so its peak memory is its own. The load average is printed
because on a shared CPU the wall time depends on it. The fine-tuned epoch is timed over
``--batches`` batches after one warm-up batch and scaled to the epoch's size (a full CPU epoch takes long).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

N_REAL_TRAIN = 98  # 4 of 5 folds of the paper's 123 real clips


def epoch_records(seed: int = 0):
    from training.records import ClipRecord
    from training.sampler import MixedSampler

    views = [(-40, -30), (-20, -15), (0, 0), (20, 15), (40, 30), (40, -30), (20, -15), (-20, 15), (-40, 30)]
    synthetic = [ClipRecord(f"h{h}_a{a}_v{v}", Path("-"), a % 3, f"h{h:02d}", source="synthetic", animation_id=f"a{a}", viewpoint=views[v])
                 for h in range(24) for a in range(21) for v in range(9)]
    real = [ClipRecord(f"r{i}", Path("-"), i % 3, f"s{i // 3}") for i in range(N_REAL_TRAIN)]
    return real + MixedSampler(synthetic, 0.25, seed).draw(0)


def run_case(frozen: bool, length: int, batches: int, threads: int | None) -> dict:
    import torch

    if threads:
        torch.set_num_threads(threads)
    from training.config import config_from_dict
    from training.predictors import make_predictor
    from training.testing import FakeSource

    cfg = config_from_dict({"name": "bench", "data": {"real": "-", "synthetic": "-"},
                            "model": {"kind": "inception_time", "length": length, "freeze_facenet": frozen},
                            "strategy": {"kind": "mixed", "ratio": 0.25}, "train": {"progress": False}})
    records = epoch_records()
    p = make_predictor(cfg, FakeSource(n_frames=max(length, 40)), seed=0)
    bs = cfg.train.batch_size
    p.fit(lambda e: records[:bs], 1)  # warm-up
    load = os.getloadavg()[0]
    if frozen:
        n_epochs, timed = 3, records
        measured = f"3 full epochs of {len(records)} clips"
    else:
        n_epochs, timed = 1, records[: batches * bs]
        measured = f"{batches} batches of {bs} clips, scaled to {len(records)} clips"
    t0, c0 = time.perf_counter(), time.process_time()
    p.fit(lambda e: timed, n_epochs)
    scale = len(records) / (len(timed) * n_epochs)
    return {"facenet": "frozen" if frozen else "fine-tuned", "length": length, "clips_per_epoch": len(records),
            "seconds_per_epoch": (time.perf_counter() - t0) * scale, "cpu_seconds_per_epoch": (time.process_time() - c0) * scale,
            "measured": measured, "threads": torch.get_num_threads(), "device": str(p.device),
            "load_average": max(load, os.getloadavg()[0]), "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--length", type=int, default=25)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice); 1 is faster on a busy CPU")
    ap.add_argument("--case", choices=["frozen", "finetuned"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case == "frozen", args.length, args.batches, args.threads)))
        return
    for case in ("frozen", "finetuned"):
        cmd = [sys.executable, __file__, "--case", case, "--length", str(args.length), "--batches", str(args.batches),
               "--threads", str(args.threads)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"mixed 0.25, FaceNet {r['facenet']:10s} L={r['length']}: {r['seconds_per_epoch']:8.1f} s/epoch wall, "
              f"{r['cpu_seconds_per_epoch']:8.1f} s CPU ({r['clips_per_epoch']} clips; {r['measured']}; {r['device']}, "
              f"{r['threads']} threads, load average {r['load_average']:.1f}), peak RSS {r['peak_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
