"""``hrisim benchmark sim2real``: does hrisim's synthetic data help a classifier on *your* real faces?

On one set of subject-grouped folds of the real set (the same folds and seeds for every condition):

- **synthetic only**: trained on the synthetic humans (validation on held-out synthetic humans), tested
  on every real fold as it is (zero-shot);
- **real only**: trained on the real training folds;
- **synthetic → real**: the synthetic model fine-tuned on the real training folds;
- **mixed**: the real training folds plus a fresh draw of synthetic clips every epoch (ratio 0.25).

Each is scored on the pooled real test folds by accuracy and macro-F1 with 95 % bootstrap intervals
(subjects resampled with replacement: clips of one person are not independent), per demographic
group, and, for the three conditions that see real data, along a learning curve over the share of the
real training folds used (10, 25, 50, 100 % of the clips, whole subjects, nested: each smaller set is
part of the larger one). An external set, if given, is predicted by each condition's fold models
together (the mean of their probabilities).

Real sets may be stills or folders of 1-3 frames (a clip of one frame is looped to the window length)
and may hold a subset of the classes: the task is the classes asked for (``classes``) or else those
the real set holds; synthetic clips of other emotions are left out and every argmax runs over the
task's classes only. Built on the experiment code: strategies, folds, records, evaluation, reports.
"""
from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from training.config import ExperimentConfig, config_from_dict
from training.evaluation import evaluate
from training.experiment import load_synthetic_records, make_source, prepare_source
from training.folds import assign_folds, fold_split
from training.labels import CLASSES, label_index
from training.metrics import scores
from training.real import load_real
from training.records import ClipRecord, subjects
from training.report import prediction_rows, write_predictions
from training.strategies import Trained, train_fold, train_synthetic
from training.synthetic import split_by_human

CONDITIONS = ("synthetic_only", "real_only", "pretrain_finetune", "mixed")
TITLES = {"synthetic_only": "synthetic only", "real_only": "real only", "pretrain_finetune": "synthetic → real",
          "mixed": "mixed"}
# The model of the protocol unless a config says otherwise: FN(FZ)+IN25 (frozen FaceNet, InceptionTime
# on 25-frame windows), which trains in seconds per epoch on a CPU once embeddings are cached.
DEFAULT_CONFIG = {"name": "sim2real", "description": "hrisim benchmark sim2real: FN(FZ)+IN25",
                  "model": {"kind": "inception_time", "length": 25, "freeze_facenet": True}}


@dataclass(frozen=True)
class Sim2RealConfig:
    """The protocol's own settings; the model and optimiser come from ``base`` (an experiment config)."""

    synthetic: str
    real: str
    external: str | None = None
    classes: tuple[str, ...] | None = None  # None: the classes the real set holds
    fractions: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0)
    ratio: float = 0.25
    folds: int = 5
    seed: int = 0
    bootstrap: int = 1000
    base: dict = field(default_factory=lambda: dict(DEFAULT_CONFIG))

    def __post_init__(self):
        if not self.fractions or any(not 0 < f <= 1 for f in self.fractions):
            raise ValueError(f"fractions: expected values in (0, 1], got {self.fractions}")
        if 1.0 not in self.fractions:
            object.__setattr__(self, "fractions", tuple(sorted(set(self.fractions) | {1.0})))
        if not 0 < self.ratio <= 1:
            raise ValueError(f"ratio: expected a value in (0, 1], got {self.ratio}")
        if self.folds < 2 or self.bootstrap < 0:
            raise ValueError(f"folds must be >= 2 and bootstrap >= 0, got {self.folds}, {self.bootstrap}")
        if self.classes is not None:
            object.__setattr__(self, "classes", tuple(CLASSES[label_index(c, "--classes")] for c in self.classes))

    def experiment(self, kind: str, task: Sequence[str]) -> ExperimentConfig:
        """The experiment config of one condition on the ``task`` classes (checked like any config file)."""
        mapping = json.loads(json.dumps(self.base))
        mapping.setdefault("name", "sim2real")
        mapping["seed"] = self.seed
        mapping.setdefault("data", {}).update(real=self.real, synthetic=self.synthetic, external=None,
                                                emotions=list(task))
        mapping.setdefault("strategy", {}).update(kind=kind, ratio=self.ratio)
        mapping.setdefault("evaluation", {}).update(protocol="cv", folds=self.folds)
        return config_from_dict(mapping, f"sim2real ({kind})")


# ---------------------------------------------------------------------------------------------
# Pieces

def subsample_subjects(records: Sequence[ClipRecord], fraction: float, seed: int) -> list[ClipRecord]:
    """Whole subjects, drawn in one seeded order until ``fraction`` of the clips are in, then one more
    subject for any label still missing. The order does not depend on ``fraction``, so smaller draws
    are subsets of larger ones (a learning curve, not independent samples)."""
    records = list(records)
    if fraction >= 1:
        return records
    order = list(np.random.default_rng(seed).permutation(subjects(records)))
    by_subject: dict[str, list[ClipRecord]] = {}
    for r in records:
        by_subject.setdefault(r.subject, []).append(r)
    target = max(1, math.ceil(fraction * len(records)))
    chosen, count = [], 0
    for s in order:
        if count >= target:
            break
        chosen.append(s)
        count += len(by_subject[s])
    for label in sorted({r.label for r in records}):
        if not any(r.label == label for s in chosen for r in by_subject[s]):
            chosen.append(next(s for s in order if any(r.label == label for r in by_subject[s])))
    keep = set(chosen)
    return [r for r in records if r.subject in keep]


def bootstrap_interval(y_true, y_pred, clusters, labels: Sequence[int], n: int, seed: int) -> dict:
    """95 % percentile intervals of accuracy and macro-F1 (over ``labels``), resampling ``clusters``
    (subjects) with replacement ``n`` times."""
    y_true, y_pred, clusters = np.asarray(y_true), np.asarray(y_pred), np.asarray(clusters)
    point = scores(y_true, y_pred, len(CLASSES), labels=labels)
    out = {"accuracy": point.accuracy, "f1": point.f1}
    if n == 0:
        return {**out, "accuracy_ci": None, "f1_ci": None}
    ids = np.unique(clusters)
    members = [np.flatnonzero(clusters == c) for c in ids]
    rng = np.random.default_rng(seed)
    acc, f1 = [], []
    for _ in range(n):
        idx = np.concatenate([members[i] for i in rng.integers(0, len(ids), len(ids))])
        s = scores(y_true[idx], y_pred[idx], len(CLASSES), labels=labels)
        acc.append(s.accuracy)
        f1.append(s.f1)
    ci = lambda v: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))]  # noqa: E731
    return {**out, "accuracy_ci": ci(acc), "f1_ci": ci(f1)}


@dataclass
class Pooled:
    """A condition's predictions on the pooled real test folds (one entry per test clip)."""

    records: list = field(default_factory=list)
    probs: list = field(default_factory=list)
    models: list = field(default_factory=list)  # fold predictors (kept at fraction 1 for the external set)

    def add(self, test: Sequence[ClipRecord], probs: np.ndarray, model=None) -> None:
        self.records += list(test)
        self.probs.append(np.asarray(probs))
        if model is not None:
            self.models.append(model)

    @property
    def probabilities(self) -> np.ndarray:
        return np.concatenate(self.probs)


def _score(pooled: Pooled | tuple, allowed: Sequence[int], cfg: Sim2RealConfig, seed: int) -> dict:
    records, probs = (pooled.records, pooled.probabilities) if isinstance(pooled, Pooled) else pooled
    y = [r.label for r in records]
    result = evaluate(y, probs, [r.group for r in records], allowed=allowed, subjects=[r.subject for r in records])
    labels = sorted(set(y))
    result.update(bootstrap_interval(y, result["predicted"], [r.subject for r in records], labels, cfg.bootstrap, seed))
    return result


def _task_classes(cfg: Sim2RealConfig, real: Sequence[ClipRecord]) -> tuple[list[int], list[str]]:
    present = sorted({r.label for r in real})
    task = sorted(CLASSES.index(c) for c in cfg.classes) if cfg.classes else present
    notes = [f"the real set has no {CLASSES[c]} clips: that class is in the task but cannot be tested"
             for c in task if c not in present]
    if len([c for c in task if c in present]) < 2:
        raise ValueError(f"{cfg.real}: the task needs at least two classes present in the real set; "
                         f"it holds {[CLASSES[c] for c in present]}" + (f", asked {list(cfg.classes)}" if cfg.classes else ""))
    return task, notes


# ---------------------------------------------------------------------------------------------
# The protocol

def run_sim2real(cfg: Sim2RealConfig, out: str | Path, source=None, log: Callable[[str], None] = print) -> dict:
    """Run every condition on the same folds; writes ``out`` (sim2real.json last) and returns the report."""
    start = time.perf_counter()
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    real_all = load_real(cfg.real)
    task, notes = _task_classes(cfg, real_all)
    experiments = {k: cfg.experiment(k, [CLASSES[c] for c in task]) for k in CONDITIONS}
    base = experiments["real_only"]
    real = [r for r in real_all if r.label in task]
    synthetic = load_synthetic_records(base)  # the config's filters (groups, viewpoints, ...) and the task's emotions
    external = [r for r in load_real(cfg.external) if r.label in task] if cfg.external else []
    dropped = len(real_all) - len(real)
    if dropped:
        notes.append(f"{dropped} real clips of classes outside the task left out")
    source = prepare_source(base, source or make_source(base), real + synthetic + external)

    folds, _ = assign_folds(real, cfg.folds, cfg.seed)
    syn_train, syn_val = split_by_human(synthetic, base.data.val_humans, cfg.seed)
    log(f"sim2real: {len(real)} real clips ({len(subjects(real))} subjects, {len(set(folds))} folds), "
        f"{len(synthetic)} synthetic ({len(subjects(synthetic))} humans), task {[CLASSES[c] for c in task]}")
    pretrained: Trained = train_synthetic(experiments["synthetic_only"], source, syn_train, syn_val, cfg.seed)

    pooled = {k: {f: Pooled() for f in cfg.fractions} for k in CONDITIONS[1:]}
    pooled["synthetic_only"] = {1.0: Pooled()}
    rows = []
    for fold in sorted(set(folds)):
        train, test = fold_split(real, folds, fold)
        seed = cfg.seed + 1000 * (fold + 1)  # run_cv's fold seed: every condition starts alike
        p = pretrained.predictor.predict_proba(test)
        pooled["synthetic_only"][1.0].add(test, p, pretrained.predictor if fold == min(folds) else None)
        rows += prediction_rows(test, p, fold, "synthetic_only")
        for fraction in cfg.fractions:
            part = subsample_subjects(train, fraction, seed)
            for kind in CONDITIONS[1:]:
                trained = train_fold(experiments[kind], source, part, synthetic, seed, pretrained,
                                     desc=f"{kind} fold {fold} {int(100 * fraction)}%")
                p = trained.predictor.predict_proba(test)
                pooled[kind][fraction].add(test, p, trained.predictor if fraction == 1.0 else None)
                if fraction == 1.0:
                    rows += prediction_rows(test, p, fold, kind)
        log(f"fold {fold} done ({len(train)} train / {len(test)} test clips)")

    results = {k: _score(pooled[k][1.0], task, cfg, cfg.seed) for k in CONDITIONS}
    curve = {k: {str(f): _score(pooled[k][f], task, cfg, cfg.seed) for f in cfg.fractions} for k in CONDITIONS[1:]}
    ext = {}
    if external:
        present = sorted({r.label for r in external})
        for k in CONDITIONS:
            probs = np.mean([m.predict_proba(external) for m in pooled[k][1.0].models], axis=0)
            ext[k] = _score((external, probs), present, cfg, cfg.seed)
            rows += prediction_rows(external, probs, "", f"external {k}")
    report = {
        "name": "sim2real", "config": {**asdict(cfg), "base": base.to_dict()},
        "task_classes": [CLASSES[c] for c in task], "notes": notes,
        "data": {"real": len(real), "real_subjects": len(subjects(real)), "synthetic": len(synthetic),
                 "synthetic_humans": len(subjects(synthetic)), "external": len(external),
                 "synthetic_train_humans": subjects(syn_train), "synthetic_val_humans": subjects(syn_val)},
        "folds": {str(f): sum(1 for g in folds if g == f) for f in sorted(set(folds))},
        "results": {k: _slim(r) for k, r in results.items()},
        "learning_curve": {k: {f: _slim(r) for f, r in v.items()} for k, v in curve.items()},
        "per_group": {k: r["fairness"]["per_group"] for k, r in results.items()},
        "external": {k: _slim(r) for k, r in ext.items()},
        "facenet_weights": source.weights_name, "seconds": round(time.perf_counter() - start, 1),
    }
    write_predictions(folder / "predictions.csv", rows)
    report["plots"] = write_plots(folder, report, results)
    from hrisim.io import atomic_write_text

    atomic_write_text(folder / "report.md", markdown(report))
    atomic_write_text(folder / "sim2real.json", json.dumps(report, indent=1, default=str))
    return report


def _slim(r: dict) -> dict:
    """The figures a report keeps (no per-clip predictions)."""
    keep = ("n", "accuracy", "accuracy_ci", "f1", "f1_ci", "precision", "recall", "confusion_matrix")
    return {**{k: r[k] for k in keep if k in r}, "accuracy_gap": r["fairness"]["accuracy_gap"],
            "equalized_odds_difference": r["fairness"]["equalized_odds_difference"]}


# ---------------------------------------------------------------------------------------------
# Report

def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def _ci(r: dict, key: str) -> str:
    ci = r.get(f"{key}_ci")
    return f"{_pct(r[key])} [{_pct(ci[0])}, {_pct(ci[1])}]" if ci else _pct(r[key])


def markdown(report: dict) -> str:
    cfg, d = report["config"], report["data"]
    m = cfg["base"]["model"]
    lines = [
        "# sim2real benchmark", "",
        f"- real: `{cfg['real']}` ({d['real']} clips, {d['real_subjects']} subjects, {len(report['folds'])} subject-grouped folds); "
        f"synthetic: `{cfg['synthetic']}` ({d['synthetic']} clips, {d['synthetic_humans']} humans)"
        + (f"; external: `{cfg['external']}` ({d['external']} clips)" if cfg["external"] else ""),
        f"- task: {', '.join(report['task_classes'])} (argmax over these classes); model `{m['kind']}` L={m['length']}, "
        f"FaceNet {'frozen' if m['freeze_facenet'] else 'fine-tuned'} ({report['facenet_weights']}); "
        f"mixed ratio {cfg['ratio']}; seed {cfg['seed']}; {cfg['bootstrap']} subject bootstrap resamples; {report['seconds']:.0f} s",
        *[f"- note: {n}" for n in report["notes"]], "",
        "## Conditions (pooled real test folds, 100 % of the real training folds)", "",
        "| condition | n | accuracy % [95 % CI] | macro-F1 % [95 % CI] | group gap % | EOD |", "|---|---|---|---|---|---|",
    ]
    for k, r in report["results"].items():
        lines.append(f"| {TITLES[k]} | {r['n']} | {_ci(r, 'accuracy')} | {_ci(r, 'f1')} | {_pct(r['accuracy_gap'])} | "
                     f"{r['equalized_odds_difference']:.3f} |")
    lines += ["", "![conditions](conditions.png)", "", "## Learning curve over the real training set", "",
              "| condition | " + " | ".join(f"{float(f) * 100:g} %" for f in cfg["fractions"]) + " |",
              "|---|" + "---|" * len(cfg["fractions"])]
    for k, v in report["learning_curve"].items():
        lines.append(f"| {TITLES[k]} | " + " | ".join(_ci(v[str(f)], "accuracy") for f in cfg["fractions"]) + " |")
    syn = report["results"]["synthetic_only"]
    lines += [f"| synthetic only (no real clip) | {_ci(syn, 'accuracy')} (every fraction) |", "",
              "Accuracy % [95 % CI]; each smaller real set is part of the larger one.", "", "![learning curve](learning_curve.png)", "",
              "## Per group (accuracy %, n)", ""]
    groups = sorted({g for v in report["per_group"].values() for g in v})
    lines += ["| condition | " + " | ".join(groups) + " |", "|---|" + "---|" * len(groups)]
    for k, v in report["per_group"].items():
        lines.append(f"| {TITLES[k]} | " + " | ".join(f"{_pct(v[g]['accuracy'])} ({v[g]['n']})" if g in v else "–" for g in groups) + " |")
    lines += ["", "![groups](groups.png)", ""]
    if report["external"]:
        lines += ["## External set (fold models' mean probabilities, argmax over the classes it holds)", "",
                  "| condition | n | accuracy % [95 % CI] | macro-F1 % [95 % CI] |", "|---|---|---|---|"]
        for k, r in report["external"].items():
            lines.append(f"| {TITLES[k]} | {r['n']} | {_ci(r, 'accuracy')} | {_ci(r, 'f1')} |")
        lines.append("")
    lines += ["Confusion matrices: " + " ".join(f"![{k}]({k}_confusion.png)" for k in report["results"]), ""]
    return "\n".join(lines)


def write_plots(folder: Path, report: dict, results: dict) -> list[str]:
    """conditions.png (accuracy and F1 with intervals), learning_curve.png, groups.png, confusions."""
    from training.plots import figure_module, plot_confusion, save_figure

    plt = figure_module()

    def finish(fig, ax, name: str, title: str, ylabel: str, legend_size: int = 8) -> str:
        ax.set_ylim(0, 1)
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=legend_size)
        return save_figure(plt, fig, ax, f"sim2real: {title}", folder / name).name

    names = list(report["results"])
    files = []
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=120)
    x = np.arange(len(names))
    for j, key in enumerate(("accuracy", "f1")):
        vals = [report["results"][k][key] for k in names]
        cis = [report["results"][k][f"{key}_ci"] or [v, v] for k, v in zip(names, vals)]
        err = np.array([[v - c[0] for v, c in zip(vals, cis)], [c[1] - v for v, c in zip(vals, cis)]])
        ax.bar(x + (j - 0.5) * 0.38, vals, 0.38, yerr=err, capsize=3, label="accuracy" if key == "accuracy" else "macro-F1")
    ax.axhline(1 / len(report["task_classes"]), color="grey", ls=":", lw=1, label="chance")
    ax.set_xticks(x, [TITLES[k] for k in names])
    files.append(finish(fig, ax, "conditions.png", "conditions (95 % subject-bootstrap intervals)", "pooled real test folds"))

    fig, ax = plt.subplots(figsize=(6.4, 3.8), dpi=120)
    fr = [float(f) for f in report["config"]["fractions"]]
    for k, v in report["learning_curve"].items():
        acc = [v[str(f)]["accuracy"] for f in report["config"]["fractions"]]
        ci = [v[str(f)]["accuracy_ci"] for f in report["config"]["fractions"]]
        ax.plot(fr, acc, marker="o", label=TITLES[k])
        if all(ci):
            ax.fill_between(fr, [c[0] for c in ci], [c[1] for c in ci], alpha=0.15)
    ax.axhline(report["results"]["synthetic_only"]["accuracy"], color="k", ls="--", lw=1, label="synthetic only")
    ax.set_xscale("log")
    ax.set_xticks(fr, [f"{100 * f:g} %" for f in fr])
    ax.set_xlabel("share of the real training folds")
    files.append(finish(fig, ax, "learning_curve.png", "learning curve", "accuracy"))

    groups = sorted({g for v in report["per_group"].values() for g in v})
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=120)
    width = 0.8 / max(len(names), 1)
    for i, k in enumerate(names):
        vals = [report["per_group"][k].get(g, {}).get("accuracy", np.nan) for g in groups]
        ax.bar(np.arange(len(groups)) + (i - (len(names) - 1) / 2) * width, vals, width, label=TITLES[k])
    ax.set_xticks(range(len(groups)), groups)
    files.append(finish(fig, ax, "groups.png", "per group", "accuracy", legend_size=7))
    for k, r in results.items():
        files.append(plot_confusion(r["confusion_matrix"], CLASSES, folder / f"{k}_confusion.png", f"sim2real: {TITLES[k]}").name)
    return files
