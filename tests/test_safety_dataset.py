"""Dataset safety, the tamper cases: resume verifies what the journal claims (sha256 of clips,
labels, crops) and re-renders what fails, saying so; ``dataset audit`` catches edited manifest
cells, labels that disagree with their row and orphan files (exit 1); a failed start leaves no
state that blocks the corrected command."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from dataset_support import tiny_config
from sim_env.dataset import GenerateConfig, audit_dataset, generate_dataset, read_manifest

def tiny(out, anim_dir, **kw) -> GenerateConfig:
    """2 humans × 2 signals × 2 viewpoints × 6 frames at 64 px, with face crops."""
    return tiny_config(out, anim_dir, **{"frames": 6, "crops": True, **kw})


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, anim_dir) -> Path:
    out = tmp_path_factory.mktemp("ds") / "tiny"
    result = generate_dataset(tiny(out, anim_dir), progress=False, log=lambda s: None)
    assert result.rendered_clips == 8
    return out


@pytest.fixture
def copy(dataset, tmp_path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(dataset, target)
    assert audit_dataset(target, log=lambda s: None) == []
    return target


def test_resume_rerenders_truncated_corrupt_and_swapped_files_and_says_so(copy, anim_dir):
    df = read_manifest(copy)
    truncated, corrupt, (swap_a, swap_b) = df["file"][0], df["labels_file"][2], df["crop_file"][4:6]
    data = (copy / truncated).read_bytes()
    (copy / truncated).write_bytes(data[: len(data) // 2])
    (copy / corrupt).write_bytes(b"\0" * (copy / corrupt).stat().st_size)  # same size, other bytes
    a, b = (copy / swap_a).read_bytes(), (copy / swap_b).read_bytes()
    (copy / swap_a).write_bytes(b)
    (copy / swap_b).write_bytes(a)
    problems = audit_dataset(copy, log=lambda s: None)
    for rel in (truncated, corrupt, swap_a, swap_b):
        assert any(rel in p and "checksum" in p for p in problems), rel

    said: list[str] = []
    result = generate_dataset(tiny(copy, anim_dir), progress=False, log=said.append)
    for clip_id in df["clip_id"][[0, 2, 4, 5]]:
        assert any(line.startswith(f"re-rendering {clip_id}:") and "sha256" in line for line in said), clip_id
    assert result.rendered_clips >= 4 and result.skipped_clips <= 4
    assert audit_dataset(copy, log=lambda s: None) == []


def test_audit_catches_edited_manifest_cells(copy):
    from sim_env.cli import main

    path = copy / "manifest.csv"
    df = pd.read_csv(path, keep_default_na=False)
    df.loc[1, "emotion"] = "anger" if df.loc[1, "emotion"] != "anger" else "disgust"
    df.loc[3, "human_id"] = "someone_else"
    df.to_csv(path, index=False)
    problems = audit_dataset(copy, log=lambda s: None)
    assert any(df["clip_id"][1] in p and "emotion=" in p and "journal" in p for p in problems)
    assert any(df["clip_id"][3] in p and "human_id=" in p for p in problems)
    assert main(["dataset", "audit", str(copy)]) == 1


def test_audit_checks_labels_against_the_row(copy):
    import numpy as np

    df = read_manifest(copy)
    rel = df["labels_file"][0]
    with np.load(copy / rel) as labels:
        arrays = {k: labels[k] for k in labels.files}
    arrays["au_keys"] = np.asarray(["1", "2"])  # another animation's labels
    np.savez(copy / rel, **arrays)
    problems = audit_dataset(copy, log=lambda s: None)
    assert any(df["clip_id"][0] in p and "AU keys" in p for p in problems)


def test_audit_lists_orphan_files(copy):
    from sim_env.cli import main

    (copy / "clips" / "stray.mp4").write_bytes(b"not in the manifest")
    (copy / "labels" / "old.npz").write_bytes(b"x")
    problems = audit_dataset(copy, log=lambda s: None)
    assert any("2 orphan" in p and "clips/stray.mp4" in p and "labels/old.npz" in p for p in problems)
    assert main(["dataset", "audit", str(copy)]) == 1


def test_a_failed_start_does_not_block_the_corrected_command(tmp_path, anim_dir, monkeypatch):
    import sim_env.dataset.run as run

    def no_renderer(*args, **kwargs):
        raise RuntimeError("no GL context")  # how a start fails after the plan is recorded
        yield  # pragma: no cover

    out = tmp_path / "ds"
    monkeypatch.setattr(run, "run_groups", no_renderer)
    with pytest.raises(RuntimeError, match="no GL context"):
        generate_dataset(tiny(out, anim_dir, size=96), progress=False, log=lambda s: None)
    assert (out / ".hrisim" / "plan.json").exists()
    monkeypatch.undo()
    said: list[str] = []
    result = generate_dataset(tiny(out, anim_dir, limit=2), progress=False, log=said.append)
    assert result.rendered_clips == 2
    assert any("replacing the plan of an earlier start" in line for line in said)


def test_a_started_dataset_still_refuses_other_settings(dataset, anim_dir):
    from sim_env.dataset import DatasetError

    with pytest.raises(DatasetError, match="other settings"):
        generate_dataset(tiny(dataset, anim_dir, size=96), progress=False, log=lambda s: None)
