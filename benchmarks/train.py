"""Training benchmark: seconds per epoch of the paper's mixed strategy (ratio 0.25: ≈98 real training
clips of a 5-fold split of 123, plus ⌊0.25 × 24⌋ humans × 21 animations = 126 synthetic clips per
epoch, batch 8), FaceNet frozen (InceptionTime on cached embeddings) and fine-tuned (the real
InceptionResnetV1, its CASIA-WebFace weights, per-clip augmentation). Stand-in clips (training.testing
FakeSource) replace decoding and MTCNN, which are one-off costs (benchmarks/features.py).

Run: python benchmarks/train.py [--length 25] [--batches 3] [--threads N]
Each case runs in its own process so its peak memory is its own. The load average is printed
because on a shared CPU the wall time depends on it. The fine-tuned epoch is timed over
``--batches`` batches after one warm-up batch and scaled to the epoch's size (a full CPU epoch takes long).
Partial fine-tuning (FaceNet frozen up to ``--frozen-up-to``, training.partial_finetune) has two
figures: the one-off cost of caching one clip-variant's activations, and the epoch once they are
cached, both measured on ``--batches`` batches and scaled. From them the script estimates a Table I
"FN+IN25 syn" row (20 synthetic epochs on 3591 + 945 validation clips, then 5 folds × 50 real epochs)
and a Table III mixed-0.25 L=25 row (5 folds × 50 epochs of 98 real + 126 synthetic clips) on the
paper's 4536 + 123 clips, with ``--variants`` augmented variants per clip.
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


class BenchSource:
    """training.testing.FakeSource (no decoding, no MTCNN) with the cache folder and keys that
    partial fine-tuning's activation cache needs."""

    def __init__(self, n_frames: int, cache_dir: Path):
        from training.testing import FakeSource

        self.fake, self.cache_dir = FakeSource(n_frames=n_frames), cache_dir
        self.weights_name, self.crop_config = self.fake.weights_name, self.fake.crop_config

    def __getattr__(self, name):
        return getattr(self.fake, name)

    def key(self, record) -> str:
        return record.clip_id

    def crop_tag(self, record) -> str:
        return "fake"


def run_partial(cfg, source, records, batches: int) -> dict:
    """Caching seconds per clip-variant and cached-epoch seconds, on ``batches`` batches, scaled."""
    from training.partial_finetune import PartialPredictor

    p = PartialPredictor(cfg, source, seed=0)
    bs = cfg.train.batch_size
    timed = records[: batches * bs]
    p.fit(lambda e: records[-bs:], 1)  # warm-up (export, first batches)
    t0, c0 = time.perf_counter(), time.process_time()
    for r in timed:
        p.cache.get(r, 0)
    cache_s, cache_cpu = (time.perf_counter() - t0) / len(timed), (time.process_time() - c0) / len(timed)
    for r in timed:  # every variant present: the epoch below only reads
        for v in range(cfg.model.augmented_variants):
            p.cache.get(r, v)
    t0, c0 = time.perf_counter(), time.process_time()
    p.fit(lambda e: timed, 1)
    scale = len(records) / len(timed)
    return {"seconds_per_epoch": (time.perf_counter() - t0) * scale, "cpu_seconds_per_epoch": (time.process_time() - c0) * scale,
            "cache_seconds_per_clip_variant": cache_s, "cache_cpu_seconds_per_clip_variant": cache_cpu,
            "runtime": p.cache.runtime, "measured": f"caching and a cached epoch on {len(timed)} clips, scaled to {len(records)}"}


def run_case(case: str, length: int, batches: int, threads: int | None, frozen_up_to: str = "repeat_3", variants: int = 2) -> dict:
    import tempfile

    import torch

    if threads:
        torch.set_num_threads(threads)
    from training.config import config_from_dict
    from training.predictors import make_predictor

    frozen = case == "frozen"
    model = {"kind": "inception_time", "length": length, "freeze_facenet": frozen}
    if case == "partial":
        model.update(frozen_up_to=frozen_up_to, augmented_variants=variants)
    cfg = config_from_dict({"name": "bench", "data": {"real": "-", "synthetic": "-"}, "model": model,
                            "strategy": {"kind": "mixed", "ratio": 0.25},
                            "train": {"progress": False, **({"embed_threads": threads} if threads else {})}})
    records = epoch_records()
    tmp = tempfile.TemporaryDirectory()
    source = BenchSource(max(length, 40), Path(tmp.name))
    load = os.getloadavg()[0]
    if case == "partial":
        r = run_partial(cfg, source, records, batches)
        label = f"partial (frozen up to {frozen_up_to}, {variants} variants)"
        return {"facenet": label, "length": length, "clips_per_epoch": len(records), **r, "threads": torch.get_num_threads(),
                "device": "cpu", "load_average": max(load, os.getloadavg()[0]),
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    p = make_predictor(cfg, source, seed=0)
    bs = cfg.train.batch_size
    p.fit(lambda e: records[:bs], 1)  # warm-up
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


def estimate(partial: dict, variants: int) -> None:
    """Hours of a Table I FN+IN25 syn row and a Table III mixed-0.25 L=25 row with partial fine-tuning,
    from the measured per-clip figures (the paper's 4536 synthetic and 123 real clips, 5 folds)."""
    import math

    per_clip = partial["seconds_per_epoch"] / partial["clips_per_epoch"]  # trained clip, cached
    cache = partial["cache_seconds_per_clip_variant"]
    eval_clip = per_clip / 3  # forward only: about a third of forward + backward
    syn_train, syn_val, real, real_train = 3591, 945, 123, N_REAL_TRAIN
    # Table I: cache train clips x variants + plain val/test clips; 20 syn epochs (+ val), 5 x 50 real epochs
    t1_cache = (syn_train * variants + syn_val + real * (variants + 1)) * cache
    t1_train = 20 * (syn_train * per_clip + syn_val * eval_clip) + 5 * 50 * real_train * per_clip + real * eval_clip
    # Table III: 5 folds x 50 epochs x 126 synthetic draws over 4536 x variants (clip, variant) pairs
    pairs = (syn_train + syn_val) * variants
    drawn = pairs * (1 - math.exp(-5 * 50 * 126 / pairs))
    t3_cache = (drawn + real * (variants + 1)) * cache
    t3_train = 5 * 50 * (real_train + 126) * per_clip + real * eval_clip
    print(f"estimate, partial fine-tuning, {variants} variants: Table I FN+IN25 syn {(t1_cache + t1_train) / 3600:.1f} h "
          f"(caching {t1_cache / 3600:.1f} h + training {t1_train / 3600:.1f} h); Table III mixed 0.25 L=25 "
          f"{(t3_cache + t3_train) / 3600:.1f} h (caching {drawn:.0f} clip-variants {t3_cache / 3600:.1f} h + training "
          f"{t3_train / 3600:.1f} h), at this run's load")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--length", type=int, default=25)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice); 1 is faster on a busy CPU")
    ap.add_argument("--frozen-up-to", default="repeat_3", help="partial fine-tuning: the last frozen block")
    ap.add_argument("--variants", type=int, default=2, help="partial fine-tuning: augmented variants per clip")
    ap.add_argument("--cases", default="frozen,partial,finetuned", help="which of frozen, partial, finetuned to time")
    ap.add_argument("--case", choices=["frozen", "partial", "finetuned"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.length, args.batches, args.threads, args.frozen_up_to, args.variants)))
        return
    results = {}
    for case in args.cases.split(","):
        cmd = [sys.executable, __file__, "--case", case, "--length", str(args.length), "--batches", str(args.batches),
               "--threads", str(args.threads), "--frozen-up-to", args.frozen_up_to, "--variants", str(args.variants)]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"case {case} failed:\n{out.stderr[-3000:]}")
        r = results[case] = json.loads(out.stdout.strip().splitlines()[-1])
        extra = ""
        if case == "partial":
            extra = (f"; caching {r['cache_seconds_per_clip_variant']:.2f} s ({r['cache_cpu_seconds_per_clip_variant']:.2f} CPU-s) "
                     f"per clip-variant once, on {r['runtime']}")
        print(f"mixed 0.25, FaceNet {r['facenet']:10s} L={r['length']}: {r['seconds_per_epoch']:8.1f} s/epoch wall, "
              f"{r['cpu_seconds_per_epoch']:8.1f} s CPU ({r['clips_per_epoch']} clips; {r['measured']}; {r['device']}, "
              f"{r['threads']} threads, load average {r['load_average']:.1f}), peak RSS {r['peak_rss_mib']:.0f} MiB{extra}", flush=True)
    if "partial" in results:
        estimate(results["partial"], args.variants)


if __name__ == "__main__":
    main()
