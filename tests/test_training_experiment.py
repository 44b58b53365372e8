"""Whole experiments on tiny fake datasets: strategies, folds, the external set, reports, checkpoints,
configs and the CLI. FakeSource replaces MTCNN + FaceNet so only the training code is exercised."""
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from training.config import config_from_dict, load_config
from training.experiment import holdout_split, load_synthetic_records, run_experiment
from training.labels import CLASSES
from training.testing import FakeSource, one_torch_thread, write_fake_real, write_fake_synthetic

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    yield from one_torch_thread()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    real = write_fake_real(root / "real", n_subjects=6, n_frames=4, size=16)
    external = write_fake_real(root / "external", n_subjects=2, n_frames=4, size=16, labels=("anger", "disgust"), metadata=False)
    syn = write_fake_synthetic(root / "syn", n_humans=4, animations_per_class=1, n_frames=4, size=16)
    return {"real": str(real), "external": str(external), "synthetic": str(syn)}


def _cfg(data, model, strategy, evaluation=None, **extra):
    return config_from_dict({
        "name": "tiny", "seed": 0, "data": {**data, "val_humans": 1}, "model": model,
        "strategy": {"epochs": 2, "pretrain_epochs": 2, **strategy}, "evaluation": {"folds": 3, **(evaluation or {})},
        "train": {"progress": False, "device": "cpu", "lr": 1e-3}, **extra})


IT = {"kind": "inception_time", "length": 4, "freeze_facenet": True}


@pytest.fixture(scope="module")
def pretrain_run(data, tmp_path_factory):
    cfg = _cfg(data, IT, {"kind": "pretrain_finetune"}, {"demographic_groups": ["african", "asian"]})
    out = tmp_path_factory.mktemp("pretrain") / "run"
    return cfg, out, run_experiment(cfg, out, source=FakeSource(n_frames=4))


@pytest.fixture(scope="module")
def mixed_run(data, tmp_path_factory):
    cfg = _cfg(data, IT, {"kind": "mixed", "ratio": 0.5})
    out = tmp_path_factory.mktemp("mixed") / "run"
    return cfg, out, run_experiment(cfg, out, source=FakeSource(n_frames=4), save_checkpoints=False)


def test_pretrain_finetune_cv_with_demographic_fold_and_external_set(pretrain_run):
    cfg, out, report = pretrain_run
    results = report["results"]
    assert results["cv (all folds pooled)"]["n"] == 18  # 6 subjects × 3 labels, each tested once
    assert set(report["folds"]) == {"0", "1", "2"}
    demo = results["demographic fold 2"]
    assert set(demo["fairness"]["per_group"]) == {"african", "asian"}
    assert report["external_present_classes"] == ["anger", "disgust"]
    restricted = results["external, argmax over present classes"]
    assert set(restricted["predicted"]) <= {CLASSES.index("anger"), CLASSES.index("disgust")}
    assert set(report["history"]["fold 0"]) == {"synthetic", "real"}  # pre-trained, then fine-tuned
    assert len(report["data"]["synthetic_val_humans"]) == 1
    for name in ("report.md", "report.json", "config.yaml", "predictions.csv", "0_cv_confusion.png", "0_cv_groups.png"):
        assert (out / name).is_file(), name
    assert json.loads((out / "report.json").read_text())["facenet_weights"] == "fake"
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["fold0", "fold1", "fold2"]
    assert "demographic fold 2" in (out / "report.md").read_text()


def test_checkpoint_round_trip_gives_the_same_probabilities(data, pretrain_run):
    from training.predictors import load_predictor
    from training.real import load_real

    cfg, out, _ = pretrain_run
    rows = [r for r in _read_csv(out / "predictions.csv") if r["fold"] == "1"]
    recs = {r.clip_id: r for r in load_real(data["real"])}
    p = load_predictor(cfg, FakeSource(n_frames=4), out / "checkpoints" / "fold1")
    probs = p.predict_proba([recs[r["clip_id"]] for r in rows])
    np.testing.assert_allclose(probs, [[float(r[f"p_{c}"]) for c in CLASSES] for r in rows], atol=1e-5)


def _read_csv(path):
    import csv

    with open(path) as fh:
        return list(csv.DictReader(fh))


def test_mixed_strategy_adds_a_fresh_synthetic_draw_each_epoch(mixed_run):
    _, _, report = mixed_run
    epochs = report["history"]["fold 0"]["real"]
    n_real_train = 18 - report["folds"]["0"]["n"]
    assert all(e["n_train"] == n_real_train + 2 * 3 for e in epochs)  # ⌊0.5 × 4⌋ humans × 3 animations


def test_knn_dtw_baseline_runs_the_same_protocol(data, tmp_path):
    cfg = _cfg(data, {"kind": "knn_dtw", "length": "full", "k_grid": [1, 3]}, {"kind": "real_only"})
    report = run_experiment(cfg, tmp_path / "run", source=FakeSource(n_frames=4))
    assert report["results"]["cv (all folds pooled)"]["accuracy"] > 0.6
    assert set(report["knn_k"]) == {"fold0", "fold1", "fold2"}
    assert (tmp_path / "run" / "checkpoints" / "fold0" / "knn.npz").is_file()


def test_holdout_tests_on_unseen_humans(data, tmp_path):
    cfg = _cfg({"synthetic": data["synthetic"]}, IT, {"kind": "synthetic_only"}, {"protocol": "holdout"})
    train, val, test = holdout_split(load_synthetic_records(cfg), cfg)
    assert {r.subject for r in test} == {"h03"}  # the manifest's own 'val' split
    assert not {r.subject for r in train} & {r.subject for r in test} and len({r.subject for r in val}) == 1
    report = run_experiment(cfg, tmp_path / "run", source=FakeSource(n_frames=4), save_checkpoints=False)
    assert report["data"]["synthetic_test_humans"] == ["h03"]
    assert report["results"]["holdout (unseen humans)"]["n"] == len(test)
    assert report["history"]["holdout"]["synthetic"][0]["val_loss"] is not None


def test_same_config_and_seed_repeat_exactly(mixed_run, tmp_path):
    cfg, out, a = mixed_run
    b = run_experiment(cfg, tmp_path / "b", source=FakeSource(n_frames=4), save_checkpoints=False)
    assert (out / "predictions.csv").read_text() == (tmp_path / "b" / "predictions.csv").read_text()
    assert a["results"]["cv (all folds pooled)"]["accuracy"] == b["results"]["cv (all folds pooled)"]["accuracy"]


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_shipped_configs_load(path):
    cfg = load_config(path)
    assert cfg.name == path.stem
    assert cfg.train.lr == 1e-4 and cfg.train.weight_decay == 1e-3 and cfg.train.batch_size == 8


def test_paper_rows_are_all_there():
    names = {p.stem for p in CONFIGS}
    assert len([n for n in names if n.startswith("table1_") and not n.endswith("_partial")]) == 13  # + CPU partial fine-tuning variants
    assert {f"table3_fn_in{L}_mixed{r}" for L in (25, 64) for r in ("025", "05", "1")} <= names
    assert load_config(CONFIGS[[p.stem for p in CONFIGS].index("table3_fn_in64_mixed025")]).strategy.ratio == 0.25


def test_config_errors_name_file_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"name": "x", "data": {"real": "r"}, "model": {"kind": "inception_time", "lenght": 25}}))
    with pytest.raises(ValueError, match=r"bad.yaml: model.lenght: unknown field 'lenght'"):
        load_config(bad)
    bad.write_text(yaml.safe_dump({"name": "x", "data": {"real": "r"}, "train": {"lr": "fast"}}))
    with pytest.raises(ValueError, match=r"bad.yaml: train.lr: input should be a valid number, got 'fast'"):
        load_config(bad)
    bad.write_text(yaml.safe_dump({"name": "x", "strategy": {"kind": "mixed"}, "data": {"real": "r"}}))
    with pytest.raises(ValueError, match=r"bad.yaml: data.synthetic is required"):
        load_config(bad)
    bad.write_text(yaml.safe_dump({"name": "x", "data": {"real": "r"}, "model": {"kind": "svm"}}))
    with pytest.raises(ValueError, match=r"bad.yaml: model.kind: 'svm' is not one of"):
        load_config(bad)
    cfg = load_config(CONFIGS[0], ["strategy.epochs=3", "data.real=/x"])
    assert cfg.strategy.epochs == 3


def test_cli_registers_train_and_evaluate(capsys):
    from sim_env.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["train", "configs/x.yaml", "--real", "r", "--epochs", "2", "--set", "seed=3"])
    assert args.func.__name__ == "_cmd_train" and args.epochs == 2
    args = parser.parse_args(["evaluate", "runs/x", "data/gifgif"])
    assert args.func.__name__ == "_cmd_evaluate"


def test_hrisim_train_then_evaluate_from_the_command_line(data, tmp_path, monkeypatch, capsys):
    import training.experiment
    import training.features
    from sim_env.cli import main

    monkeypatch.setattr(training.experiment, "make_source", lambda cfg: FakeSource(n_frames=4))
    monkeypatch.setattr(training.features, "ClipSource", lambda *a, **k: FakeSource(n_frames=4))
    config = next(p for p in CONFIGS if p.stem == "table1_fn_fz_knn25_real")
    run = tmp_path / "run"
    assert main(["train", str(config), "--real", data["real"], "--set", "evaluation.folds=3", "--set", "train.progress=false",
                 "--out", str(run)]) == 0
    assert "cv (all folds pooled)" in capsys.readouterr().out
    assert main(["evaluate", str(run), data["external"]]) == 0
    report = json.loads((run / "eval-external" / "report.json").read_text())
    assert report["data"]["present_classes"] == ["anger", "disgust"]
    assert set(report["results"]) == {"3-way argmax", "argmax over present classes"}
    assert main(["train", str(config), "--set", "model.kind=svm"]) == 1  # a clear error (a bad config value: exit 1), not a traceback
    assert "model.kind: 'svm' is not one of" in capsys.readouterr().err
