"""Audit of a .mhm folder: the paper's known contradictions are flagged, clean files are not."""
from __future__ import annotations

import io

import pytest

from humans.audit import audit_mhm_folder, filename_sex, find_flags, format_audit_table, run_audit


@pytest.fixture(scope="module")
def rows(paper_humans_dir):
    return {row.file: row for row in audit_mhm_folder(paper_humans_dir)}


def test_known_contradictions_are_flagged(rows):
    man3 = rows["man3_mix.mhm"]
    assert man3.flagged and "name says Mixed but the content is Caucasian" in man3.flags[0]
    women1 = rows["women1_Mix.mhm"]
    assert any("female body" in f and "male skin (old_caucasian_male)" in f for f in women1.flags)
    assert any("caucasian skin" in f for f in women1.flags)
    afr = rows["Women1_Afr.mhm"]
    assert any("name says Black but african is not the dominant" in f for f in afr.flags)
    assert any("female skin" in f for f in rows["man2_Afr.mhm"].flags)


def test_clean_files_are_not_flagged(rows):
    for name in ("man1_Afr.mhm", "Women2_Whi.mhm", "Man2_Asi.mhm", "women3_Afr.mhm"):
        assert rows[name].flags == (), name


def test_filename_sex():
    assert [filename_sex(n) for n in ("man1_Afr", "Man3_Asi", "Women1_Whi", "woman2_mix",
                                      "women3_mix", "mandy_whi", "x")] == \
        ["male", "male", "female", "female", "female", None, None]


def test_gender_disagreeing_with_name_is_flagged():
    flags = find_flags("Caucasian", "male", 0.0, {"african": 0, "asian": 0, "caucasian": 1},
                       "skins/young_caucasian_female/young_caucasian_female.mhmat", "Caucasian")
    assert flags == ("name says male but Gender is 0.00 (female)",)


def test_table_and_summary(paper_humans_dir, rows):
    table = format_audit_table(list(rows.values()))
    assert table.splitlines()[0].split()[:3] == ["file", "label", "gender"]
    assert "man3_mix.mhm" in table and "F 0.00" in table and "old_caucasian_male" in table
    stream = io.StringIO()
    status = run_audit(paper_humans_dir, stream)
    output = stream.getvalue()
    flagged = sum(r.flagged for r in rows.values())
    assert output.rstrip().endswith(f"24 files, {flagged} flagged")
    assert status == 1 and flagged >= 4
    print("\n" + output)


def test_run_audit_reports_unreadable_folder(tmp_path):
    stream = io.StringIO()
    assert run_audit(tmp_path / "missing", stream) == 2
    assert "no such folder" in stream.getvalue()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.mhm").write_text("modifier nose/nose-hump-decr|incr abc\n")
    stream = io.StringIO()
    assert run_audit(bad, stream) == 2
    assert "x.mhm:1" in stream.getvalue()
