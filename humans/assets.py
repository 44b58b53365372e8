"""Where MakeHuman assets (skins, proxies, textures) come from: an ordered list of asset roots.

MakeHuman looks for a file in its system data folder, then in the user's data folder; hrisim does
the same over any number of roots, each laid out like MakeHuman's ``data/`` folder
(``skins/<name>/<name>.mhmat``, ``skins/textures/*.png``, ``hair/<name>/<name>.mhclo`` ...). The
first root that has a file wins, and a texture named by a material in one root is also looked for,
at the same relative path, in the others: that is how a full-resolution pack and a pack of
low-resolution stand-ins combine (mixed resolutions are fine, UVs are normalised).

Roots come from, in order of precedence (the first that is set is used):

1. an explicit list (the ``--asset-path`` CLI option, or ``AssetRoots.configured(explicit=...)``),
2. the environment variable ``HRISIM_ASSET_PATH`` (``os.pathsep``-separated),
3. the setting ``asset_path`` (a list) in ``<user data>/settings.yaml``,

and the user data folder's own ``<user data>/makehuman`` is always searched last. The user data
folder is ``$HRISIM_DATA``, else ``$XDG_DATA_HOME/hrisim``, else ``~/.local/share/hrisim``.
"""
from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path

from hrisim.errors import HrisimError

ENV_ASSET_PATH = "HRISIM_ASSET_PATH"
ENV_DATA = "HRISIM_DATA"
SETTINGS_FILE = "settings.yaml"
PROXY_KINDS = ("hair", "eyebrows", "eyelashes", "eyes", "teeth", "tongue")


class AssetError(HrisimError):
    """An asset file is malformed; the message names the file and line."""


def user_data_dir() -> Path:
    """hrisim's per-user data folder (installed packs, settings)."""
    if os.environ.get(ENV_DATA):
        return Path(os.environ[ENV_DATA]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base).expanduser() / "hrisim"


def settings_path() -> Path:
    return user_data_dir() / SETTINGS_FILE


def read_settings() -> dict:
    path = settings_path()
    if not path.is_file():
        return {}
    from hrisim.textio import load_yaml, read_text

    data = load_yaml(read_text(path, AssetError, "settings file"), path, AssetError) or {}
    if not isinstance(data, dict):
        raise AssetError(f"{path}: expected a mapping of settings, got {type(data).__name__}")
    return data


@dataclasses.dataclass(frozen=True)
class AssetRoots:
    """Ordered asset roots and where the list came from (for ``hrisim assets list``)."""

    roots: tuple[Path, ...]
    source: str

    @classmethod
    def configured(cls, explicit: list[str] | tuple[str, ...] | str | None = None) -> "AssetRoots":
        """Roots from the explicit list, else $HRISIM_ASSET_PATH, else the settings file."""
        if isinstance(explicit, str):
            explicit = explicit.split(os.pathsep)
        if explicit:
            entries, source = list(explicit), "--asset-path"
        elif os.environ.get(ENV_ASSET_PATH):
            entries, source = os.environ[ENV_ASSET_PATH].split(os.pathsep), f"${ENV_ASSET_PATH}"
        else:
            value = read_settings().get("asset_path") or []
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list):
                raise AssetError(f"{settings_path()}: 'asset_path' must be a list of folders")
            entries, source = value, f"setting asset_path in {settings_path()}" if value else "none configured"
        roots = [Path(e).expanduser().resolve() for e in entries if str(e).strip()]
        roots.append((user_data_dir() / "makehuman").resolve())
        unique = tuple(dict.fromkeys(roots))
        return cls(unique, source)

    def find(self, relative: str | os.PathLike) -> Path | None:
        """The first existing ``root/relative`` (``data/`` prefixes as in .mhm files are dropped).

        ``relative`` must stay inside the roots: an absolute path or one with ``..`` is refused, and
        so is a file that is a symlink to somewhere outside its root (AssetError naming the root).
        """
        rel = _strip_data_prefix(relative)
        check_relative(rel)
        for root in self.roots:
            path = root / rel
            if path.is_file():
                return self._inside(path, (root,), rel)
        return None

    def _inside(self, path: Path, bases: tuple[Path, ...], reference: str) -> Path:
        """``path`` if it resolves (symlinks followed) inside one of ``bases``; else AssetError."""
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError) as err:  # a symlink loop or a vanished file
            raise AssetError(f"{reference!r}: cannot be resolved ({getattr(err, 'strerror', None) or err})") from None
        for base in bases:
            if real.is_relative_to(base.resolve()):
                return path
        raise AssetError(f"{reference!r}: resolves outside the asset root(s) {[str(b) for b in bases]} "
                         "(a symlink out of the root?); refused")

    def relative_to_root(self, path: Path) -> Path | None:
        for root in self.roots:
            try:
                return path.resolve().relative_to(root)
            except ValueError:
                continue
        return None

    def find_beside(self, owner: Path, reference: str) -> Path | None:
        """A file named relative to ``owner`` (a .mhmat/.mhclo): next to it, else the same
        root-relative path in any root (e.g. a 512² stand-in of a missing 2048² texture).

        The file must lie inside an asset root, or, for an owner outside every root, inside the
        owner's own folder; anything else (absolute paths, ``..`` out of the root, symlinks out) is
        refused with an AssetError naming the roots. ``None`` when it simply is not there.
        """
        reference = reference.replace("\\", "/")
        if os.path.isabs(reference) or reference.startswith("~"):
            raise AssetError(f"{reference!r}: an absolute path; expected a path relative to the file, "
                             f"inside the asset roots {[str(r) for r in self.roots]}")
        rel_owner = self.relative_to_root(owner.parent)
        bases = self.roots if rel_owner is not None else (owner.parent,)
        direct = Path(os.path.normpath(owner.parent.resolve() / reference))
        if not any(direct.is_relative_to(b.resolve()) for b in bases):
            raise AssetError(f"{reference!r}: leads outside the asset roots {[str(b) for b in bases]}; refused")
        if direct.is_file():
            return self._inside(direct, bases, reference)
        if rel_owner is not None:
            found = self.find(os.path.normpath(rel_owner / reference))
            if found is not None:
                return found
        reference = os.path.normpath(reference)
        return self.find(reference) if not reference.startswith("..") else None

    def proxy_index(self, kind: str) -> dict[str, Path]:
        """``name``/file stem/uuid (lower case) -> .mhclo of one proxy kind, first root wins."""
        return _proxy_index(self.roots, kind)

    def find_proxy(self, kind: str, name: str, uuid: str | None = None) -> Path | None:
        index = self.proxy_index(kind)
        for key in (name, uuid):
            if key and key.lower() in index:
                return index[key.lower()]
        return None

    def describe(self) -> list[tuple[Path, bool, dict[str, int]]]:
        """Per root: path, whether it exists, and how many assets of each kind it offers."""
        rows = []
        for root in self.roots:
            counts = {"skins": len(list(root.glob("skins/*/*.mhmat"))) if root.is_dir() else 0}
            for kind in PROXY_KINDS:
                counts[kind] = len(list(root.glob(f"{kind}/**/*.mhclo"))) if root.is_dir() else 0
            rows.append((root, root.is_dir(), counts))
        return rows


def check_relative(reference: str) -> None:
    """A path read from a file must be relative and must not climb out with ``..``."""
    text = reference.replace("\\", "/")
    if os.path.isabs(text) or text.startswith("~") or ".." in text.split("/"):
        raise AssetError(f"{reference!r}: expected a path relative to an asset root, without '..'")


def _strip_data_prefix(relative: str | os.PathLike) -> str:
    text = os.fspath(relative).replace("\\", "/")
    return text[len("data/"):] if text.startswith("data/") else text


@functools.lru_cache(maxsize=64)
def _proxy_index(roots: tuple[Path, ...], kind: str) -> dict[str, Path]:
    index: dict[str, Path] = {}
    for root in roots:
        real_root = root.resolve()
        for path in sorted((root / kind).glob("**/*.mhclo")) if (root / kind).is_dir() else []:
            try:
                if not path.resolve(strict=True).is_relative_to(real_root):
                    continue  # a symlink out of the root: never read
                text = path.read_text(encoding="utf-8", errors="replace")
            except (OSError, RuntimeError):
                continue  # a dangling link or loop: not an asset
            keys = {path.stem.lower()}
            for line in text.splitlines()[:60]:
                parts = line.split()
                if len(parts) >= 2 and parts[0] in ("name", "uuid"):
                    keys.add(parts[1].lower())
                if parts and parts[0] == "verts":
                    break
            for key in keys:
                index.setdefault(key, path)
    return index


# -- a person's assets ---------------------------------------------------------------------------
# Proxies the paper's files name that no public MakeHuman asset pack ships (FACSHuman's own), and
# what hrisim draws instead. FACSHuman's lashes carry MakeHuman Eyelashes01's UUID with the last
# digit changed, so they are taken to be a copy of it; its teeth and tongue are fitted to hm08's
# teeth and tongue helpers, which hrisim draws directly (the FACSHuman targets move them too).
SUBSTITUTES = {
    ("eyelashes", "facseyelashes01"): "Eyelashes01",
    ("teeth", "facsteeth01"): None,
    ("tongue", "facstongue"): None,
}
HELPER_FALLBACK = {"teeth": "hm08 teeth helper", "tongue": "hm08 tongue helper",
                   "eyes": "built-in eyeballs", "eyelashes": "no lashes",
                   "eyebrows": "no brow mesh", "hair": "no hair mesh"}


@dataclasses.dataclass(frozen=True)
class SpecAssets:
    """The files one person's spec names, as found in the roots, and what could not be found."""

    skin: Path | None
    eye_material: Path | None
    proxies: dict[str, Path]
    missing: tuple[str, ...] = ()  # "field name: what was not found -> what is drawn instead"
    substituted: tuple[str, ...] = ()


def resolve_spec(spec, roots: AssetRoots) -> SpecAssets:
    """Find the skin material, eye material and proxies ``spec`` names (nothing is read yet)."""
    from humans.mhm import COLOUR_EYE_MATERIAL, PROXY_UUIDS

    missing: list[str] = []
    substituted: list[str] = []
    skin = None
    if spec.skin_material:
        skin = roots.find(spec.skin_material)
        if skin is None:
            missing.append(f"skinMaterial {spec.skin_material}: not in any asset root -> built-in skin tone")
    proxies: dict[str, Path] = {}
    for kind in PROXY_KINDS:
        name = getattr(spec, kind)
        if name is None:
            continue
        path = roots.find_proxy(kind, name, PROXY_UUIDS.get(name))
        key = (kind, name.lower())
        if path is None and key in SUBSTITUTES:
            stand_in = SUBSTITUTES[key]
            if stand_in is not None and (path := roots.find_proxy(kind, stand_in, PROXY_UUIDS.get(stand_in))):
                substituted.append(f"{kind} {name} -> {stand_in}")
                proxies[kind] = path
                continue
        if path is None:
            missing.append(f"{kind} {name}: not in any asset root -> {HELPER_FALLBACK[kind]}")
        else:
            proxies[kind] = path
    wanted = f"eyes/materials/{COLOUR_EYE_MATERIAL[spec.eye_colour]}.mhmat"
    eye_material = roots.find(wanted)
    if eye_material is None and "eyes" in proxies:
        missing.append(f"eye material {wanted} (eye colour {spec.eye_colour}): not in any asset root "
                       "-> the eye proxy's own material")
    return SpecAssets(skin, eye_material, proxies, tuple(missing), tuple(substituted))
