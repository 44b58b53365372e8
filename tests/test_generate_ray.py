"""Generation and bench-policies on Ray: with a local Ray of 2 CPUs (one for the module), a run whose
driver is killed resumes to the local backend's files byte for byte, bench-policies gives the local
figures, and a bad --ray-address is one clear line."""
from __future__ import annotations

import hashlib
import importlib.util
import os
import signal
import subprocess
from pathlib import Path

import pytest

from dataset_support import hrisim_command, tiny_config, wait_for_journal
from sim_env.dataset import GenerateConfig, audit_dataset, generate_dataset, read_manifest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                                reason="Ray is not installed (pip install 'hrisim[ray]')")

SIZE, FRAMES = 48, 6
QUIET = dict(progress=False, log=lambda s: None)


@pytest.fixture(scope="module")
def local_ray():
    """The module's one Ray, started as ``--backend ray`` without an address starts it; yields its address."""
    from sim_env.ray_session import ray_session

    with ray_session(None, num_cpus=2, log=lambda s: None) as ray:
        assert ray.cluster_resources()["CPU"] == 2
        address = ray.get_runtime_context().gcs_address
        assert address.startswith("127.0.0.1:"), "a local Ray listens on loopback only"
        yield address


def tiny(out, anim_dir, **kw) -> GenerateConfig:
    """2 humans × 2 signals × 2 viewpoints × 6 frames: 4 groups, 8 clips."""
    return tiny_config(out, anim_dir, **{"frames": FRAMES, "size": SIZE, "crops": True, **kw})


def digests(root: Path) -> dict[str, str]:
    """sha256 of every file a dataset holds that must not depend on where it rendered: clips, labels,
    crops, PNG frames and the manifest (manifest.json and the card name the folder and the time)."""
    files = [p for sub in ("clips", "labels", "crops", "frames") for p in (root / sub).rglob("*") if p.is_file()]
    files += [root / "manifest.csv", root / "manifest.parquet"]
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture(scope="module")
def reference(tmp_path_factory, anim_dir) -> dict[str, str]:
    out = tmp_path_factory.mktemp("local") / "ds"
    generate_dataset(tiny(out, anim_dir, png=True), **QUIET)
    found = digests(out)
    assert sum(k.startswith("clips/") for k in found) == 8 and sum(k.startswith("frames/") for k in found) == 8 * FRAMES
    return found



def test_a_killed_ray_run_resumes_to_the_local_backends_bytes(local_ray, reference, tmp_path, anim_dir):
    """``hrisim generate --backend ray`` joins the module's Ray by address and is killed (-9) mid-run;
    the same plan again renders only the missing groups, and every clip, labels, crop, PNG and
    manifest byte is the local backend's (the groups of both drivers rendered on Ray)."""
    out = tmp_path / "killed"
    args = ["generate", "--out", str(out), "--humans", "random:2:3", "--animations", str(anim_dir),
            "--viewpoints", "grid:-20,20;10", "--frames", str(FRAMES), "--size", str(SIZE), "--val-humans", "1",
            "--crops", "--png", "--backend", "ray", "--ray-address", local_ray, "--quiet"]
    log = tmp_path / "driver.log"  # a file, not a pipe: a full pipe would stall the driver
    env = {**os.environ, "RAY_AUTH_MODE": "token"}  # a driver joining a token-authenticated Ray by address says so
    proc = subprocess.Popen(hrisim_command(*args), stdout=subprocess.DEVNULL, stderr=log.open("w"), env=env)
    journal = out / ".hrisim" / "journal.jsonl"
    wait_for_journal(proc, journal)
    assert proc.poll() is None, f"the driver ended before the kill: {log.read_text()[-2000:]}"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = journal.read_text().count("\n")
    assert 0 < done_before < 8, "the kill should land mid-run"
    result = generate_dataset(tiny(out, anim_dir, png=True, backend="ray", workers=2), **QUIET)
    assert result.skipped_clips == done_before and result.rendered_clips == 8 - done_before
    assert len(read_manifest(out)) == 8
    assert digests(out) == reference
    assert audit_dataset(out, log=lambda s: None) == []
    assert not list(out.rglob("*.part*")), "no temporary files left behind"


def test_bench_policies_on_ray_gives_the_local_figures(local_ray, tmp_path):
    from sim_env.envs.bench import BenchConfig, run_benchmark

    settings = dict(episodes=8, episode_s=10.0, seed=1)
    local = run_benchmark(BenchConfig(**settings), tmp_path / "local", log=lambda *a: None, progress=False)
    ray = run_benchmark(BenchConfig(**settings, backend="ray"), tmp_path / "ray", log=lambda *a: None, progress=False)
    for name in ("episodes.csv", "summary.csv", "by_group.csv", "by_viewpoint.csv"):
        assert (local / name).read_bytes() == (ray / name).read_bytes(), name
    assert (local / "episodes.csv").read_text().count("\n") == 1 + 8 * 4


def test_a_malformed_ray_address_is_a_usage_error(tmp_path, capsys):
    from sim_env.cli import main

    code = main(["generate", "--out", str(tmp_path / "x"), "--backend", "ray", "--ray-address", "head-node", "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--ray-address 'head-node'" in err and "HOST:PORT" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_an_unreachable_ray_address_is_one_clear_line(tmp_path, anim_dir):
    out = tmp_path / "x"
    proc = subprocess.run(hrisim_command("generate", "--out", str(out), "--humans", "random:2:3", "--animations", str(anim_dir),
                                  "--backend", "ray", "--ray-address", "127.0.0.1:1", "--quiet"),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "--ray-address 127.0.0.1:1: no Ray cluster answers there" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists(), "nothing is created before the cluster is reached"
