"""The built-in look's spec fields: validation, YAML and .mhm round trips, seeded balanced suites."""
from __future__ import annotations

import warnings
from collections import Counter

import pytest

from humans.hair import STYLE_TRAITS, brow_shape_of, hair_style_of
from humans.mhm import read_mhm, write_mhm
from humans.spec import (
    FACIAL_HAIR,
    GLASSES,
    HAIR_STYLES,
    TOPS,
    HumanSpec,
    HumanSpecError,
    load_specs,
    save_specs,
)
from humans.suites import SUITE_GROUPS, balanced24, random_suite

LOOK_FIELDS = ("hair_style", "hair_colour", "facial_hair", "brow_shape", "top", "top_colour",
               "glasses", "headscarf")


def _every_value_once() -> list[HumanSpec]:
    """Specs that between them use every value of every new field."""
    specs = []
    for i, style in enumerate(HAIR_STYLES):
        specs.append(HumanSpec(
            id=f"p{i}", hair_style=style, hair_colour=("black", "#a0522d", "grey")[i % 3],
            facial_hair=FACIAL_HAIR[i % len(FACIAL_HAIR)], brow_shape=("arched", None)[i % 2],
            top=TOPS[i % len(TOPS)], top_colour=("navy", "#112233", None)[i % 3],
            glasses=GLASSES[i % len(GLASSES)], headscarf=(None, "teal", "#445566")[i % 3]))
    return specs


def test_new_fields_round_trip_yaml(tmp_path):
    specs = _every_value_once() + balanced24()
    path = save_specs(specs, tmp_path / "suite.yaml")
    assert load_specs(path) == specs


def test_new_fields_round_trip_mhm(tmp_path):
    for spec in _every_value_once() + balanced24()[:6]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # proxies without a known UUID are left out
            write_mhm(spec, tmp_path / f"{spec.id}.mhm")
        back = read_mhm(tmp_path / f"{spec.id}.mhm")
        assert {f: getattr(back, f) for f in LOOK_FIELDS} == {f: getattr(spec, f) for f in LOOK_FIELDS}


@pytest.mark.parametrize("field, value", [("hair_style", "mohawk"), ("facial_hair", "yes"),
                                          ("top", "tuxedo"), ("glasses", True),
                                          ("hair_colour", "#12345"), ("top_colour", "sky"),
                                          ("headscarf", 3), ("brow_shape", "unibrow")])
def test_bad_look_values_name_the_field(field, value):
    with pytest.raises(HumanSpecError, match=field):
        HumanSpec(id="x", **{field: value})


def test_makehuman_proxies_map_to_the_nearest_builtin_style():
    assert hair_style_of(HumanSpec(id="a", hair="afro01")) == "afro"
    assert hair_style_of(HumanSpec(id="a", hair="ponytail01")) == "ponytail"
    assert hair_style_of(HumanSpec(id="a", hair="short02")) == "short"
    assert hair_style_of(HumanSpec(id="a", hair="bob02")) == "long_straight"
    assert hair_style_of(HumanSpec(id="a", hair="braid01")) == "braids"
    assert hair_style_of(HumanSpec(id="a", hair="afro01", hair_style="bun")) == "bun"
    assert brow_shape_of(HumanSpec(id="a", eyebrows="eyebrow010")) == "arched"


def test_paper_mhm_hair_maps_to_builtin_styles(paper_humans_dir):
    specs = [read_mhm(f) for f in sorted(paper_humans_dir.glob("*.mhm"))]
    styles = Counter(hair_style_of(s) for s in specs if s.hair)
    assert set(styles) <= set(HAIR_STYLES) and len(styles) >= 2, styles


def test_suites_are_seeded():
    assert balanced24() == balanced24()
    assert random_suite(20, 5) == random_suite(20, 5)
    assert random_suite(20, 5) != random_suite(20, 6)


def test_balanced24_hair_is_balanced_not_stereotyped():
    people = balanced24()
    for group in SUITE_GROUPS:
        members = [s for s in people if s.group == group]
        textures = {STYLE_TRAITS[s.hair_style][1] for s in members} - {"-"}
        assert len(textures) >= 3, (group, textures)  # every group shows several textures
        assert len({s.hair_style for s in members}) >= 5
        for sex in ("female", "male"):
            lengths = {STYLE_TRAITS[s.hair_style][0] for s in members if s.sex == sex}
            assert len(lengths) >= 2, (group, sex, lengths)
    # each texture appears in at least 3 of the 4 groups
    for texture in ("straight", "curly", "coily"):
        groups = {s.group for s in people if STYLE_TRAITS[s.hair_style][1] == texture}
        assert len(groups) >= 3, (texture, groups)
    men = [s for s in people if s.sex == "male"]
    assert 4 <= sum(s.facial_hair != "none" for s in men) < len(men)
    assert all(s.facial_hair == "none" for s in people if s.sex == "female")
    assert {s.top for s in people} >= {"tshirt", "vneck"}
    assert any(s.glasses != "none" for s in people) and any(s.headscarf for s in people)
    older = [s for s in people if s.age_years >= 60]
    assert sum(s.hair_colour in ("grey", "white") for s in older) >= len(older) // 2


def test_random_suite_cycles_lengths_and_textures_in_every_cell():
    people = random_suite(96, 11)  # 12 per (gender, group) cell
    for sex in ("female", "male"):
        for group in SUITE_GROUPS:
            cell = [s for s in people if (s.sex, s.group) == (sex, group)]
            assert len(cell) == 12
            textures = Counter(STYLE_TRAITS[s.hair_style][1] for s in cell)
            lengths = Counter(STYLE_TRAITS[s.hair_style][0] for s in cell)
            assert len(textures) >= 3, (sex, group, textures)
            assert len(lengths) >= 2, (sex, group, lengths)
