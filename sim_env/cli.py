"""The ``hrisim`` command line."""
from __future__ import annotations

import argparse
import copy
import importlib
import sys
from pathlib import Path

from hrisim.errors import UsageError

from sim_env.render.camera_cli import add_camera_arguments, camera_options

# Modules that add their own commands are the ``hrisim.commands`` entry points (setup.cfg): each
# has ``register(sub, groups)`` where ``sub`` is the top-level subparsers object and ``groups`` maps
# "humans"/"animations" to their subparsers. They import nothing heavy at module level, so
# ``hrisim --help`` stays instant.
COMMAND_GROUP = "hrisim.commands"


def command_modules() -> list[str]:
    """The modules registered under ``hrisim.commands``, in a stable order."""
    from importlib.metadata import entry_points

    found = sorted(entry_points(group=COMMAND_GROUP), key=lambda ep: ep.name)
    if not found:
        raise SystemExit("hrisim: no command modules are registered; install the package "
                         "(pip install -e .) so its entry points exist")
    return [ep.value for ep in found]


def _has_default(action) -> bool:
    """An option's default worth showing (0 is one; None, a store_true's False and SUPPRESS are not)."""
    return not (action.default is None or action.default is False or action.default == argparse.SUPPRESS)


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every option's default in ``--help``, unless its help already states it or there is none."""

    def _format_action(self, action):
        if not action.help and action.option_strings and _has_default(action):
            action = copy.copy(action)  # argparse prints nothing for an option without help: show its default
            action.help = "(default: %(default)s)"
        return super()._format_action(action)

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" in text.lower() or not _has_default(action) or (
                not action.option_strings and action.nargs not in ("?", "*")):
            return text
        return f"{text} (default: %(default)s)".strip()


class Parser(argparse.ArgumentParser):
    """hrisim's parser class: subcommand parsers of every command module inherit the help formatter."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def did_you_mean(what: str, value: str, known) -> str:
    """``no <what> 'x'; did you mean 'y'? (have: ...)`` for an unknown id."""
    import difflib

    known = sorted(known)
    close = difflib.get_close_matches(value, known, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    listed = ", ".join(known[:12]) + (f", ... ({len(known)} in all)" if len(known) > 12 else "")
    return f"no {what} {value!r}{hint} (have: {listed})"


def _cmd_demo(args) -> int:
    from sim_env.demo import run_demo

    out = run_demo(args.out, size=args.size, n_frames=args.frames, human_id=args.human, signal_id=args.signal)
    print(out.resolve())
    return 0


def _cmd_humans_audit(args) -> int:
    from humans.audit import run_audit

    return run_audit(args.directory, sys.stdout)


def _cmd_humans_list(args) -> int:
    from humans.suites import load_suite

    for h in load_suite(args.suite):
        print(f"{h.id:24s} {h.group:10s} {h.sex:6s} {h.age_years:5.1f} y  MST {h.effective_skin_tone}")
    return 0


def _cmd_animations_list(args) -> int:
    from animations.library import named_signals

    for sid, sig in named_signals().items():
        print(f"{sid:40s} {sig.emotion:10s} {sig.description}")
    return 0


def _cmd_render(args) -> int:
    from animations.formats import load_timeline
    from animations.library import named_signals
    from humans.suites import load_suite
    from sim_env.render.clip import render_clip
    from sim_env.render.lighting import parse_lighting
    from sim_env.render.media import grid_video_frames, write_mp4
    from sim_env.render.viewpoints import parse_viewpoints

    if Path(args.out).suffix.lower() != ".mp4":
        raise UsageError(f"--out {args.out}: render writes H.264 in an MP4 container; give a .mp4 file name")
    humans = {h.id: h for h in load_suite(args.suite)}
    if args.human not in humans:
        raise UsageError(did_you_mean(f"human in suite {args.suite!r}:", args.human, humans))
    signals = named_signals()
    if args.animation not in signals and not Path(args.animation).suffix and not Path(args.animation).exists():
        raise UsageError(did_you_mean("signal", args.animation, signals) + "; or give a .yaml/.json/.fani file")
    timeline = signals[args.animation] if args.animation in signals else load_timeline(args.animation)
    views = parse_viewpoints(args.viewpoints, args.seed)
    clip = render_clip(humans[args.human], timeline, views, n_frames=args.frames, size=args.size,
                       lighting=parse_lighting(args.lighting, args.seed), rig=args.rig,
                       appearance=args.appearance, asset_roots=args.asset_path, seed=args.seed,
                       **camera_options(args))
    cols = 3 if len(views) % 3 == 0 else 1
    path = write_mp4(Path(args.out), grid_video_frames(clip.frames, columns=cols))
    print(path.resolve())
    return 0


def build_parser() -> argparse.ArgumentParser:
    from hrisim import hrisim_version

    parser = Parser(
        prog="hrisim",
        epilog="Exit status: 0 success, 1 failure (bad input file, missing data, ...), 2 usage error (bad option, unknown id).",
        description="Human-robot-interaction simulator for inclusive facial-expression perception: "
        "virtual humans perform FACS action units and a robot camera renders them.",
    )
    parser.add_argument("--version", action="version", version=f"hrisim {hrisim_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="render one person's confusion signal from the paper's 9 views (MP4 + PNG)")
    demo.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    demo.add_argument("--size", type=int, default=160, help="image size of each view in pixels (default: 160)")
    demo.add_argument("--frames", type=int, default=25, help="frames of the signal (default: 25, as in the paper)")
    demo.add_argument("--human", default=None, help="a balanced24 id (default: bal_f_black_1)")
    demo.add_argument("--signal", default=None, help="a built-in signal id (default: the first confusion signal)")
    demo.set_defaults(func=_cmd_demo)

    render = sub.add_parser("render", help="render one human performing one animation to an MP4")
    render.add_argument("--suite", default="balanced24", help="balanced24 | random:N[:SEED] | suite.yaml | folder of .mhm")
    render.add_argument("--human", required=True, help="human id in the suite")
    render.add_argument("--animation", required=True, help="built-in signal id, or a .yaml/.json/.fani file")
    render.add_argument("--viewpoints", default="paper9", help="paper9 | grid:H,..;V,.. | random:N")
    render.add_argument("--lighting", default="studio", help="studio | office | window | dim | random[:PRESET]")
    render.add_argument("--rig", default="arkit", help="AU rig: arkit | facshuman (needs 'hrisim assets install facshuman')")
    render.add_argument("--appearance", default="builtin", choices=["builtin", "assets"],
                        help="builtin look, or MakeHuman skins and proxies from the asset roots")
    render.add_argument("--asset-path", default=None, help="MakeHuman asset roots, ':'-separated (default: configured)")
    add_camera_arguments(render)
    render.add_argument("--frames", type=int, default=25, help="frames of the animation")
    render.add_argument("--size", type=int, default=160, help="image size of each view in pixels")
    render.add_argument("--seed", type=int, default=0, help="seed of random viewpoints and lighting")
    render.add_argument("--out", required=True, help="output .mp4 path (H.264 in MP4)")
    render.set_defaults(func=_cmd_render)

    humans = sub.add_parser("humans", help="virtual humans: list suites, audit MakeHuman files")
    hsub = humans.add_subparsers(dest="humans_command", required=True, metavar="SUBCOMMAND")
    audit = hsub.add_parser("audit", help="table of a folder of .mhm files, flagging filename/content contradictions")
    audit.add_argument("directory", help="folder of MakeHuman .mhm files")
    audit.set_defaults(func=_cmd_humans_audit)
    hlist = hsub.add_parser("list", help="list the humans of a suite")
    hlist.add_argument("suite", nargs="?", default="balanced24", help="balanced24 | random:N[:SEED] | suite file | .mhm folder")
    hlist.set_defaults(func=_cmd_humans_list)

    anims = sub.add_parser("animations", help="AU animations: list the built-in social signals")
    asub = anims.add_subparsers(dest="animations_command", required=True, metavar="SUBCOMMAND")
    alist = asub.add_parser("list", help="list the built-in signals with their emotion and description")
    alist.set_defaults(func=_cmd_animations_list)

    groups = {"humans": hsub, "animations": asub}
    for name in command_modules():
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):  # a missing dependency is a real error
                raise
            continue
        module.register(sub, groups)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:  # the command line is wrong: 2, as argparse's own usage errors
        print(f"hrisim {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:  # bad input file, missing data: the run failed, 1
        print(f"hrisim {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
