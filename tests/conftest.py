"""Shared test settings.

Test data from the project's ``shared/`` folder is reached through one setting: the environment
variable ``HRISIM_SHARED`` (``.ci/run`` sets it to ``../shared``). Tests that need it skip with a
reason when it is absent.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# Fixtures for MakeHuman assets and the FACSHuman pack, used by the fidelity and generator tests.
pytest_plugins = ["fidelity_support"]


def _shared_root() -> Path | None:
    value = os.environ.get("HRISIM_SHARED")
    if not value:
        return None
    path = Path(value).expanduser().resolve()
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    root = _shared_root()
    if root is None:
        pytest.skip("HRISIM_SHARED is not set to the shared test-data folder")
    return root


@pytest.fixture(scope="session")
def paper_animations_dir(shared_dir: Path) -> Path:
    path = shared_dir / "assets" / "paper" / "animations"
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="session")
def paper_humans_dir(shared_dir: Path) -> Path:
    path = shared_dir / "assets" / "paper" / "humans"
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    return path
