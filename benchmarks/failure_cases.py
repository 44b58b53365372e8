"""The failure cases measured: how much of the face a raised hand hides per contact and viewpoint.

Run: python benchmarks/failure_cases.py [--people 4] [--sheet docs/images/failure_cases.png]
(prints a table; not a test). The occlusion share is the label the generator writes
(``hand_occlusion``): the share of the face box where the arm is the visible skin, for each of the
paper's 9 viewpoints, averaged over both hands and ``--people`` people of balanced24. ``--sheet``
draws the README's contact sheet: one row per failure case, one column per person.
"""
from __future__ import annotations

import argparse

import numpy as np

SHEET_PEOPLE = (0, 7, 13, 20)  # balanced24 indices: four groups, both genders
SHEET_SIZE = 112


def occlusion_table(n_people: int) -> None:
    from humans.pose import CONTACTS, SIDES
    from humans.suites import balanced24
    from sim_env.render.camera import RobotCamera
    from sim_env.render.failure_cases import BehaviourTrack, HandSpell
    from sim_env.render.performance import Performance
    from sim_env.render.viewpoints import paper9

    people = balanced24()[:: max(1, 24 // n_people)][:n_people]
    views = paper9()
    shares = {c: [] for c in CONTACTS}
    for person in people:
        for contact in CONTACTS:
            for side in SIDES:
                p = Performance(person, None, 1, behaviour=BehaviourTrack(hand=HandSpell(side, contact, np.ones(1, np.float32))))
                cams = [RobotCamera.around_face(p.body.face_centre, v.horizontal_deg, v.vertical_deg, v.distance,
                                                width=160, height=160, yfov_deg=25.0) for v in views]
                # mirror the right hand's views, so columns read "hand side" / "far side"
                occ = p.occlusion(cams)[:, 0]
                if side == "R":
                    occ = occ[[views.index(_mirror(v, views)) for v in views]]
                shares[contact].append(occ)
    print(f"share of the face box the hand hides (left-hand frame of reference; {len(people)} people x 2 hands)")
    print("contact | " + " | ".join(v.name.rsplit("_", 1)[0] for v in views) + " | mean")
    for contact, rows in shares.items():
        m = np.mean(rows, 0)
        print(f"{contact} | " + " | ".join(f"{x:.2f}" for x in m) + f" | {m.mean():.2f}")


def _mirror(view, views):
    return next(v for v in views if v.horizontal_deg == -view.horizontal_deg and v.vertical_deg == view.vertical_deg)


def contact_sheet(path: str) -> None:
    from PIL import Image, ImageDraw

    from animations.library import get_signal
    from humans.suites import balanced24
    from sim_env.render.clip import render_clip
    from sim_env.render.failure_cases import BehaviourTrack, HandSpell, head_motion_deg
    from sim_env.render.renderer import Renderer
    from sim_env.render.viewpoints import paper9

    n = 9
    signal = get_signal("anger_wide_eyes")
    view = next(v for v in paper9() if v.name == "h-20_v+15_d0.6")
    rows = {
        "as recorded": BehaviourTrack(),
        "near-static (apex x0.25)": BehaviourTrack(intensity_scale=0.25),
        "head motion (8 deg)": BehaviourTrack(head_deg=head_motion_deg(np.arange(n) * 0.2, 8.0, 1.0)),
        "talking": BehaviourTrack(jaw=np.full(n, 0.3, np.float32)),
        "hand to cheek": BehaviourTrack(hand=HandSpell("R", "cheek", np.ones(n, np.float32))),
        "hand to mouth": BehaviourTrack(hand=HandSpell("L", "mouth", np.ones(n, np.float32))),
        "hand to chin": BehaviourTrack(hand=HandSpell("R", "chin", np.ones(n, np.float32))),
    }
    people = [balanced24()[i] for i in SHEET_PEOPLE]
    label_w, s = 150, SHEET_SIZE
    sheet = Image.new("RGB", (label_w + s * len(people), s * len(rows)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    renderer = Renderer(s, s)  # one GL context for the whole sheet, as the generator keeps one per worker
    for r, (name, track) in enumerate(rows.items()):
        draw.text((6, r * s + s // 2 - 6), name, fill=(0, 0, 0))
        for c, person in enumerate(people):
            clip = render_clip(person, signal, [view], n, size=s, behaviour=track, renderer=renderer)
            frame = clip.frames[0, n // 2]
            sheet.paste(Image.fromarray(frame), (label_w + c * s, r * s))
            if clip.labels.occlusion is not None:
                draw.text((label_w + c * s + 4, r * s + 4), f"{clip.labels.occlusion[0, n // 2]:.2f}", fill=(255, 255, 0))
    renderer.close()
    sheet.quantize(colors=255, dither=Image.Dither.NONE).save(path, optimize=True)  # small enough for the README
    print(f"wrote {path} ({sheet.size[0]}x{sheet.size[1]}; yellow: the hand_occlusion label)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=4)
    parser.add_argument("--sheet", help="also write the failure-case contact sheet PNG here")
    args = parser.parse_args()
    occlusion_table(args.people)
    if args.sheet:
        contact_sheet(args.sheet)


if __name__ == "__main__":
    main()
