"""``hrisim train CONFIG`` and ``hrisim evaluate RUN DATA``; heavy imports stay inside the commands."""
from __future__ import annotations

import time
from pathlib import Path


def _cmd_train(args) -> int:
    from training.config import load_config
    from training.experiment import run_experiment

    overrides = list(args.set or [])
    for key in ("real", "synthetic", "external"):
        if getattr(args, key):
            overrides.append(f"data.{key}={getattr(args, key)}")
    if args.epochs is not None:
        overrides += [f"strategy.epochs={args.epochs}", f"strategy.pretrain_epochs={args.epochs}"]
    cfg = load_config(args.config, overrides)
    out = Path(args.out) if args.out else Path(cfg.output_dir) / f"{cfg.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    report = run_experiment(cfg, out)
    for name, r in report["results"].items():
        print(f"{name:40s} acc {100 * r['accuracy']:5.1f} %  F1 {100 * r['f1']:5.1f} %  n={r['n']}")
    print(out.resolve())
    return 0


def _cmd_evaluate(args) -> int:
    from training.evaluate_run import evaluate_run

    report = evaluate_run(args.run, args.data, args.out, batch_size=args.batch_size)
    for name, r in report["results"].items():
        print(f"{name:40s} acc {100 * r['accuracy']:5.1f} %  F1 {100 * r['f1']:5.1f} %  n={r['n']}")
    print(Path(report["out"]).resolve())
    return 0


def register(sub, groups) -> None:
    train = sub.add_parser("train", help="train and evaluate an expression classifier from a YAML config (configs/)")
    train.add_argument("config", help="experiment YAML, e.g. configs/table1_fn_in25_syn.yaml")
    train.add_argument("--real", help="real dataset folder ROOT/<label>/<clip> (overrides data.real)")
    train.add_argument("--synthetic", help="`hrisim generate` folder (overrides data.synthetic)")
    train.add_argument("--external", help="extra test folder, labels may be a subset (overrides data.external)")
    train.add_argument("--epochs", type=int, help="override both strategy.epochs and strategy.pretrain_epochs")
    train.add_argument("--set", action="append", metavar="SECTION.FIELD=VALUE", help="override any config field (repeatable)")
    train.add_argument("--out", help="run folder (default: OUTPUT_DIR/NAME-TIMESTAMP)")
    train.set_defaults(func=_cmd_train)

    ev = sub.add_parser("evaluate", help="evaluate a finished run's checkpoints on another labelled folder (e.g. GIFGIF)")
    ev.add_argument("run", help="run folder written by `hrisim train` (its checkpoints/ are ensembled) or one model folder")
    ev.add_argument("data", help="folder ROOT/<label>/<clip>; labels may be a subset of the classes")
    ev.add_argument("--out", help="report folder (default: RUN/eval-<data folder name>)")
    ev.add_argument("--batch-size", type=int, default=8)
    ev.set_defaults(func=_cmd_evaluate)
