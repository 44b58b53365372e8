"""``hrisim predict``: per-window expression probabilities for a video, as a table, or with ``--out`` as
files people and programs read (CSV, JSON, an overlay MP4, a timeline plot). Imports nothing heavy at
module level."""
from __future__ import annotations

import json
import sys
from pathlib import Path


def format_table(rows, classes) -> str:
    """Fixed-width table: start time, one column per class, and the most likely class (rows whose
    probabilities are None, windows without a face, show dashes and no label)."""
    head = f"{'start_s':>8}  " + "  ".join(f"{c:>10}" for c in classes) + "  predicted"
    lines = [head, "-" * len(head)]
    for start, probs in rows:
        if probs is None:
            lines.append(f"{start:8.2f}  " + "  ".join(f"{'-':>10}" for _ in classes) + "  (no face)")
            continue
        best = max(probs, key=probs.get)
        lines.append(f"{start:8.2f}  " + "  ".join(f"{probs[c]:10.3f}" for c in classes) + f"  {best}")
    return "\n".join(lines)


def window_rows(prediction) -> list[dict]:
    """predictions.csv rows: one per window; probabilities empty and ``predicted`` empty without a face."""
    rows = []
    for i, w in enumerate(prediction.windows):
        probs = w.probabilities or {}
        rows.append({"window": i, "start_frame": w.start_frame, "n_frames": w.n_frames,
                     "start_s": round(w.start_s, 4), "end_s": round(w.end_s, 4),
                     "face_frames": "" if w.face_frames is None else w.face_frames,
                     "face_found": "" if w.face_frames is None else int(w.face_frames > 0),
                     **{f"p_{c}": "" if c not in probs else round(probs[c], 6) for c in prediction.classes},
                     "predicted": w.label or ""})
    return rows


def summary(prediction, rec, checkpoint) -> dict:
    """predictions.json without the windows: the video, the model and the counts."""
    return {"video": str(prediction.video), "checkpoint": str(checkpoint), "checkpoints": rec.config.get("checkpoints"),
            "architecture": rec.architecture, "classes": list(rec.classes),
            "facenet_weights": rec.config.get("facenet_weights"), "fps": prediction.fps,
            "window": prediction.window, "stride": prediction.stride, "counts": prediction.counts()}


def write_outputs(out: Path, prediction, rec, checkpoint) -> dict[str, Path]:
    """predictions.csv and predictions.json (atomically) and timeline.png in ``out``."""
    import csv
    import io

    from hrisim.io import atomic_write_text
    from perception.overlay import plot_timeline

    out.mkdir(parents=True, exist_ok=True)
    rows = window_rows(prediction)
    buf = io.StringIO()
    fields = ["window", "start_frame", "n_frames", "start_s", "end_s", "face_frames", "face_found",
              *[f"p_{c}" for c in prediction.classes], "predicted"]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(out / "predictions.csv", buf.getvalue())
    windows = [{"start_frame": w.start_frame, "n_frames": w.n_frames, "start_s": w.start_s, "end_s": w.end_s,
                "face_frames": w.face_frames, "face_found": None if w.face_frames is None else w.face_frames > 0,
                "probabilities": w.probabilities, "predicted": w.label} for w in prediction.windows]
    doc = {**summary(prediction, rec, checkpoint), "windows": windows}
    atomic_write_text(out / "predictions.json", json.dumps(doc, indent=1) + "\n")
    return {"csv": out / "predictions.csv", "json": out / "predictions.json",
            "timeline": plot_timeline(prediction, out / "timeline.png")}


def _cmd_predict(args) -> int:
    from perception.recognizer import ExpressionRecognizer

    rec = ExpressionRecognizer.load(args.checkpoint, device=args.device)
    if args.baseline is not None:
        if not rec.person_norm:
            print(f"hrisim predict: --baseline: {args.checkpoint} was not trained with model.person_norm "
                  "(it reads raw embeddings); leave --baseline out", file=sys.stderr)
            return 2
        rec.set_baseline(args.baseline)
    window = args.window or rec.seq_len
    progress = not args.no_progress
    out = Path(args.out) if args.out else None
    overlay = on_frame = None
    if out is not None and not args.no_overlay:
        from perception.overlay import OverlayDrawer
        from perception.video import Mp4Writer, video_info

        drawer = OverlayDrawer(rec.classes)
        fps = video_info(args.video).fps
        overlay = Mp4Writer(out / "overlay.mp4", fps)
        on_frame = lambda i, frame, box, found, w: overlay.write(drawer.draw(frame, i / fps, box, found, w))  # noqa: E731
    try:
        prediction = rec.analyse_video(args.video, window=window, stride=args.stride, max_frames=args.max_frames,
                                       progress=progress, on_frame=on_frame)
    except BaseException:
        if overlay is not None:
            overlay.close(ok=False)
        raise
    if overlay is not None:
        overlay.close()
    weights = rec.config.get("facenet_weights") or "none (3D-CNN, no face prior)"
    models = len(rec.models)
    c = prediction.counts()
    print(f"# {args.video}: {rec.architecture}{f' ({models} fold models averaged)' if models > 1 else ''}, "
          f"FaceNet weights {weights}, window {window}, stride {args.stride}")
    if rec.person_norm:
        source = args.baseline or "the median of this video's own faces"
        print(f"# person-normalised embeddings; baseline: {source}")
    faces = ("no face detection (the model uses whole frames)" if c["frames_with_face"] is None else
             f"{c['frames_with_face']} with a detected face, {c['frames_without_face']} without")
    print(f"# {c['frames']} frames: {faces}; {c['windows']} windows, {c['windows_without_face']} without any face (no label); "
          + ", ".join(f"{k} {v}" for k, v in c["windows_by_label"].items()))
    if out is None:
        print(format_table([(w.start_s, w.probabilities) for w in prediction.windows], rec.classes))
        return 0
    files = write_outputs(out, prediction, rec, args.checkpoint)
    names = [p.name for p in files.values()] + (["overlay.mp4"] if overlay is not None else [])
    print(f"# wrote {', '.join(sorted(names))}")
    print(out.resolve())
    return 0


def register(sub, groups) -> None:
    p = sub.add_parser("predict", help="per-window expression probabilities for a video (table, or files with --out)",
                       description="Slide a window over VIDEO and classify each window. Streams the video, so any "
                       "length runs in bounded memory. Windows in which no frame has a detected face get no label.")
    p.add_argument("video", help="video file (mp4, avi, gif, ...)")
    p.add_argument("--checkpoint", required=True,
                   help="a model folder (config.json + weights) or a run folder of `hrisim train` (its fold models are averaged)")
    p.add_argument("--window", type=int, default=None,
                   help="frames per window (default: the length the model was trained on, 25 for FN+IN25)")
    p.add_argument("--stride", type=int, default=5, help="frames between window starts")
    p.add_argument("--max-frames", type=int, default=None, help="read at most this many frames (default: all)")
    p.add_argument("--out", default=None, help="folder for predictions.csv/.json, overlay.mp4 and timeline.png "
                   "(default: print a table)")
    p.add_argument("--baseline", default=None, metavar="VIDEO",
                   help="for models trained with model.person_norm: a video of the same person (at rest, or a varied "
                   "stretch) whose median face embedding is subtracted (default: this video's own faces)")
    p.add_argument("--no-overlay", action="store_true", help="with --out: skip the overlay video")
    p.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    p.add_argument("--device", default=None, help="torch device (default: CUDA when present, else CPU)")
    p.set_defaults(func=_cmd_predict)
