"""Suites: balance, determinism, sources."""
from __future__ import annotations

from collections import Counter

import pytest

from humans.mhm import content_group
from humans.phenotype import anny_local_change_labels, spec_to_anny
from humans.spec import HumanSpecError, save_specs
from humans.suites import (
    SKIN_TONES,
    SUITE_GROUPS,
    balanced24,
    group_counts,
    load_suite,
    paper24,
    random_suite,
)

CELLS = {(sex, group) for sex in ("female", "male") for group in SUITE_GROUPS}


def test_balanced24_cells_and_ids():
    specs = balanced24()
    assert len(specs) == 24
    assert group_counts(specs) == {cell: 3 for cell in sorted(CELLS)}
    assert len({s.id for s in specs}) == 24
    assert "bal_f_caucasian_1" in {s.id for s in specs}
    assert balanced24() == specs  # deterministic


def test_balanced24_variety_and_plausibility():
    specs = balanced24()
    labels = anny_local_change_labels()
    for group in SUITE_GROUPS:
        members = [s for s in specs if s.group == group]
        low, high = SKIN_TONES[group]
        assert all(low <= s.skin_tone <= high for s in members)
        assert len({s.skin_tone for s in members}) == 3
    ages = [s.age_years for s in specs]
    assert min(ages) >= 22 and max(ages) <= 70 and len(set(ages)) == 24
    assert len({tuple(s.face.items()) for s in specs}) == 24
    for s in specs:
        assert 3 <= len(s.face) <= 12
        assert not spec_to_anny(s, labels).unsupported
        if s.group == "Hispanic":
            assert content_group(s) == "Mixed" and s.caucasian > s.asian > 0 and s.african > 0
        else:
            assert content_group(s) == s.group


def test_random_suite_is_deterministic_and_balanced():
    a, b = random_suite(16, seed=3), random_suite(16, seed=3)
    assert a == b
    assert random_suite(16, seed=4) != a
    assert group_counts(a) == {cell: 2 for cell in sorted(CELLS)}
    assert len({s.id for s in a}) == 16
    assert group_counts(a[:8]) == {cell: 1 for cell in sorted(CELLS)}  # round-robin order


def test_random_suite_values_are_realistic_and_symmetric():
    labels = anny_local_change_labels()
    for s in random_suite(8, seed=11):
        assert 20 <= s.age_years <= 70
        assert all(0.2 <= v <= 0.85 for v in (s.muscle, s.weight, s.height))
        assert all(abs(v) <= 0.3 for v in s.face.values())
        for name, value in s.face.items():
            if "/r-" in name:
                assert s.face[name.replace("/r-", "/l-")] == value
        assert not spec_to_anny(s, labels).unsupported
        low, high = SKIN_TONES[s.group]
        assert low <= s.skin_tone <= high


def test_random_suite_remainder_and_balance_keys():
    specs = random_suite(10, seed=1)
    counts = list(group_counts(specs).values())
    assert len(specs) == 10 and max(counts) - min(counts) <= 1
    assert Counter(s.sex for s in specs) == {"female": 5, "male": 5}
    by_sex = random_suite(6, seed=2, balance=("gender",))
    assert Counter(s.sex for s in by_sex) == {"female": 3, "male": 3}
    with pytest.raises(HumanSpecError, match="balance keys"):
        random_suite(8, balance=("height",))
    with pytest.raises(HumanSpecError, match="expected 1 to 100000 humans"):
        random_suite(0)


def test_load_suite_sources(tmp_path, paper_humans_dir):
    assert load_suite("balanced24") == balanced24()
    assert load_suite("random:8:5") == random_suite(8, 5)
    assert load_suite("random:8") == random_suite(8, 0)
    path = save_specs(random_suite(8, 5), tmp_path / "s.json")
    assert load_suite(path) == random_suite(8, 5)
    paper = load_suite(f"paper24:{paper_humans_dir}")
    assert paper == paper24(paper_humans_dir) == load_suite(paper_humans_dir)
    assert [s.id for s in paper][:3] == ["man1_Afr", "Man1_Asi", "Man1_Mix"]
    with pytest.raises(HumanSpecError, match="random:N"):
        load_suite("random:lots")
    with pytest.raises(HumanSpecError, match="balanced24"):
        load_suite("balanced25")
    with pytest.raises(HumanSpecError, match="expected the paper's 24 .mhm files, found 1"):
        paper24(_one_mhm(tmp_path, paper_humans_dir))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(HumanSpecError, match="found none"):
        load_suite(empty)


def _one_mhm(tmp_path, paper_humans_dir):
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "a.mhm").write_bytes((paper_humans_dir / "man1_Afr.mhm").read_bytes())
    return folder


def test_paper24_group_counts(paper_humans_dir):
    counts = group_counts(paper24(paper_humans_dir))
    assert sum(counts.values()) == 24
    assert ("male", "Caucasian") in counts  # content-derived groups
