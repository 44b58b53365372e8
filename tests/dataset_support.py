"""The tiny dataset plan the generator tests share: 2 random humans × 2 signals × 2 viewpoints."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from animations.library import get_signal
from sim_env.dataset import GenerateConfig

SIGNALS = ("confusion_open_mouth", "disgust_five_changes")


def tiny_config(out, anim_dir: Path, **kw) -> GenerateConfig:
    """8 clips (4 groups): humans random:2:3 (one for validation), ``SIGNALS`` from ``anim_dir``,
    viewpoints (±20°, 10°), 8 frames at 64 px; ``kw`` overrides any field."""
    base = dict(humans="random:2:3", animations=str(anim_dir), viewpoints="grid:-20,20;10",
                frames=8, size=64, val_humans=1)
    return GenerateConfig(out=str(out), **{**base, **kw})


@pytest.fixture(scope="session")
def anim_dir(tmp_path_factory) -> Path:
    """A folder with ``SIGNALS`` as YAML files (the animations of the tiny plan)."""
    folder = tmp_path_factory.mktemp("anims")
    for sid in SIGNALS:
        get_signal(sid).save(folder / f"{sid}.yaml")
    return folder


def hrisim_command(*args) -> list[str]:
    """The ``hrisim`` CLI run by this interpreter (the console script may not be on PATH)."""
    return [sys.executable, "-c", "import sys; from sim_env.cli import main; sys.exit(main())", *args]


def wait_for_journal(proc: subprocess.Popen, journal: Path, lines: int = 2, timeout: float = 900.0) -> None:
    """Wait until a running ``generate`` has journalled ``lines`` groups (or ended): where a kill lands
    mid-run. Generous: a loaded machine renders slowly (these are not timing tests)."""
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_text().count("\n") >= lines:
            return
        time.sleep(0.05)
