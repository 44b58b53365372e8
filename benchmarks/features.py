"""Feature benchmark: FaceNet crops/s per runtime (with cosine agreement to PyTorch) and whole-clip
embedding throughput per box source, the paper's protocol (MTCNN + PyTorch, one clip after another)
beside the fast path (ground-truth boxes or MTCNN, the fastest runtime, crops prefetched in a thread).

Run: python benchmarks/features.py [--synthetic DIR] [--clips 9] [--real-clips 3] [--threads 2]
``--synthetic`` is an ``hrisim generate`` folder (e.g. ``hrisim generate --out /tmp/syn --limit 9``);
without it the synthetic rows are skipped. Real clips are 40-frame pieces of
$HRISIM_SHARED/real/single_face.mp4 (640×360), written to a temporary folder. Every figure is wall
time and CPU time (process_time, all threads): on a CPU other jobs share, CPU seconds per clip are
the steadier figure, and the load average is printed beside each row.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def _timed(fn) -> tuple[float, float, float]:
    """(wall s, CPU s, load average) of ``fn()``."""
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0, max(load, os.getloadavg()[0])


def real_records(directory: Path, n_clips: int, frames: int = 40):
    """``n_clips`` real clips cut from the shared video, as a real folder's records."""
    from perception.video import read_video
    from sim_env.render.media import write_mp4
    from training.real import load_real

    shared = os.environ.get("HRISIM_SHARED")
    video = Path(shared) / "real" / "single_face.mp4" if shared else None
    if video is None or not video.is_file():
        return []
    clip, _ = read_video(video, max_frames=n_clips * frames)
    for i in range(n_clips):
        label = ("anger", "disgust", "confusion")[i % 3]
        (directory / label).mkdir(parents=True, exist_ok=True)
        write_mp4(directory / label / f"piece{i}.mp4", np.resize(clip[i * frames:(i + 1) * frames], (frames, *clip.shape[1:])))
    return load_real(directory)


def runtime_rows(model, name, crops: np.ndarray, threads: int) -> None:
    import importlib.util

    from perception.features import EmbeddingExtractor

    ref = None
    print(f"FaceNet alone, {len(crops)} crops of 160×160 per call, batch 32:")
    for runtime in ("torch", "onnxruntime", "openvino"):
        if runtime != "torch" and importlib.util.find_spec(runtime) is None:
            print(f"  {runtime:12s} not installed")
            continue
        for th in sorted({1, threads}):
            import torch

            torch.set_num_threads(th)
            ext = EmbeddingExtractor(model, name, cache_dir="-", batch_size=32, device="cpu", runtime=runtime, threads=th)
            ext.embed_crops(crops[:4])  # export / compile / warm-up
            out = []
            wall, cpu, load = _timed(lambda: out.append(ext.embed_crops(crops)))
            emb = out[0]
            ref = emb if ref is None else ref
            cos = float(((emb * ref).sum(1) / np.linalg.norm(emb, axis=1) / np.linalg.norm(ref, axis=1)).min())
            print(f"  {runtime:12s} {th} thread{'s' if th > 1 else ' '}: {len(crops) / wall:7.1f} crops/s wall, "
                  f"{len(crops) / cpu:7.1f} crops per CPU-s, min cosine to torch {cos:.6f} (load {load:.1f})")


def pipeline_row(label: str, records, make_source, prefetch: bool) -> float:
    """Embeds ``records`` from scratch (fresh caches); prints and returns clips per CPU-second."""
    with tempfile.TemporaryDirectory() as cache:
        source = make_source(cache)
        source.extractor.embed_crops(np.zeros((2, 160, 160, 3), np.uint8) + np.arange(2)[:, None, None, None].astype(np.uint8))
        if prefetch:
            run = lambda: source.precompute(records, "embeddings", progress=False)  # noqa: E731
        else:
            run = lambda: [source.embeddings(r) for r in records]  # noqa: E731
        wall, cpu, load = _timed(run)
        print(f"  {label:58s} {len(records) / wall:6.2f} clips/s wall, {cpu / len(records):6.2f} CPU-s/clip "
              f"({source.describe()['facenet_runtime']}, load {load:.1f})")
        return len(records) / cpu


def main() -> None:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic", help="an hrisim generate folder (with labels files)")
    ap.add_argument("--clips", type=int, default=9, help="synthetic clips timed")
    ap.add_argument("--real-clips", type=int, default=3, help="real 40-frame clips timed")
    ap.add_argument("--threads", type=int, default=2, help="threads of the fast path (both cores: 2)")
    ap.add_argument("--skip-runtimes", action="store_true", help="only the whole-clip rows")
    args = ap.parse_args()
    torch.manual_seed(0)
    from perception.facenet import load_facenet
    from training.features import ClipSource, load_frames
    from training.synthetic import load_synthetic

    print(f"torch {torch.__version__}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          f"(other work slows every wall figure; CPU-s per item is steadier)")
    model, name = load_facenet("auto", "cpu")
    with tempfile.TemporaryDirectory() as tmp:
        real = real_records(Path(tmp) / "real", args.real_clips)
        syn = load_synthetic(args.synthetic)[: args.clips] if args.synthetic else []
        if not args.skip_runtimes:
            probe = ClipSource(Path(tmp) / "probe", synthetic_crops="boxes" if syn else "mtcnn", device="cpu")
            crops = np.concatenate([np.asarray(probe.crops(r)) for r in (syn or real)[:2]])
            crops = np.resize(crops, (64, *crops.shape[1:]))
            crops[:, 0, 0, 0] = np.arange(64)  # 64 distinct crops: no duplicate is skipped
            runtime_rows(model, name, crops, args.threads)

        def source(box: str, runtime: str, threads: int):
            from perception.features import EmbeddingExtractor

            def make(cache):
                torch.set_num_threads(threads)
                s = ClipSource(cache, synthetic_crops=box, device="cpu", facenet_runtime=runtime, embed_threads=threads)
                s._extractor = EmbeddingExtractor(model, name, Path(cache) / "embeddings", 64, "cpu", runtime, threads)
                return s
            return make

        for kind, records, fast_box in (("synthetic", syn, "boxes"), ("real", real, "mtcnn")):
            if not records:
                print(f"{kind} clips: none (see --synthetic / HRISIM_SHARED)")
                continue
            n = len(load_frames(records[0].path))
            print(f"{kind} clips ({len(records)} of {n} frames), decode + crop + FaceNet, fresh caches:")
            base = pipeline_row("paper protocol: MTCNN, torch, 2 threads, one clip at a time", records, source("mtcnn", "torch", 2), False)
            fast = pipeline_row(f"fast: {'ground-truth boxes' if fast_box == 'boxes' else 'MTCNN'}, auto runtime, "
                                f"{args.threads} threads, prefetch", records, source(fast_box, "auto", args.threads), True)
            print(f"  speed-up in clips per CPU-second: {fast / base:.1f}x")


if __name__ == "__main__":
    main()
