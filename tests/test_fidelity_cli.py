"""``hrisim assets list|install``, ``hrisim humans sheet`` and ``hrisim animations compare``."""
from __future__ import annotations

import shutil
import warnings

import numpy as np
from PIL import Image

from sim_env.cli import main


def _roots_option(shared_dir):
    return f"{shared_dir / 'assets' / 'makehuman'}:{shared_dir / 'assets' / 'makehuman-lowres'}"


def test_assets_install_then_list(shared_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HRISIM_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("HRISIM_FACSHUMAN", raising=False)
    assert main(["assets", "install", "facshuman", "--from", str(shared_dir / "assets" / "facshuman")]) == 0
    assert (tmp_path / "data" / "facshuman" / "PACK.json").is_file()
    assert main(["assets", "list", "--asset-path", _roots_option(shared_dir)]) == 0
    out = capsys.readouterr().out
    assert "--asset-path" in out and "14 skins, 5 hair, 9 eyebrows, 4 eyelashes, 1 eyes" in out
    assert "FACSHuman targets: 133" in out


def test_humans_sheet_and_rig_compare(shared_dir, paper_humans_dir, tmp_path, facshuman_pack):
    folder = tmp_path / "two"
    folder.mkdir()
    for name in ("man1_Afr.mhm", "Women1_Whi.mhm"):
        shutil.copy(paper_humans_dir / name, folder / name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["humans", "sheet", str(folder), "--out", str(tmp_path / "sheet.png"), "--size", "96",
                     "--asset-path", _roots_option(shared_dir)]) == 0
        sheet = np.asarray(Image.open(tmp_path / "sheet.png"))
        assert sheet.shape[1] > 2 * 96 and sheet.shape[0] >= 96
        fani = tmp_path / "fani"
        fani.mkdir()
        shutil.copy(next((shared_dir / "assets" / "paper" / "animations").glob("*_ANGR.fani")), fani)
        assert main(["animations", "compare", "--suite", str(folder), "--human", "man1_Afr", "--animations",
                     str(fani), "--out", str(tmp_path / "cmp.png"), "--size", "96",
                     "--asset-path", _roots_option(shared_dir)]) == 0
    cmp = np.asarray(Image.open(tmp_path / "cmp.png")).astype(np.int16)
    left, right = cmp[:, 2:98], cmp[:, 100:196]  # the two rigs' cells differ: different AU shapes
    assert np.abs(left - right).mean() > 0.5
