"""``hrisim assets ...``, ``hrisim humans sheet`` and ``hrisim animations compare``.

Registered by ``sim_env.cli``; imports nothing heavy at module level so ``hrisim --help`` stays instant.
"""
from __future__ import annotations

import sys
from pathlib import Path

ASSET_PATH_HELP = ("asset roots, searched in order, separated by ':' (';' on Windows); "
                   "default: $HRISIM_ASSET_PATH, else the 'asset_path' setting")


def _roots(args):
    from humans.assets import AssetRoots

    return AssetRoots.configured(args.asset_path)


def _cmd_assets_list(args) -> int:
    from animations.rigs.facshuman import DEFAULT_URL, FacsHumanPack, default_pack_dir
    from animations.errors import AnimationError

    roots = _roots(args)
    print(f"MakeHuman asset roots ({roots.source}; first match wins):")
    for root, exists, counts in roots.describe():
        summary = ", ".join(f"{n} {k}" for k, n in counts.items()) if exists else "absent"
        print(f"  {root}  [{summary}]")
    try:
        pack = FacsHumanPack()
        print(f"FACSHuman targets: {len(pack.keys)} in {pack.root}")
    except AnimationError:
        print(f"FACSHuman targets: not installed (expected in {default_pack_dir()}); "
              f"'hrisim assets install facshuman [--from PATH_OR_URL]' (default {DEFAULT_URL})")
    return 0


def _cmd_assets_install(args) -> int:
    from animations.rigs.facshuman import DEFAULT_URL, FacsHumanPack, install_pack

    if args.pack == "makehuman":
        from humans.makehuman_pack import install_makehuman

        if not args.source:
            raise ValueError("'hrisim assets install makehuman' needs --from PATH_OR_URL: a MakeHuman "
                             "data folder, the makehumancommunity/makehuman-assets repository (or its "
                             "archive) or a URL of an archive")
        print(f"installing MakeHuman assets from {args.source} ...", file=sys.stderr)
        pack = install_makehuman(args.source, args.dest)
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(pack.by_kind.items()))
        print(f"{pack.dest} ({pack.files} files: {kinds}; checksums in MANIFEST.sha256)")
        return 0
    if args.pack != "facshuman":
        raise ValueError(f"unknown asset pack {args.pack!r}: expected 'facshuman' or 'makehuman'")
    source = args.source or DEFAULT_URL
    print(f"installing FACSHuman targets from {source} ...", file=sys.stderr)
    dest = install_pack(source, args.dest)
    print(f"{dest} ({len(FacsHumanPack(dest).keys)} targets)")
    return 0


def _save_sheet(sheet, out) -> int:
    from sim_env.render.media import write_png

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    print(write_png(out, sheet).resolve())
    return 0


def _cmd_humans_sheet(args) -> int:
    from humans.suites import load_suite
    from sim_env.render.sheets import suite_sheet

    sheet = suite_sheet(load_suite(args.suite), size=args.size, appearance=args.appearance,
                        asset_roots=_roots(args))
    return _save_sheet(sheet, args.out)


def _cmd_animations_compare(args) -> int:
    from animations.fani import read_fani
    from animations.library import paper_signals
    from humans.suites import load_suite
    from sim_env.render.sheets import rig_comparison

    humans = {h.id: h for h in load_suite(args.suite)}
    if args.human not in humans:
        raise ValueError(f"no human {args.human!r} in suite {args.suite!r}; have {sorted(humans)}")
    if args.animations:
        files = sorted(Path(args.animations).glob("*.fani"))
        if not files:
            raise FileNotFoundError(f"{args.animations}: no .fani files")
        signals = {f.stem: read_fani(f) for f in files}
    else:
        signals = paper_signals()
    sheet = rig_comparison(humans[args.human], signals, size=args.size, appearance=args.appearance,
                           asset_roots=_roots(args))
    return _save_sheet(sheet, args.out)


def register(sub, groups) -> None:
    assets = sub.add_parser("assets", help="MakeHuman asset roots and the FACSHuman target pack")
    asub = assets.add_subparsers(dest="assets_command", required=True, metavar="SUBCOMMAND")
    alist = asub.add_parser("list", help="the asset roots in search order, what each offers, the FACSHuman pack")
    alist.add_argument("--asset-path", default=None, help=ASSET_PATH_HELP)
    alist.set_defaults(func=_cmd_assets_list)
    install = asub.add_parser("install", help="install an optional asset pack (facshuman, makehuman)")
    install.add_argument("pack", choices=["facshuman", "makehuman"],
                         help="facshuman: AU targets; makehuman: MakeHuman's CC0 skins, hair, eyebrows, eyelashes, eyes")
    install.add_argument("--from", dest="source", default=None,
                         help="folder, .zip/.tar.gz archive or URL (facshuman default: the public FACSHuman "
                              "repository archive; makehuman: required)")
    install.add_argument("--dest", default=None,
                         help="install folder (default: <hrisim user data>/facshuman or /makehuman)")
    install.set_defaults(func=_cmd_assets_install)

    sheet = groups["humans"].add_parser("sheet", help="contact sheet: one neutral frontal portrait per person (PNG)")
    sheet.add_argument("suite", help="balanced24 | random:N[:SEED] | suite.yaml | folder of .mhm (e.g. the paper's 24)")
    sheet.add_argument("--out", required=True, help="output .png")
    sheet.add_argument("--size", type=int, default=160)
    sheet.add_argument("--appearance", choices=["auto", "assets", "builtin"], default="auto",
                       help="auto = MakeHuman assets when a person names them (default)")
    sheet.add_argument("--asset-path", default=None, help=ASSET_PATH_HELP)
    sheet.set_defaults(func=_cmd_humans_sheet)

    compare = groups["animations"].add_parser(
        "compare", help="each of the 21 signals at apex, rig arkit vs facshuman side by side (PNG)")
    compare.add_argument("--human", required=True, help="human id in the suite")
    compare.add_argument("--suite", default="balanced24", help="suite of the human (default balanced24)")
    compare.add_argument("--animations", default=None, help="folder of .fani files (default: the built-in 21)")
    compare.add_argument("--out", required=True, help="output .png")
    compare.add_argument("--size", type=int, default=160)
    compare.add_argument("--appearance", choices=["auto", "assets", "builtin"], default="auto")
    compare.add_argument("--asset-path", default=None, help=ASSET_PATH_HELP)
    compare.set_defaults(func=_cmd_animations_compare)
