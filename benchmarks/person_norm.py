"""Person-normalised embeddings against raw ones on a synthetic hold-out, and how much the test
people's baselines may differ from the training people's before it stops helping.

    python benchmarks/person_norm.py --synthetic DIR [--crops boxes|mtcnn] [--seeds 0 1 2]

FN(FZ)+IN25 (``configs/synthetic_holdout_fn_fz_in25.yaml``), trained on the dataset's training people
and tested on its held-out ones, once on raw embeddings and once with ``model.person_norm``. The
person-normalised model is then tested again with each test person's median taken from fewer of
their frames: only the first (neutral) frame of each clip, or only one class's clips (an unbalanced
baseline, as a robot that has seen a person mostly angry would hold). Prints accuracy, group gap and
per-group accuracy per seed, and the mean over seeds.

Embeddings are computed once and cached (``hrisim train`` shares the cache); a 48-person frontal set
(1008 clips) then takes about 30 s a seed on two cores.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

CONFIG = "configs/synthetic_holdout_fn_fz_in25.yaml"


def _score(records, probs) -> tuple[float, float, dict]:
    from training.evaluation import evaluate

    r = evaluate([x.label for x in records], probs, [x.group for x in records], subjects=[x.subject for x in records])
    f = r["fairness"]
    return r["accuracy"], f["accuracy_gap"], {g: v["accuracy"] for g, v in f["per_group"].items()}


def run(synthetic: str, crops: str, seed: int) -> dict[str, tuple]:
    from perception.person_norm import person_baseline
    from training.config import load_config
    from training.experiment import holdout_split, load_synthetic_records, make_source, prepare_source
    from training.person_norm import person_key
    from training.strategies import train_synthetic

    rows = {}
    for norm in (False, True):
        cfg = load_config(CONFIG, [f"data.synthetic={synthetic}", f"data.synthetic_crops={crops}", f"seed={seed}",
                                   f"model.person_norm={str(norm).lower()}", "train.progress=false"])
        raw = make_source(cfg)
        records = load_synthetic_records(cfg)
        source = prepare_source(cfg, raw, records)
        train, val, test = holdout_split(records, cfg)
        model = train_synthetic(cfg, source, train, val, seed).predictor
        if not norm:
            rows["raw embeddings"] = _score(test, model.predict_proba(test))
            continue
        rows["person_norm, all of a person's clips"] = _score(test, model.predict_proba(test))
        people: dict = {}
        for r in test:
            people.setdefault(person_key(r), []).append(r)
        emb = lambda r: np.asarray(raw.embeddings(r), np.float32)  # noqa: E731
        variants = {"  test medians from frame 0 of each clip": lambda rs: np.stack([emb(r)[0] for r in rs])}
        for label, name in enumerate(("anger", "confusion", "disgust")):
            variants[f"  test medians from {name} clips only"] = (
                lambda rs, label=label: np.concatenate([emb(r) for r in rs if r.label == label]))
        for name, frames in variants.items():
            source.baselines.update({key: person_baseline(frames(rs)) for key, rs in people.items()})
            rows[name] = _score(test, model.predict_proba(test))
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--synthetic", required=True, help="an `hrisim generate` folder with a held-out split")
    ap.add_argument("--crops", default="boxes", choices=("boxes", "mtcnn"), help="face boxes of the synthetic clips")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    per_seed = {s: run(args.synthetic, args.crops, s) for s in args.seeds}
    names = list(per_seed[args.seeds[0]])
    print(f"FN(FZ)+IN25 hold-out on {args.synthetic} ({args.crops} crops), seeds {args.seeds}: accuracy %, group gap points")
    for name in names:
        acc = [per_seed[s][name][0] for s in args.seeds]
        gap = [per_seed[s][name][1] for s in args.seeds]
        groups = {g: np.mean([per_seed[s][name][2][g] for s in args.seeds]) for g in per_seed[args.seeds[0]][name][2]}
        print(f"  {name:44s} acc {100 * np.mean(acc):5.1f} ({', '.join(f'{100 * a:.1f}' for a in acc)})  "
              f"gap {100 * np.mean(gap):5.1f}  " + "  ".join(f"{g} {100 * v:.1f}" for g, v in groups.items()))
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
