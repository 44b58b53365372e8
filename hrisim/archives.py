"""Unpacking archives that users hand to hrisim (asset packs): the one safe unpacker.

``hrisim assets install facshuman`` and ``hrisim assets install makehuman`` both take a folder, a
``.zip``/``.tar(.gz/.bz2/.xz)`` archive or an http(s)/file URL of one. :func:`open_source` turns
any of them into a folder; :func:`unpack_archive` unpacks an archive strictly:

- every member is checked before anything is written; refused, naming the archive and the member,
  are absolute paths (``/x``, ``C:x``), paths with a ``..`` part (backslashes count as ``/``),
  links of any kind (symbolic or hard, inside or outside the destination: no pack needs one),
  devices, FIFOs and sockets, more than ``max_members`` members and more than ``max_bytes``
  bytes uncompressed (a zip bomb);
- tar members are then written through Python's ``data`` extraction filter (which also drops
  setuid bits and refuses what slipped past the checks above);
- the archive is unpacked into a hidden temporary folder beside ``dest`` and renamed onto it only
  when every member was written (:func:`hrisim.io.atomic_path`): a refused, truncated or
  interrupted archive leaves nothing under ``dest``'s name.

Errors are :class:`ArchiveError` (a :class:`~hrisim.errors.HrisimError`); callers that have their
own error type (``AssetError``, ``AnimationError``) re-raise the message as theirs.
"""
from __future__ import annotations

import dataclasses
import os
import posixpath
import shutil
import stat
import tarfile
import zipfile
from pathlib import Path

from hrisim.errors import HrisimError
from hrisim.io import atomic_path

MAX_BYTES = 4 * 1024 ** 3  # uncompressed; the FACSHuman repository is about 0.2 GB
MAX_MEMBERS = 200_000


_LINKS = {"symlink": "symbolic link", "hardlink": "hard link"}


class ArchiveError(HrisimError):
    """An archive that cannot be unpacked safely, or not at all; the message names it (and the member)."""


@dataclasses.dataclass(frozen=True)
class Member:
    name: str  # as stored in the archive
    size: int  # uncompressed bytes
    kind: str  # "file", "dir", "symlink", "hardlink" or "special"
    link: str = ""  # a link's target, as stored


def open_source(source: str, work: Path, what: str, *, max_bytes: int = MAX_BYTES,
                max_members: int = MAX_MEMBERS) -> Path:
    """A folder holding ``source``'s files: ``source`` itself when it is a folder, else the archive
    it names (downloaded first when it is an http(s)/file URL) unpacked into ``work/unpacked``.

    ``what`` names the content in messages ("MakeHuman assets", "FACSHuman targets").
    """
    if source.startswith(("http://", "https://", "file://")):
        import urllib.request

        archive = work / "download"
        try:
            with urllib.request.urlopen(source, timeout=60) as response, open(archive, "wb") as out:
                shutil.copyfileobj(response, out)
        except OSError as exc:
            raise ArchiveError(f"could not download {what} from {source} ({exc}); download the archive "
                               "yourself and use --from PATH") from None
    else:
        archive = Path(source).expanduser()
        if archive.is_dir():
            return archive
        if not archive.is_file():
            raise FileNotFoundError(f"{archive}: no such folder or archive of {what}")
    return unpack_archive(archive, work / "unpacked", name=source, max_bytes=max_bytes, max_members=max_members)


def unpack_archive(archive: str | os.PathLike, dest: str | os.PathLike, *, name: str | None = None,
                   max_bytes: int = MAX_BYTES, max_members: int = MAX_MEMBERS) -> Path:
    """Unpack the .zip or tar archive ``archive`` into ``dest`` (see the module docstring); ``name``
    is how messages call the archive (default: its path). Returns ``dest``."""
    archive, dest = Path(archive), Path(dest)
    name = name or str(archive)
    try:
        is_zip = zipfile.is_zipfile(archive)
        if not is_zip and not tarfile.is_tarfile(archive):
            raise ArchiveError(f"{name}: not a .zip or a .tar(.gz/.bz2/.xz) archive")
        if is_zip:
            with zipfile.ZipFile(archive) as zf:
                infos = zf.infolist()
                check_members(name, [_zip_member(zf, info) for info in infos], max_bytes, max_members)
                with atomic_path(dest) as tmp:
                    tmp.mkdir()
                    for info in infos:
                        zf.extract(info, tmp)
        else:
            with tarfile.open(archive) as tf:
                check_members(name, [_tar_member(m) for m in tf.getmembers()], max_bytes, max_members)
                with atomic_path(dest) as tmp:
                    tmp.mkdir()
                    try:
                        tf.extractall(tmp, filter="data")
                    except tarfile.FilterError as err:  # the standard library's own check agrees
                        raise ArchiveError(f"{name}: member {err.tarinfo.name!r}: {err}; refused "
                                           "(nothing was unpacked)") from None
    except ArchiveError:
        raise
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        detail = " ".join(str(exc).split())[:120]  # tarfile's messages span lines
        raise ArchiveError(f"{name}: not a readable .zip or .tar archive ({type(exc).__name__}: {detail}); "
                           "nothing was unpacked") from None
    return dest


def check_members(name: str, members: list[Member], max_bytes: int = MAX_BYTES,
                  max_members: int = MAX_MEMBERS) -> None:
    """Refuse the archive ``name`` unless every member is a plain file or folder that stays inside
    the destination, and the count and total size are within the limits."""
    if len(members) > max_members:
        raise ArchiveError(f"{name}: {len(members)} members; at most {max_members} (nothing was unpacked)")
    total = 0
    for member in members:
        text = member.name.replace("\\", "/")
        normal = posixpath.normpath(text) if text else ""
        first = text.split("/", 1)[0]
        if (not normal or text.startswith("/") or ":" in first or ".." in text.split("/")
                or normal == ".." or normal.startswith("../")):
            raise ArchiveError(f"{name}: member {member.name!r} would be written outside the destination; "
                               "refused (nothing was unpacked)")
        if member.kind in ("symlink", "hardlink"):
            raise ArchiveError(f"{name}: member {member.name!r} is a {_LINKS[member.kind]} "
                               f"to {member.link!r}; links are refused (nothing was unpacked)")
        if member.kind not in ("file", "dir"):
            raise ArchiveError(f"{name}: member {member.name!r} is a device, FIFO or socket, not a file "
                               "or folder; refused (nothing was unpacked)")
        total += max(member.size, 0)
        if total > max_bytes:
            raise ArchiveError(f"{name}: over {max_bytes} bytes uncompressed by member {member.name!r} "
                               "(a zip bomb?); refused (nothing was unpacked)")


def _zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Member:
    mode = (info.external_attr >> 16) & 0o170000
    if stat.S_ISLNK(mode):
        return Member(info.filename, info.file_size, "symlink", _link_text(zf, info))
    if mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return Member(info.filename, info.file_size, "special")
    return Member(info.filename, info.file_size, "dir" if info.is_dir() else "file")


def _link_text(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    with zf.open(info) as stream:  # a link's target is its data; read no more than a path's worth
        return stream.read(256).decode("utf-8", "replace")


def _tar_member(member: tarfile.TarInfo) -> Member:
    if member.issym():
        kind = "symlink"
    elif member.islnk():
        kind = "hardlink"
    elif member.isfile():
        kind = "file"
    elif member.isdir():
        kind = "dir"
    else:
        kind = "special"
    return Member(member.name, member.size, kind, member.linkname)
