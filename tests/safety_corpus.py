"""Feeds the bad-input corpus (``tests/badinputs/``) through hrisim's Python API and command line.

Each probe is one (file, entry point) pair and has one outcome: ``rejected`` (one of hrisim's own
errors, a :class:`~hrisim.errors.HrisimError`, or a ``FileNotFoundError`` naming the file),
``warned`` (loaded, with a warning), ``accepted`` (loaded silently) or ``crash`` (any other
exception, or a CLI traceback). While probes run, an audit hook records every attempt to open a
forbidden file: ``/etc/passwd`` and a decoy secret outside every root that the link cases point
at; its content must never appear in a message either. Used by ``tests/test_safety_corpus.py`` and
``benchmarks/badinputs.py`` (which prints the counts per format).
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import shutil
import sys
import traceback
import warnings
from pathlib import Path
from typing import Callable

CORPUS = Path(__file__).resolve().parent / "badinputs"
SECRET_TEXT = "DECOY-SECRET-7f3a9c"  # the decoy's content; no message may contain it
FORMATS = ("mhm", "mhmat", "mhclo", "target", "fani", "native", "suite", "checkpoint", "archive", "png")


@dataclasses.dataclass
class Probe:
    kind: str
    case: str
    entry: str  # "api" or "cli"
    outcome: str
    detail: str = ""


class _Forbidden:
    """Audit hook: records opens of forbidden paths while ``active``."""

    def __init__(self) -> None:
        self.paths: set[str] = set()
        self.active = False
        self.hits: list[str] = []
        sys.addaudithook(self)

    def __call__(self, event: str, args: tuple) -> None:
        if not self.active or event not in ("open", "os.listdir", "os.scandir"):
            return
        target = args[0] if args else None
        if isinstance(target, (str, bytes, os.PathLike)) and not isinstance(target, int):
            text = os.fsdecode(target)
            try:
                real = os.path.realpath(text)
            except (OSError, ValueError):
                real = text
            if real in self.paths or text in self.paths:
                self.hits.append(text)


_HOOK: _Forbidden | None = None


def forbidden_hook() -> _Forbidden:
    global _HOOK
    if _HOOK is None:
        _HOOK = _Forbidden()
    return _HOOK


def hrisim_errors() -> tuple[type[BaseException], ...]:
    """HrisimError; with HRISIM_CORPUS_ERRORS=legacy (a checkout from before it existed) any ValueError."""
    if os.environ.get("HRISIM_CORPUS_ERRORS") == "legacy":
        return (ValueError,)
    from hrisim.errors import HrisimError

    return (HrisimError,)


def classify(call: Callable[[], object], name: str) -> tuple[str, str]:
    """Run one probe; (outcome, detail)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            call()
        except hrisim_errors() as err:
            return "rejected", str(err)
        except FileNotFoundError as err:
            return ("rejected", str(err)) if name in str(err) else ("crash", f"FileNotFoundError not naming the file: {err}")
        except BaseException as err:  # noqa: BLE001 (that is what is being counted)
            return "crash", "".join(traceback.format_exception_only(type(err), err)).strip()[:500]
    relevant = [str(w.message) for w in caught if not issubclass(w.category, (DeprecationWarning, ResourceWarning))]
    return ("warned", relevant[0]) if relevant else ("accepted", "")


def _api(kind: str, path: Path, work: Path) -> Callable[[], object]:
    if kind == "mhm":
        from humans.mhm import import_mhm
        return lambda: import_mhm(path)
    if kind == "mhmat":
        from humans.assets import AssetRoots
        from humans.materials import read_mhmat
        return lambda: read_mhmat(path, AssetRoots((path.parent,), "corpus"))
    if kind == "mhclo":
        from humans.proxies import read_mhclo
        return lambda: read_mhclo(path)
    if kind == "target":
        from animations.rigs.facshuman import read_target
        return lambda: read_target(path)
    if kind in ("fani", "native"):
        from animations.formats import load_timeline
        return lambda: load_timeline(path)
    if kind == "suite":
        from humans.suites import load_suite
        return lambda: load_suite(path)
    if kind == "checkpoint":
        from perception.checkpoint import load_checkpoint
        return lambda: load_checkpoint(path)
    if kind == "archive":
        from animations.rigs import facshuman
        return _small_bomb_limit(path, lambda: facshuman.install_pack(path, work / "dest" / path.name))
    if kind == "png":
        from humans.materials import load_texture
        return lambda: load_texture(path)
    raise ValueError(kind)


def _small_bomb_limit(path: Path, call: Callable[[], object]) -> Callable[[], object]:
    """``bomb.zip`` holds 2 MiB of zeros, not 4 GiB: its probes run with a 1 MiB archive limit."""
    def run():
        from animations.rigs import facshuman

        if not hasattr(facshuman, "MAX_ARCHIVE_BYTES"):  # an older checkout (benchmarks/badinputs.py)
            return call()
        limit = facshuman.MAX_ARCHIVE_BYTES
        facshuman.MAX_ARCHIVE_BYTES = 1024 * 1024 if path.name.startswith("bomb") else limit
        try:
            return call()
        finally:
            facshuman.MAX_ARCHIVE_BYTES = limit
    return run


def _cli_args(kind: str, path: Path, work: Path) -> list[str] | None:
    if kind in ("mhm", "suite"):
        return ["humans", "list", str(path)]
    if kind == "archive":
        return ["assets", "install", "facshuman", "--from", str(path), "--dest", str(work / "cli-dest" / path.name)]
    if kind in ("fani", "native") and not path.name.startswith("warn_"):
        return ["render", "--suite", "balanced24", "--human", "bal_f_caucasian_1", "--animation", str(path),
                "--size", "64", "--frames", "2", "--out", str(work / "cli.mp4")]
    return None


def run_cli(args: list[str]) -> tuple[int, str]:
    from sim_env.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(args)
        except SystemExit as exc:  # argparse and explicit exits
            rc = exc.code if isinstance(exc.code, int) else 2
            if not isinstance(exc.code, int) and exc.code:
                err.write(str(exc.code))
        except BaseException as exc:  # noqa: BLE001
            err.write("Traceback (most recent call last):\n" + traceback.format_exc())
            rc = 99
    return rc, out.getvalue() + err.getvalue()


def corpus_cases(kinds=FORMATS) -> list[tuple[str, Path]]:
    cases = []
    for kind in kinds:
        folder = CORPUS / kind
        if kind == "checkpoint":
            cases += [(kind, p) for p in sorted(folder.iterdir()) if p.is_dir()]
        elif kind == "mhclo":
            cases += [(kind, p) for p in sorted(folder.glob("*.mhclo"))]
        else:
            cases += [(kind, p) for p in sorted(folder.iterdir()) if p.is_file()]
    return cases


def link_cases(work: Path, secret: Path) -> list[tuple[str, Path]]:
    """Cases that need links: built in ``work``; all point at ``secret`` (outside every root)."""
    cases = []
    def link(path: Path, to: Path | str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(to)
        return path
    # a material inside its root whose texture is a link out of it
    mat = work / "mhmat-root" / "skins" / "x" / "link_texture.mhmat"
    mat.parent.mkdir(parents=True)
    link(mat.parent / "x.png", secret)
    mat.write_text("name x\ndiffuseTexture x.png\n")
    cases.append(("mhmat", mat))
    # a .mhclo whose OBJ is a link out of its folder
    clo = work / "mhclo" / "link_obj.mhclo"
    clo.parent.mkdir(parents=True)
    link(clo.parent / "link_obj.obj", secret)
    clo.write_text("name p\nobj_file link_obj.obj\nverts 0\n10\n")
    cases.append(("mhclo", clo))
    # files that are links, or link loops
    for kind, name in (("mhm", "link.mhm"), ("target", "link.target"), ("fani", "link.fani"),
                       ("native", "link.yaml"), ("suite", "link.yaml"), ("mhmat", "link.mhmat")):
        cases.append((kind, link(work / f"links-{kind}" / name, secret)))
    for kind, name in (("mhm", "loop.mhm"), ("fani", "loop.fani"), ("target", "loop.target"), ("suite", "loop.yaml")):
        path = work / f"loops-{kind}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(path.name, path)  # a link to itself
        cases.append((kind, path))
    # a pack folder holding a .target that links to the secret
    pack = work / "pack-src" / "targets"
    pack.mkdir(parents=True)
    (pack / "4.target").write_text("10 0.1 0 0\n")
    link(pack / "12.target", secret)
    cases.append(("archive", work / "pack-src"))
    return cases


def run_corpus(work: Path, cli: bool = True, kinds=FORMATS) -> tuple[list[Probe], list[str]]:
    """All probes; also returns the forbidden opens seen and messages that leaked the secret."""
    work.mkdir(parents=True, exist_ok=True)
    secret = work / "outside" / "secret.txt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text(f"{SECRET_TEXT}\nroot:x:0:0:root:/root:/bin/bash\n")
    hook = forbidden_hook()
    hook.paths = {str(secret), os.path.realpath(secret), "/etc/passwd", "/etc/shadow"}
    cases = corpus_cases(kinds) + [c for c in link_cases(work / "links", secret) if c[0] in kinds]
    probes: list[Probe] = []
    problems: list[str] = []
    os.environ.setdefault("HRISIM_DATA", str(work / "user-data"))
    for kind, path in cases:
        case_work = work / "runs" / kind / path.name
        case_work.mkdir(parents=True, exist_ok=True)
        entries = [("api", _api(kind, path, case_work))]
        args = _cli_args(kind, path, case_work) if cli else None
        if args is not None:
            entries.append(("cli", _small_bomb_limit(path, lambda a=args: _cli_call(a))))
        for entry, call in entries:
            hook.hits = []
            hook.active = True
            try:
                outcome, detail = classify(call, path.name)
            finally:
                hook.active = False
            probes.append(Probe(kind, str(path.relative_to(work) if path.is_relative_to(work) else path.relative_to(CORPUS)),
                                entry, outcome, detail))
            if hook.hits and not path.is_symlink():  # a link the user names is theirs to follow
                problems.append(f"{kind}/{path.name} ({entry}): opened {sorted(set(hook.hits))}")
            if SECRET_TEXT in detail or "root:x:0:0" in detail:
                problems.append(f"{kind}/{path.name} ({entry}): message echoes the secret: {detail[:200]}")
        for escaped in (case_work / "escaped.target", Path("/tmp/hrisim-escaped.target"), work / "escaped.target"):
            if escaped.exists():
                problems.append(f"{kind}/{path.name}: wrote {escaped} outside the destination")
                escaped.unlink()
        dest = case_work / "dest" / path.name
        if kind == "archive" and dest.exists() and probes[-1].outcome == "rejected":
            problems.append(f"{kind}/{path.name}: a refused install left {dest}")
    shutil.rmtree(work / "runs", ignore_errors=True)
    return probes, problems


class CliError(Exception):
    """The command line failed without one clear error line (a traceback, or no file named)."""


def _cli_call(args: list[str]) -> None:
    rc, text = run_cli(args)
    if "Traceback" in text:
        raise CliError(text[-600:])
    if rc != 0:
        raise hrisim_errors()[0](text.strip().splitlines()[-1] if text.strip() else f"exit {rc} without a message")


def summary(probes: list[Probe]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for p in probes:
        row = table.setdefault(p.kind, {"files": 0, "probes": 0, "rejected": 0, "warned": 0, "accepted": 0, "crash": 0})
        row["probes"] += 1
        row[p.outcome] += 1
    for kind in table:
        table[kind]["files"] = len({p.case for p in probes if p.kind == kind})
    return table
