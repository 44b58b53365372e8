"""Per-Monk-tone face luminance and contrast, neutral and frontal, and the darkest/lightest ratios.

Run: python benchmarks/skin_tone.py [--suite balanced24] [--size 160] [--exposure face|fixed]
     [--tone aces|clip] [--white-balance preset|none]
(prints the table of ``hrisim humans report``; ``--compare-legacy`` adds the old pipeline's table:
fixed exposure, no white balance, clipped gamma 2.2; ``--mtcnn`` also renders every person neutral at
the paper's 9 viewpoints and prints MTCNN's detection rate per Monk tone, through
``perception.face_crop.FaceCropper``: a face counts as found when one detection overlaps the
ground-truth box with IoU >= 0.5 and there is no other; recall, the share of views where the box the
crop pipeline keeps (``track_boxes``: the largest detection) is the face, and false positives are
printed beside it, and each view not found). ``--suite random:96`` gives 18-171 views per tone.
"""
from __future__ import annotations

import argparse
import time


def main(argv=None) -> None:
    from humans.suites import load_suite
    from sim_env.render.skin_report import format_report, measure

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", default="balanced24")
    ap.add_argument("--size", type=int, default=160)
    ap.add_argument("--exposure", default=None)
    ap.add_argument("--tone", default=None)
    ap.add_argument("--white-balance", default=None)
    ap.add_argument("--compare-legacy", action="store_true")
    ap.add_argument("--mtcnn", action="store_true", help="also MTCNN's detection rate per tone over paper9")
    args = ap.parse_args(argv)
    people = load_suite(args.suite)
    settings = {k: v for k, v in (("exposure", args.exposure), ("tone", args.tone),
                                  ("white_balance", args.white_balance)) if v is not None}
    runs = [("this camera: " + (", ".join(f"{k}={v}" for k, v in settings.items()) or "defaults"), settings)]
    if args.compare_legacy:
        runs.append(("legacy: exposure=fixed, tone=clip, white_balance=none",
                     {"exposure": "fixed", "tone": "clip", "white_balance": "none"}))
    for title, s in runs:
        t0 = time.perf_counter()
        rows = measure(people, size=args.size, **s)
        print(format_report(rows, f"{args.suite}, {args.size} px, neutral frontal, {title}"))
        print(f"({len(rows)} portraits in {time.perf_counter() - t0:.1f} s)\n")
        if args.mtcnn:
            detection_by_tone(people, args.size, s, title)


def _iou(a, b) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def detection_by_tone(people, size: int, settings: dict, title: str) -> dict:
    """MTCNN detection rate per Monk tone, neutral, over the paper's 9 viewpoints."""
    import numpy as np
    import torch

    from perception.face_crop import FaceCropper, track_boxes
    from sim_env.render.clip import render_clip
    from sim_env.render.renderer import Renderer
    from sim_env.render.viewpoints import paper9

    torch.manual_seed(0)
    cropper = FaceCropper()
    found: dict[int, list[bool]] = {}  # exactly one detection, on the face (the headline rule)
    hit: dict[int, list[bool]] = {}  # some detection on the face (recall)
    picked: dict[int, list[bool]] = {}  # the box the crop pipeline keeps (its tracker's first pick) is the face
    extra: dict[int, int] = {}  # detections elsewhere (false positives)
    misses = []
    t0 = time.perf_counter()
    with Renderer(size, size) as renderer:
        for spec in people:
            views = paper9()
            clip = render_clip(spec, None, views, n_frames=1, size=size, renderer=renderer, **settings)
            detections = cropper.detect(clip.frames[:, 0])
            tone = int(spec.effective_skin_tone)
            for v, det in enumerate(detections):
                truth = clip.labels.face_boxes[v, 0]
                on_face = [_iou(box, truth) >= 0.5 for box in ([] if det is None else det)]
                ok = len(on_face) == 1 and on_face[0]
                found.setdefault(tone, []).append(ok)
                hit.setdefault(tone, []).append(any(on_face))
                kept = track_boxes([det])[0][0]
                picked.setdefault(tone, []).append(bool(np.isfinite(kept).all() and _iou(kept, truth) >= 0.5))
                extra[tone] = extra.get(tone, 0) + on_face.count(False)
                if not ok:
                    why = f"{on_face.count(False)} detection(s) off the face" if any(on_face) else "face not found"
                    misses.append(f"{spec.id} (MST {tone}) {views[v].name}: {why}")
    rates = {t: float(np.mean(v)) for t, v in sorted(found.items())}
    print(f"MTCNN detection per Monk tone ({title}; neutral, paper9, {size} px): one detection on the face"
          " (IoU >= 0.5, nothing elsewhere); recall (some detection on the face); false positives")
    for t, r in rates.items():
        print(f"  MST {t:>2}: {100 * r:5.1f} % of {len(found[t])}   recall {100 * np.mean(hit[t]):5.1f} %"
              f"   pipeline's box on the face {100 * np.mean(picked[t]):5.1f} %   false positives {extra[t]}")
    spread = 100 * (max(rates.values()) - min(rates.values()))
    recall = {t: float(np.mean(v)) for t, v in hit.items()}
    kept = {t: float(np.mean(v)) for t, v in picked.items()}
    print(f"  spread {spread:.1f} points (goal <= 2), recall spread "
          f"{100 * (max(recall.values()) - min(recall.values())):.1f}, pipeline's box spread "
          f"{100 * (max(kept.values()) - min(kept.values())):.1f}; overall {100 * np.mean(sum(found.values(), [])):.1f} %"
          f" ({time.perf_counter() - t0:.0f} s)")
    for line in misses:
        print(f"  not found once: {line}")
    print()
    return rates


if __name__ == "__main__":
    main()
