"""One experiment from its config: data → strategy → folds or hold-out → evaluation → run folder."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from training.config import ExperimentConfig
from training.evaluation import evaluate, evaluate_external, summarise_folds
from training.features import ClipSource
from training.folds import assign_folds, fold_split
from training.real import load_real
from training.records import ClipRecord, select_subjects, subjects
from training.predictors import input_mode
from training.report import prediction_rows, write_plots, write_predictions, write_report
from training.strategies import train_fold, train_synthetic
from training.synthetic import SyntheticFilter, load_synthetic, split_by_human


def make_source(cfg: ExperimentConfig) -> ClipSource:
    from training.loop import resolve_device

    return ClipSource(cfg.data.cache_dir, facenet_weights=cfg.model.facenet_weights, synthetic_crops=cfg.data.synthetic_crops,
                      embed_batch_size=cfg.train.embed_batch_size, device=resolve_device(cfg.train.device),
                      facenet_runtime=cfg.train.facenet_runtime, embed_threads=cfg.train.embed_threads)


def prepare_source(cfg: ExperimentConfig, source: ClipSource, records: list[ClipRecord]):
    """Fill ``source``'s caches for ``records`` up front; with ``model.person_norm``, the source that
    reads their embeddings minus each person's median over these records (training.person_norm)."""
    source.precompute(records, input_mode(cfg), cfg.model.frame_size, cfg.train.progress)
    if not cfg.model.person_norm:
        return source
    from training.person_norm import PersonNormalisedSource

    return PersonNormalisedSource(source, records)


def load_synthetic_records(cfg: ExperimentConfig) -> list[ClipRecord]:
    d = cfg.data
    vps = [tuple(v) for v in d.viewpoints] if d.viewpoints is not None else None
    return load_synthetic(d.synthetic, SyntheticFilter(d.groups, vps, d.emotions, d.humans))


def holdout_split(synthetic: list[ClipRecord], cfg: ExperimentConfig) -> tuple[list, list, list]:
    """(train, val, test) by human: test = the generator's 'val' split if the manifest has one,
    else ``evaluation.test_humans`` drawn by group; val = ``data.val_humans`` of the rest."""
    marked = [r for r in synthetic if r.extra.get("split") == "val"]
    if marked:
        test_humans = subjects(marked)
        rest = [r for r in synthetic if r.subject not in set(test_humans)]
        test = select_subjects(synthetic, test_humans)
    else:
        rest, test = split_by_human(synthetic, cfg.evaluation.test_humans, cfg.seed + 1)
    train, val = split_by_human(rest, cfg.data.val_humans, cfg.seed)
    return train, val, test


def _result(records, probs) -> dict:
    return evaluate([r.label for r in records], probs, [r.group for r in records],
                    subjects=[r.subject for r in records])


@dataclass
class Outcome:
    """What a protocol produced: named results, prediction rows, training histories, the trained
    models (name, predictor) and facts for the report."""

    results: dict = field(default_factory=dict)
    rows: list = field(default_factory=list)
    histories: dict = field(default_factory=dict)
    models: list = field(default_factory=list)
    info: dict = field(default_factory=dict)


def pretrain(cfg: ExperimentConfig, source: ClipSource, synthetic: list[ClipRecord], out: Outcome):
    """The synthetic phase of pretrain_finetune / synthetic_only (None for other strategies); under
    the holdout protocol, also the held-out test humans."""
    if cfg.strategy.kind not in ("pretrain_finetune", "synthetic_only"):
        return None, []
    if cfg.evaluation.protocol == "holdout":
        syn_train, syn_val, syn_test = holdout_split(synthetic, cfg)
        out.info["synthetic_test_humans"] = subjects(syn_test)
    else:
        (syn_train, syn_val), syn_test = split_by_human(synthetic, cfg.data.val_humans, cfg.seed), []
    out.info.update(synthetic_train_humans=subjects(syn_train), synthetic_val_humans=subjects(syn_val))
    return train_synthetic(cfg, source, syn_train, syn_val, cfg.seed), syn_test


def run_holdout(cfg: ExperimentConfig, source: ClipSource, synthetic: list[ClipRecord], out: Outcome) -> None:
    trained, test = pretrain(cfg, source, synthetic, out)
    probs = trained.predictor.predict_proba(test)
    out.results["holdout (unseen humans)"] = _result(test, probs)
    out.rows += prediction_rows(test, probs, "", "holdout")
    out.histories["holdout"] = trained.history
    out.models.append(("model", trained.predictor))


def run_cv(cfg: ExperimentConfig, source: ClipSource, real: list[ClipRecord], synthetic: list[ClipRecord], out: Outcome) -> None:
    """k-fold cross-validation on the real clips; every fold's test clips are predicted once."""
    folds, demo = assign_folds(real, cfg.evaluation.folds, cfg.seed, cfg.evaluation.demographic_groups)
    if cfg.evaluation.demographic_fold is not None:
        if cfg.evaluation.demographic_fold not in set(folds):
            raise ValueError(f"evaluation.demographic_fold {cfg.evaluation.demographic_fold} is not a fold of {cfg.data.real}")
        demo = cfg.evaluation.demographic_fold
    pretrained, _ = pretrain(cfg, source, synthetic, out)
    tested, probs, per_fold = [], [], {}
    for f in sorted(set(folds)):
        train, test = fold_split(real, folds, f)
        trained = train_fold(cfg, source, train, synthetic, cfg.seed + 1000 * (f + 1), pretrained, desc=f"fold {f}")
        p = trained.predictor.predict_proba(test)
        per_fold[f] = _result(test, p)
        out.histories[f"fold {f}"] = trained.history
        out.rows += prediction_rows(test, p, f, "cv")
        out.models.append((f"fold{f}", trained.predictor))
        tested += test
        probs.append(p)
    out.results["cv (all folds pooled)"] = _result(tested, np.concatenate(probs))
    if demo is not None:
        out.results[f"demographic fold {demo}"] = per_fold[demo]
    out.info["fold_summary"] = summarise_folds(per_fold)
    out.info["folds"] = {str(f): {k: r[k] for k in ("n", "accuracy", "precision", "recall", "f1")} for f, r in per_fold.items()}


def run_external(external: list[ClipRecord], out: Outcome) -> None:
    """The external set, predicted by the mean probabilities of all trained models (the fold models)."""
    probs = np.mean([m.predict_proba(external) for _, m in out.models], axis=0)
    ext = evaluate_external([r.label for r in external], probs, [r.group for r in external])
    out.info["external_present_classes"] = ext["present_classes"]
    out.results["external, 3-way argmax"] = ext["argmax_all"]
    out.results["external, argmax over present classes"] = ext["argmax_present"]
    out.rows += prediction_rows(external, probs, "", "external")


def run_experiment(cfg: ExperimentConfig, out: str | Path, source: ClipSource | None = None,
                   save_checkpoints: bool = True) -> dict:
    """Train and evaluate as ``cfg`` says; writes the run folder ``out`` and returns the report."""
    start = time.perf_counter()
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(_yaml(cfg.to_dict()))
    source = source or make_source(cfg)
    synthetic = load_synthetic_records(cfg) if cfg.data.synthetic else []
    real = load_real(cfg.data.real) if cfg.data.real else []
    external = load_real(cfg.data.external) if cfg.data.external else []
    source = prepare_source(cfg, source, real + synthetic + external)
    outcome = Outcome()
    if cfg.evaluation.protocol == "holdout":
        run_holdout(cfg, source, synthetic, outcome)
    else:
        run_cv(cfg, source, real, synthetic, outcome)
    if external:
        run_external(external, outcome)
    for i, (name, r) in enumerate(outcome.results.items()):
        r["plots"] = write_plots(folder, r, f"{i}_{name.split(' ')[0].replace(',', '')}", f"{cfg.name}: {name}")
    if save_checkpoints:
        for name, m in outcome.models:
            m.save(folder / "checkpoints" / name)
    write_predictions(folder / "predictions.csv", outcome.rows)
    info = dict(outcome.info)
    data = {"real": len(real), "synthetic": len(synthetic), "synthetic_humans": len(subjects(synthetic)), "external": len(external)}
    data.update({k: info.pop(k) for k in ("synthetic_train_humans", "synthetic_val_humans", "synthetic_test_humans") if k in info})
    report = {
        "name": cfg.name, "description": cfg.description, "config": cfg.to_dict(), "data": data, **info,
        "results": outcome.results, "history": _histories(outcome.histories),
        "facenet_weights": source.weights_name if input_mode(cfg) != "frames" else "none (3D-CNN)",
        "features": source.describe() if input_mode(cfg) != "frames" else {},
        "knn_k": {name: m.chosen_k for name, m in outcome.models if hasattr(m, "chosen_k")},
        "device": str(getattr(outcome.models[0][1], "device", "cpu")), "seconds": time.perf_counter() - start,
        "environment": _environment(),
    }
    write_report(folder, report)
    return report


def _histories(h: dict) -> dict:
    return {k: {phase: [e.to_dict() for e in logs] for phase, logs in v.items()} for k, v in h.items()}


def _environment() -> dict:
    import platform

    import torch

    from hrisim import hrisim_version

    return {"hrisim": hrisim_version(), "torch": torch.__version__, "python": platform.python_version(), "machine": platform.machine()}


def _yaml(d: dict) -> str:
    import yaml

    return yaml.safe_dump(d, sort_keys=False)
