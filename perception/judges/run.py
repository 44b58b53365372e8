"""The independent FER judge's reading of a folder of real faces, and the report both kinds of source share.

A real folder ``ROOT/<label>/<item>`` (item: an image, a video, or a folder of frames; the label folder
names an emotion, e.g. anger/angry, disgust, confusion, happy): MTCNN finds the face in up to
``JudgeConfig.frames_per_clip`` evenly spaced frames of each item, the same square crop is judged, and
the probabilities are averaged over the frames with a face. Items with no face are counted, not judged.

A generated dataset (``hrisim generate``) is read by ``training.judge_dataset`` (perception never reads a
dataset's manifest): the apex frame of every clip, cropped to its ground-truth face box, judged here by
the same :class:`~perception.judges.fer.FERJudge`, and reported by :func:`write_judgement`.

Outputs in ``--out``: ``judge.json`` (figures), ``judgements.csv`` (one row per clip), ``report.md``,
``confusion.png`` (intended vs judged) and ``apex_sheet.png`` (each signal's apex with its verdict).
The judge is a measuring instrument: these figures must never select or train a model.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from perception.judges.fer import JUDGE_CLASSES, FERJudge, crop_square

# hrisim's intended emotion → the judge class that names it (confusion has none).
JUDGE_CLASS_OF = {"anger": "angry", "disgust": "disgust", "fear": "fear", "happy": "happy", "sad": "sad",
                  "surprise": "surprise", "neutral": "neutral", "confusion": None}
# Label folder names of real sets → intended emotion.
LABEL_ALIASES = {
    "anger": "anger", "angry": "anger", "disgust": "disgust", "disgusted": "disgust", "confusion": "confusion",
    "confused": "confusion", "fear": "fear", "fearful": "fear", "afraid": "fear", "happy": "happy",
    "happiness": "happy", "joy": "happy", "sad": "sad", "sadness": "sad", "surprise": "surprise",
    "surprised": "surprise", "neutral": "neutral", "calm": "neutral",
}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
VIDEO_SUFFIXES = (".mp4", ".gif", ".avi", ".mov", ".webm", ".mkv")
BREAKDOWNS = (("per_group", "group"), ("per_signal", "signal"), ("per_viewpoint", "viewpoint"),
              ("per_skin_tone", "skin_tone"), ("per_gender", "gender"))


@dataclass(frozen=True)
class JudgeConfig:
    """``margin``: the crop is a square of (1 + margin) × the face box's longer side (fer pads its
    detector's box by 10 px a side, about 20 % of a 100 px face); ``frames_per_clip``: real videos and
    frame folders are judged on at most this many evenly spaced frames; ``sheet_people``: the apex
    sheet shows every signal of this many people (of different groups and both genders; real folders:
    this many items per label); ``sheet_cell``: pixels per sheet cell."""

    margin: float = 0.2
    frames_per_clip: int = 16
    sheet_people: int = 4
    sheet_cell: int = 128
    device: str = "cpu"

    def __post_init__(self):
        if not 0 <= self.margin <= 2:
            raise ValueError(f"JudgeConfig.margin: expected 0..2, got {self.margin}")
        if self.frames_per_clip < 1 or self.sheet_people < 1 or self.sheet_cell < 48:
            raise ValueError("JudgeConfig: frames_per_clip and sheet_people must be >= 1, sheet_cell >= 48")


def run_real_judge(root: str | Path, out: str | Path, config: JudgeConfig = JudgeConfig(),
                   log: Callable[[str], None] = print, judge: FERJudge | None = None) -> dict:
    """Judge a real folder ``ROOT/<label>/<item>`` and write the report into ``out`` (see the module
    docstring). A generated dataset is judged by ``training.judge_dataset.run_judge`` (which
    ``hrisim judge`` calls for both kinds), since reading a dataset's manifest is not perception's job."""
    root, out = Path(root), Path(out)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: not a folder (expected a `hrisim generate` dataset or ROOT/<label>/...)")
    start = time.perf_counter()
    judge = judge or FERJudge(device=config.device)
    rows, cells = judge_real(root, judge, config, log)
    return write_judgement(out, "real", root, rows, cells, config, start)


def write_judgement(out: Path, kind: str, source: Path, rows: list[dict], cells: list, config: JudgeConfig,
                    start: float) -> dict:
    """The report of verdict ``rows`` (one dict per clip or item, verdicts added by :func:`add_verdict`)
    and sheet ``cells`` ((row, crop) pairs) of a ``kind`` ("synthetic" or "real") source, written into
    ``out``; ``start``: ``time.perf_counter()`` when judging began."""
    report = summarise(rows)
    report = {"source": {"kind": kind, "path": str(Path(source).resolve())}, "judge": asdict(FERJudge.info),
              "config": asdict(config), **report, "seconds": round(time.perf_counter() - start, 2),
              "sheet_people": list(dict.fromkeys(r["human_id"] for r, _ in cells if r["human_id"]))}
    write_outputs(Path(out), rows, report, cells)
    return report


# ---------------------------------------------------------------------------------------------
# Real folders

def real_label(name: str, where: str) -> str:
    key = name.strip().lower()
    if key not in LABEL_ALIASES:
        raise ValueError(f"{where}: unknown label {name!r}; expected one of {', '.join(sorted(LABEL_ALIASES))}")
    return LABEL_ALIASES[key]


def _items(root: Path) -> list[tuple[Path, str]]:
    items = []
    for label_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        label = real_label(label_dir.name, str(label_dir))
        for item in sorted(label_dir.iterdir()):
            suffix = item.suffix.lower()
            if item.is_file() and suffix in IMAGE_SUFFIXES + VIDEO_SUFFIXES:
                items.append((item, label))
            elif item.is_dir() and any(p.suffix.lower() in IMAGE_SUFFIXES for p in item.iterdir()):
                items.append((item, label))
    if not items:
        raise ValueError(f"{root}: no images, videos or frame folders under ROOT/<label>/ (and no manifest: "
                         "not a generated dataset either)")
    return items


def _spaced(n: int, k: int) -> list[int]:
    return sorted(set(np.linspace(0, n - 1, min(n, k)).round().astype(int).tolist()))


def load_item_frames(item: Path, k: int) -> list[np.ndarray]:
    """Up to ``k`` evenly spaced (H, W, 3) RGB frames of an image, a video or a frame folder."""
    from PIL import Image

    if item.is_dir():
        files = sorted(p for p in item.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        return [np.asarray(Image.open(files[i]).convert("RGB")) for i in _spaced(len(files), k)]
    if item.suffix.lower() in IMAGE_SUFFIXES:
        try:
            return [np.asarray(Image.open(item).convert("RGB"))]
        except OSError as exc:
            raise ValueError(f"{item}: cannot read the image ({exc})") from exc
    from perception.video import read_video

    frames, _ = read_video(item)
    return [frames[i] for i in _spaced(len(frames), k)]


def judge_real(root: Path, judge: FERJudge, config: JudgeConfig, log=print) -> tuple[list[dict], list]:
    """One verdict row per real item: MTCNN face crop, judge probabilities averaged over its frames."""
    from tqdm.auto import tqdm

    from perception.face_crop import FaceCropper

    cropper = FaceCropper(device=config.device)
    rows, cells, per_label = [], [], Counter()
    for item, label in tqdm(_items(root), desc="judging real faces", leave=False):
        faces = []
        for frame in load_item_frames(item, config.frames_per_clip):
            (cand,) = cropper.detect(frame[None])
            if cand is not None and len(cand):
                areas = (cand[:, 2] - cand[:, 0]) * (cand[:, 3] - cand[:, 1])
                faces.append(crop_square(frame, cand[int(np.argmax(areas))], config.margin))
        row = {"clip_id": str(item.relative_to(root)), "intended": label, "signal": label, "human_id": "",
               "group": "", "gender": "", "skin_tone": "", "viewpoint": "", "frame": len(faces), "face_found": bool(faces)}
        if faces:
            add_verdict(row, judge.predict_proba(faces).mean(axis=0))
            if per_label[label] < config.sheet_people:
                cells.append((row, faces[len(faces) // 2]))
                per_label[label] += 1
        rows.append(row)
    no_face = sum(not r["face_found"] for r in rows)
    log(f"judged {len(rows) - no_face} real items of {root}" + (f"; {no_face} without a face (not judged)" if no_face else ""))
    return rows, cells


# ---------------------------------------------------------------------------------------------
# Figures

def add_verdict(row: dict, p: np.ndarray) -> None:
    """Add the judge's probabilities ``p`` (7,), its 7-way verdict and its anger-vs-disgust verdict to ``row``."""
    p = np.asarray(p, float)
    row.update({f"p_{c}": float(v) for c, v in zip(JUDGE_CLASSES, p)})
    row["judged"] = JUDGE_CLASSES[int(np.argmax(p))]
    row["two_way"] = "anger" if p[0] >= p[1] else "disgust"  # angry vs disgust, whatever else is larger


def _two_way(rows: list[dict]) -> dict | None:
    """Angry-vs-disgust argmax over the anger and disgust clips (None when there are none)."""
    ad = [r for r in rows if r["intended"] in ("anger", "disgust") and r["face_found"]]
    if not ad:
        return None
    recall = {}
    for e in ("anger", "disgust"):
        own = [r for r in ad if r["intended"] == e]
        recall[e] = float(np.mean([r["two_way"] == e for r in own])) if own else None
    present = [v for v in recall.values() if v is not None]
    return {"accuracy": float(np.mean([r["two_way"] == r["intended"] for r in ad])), "n": len(ad),
            "n_anger": sum(r["intended"] == "anger" for r in ad), "n_disgust": sum(r["intended"] == "disgust" for r in ad),
            "anger_recall": recall["anger"], "disgust_recall": recall["disgust"],
            "balanced_accuracy": float(np.mean(present))}


def _shares(rows: list[dict]) -> dict:
    counts = Counter(r["judged"] for r in rows)
    return {c: counts.get(c, 0) / len(rows) for c in JUDGE_CLASSES} if rows else {}


def _hit_rate(rows: list[dict]) -> float | None:
    """Share of clips judged as their own emotion (clips whose emotion has a judge class)."""
    scored = [r for r in rows if JUDGE_CLASS_OF.get(r["intended"])]
    return float(np.mean([r["judged"] == JUDGE_CLASS_OF[r["intended"]] for r in scored])) if scored else None


def _cell(rows: list[dict]) -> dict:
    two = _two_way(rows)
    shares = _shares(rows)
    return {"n": len(rows), "emotions": sorted({r["intended"] for r in rows}),
            "two_way": two["accuracy"] if two else None, "n_two_way": two["n"] if two else 0,
            "anger_recall": two["anger_recall"] if two else None, "disgust_recall": two["disgust_recall"] if two else None,
            "hit_rate": _hit_rate(rows), "top_judged": max(shares, key=shares.get) if shares else None, "judged": shares}


def summarise(all_rows: list[dict]) -> dict:
    """Every figure of judge.json from the verdict rows (rows without a face are counted, not scored)."""
    rows = [r for r in all_rows if r["face_found"]]
    emotions = sorted({r["intended"] for r in rows})
    recognition = {e: _shares([r for r in rows if r["intended"] == e]) for e in emotions}
    counts = {e: dict(Counter(r["judged"] for r in rows if r["intended"] == e)) for e in emotions}
    summary = {
        "n_clips": len(all_rows), "n_judged": len(rows), "n_no_face": len(all_rows) - len(rows),
        "two_way_anger_disgust": _two_way(rows),
        "recognition": recognition, "recognition_counts": counts,
        "hit_rate": {e: recognition[e].get(JUDGE_CLASS_OF[e]) for e in emotions if JUDGE_CLASS_OF.get(e)},
        "seven_way_accuracy": _hit_rate(rows),
    }
    for name, key in BREAKDOWNS:
        values = sorted({r[key] for r in rows if r[key] != ""})
        summary[name] = {v: _cell([r for r in rows if r[key] == v]) for v in values}
    groups = [c["two_way"] for c in summary["per_group"].values() if c["two_way"] is not None]
    summary["per_group_spread"] = float(max(groups) - min(groups)) if len(groups) > 1 else None
    return summary


# ---------------------------------------------------------------------------------------------
# Outputs

def _verdict_text(r: dict) -> tuple[str, str]:
    """(top, bottom) strip texts of a sheet cell: who and what; the judge's verdict."""
    p = max(r[f"p_{c}"] for c in JUDGE_CLASSES)
    mark = (" ok" if r["two_way"] == r["intended"] else " x") if r["intended"] in ("anger", "disgust") else ""
    return r["signal"][:21], f"{r['judged']} {p:.2f} | A/D: {r['two_way']}{mark}"


def _label_two_lines(image: np.ndarray, top: str, bottom: str) -> np.ndarray:
    from PIL import Image, ImageDraw

    pil = Image.fromarray(image)
    draw = ImageDraw.Draw(pil)
    draw.rectangle([0, 0, pil.width, 11], fill=(0, 0, 0))
    draw.text((2, 0), top, fill=(255, 255, 255))
    draw.rectangle([0, pil.height - 12, pil.width, pil.height], fill=(0, 0, 0))
    draw.text((2, pil.height - 12), bottom, fill=(255, 255, 0))
    return np.asarray(pil)


def write_sheet(path: Path, cells: list, size: int, columns: int) -> Path | None:
    """Apex crops with the judge's verdict (7-way argmax and its probability, anger-vs-disgust verdict)."""
    from PIL import Image

    from hrisim.io import atomic_path

    if not cells:
        return None
    columns = max(1, min(columns, len(cells)))
    rows, pad = -(-len(cells) // columns), 2
    sheet = Image.new("RGB", (columns * size + (columns + 1) * pad, rows * size + (rows + 1) * pad), (255, 255, 255))
    for i, (row, crop) in enumerate(cells):
        img = np.asarray(Image.fromarray(np.asarray(crop, np.uint8)).convert("RGB").resize((size, size), Image.BILINEAR))
        r, c = divmod(i, columns)
        sheet.paste(Image.fromarray(_label_two_lines(img, *_verdict_text(row))), (pad + c * (size + pad), pad + r * (size + pad)))
    with atomic_path(path) as tmp:
        sheet.save(tmp, format="PNG")
    return path


def plot_confusion(path: Path, report: dict) -> Path | None:
    """Rows: intended emotion; columns: judged class; cells: share of the row, with counts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    emotions = list(report["recognition"])
    if not emotions:
        return None
    shares = np.array([[report["recognition"][e].get(c, 0.0) for c in JUDGE_CLASSES] for e in emotions])
    counts = [[report["recognition_counts"][e].get(c, 0) for c in JUDGE_CLASSES] for e in emotions]
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.6 * len(emotions)))
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(len(emotions)):
        for j in range(len(JUDGE_CLASSES)):
            ax.text(j, i, f"{100 * shares[i, j]:.0f}%\n({counts[i][j]})", ha="center", va="center", fontsize=7,
                    color="white" if shares[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(JUDGE_CLASSES)), JUDGE_CLASSES)
    ax.set_yticks(range(len(emotions)), emotions)
    ax.set_xlabel("judged (FER2013 mini-Xception)")
    ax.set_ylabel("intended")
    ax.set_title(f"Independent judge: {Path(report['source']['path']).name}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _pct(v) -> str:
    return "–" if v is None else f"{100 * v:.1f}"


def markdown(report: dict) -> str:
    two = report["two_way_anger_disgust"]
    lines = [
        f"# Independent judge: `{report['source']['path']}` ({report['source']['kind']})", "",
        f"Judge: {report['judge']['model']}; {report['judge']['preprocessing']}. "
        f"**{report['judge']['role']}.**", "",
        f"{report['n_judged']} of {report['n_clips']} clips judged" + (f" ({report['n_no_face']} without a face)" if report["n_no_face"] else "")
        + (", apex frame (largest summed AU intensity), ground-truth face box" if report["source"]["kind"] == "synthetic" else
           ", MTCNN face, probabilities averaged over frames") + f", crop margin {report['config']['margin']}.", "",
    ]
    if two:
        lines += [f"**Anger vs disgust (angry-vs-disgust argmax): {_pct(two['accuracy'])} %** on {two['n']} clips "
                  f"(anger {_pct(two['anger_recall'])} % of {two['n_anger']}, disgust {_pct(two['disgust_recall'])} % of "
                  f"{two['n_disgust']}; balanced {_pct(two['balanced_accuracy'])} %)."]
        if report.get("per_group_spread") is not None:
            lines[-1] += f" Spread over groups: {_pct(report['per_group_spread'])} points."
        lines.append("")
    lines += ["## 7-way recognition (share of each intended emotion's clips judged as ...)", "",
              "| intended | n | " + " | ".join(JUDGE_CLASSES) + " |", "|---|---|" + "---|" * len(JUDGE_CLASSES)]
    for e, shares in report["recognition"].items():
        n = sum(report["recognition_counts"][e].values())
        lines.append(f"| {e} | {n} | " + " | ".join(_pct(shares.get(c, 0.0)) for c in JUDGE_CLASSES) + " |")
    lines += ["", "![confusion](confusion.png)", ""]
    for name, _ in BREAKDOWNS:
        table = report[name]
        if not table:
            continue
        lines += [f"## {name.replace('_', ' ')}", "", "| key | emotion | n | 2-way % | anger→angry-vs-disgust % | disgust→… % | own class % | most judged |",
                  "|---|---|---|---|---|---|---|---|"]
        for key, c in table.items():
            lines.append(f"| {key} | {','.join(c['emotions'])} | {c['n']} | {_pct(c['two_way'])} | {_pct(c['anger_recall'])} | "
                         f"{_pct(c['disgust_recall'])} | {_pct(c['hit_rate'])} | {c['top_judged']} |")
        lines.append("")
    lines += ["## Apex of each signal with the verdict", "", "![apex sheet](apex_sheet.png)", "",
              "Top strip: signal; bottom strip: the judge's 7-way argmax and its probability, then the "
              "anger-vs-disgust verdict (ok / x for anger and disgust clips). Every signal of up to "
              f"{report['config']['sheet_people']} people of different groups and genders (most frontal view); real "
              "folders: the first items of each label." + (" People, in row order: " + ", ".join(report["sheet_people"])
                                                             if report.get("sheet_people") else ""), ""]
    return "\n".join(lines)


def _sheet_columns(cells: list) -> int:
    """One person's signals per row (split in two rows past 11 signals); real folders: one label per row."""
    firsts = Counter(r["human_id"] or r["intended"] for r, _ in cells)
    per = max(firsts.values()) if firsts else 1
    return per if per <= 11 else -(-per // 2)


def write_outputs(out: Path, rows: list[dict], report: dict, cells: list) -> None:
    """judgements.csv, plots, report.md, and judge.json last (a folder without it is unfinished)."""
    import pandas as pd

    from hrisim.io import atomic_path, atomic_write_text

    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "judgements.csv") as tmp:
        pd.DataFrame(rows).to_csv(tmp, index=False)
    report["plots"] = [p.name for p in (plot_confusion(out / "confusion.png", report),
                                        write_sheet(out / "apex_sheet.png", cells, report["config"]["sheet_cell"],
                                                    _sheet_columns(cells))) if p]
    atomic_write_text(out / "report.md", markdown(report))
    atomic_write_text(out / "judge.json", json.dumps(report, indent=1))
