"""``hrisim benchmark sim2real``: the sim2real protocol on any real folder (training.sim2real).
Imports nothing heavy at module level."""
from __future__ import annotations

import time
from pathlib import Path


def _floats(text: str, what: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ValueError(f"{what}: expected comma-separated numbers, got {text!r}") from None


def _cmd_sim2real(args) -> int:
    from training.config import load_config
    from training.sim2real import DEFAULT_CONFIG, Sim2RealConfig, run_sim2real

    base = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_CONFIG.items()}
    if args.config:  # the config's model, optimiser and data settings; the protocol sets strategy and folds
        base = load_config(args.config, [f"data.real={args.real}", f"data.synthetic={args.synthetic}"]).to_dict()
    if args.epochs is not None:
        base.setdefault("strategy", {}).update(epochs=args.epochs, pretrain_epochs=args.epochs)
    fractions = [f / 100 if f > 1 else f for f in _floats(args.fractions, "--fractions")]
    cfg = Sim2RealConfig(
        synthetic=args.synthetic, real=args.real, external=args.external,
        classes=tuple(c.strip() for c in args.classes.split(",") if c.strip()) if args.classes else None,
        fractions=tuple(fractions), ratio=args.ratio, folds=args.folds, seed=args.seed, bootstrap=args.bootstrap, base=base,
    )
    out = Path(args.out) if args.out else Path("out") / f"sim2real-{time.strftime('%Y%m%d-%H%M%S')}"
    report = run_sim2real(cfg, out)
    for name, r in report["results"].items():
        ci = r["accuracy_ci"] or [r["accuracy"]] * 2
        print(f"{name:18s} acc {100 * r['accuracy']:5.1f} % [{100 * ci[0]:5.1f}, {100 * ci[1]:5.1f}]  "
              f"F1 {100 * r['f1']:5.1f} %  n={r['n']}")
    print(out.resolve())
    return 0


def register(sub, groups) -> None:
    bench = groups.get("benchmark")
    if bench is None:
        parser = sub.add_parser("benchmark", help="benchmark protocols (sim2real)")
        bench = parser.add_subparsers(dest="benchmark_command", required=True, metavar="BENCHMARK")
        groups["benchmark"] = bench
    p = bench.add_parser(
        "sim2real", help="synthetic-only, real-only, synthetic→real and mixed on the same folds of a real set",
        description="On one set of subject-grouped folds of the real set (same folds and seeds for every "
        "condition): synthetic only, real only, synthetic→real fine-tuning and mixed (ratio 0.25); accuracy and "
        "macro-F1 with 95 % subject-bootstrap intervals, a learning curve over the share of the real training "
        "folds, the per-group table and an optional external set. Writes report.md, sim2real.json, "
        "predictions.csv and plots. Default model FN(FZ)+IN25 (frozen FaceNet, CPU-friendly).")
    p.add_argument("--synthetic", required=True, help="`hrisim generate` folder")
    p.add_argument("--real", required=True, help="ROOT/<label>/<clip video | frame folder | still image> (+ metadata.csv)")
    p.add_argument("--external", help="extra test folder, labels may be a subset (predicted by the fold models)")
    p.add_argument("--classes", help="task classes, e.g. anger,disgust (default: the classes the real set holds)")
    p.add_argument("--config", help="experiment YAML for the model and optimiser (default FN(FZ)+IN25 with the paper's settings)")
    p.add_argument("--epochs", type=int, help="override strategy.epochs and strategy.pretrain_epochs")
    p.add_argument("--fractions", default="0.1,0.25,0.5,1", help="learning-curve shares of the real training folds")
    p.add_argument("--ratio", type=float, default=0.25, help="mixed strategy: share of synthetic humans per epoch")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bootstrap", type=int, default=1000, help="subject bootstrap resamples (0: no intervals)")
    p.add_argument("--out", help="report folder (default out/sim2real-TIMESTAMP)")
    p.set_defaults(func=_cmd_sim2real)
