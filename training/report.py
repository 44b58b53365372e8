"""A run folder: report.json (everything), report.md (for people), plots, predictions.csv.

report.json is written last, so a folder without it is an unfinished run.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from training.labels import CLASSES
from training.plots import plot_confusion, plot_groups


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def prediction_rows(records, probs, fold, subset: str) -> list[dict]:
    """predictions.csv rows: who, true label, argmax label, and every class probability."""
    return [{"set": subset, "fold": fold, "clip_id": r.clip_id, "subject": r.subject, "group": r.group,
             "label": CLASSES[r.label], "predicted": CLASSES[int(np.argmax(p))],
             **{f"p_{c}": float(v) for c, v in zip(CLASSES, p)}} for r, p in zip(records, probs)]


def write_predictions(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["clip_id"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_plots(out: Path, result: dict, stem: str, title: str) -> list[str]:
    """Confusion matrix and per-group bars for one evaluated set; returns the file names."""
    files = [plot_confusion(result["confusion_matrix"], CLASSES, out / f"{stem}_confusion.png", title).name]
    files.append(plot_groups(result["fairness"]["per_group"], out / f"{stem}_groups.png", title).name)
    return files


def _score_row(name: str, r: dict) -> str:
    f = r["fairness"]
    return (f"| {name} | {r['n']} | {_pct(r['accuracy'])} | {_pct(r['precision'])} | {_pct(r['recall'])} | {_pct(r['f1'])} "
            f"| {_pct(f['accuracy_gap'])} | {f['equalized_odds_difference']:.3f} |")


def markdown(report: dict) -> str:
    cfg = report["config"]
    lines = [
        f"# {report['name']}", "", report.get("description") or "", "",
        f"- model: `{cfg['model']['kind']}` L={cfg['model']['length']}, FaceNet "
        f"{'frozen' if cfg['model']['freeze_facenet'] else 'fine-tuned'}, weights **{report['facenet_weights']}**"
        + (", person-normalised embeddings (each person's median subtracted)" if cfg["model"].get("person_norm") else ""),
        f"- strategy: `{cfg['strategy']['kind']}`" + (f" ratio {cfg['strategy']['ratio']}" if cfg["strategy"]["kind"] == "mixed" else ""),
        f"- protocol: `{cfg['evaluation']['protocol']}`, seed {cfg['seed']}, device {report['device']}, {report['seconds']:.0f} s",
        f"- data: {json.dumps(report['data'])}", "",
        "| set | n | acc % | prec % | rec % | F1 % | group gap % | EOD |", "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in report["results"].items():
        lines.append(_score_row(name, r))
    if "fold_summary" in report:
        s = report["fold_summary"]
        lines += ["", "Mean ± std over folds: " + ", ".join(f"{k} {_pct(v['mean'])} ± {_pct(v['std'])}" for k, v in s.items())]
    for name, r in report["results"].items():
        groups = ", ".join(f"{g} {_group_text(v)}" for g, v in r["fairness"]["per_group"].items())
        lines += ["", f"**{name}** per group: {groups}"]
        single = r["fairness"].get("single_subject_groups")
        if single:
            lines += ["", f"One test subject in {', '.join(single)}: those figures (and the group gap) are of "
                          "persons, not groups; test more people per group to compare groups."]
        lines += ["", f"![{name} confusion]({r['plots'][0]}) ![{name} groups]({r['plots'][1]})"]
    if report.get("knn_k"):
        lines += ["", f"KNN-DTW k chosen on training folds: {report['knn_k']}"]
    lines += ["", "EOD: equalized-odds difference, one class against the rest, largest over classes (training/fairness.py).", ""]
    return "\n".join(lines)


def _group_text(v: dict) -> str:
    """'81.0 % (n=21, 1 subject)', with the subject-resampled 95 % interval where there is one."""
    subjects = v.get("subjects")
    who = "" if subjects is None else f", {subjects} subject{'s' if subjects != 1 else ''}"
    ci = v.get("accuracy_ci")
    interval = f", 95 % CI {_pct(ci[0])}-{_pct(ci[1])}" if ci else ""
    return f"{_pct(v['accuracy'])} % (n={v['n']}{who}{interval})"


def write_report(out: Path, report: dict) -> Path:
    from hrisim.io import atomic_write_text

    atomic_write_text(out / "report.md", markdown(report))
    atomic_write_text(out / "report.json", json.dumps(report, indent=1, default=str))
    return out / "report.json"
