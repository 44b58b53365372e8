"""``hrisim assets install makehuman``: installs MakeHuman's CC0 assets with a checksum manifest,
finds them afterwards, and refuses archives or links that point outside the destination."""
from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from humans.assets import AssetError, AssetRoots
from humans.makehuman_pack import MANIFEST, install_makehuman, verify_pack


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("HRISIM_DATA", str(data))
    monkeypatch.delenv("HRISIM_ASSET_PATH", raising=False)
    return data


@pytest.fixture(scope="session")
def makehuman_dir(shared_dir) -> Path:
    path = shared_dir / "assets" / "makehuman"
    if not path.is_dir():
        pytest.skip(f"no MakeHuman assets at {path}")
    return path


def _small_pack(tmp_path: Path) -> Path:
    """A minimal MakeHuman-like folder (one brow proxy, a licence)."""
    root = tmp_path / "src" / "base"
    (root / "eyebrows" / "brow1").mkdir(parents=True)
    (root / "eyebrows" / "brow1" / "brow1.mhclo").write_text("name brow1\nverts 0\n0\n")
    (root / "eyebrows" / "brow1" / "brow1.obj").write_text("v 0 0 0\n")
    (root / "eyebrows" / "brow1" / "notes.txt").write_text("not an asset\n")
    (root / "LICENSE.txt").write_text("CC0\n")
    return tmp_path / "src"


def test_install_from_shared_folder_is_found_and_verified(makehuman_dir, data_dir):
    pack = install_makehuman(makehuman_dir)
    assert pack.dest == data_dir / "makehuman"
    assert pack.by_kind["skins"] >= 10 and pack.by_kind["hair"] >= 5 and pack.by_kind["eyebrows"] >= 3
    assert verify_pack() == []
    roots = AssetRoots.configured()
    assert roots.roots[-1] == (data_dir / "makehuman").resolve()
    assert roots.find_proxy("hair", "afro01") is not None
    assert roots.find("skins/young_african_male/young_african_male.mhmat") is not None
    # a changed file is reported by the checksum manifest
    changed = next((data_dir / "makehuman" / "hair").rglob("*.mhclo"))
    changed.write_text(changed.read_text() + "\n# edited\n")
    assert any("checksum" in p for p in verify_pack())


def test_install_from_archive_finds_nested_data_root_and_skips_other_files(tmp_path, data_dir):
    src = _small_pack(tmp_path)
    archive = tmp_path / "pack.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(src, arcname="makehuman-assets-master")
    pack = install_makehuman(archive)
    files = sorted(p.relative_to(pack.dest).as_posix() for p in pack.dest.rglob("*") if p.is_file())
    assert files == ["LICENSE.txt", MANIFEST, "PACK.json", "eyebrows/brow1/brow1.mhclo",
                     "eyebrows/brow1/brow1.obj"]
    # a zip of the same installs the same, replacing the earlier pack
    zpath = tmp_path / "pack.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for path in src.rglob("*"):
            zf.write(path, Path("top") / path.relative_to(src))
    assert install_makehuman(zpath).files == 3
    assert verify_pack() == []


def _tar_with(tmp_path: Path, member: tarfile.TarInfo, data: bytes = b"") -> Path:
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tf:
        ok = tarfile.TarInfo("base/eyebrows/b/b.mhclo")
        ok.size = 3
        tf.addfile(ok, io.BytesIO(b"abc"))
        member.size = len(data) if member.isfile() else 0
        tf.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return archive


def _link(name: str, target: str, hard: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    return info


@pytest.mark.parametrize("member", [
    tarfile.TarInfo("../escape.png"),
    tarfile.TarInfo("/abs/escape.png"),
    tarfile.TarInfo("base/../../escape.png"),
    _link("base/eyebrows/b/link.png", "/etc/passwd"),
    _link("base/eyebrows/b/link.png", "../../../../etc/passwd"),
    _link("base/eyebrows/b/hard.png", "../outside", hard=True),
], ids=["dotdot", "absolute", "nested-dotdot", "symlink-absolute", "symlink-escape", "hardlink-escape"])
def test_tar_pointing_outside_is_refused(tmp_path, data_dir, member):
    archive = _tar_with(tmp_path, member, b"x" if member.isfile() else b"")
    with pytest.raises(AssetError, match="refused"):
        install_makehuman(archive)
    assert not (data_dir / "makehuman").exists()
    assert not (tmp_path / "escape.png").exists()


@pytest.mark.parametrize("name", ["../escape.png", "/abs.png", "base/../../escape.png"])
def test_zip_pointing_outside_is_refused(tmp_path, data_dir, name):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("base/eyebrows/b/b.mhclo", "abc")
        zf.writestr(zipfile.ZipInfo(name), "x")
    with pytest.raises(AssetError, match="refused"):
        install_makehuman(archive)
    assert not (data_dir / "makehuman").exists()


def test_zip_symlink_is_refused(tmp_path, data_dir):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("base/eyebrows/b/b.mhclo", "abc")
        info = zipfile.ZipInfo("base/eyebrows/b/link.png")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(AssetError, match="refused"):
        install_makehuman(archive)


def test_folder_with_link_outside_is_refused(tmp_path, data_dir):
    src = _small_pack(tmp_path)
    (tmp_path / "secret.png").write_text("secret")
    os.symlink(tmp_path / "secret.png", src / "base" / "eyebrows" / "brow1" / "leak.png")
    with pytest.raises(AssetError, match="outside"):
        install_makehuman(src)
    assert not (data_dir / "makehuman").exists()


def test_not_makehuman_assets_is_a_clear_error(tmp_path, data_dir):
    (tmp_path / "empty").mkdir()
    with pytest.raises(AssetError, match="no MakeHuman assets"):
        install_makehuman(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="no such folder or archive"):
        install_makehuman(tmp_path / "missing.zip")


def test_cli_installs_makehuman(tmp_path, data_dir, capsys):
    from sim_env.cli import main

    assert main(["assets", "install", "makehuman", "--from", str(_small_pack(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert str(data_dir / "makehuman") in out and "2 eyebrows" in out
    assert verify_pack() == []
