"""Dataset generation throughput: frames/s and clips/min with 1 and 2 workers, peak memory,
where the time of one group goes, and the projected wall time of ``--preset paper``.

    python benchmarks/generate.py [--groups 6] [--size 160] [--workers 1 2]

A "group" is one human playing one signal seen from the paper's 9 viewpoints (9 clips of 25
frames); the paper preset is 504 groups (24 humans × 21 signals).
"""
from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

PAPER_GROUPS = 24 * 21
PAPER_FRAMES = PAPER_GROUPS * 9 * 25


def breakdown(size: int, n: int = 3) -> dict[str, float]:
    """Seconds per group spent in each stage, measured in this process."""
    from animations.library import paper_signals
    from animations.rigs import get_rig
    from humans.appearance import appearance_for
    from humans.mesh import HumanBody
    from humans.suites import balanced24
    from sim_env.render.camera import RobotCamera
    from sim_env.render.clip import project_labels, render_views
    from sim_env.render.actor import HumanActor
    from sim_env.render.lighting import lighting_preset
    from sim_env.render.media import write_mp4
    from sim_env.render.renderer import Renderer, add_lights
    from sim_env.render.viewpoints import paper9

    import pyrender

    humans, signals = balanced24(), list(paper_signals().values())
    renderer = Renderer(size, size)
    stages = dict.fromkeys(("mesh (anny, 25 frames)", "scene set-up", "render 225 views", "labels", "encode 9 MP4"), 0.0)
    tmp = Path(tempfile.mkdtemp())
    for i in range(n):
        human, signal = humans[i], signals[i]
        t0 = time.perf_counter()
        body = HumanBody.from_spec(human)
        keys, values = signal.sample(25)
        rig = get_rig("arkit").apply(list(keys), values)
        frames = body.frames(rig.facial_actions, rig.head_yaw_pitch_roll_deg)
        t1 = time.perf_counter()
        cams = [RobotCamera.around_face(body.face_centre, vp.horizontal_deg, vp.vertical_deg, vp.distance,
                                        width=size, height=size) for vp in paper9()]
        scene = pyrender.Scene()
        actor = HumanActor(body, appearance_for(human))
        actor.add_to(scene, renderer)
        add_lights(scene, lighting_preset("studio"), body.face_centre)
        t2 = time.perf_counter()
        images = render_views(renderer, scene, actor, frames, cams, rig.eye_yaw_pitch_deg)
        t3 = time.perf_counter()
        project_labels(frames, cams)
        t4 = time.perf_counter()
        for v in range(len(cams)):
            write_mp4(tmp / f"{v}.mp4", images[v])
        t5 = time.perf_counter()
        for mesh in actor.meshes.values():
            renderer.dynamic_meshes.remove(mesh)
        if i == 0:
            continue  # warm-up (first GL uploads, caches)
        for key, dt in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            stages[key] += dt / (n - 1)
    renderer.close()
    shutil.rmtree(tmp)
    return stages


def run(workers: int, groups: int, size: int) -> dict:
    """Render ``groups`` groups with ``workers`` processes; rates with and without worker start-up."""
    from sim_env.dataset.plan import GenerateConfig, make_plan, select_groups
    from sim_env.render.options import parse_background
    from sim_env.dataset.workers import run_groups

    out = Path(tempfile.mkdtemp()) / "bench"
    for sub in ("clips", "labels"):
        (out / sub).mkdir(parents=True)
    config = GenerateConfig(out=str(out), animations="paper", frames=25, size=size, workers=workers, limit=groups * 9)
    todo = select_groups(make_plan(config))
    start = time.perf_counter()
    done = []  # (time, clips) as groups finish
    for _, rows, _ in run_groups(str(out), config, todo, parse_background(config.background)):
        done.append((time.perf_counter(), len(rows)))
    wall = done[-1][0] - start
    shutil.rmtree(out.parent)
    clips = sum(n for _, n in done)
    # Steady state: from the moment every worker has delivered its first group to the end.
    first = min(workers, len(done) - 1)
    steady_clips = sum(n for _, n in done[first:])
    steady_s = done[-1][0] - done[first - 1][0] if first else wall
    return {"workers": workers, "clips": clips, "wall_s": wall, "frames_per_s": clips * 25 / wall,
            "clips_per_min": 60 * clips / wall, "steady_frames_per_s": steady_clips * 25 / steady_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=6, help="groups (9 clips each) per run")
    parser.add_argument("--size", type=int, default=160)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    print(f"== where one group's time goes ({args.size} px, 9 views x 25 frames, one process)")
    stages = breakdown(args.size)
    total = sum(stages.values())
    for name, dt in stages.items():
        print(f"  {name:24s} {1000 * dt:8.1f} ms  {100 * dt / total:5.1f} %")
    print(f"  {'total':24s} {1000 * total:8.1f} ms  -> {225 / total:.1f} frames/s in one process")

    print(f"== dataset generation, {args.groups} groups ({args.groups * 9} clips) per run")
    best = None
    for w in args.workers:
        r = run(w, args.groups, args.size)
        print(f"  workers={w}: {r['clips']} clips in {r['wall_s']:.1f} s = {r['frames_per_s']:.1f} frames/s, "
              f"{r['clips_per_min']:.1f} clips/min with start-up; steady state {r['steady_frames_per_s']:.1f} frames/s")
        best = r if best is None or r["steady_frames_per_s"] > best["steady_frames_per_s"] else best
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    print(f"  peak memory: main process {peak_self:.2f} GiB, largest worker {peak_child:.2f} GiB")
    projected = PAPER_FRAMES / best["steady_frames_per_s"]
    print(f"== projected --preset paper ({PAPER_FRAMES} frames, 4536 clips) with workers={best['workers']}: "
          f"{projected / 60:.1f} min")


if __name__ == "__main__":
    main()
