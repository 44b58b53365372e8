"""Generate a small synthetic dataset → train → evaluate, end to end.

    .venv/bin/python examples/train_sim2real.py --out out/sim2real            # synthetic only
    .venv/bin/python examples/train_sim2real.py --out out/sim2real --real DIR # + Sim2Real on your real clips

Without real clips: FN(FZ)+InceptionTime and the FN+KNN-DTW baseline are trained on some virtual humans
and tested on humans they never saw (the generator's subject-disjoint split); the trained checkpoint
is then evaluated again through `hrisim evaluate`'s code on the held-out clips laid out as a real folder.
With ``--real DIR`` (ROOT/<label>/<clip>.mp4, optional metadata.csv): synthetic pre-training, then
5-fold cross-validated fine-tuning on DIR.
"""
from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path


def pick_animations(folder: Path, per_emotion: int) -> str:
    """The first ``per_emotion`` built-in signals of each class, written as files for the generator."""
    from animations.formats import save_timeline
    from animations.library import signals_for
    from training.labels import CLASSES

    folder.mkdir(parents=True, exist_ok=True)
    for emotion in CLASSES:
        for sid, timeline in sorted(signals_for(emotion).items())[:per_emotion]:
            save_timeline(timeline, folder / f"{sid}.yaml")
    return str(folder)


def as_real_folder(records, root: Path) -> Path:
    """Lay synthetic clips out as ROOT/<label>/<clip>.mp4 + metadata.csv (symbolic links)."""
    from training.labels import CLASSES

    root.mkdir(parents=True, exist_ok=True)
    with (root / "metadata.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["clip", "label", "group", "subject"])
        for r in records:
            (root / CLASSES[r.label]).mkdir(exist_ok=True)
            link = root / CLASSES[r.label] / f"{r.clip_id}.mp4"
            if not link.exists():
                os.symlink(r.path.resolve(), link)
            writer.writerow([r.clip_id, CLASSES[r.label], r.group, r.subject])
    return root


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="out/sim2real")
    ap.add_argument("--humans", type=int, default=8, help="random balanced suite size (default 8)")
    ap.add_argument("--per-emotion", type=int, default=2, help="signals per class (default 2)")
    ap.add_argument("--viewpoints", default="grid:-20,0,20;0", help="generator viewpoint set (default: 3 views)")
    ap.add_argument("--frames", type=int, default=25)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--test-humans", type=int, default=2, help="humans held out for testing (default 2)")
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--real", help="real folder ROOT/<label>/<clip>: run synthetic pre-training + real fine-tuning")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from sim_env.dataset import GenerateConfig, generate_dataset
    from training.config import DataConfig, EvalConfig, ExperimentConfig, ModelConfig, StrategyConfig, TrainConfig, validate
    from training.evaluate_run import evaluate_run
    from training.experiment import holdout_split, load_synthetic_records, run_experiment

    out = Path(args.out)
    print("1/3 generate")
    gen = GenerateConfig(out=str(out / "synthetic"), humans=f"random:{args.humans}:{args.seed}",
                         animations=pick_animations(out / "animations", args.per_emotion), viewpoints=args.viewpoints,
                         frames=args.frames, size=args.size, seed=args.seed, val_humans=args.test_humans, workers=args.workers)
    generate_dataset(gen)

    def config(name, model, strategy, evaluation):
        return validate(ExperimentConfig(
            name=name, seed=args.seed, output_dir=str(out / "runs"),
            data=DataConfig(synthetic=gen.out, real=args.real, val_humans=1,
                            cache_dir=str(out / "cache")),
            model=model, strategy=strategy, evaluation=evaluation, train=TrainConfig()), name)

    length = min(args.frames, 25)
    if args.real:
        runs = {"fn_fz_in_sim2real": config("fn_fz_in_sim2real", ModelConfig(kind="inception_time", length=length),
                                            StrategyConfig(kind="pretrain_finetune", pretrain_epochs=args.epochs, epochs=args.epochs),
                                            EvalConfig(protocol="cv"))}
    else:
        holdout = EvalConfig(protocol="holdout")
        runs = {"fn_fz_in_holdout": config("fn_fz_in_holdout", ModelConfig(kind="inception_time", length=length),
                                           StrategyConfig(kind="synthetic_only", pretrain_epochs=args.epochs), holdout),
                "fn_fz_knn_holdout": config("fn_fz_knn_holdout", ModelConfig(kind="knn_dtw", length=length),
                                            StrategyConfig(kind="synthetic_only"), holdout)}
    print("2/3 train and evaluate")
    for name, cfg in runs.items():
        report = run_experiment(cfg, out / "runs" / name)
        for set_name, r in report["results"].items():
            groups = ", ".join(f"{g} {100 * v['accuracy']:.0f}%" for g, v in r["fairness"]["per_group"].items())
            print(f"  {name:20s} {set_name:28s} acc {100 * r['accuracy']:5.1f}%  F1 {100 * r['f1']:5.1f}%  n={r['n']}  [{groups}]")
        print(f"  report: {out / 'runs' / name / 'report.md'}")
    if not args.real:
        print("3/3 evaluate the saved checkpoint on the held-out humans as a folder (what `hrisim evaluate` does)")
        cfg = runs["fn_fz_in_holdout"]
        _, _, test = holdout_split(load_synthetic_records(cfg), cfg)
        ev = evaluate_run(out / "runs" / "fn_fz_in_holdout", as_real_folder(test, out / "heldout_as_folder"))
        r = ev["results"]["3-way argmax"]
        print(f"  checkpoint on {r['n']} held-out clips: acc {100 * r['accuracy']:.1f}%  ({ev['out']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
