"""The ``facshuman`` rig: FACSHuman's own AU morph targets, applied as FACSHuman applies them.

Each FACSHuman key (``4``, ``L12``, ``22_25_up_down``, ``61`` ...) is a ``.target`` file of the
optional pack (GNU LGPL v3; ``hrisim assets install facshuman``): rows ``vertex dx dy dz`` on
MakeHuman's hm08 mesh, in MakeHuman's units and axes (decimetres, y up, facing +z). A frame's
mesh is the person's mesh plus ``sum_k w_k * target_k`` with ``w_k`` the key's intensity in [0, 1]
(linear, like MakeHuman's modifiers). Intensity 1 is FACSHuman's full target, which is already the
FACS manual's E in size (brows lowered 9.7 mm by AU4, upper lip raised 8.8 mm by AU10: see
``ARKIT_FIT.md``), so no rescaling; the rig adds hrisim's ``fold_*`` targets for the furrows and
wrinkles FACSHuman's targets lack (``hrisim_targets.FOLDS_BY_AU``; ``folds=False`` plays the
pack alone, as FACSHuman does). Targets move every hm08 vertex they list: skin, the eye
helpers (gaze AUs 61-66, so eyes and the eye proxy turn), teeth and tongue helpers (jaw AUs), and
the whole head for the head-position AUs 51-58. The rig outputs these offsets in MakeHuman units
(``RigFrames.morph_offsets_hm08``); ``humans`` converts them to its world frame.

Keys of the pack that are not action units (``00 Emotions``, pupil targets) load with the pack but
cannot be used in a timeline (see ``animations.catalogue``). A timeline key the pack lacks gives one
:class:`UnsupportedAUWarning` per key and is ignored.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..catalogue import CATALOGUE, resolve_key
from ..errors import AnimationError
from ..files import load_json, read_text
from .base import RigFrames, UnsupportedAUWarning, check_values, movement_intensities
from .hrisim_targets import FOLDS_BY_AU, fold_weights, offsets_for

HM08_VERTEX_COUNT = 19158
PACK_NAME = "facshuman"
ENV_PACK = "HRISIM_FACSHUMAN"
# The repository archive of the default branch (GitHub resolves it; no branch name to go stale).
DEFAULT_URL = "https://api.github.com/repos/montybot/FACSHuman/zipball"


def default_pack_dir() -> Path:
    """``$HRISIM_FACSHUMAN``, else ``<hrisim user data>/facshuman``.

    The user data folder follows the same rule as ``humans.assets.user_data_dir`` ($HRISIM_DATA,
    else $XDG_DATA_HOME/hrisim, else ~/.local/share/hrisim); it is restated here because
    ``animations`` imports nothing of ``humans`` (a test checks that the two agree).
    """
    if os.environ.get(ENV_PACK):
        return Path(os.environ[ENV_PACK]).expanduser()
    if os.environ.get("HRISIM_DATA"):
        base = Path(os.environ["HRISIM_DATA"]).expanduser()
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share").expanduser() / "hrisim"
    return base / PACK_NAME


@dataclasses.dataclass(frozen=True)
class Target:
    """One morph target: hm08 vertex indices and their offsets (MakeHuman units and axes)."""

    key: str
    path: Path
    vertices: np.ndarray  # (n,) int64
    offsets: np.ndarray  # (n, 3) float32


def read_target(path: str | Path) -> Target:
    """Parse a ``.target`` file (``vertex dx dy dz`` per line; ``#`` comments); errors name file:line.

    Offsets must be finite and a vertex may appear once. Errors never quote the file's content:
    a file that is not a target (say, a link to a system file) is not echoed back.
    """
    path = Path(path)
    idx, rows, first = [], [], {}
    for lineno, raw in enumerate(read_text(path, what="FACSHuman .target file").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        try:
            if len(parts) != 4:
                raise ValueError
            i = int(parts[0])
            d = (float(parts[1]), float(parts[2]), float(parts[3]))
        except ValueError:
            raise AnimationError(f"{path}:{lineno}: expected 'vertex dx dy dz' (an integer and three "
                                 f"numbers), got a line of {len(parts)} field(s) that is not") from None
        if not 0 <= i < HM08_VERTEX_COUNT:
            raise AnimationError(f"{path}:{lineno}: vertex {i} is outside hm08's {HM08_VERTEX_COUNT} vertices")
        if not all(math.isfinite(x) for x in d):
            raise AnimationError(f"{path}:{lineno}: vertex {i}: expected finite offsets dx dy dz")
        if i in first:
            raise AnimationError(f"{path}:{lineno}: vertex {i} again (first on line {first[i]}); "
                                 "each vertex may appear once")
        first[i] = lineno
        idx.append(i)
        rows.append(d)
    return Target(path.stem, path, np.asarray(idx, np.int64), np.asarray(rows, np.float32).reshape(-1, 3))


class FacsHumanPack:
    """An installed FACSHuman target pack: every ``.target`` under its folder, by basename."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else default_pack_dir()
        if not self.root.is_dir():
            raise AnimationError(
                f"rig 'facshuman' needs the FACSHuman asset pack (hrisim assets install facshuman), not found "
                f"in {self.root}; install it from {DEFAULT_URL} (the default) or '--from PATH_OR_URL'"
            )
        self.files: dict[str, Path] = {}
        real_root = self.root.resolve()
        for path in sorted(self.root.rglob("*.target")):
            try:
                inside = path.resolve(strict=True).is_relative_to(real_root)
            except (OSError, RuntimeError):  # a dangling link or a loop
                inside = False
            if not inside:
                raise AnimationError(f"{path}: a link to outside the pack folder {real_root}, or broken; "
                                     "refused (reinstall with 'hrisim assets install facshuman')")
            self.files.setdefault(path.stem, path)
        if not self.files:
            raise AnimationError(f"{self.root}: no .target files; reinstall with 'hrisim assets install facshuman'")
        au_json = next(iter(sorted(self.root.rglob("au.json"))), None)
        names = load_json(read_text(au_json, what="au.json file"), au_json) if au_json else {}
        if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
            raise AnimationError(f"{au_json}: expected an object of target key -> AU name")
        self.names: dict[str, str] = names

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.files)

    def target(self, key: str) -> Target:
        if key not in self.files:
            raise AnimationError(f"the FACSHuman pack in {self.root} has no target {key!r}")
        return _read_cached(self.files[key])


@functools.lru_cache(maxsize=512)
def _read_cached(path: Path) -> Target:
    return read_target(path)


class FacsHumanRig:
    """Plays timeline samples as FACSHuman morph targets (see the module docstring)."""

    name = "facshuman"

    def __init__(self, pack: FacsHumanPack | None = None, folds: bool = True) -> None:
        self.pack = pack or FacsHumanPack()
        self.folds = folds
        self._warned: set[str] = set()

    def apply(self, keys: Sequence[str], values: np.ndarray) -> RigFrames:
        """Rig frames for ``values`` (T, K): ``morph_offsets_hm08`` (T, 19158, 3) and AU labels."""
        values = check_values(keys, values)
        t = values.shape[0]
        offsets = np.zeros((t, HM08_VERTEX_COUNT, 3), np.float32)
        au_intensities: dict[int, np.ndarray] = {}
        unsupported: list[str] = []
        folds: list[tuple[str, str | None, np.ndarray]] = []
        au_keys = [resolve_key(key) for key in keys]
        moving = movement_intensities([k.au for k in au_keys], values).astype(np.float32)
        for column, (key, au_key) in enumerate(zip(keys, au_keys)):
            label = values[:, column].astype(np.float32)
            previous = au_intensities.get(au_key.au)
            au_intensities[au_key.au] = label if previous is None else np.maximum(previous, label)
            intensity = moving[:, column]
            if key not in self.pack.files:
                self._warn(key, au_key.au)
                unsupported.append(key)
                continue
            target = self.pack.target(key)
            offsets[:, target.vertices] += intensity[:, None, None] * target.offsets[None]
            if self.folds:
                folds += [(name, au_key.side, intensity * gain) for name, gain in FOLDS_BY_AU.get(au_key.au, {}).items()]
        fold_offsets = offsets_for(folds, t)
        if fold_offsets is not None:
            offsets += fold_offsets
        zeros = np.zeros
        return RigFrames(
            facial_actions=zeros((t, 52), np.float32),
            eye_yaw_pitch_deg=zeros((t, 2), np.float32),
            head_yaw_pitch_roll_deg=zeros((t, 3), np.float32),
            head_forward_m=zeros(t, np.float32),
            au_intensities=au_intensities,
            unsupported_keys=tuple(unsupported),
            morph_offsets_hm08=offsets,
            eyes_in_mesh=True,
            fold_weights=fold_weights(folds, t),
        )

    def _warn(self, key: str, au: int) -> None:
        if key in self._warned:
            return
        self._warned.add(key)
        warnings.warn(
            f"rig 'facshuman': the pack in {self.pack.root} has no target for key {key!r} "
            f"(AU{au} {CATALOGUE[au].name}); it is ignored",
            UnsupportedAUWarning,
            stacklevel=3,
        )


# -- installing the pack -------------------------------------------------------------------------
def install_pack(source: str | os.PathLike | None = None, dest: str | os.PathLike | None = None) -> Path:
    """Install the FACSHuman targets from ``source`` (a folder, a .zip/.tar.gz archive, or an
    http(s)/file URL of an archive; default :data:`DEFAULT_URL`) into ``dest`` (default :func:`default_pack_dir`).

    Every ``.target`` and ``.json`` file under the source is copied with its relative path, plus
    the licence; the pack is assembled beside ``dest`` and renamed into place, so an interrupted
    install never leaves a half pack that looks complete. Returns ``dest``.
    """
    import shutil
    import tempfile

    source = str(source or DEFAULT_URL)
    dest = Path(dest) if dest is not None else default_pack_dir()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".facshuman-", dir=dest.parent) as work:
        work = Path(work)
        tree = _unpacked(source, work)
        staging = work / "pack"
        count = 0
        real_tree = tree.resolve()
        for path in sorted(tree.rglob("*")):
            wanted = path.suffix in (".target", ".json") or path.name.upper().startswith("LICENSE")
            if wanted and path.is_symlink():
                try:
                    inside = path.resolve(strict=True).is_relative_to(real_tree)
                except (OSError, RuntimeError):
                    inside = False
                if not inside:
                    raise AnimationError(f"{source}: {path.relative_to(tree)} is a link to outside the pack, "
                                         "or broken; refused (nothing was installed)")
            if path.is_file() and wanted:
                rel = path.relative_to(tree)
                (staging / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, staging / rel)
                count += path.suffix == ".target"
        if count == 0:
            raise AnimationError(f"{source}: no FACSHuman .target files found; expected the FACSHuman "
                                 f"repository (folder or archive), e.g. {DEFAULT_URL}")
        (staging / "PACK.json").write_text(json.dumps({"source": source, "targets": count}, indent=2) + "\n")
        pack = FacsHumanPack(staging)  # must load, every target parse, before it replaces anything
        for path in pack.files.values():
            read_target(path)
        old = work / "old"
        if dest.exists():
            dest.rename(old)
        staging.rename(dest)
    return dest


def _unpacked(source: str, work: Path) -> Path:
    """A folder with the source's files: the folder itself, or an archive (downloaded) unpacked
    by hrisim's one safe unpacker (:mod:`hrisim.archives`) within this pack's limits."""
    from hrisim.archives import ArchiveError, open_source

    try:
        return open_source(source, work, "FACSHuman targets",
                           max_bytes=MAX_ARCHIVE_BYTES, max_members=MAX_ARCHIVE_MEMBERS)
    except ArchiveError as exc:
        raise AnimationError(str(exc)) from None


# The pack's archive limits (read when an install runs, so a test may lower them).
MAX_ARCHIVE_BYTES = 4 * 1024 ** 3  # uncompressed; the FACSHuman repository is about 0.2 GB
MAX_ARCHIVE_MEMBERS = 200_000
