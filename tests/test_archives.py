"""hrisim.archives, the one unpacker of user archives: every unsafe member is refused by name before
anything is written, limits hold, tar members pass the ``data`` filter, and a failed unpack leaves
neither the destination nor its hidden temporary folder behind (an existing destination survives)."""
from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from hrisim.archives import ArchiveError, open_source, unpack_archive


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for info, data in members:
            info.size = len(data) if info.isfile() else 0
            tf.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path


def _info(name: str, kind=tarfile.REGTYPE, link: str = "", mode: int = 0o644) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, link, mode
    return info


def _zip(path: Path, members: list[tuple[str, bytes, int | None]], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data, mode in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            if mode is not None:
                info.external_attr = mode << 16
            zf.writestr(info, data)
    return path


def _left_behind(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.parent.iterdir() if p.name.startswith((dest.name, f".{dest.name}")))


def test_good_zip_and_tar_unpack_the_same_files(tmp_path):
    files = {"pack/a.target": b"1 0 0 0\n", "pack/sub/b.json": b"{}"}
    tar = _tar(tmp_path / "p.tar.gz", [(_info(n), d) for n, d in files.items()])
    zipped = _zip(tmp_path / "p.zip", [(n, d, None) for n, d in files.items()])
    for archive in (tar, zipped):
        dest = unpack_archive(archive, tmp_path / f"out-{archive.suffix}")
        got = {p.relative_to(dest).as_posix(): p.read_bytes() for p in dest.rglob("*") if p.is_file()}
        assert got == files


TAR_BAD = {
    "absolute": (_info("/tmp/hrisim-escaped.target"), "outside the destination"),
    "dotdot": (_info("pack/../../escaped.target"), "outside the destination"),
    "backslash": (_info("pack\\..\\..\\escaped.target"), "outside the destination"),
    "drive": (_info("C:/escaped.target"), "outside the destination"),
    "symlink-outside": (_info("pack/b.target", tarfile.SYMTYPE, "/etc/passwd"), "symbolic link to '/etc/passwd'"),
    "symlink-inside": (_info("pack/b.target", tarfile.SYMTYPE, "a.target"), "symbolic link to 'a.target'"),
    "hardlink": (_info("pack/h.target", tarfile.LNKTYPE, "../outside"), "hard link to '../outside'"),
    "device": (_info("pack/dev", tarfile.CHRTYPE), "device, FIFO or socket"),
    "fifo": (_info("pack/fifo", tarfile.FIFOTYPE), "device, FIFO or socket"),
}


@pytest.mark.parametrize("case", sorted(TAR_BAD))
def test_unsafe_tar_member_is_refused_by_name_and_nothing_is_written(tmp_path, case):
    bad, reason = TAR_BAD[case]
    archive = _tar(tmp_path / "evil.tar.gz", [(_info("pack/a.target"), b"1 0 0 0\n"), (bad, b"x")])
    dest = tmp_path / "out"
    with pytest.raises(ArchiveError) as err:
        unpack_archive(archive, dest, name="evil.tar.gz")
    message = str(err.value)
    assert message.startswith("evil.tar.gz: member ") and repr(bad.name) in message and reason in message
    assert "refused" in message and _left_behind(dest) == []
    assert not (tmp_path / "escaped.target").exists() and not Path("/tmp/hrisim-escaped.target").exists()


@pytest.mark.parametrize("name,mode,reason", [
    ("/abs.target", None, "outside the destination"),
    ("../up.target", None, "outside the destination"),
    ("pack\\..\\..\\up.target", None, "outside the destination"),
    ("pack/link.target", stat.S_IFLNK | 0o777, "symbolic link to '/etc/passwd'"),
    ("pack/fifo", stat.S_IFIFO | 0o644, "device, FIFO or socket"),
])
def test_unsafe_zip_member_is_refused_by_name(tmp_path, name, mode, reason):
    archive = _zip(tmp_path / "evil.zip", [("pack/a.target", b"1 0 0 0\n", None), (name, b"/etc/passwd", mode)])
    dest = tmp_path / "out"
    with pytest.raises(ArchiveError, match="refused") as err:
        unpack_archive(archive, dest)
    assert f"{archive}: member {name!r}" in str(err.value) and reason in str(err.value)
    assert _left_behind(dest) == []


def test_member_count_and_size_limits(tmp_path):
    archive = _zip(tmp_path / "many.zip", [(f"f{i}", b"0" * 1000, None) for i in range(5)])
    with pytest.raises(ArchiveError, match=r"5 members; at most 4"):
        unpack_archive(archive, tmp_path / "a", max_members=4)
    with pytest.raises(ArchiveError, match=r"over 4500 bytes uncompressed by member 'f4'"):
        unpack_archive(archive, tmp_path / "b", max_bytes=4500)
    assert unpack_archive(archive, tmp_path / "c", max_members=5, max_bytes=5000).is_dir()
    assert _left_behind(tmp_path / "a") == [] and _left_behind(tmp_path / "b") == []


def test_tar_members_pass_the_data_filter(tmp_path):
    """A setuid, world-writable file comes out without those bits (the ``data`` filter's doing)."""
    archive = _tar(tmp_path / "suid.tar.gz", [(_info("pack/run", mode=0o4777), b"#!/bin/sh\n")])
    mode = (unpack_archive(archive, tmp_path / "out") / "pack" / "run").stat().st_mode
    assert not mode & stat.S_ISUID and not mode & stat.S_IWOTH


def test_a_failure_while_writing_leaves_the_old_destination_and_no_temporary(tmp_path):
    """Listing passes, the second member's data is corrupt (bad CRC): the first member was already
    written into the hidden temporary folder, which goes; the earlier destination stays as it was."""
    archive = _zip(tmp_path / "crc.zip", [("a.txt", b"first member", None), ("b.txt", b"SECOND-MEMBER-DATA", None)],
                   compression=zipfile.ZIP_STORED)
    raw = archive.read_bytes()
    archive.write_bytes(raw.replace(b"SECOND-MEMBER-DATA", b"SECOND-MEMBER-DATX"))
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "old.txt").write_text("kept")
    with pytest.raises(ArchiveError, match=r"crc\.zip: not a readable .* nothing was unpacked"):
        unpack_archive(archive, dest)
    assert [p.name for p in dest.iterdir()] == ["old.txt"] and _left_behind(dest) == ["out"]
    # a good archive then replaces the old folder whole
    good = _zip(tmp_path / "good.zip", [("a.txt", b"new", None)])
    unpack_archive(good, dest)
    assert [p.name for p in dest.iterdir()] == ["a.txt"] and _left_behind(dest) == ["out"]


def test_not_an_archive_truncated_and_sources(tmp_path):
    (tmp_path / "notes.zip").write_text("not an archive")
    with pytest.raises(ArchiveError, match=r"notes\.zip: not a \.zip or a \.tar"):
        unpack_archive(tmp_path / "notes.zip", tmp_path / "out")
    good = _tar(tmp_path / "t.tar.gz", [(_info(f"f{i}"), os.urandom(4000)) for i in range(4)])
    (tmp_path / "cut.tar.gz").write_bytes(good.read_bytes()[:3000])
    with pytest.raises(ArchiveError, match=r"cut\.tar\.gz: not a readable"):
        unpack_archive(tmp_path / "cut.tar.gz", tmp_path / "out")
    assert _left_behind(tmp_path / "out") == []
    # open_source: a folder is used as it is, a file:// URL is fetched and unpacked, a missing path is named
    work = tmp_path / "work"
    work.mkdir()
    assert open_source(str(tmp_path), work, "test files") == tmp_path
    unpacked = open_source(f"file://{good}", work, "test files")
    assert sorted(p.name for p in unpacked.iterdir()) == ["f0", "f1", "f2", "f3"]
    with pytest.raises(FileNotFoundError, match="no such folder or archive of test files"):
        open_source(str(tmp_path / "absent.zip"), work, "test files")


def test_both_installers_use_it_and_keep_their_error_types(tmp_path, monkeypatch):
    from animations.errors import AnimationError
    from animations.rigs.facshuman import install_pack
    from humans.assets import AssetError
    from humans.makehuman_pack import install_makehuman

    monkeypatch.setenv("HRISIM_DATA", str(tmp_path / "data"))
    archive = _tar(tmp_path / "dev.tar.gz", [(_info("base/eyebrows/b/b.mhclo"), b"name b\n"),
                                             (_info("base/eyebrows/b/dev", tarfile.BLKTYPE), b"")])
    with pytest.raises(AssetError, match=r"dev\.tar\.gz: member 'base/eyebrows/b/dev' is a device"):
        install_makehuman(archive, tmp_path / "mh")
    with pytest.raises(AnimationError, match=r"dev\.tar\.gz: member 'base/eyebrows/b/dev' is a device"):
        install_pack(archive, tmp_path / "fh")
    assert not (tmp_path / "mh").exists() and not (tmp_path / "fh").exists()
