"""``hrisim assets install makehuman``: MakeHuman's CC0 system assets into the user data folder.

MakeHuman 1.x ships its skins, hair, eyebrows, eyelashes and eyes as CC0 files laid out like its
``data/`` folder (``makehumancommunity/makehuman-assets``, ``base/``). This installs them from a
folder, a ``.zip``/``.tar(.gz)`` archive or an http(s)/file URL of one into
``<user data>/makehuman``, which :class:`humans.assets.AssetRoots` always searches, so people whose
spec names MakeHuman materials or proxies are drawn with them from then on.

Like the FACSHuman pack (``animations.rigs.facshuman.install_pack``), the pack is assembled beside
its destination and renamed into place: an interrupted install never leaves half a pack. Every
file's SHA-256 goes into ``MANIFEST.sha256`` (``sha256  path`` lines, as ``sha256sum`` writes
them), so :func:`verify_pack` can tell a damaged or edited pack. Archives are unpacked by
:mod:`hrisim.archives` only after every member has been checked: a member whose path points outside
the destination, a link, a device or FIFO, or an archive over the member or size limits makes the
whole install fail with an error naming the archive and the member (nothing is written).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from hrisim.archives import ArchiveError, open_source
from humans.assets import AssetError, user_data_dir

KINDS = ("skins", "hair", "eyebrows", "eyelashes", "eyes")
# What a MakeHuman asset folder holds that hrisim (or MakeHuman) reads.
SUFFIXES = frozenset({".mhmat", ".mhclo", ".obj", ".png", ".jpg", ".jpeg", ".thumb", ".mhpxy",
                      ".target", ".json"})
MANIFEST = "MANIFEST.sha256"
PACK_INFO = "PACK.json"


@dataclasses.dataclass(frozen=True)
class InstalledPack:
    dest: Path
    files: int
    by_kind: dict


def default_dest() -> Path:
    """``<user data>/makehuman`` (the last asset root every search looks in)."""
    return user_data_dir() / "makehuman"


def install_makehuman(source: str | os.PathLike, dest: str | os.PathLike | None = None) -> InstalledPack:
    """Install MakeHuman's skins, hair, eyebrows, eyelashes and eyes from ``source``.

    ``source``: a folder laid out like MakeHuman's ``data/`` (or holding one, e.g. the
    makehuman-assets repository with its ``base/``), an archive of one, or a URL of an archive.
    """
    source = str(source)
    dest = Path(dest) if dest is not None else default_dest()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".makehuman-", dir=dest.parent) as work:
        work = Path(work)
        tree = _unpacked(source, work)
        root = find_data_root(tree)
        if root is None:
            raise AssetError(f"{source}: no MakeHuman assets found; expected a folder (or archive) "
                             f"with some of {', '.join(k + '/' for k in KINDS)} holding .mhmat/.mhclo files")
        staging = work / "pack"
        staging.mkdir()
        by_kind: dict[str, int] = {}
        lines = []
        for path in sorted(_files_under(root, tree)):
            rel = path.relative_to(root)
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            lines.append(f"{_sha256(target)}  {rel.as_posix()}")
            if rel.parts[0] in KINDS:
                by_kind[rel.parts[0]] = by_kind.get(rel.parts[0], 0) + 1
        if not by_kind:
            raise AssetError(f"{source}: {root} has none of {', '.join(KINDS)} with asset files")
        (staging / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")
        (staging / PACK_INFO).write_text(json.dumps(
            {"source": source, "files": len(lines), "by_kind": by_kind}, indent=2) + "\n", encoding="utf-8")
        old = work / "old"
        if dest.exists():
            dest.rename(old)
        staging.rename(dest)
    return InstalledPack(dest, len(lines), by_kind)


def verify_pack(dest: str | os.PathLike | None = None) -> list[str]:
    """Problems of an installed pack (missing, changed or unlisted files); [] when intact."""
    dest = Path(dest) if dest is not None else default_dest()
    manifest = dest / MANIFEST
    if not manifest.is_file():
        return [f"{manifest}: missing; reinstall with 'hrisim assets install makehuman --from ...'"]
    problems, listed = [], set()
    for lineno, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        digest, _, rel = line.partition("  ")
        if len(digest) != 64 or not rel:
            problems.append(f"{manifest}:{lineno}: expected 'sha256  path', got {line!r}")
            continue
        listed.add(rel)
        path = dest / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
        elif _sha256(path) != digest:
            problems.append(f"{rel}: checksum differs from {MANIFEST}")
    for path in dest.rglob("*"):
        rel = path.relative_to(dest).as_posix()
        if path.is_file() and rel not in listed and rel not in (MANIFEST, PACK_INFO):
            problems.append(f"{rel}: not in {MANIFEST}")
    return problems


def find_data_root(tree: Path) -> Path | None:
    """The shallowest folder under ``tree`` with MakeHuman kind folders holding asset files."""
    candidates = [tree] + sorted((p for p in tree.rglob("*") if p.is_dir() and not p.is_symlink()),
                                 key=lambda p: (len(p.parts), str(p)))
    for folder in candidates:
        if any((folder / kind).is_dir() and any((folder / kind).rglob("*.mhmat"))
               or (folder / kind).is_dir() and any((folder / kind).rglob("*.mhclo")) for kind in KINDS):
            return folder
    return None


def _files_under(root: Path, tree: Path):
    """Asset files of the kind folders and the licence/readme files of ``root``; a symlink that
    leads outside ``tree`` is refused."""
    base = tree.resolve()
    for kind in KINDS:
        folder = root / kind
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if path.is_symlink() and not path.resolve().is_relative_to(base):
                raise AssetError(f"{path}: a link to {os.readlink(path)!r}, outside the source; refused")
            if path.is_file() and path.suffix.lower() in SUFFIXES:
                yield path
    for path in root.iterdir():
        if path.is_file() and path.name.upper().startswith(("LICENSE", "LICENCE", "README")):
            if path.is_symlink() and not path.resolve().is_relative_to(base):
                raise AssetError(f"{path}: a link outside the source; refused")
            yield path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- sources -----------------------------------------------------------------------------------
def _unpacked(source: str, work: Path) -> Path:
    """A folder with the source's files: the folder itself, or an archive (downloaded) unpacked
    by hrisim's one safe unpacker (:mod:`hrisim.archives`)."""
    try:
        return open_source(source, work, "MakeHuman assets")
    except ArchiveError as exc:
        raise AssetError(str(exc)) from None
