"""The independent expression judge: the weights conversion against Keras, what it reads on real photos,
and ``hrisim judge`` on a tiny generated dataset and on a real-frames folder."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from perception.judges.fer import (
    JUDGE_CLASSES, WEIGHTS, FERJudge, crop_square, load_fer_weights, preprocess_faces, square_box,
)
from perception.judges.run import JudgeConfig
from training.judge_dataset import apex_index, decode_frame, run_judge


@pytest.fixture(scope="module")
def judge() -> FERJudge:
    return FERJudge()


@pytest.fixture(scope="module")
def photos():
    """(astronaut 256², Grace Hopper 300×256) RGB: two real faces, one smiling, one neutral."""
    skdata = pytest.importorskip("skimage.data", reason="scikit-image (test extra) ships the astronaut photo")
    import matplotlib.cbook
    from PIL import Image

    astro = np.asarray(Image.fromarray(skdata.astronaut()).resize((256, 256)))
    with Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg")) as im:
        hopper = np.asarray(im.convert("RGB").resize((256, 300)))
    return astro, hopper


# Face boxes MTCNN finds in ``photos`` (x0, y0, x1, y1), fixed so the conversion test needs no detector.
ASTRONAUT_BOX = (90.7, 31.8, 133.8, 88.2)
HOPPER_BOX = (81.1, 53.1, 174.1, 175.2)


def test_conversion_matches_keras(photos):
    """Keras 3 (torch backend) rebuilds the model from the file's own config and loads its weights by its
    own rules: an evaluation independent of our port. Random inputs and two real face crops."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="keras (test extra) evaluates the weights file independently")
    if keras.backend.backend() != "torch":
        pytest.skip(f"keras runs on {keras.backend.backend()}, not torch")
    reference = keras.models.load_model(str(WEIGHTS), compile=False)
    astro, hopper = photos
    faces = preprocess_faces([crop_square(astro, ASTRONAUT_BOX, 0.2), crop_square(hopper, HOPPER_BOX, 0.2)])
    rng = np.random.default_rng(0)
    x = torch.cat([faces, torch.from_numpy(rng.uniform(-1, 1, (3, 1, 64, 64)).astype(np.float32))])
    expected = np.asarray(reference.predict(x.permute(0, 2, 3, 1).numpy(), verbose=0))
    with torch.no_grad():
        ours = torch.softmax(load_fer_weights()(x), dim=1).numpy()
    assert ours.shape == (5, 7)
    np.testing.assert_allclose(ours, expected, atol=1e-4, rtol=0)
    assert (ours.argmax(1) == expected.argmax(1)).all()


def test_reads_real_faces(judge, photos):
    """A smiling astronaut is happy, Grace Hopper's portrait neutral: the preprocessing is the trained one."""
    astro, hopper = photos
    p = judge.predict_proba([crop_square(astro, ASTRONAUT_BOX, 0.2), crop_square(hopper, HOPPER_BOX, 0.2)])
    assert p.shape == (2, 7) and np.allclose(p.sum(1), 1, atol=1e-5)
    assert JUDGE_CLASSES[p[0].argmax()] == "happy" and p[0].max() > 0.9
    assert JUDGE_CLASSES[p[1].argmax()] == "neutral" and p[1].max() > 0.6
    # a flat grey image is no face: it must not read as the astronaut's smile
    assert judge.predict_proba(np.full((64, 64, 3), 128, np.uint8))[0].argmax() != JUDGE_CLASSES.index("happy")


def test_preprocessing_scale_and_errors():
    x = preprocess_faces([np.full((80, 80, 3), 255, np.uint8), np.zeros((64, 64), np.uint8)])
    assert x.shape == (2, 1, 64, 64) and x.dtype == torch.float32
    assert torch.allclose(x[0], torch.ones(1, 64, 64)) and torch.allclose(x[1], -torch.ones(1, 64, 64))
    rgb = np.zeros((64, 64, 3), np.uint8)
    rgb[..., 1] = 255  # pure green: ITU-R 601 luma 0.587 → 150 → (150/255 − 0.5)·2
    assert preprocess_faces(rgb)[0, 0, 0, 0].item() == pytest.approx((150 / 255 - 0.5) * 2, abs=1e-6)
    with pytest.raises(ValueError, match="uint8"):
        preprocess_faces(np.zeros((64, 64, 3), np.float32))
    assert np.allclose(square_box((10, 20, 30, 60), 0.5), (-10, 10, 50, 70))


def test_bad_weights_file_is_named(tmp_path):
    import h5py

    bad = tmp_path / "bad.hdf5"
    with h5py.File(bad, "w") as f:
        f.create_group("model_weights").create_group("conv2d_1")
    with pytest.raises(ValueError, match=r"bad\.hdf5: layers .* not in the file"):
        load_fer_weights(bad)
    with pytest.raises(FileNotFoundError, match="judge weights not found"):
        load_fer_weights(tmp_path / "absent.hdf5")


def test_apex_index():
    a = np.zeros((6, 3), np.float32)
    a[2] = [0.5, 0.5, 0.0]
    a[4] = [0.2, 0.3, 0.1]
    assert apex_index(a) == 2
    assert apex_index(np.zeros((5, 0), np.float32)) == 0


# ---------------------------------------------------------------------------------------------
# hrisim judge on a tiny generated dataset

SIGNALS = ("anger_brow_lower_lip_tighten", "disgust_five_changes", "neutral")


@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory) -> Path:
    """2 humans × (one anger, one disgust, neutral) × 2 viewpoints × 6 frames at 96 px, with PNG frames."""
    from animations.library import get_signal
    from sim_env.dataset import GenerateConfig, generate_dataset

    anims = tmp_path_factory.mktemp("anims")
    for sid in SIGNALS:
        get_signal(sid).save(anims / f"{sid}.yaml")
    out = tmp_path_factory.mktemp("judge_ds") / "tiny"
    cfg = GenerateConfig(out=str(out), humans="random:2:3", animations=str(anims), viewpoints="grid:-20,0;0",
                         frames=6, size=96, val_humans=1, png=True)
    generate_dataset(cfg, progress=False, log=lambda s: None)
    return out


def test_judge_dataset_fields_and_counts(tiny_dataset, tmp_path):
    import pandas as pd

    from sim_env.dataset import read_manifest

    report = run_judge(tiny_dataset, tmp_path / "j", JudgeConfig(sheet_people=2), log=lambda s: None)
    saved = json.loads((tmp_path / "j" / "judge.json").read_text())
    assert saved["two_way_anger_disgust"] == report["two_way_anger_disgust"]
    manifest = read_manifest(tiny_dataset)
    assert report["n_clips"] == report["n_judged"] == len(manifest) == 12
    two = report["two_way_anger_disgust"]
    assert two["n"] == 8 and two["n_anger"] == two["n_disgust"] == 4
    assert 0 <= two["accuracy"] <= 1
    assert set(report["recognition"]) == {"anger", "disgust", "neutral"}
    for emotion, shares in report["recognition"].items():
        assert set(shares) == set(JUDGE_CLASSES) and sum(shares.values()) == pytest.approx(1.0)
        assert sum(report["recognition_counts"][emotion].values()) == (manifest["emotion"] == emotion).sum()
    for name in ("per_group", "per_signal", "per_viewpoint", "per_skin_tone", "per_gender"):
        assert sum(c["n"] for c in report[name].values()) == 12, name
        assert sum(c["n_two_way"] for c in report[name].values()) == 8, name
    assert set(report["per_signal"]) == set(SIGNALS)
    assert report["per_signal"]["neutral"]["two_way"] is None and report["per_signal"]["neutral"]["n_two_way"] == 0
    assert set(report["per_viewpoint"]) == {"-20,+0", "+0,+0"}
    assert set(report["per_group"]) == set(manifest["group"])
    # the judged frame is each clip's apex by the labels file
    rows = pd.read_csv(tmp_path / "j" / "judgements.csv")
    assert len(rows) == 12
    for r in rows.itertuples():
        m = manifest[manifest["clip_id"] == r.clip_id].iloc[0]
        with np.load(tiny_dataset / m["labels_file"]) as z:
            assert r.frame == apex_index(z["au_intensities"]) + 1
        assert r.two_way == ("anger" if r.p_angry >= r.p_disgust else "disgust")
    for f in ("report.md", "confusion.png", "apex_sheet.png"):
        assert (tmp_path / "j" / f).stat().st_size > 0, f
    from PIL import Image

    sheet = Image.open(tmp_path / "j" / "apex_sheet.png")
    assert sheet.size == (3 * 128 + 4 * 2, 2 * 128 + 3 * 2)  # 2 people × 3 signals of 128 px cells, 2 px gaps
    pixels = np.asarray(sheet.convert("RGB"))
    assert (pixels[:2] == 255).all() and (pixels[:, 128 + 2: 128 + 4] == 255).all()  # white border and gutter
    assert "Anger vs disgust" in (tmp_path / "j" / "report.md").read_text()


def test_mp4_path_matches_png_path(tiny_dataset, judge):
    """Without frames/ the apex is decoded from the MP4: the same picture up to H.264 loss."""
    from PIL import Image

    from sim_env.dataset import read_manifest

    row = read_manifest(tiny_dataset).iloc[0]
    png = np.asarray(Image.open(tiny_dataset / "frames" / row["clip_id"] / "004.png").convert("RGB"), float)
    mp4 = decode_frame(tiny_dataset / row["file"], 3).astype(float)
    assert mp4.shape == png.shape and np.abs(mp4 - png).mean() < 4
    with pytest.raises(ValueError, match="has no frame 100"):
        decode_frame(tiny_dataset / row["file"], 99)


def test_cli_on_dataset(tiny_dataset, tmp_path, capsys):
    from sim_env.cli import main

    assert main(["judge", str(tiny_dataset), "--out", str(tmp_path / "cli")]) == 0
    out = capsys.readouterr().out
    assert "anger vs disgust:" in out and (tmp_path / "cli" / "judge.json").is_file()


# ---------------------------------------------------------------------------------------------
# hrisim judge on real frames

def test_judge_real_folder(photos, tmp_path):
    """happy/ a still, neutral/ a still and a 2-frame folder, angry/ an image with no face in it."""
    from PIL import Image

    astro, hopper = photos
    root = tmp_path / "real"
    for d in ("happy", "neutral/hopper_frames", "angry"):
        (root / d).mkdir(parents=True)
    Image.fromarray(astro).save(root / "happy" / "astronaut.png")
    Image.fromarray(hopper).save(root / "neutral" / "hopper.jpg")
    Image.fromarray(hopper).save(root / "neutral" / "hopper_frames" / "001.png")
    Image.fromarray(hopper[:, ::-1].copy()).save(root / "neutral" / "hopper_frames" / "002.png")
    Image.fromarray(np.full((120, 120, 3), 90, np.uint8)).save(root / "angry" / "blank.png")
    report = run_judge(root, tmp_path / "jr", log=lambda s: None)
    assert report["source"]["kind"] == "real"
    assert (report["n_clips"], report["n_judged"], report["n_no_face"]) == (4, 3, 1)
    assert report["recognition"]["happy"]["happy"] == 1.0
    assert report["recognition"]["neutral"]["neutral"] == 1.0
    assert report["hit_rate"] == {"happy": 1.0, "neutral": 1.0}
    assert report["two_way_anger_disgust"] is None  # the only anger item had no face
    assert (tmp_path / "jr" / "apex_sheet.png").is_file()


def test_real_folder_bad_label(tmp_path):
    (tmp_path / "grumpy").mkdir()
    (tmp_path / "grumpy" / "a.png").write_bytes(b"")
    with pytest.raises(ValueError, match=r"grumpy: unknown label 'grumpy'"):
        run_judge(tmp_path, tmp_path / "out", log=lambda s: None)


def test_perception_never_imports_sim_env():
    """The design's dependency direction: perception (the judge included) imports nothing of sim_env,
    not even lazily inside a function; importing every perception module loads no sim_env module."""
    import ast
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1] / "perception"
    offenders = []
    modules = []
    for path in sorted(root.rglob("*.py")):
        modules.append(".".join(path.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            offenders += [f"{path.relative_to(root.parent)}:{node.lineno}: {n}" for n in names
                          if n == "sim_env" or n.startswith("sim_env.")]
    assert modules and "perception.judges.run" in modules
    assert offenders == []
    code = f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n" \
           "bad = sorted(m for m in sys.modules if m == 'sim_env' or m.startswith('sim_env.'))\nassert not bad, bad\n"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root.parent)


def test_sheet_people_span_groups_and_genders():
    import pandas as pd

    from training.judge_dataset import pick_people

    table = pd.DataFrame([{"human_id": f"{s}_{g}_{i}", "group": g, "gender": s}
                          for s in ("f", "m") for g in ("C", "B", "A", "H") for i in range(3)])
    picked = pick_people(table, 4)
    rows = table.set_index("human_id").loc[picked]
    assert rows["group"].nunique() == 4 and set(rows["gender"]) == {"f", "m"}
    assert pick_people(table, 30) == list(dict.fromkeys(pick_people(table, 30))) and len(pick_people(table, 30)) == 24
