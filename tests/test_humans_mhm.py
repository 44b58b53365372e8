"""MakeHuman .mhm import/export: every paper file, error messages, round trips."""
from __future__ import annotations

import dataclasses
import warnings

import pytest

from humans.mhm import content_group, filename_label, import_mhm, mhm_text, read_mhm, write_mhm
from humans.phenotype import anny_local_change_labels, mh_modifier_to_anny, spec_to_anny
from humans.spec import HumanSpec, HumanSpecError
from humans.suites import balanced24, random_suite

# Modifiers of the paper files that anny 0.6.2 cannot express (checked below, listed in the
# project's report): single-target head shapes, the eye-fold concavity pair, FACSHuman's
# custom lip-closing target.
PAPER_UNSUPPORTED = {
    "custom/close_lips",
    "eyes/l-eye-eyefold-concave|convex", "eyes/r-eye-eyefold-concave|convex",
    "head/head-diamond", "head/head-invertedtriangular", "head/head-oval",
    "head/head-rectangular", "head/head-round", "head/head-square", "head/head-triangular",
}

MINIMAL = """# Written by MakeHuman 1.2.0 final
version v1.2.0
modifier nose/nose-hump-decr|incr -0.070000
modifier macrodetails/Gender 0.000000
modifier macrodetails/Age 0.500000
eyes HighPolyEyes 2c12f43b-1303-432c-b7ce-d78346baf2e6
material HighPolyEyes 2c12f43b-1303-432c-b7ce-d78346baf2e6 eyes/materials/brownlight.mhmat
subdivide False
"""


@pytest.fixture(scope="module")
def paper_imports(paper_humans_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the paper files have no unknown line
        return {p.name: import_mhm(p) for p in sorted(paper_humans_dir.glob("*.mhm"))}


def test_every_paper_file_imports(paper_imports, paper_humans_dir):
    assert len(paper_imports) == 24
    for name, imported in paper_imports.items():
        spec = imported.spec
        assert spec.id == name[:-4] and spec.source == str(paper_humans_dir / name)
        assert spec.gender in (0.0, 1.0)
        assert 1 <= spec.age_years <= 90
        assert spec.eye_colour == "brown" and spec.eyes == "HighPolyEyes"
        assert spec.skin_material.startswith("skins/") and spec.hair and spec.eyebrows
        assert spec.teeth == "FACSTeeth01" and spec.tongue == "FACSTongue"
        assert not any(k.startswith("macrodetails") for k in spec.face)
        assert imported.unknown_lines == () and imported.notes == ()


def test_paper_values(paper_imports):
    man3 = paper_imports["man3_mix.mhm"].spec
    assert man3.gender == 1.0 and man3.caucasian == 1.0
    assert man3.age_years == pytest.approx(25 + (0.584227 - 0.5) * 130)
    assert (man3.muscle, man3.weight, man3.height, man3.proportions) == \
        (0.693054, 0.874040, 0.825627, 0.5)
    assert man3.face["nose/nose-hump-decr|incr"] == 0.026506
    assert man3.skin_material == "skins/old_caucasian_male/old_caucasian_male.mhmat"
    assert (man3.hair, man3.eyebrows, man3.eyelashes) == ("short04", "eyebrow004", "Eyelashes01")
    assert man3.group == "Caucasian"  # from the contents, not the "mix" in its name
    assert paper_imports["man3_mix.mhm"].filename_label == "Mixed"


def test_every_face_modifier_maps_or_is_reported(paper_imports):
    labels = set(anny_local_change_labels())
    seen_unsupported = set()
    for imported in paper_imports.values():
        inputs = spec_to_anny(imported.spec, labels)
        assert set(inputs.unsupported) == set(imported.unsupported_modifiers)
        for name, value in imported.spec.face.items():
            mapped = mh_modifier_to_anny(name, value, labels)
            if name.startswith("breast/"):
                continue  # phenotype (cupsize/firmness), checked in test_humans_phenotype
            if mapped is None:
                assert name in imported.unsupported_modifiers
            else:
                assert inputs.local_changes[mapped[0]] == mapped[1]
        seen_unsupported |= set(imported.unsupported_modifiers)
        # Left/right pairs both reach anny.
        for name in imported.spec.face:
            if "/r-" in name and name not in imported.unsupported_modifiers:
                assert name.replace("/r-", "/l-") in imported.spec.face
                assert mh_modifier_to_anny(name.replace("/r-", "/l-"), 0.1, labels) is not None
    assert seen_unsupported == PAPER_UNSUPPORTED
    total = sum(len(i.spec.face) for i in paper_imports.values())
    dropped = sum(len(i.unsupported_modifiers) for i in paper_imports.values())
    assert dropped / total < 0.05
    print(f"\nunsupported in the paper files ({dropped} of {total} lines):",
          ", ".join(sorted(seen_unsupported)))


def test_minimal_file_defaults_and_eye_colour(tmp_path):
    path = tmp_path / "someone.mhm"
    path.write_text(MINIMAL)
    spec = read_mhm(path)
    assert spec.id == "someone" and spec.sex == "female" and spec.age_years == 25.0
    assert spec.african == pytest.approx(1 / 3) and spec.muscle == 0.5
    assert spec.eye_colour == "hazel" and spec.hair is None
    assert spec_to_anny(spec).local_changes == {"nose-hump-incr": -0.07}


@pytest.mark.parametrize("line, expected", [
    ("modifier nose/nose-hump-decr|incr abc", r"bad\.mhm:3: expected a number for modifier"),
    ("modifier nose/nose-hump-decr|incr",
     r"bad\.mhm:3: expected 'modifier <group>/<name> <number>'"),
    ("modifier macrodetails/Gender 1.7",
     r"bad\.mhm:3: expected modifier macrodetails/Gender in \[0, 1\]"),
    ("modifier nose/nose-hump-decr|incr nan", r"bad\.mhm:3: expected a number"),
    ("skinMaterial", r"bad\.mhm:3: expected 'skinMaterial"),
    ("hair", r"bad\.mhm:3: expected 'hair <proxy name> <uuid>'"),
    ("# hrisim [1, 2]", r"bad\.mhm:3: expected '# hrisim \{json object\}'"),
])
def test_malformed_line_names_file_and_line(tmp_path, line, expected):
    path = tmp_path / "bad.mhm"
    path.write_text(f"version v1.2.0\ncamera 0 0 0 0 0 1\n{line}\nsubdivide False\n")
    with pytest.raises(HumanSpecError, match=expected):
        read_mhm(path)


def test_non_utf8_file_names_the_line(tmp_path):
    path = tmp_path / "latin.mhm"
    path.write_bytes(b"version v1.2.0\nname Jos\xe9\n")
    with pytest.raises(HumanSpecError, match=r"latin\.mhm:2: expected UTF-8 text, found byte 0xe9"):
        read_mhm(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.mhm: no such MakeHuman .mhm file"):
        read_mhm(tmp_path / "nothere.mhm")


def test_unknown_lines_warn_once_listing_them(tmp_path):
    path = tmp_path / "odd.mhm"
    path.write_text(MINIMAL + "frobnicate 1 2\nmodifier macrodetails/Zombie 0.3\nwings yes\n")
    with pytest.warns(UserWarning) as caught:
        imported = import_mhm(path)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "odd.mhm" in message and "3 line(s)" in message
    assert "line 9: 'frobnicate 1 2'" in message and "wings yes" in message
    assert "macrodetails/Zombie" in message
    assert [n for n, _ in imported.unknown_lines] == [9, 10, 11]


def test_filename_labels():
    assert [filename_label(n) for n in ("man1_Afr.mhm", "Women2_Asi.mhm", "man2_whi.mhm",
                                        "women1_Mix.mhm", "bob.mhm")] == \
        ["Black", "Asian", "Caucasian", "Mixed", None]


def test_content_group_rules():
    asian_skin = "skins/young_asian_male/young_asian_male.mhmat"
    assert content_group(HumanSpec(id="a", african=0.1, asian=0.7, caucasian=0.2)) == "Asian"
    assert content_group(HumanSpec(id="a", african=0.2, asian=0.47, caucasian=0.33,
                                   skin_material=asian_skin)) == "Asian"
    assert content_group(HumanSpec(id="a", african=0.2, asian=0.47, caucasian=0.33)) == "Mixed"


def test_paper_file_round_trip(paper_imports, tmp_path):
    for name, imported in paper_imports.items():
        spec = imported.spec
        out = write_mhm(spec, tmp_path / name)
        again = read_mhm(out)
        assert dataclasses.replace(again, source=spec.source) == spec, name


def test_written_file_is_makehuman_text(paper_imports):
    text = mhm_text(paper_imports["man3_mix.mhm"].spec)
    lines = text.splitlines()
    assert lines[0].startswith("#") and "version v1.2.0" in lines
    assert "modifier macrodetails/Age 0.584227" in lines
    assert "modifier nose/nose-hump-decr|incr 0.026506" in lines
    assert "hair short04 e09bfd91-f83f-4f9a-ba8c-4635cd1ae0d8" in lines
    assert "skinMaterial skins/old_caucasian_male/old_caucasian_male.mhmat" in lines
    assert "material HighPolyEyes 2c12f43b-1303-432c-b7ce-d78346baf2e6 " \
           "eyes/materials/brown.mhmat" in lines


def test_builtin_spec_round_trip(tmp_path):
    for spec in balanced24() + random_suite(8, seed=9):
        again = read_mhm(write_mhm(spec, tmp_path / f"{spec.id}.mhm"))
        assert dataclasses.replace(again, source=None) == spec


def test_unknown_proxy_is_left_out_with_a_warning(tmp_path):
    spec = HumanSpec(id="x", hair="my_own_hair")
    with pytest.warns(UserWarning, match="hair my_own_hair"):
        text = mhm_text(spec)
    assert "my_own_hair" not in text
