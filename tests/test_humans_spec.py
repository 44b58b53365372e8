"""HumanSpec: validation names the field, round-trips are exact, derived views are documented."""
from __future__ import annotations

import dataclasses
import json

import pytest

from humans.spec import HumanSpec, HumanSpecError, load_specs, save_specs


def _spec(**overrides) -> HumanSpec:
    values = dict(id="h1", gender=1.0, age_years=41.0, african=0.2, asian=0.3, caucasian=0.5,
                  group="Hispanic", face={"nose/nose-hump-decr|incr": -0.07,
                                          "head/head-oval": 0.03},
                  skin_tone=5, eye_colour="hazel", hair="short02", eyes="HighPolyEyes", seed=7)
    values.update(overrides)
    return HumanSpec(**values)


@pytest.mark.parametrize("field, value", [
    ("gender", 1.5), ("gender", "robot"), ("age_years", 0.5), ("age_years", 120),
    ("muscle", -0.1), ("height", float("nan")), ("african", -1), ("skin_tone", 11),
    ("skin_tone", 2.5), ("eye_colour", "violet"), ("hair", ""), ("seed", "x"), ("id", ""),
    ("group", ""),
])
def test_invalid_values_name_their_field(field, value):
    data = _spec().to_dict()
    data[field] = value
    with pytest.raises(HumanSpecError, match=repr(field)):
        HumanSpec.from_dict(data)


def test_face_errors_name_the_modifier():
    with pytest.raises(HumanSpecError, match=r"face\['nose/nose-hump-decr\|incr'\]"):
        _spec(face={"nose/nose-hump-decr|incr": 1.5})
    with pytest.raises(HumanSpecError, match="head-oval"):  # single-target: 0..1 only
        _spec(face={"head/head-oval": -0.2})
    with pytest.raises(HumanSpecError, match="'face'"):
        _spec(face={"no group": 0.1})


def test_unknown_and_missing_fields_are_named():
    with pytest.raises(HumanSpecError, match="'colour'"):
        HumanSpec.from_dict({"id": "x", "colour": 3})
    with pytest.raises(HumanSpecError, match="'id'"):
        HumanSpec.from_dict({"gender": 1.0})


def test_gender_words_and_sex():
    assert HumanSpec.from_dict({"id": "a", "gender": "male"}).gender == 1.0
    assert HumanSpec.from_dict({"id": "a", "gender": "Female"}).sex == "female"
    assert HumanSpec(id="a", gender=0.5).sex == "male"


def test_ethnicity_is_normalised_like_makehuman():
    spec = HumanSpec(id="a", african=2, asian=1, caucasian=1)
    assert (spec.african, spec.asian, spec.caucasian) == (0.5, 0.25, 0.25)
    empty = HumanSpec(id="a", african=0, asian=0, caucasian=0)
    assert empty.african == pytest.approx(1 / 3)


def test_face_is_immutable_hashable_and_dict_like():
    spec = _spec()
    assert spec.face["nose/nose-hump-decr|incr"] == -0.07
    assert dict(spec.face) == {"head/head-oval": 0.03, "nose/nose-hump-decr|incr": -0.07}
    with pytest.raises(TypeError):
        spec.face["head/head-oval"] = 0.5  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.age_years = 3  # type: ignore[misc]
    assert hash(spec) == hash(_spec())
    assert spec == _spec() and spec != _spec(seed=8)


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_save_load_round_trip(tmp_path, suffix):
    spec = _spec()
    path = spec.save(tmp_path / f"human{suffix}")
    assert HumanSpec.load(path) == spec
    assert HumanSpec.from_dict(spec.to_dict()) == spec
    if suffix == ".json":
        assert json.loads(path.read_text())["face"]["nose/nose-hump-decr|incr"] == -0.07


def test_suite_file_round_trip_and_errors(tmp_path):
    specs = [_spec(), _spec(id="h2", gender=0.0, skin_tone=None, skin_material=None)]
    path = save_specs(specs, tmp_path / "suite.yaml", name="mine")
    assert load_specs(path) == specs
    with pytest.raises(HumanSpecError, match="suite file"):
        HumanSpec.load(path)
    with pytest.raises(HumanSpecError, match="duplicate"):
        save_specs([specs[0], specs[0]], tmp_path / "dup.json")

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhumans:\n  - {id: a}\n  - {id: b, age_years: 200}\n")
    with pytest.raises(HumanSpecError, match=r"bad.yaml: humans\[1\]: field 'age_years'"):
        load_specs(bad)
    with pytest.raises(HumanSpecError, match="expected a .yaml"):
        load_specs(tmp_path / "suite.txt")


def test_effective_skin_tone_table():
    assert _spec(skin_tone=6).effective_skin_tone == 6
    no_tone = dict(skin_tone=None)
    assert _spec(**no_tone, skin_material="skins/young_african_female/young_african_female.mhmat"
                 ).effective_skin_tone == 8
    assert _spec(**no_tone, skin_material="skins/old_asian_male/old_asian_male.mhmat"
                 ).effective_skin_tone == 4
    assert _spec(**no_tone, skin_material="skins/young_caucasian_female/young_caucasian_female2"
                 ".mhmat").effective_skin_tone == 2
    # No skin material: ethnicity-weighted mean of the anchors 8/4/2, rounded.
    assert HumanSpec(id="a", african=1, asian=0, caucasian=0).effective_skin_tone == 8
    assert HumanSpec(id="a", african=0.5, asian=0, caucasian=0.5).effective_skin_tone == 5
    assert HumanSpec(id="a").effective_skin_tone == 5  # (8 + 4 + 2) / 3 = 4.67
