"""Shared test settings.

Test data from the project's ``shared/`` folder is reached through one setting: the environment
variable ``HRISIM_SHARED`` (``.ci/run`` sets it to ``../shared``). Tests that need it skip with a
reason when it is absent.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# Fixtures for MakeHuman assets and the FACSHuman pack (fidelity and generator tests), and the tiny
# dataset plan's animations folder (generator tests).
pytest_plugins = ["fidelity_support", "dataset_support"]


def _share_the_cores_between_workers() -> None:
    """Under pytest-xdist (``make test`` runs ``-n 2``) each worker gets its share of the cores for
    torch/OpenMP: every worker starting one thread per core would spin-wait against the others.
    Set before any test module imports torch; an explicit ``OMP_NUM_THREADS`` wins."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers:
        os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // int(workers))))


_share_the_cores_between_workers()


def pytest_collection_modifyitems(config, items):
    """Modules with a ``slow`` test (minutes of rendering) run first, whole and in their order, so
    that under xdist the longest tests start at once and the short ones fill in around them."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)  # a stable sort: each module's order is kept


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
