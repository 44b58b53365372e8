"""``hrisim generate`` and ``hrisim dataset audit|merge|export-coco``."""
from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
import warnings


def _shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(p) for p in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected i/N such as 0/4, got {text!r}") from None
    if not (count >= 1 and 0 <= index < count):
        raise argparse.ArgumentTypeError(f"shard {text!r}: need 0 <= i < N")
    return index, count


@contextlib.contextmanager
def folded_warnings(category: type[Warning], what: str, write=None):
    """Warnings of ``category`` raised inside the block are not printed one by one (each with its
    source line) but folded into one line at its end, written to stderr: how many, whose (the text
    before each message's first ':'), and the first message in full. Other warnings pass through as
    usual; ``HRISIM_VERBOSE=1`` prints every warning as Python does."""
    if os.environ.get("HRISIM_VERBOSE") == "1":
        yield
        return
    write = write or (lambda line: print(line, file=sys.stderr))
    caught: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("always", category)  # count each, not just the first from a source line
        passed_on = warnings.showwarning

        def show(message, cat, filename, lineno, file=None, line=None):
            if issubclass(cat, category):
                caught.append(str(message))
            else:
                passed_on(message, cat, filename, lineno, file, line)

        warnings.showwarning = show
        try:
            yield
        finally:
            if caught:
                whose = list(dict.fromkeys(m.split(":", 1)[0] for m in caught))
                names = ", ".join(whose[:6]) + (f" and {len(whose) - 6} more" if len(whose) > 6 else "")
                write(f"{category.__name__} x{len(caught)} ({what}): {names}; first: {caught[0]} "
                      "(HRISIM_VERBOSE=1 prints each)")


def _cmd_generate(args) -> int:
    from sim_env.dataset import GenerateConfig, generate_dataset
    from sim_env.render.actor import AssetWarning

    # Every option defaults to None, so ``given`` is what the user typed; it overrides a preset.
    given = {k: v for k, v in vars(args).items()
             if k in GenerateConfig.__dataclass_fields__ and v is not None and k != "out"}
    config = GenerateConfig.preset(args.preset, args.out, **given) if args.preset else GenerateConfig(out=args.out, **given)
    command = "hrisim " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[0].endswith("hrisim") else None
    with folded_warnings(AssetWarning, "MakeHuman assets not in any asset root; documented built-in fallbacks drawn"):
        result = generate_dataset(config, progress=not args.quiet, command=command)
    seconds = max(result.seconds, 1e-9)
    print(f"rendered {result.rendered_clips} clips ({result.skipped_clips} already done) in {result.seconds:.1f} s: "
          f"{60 * result.rendered_clips / seconds:.1f} clips/min, {result.rendered_clips * config.frames / seconds:.1f} frames/s")
    print(result.out.resolve())
    return 0


def _cmd_audit(args) -> int:
    from sim_env.dataset.audit import audit_dataset

    problems = audit_dataset(args.directory, verify_checksums=not args.no_checksums)
    return 1 if problems else 0


def _cmd_merge(args) -> int:
    from sim_env.dataset.merge import merge_shards

    print(merge_shards(args.out, args.shards or [args.out]).parent.resolve())
    return 0


def _cmd_export_coco(args) -> int:
    from sim_env.dataset.coco import export_coco

    export_coco(args.directory, args.out, split=args.split, step=args.step)
    return 0


def _behaviour(text: str) -> str:
    """``--behaviour``: the failure cases' CLI form, checked (a bad name or value is a usage error)."""
    from sim_env.render.failure_cases import parse_behaviour

    try:
        return parse_behaviour(text).text()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _step(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def register(sub, groups) -> None:
    gen = sub.add_parser(
        "generate", help="render a synthetic dataset: humans × animations × viewpoints → clips + manifest + card",
        description="Render every (human, animation, viewpoint) clip, with per-frame labels, a manifest "
        "(CSV + Parquet) and a dataset card. Interrupt at any time; the same command resumes.",
    )
    gen.add_argument("--out", required=True, help="dataset folder (created; an existing one is resumed)")
    gen.add_argument("--preset", choices=["paper"], help="paper = balanced24 × the 21 paper signals × paper9 × 25 frames")
    gen.add_argument("--humans", help="balanced24 | random:N[:SEED] | paper24:DIR | suite.yaml | folder of .mhm | "
                     "balanced24 ids, comma-separated (default balanced24)")
    gen.add_argument("--animations", help="builtin (21 signals + neutral) | paper (the 21) | emotion:anger,disgust | "
                     "prototypes | signal ids (built-in or proto_*), comma-separated | folder | file (default builtin)")
    gen.add_argument("--viewpoints", help="paper9 | grid:H,..;V,.. | random:N (N drawn per human × animation) (default paper9)")
    gen.add_argument("--frames", type=int, help="frames per clip (default 25)")
    gen.add_argument("--size", type=int, help="image size in pixels (default 160)")
    gen.add_argument("--fps", type=float, help="video frame rate (default 25)")
    gen.add_argument("--yfov-deg", dest="yfov_deg", type=float, help="camera vertical field of view (default 25)")
    gen.add_argument("--lighting", help="studio | office | window | dim | random[:PRESET] (drawn per human × animation)")
    gen.add_argument("--background", help="grey | #rrggbb | r,g,b (0..1) | image file")
    gen.add_argument("--rig", help="AU rig: arkit (default) | facshuman (needs the asset pack)")
    gen.add_argument("--appearance", choices=["builtin", "assets"],
                     help="builtin (default) | assets: MakeHuman skins, hair, brows, lashes, eyes from the asset roots")
    gen.add_argument("--exposure", choices=["face", "fixed"],
                     help="face (default): face-priority auto-exposure locked per clip, as a robot camera's | fixed: the scene as lit")
    gen.add_argument("--tone", choices=["aces", "clip"], help="aces: filmic tone curve (default) | clip: the old hard clip, gamma 2.2")
    gen.add_argument("--white-balance", dest="white_balance", choices=["preset", "none"],
                     help="preset: balance for the lighting's illuminant (default) | none")
    gen.add_argument("--camera-jitter", dest="camera_jitter",
                     help="seeded per-clip exposure bias, white-balance error, sensor noise: none (default) | default | EV,WB,NOISE")
    gen.add_argument("--behaviour", type=_behaviour,
                     help="the paper's failure cases, seeded per human x animation, off by default: "
                     "hand_to_face=SHARE,talking=SHARE,head_motion=DEG,near_static=P (any subset), e.g. "
                     "hand_to_face=0.3,talking=0.2,head_motion=8,near_static=0.2 (default none)")
    gen.add_argument("--asset-path", dest="asset_path", help="MakeHuman asset roots for --appearance assets, ':'-separated")
    gen.add_argument("--seed", type=int, help="seed of every random choice (default 0)")
    gen.add_argument("--val-humans", dest="val_humans", type=float,
                     help="validation humans: a fraction (<1) or a count (default 5/24, the paper's 19/5)")
    gen.add_argument("--crops", action="store_const", const=True, help="also write 160×160 face-cropped videos")
    gen.add_argument("--png", action="store_const", const=True, help="also write every frame as PNG")
    gen.add_argument("--workers", type=int, help="worker processes, each with its own GL context (default 1); "
                     "with --backend ray and no --ray-address, the CPUs of the local Ray")
    gen.add_argument("--backend", choices=["local", "ray"],
                     help="local (default): worker processes on this machine | ray: one Ray task per group "
                     "(pip install 'hrisim[ray]'); the same files either way")
    gen.add_argument("--ray-address", dest="ray_address",
                     help="with --backend ray: auto | HOST:PORT of a running Ray cluster (default: start a local Ray)")
    gen.add_argument("--limit", type=int, help="only the first N clips of the plan (quick looks)")
    gen.add_argument("--shard", type=_shard, help="i/N: render only shard i of N (merge with 'hrisim dataset merge')")
    gen.add_argument("--quiet", action="store_true", help="no progress bar")
    gen.set_defaults(func=_cmd_generate)

    ds = sub.add_parser("dataset", help="generated datasets: audit checksums and balance, merge shards, export COCO JSON")
    dsub = ds.add_subparsers(dest="dataset_command", required=True, metavar="SUBCOMMAND")
    audit = dsub.add_parser("audit", help="re-verify every file's checksum and print the balance tables (exit 1 on problems)")
    audit.add_argument("directory")
    audit.add_argument("--no-checksums", action="store_true", help="check presence only (fast)")
    audit.set_defaults(func=_cmd_audit)
    merge = dsub.add_parser("merge", help="merge shard folders of one dataset into OUT and write its manifest and card")
    merge.add_argument("out", help="the merged dataset folder (may be the shared folder the shards wrote to)")
    merge.add_argument("shards", nargs="*", help="shard folders to copy in (none: OUT already holds every shard)")
    merge.set_defaults(func=_cmd_merge)
    coco = dsub.add_parser(
        "export-coco", help="face boxes and 5 landmarks per frame as COCO keypoint JSON",
        description="One COCO image per frame (file_name frames/<clip>/<NNN>.png as --png writes it; video + "
        "frame_index name the same frame in the clip's MP4) and one 'face' annotation with its box and the five "
        "landmarks of labels/*.npz. The file is validated, then written atomically.")
    coco.add_argument("directory", help="a `hrisim generate` dataset folder")
    coco.add_argument("--out", required=True, help="the JSON file to write")
    coco.add_argument("--split", choices=["all", "train", "val"], default="all", help="which clips")
    coco.add_argument("--step", type=_step, default=1, help="every N-th frame of each clip")
    coco.set_defaults(func=_cmd_export_coco)
