"""Cost of the FACS-faithful face per frame: hrisim's sparse targets (folds), the wrinkle maps and
the mouth shading.

Plays a disgust signal (AU4, 9, 10, 15, 20: most targets at once) on one person, 25 frames, and
times per frame: the rig, the mesh (anny forward + offsets turned with the head), the actor's
prepare (normals, wrinkle maps) and the draw at 160 px, with the arkit rig's targets off (the units
alone), on, and on with their per-pixel creases (``sim_env.render.wrinkles``: normal and occlusion
maps, one texture upload a frame). The mouth shading is baked into vertex colours once per actor
(timed apart, per actor).

Run: python benchmarks/face_detail.py   (prints figures; not a test)
"""
from __future__ import annotations

import time


def _per_frame(fn, reps: int, frames: int) -> float:
    fn()  # warm up
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) / (reps * frames) * 1000


def main() -> None:
    import pyrender

    from animations.library import get_signal
    from animations.rigs.arkit import ArkitRig
    from humans.appearance import appearance_for
    from humans.suites import balanced24
    from sim_env.render import face_detail
    from sim_env.render.actor import HumanActor
    from sim_env.render.camera import RobotCamera
    from sim_env.render.lighting import lighting_preset
    from sim_env.render.performance import body_for
    from sim_env.render.renderer import Renderer, add_lights

    human = balanced24()[0]
    body = body_for(human)
    keys, values = get_signal("disgust_five_changes").sample(25)
    t0 = time.perf_counter()
    face_detail.mouth_occlusion()
    print(f"mouth occlusion factors (once per process): {(time.perf_counter() - t0) * 1000:.0f} ms")
    size, reps = 160, 3
    totals = {}
    with Renderer(size, size) as renderer:
        for label, rig, maps in (("units only", ArkitRig(targets=False), False),
                                 ("units + hrisim targets", ArkitRig(), False),
                                 ("targets + wrinkle maps", ArkitRig(), True)):
            rig_ms = _per_frame(lambda: rig.apply(keys, values), reps, 25)
            r = rig.apply(keys, values)

            def pose():
                return body.frames(r.facial_actions, r.head_yaw_pitch_roll_deg,
                                   morph_offsets_hm08=r.morph_offsets_hm08, head_forward_m=r.head_forward_m)

            mesh_ms = _per_frame(pose, reps, 25)
            frames = pose()
            scene = pyrender.Scene()
            actor = HumanActor(body, appearance_for(human), wrinkles=maps)
            actor.add_to(scene, renderer)
            add_lights(scene, lighting_preset("studio"), body.face_centre)
            cam = RobotCamera.around_face(body.face_centre, 0, 0, 0.6, width=size, height=size, yfov_deg=25)
            prep_ms = _per_frame(lambda: actor.prepare(frames, r.eye_yaw_pitch_deg, au_intensities=r.au_intensities,
                                                       fold_weights=r.fold_weights), reps, 25)

            def draw():
                for i in range(25):
                    actor.show(scene, i)
                    renderer.render(scene, cam)

            draw_ms = _per_frame(draw, reps, 25)
            actor.remove_from(renderer)
            total = rig_ms + mesh_ms + prep_ms + draw_ms
            totals[label] = total
            print(f"{label:24s} rig {rig_ms:6.2f}  mesh {mesh_ms:6.2f}  prepare {prep_ms:6.2f}  "
                  f"draw {draw_ms:6.2f}  total {total:6.2f} ms/frame ({size} px)")
    base, full, maps = (totals[k] for k in ("units only", "units + hrisim targets", "targets + wrinkle maps"))
    print(f"cost of the targets: {100 * (full - base) / base:+.1f} % per frame")
    print(f"cost of the wrinkle maps: {100 * (maps - full) / full:+.1f} % per frame (goal <= 15 %)")


if __name__ == "__main__":
    main()
