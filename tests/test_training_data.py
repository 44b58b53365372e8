"""Datasets, folds, the mixed sampler and the split by human."""
from pathlib import Path

import numpy as np
import pytest

from training.folds import assign_folds, check_subject_disjoint, fold_split
from training.labels import CLASSES
from training.real import load_real
from training.records import ClipRecord
from training.sampler import MixedSampler
from training.synthetic import SyntheticFilter, load_synthetic, split_by_human
from training.testing import write_fake_real, write_fake_synthetic


def _records(n_subjects=12, clips_per_label=2, groups=("caucasian", "caucasian", "african", "asian")):
    return [ClipRecord(f"s{s}_{c}_{i}", Path("x"), c, f"s{s}", groups[s % len(groups)])
            for s in range(n_subjects) for c in range(3) for i in range(clips_per_label)]


def test_folds_are_subject_disjoint_and_stratified():
    recs = _records()
    folds, demo = assign_folds(recs, 5, seed=0)
    assert demo is None and sorted(set(folds)) == [0, 1, 2, 3, 4]
    for f in range(5):
        train, test = fold_split(recs, folds, f)
        assert not {r.subject for r in train} & {r.subject for r in test}
        assert {r.label for r in test} == {0, 1, 2}
    assert folds == assign_folds(recs, 5, seed=0)[0]


def test_demographic_fold_holds_exactly_the_named_groups():
    recs = _records()
    folds, demo = assign_folds(recs, 5, seed=0, demographic_groups=["african", "asian"])
    assert demo == 4
    in_demo = {r.group for r, f in zip(recs, folds) if f == demo}
    assert in_demo == {"african", "asian"}
    assert all(f != demo for r, f in zip(recs, folds) if r.group == "caucasian")
    assert sorted(set(folds)) == [0, 1, 2, 3, 4]


def test_metadata_folds_that_split_a_subject_are_refused():
    recs = [ClipRecord("a", Path("x"), 0, "s1", fold=0), ClipRecord("b", Path("x"), 1, "s1", fold=1)]
    with pytest.raises(ValueError, match="subject 's1'"):
        assign_folds(recs, 2, seed=0)
    with pytest.raises(ValueError):
        check_subject_disjoint(recs, [0, 1])


def _paper_grid():
    views = [(-40, -30), (-20, -15), (0, 0), (20, 15), (40, 30), (40, -30), (20, -15), (-20, 15), (-40, 30)]
    return [ClipRecord(f"h{h}_a{a}_{v}", Path("x"), a % 3, f"h{h:02d}", source="synthetic", animation_id=f"a{a:02d}", viewpoint=views[v])
            for h in range(24) for a in range(21) for v in range(9)]


def test_mixed_sampler_draws_ratio_of_humans_and_one_viewpoint_each():
    sampler = MixedSampler(_paper_grid(), ratio=0.25, seed=3)
    draw = sampler.draw(0)
    assert len(draw) == 126  # the paper: 6 humans × 21 animations
    assert len({r.subject for r in draw}) == 6
    pairs = [(r.subject, r.animation_id) for r in draw]
    assert len(set(pairs)) == len(pairs) == 126  # one viewpoint per (human, animation)
    assert len({r.viewpoint for r in draw}) > 1  # viewpoints are drawn, not fixed
    assert [r.clip_id for r in sampler.draw(0)] == [r.clip_id for r in draw]  # pure in (seed, epoch)
    assert [r.clip_id for r in sampler.draw(1)] != [r.clip_id for r in draw]  # redrawn every epoch
    assert len({r.subject for r in MixedSampler(_paper_grid(), 0.5, 0).draw(0)}) == 12
    with pytest.raises(ValueError, match="selects nobody"):
        MixedSampler(_paper_grid(), 0.01, 0)


def test_split_by_human_is_disjoint_and_spans_groups():
    recs = [ClipRecord(f"{h}_{i}", Path("x"), i % 3, f"h{h:02d}", ("african", "asian", "caucasian", "hispanic")[h % 4])
            for h in range(24) for i in range(3)]
    train, val = split_by_human(recs, 5, seed=0)
    assert len({r.subject for r in val}) == 5 and len({r.subject for r in train}) == 19
    assert not {r.subject for r in train} & {r.subject for r in val}
    assert len({r.group for r in val}) == 4


@pytest.fixture(scope="module")
def fake_synthetic(tmp_path_factory):
    return write_fake_synthetic(tmp_path_factory.mktemp("syn"), n_humans=3, animations_per_class=1, n_frames=3, size=16)


def test_synthetic_manifest_filters(fake_synthetic):
    recs = load_synthetic(fake_synthetic)
    assert len(recs) == 3 * 3 * 2 and recs[0].source == "synthetic" and recs[0].path.is_file()
    assert {r.group for r in load_synthetic(fake_synthetic, SyntheticFilter(groups=["asian"]))} == {"asian"}
    assert {r.viewpoint for r in load_synthetic(fake_synthetic, SyntheticFilter(viewpoints=[(20, 15)]))} == {(20.0, 15.0)}
    assert {r.label for r in load_synthetic(fake_synthetic, SyntheticFilter(emotions=["Disgust"]))} == {CLASSES.index("disgust")}
    assert {r.subject for r in load_synthetic(fake_synthetic, SyntheticFilter(humans=["h01"]))} == {"h01"}
    assert {r.subject for r in load_synthetic(fake_synthetic, SyntheticFilter(split="val"))} == {"h02"}
    with pytest.raises(ValueError, match="neutral"):
        load_synthetic(fake_synthetic, SyntheticFilter(emotions=["neutral"]))
    with pytest.raises(ValueError, match="no clip passes"):
        load_synthetic(fake_synthetic, SyntheticFilter(groups=["martian"]))


def test_synthetic_manifest_drops_neutral_and_names_missing_columns(fake_synthetic, tmp_path):
    import pandas as pd

    table = pd.read_csv(fake_synthetic / "manifest.csv")
    table.loc[0, "emotion"] = "neutral"
    (tmp_path / "a").mkdir()
    table.to_csv(tmp_path / "a" / "manifest.csv", index=False)
    assert len(load_synthetic(tmp_path / "a")) == len(table) - 1
    (tmp_path / "b").mkdir()
    table.drop(columns=["human_id"]).to_csv(tmp_path / "b" / "manifest.csv", index=False)
    with pytest.raises(ValueError, match=r"manifest.csv: missing columns \['human_id'\]"):
        load_synthetic(tmp_path / "b")


def test_real_folder_with_metadata_and_frame_folders(tmp_path):
    root = write_fake_real(tmp_path / "real", n_subjects=2, n_frames=3, size=16)
    frames = root / "anger" / "extra_clip"
    frames.mkdir()
    from PIL import Image

    for i in range(3):
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(frames / f"{i:03d}.png")
    recs = load_real(root)
    assert len(recs) == 7
    by_id = {r.clip_id: r for r in recs}
    assert by_id["s01_disgust_0"].label == CLASSES.index("disgust") and by_id["s01_disgust_0"].subject == "s01"
    assert by_id["s00_anger_0"].group == "caucasian"
    assert by_id["extra_clip"].subject == "extra_clip" and by_id["extra_clip"].path.is_dir()


def test_real_folder_errors_name_the_file(tmp_path):
    root = write_fake_real(tmp_path / "real", n_subjects=1, n_frames=2, size=16, metadata=False)
    (root / "happiness").mkdir()
    (root / "happiness" / "x.mp4").write_bytes(b"")
    with pytest.raises(ValueError, match=r"happiness/x.mp4: unknown label 'happiness'"):
        load_real(root)
    (root / "happiness" / "x.mp4").unlink()
    (root / "metadata.csv").write_text("clip,label\ns00_anger_0,disgust\n")
    with pytest.raises(ValueError, match="metadata.csv line 2"):
        load_real(root)
