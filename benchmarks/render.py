"""Render benchmark: mesh build ms/frame, render ms/frame at 160 and 256 px, clip frames/s.

Run: python benchmarks/render.py   (prints figures; not a test). Compare the CPU ms/frame figure
between trees on a shared machine; frames/s is wall clock.
"""
from __future__ import annotations

import os
import resource
import time


def main() -> None:
    import pyrender

    from animations.library import signals_for
    from animations.rigs import get_rig
    from humans.appearance import appearance_for
    from humans.mesh import HumanBody
    from humans.suites import balanced24
    from sim_env.render.camera import RobotCamera
    from sim_env.render.clip import render_clip
    from sim_env.render.actor import HumanActor
    from sim_env.render.lighting import lighting_preset
    from sim_env.render.renderer import Renderer, add_lights
    from sim_env.render.viewpoints import paper9

    human = balanced24()[0]
    signal = next(iter(signals_for("confusion").values()))
    t0 = time.perf_counter()
    body = HumanBody.from_spec(human)
    print(f"model load + person build: {time.perf_counter() - t0:.2f} s")
    keys, values = signal.sample(25)
    rig = get_rig("arkit").apply(keys, values)
    body.frames(rig.facial_actions, rig.head_yaw_pitch_roll_deg)  # warm up
    reps = 5
    t0 = time.perf_counter()
    for _ in range(reps):
        frames = body.frames(rig.facial_actions, rig.head_yaw_pitch_roll_deg)
    mesh_ms = (time.perf_counter() - t0) / (reps * 25) * 1000
    print(f"mesh build (anny, 25 frames batched): {mesh_ms:.2f} ms/frame")

    for size in (160, 256):
        with Renderer(size, size) as renderer:
            scene = pyrender.Scene()
            actor = HumanActor(body, appearance_for(human))
            actor.add_to(scene, renderer)
            add_lights(scene, lighting_preset("studio"), body.face_centre)
            cam = RobotCamera.around_face(body.face_centre, 20, 15, 0.6, width=size, height=size, yfov_deg=25)
            t0 = time.perf_counter()
            actor.prepare(frames, rig.eye_yaw_pitch_deg)
            prep_ms = (time.perf_counter() - t0) / 25 * 1000
            renderer.render(scene, cam)
            t0 = time.perf_counter()
            for i in range(25):
                actor.show(scene, i)
                renderer.render(scene, cam)
            draw_ms = (time.perf_counter() - t0) / 25 * 1000
            t0 = time.perf_counter()
            for _ in range(25):
                renderer.render(scene, cam)
            view_ms = (time.perf_counter() - t0) / 25 * 1000
            print(f"{size} px: normals+prep {prep_ms:.2f} ms/frame, upload+render {draw_ms:.2f} ms/frame, "
                  f"render only (same frame, new view) {view_ms:.2f} ms/view")

    with Renderer(160, 160) as renderer:
        render_clip(human, signal, paper9()[:1], n_frames=2, size=160, renderer=renderer)
        t0, c0 = time.perf_counter(), time.process_time()
        clip = render_clip(human, signal, paper9(), n_frames=25, size=160, renderer=renderer)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    n = clip.frames.shape[0] * clip.frames.shape[1]
    print(f"clip: 25 frames x 9 views at 160 px = {n} frames in {dt:.2f} s -> {n / dt:.1f} frames/s (one core); "
          f"{cpu / n * 1000:.1f} CPU ms/frame (all threads: comparable on a shared machine)")
    print(f"load average: {os.getloadavg()[0]:.1f}")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
