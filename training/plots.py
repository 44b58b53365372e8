"""Report figures (matplotlib, Agg): confusion matrix and per-group accuracy."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def figure_module():
    """matplotlib.pyplot on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_confusion(cm, classes, path: Path, title: str) -> Path:
    """Counts with row-normalised shading (rows = true class)."""
    plt = figure_module()
    cm = np.asarray(cm)
    rows = cm.sum(1, keepdims=True)
    frac = np.divide(cm, rows, out=np.zeros(cm.shape, float), where=rows > 0)
    fig, ax = plt.subplots(figsize=(4.2, 3.8), dpi=120)
    ax.imshow(frac, cmap="Blues", vmin=0, vmax=1)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, f"{cm[i, j]}\n{frac[i, j]:.0%}" if rows[i, 0] else "–", ha="center", va="center",
                    color="white" if frac[i, j] > 0.6 else "black", fontsize=9)
    ax.set_xticks(range(len(classes)), classes)
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    return save_figure(plt, fig, ax, title, path)


def plot_groups(per_group: dict[str, dict], path: Path, title: str) -> Path:
    """Accuracy per group with the number of clips (and subjects) above each bar, and the
    subject-resampled 95 % interval as an error bar where the figures carry one."""
    plt = figure_module()
    names = list(per_group)
    accs = [per_group[g]["accuracy"] for g in names]
    fig, ax = plt.subplots(figsize=(max(3.5, 0.9 * len(names) + 1.5), 3.2), dpi=120)
    bars = ax.bar(names, accs, color="#4878a8")
    for bar, g in zip(bars, names):
        v = per_group[g]
        ci = v.get("accuracy_ci")
        if ci:
            x = bar.get_x() + bar.get_width() / 2
            ax.errorbar([x], [v["accuracy"]], yerr=[[v["accuracy"] - ci[0]], [ci[1] - v["accuracy"]]],
                        color="black", capsize=3, linewidth=1)
        label = f"n={v['n']}" + (f", {v['subjects']} subj." if "subjects" in v else "")
        top = max(bar.get_height(), ci[1] if ci else 0.0)
        ax.text(bar.get_x() + bar.get_width() / 2, top + 0.02, label, ha="center", fontsize=8)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("accuracy")
    return save_figure(plt, fig, ax, title, path)


def save_figure(plt, fig, ax, title: str, path: Path) -> Path:
    """Title (wrapped), tight layout, save to ``path`` and close: how every report figure ends."""
    import textwrap

    ax.set_title("\n".join(textwrap.wrap(title, 48)), fontsize=9)  # long run names would be clipped
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
