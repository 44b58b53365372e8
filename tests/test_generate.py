"""Dataset generation end to end on a tiny plan: files, manifest, resume, determinism, audit, shards."""
from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
from pathlib import Path

import numpy as np
import psutil
import pytest

from dataset_support import SIGNALS, hrisim_command, tiny_config, wait_for_journal
from sim_env.dataset import MANIFEST_COLUMNS, DatasetError, audit_dataset, file_sha256, merge_shards, read_manifest
from sim_env.dataset import GenerateConfig, generate_dataset, make_plan, subject_split
from sim_env.render.media import read_video


SIZE, FRAMES = 64, 8


def tiny(out, anim_dir, **kw) -> GenerateConfig:
    """2 humans × 2 signals × 2 viewpoints × 8 frames."""
    return tiny_config(out, anim_dir, **{"frames": FRAMES, "size": SIZE, **kw})


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, anim_dir) -> Path:
    out = tmp_path_factory.mktemp("ds") / "tiny"
    result = generate_dataset(tiny(out, anim_dir, crops=True), progress=False, log=lambda s: None)
    assert result.rendered_clips == 8 and result.skipped_clips == 0
    return out


def test_manifest_matches_files(dataset):
    df = read_manifest(dataset)
    assert list(df.columns) == list(MANIFEST_COLUMNS)
    assert len(df) == 8 and df["clip_id"].is_unique
    assert set(df["animation_id"]) == set(SIGNALS)
    assert set(df["emotion"]) == {"confusion", "disgust"}
    assert sorted(set(zip(df["h_deg"], df["v_deg"]))) == [(-20.0, 10.0), (20.0, 10.0)]
    assert df.groupby("human_id")["split"].nunique().eq(1).all(), "a human is in one split only"
    assert set(df["exposure"]) == {"face"} and set(df["appearance"]) == {"builtin"}  # face-priority AE is the default
    assert sorted(df.drop_duplicates("human_id")["split"]) == ["train", "val"]
    for row in df.itertuples(index=False):
        assert file_sha256(dataset / row.file) == row.sha256
        assert file_sha256(dataset / row.labels_file) == row.labels_sha256
        frames = read_video(dataset / row.file)
        assert frames.shape == (FRAMES, SIZE, SIZE, 3)
        crops = read_video(dataset / row.crop_file)
        assert crops.shape == (FRAMES, 160, 160, 3)
        labels = np.load(dataset / row.labels_file)
        assert list(labels["au_keys"]) == row.aus.split(";")
        assert labels["au_values"].shape == (FRAMES, len(labels["au_keys"]))
        assert labels["au_values"].max() > 0.1, "the signal moves"
        boxes = labels["face_boxes"]
        assert boxes.shape == (FRAMES, 4) and (boxes[:, :2] >= 0).all() and (boxes[:, 2:] <= SIZE).all()
        # the face box frames the face: its inside differs from the flat background
        x0, y0, x1, y1 = boxes[FRAMES // 2].astype(int)
        inside = frames[FRAMES // 2, y0:y1, x0:x1].astype(float)
        assert inside.std() > 5
    meta = json.loads((dataset / "manifest.json").read_text())
    assert meta["complete"] and meta["finished_clips"] == 8 and meta["planned_clips"] == 8
    assert "torch" in meta["versions"] and meta["splits"]["val"]
    card = (dataset / "README.md").read_text()
    assert "| Black |" in card or "| Asian |" in card or "| Caucasian |" in card or "| Hispanic |" in card
    for png in ("counts.png", "viewpoints.png", "contact_sheet.png"):
        assert (dataset / "card" / png).stat().st_size > 1000


def test_audit_passes_then_catches_corruption(dataset, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(dataset, copy)
    assert audit_dataset(copy, log=lambda s: None) == []
    df = read_manifest(copy)
    victim = copy / df["file"][3]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    (copy / df["labels_file"][5]).unlink()
    problems = audit_dataset(copy, log=lambda s: None)
    assert any(df["clip_id"][3] in p and "checksum" in p for p in problems)
    assert any(df["clip_id"][5] in p and "missing" in p for p in problems)


def test_same_seed_same_dataset(dataset, tmp_path, anim_dir):
    """Another run with 2 worker processes gives byte-identical clips and labels."""
    out = tmp_path / "again"
    generate_dataset(tiny(out, anim_dir, crops=True, workers=2), progress=False, log=lambda s: None)
    a, b = read_manifest(dataset), read_manifest(out)
    for col in ("clip_id", "sha256", "labels_sha256", "crop_sha256", "human_id", "split", "lighting"):
        assert list(a[col]) == list(b[col]), col


def test_a_clips_pixels_do_not_depend_on_torchs_thread_count(tmp_path, anim_dir):
    """The same clip renders to the same bytes whatever torch's thread count in the process: one
    backend's groups render in-process (the process's count), local workers with cores // workers,
    Ray tasks with 1. MKL's sgemm in the body forward rounded the rows of another thread's share
    differently (frames 5-6 of a 6-frame clip moved 2e-7 m with 2 threads), and a few pixels a grey
    level: a killed Ray run resumed to PNGs that were not the local backend's."""
    import torch

    from sim_env.render.clip import render_clip
    from sim_env.render.renderer import Renderer

    config = tiny_config(tmp_path, anim_dir, frames=6, size=48)
    group = make_plan(config).groups[0]
    options = config.render_options(lighting=group.lighting)
    before, frames = torch.get_num_threads(), {}
    try:
        with Renderer(config.size, config.size, antialias=options.antialias) as renderer:
            for threads in (2, 1):
                torch.set_num_threads(threads)
                frames[threads] = render_clip(group.human, group.animation, [c.viewpoint for c in group.clips],
                                              config.frames, options, renderer=renderer).frames
                assert torch.get_num_threads() == threads, "the process's setting is left as it was"
    finally:
        torch.set_num_threads(before)
    assert frames[2].tobytes() == frames[1].tobytes()


def test_other_seed_other_humans(tmp_path, anim_dir):
    a = make_plan(tiny(tmp_path, anim_dir, humans="random:4:1", lighting="random"))
    b = make_plan(tiny(tmp_path, anim_dir, humans="random:4:1", lighting="random", seed=1))
    assert a.plan_hash != b.plan_hash
    assert [g.lighting for g in a.groups] != [g.lighting for g in b.groups]
    assert [g.lighting for g in a.groups] == [g.lighting for g in make_plan(tiny(tmp_path, anim_dir, humans="random:4:1", lighting="random")).groups]



def test_resume_after_kill(tmp_path, anim_dir):
    out = tmp_path / "killed"
    args = ["generate", "--out", str(out), "--humans", "random:2:3", "--animations", str(anim_dir),
            "--viewpoints", "grid:-20,20;10", "--frames", str(FRAMES), "--size", str(SIZE), "--val-humans", "1", "--workers", "2", "--quiet"]
    proc = subprocess.Popen(hrisim_command(*args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = out / ".hrisim" / "journal.jsonl"
    wait_for_journal(proc, journal)
    workers = psutil.Process(proc.pid).children(recursive=True)
    assert workers, "the run has worker processes"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, "workers exit when the main process is killed"
    done_before = journal.read_text().count("\n") if journal.exists() else 0
    assert 0 < done_before < 8, "the kill should land mid-run"
    assert not (out / "manifest.json").exists() or not json.loads((out / "manifest.json").read_text())["complete"]
    result = generate_dataset(tiny(out, anim_dir), progress=False, log=lambda s: None)
    assert result.skipped_clips == done_before
    assert result.rendered_clips == 8 - done_before
    df = read_manifest(out)
    assert len(df) == 8 and df["clip_id"].is_unique
    assert audit_dataset(out, log=lambda s: None) == []
    assert not list(out.rglob("*.part*")), "no temporary files left behind"


def test_resume_refuses_other_settings(dataset, anim_dir):
    with pytest.raises(DatasetError, match="size"):
        generate_dataset(tiny(dataset, anim_dir, crops=True, size=96), progress=False, log=lambda s: None)


def test_limit_and_shards_merge(tmp_path, anim_dir):
    shared = tmp_path / "shared"
    limited = generate_dataset(tiny(shared, anim_dir, limit=3), progress=False, log=lambda s: None)
    assert limited.rendered_clips == 3 and len(read_manifest(shared)) == 3
    other = tmp_path / "machine2"
    r0 = generate_dataset(tiny(shared, anim_dir, shard=(0, 2)), progress=False, log=lambda s: None)
    r1 = generate_dataset(tiny(other, anim_dir, shard=(1, 2)), progress=False, log=lambda s: None)
    assert r0.total_clips + r1.total_clips == 8
    merge_shards(shared, [shared, other], log=lambda s: None)
    df = read_manifest(shared)
    assert len(df) == 8 and df["clip_id"].is_unique
    assert audit_dataset(shared, log=lambda s: None) == []


def test_subject_split_is_disjoint_and_spread():
    ids = [f"h{i}" for i in range(24)]
    groups = [("A", "B", "C", "D")[i % 4] for i in range(24)]
    split = subject_split(ids, groups, 5 / 24, seed=0)
    val = [h for h in ids if split[h] == "val"]
    assert len(val) == 5
    assert len({groups[ids.index(h)] for h in val}) == 4, "every group has a validation human"
    assert split == subject_split(ids, groups, 5 / 24, seed=0)
    assert split != subject_split(ids, groups, 5 / 24, seed=1)


def test_bad_inputs_name_what_is_wrong(tmp_path, anim_dir):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetError, match="no animation files"):
        make_plan(tiny(tmp_path, empty))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.yaml").write_text("id: broken\nemotion: confusion\nevents: {4: [oops]}\n")
    with pytest.raises(Exception, match="broken.yaml"):
        make_plan(tiny(tmp_path, bad))
    with pytest.raises(ValueError, match="shard"):
        tiny(tmp_path, anim_dir, shard=(2, 2))
    with pytest.raises(DatasetError, match="background"):
        generate_dataset(tiny(tmp_path / "bg", anim_dir, background="nope"), progress=False, log=lambda s: None)


def test_disk_full_is_a_clear_error_that_keeps_finished_clips(tmp_path, anim_dir, monkeypatch):
    import errno

    import sim_env.render.media
    from sim_env.dataset import GenerationError

    real_write = sim_env.render.media.write_mp4
    calls = {"n": 0}

    def filling_disk(path, frames, **kw):
        calls["n"] += 1
        if calls["n"] > 2:  # the first group (2 clips) fits, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_write(path, frames, **kw)

    monkeypatch.setattr(sim_env.render.media, "write_mp4", filling_disk)
    out = tmp_path / "full"
    with pytest.raises(GenerationError, match="disk full.*2 finished clips.*resume"):
        generate_dataset(tiny(out, anim_dir), progress=False, log=lambda s: None)
    assert len(read_manifest(out)) == 2
    monkeypatch.setattr(sim_env.render.media, "write_mp4", real_write)
    result = generate_dataset(tiny(out, anim_dir), progress=False, log=lambda s: None)
    assert result.skipped_clips == 2 and len(read_manifest(out)) == 8


def test_faithful_path_reaches_the_dataset(tmp_path, asset_roots, facshuman_pack, paper_humans_dir, paper_animations_dir):
    """--appearance assets --rig facshuman: the paper's own people and animations, as a dataset."""
    config = GenerateConfig(
        out=str(tmp_path / "faithful"), humans=f"paper24:{paper_humans_dir}", animations=str(paper_animations_dir),
        viewpoints="grid:0;0", frames=4, size=64, rig="facshuman", appearance="assets",
        asset_path=":".join(str(r) for r in asset_roots.roots), limit=2)
    generate_dataset(config, progress=False, log=lambda s: None)
    df = read_manifest(tmp_path / "faithful")
    assert len(df) == 2 and set(df["appearance"]) == {"assets"} and set(df["rig"]) == {"facshuman"}
    builtin = make_plan(dataclasses.replace(config, appearance="builtin"))
    assert builtin.plan_hash != make_plan(config).plan_hash, "the look is part of what a dataset is"


def test_a_one_core_worker_rasterises_in_its_drawing_thread(monkeypatch):
    """llvmpipe with LP_NUM_THREADS=1 hands each frame to a raster thread and waits; "0" draws in
    place (a tenth faster a view). A user's own setting wins."""
    import torch

    from sim_env.dataset import workers
    from sim_env.render.renderer import llvmpipe_threads

    assert (llvmpipe_threads(1), llvmpipe_threads(2), llvmpipe_threads(8)) == ("0", "2", "8")
    threads = torch.get_num_threads()
    try:
        monkeypatch.delenv("LP_NUM_THREADS", raising=False)
        workers._init_worker(160, 1)
        assert os.environ["LP_NUM_THREADS"] == "0"
        monkeypatch.setenv("LP_NUM_THREADS", "3")
        workers._init_worker(160, 1)
        assert os.environ["LP_NUM_THREADS"] == "3"
    finally:
        torch.set_num_threads(threads)
        workers._WORKER.clear()
