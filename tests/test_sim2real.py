"""The sim2real protocol end to end on tiny fake data (FakeSource stands in for MTCNN + FaceNet), its
learning-curve subsets and bootstrap intervals, stills in the real folder, and the CLI."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from training.labels import CLASSES
from training.records import ClipRecord
from training.sim2real import CONDITIONS, Sim2RealConfig, bootstrap_interval, run_sim2real, subsample_subjects
from training.testing import FakeSource, fake_frames, one_torch_thread, write_fake_real, write_fake_synthetic

BASE = {"name": "tiny-sim2real", "model": {"kind": "inception_time", "length": 4, "freeze_facenet": True},
        "strategy": {"epochs": 3, "pretrain_epochs": 3}, "data": {"val_humans": 1},
        "train": {"progress": False, "device": "cpu", "lr": 1e-3}}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    yield from one_torch_thread()


def write_stills(root: Path, n_subjects: int = 6, labels=("anger", "disgust"), size: int = 16) -> Path:
    """ROOT/<label>/<subject>_<label>.png: one still per subject and label, with a metadata.csv."""
    from PIL import Image

    rng = np.random.default_rng(5)
    rows = []
    for s in range(n_subjects):
        for label in labels:
            (root / label).mkdir(parents=True, exist_ok=True)
            name = f"p{s:02d}_{label}"
            Image.fromarray(fake_frames(CLASSES.index(label), s, 1, size, rng)[0]).save(root / label / f"{name}.png")
            rows.append({"clip": f"{name}.png", "label": label, "group": ("caucasian", "african")[s % 2], "subject": f"p{s:02d}"})
    with (root / "metadata.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("s2r")
    return {
        "synthetic": str(write_fake_synthetic(root / "syn", n_humans=4, animations_per_class=1, n_frames=4, size=16)),
        "real": str(write_fake_real(root / "real", n_subjects=6, n_frames=4, size=16)),
        "stills": str(write_stills(root / "stills")),
        "external": str(write_fake_real(root / "ext", n_subjects=2, n_frames=4, size=16, labels=("anger", "disgust"), metadata=False)),
    }


@pytest.fixture(scope="module")
def run(data, tmp_path_factory):
    cfg = Sim2RealConfig(synthetic=data["synthetic"], real=data["real"], external=data["external"], folds=3,
                         bootstrap=200, base=BASE)
    out = tmp_path_factory.mktemp("run") / "s2r"
    return out, run_sim2real(cfg, out, source=FakeSource(n_frames=4), log=lambda s: None)


def test_every_condition_on_the_same_folds(run):
    out, report = run
    assert set(report["results"]) == set(CONDITIONS)
    assert report["task_classes"] == list(CLASSES)
    for name, r in report["results"].items():
        assert r["n"] == 18, name  # 6 subjects × 3 labels, each real clip tested once
        for key in ("accuracy", "f1"):
            lo, hi = r[f"{key}_ci"]
            assert 0 <= lo <= r[key] <= hi <= 1, (name, key)
    # the fake classes are learnable: a protocol that trains nothing real would sit near chance (1/3)
    assert report["results"]["real_only"]["accuracy"] >= 0.6
    with (out / "predictions.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    folds = {k: sorted((r["clip_id"], r["fold"]) for r in rows if r["set"] == k) for k in CONDITIONS}
    assert all(v == folds["real_only"] for v in folds.values()), "every condition is tested on the same folds"
    assert len({f for _, f in folds["real_only"]}) == 3


def test_learning_curve_groups_external_and_files(run):
    out, report = run
    assert set(report["learning_curve"]) == {"real_only", "pretrain_finetune", "mixed"}
    for curve in report["learning_curve"].values():
        assert list(curve) == ["0.1", "0.25", "0.5", "1.0"]
        assert all(c["n"] == 18 for c in curve.values())
    assert report["learning_curve"]["real_only"]["1.0"]["accuracy"] == report["results"]["real_only"]["accuracy"]
    assert set(report["per_group"]["mixed"]) == {"caucasian", "african", "asian"}
    assert set(report["external"]) == set(CONDITIONS) and all(r["n"] == 4 for r in report["external"].values())
    saved = json.loads((out / "sim2real.json").read_text())
    assert saved["results"]["mixed"]["accuracy"] == report["results"]["mixed"]["accuracy"]
    for f in ("report.md", "conditions.png", "learning_curve.png", "groups.png", "mixed_confusion.png"):
        assert (out / f).stat().st_size > 0, f
    md = (out / "report.md").read_text()
    assert "synthetic → real" in md and "Learning curve" in md and "External set" in md


def test_stills_and_a_subset_of_classes(data, tmp_path):
    """A real set of single images holding anger and disgust only: the task is those two classes."""
    from training.features import load_frames
    from training.real import load_real

    records = load_real(data["stills"])
    assert len(records) == 12 and {r.subject for r in records} == {f"p{s:02d}" for s in range(6)}
    assert load_frames(records[0].path).shape == (1, 16, 16, 3)
    cfg = Sim2RealConfig(synthetic=data["synthetic"], real=data["stills"], folds=3, bootstrap=0,
                         fractions=(0.5, 1.0), base=BASE)
    report = run_sim2real(cfg, tmp_path / "stills", source=FakeSource(n_frames=1), log=lambda s: None)
    assert report["task_classes"] == ["anger", "disgust"]
    assert report["data"]["synthetic"] == 4 * 2 * 2  # 4 humans × 2 emotions × 2 views: confusion left out
    confusion = CLASSES.index("confusion")
    for r in report["results"].values():
        cm = np.array(r["confusion_matrix"])
        assert cm[:, confusion].sum() == 0 and cm.sum() == 12  # argmax over the task's classes only
        assert r["accuracy_ci"] is None


def test_classes_must_be_in_the_real_set(data, tmp_path):
    cfg = Sim2RealConfig(synthetic=data["synthetic"], real=data["stills"], classes=("confusion", "anger"), folds=3, base=BASE)
    with pytest.raises(ValueError, match="at least two classes present"):
        run_sim2real(cfg, tmp_path / "bad", source=FakeSource(n_frames=1), log=lambda s: None)
    with pytest.raises(ValueError, match="unknown label 'grumpy'"):
        Sim2RealConfig(synthetic="s", real="r", classes=("grumpy",))


def _records(n_subjects: int, per: int) -> list[ClipRecord]:
    return [ClipRecord(clip_id=f"s{s}_{i}", path=Path("x"), label=(s + i) % 3, subject=f"s{s}")
            for s in range(n_subjects) for i in range(per)]


def test_subsample_subjects_nested_whole_subjects():
    records = _records(20, 3)
    small, mid = subsample_subjects(records, 0.1, 7), subsample_subjects(records, 0.5, 7)
    assert set(r.clip_id for r in small) <= set(r.clip_id for r in mid)
    assert {r.label for r in small} == {0, 1, 2}
    assert 6 <= len(small) <= 12 and 30 <= len(mid) <= 33
    for part in (small, mid):  # whole subjects only
        subs = {r.subject for r in part}
        assert len(part) == 3 * len(subs)
    assert subsample_subjects(records, 1.0, 7) == records


def test_bootstrap_interval():
    y = np.array([0, 1, 2] * 10)
    perfect = bootstrap_interval(y, y, np.repeat(np.arange(10), 3), [0, 1, 2], 100, 0)
    assert perfect["accuracy"] == 1 and perfect["accuracy_ci"] == [1.0, 1.0]
    wrong = (y + np.array([0, 0, 1] * 10)) % 3  # one in three wrong
    r = bootstrap_interval(y, wrong, np.repeat(np.arange(10), 3), [0, 1, 2], 300, 0)
    assert r["accuracy"] == pytest.approx(2 / 3)
    assert r["accuracy_ci"][0] <= r["accuracy"] <= r["accuracy_ci"][1]
    assert r["accuracy_ci"][1] - r["accuracy_ci"][0] < 0.5


def test_cli(data, tmp_path, monkeypatch, capsys):
    import training.sim2real as s2r
    from sim_env.cli import main

    monkeypatch.setattr(s2r, "make_source", lambda cfg: FakeSource(n_frames=4))
    config = tmp_path / "tiny.yaml"
    config.write_text(json.dumps(BASE))
    code = main(["benchmark", "sim2real", "--synthetic", data["synthetic"], "--real", data["real"], "--folds", "3",
                 "--classes", "anger,disgust", "--fractions", "50,100", "--bootstrap", "50", "--config", str(config),
                 "--epochs", "2", "--out", str(tmp_path / "cli")])
    assert code == 0
    out = capsys.readouterr().out
    assert "synthetic_only" in out and "mixed" in out
    report = json.loads((tmp_path / "cli" / "sim2real.json").read_text())
    assert report["task_classes"] == ["anger", "disgust"] and report["config"]["fractions"] == [0.5, 1.0]
    assert report["config"]["base"]["strategy"]["epochs"] == 2


def test_person_norm_base_reads_normalised_embeddings_in_every_condition(data, tmp_path, monkeypatch):
    """``--config`` with model.person_norm: every condition's models read each person's embeddings
    minus that person's median, real and synthetic people alike."""
    import training.person_norm as pn

    built = []
    original = pn.PersonNormalisedSource.__init__
    monkeypatch.setattr(pn.PersonNormalisedSource, "__init__",
                        lambda self, src, records: (built.append({(r.source, r.subject) for r in records}),
                                                    original(self, src, records))[1])
    base = json.loads(json.dumps(BASE))
    base["model"]["person_norm"] = True
    cfg = Sim2RealConfig(synthetic=data["synthetic"], real=data["real"], folds=3, bootstrap=0, fractions=(1.0,), base=base)
    report = run_sim2real(cfg, tmp_path / "pn", source=FakeSource(n_frames=4), log=lambda s: None)
    assert len(built) == 1 and {s for s, _ in built[0]} == {"real", "synthetic"}
    assert report["config"]["base"]["model"]["person_norm"] is True
    assert set(report["results"]) >= set(CONDITIONS)
