"""``hrisim predict``: per-window expression probabilities for a video. Imports nothing heavy at module level."""
from __future__ import annotations


def format_table(rows, classes) -> str:
    """Fixed-width table: start time, one column per class, and the most likely class."""
    head = f"{'start_s':>8}  " + "  ".join(f"{c:>10}" for c in classes) + "  predicted"
    lines = [head, "-" * len(head)]
    for start, probs in rows:
        best = max(probs, key=probs.get)
        lines.append(f"{start:8.2f}  " + "  ".join(f"{probs[c]:10.3f}" for c in classes) + f"  {best}")
    return "\n".join(lines)


def _cmd_predict(args) -> int:
    from perception.recognizer import ExpressionRecognizer

    rec = ExpressionRecognizer.load(args.checkpoint, device=args.device)
    window = args.window or rec.seq_len
    rows = rec.predict_video(args.video, window=window, stride=args.stride, max_frames=args.max_frames)
    weights = rec.config.get("facenet_weights") or "none (3D-CNN, no face prior)"
    print(f"# {args.video}: {rec.architecture}, FaceNet weights {weights}, window {window}, stride {args.stride}")
    if rec.last_n_missing is not None:
        print(f"# frames without a detected face: {rec.last_n_missing} (boxes interpolated/held; centre crop if none)")
    print(format_table(rows, rec.classes))
    return 0


def register(sub, groups) -> None:
    p = sub.add_parser("predict", help="print per-window expression probabilities for a video")
    p.add_argument("video", help="video file (mp4, avi, gif, ...)")
    p.add_argument("--checkpoint", required=True, help="checkpoint folder (config.json + weights)")
    p.add_argument("--window", type=int, default=None,
                   help="frames per window (default: the length the model was trained on, 25 for FN+IN25)")
    p.add_argument("--stride", type=int, default=5, help="frames between window starts (default 5)")
    p.add_argument("--max-frames", type=int, default=None, help="read at most this many frames")
    p.add_argument("--device", default=None, help="torch device (default: CUDA when present, else CPU)")
    p.set_defaults(func=_cmd_predict)
