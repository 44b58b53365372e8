"""``hrisim dataset export-coco``: a generated dataset's face boxes and landmarks as COCO keypoint JSON.
The structure is checked without pycocotools, and every box and keypoint against ``labels/*.npz``."""
from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim_env.dataset import read_manifest
from sim_env.dataset.coco import coco_bbox, coco_problems, export_coco
from sim_env.dataset.store import DatasetError

NAMES = ["left_eye", "right_eye", "nose_tip", "mouth_left", "mouth_right"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """2 humans (1 validation) × 1 signal × 2 viewpoints × 4 frames at 64 px."""
    from animations.library import get_signal
    from sim_env.dataset import GenerateConfig, generate_dataset

    anims = tmp_path_factory.mktemp("anims")
    get_signal("anger_brow_lower_lip_tighten").save(anims / "anger.yaml")
    out = tmp_path_factory.mktemp("coco_ds") / "tiny"
    cfg = GenerateConfig(out=str(out), humans="random:2:5", animations=str(anims), viewpoints="grid:-40,0;0",
                         frames=4, size=64, val_humans=1)
    generate_dataset(cfg, progress=False, log=lambda s: None)
    return out


def _structure(doc: dict) -> None:
    """COCO's keypoint format, checked here independently of coco_problems."""
    assert set(doc) >= {"info", "images", "annotations", "categories", "licenses"}
    (cat,) = doc["categories"]
    assert cat["id"] == 1 and cat["name"] == "face" and cat["keypoints"] == NAMES
    ids = [im["id"] for im in doc["images"]]
    assert len(set(ids)) == len(ids) and all(isinstance(i, int) for i in ids)
    by_id = {im["id"]: im for im in doc["images"]}
    assert len({a["id"] for a in doc["annotations"]}) == len(doc["annotations"])
    for a in doc["annotations"]:
        im = by_id[a["image_id"]]
        x, y, w, h = a["bbox"]
        assert a["category_id"] == 1 and a["iscrowd"] == 0 and w > 0 and h > 0
        assert 0 <= x and 0 <= y and x + w <= im["width"] + 1e-6 and y + h <= im["height"] + 1e-6
        assert a["area"] == pytest.approx(w * h, rel=1e-3)
        assert len(a["keypoints"]) == 15 and a["num_keypoints"] == sum(v > 0 for v in a["keypoints"][2::3])


def test_export_matches_the_labels_files(dataset, tmp_path, capsys):
    from sim_env.cli import main

    out = tmp_path / "faces.json"
    assert main(["dataset", "export-coco", str(dataset), "--out", str(out)]) == 0
    assert "face annotations" in capsys.readouterr().out
    doc = json.loads(out.read_text())
    _structure(doc)
    assert coco_problems(doc) == []
    manifest = read_manifest(dataset)
    assert len(doc["images"]) == int(manifest["n_frames"].sum()) == 16
    images = {(im["clip_id"], im["frame_index"]): im for im in doc["images"]}
    annotations = {a["image_id"]: a for a in doc["annotations"]}
    for row in manifest.to_dict("records"):
        with np.load(dataset / row["labels_file"]) as z:
            boxes, marks = z["face_boxes"], z["landmarks"]
        for t in range(int(row["n_frames"])):
            im = images[(row["clip_id"], t)]
            assert im["file_name"] == f"frames/{row['clip_id']}/{t + 1:03d}.png"
            assert im["video"] == row["file"] and (dataset / im["video"]).is_file()
            assert (im["width"], im["height"]) == (64, 64) and im["split"] == row["split"] and im["emotion"] == "anger"
            a = annotations[im["id"]]  # every frame's face is in the picture here
            x0, y0, x1, y1 = np.clip(boxes[t], 0, 64)
            np.testing.assert_allclose(a["bbox"], [x0, y0, x1 - x0, y1 - y0], atol=1e-3)
            kp = np.asarray(a["keypoints"], float).reshape(5, 3)
            np.testing.assert_allclose(kp[:, :2], marks[t], atol=1e-3)
            assert (kp[:, 2] == 2).all() and a["num_keypoints"] == 5
    assert len(annotations) == 16


def test_split_and_step(dataset, tmp_path):
    manifest = read_manifest(dataset)
    counts = export_coco(dataset, tmp_path / "val.json", split="val", step=3, log=lambda s: None)
    doc = json.loads((tmp_path / "val.json").read_text())
    n_val = int((manifest["split"] == "val").sum())
    assert counts == {"clips": n_val, "images": 2 * n_val, "annotations": 2 * n_val}  # frames 0 and 3 of 4
    assert {im["split"] for im in doc["images"]} == {"val"} and {im["frame_index"] for im in doc["images"]} == {0, 3}
    assert [im["id"] for im in doc["images"]] == list(range(1, 2 * n_val + 1))
    with pytest.raises(DatasetError, match="split 'test'"):
        export_coco(dataset, tmp_path / "x.json", split="test")


def test_boxes_outside_the_image_and_bad_labels(dataset, tmp_path):
    """A labels file edited so frame 0's box runs off the image and a landmark leaves it, frame 1's box
    is NaN and frame 2's lies wholly outside: clipped, not labelled, and no annotation."""
    copy_root = tmp_path / "copy"
    shutil.copytree(dataset, copy_root)
    row = read_manifest(copy_root).iloc[0]
    path = copy_root / row["labels_file"]
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["face_boxes"][0] = [-5, 10, 40, 70]
    arrays["landmarks"][0, 4] = [70, 30]
    arrays["face_boxes"][1] = np.nan
    arrays["face_boxes"][2] = [70, 0, 90, 20]
    np.savez(path, **arrays)
    export_coco(copy_root, tmp_path / "edge.json", log=lambda s: None)
    doc = json.loads((tmp_path / "edge.json").read_text())
    assert coco_problems(doc) == []
    ids = {im["frame_index"]: im["id"] for im in doc["images"] if im["clip_id"] == row["clip_id"]}
    annotations = {a["image_id"]: a for a in doc["annotations"]}
    first = annotations[ids[0]]
    assert first["bbox"] == [0, 10, 40, 54] and first["area"] == 40 * 54
    assert first["keypoints"][12:] == [0, 0, 0] and first["num_keypoints"] == 4
    assert ids[1] not in annotations and ids[2] not in annotations and ids[3] in annotations
    # a labels file of the wrong shape is named with its field, and nothing is written
    arrays["landmarks"] = arrays["landmarks"][:, :3]
    np.savez(path, **arrays)
    with pytest.raises(DatasetError, match=rf"{re.escape(path.name)}: landmarks has shape \(4, 3, 2\); expected \(4, 5, 2\)"):
        export_coco(copy_root, tmp_path / "bad.json", log=lambda s: None)
    del arrays["face_boxes"]
    np.savez(path, **arrays)
    with pytest.raises(DatasetError, match=rf"{re.escape(path.name)}: labels file has no 'face_boxes' array"):
        export_coco(copy_root, tmp_path / "bad.json", log=lambda s: None)
    assert not (tmp_path / "bad.json").exists() and not list(tmp_path.glob(".bad.json*"))
    with pytest.raises(DatasetError, match="is a folder"):
        export_coco(copy_root, tmp_path, log=lambda s: None)


def test_coco_problems_finds_each_defect(dataset, tmp_path):
    export_coco(dataset, tmp_path / "ok.json", step=2, log=lambda s: None)
    good = json.loads((tmp_path / "ok.json").read_text())
    assert coco_problems(good) == []

    def broken(edit) -> list[str]:
        doc = copy.deepcopy(good)
        edit(doc)
        return coco_problems(doc)

    assert any("repeats" in p for p in broken(lambda d: d["images"].append(dict(d["images"][0]))))
    assert any("names nothing" in p for p in broken(lambda d: d["annotations"][0].update(image_id=10 ** 6)))
    assert any("outside" in p for p in broken(lambda d: d["annotations"][0].update(bbox=[60, 0, 10, 10])))
    assert any("area" in p for p in broken(lambda d: d["annotations"][0].update(area=1.0)))
    assert any("15 numbers" in p for p in broken(lambda d: d["annotations"][0].update(keypoints=[1, 2, 2])))
    assert any("num_keypoints" in p for p in broken(lambda d: d["annotations"][0].update(num_keypoints=3)))
    assert any("'images'" in p for p in broken(lambda d: d.pop("images")))
    assert coco_bbox(np.array([np.inf, 0, 1, 1]), 64, 64) is None and coco_bbox(np.array([1, 2, 3, 5]), 64, 64) == [1, 2, 2, 3]
