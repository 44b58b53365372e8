"""``hrisim humans report SUITE``: face luminance and contrast per Monk Skin Tone, and the camera
options shared by the commands that render (``add_camera_arguments``)."""
from __future__ import annotations


def add_camera_arguments(parser, exposure_default: str = "face") -> None:
    """The camera-model options (see ``sim_env.render.camera_model``) on a rendering command."""
    parser.add_argument("--exposure", default=exposure_default, choices=["face", "fixed"],
                        help="face: face-priority auto-exposure locked per clip (default) | fixed: the scene as lit")
    parser.add_argument("--tone", default="aces", choices=["aces", "clip"],
                        help="aces: filmic tone curve (default) | clip: the old hard clip with gamma 2.2")
    parser.add_argument("--white-balance", default="preset", choices=["preset", "none"],
                        help="preset: balance for the lighting's illuminant (default) | none")
    parser.add_argument("--camera-jitter", default="none",
                        help="seeded per-clip exposure bias, white-balance error and sensor noise: "
                             "none (default) | default (0.33 EV, 4%%, noise 1) | EV,WB,NOISE")


def camera_options(args) -> dict:
    """``RenderOptions`` fields from parsed camera arguments."""
    return {"exposure": args.exposure, "tone": args.tone, "white_balance": args.white_balance,
            "camera_jitter": args.camera_jitter}


def _cmd_humans_report(args) -> int:
    from humans.suites import load_suite
    from sim_env.render.skin_report import format_report, measure

    rows = measure(load_suite(args.suite), size=args.size, **camera_options(args))
    settings = ", ".join(f"{k}={v}" for k, v in camera_options(args).items())
    print(format_report(rows, f"{args.suite}: neutral, frontal, {args.size} px, {settings}"))
    if args.per_person:
        print("\nperson  group  MST  luminance  contrast")
        for r in rows:
            print(f"{r.human_id}  {r.group}  {r.tone}  {r.luminance:.1f}  {r.contrast:.1f}")
    return 0


def register(sub, groups) -> None:
    report = groups["humans"].add_parser(
        "report", help="face luminance and contrast per Monk Skin Tone (neutral, frontal): does the picture treat every tone alike?")
    report.add_argument("suite", nargs="?", default="balanced24", help="balanced24 | random:N[:SEED] | suite file | .mhm folder")
    report.add_argument("--size", type=int, default=160)
    report.add_argument("--per-person", action="store_true", help="also list every person's figures")
    add_camera_arguments(report)
    report.set_defaults(func=_cmd_humans_report)
