"""``hrisim judge`` on a generated dataset: the independent FER judge reads every clip's apex frame.

For every clip of the manifest (read through the dataset store's public reader), the apex frame
(largest summed AU intensity in ``labels/<clip>.npz``; the first frame of a clip with no AU) is decoded
from ``frames/`` when the PNGs are there, else from the MP4 with PyAV, cropped square around the
ground-truth face box and judged by perception's :class:`~perception.judges.fer.FERJudge`; the report
is perception's (:func:`perception.judges.run.write_judgement`). :func:`run_judge` takes either a
dataset or a real folder ``ROOT/<label>/...`` (``perception.judges.run.run_real_judge``), decided by
the presence of a manifest. The judge is a measuring instrument: its figures never select or train
a model.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np

from perception.judges.fer import FERJudge, crop_square
from perception.judges.run import JudgeConfig, add_verdict, run_real_judge, write_judgement


def is_dataset(path: Path) -> bool:
    """Whether ``path`` is a generated dataset folder (it has a manifest)."""
    return (Path(path) / "manifest.parquet").is_file() or (Path(path) / "manifest.csv").is_file()


def run_judge(path: str | Path, out: str | Path, config: JudgeConfig = JudgeConfig(),
              log: Callable[[str], None] = print) -> dict:
    """Judge a generated dataset or a real folder (decided by the presence of a manifest); writes ``out``."""
    path, out = Path(path), Path(out)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: not a folder (expected a `hrisim generate` dataset or ROOT/<label>/...)")
    if not is_dataset(path):
        return run_real_judge(path, out, config, log)
    start = time.perf_counter()
    rows, cells = judge_dataset(path, FERJudge(device=config.device), config, log)
    return write_judgement(out, "synthetic", path, rows, cells, config, start)


def apex_index(au_intensities: np.ndarray) -> int:
    """Frame with the largest summed AU intensity (the first one on ties; 0 without AUs)."""
    a = np.asarray(au_intensities, float)
    return int(np.argmax(a.sum(axis=1))) if a.ndim == 2 and a.shape[1] and len(a) else 0


def decode_frame(video: Path, index: int) -> np.ndarray:
    """Frame ``index`` (0-based) of a video as (H, W, 3) uint8 RGB, decoding no further than it."""
    import av

    try:
        with av.open(str(video)) as container:
            for i, frame in enumerate(container.decode(video=0)):
                if i == index:
                    return frame.to_ndarray(format="rgb24")
    except (av.FFmpegError, IndexError) as exc:
        raise ValueError(f"{video}: cannot decode ({exc})") from exc
    raise ValueError(f"{video}: has no frame {index + 1} (the labels file says the clip is longer)")


def _labels(root: Path, row) -> tuple[int, np.ndarray]:
    rel = str(row.get("labels_file", "") or "")
    path = root / rel
    if not rel or not path.is_file():
        raise ValueError(f"{root}: clip {row['clip_id']}: labels file {rel!r} not found (needed for the apex and face box)")
    from sim_env.dataset.store import read_labels  # the store's reader of labels/*.npz

    labels = read_labels(path, ("au_intensities", "face_boxes"))
    apex = apex_index(labels["au_intensities"])
    boxes = np.asarray(labels["face_boxes"], float)
    if boxes.ndim != 2 or boxes.shape[1] != 4 or apex >= len(boxes):
        raise ValueError(f"{path}: face_boxes has shape {boxes.shape}; expected (T, 4) with T > apex frame {apex}")
    return apex, boxes[apex]


def _apex_image(root: Path, row, apex: int) -> np.ndarray:
    png = root / "frames" / str(row["clip_id"]) / f"{apex + 1:03d}.png"
    if png.is_file():
        from PIL import Image

        return np.asarray(Image.open(png).convert("RGB"))
    return decode_frame(root / str(row["file"]), apex)


def _base_row(row) -> dict:
    h, v = float(row.get("h_deg", 0.0)), float(row.get("v_deg", 0.0))
    return {"clip_id": str(row["clip_id"]), "intended": str(row["emotion"]).lower(), "signal": str(row["animation_id"]),
            "human_id": str(row["human_id"]), "group": str(row.get("group", "")), "gender": str(row.get("gender", "")),
            "skin_tone": str(row.get("skin_tone", "")), "viewpoint": f"{h:+.0f},{v:+.0f}"}


def pick_people(table, n: int) -> list[str]:
    """Up to ``n`` humans for the apex sheet, in turn: a group not shown yet with the other gender than
    the last pick, else a new group, else anyone left (manifest order within each rule)."""
    people = [(str(r["human_id"]), str(r.get("group", "")), str(r.get("gender", "")))
              for _, r in table.drop_duplicates("human_id").iterrows()]
    picked: list[tuple[str, str, str]] = []
    while len(picked) < min(n, len(people)):
        left = [p for p in people if p not in picked]
        groups = {p[1] for p in picked}
        last = picked[-1][2] if picked else None
        rules = (lambda p: p[1] not in groups and p[2] != last, lambda p: p[1] not in groups, lambda p: True)
        picked.append(next(p for rule in rules for p in left if rule(p)))
    return [p[0] for p in picked]


def judge_dataset(root: Path, judge: FERJudge, config: JudgeConfig, log=print) -> tuple[list[dict], list]:
    """One verdict row per clip of the manifest (judged in chunks, so memory stays flat), and the
    apex crops of every signal for the sheet's people."""
    from tqdm.auto import tqdm

    from sim_env.dataset import read_manifest  # the one manifest reader (the store's public API)

    table = read_manifest(root, required=("clip_id", "file", "labels_file", "emotion", "animation_id", "human_id"))
    people = pick_people(table, config.sheet_people)
    frontal = (table["h_deg"].abs() + table["v_deg"].abs()) if {"h_deg", "v_deg"} <= set(table.columns) else None
    rows, sheet, chunk_rows, chunk_crops = [], {}, [], []

    def flush():
        for r, p in zip(chunk_rows, judge.predict_proba(chunk_crops) if chunk_crops else []):
            add_verdict(r, p)
        chunk_rows.clear()
        chunk_crops.clear()

    for i, row in tqdm(list(table.iterrows()), desc="judging apex frames", leave=False):
        apex, box = _labels(root, row)
        crop = crop_square(_apex_image(root, row, apex), box, config.margin)
        r = {**_base_row(row), "frame": apex + 1, "face_found": True}
        key = (r["human_id"], r["signal"])
        if r["human_id"] in people and (key not in sheet or (frontal is not None and frontal[i] < sheet[key][2])):
            sheet[key] = (r, crop, frontal[i] if frontal is not None else 0.0)  # the most frontal view
        rows.append(r)
        chunk_rows.append(r)
        chunk_crops.append(crop)
        if len(chunk_crops) >= 256:
            flush()
    flush()
    log(f"judged {len(rows)} clips of {root}")
    order = {h: k for k, h in enumerate(people)}
    cells = [(r, c) for (h, _), (r, c, _) in sorted(sheet.items(), key=lambda kv: (order[kv[0][0]], kv[0][1]))]
    return rows, cells


