"""Fixtures shared by the ``test_fidelity_*`` files: asset roots and the FACSHuman pack from the
shared test data (installed into a temporary user data folder, as a user would install it)."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def asset_roots(shared_dir: Path):
    from humans.assets import AssetRoots

    roots = [shared_dir / "assets" / "makehuman", shared_dir / "assets" / "makehuman-lowres"]
    if not roots[0].is_dir():
        pytest.skip(f"{roots[0]} is absent")
    return AssetRoots.configured([str(r) for r in roots])


@pytest.fixture(scope="session")
def facshuman_pack(shared_dir: Path, tmp_path_factory):
    """The pack installed with ``install_pack`` from ../shared/assets/facshuman; ``HRISIM_FACSHUMAN``
    points at it for the whole session so ``get_rig('facshuman')`` finds it."""
    from animations.rigs.facshuman import FacsHumanPack, install_pack

    source = shared_dir / "assets" / "facshuman"
    if not source.is_dir():
        pytest.skip(f"{source} is absent")
    dest = install_pack(source, tmp_path_factory.mktemp("hrisim-data") / "facshuman")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HRISIM_FACSHUMAN", str(dest))
        yield FacsHumanPack(dest)


@pytest.fixture(scope="session")
def paper_people(paper_humans_dir: Path):
    from humans.suites import paper24

    return paper24(paper_humans_dir)
