"""``hrisim dataset export-coco``: a generated dataset's face boxes and landmarks as COCO keypoint JSON.

One COCO *image* per frame of every clip (``id`` counts frames in manifest order). Its ``file_name``
is the frame's PNG as ``hrisim generate --png`` writes it (``frames/<clip_id>/<NNN>.png``, relative
to the dataset folder); the same frame is always frame ``frame_index`` (0-based) of ``video`` (the
clip's MP4), so a dataset generated without ``--png`` is read by decoding the video. Each image also
carries its clip's ``clip_id``, ``split``, ``emotion``, ``human_id``, ``h_deg`` and ``v_deg``.

One *annotation* per frame whose face box lies in the image: category 1 ``face`` with the five
keypoints of ``labels/*.npz`` (``left_eye``, ``right_eye``, ``nose_tip``, ``mouth_left``,
``mouth_right``). ``bbox`` is the labels file's ``face_boxes`` row (x0, y0, x1, y1 pixels) clipped to
the image and written as COCO's [x, y, width, height]; ``area`` is its width × height. A keypoint
inside the image has visibility 2, one outside it is written as 0, 0, 0 (COCO's "not labelled");
whether the head itself hides a point (the far eye in a profile view) is not tested.

The export validates its own document with :func:`coco_problems` (no pycocotools needed) before it
writes it, atomically, so a JSON file under the given name is always complete and well formed.
"""
from __future__ import annotations

import datetime
import json
import math
from pathlib import Path
from typing import Callable

import numpy as np

from sim_env.dataset.store import FORMAT, DatasetError, read_labels, read_manifest

CATEGORY_ID = 1
SPLITS = ("all", "train", "val")
IMAGE_FIELDS = ("clip_id", "split", "emotion", "human_id", "h_deg", "v_deg")


def landmark_names() -> tuple[str, ...]:
    from sim_env.render.performance import LANDMARK_NAMES

    return tuple(LANDMARK_NAMES)


def export_coco(root: str | Path, out: str | Path, split: str = "all", step: int = 1,
                log: Callable[[str], None] = print) -> dict:
    """Write ``out`` (COCO keypoint JSON) for the clips of ``split`` of dataset ``root``, every
    ``step``-th frame; returns the document's counts."""
    from hrisim import hrisim_version
    from hrisim.io import atomic_write_text

    root, out = Path(root), Path(out)
    if split not in SPLITS:
        raise DatasetError(f"split {split!r}: expected one of {', '.join(SPLITS)}")
    if step < 1:
        raise DatasetError(f"step {step}: expected a whole number >= 1")
    if out.is_dir():
        raise DatasetError(f"{out}: is a folder; --out takes the JSON file to write")
    table = read_manifest(root, required=("clip_id", "file", "labels_file", "width", "height", "n_frames"))
    if split != "all":
        if "split" not in table.columns:
            raise DatasetError(f"{table.attrs['path']}: no 'split' column to select {split!r} clips by")
        table = table[table["split"].astype(str) == split]
    names = landmark_names()
    images, annotations = [], []
    for row in table.to_dict("records"):
        images_of_clip, annotations_of_clip = _clip_entries(root, row, names, step, len(images), len(annotations))
        images += images_of_clip
        annotations += annotations_of_clip
    doc = {
        "info": {"description": f"hrisim synthetic dataset {root.resolve().name}: face boxes and {len(names)} "
                                f"landmarks per frame ({split} clips, frame step {step})",
                 "version": FORMAT, "hrisim_version": hrisim_version(), "contributor": "hrisim",
                 "year": datetime.date.today().year, "date_created": datetime.date.today().isoformat(), "url": ""},
        "licenses": [{"id": 1, "name": "see the dataset card (README.md of the dataset folder)", "url": ""}],
        "images": images,
        "annotations": annotations,
        "categories": [{"id": CATEGORY_ID, "name": "face", "supercategory": "person",
                        "keypoints": list(names), "skeleton": []}],
    }
    problems = coco_problems(doc)
    if problems:  # a bug of this module, or labels no COCO reader could take: never write such a file
        raise DatasetError(f"{root}: the COCO export would be malformed: " + "; ".join(problems[:5]))
    atomic_write_text(out, json.dumps(doc, separators=(",", ":")))
    counts = {"clips": len(table), "images": len(images), "annotations": len(annotations)}
    log(f"{counts['images']} frames of {counts['clips']} clips, {counts['annotations']} face annotations -> {out}")
    return counts


def _clip_entries(root: Path, row: dict, names: tuple[str, ...], step: int, image_base: int,
                  annotation_base: int) -> tuple[list[dict], list[dict]]:
    clip, where = str(row["clip_id"]), root / str(row["labels_file"])
    labels = read_labels(where, ("face_boxes", "landmarks"))
    boxes, points = labels["face_boxes"].astype(float), labels["landmarks"].astype(float)
    n, width, height = int(row["n_frames"]), int(row["width"]), int(row["height"])
    if boxes.shape != (n, 4):
        raise DatasetError(f"{where}: face_boxes has shape {boxes.shape}; expected ({n}, 4) for the manifest's {n} frames")
    if points.shape != (n, len(names), 2):
        raise DatasetError(f"{where}: landmarks has shape {points.shape}; expected ({n}, {len(names)}, 2)")
    extra = {k: _plain(row[k]) for k in IMAGE_FIELDS if k in row}
    images, annotations = [], []
    for t in range(0, n, step):
        image_id = image_base + len(images) + 1
        images.append({"id": image_id, "file_name": f"frames/{clip}/{t + 1:03d}.png", "width": width, "height": height,
                       "license": 1, "video": str(row["file"]), "frame_index": t, **extra})
        bbox = coco_bbox(boxes[t], width, height)
        if bbox is None:
            continue
        keypoints, visible = [], 0
        for x, y in points[t]:
            inside = bool(math.isfinite(x) and math.isfinite(y) and 0 <= x <= width and 0 <= y <= height)
            keypoints += [round(float(x), 3), round(float(y), 3), 2] if inside else [0, 0, 0]
            visible += inside
        annotations.append({"id": annotation_base + len(annotations) + 1, "image_id": image_id,
                            "category_id": CATEGORY_ID, "bbox": bbox, "area": round(bbox[2] * bbox[3], 3),
                            "iscrowd": 0, "keypoints": keypoints, "num_keypoints": visible})
    return images, annotations


def coco_bbox(box: np.ndarray, width: int, height: int) -> list[float] | None:
    """An (x0, y0, x1, y1) pixel box clipped to the image as COCO's [x, y, w, h]; None when nothing
    of it is in the image (or it is not finite)."""
    if not np.isfinite(box).all():
        return None
    x0, x1 = (min(max(float(v), 0.0), width) for v in (box[0], box[2]))
    y0, y1 = (min(max(float(v), 0.0), height) for v in (box[1], box[3]))
    if x1 <= x0 or y1 <= y0:
        return None
    return [round(x0, 3), round(y0, 3), round(x1 - x0, 3), round(y1 - y0, 3)]


def _plain(value):
    """A manifest cell as a JSON value (numpy scalars to Python numbers)."""
    return value.item() if isinstance(value, np.generic) else value


def coco_problems(doc: dict) -> list[str]:
    """What makes ``doc`` not a COCO keypoint document: missing sections or fields, ids that repeat
    or point nowhere, boxes outside their image, keypoint lists of the wrong length or count."""
    problems: list[str] = []
    for key, kind in (("info", dict), ("images", list), ("annotations", list), ("categories", list)):
        if not isinstance(doc.get(key), kind):
            problems.append(f"'{key}': expected a {kind.__name__}")
    if problems:
        return problems
    categories = {}
    for c in doc["categories"]:
        if not isinstance(c.get("id"), int) or not isinstance(c.get("name"), str) or not isinstance(c.get("keypoints"), list):
            problems.append(f"category {c.get('id')!r}: needs an int 'id', a 'name' and a 'keypoints' list")
        elif c["id"] in categories:
            problems.append(f"category id {c['id']} repeats")
        else:
            categories[c["id"]] = c
    images = {}
    for im in doc["images"]:
        fields_ok = (isinstance(im.get("id"), int) and isinstance(im.get("file_name"), str)
                     and all(isinstance(im.get(k), int) and im[k] > 0 for k in ("width", "height")))
        if not fields_ok:
            problems.append(f"image {im.get('id')!r}: needs an int 'id', a 'file_name' and positive int 'width', 'height'")
        elif im["id"] in images:
            problems.append(f"image id {im['id']} repeats")
        else:
            images[im["id"]] = im
    seen = set()
    for a in doc["annotations"]:
        where = f"annotation {a.get('id')!r}"
        if not isinstance(a.get("id"), int) or a["id"] in seen:
            problems.append(f"{where}: needs an int 'id' of its own")
            continue
        seen.add(a["id"])
        image, category = images.get(a.get("image_id")), categories.get(a.get("category_id"))
        if image is None or category is None:
            problems.append(f"{where}: image_id {a.get('image_id')!r} or category_id {a.get('category_id')!r} names nothing")
            continue
        bbox = a.get("bbox")
        if not (isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, (int, float)) and math.isfinite(v) for v in bbox)):
            problems.append(f"{where}: bbox must be 4 finite numbers [x, y, w, h]")
            continue
        x, y, w, h = bbox
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > image["width"] + 1e-6 or y + h > image["height"] + 1e-6:
            problems.append(f"{where}: bbox {bbox} is empty or outside its {image['width']}x{image['height']} image")
        if not isinstance(a.get("area"), (int, float)) or abs(a["area"] - w * h) > 1e-2 * max(1.0, w * h):
            problems.append(f"{where}: area {a.get('area')!r} is not the bbox's w*h {w * h:.3f}")
        if a.get("iscrowd") not in (0, 1):
            problems.append(f"{where}: iscrowd must be 0 or 1")
        kp, k = a.get("keypoints"), len(category["keypoints"])
        if not isinstance(kp, list) or len(kp) != 3 * k:
            problems.append(f"{where}: keypoints must be {3 * k} numbers (x, y, v for {k} points)")
            continue
        vis = kp[2::3]
        if any(v not in (0, 1, 2) for v in vis):
            problems.append(f"{where}: keypoint visibility must be 0, 1 or 2")
        if a.get("num_keypoints") != sum(v > 0 for v in vis):
            problems.append(f"{where}: num_keypoints {a.get('num_keypoints')!r} but {sum(v > 0 for v in vis)} labelled")
    return problems
