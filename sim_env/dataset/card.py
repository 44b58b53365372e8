"""The dataset card: README.md in a dataset folder, written from its manifest, with plots.

A reviewer should see in one page who is in the data, what they express, from where they are
seen, and a few frames — the balance tables are the same ones ``hrisim dataset audit`` prints.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

# Card plots are drawn with matplotlib's non-interactive backend (no display on render machines).
_MPL_BACKEND = "Agg"


def _frame(rows):
    import pandas as pd

    return rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)


def balance_tables(rows) -> dict:
    """Titled pandas tables: clips by group × gender × emotion, humans, viewpoints, splits."""
    df = _frame(rows)
    clips = df.pivot_table(index=["group", "gender"], columns="emotion", values="clip_id",
                           aggfunc="count", fill_value=0, margins=True, margins_name="total")
    humans = df.drop_duplicates("human_id").pivot_table(
        index="group", columns="gender", values="human_id", aggfunc="count", fill_value=0,
        margins=True, margins_name="total")
    views = df.pivot_table(index="v_deg", columns="h_deg", values="clip_id", aggfunc="count",
                           fill_value=0).sort_index(ascending=False)
    views.index.name, views.columns.name = "v_deg \\ h_deg", None
    splits = df.groupby("split").agg(humans=("human_id", "nunique"), clips=("clip_id", "count"))
    tables = {
        "Clips by group × gender × emotion": clips,
        "Humans by group × gender": humans,
        "Splits (subject-disjoint)": splits,
    }
    if "hair_style" in df.columns:
        tables.update(look_tables(df))
    if views.shape[1] <= 15:
        tables["Viewpoint coverage (clips per horizontal × vertical angle, degrees)"] = views
    else:
        tables["Viewpoint ranges (random viewpoints)"] = df[["h_deg", "v_deg", "distance_m"]].describe().loc[["min", "mean", "max"]]
    return tables


def look_tables(df) -> dict:
    """Humans by hair length and texture per group × gender, and by facial hair, top and accessory:
    a reviewer sees whether looks are balanced or follow a stereotype."""
    import pandas as pd

    from humans.hair import STYLE_TRAITS

    people = df.drop_duplicates("human_id").copy()
    people["hair_length"] = [STYLE_TRAITS.get(s, ("?", "?"))[0] for s in people["hair_style"]]
    people["hair_texture"] = [STYLE_TRAITS.get(s, ("?", "?"))[1] for s in people["hair_style"]]
    tables = {}
    for column in ("hair_length", "hair_texture", "hair_style"):
        tables[f"Humans by group × gender × {column.replace('_', ' ')}"] = people.pivot_table(
            index=["group", "gender"], columns=column, values="human_id", aggfunc="count", fill_value=0)
    extras = {c: people[c].astype(str).value_counts() for c in ("facial_hair", "top", "glasses", "headscarf")
              if c in people.columns}
    tables["Facial hair, tops and accessories (humans)"] = (
        pd.concat(extras).rename("humans").rename_axis(["item", "value"]).to_frame())
    return tables


def markdown_table(table) -> str:
    """A pandas table as a GitHub markdown table (index levels become the first columns)."""
    flat = table.reset_index()
    header = [_cell(c) if not isinstance(c, tuple) else " ".join(map(_cell, c)) for c in flat.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for values in flat.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in values) + " |")
    return "\n".join(lines)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def plot_counts(df, path: Path) -> Path:
    import matplotlib

    matplotlib.use(_MPL_BACKEND)
    import matplotlib.pyplot as plt

    counts = df.pivot_table(index=["group", "gender"], columns="emotion", values="clip_id", aggfunc="count", fill_value=0)
    fig, ax = plt.subplots(figsize=(max(6, 0.8 * len(counts)), 3.6), dpi=110)
    width = 0.8 / max(1, counts.shape[1])
    x = np.arange(len(counts))
    for i, emotion in enumerate(counts.columns):
        ax.bar(x + i * width - 0.4 + width / 2, counts[emotion].to_numpy(), width, label=emotion)
    ax.set_xticks(x, [f"{g}\n{s}" for g, s in counts.index], fontsize=8)
    ax.set_ylabel("clips")
    ax.set_title("Clips by demographic group, gender and emotion")
    ax.legend(fontsize=8, ncols=min(4, counts.shape[1]))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_viewpoints(df, path: Path) -> Path:
    import matplotlib

    matplotlib.use(_MPL_BACKEND)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.8), dpi=110)
    points = df.groupby(["h_deg", "v_deg"]).size().reset_index(name="clips")
    sc = ax.scatter(points["h_deg"], points["v_deg"], s=30 + 250 * points["clips"] / points["clips"].max(),
                    c=points["clips"], cmap="viridis")
    if len(points) <= 30:
        for row in points.itertuples(index=False):
            ax.annotate(str(row.clips), (row.h_deg, row.v_deg), textcoords="offset points", xytext=(0, 9),
                        ha="center", fontsize=7)
    fig.colorbar(sc, ax=ax, label="clips")
    ax.set_xlabel("horizontal angle (deg, + = subject's left)")
    ax.set_ylabel("vertical angle (deg, + = camera above)")
    ax.set_title("Viewpoint coverage")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def sample_clips(df, n: int = 24):
    """One clip per human (the most frontal view), emotions cycling, up to ``n`` clips."""
    emotions = sorted(df["emotion"].unique())
    picks = []
    for i, (human, rows) in enumerate(df.groupby("human_id", sort=False)):
        if len(picks) >= n:
            break
        wanted = rows[rows["emotion"] == emotions[i % len(emotions)]]
        rows = wanted if len(wanted) else rows
        frontal = (rows["h_deg"].abs() + rows["v_deg"].abs()).idxmin()
        picks.append(rows.loc[frontal])
    return picks


def contact_sheet(root: Path, df, path: Path, n: int = 24) -> Path:
    """First, middle and last frame of up to ``n`` sample clips, two clips per row."""
    from sim_env.render.media import label, read_video, tile, write_png

    cells = []
    for row in sample_clips(df, n):
        frames = read_video(Path(root) / row["file"])
        picks = (0, len(frames) // 2, len(frames) - 1)
        cells += [label(frames[picks[0]], f"{row['human_id']}"),
                  label(frames[picks[1]], f"{row['emotion']} h{row['h_deg']:+.0f} v{row['v_deg']:+.0f}"),
                  label(frames[picks[2]], f"frame {picks[2] + 1}")]
    return write_png(path, tile(np.stack(cells), columns=6 if len(cells) >= 6 else len(cells)))


def write_card(root: Path, rows, meta: dict) -> Path:
    """README.md + card/{counts,viewpoints,contact_sheet}.png in the dataset folder."""
    from humans.spec import write_text_atomic

    root = Path(root)
    df = _frame(rows)
    card = root / "card"
    card.mkdir(exist_ok=True)
    plot_counts(df, card / "counts.png")
    plot_viewpoints(df, card / "viewpoints.png")
    contact_sheet(root, df, card / "contact_sheet.png")
    config = meta["config"]
    status = ("complete" if meta["complete"] else
              f"**incomplete: {meta['finished_clips']} of {meta['planned_clips']} planned clips**; run the same command to resume")
    lines = [
        f"# hrisim synthetic dataset `{root.name}`",
        "",
        f"{len(df)} clips ({status}) of {df['human_id'].nunique()} virtual humans × "
        f"{df['animation_id'].nunique()} AU animations × {df.groupby(['h_deg', 'v_deg']).ngroups} viewpoints, "
        f"{config['frames']} frames at {config['fps']:g} fps, {config['size']}×{config['size']} px.",
        "",
        f"- Command: `{meta.get('command') or 'sim_env.dataset.generate_dataset(...)'}`",
        f"- Seed {config['seed']}; rig `{config['rig']}`; lighting `{config['lighting']}`; background `{config['background']}`; "
        f"exposure `{config.get('exposure', 'fixed')}`; "
        f"field of view {config['yfov_deg']:g}°.",
        f"- Renderer: {df['renderer'].iloc[0]}; hrisim {meta['versions'].get('hrisim')}; "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if k != "hrisim"),
        "- Files: `manifest.csv` / `manifest.parquet` (one row per clip: who, what, how, where + sha256), "
        "`clips/*.mp4` (H.264), `labels/*.npz` (per-frame AU intensities, face boxes, landmarks)"
        + (", `crops/*.mp4` (160×160 face crops)" if config.get("crops") else "") + ".",
        f"- Validation humans (subject-disjoint): {', '.join(meta['splits']['val']) or 'none'}.",
        "- Verify with `hrisim dataset audit " + str(root) + "` (checksums and balance).",
        "",
    ]
    for title, table in balance_tables(df).items():
        lines += [f"## {title}", "", markdown_table(table), ""]
    lines += [
        "## Plots", "", "![counts](card/counts.png)", "", "![viewpoints](card/viewpoints.png)", "",
        "## Sample clips (first, middle and last frame; one clip per human)", "", "![contact sheet](card/contact_sheet.png)", "",
    ]
    return write_text_atomic(root / "README.md", "\n".join(lines))
