"""``hrisim generate`` folds the AssetWarnings of documented fallbacks (a person's MakeHuman asset is
not installed, a built-in part is drawn) into one summary line; other warnings pass through."""
from __future__ import annotations

import warnings

import pytest

from sim_env.dataset.cli import folded_warnings


class _Folded(UserWarning):
    pass


def test_fold_counts_names_and_passes_other_warnings_on(monkeypatch):
    monkeypatch.delenv("HRISIM_VERBOSE", raising=False)
    lines: list[str] = []
    with pytest.warns(RuntimeWarning, match="not folded"):
        with folded_warnings(_Folded, "test fallbacks", lines.append):
            for i in range(8):
                warnings.warn(f"person_{i}: brows missing", _Folded)
            warnings.warn("person_0: brows missing", _Folded)  # the same text again still counts
            warnings.warn("not folded", RuntimeWarning)
    assert lines == ["_Folded x9 (test fallbacks): person_0, person_1, person_2, person_3, person_4, person_5 "
                     "and 2 more; first: person_0: brows missing (HRISIM_VERBOSE=1 prints each)"]
    with folded_warnings(_Folded, "none", lines.append):
        pass
    assert len(lines) == 1  # nothing caught, nothing said


def test_verbose_prints_each(monkeypatch):
    monkeypatch.setenv("HRISIM_VERBOSE", "1")
    lines: list[str] = []
    with pytest.warns(_Folded) as record:
        with folded_warnings(_Folded, "test", lines.append):
            warnings.warn("a: x", _Folded)
            warnings.warn("b: y", _Folded)
    assert len(record) == 2 and lines == []


def test_generate_prints_one_line_for_missing_assets(tmp_path, monkeypatch, capsys):
    from sim_env.cli import main

    monkeypatch.delenv("HRISIM_VERBOSE", raising=False)
    monkeypatch.setenv("HRISIM_DATA", str(tmp_path / "data"))  # no MakeHuman pack installed
    monkeypatch.setenv("HRISIM_ASSET_PATH", str(tmp_path / "no-assets"))
    code = main(["generate", "--out", str(tmp_path / "ds"), "--humans", "balanced24", "--animations", "neutral",
                 "--viewpoints", "grid:0;0", "--frames", "2", "--size", "48", "--appearance", "assets",
                 "--limit", "2", "--quiet"])
    assert code == 0
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if "AssetWarning" in ln]
    assert len(lines) == 1 and lines[0].startswith("AssetWarning x2 (")
    assert "bal_f_caucasian_1, bal_f_caucasian_2;" in lines[0] and "not in any asset root" in lines[0]
    assert "performance.py" not in err and "AssetLook.load" not in err  # no per-warning source lines
