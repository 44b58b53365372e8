"""Dataset generation throughput: frames/s and clips/min with 1 and 2 workers, peak memory,
where the time of one group goes, the projected wall time of ``--preset paper``, and the local
backend beside ``--backend ray`` on the same plan (a local Ray of as many CPUs as workers), with
the check that both wrote the same bytes.

    python benchmarks/generate.py [--groups 6] [--size 160] [--workers 1 2] [--ray-only]

A "group" is one human playing one signal seen from the paper's 9 viewpoints (9 clips of 25
frames); the paper preset is 504 groups (24 humans × 21 signals).
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import resource
import shutil
import tempfile
import time
from pathlib import Path

PAPER_GROUPS = 24 * 21
PAPER_FRAMES = PAPER_GROUPS * 9 * 25


def breakdown(size: int, n: int = 3) -> dict[str, float]:
    """Seconds per group spent in each stage, measured in this process (the first group is a warm-up;
    ``benchmarks/render.py`` splits rendering into mesh and draws)."""
    from animations.library import paper_signals
    from humans.suites import balanced24
    from sim_env.render.clip import render_clip
    from sim_env.render.media import write_mp4
    from sim_env.render.options import RenderOptions
    from sim_env.render.renderer import Renderer
    from sim_env.render.viewpoints import paper9

    humans, signals = balanced24(), list(paper_signals().values())
    renderer = Renderer(size, size)
    options = RenderOptions.make(size=size)
    stages = dict.fromkeys(("render 9 views x 25 frames", "encode 9 MP4"), 0.0)
    tmp = Path(tempfile.mkdtemp())
    for i in range(n):
        t0 = time.perf_counter()
        clip = render_clip(humans[i], signals[i], paper9(), 25, options, renderer=renderer)
        t1 = time.perf_counter()
        for v, frames in enumerate(clip.frames):
            write_mp4(tmp / f"{v}.mp4", frames)
        t2 = time.perf_counter()
        if i:
            for key, dt in zip(stages, (t1 - t0, t2 - t1)):
                stages[key] += dt / (n - 1)
    renderer.close()
    shutil.rmtree(tmp)
    return stages


def run(workers: int, groups: int, size: int, backend: str = "local") -> dict:
    """Render ``groups`` groups with ``workers`` processes (or Ray CPUs); rates with and without worker
    start-up, and the sha256 of every file written."""
    from sim_env.dataset.plan import GenerateConfig, make_plan, select_groups
    from sim_env.render.options import parse_background
    from sim_env.dataset.workers import run_groups

    out = Path(tempfile.mkdtemp()) / "bench"
    for sub in ("clips", "labels"):
        (out / sub).mkdir(parents=True)
    config = GenerateConfig(out=str(out), animations="paper", frames=25, size=size, workers=workers, limit=groups * 9,
                            backend=backend)
    todo = select_groups(make_plan(config))
    start = time.perf_counter()
    done = []  # (time, clips) as groups finish
    for _, rows, _ in run_groups(str(out), config, todo, parse_background(config.background)):
        done.append((time.perf_counter(), len(rows)))
    wall = done[-1][0] - start
    files = [p for p in sorted(out.rglob("*")) if p.is_file()]
    digests = {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    group_kb = sum(p.stat().st_size for p in files) / 1024 / len(done)
    shutil.rmtree(out.parent)
    clips = sum(n for _, n in done)
    # Steady state: from the moment every worker has delivered its first group to the end.
    first = min(workers, len(done) - 1)
    steady_clips = sum(n for _, n in done[first:])
    steady_s = done[-1][0] - done[first - 1][0] if first else wall
    return {"workers": workers, "clips": clips, "wall_s": wall, "frames_per_s": clips * 25 / wall,
            "clips_per_min": 60 * clips / wall, "steady_frames_per_s": steady_clips * 25 / steady_s, "digests": digests,
            "group_kb": group_kb}


def _line(name: str, r: dict) -> str:
    return (f"  {name}: {r['clips']} clips in {r['wall_s']:.1f} s = {r['frames_per_s']:.1f} frames/s, "
            f"{r['clips_per_min']:.1f} clips/min with start-up; steady state {r['steady_frames_per_s']:.1f} frames/s")


def local_vs_ray(workers: int, groups: int, size: int, local: dict | None = None) -> None:
    """The same plan on the local backend and on a local Ray of ``workers`` CPUs, side by side."""
    from sim_env.ray_session import ray_session

    print(f"== local backend vs --backend ray, the same {groups} groups, {workers} workers / Ray CPUs")
    local = local or run(workers, groups, size)
    start = time.perf_counter()
    with ray_session(None, workers, log=lambda s: None):
        ray_start = time.perf_counter() - start
        ray = run(workers, groups, size, backend="ray")
    print(_line(f"local workers={workers}", local))
    print(_line(f"ray   cpus={workers}   ", ray) + f" (+ {ray_start:.1f} s to start the local Ray)")
    same = local["digests"] == ray["digests"]
    print(f"  sent back per group through the object store: {ray['group_kb']:.0f} kB")
    print(f"  byte-identical: {'yes' if same else 'NO'} ({len(ray['digests'])} files: clips, labels)"
          + ("" if same else f"; differing: {sorted(k for k in local['digests'] if local['digests'][k] != ray['digests'].get(k))[:5]}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=6, help="groups (9 clips each) per run")
    parser.add_argument("--size", type=int, default=160)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--ray-only", action="store_true", help="only the local vs Ray comparison")
    args = parser.parse_args()
    has_ray = importlib.util.find_spec("ray") is not None
    if args.ray_only:
        if not has_ray:
            parser.error("--ray-only needs Ray: pip install 'hrisim[ray]'")
        local_vs_ray(max(args.workers), args.groups, args.size)
        return

    print(f"== where one group's time goes ({args.size} px, 9 views x 25 frames, one process)")
    stages = breakdown(args.size)
    total = sum(stages.values())
    for name, dt in stages.items():
        print(f"  {name:24s} {1000 * dt:8.1f} ms  {100 * dt / total:5.1f} %")
    print(f"  {'total':24s} {1000 * total:8.1f} ms  -> {225 / total:.1f} frames/s in one process")

    print(f"== dataset generation, {args.groups} groups ({args.groups * 9} clips) per run")
    best, runs = None, {}
    for w in args.workers:
        r = runs[w] = run(w, args.groups, args.size)
        print(_line(f"workers={w}", r))
        best = r if best is None or r["steady_frames_per_s"] > best["steady_frames_per_s"] else best
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    print(f"  peak memory: main process {peak_self:.2f} GiB, largest worker {peak_child:.2f} GiB")
    projected = PAPER_FRAMES / best["steady_frames_per_s"]
    print(f"== projected --preset paper ({PAPER_FRAMES} frames, 4536 clips) with workers={best['workers']}: "
          f"{projected / 60:.1f} min")
    if has_ray:
        local_vs_ray(max(args.workers), args.groups, args.size, runs[max(args.workers)])
    else:
        print("== local vs Ray: skipped (Ray is not installed: pip install 'hrisim[ray]')")


if __name__ == "__main__":
    main()
