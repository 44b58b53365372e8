"""``hrisim generate --backend ray``: one Ray task per group, its files sent back through Ray's object store.

A task renders its group with the local backend's ``render_in_worker`` into a scratch folder on its
node, in a Ray worker process that keeps its GL context from task to task, and returns the manifest
rows with the files' bytes. The driver checks every file against the sha256 its row names, writes it
under a temporary name and renames it, as the local workers do, and alone appends the journal. So a
cluster needs no shared file system, a lost node or a killed driver leaves nothing that looks
finished (Ray reruns a task whose node died), and the bytes are the local backend's.
"""
from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Iterator

from hrisim.io import atomic_path, atomic_write_bytes
from sim_env.dataset.plan import GenerateConfig, GroupPlan
from sim_env.dataset.store import FILE_COLUMNS
from sim_env.dataset.workers import ensure_worker, render_in_worker
from sim_env.ray_session import cluster_cpus, ray_session, unordered

THREADS_PER_TASK = 1  # each task asks Ray for one CPU and renders on one thread


def render_group_files(group: GroupPlan, config: GenerateConfig, background) -> tuple[int, list[dict], str, dict[str, bytes]]:
    """Runs in a Ray worker: the group rendered into a scratch folder, every file returned as bytes
    (relative path -> content)."""
    ensure_worker(config.size, THREADS_PER_TASK)
    with tempfile.TemporaryDirectory(prefix="hrisim-group-") as scratch:
        index, rows, renderer = render_in_worker(scratch, config, group, background)
        files = {p.relative_to(scratch).as_posix(): p.read_bytes() for p in sorted(Path(scratch).rglob("*")) if p.is_file()}
    return index, rows, renderer, files


def store_files(root: Path, rows: list[dict], files: dict[str, bytes]) -> None:
    """Write a finished task's files into the dataset folder, each atomically; a clip, labels or crop
    file whose bytes are not those of its row's sha256 is refused before anything is written."""
    from sim_env.dataset.run import GenerationError

    for row in rows:
        for file_col, sum_col in FILE_COLUMNS:
            rel = row.get(file_col)
            if rel and (rel not in files or hashlib.sha256(files[rel]).hexdigest() != row[sum_col]):
                raise GenerationError(f"{rel}: the bytes a Ray task sent back are not the ones it rendered "
                                      "(missing or changed in transfer); the same command renders it again")
    folders: dict[Path, dict[str, bytes]] = {}  # frames/<clip>/NNN.png: a clip's PNGs land together
    for rel, data in files.items():
        parts = Path(rel).parts
        if parts[0] == "frames" and len(parts) > 2:
            folders.setdefault(Path(*parts[:2]), {})[Path(*parts[2:]).as_posix()] = data
        else:
            atomic_write_bytes(root / rel, data)
    for folder, content in folders.items():
        with atomic_path(root / folder) as tmp:
            tmp.mkdir()
            for name, data in content.items():
                (tmp / name).write_bytes(data)


def run_groups_on_ray(out: str, config: GenerateConfig, groups: list[GroupPlan], background) -> Iterator[tuple[int, list[dict], str]]:
    """Yield (group index, rows, renderer) as groups finish on Ray, their files already in ``out``.
    Without ``config.ray_address`` a local Ray of ``config.workers`` CPUs is started for the run."""
    with ray_session(config.ray_address, config.workers) as ray:
        task = ray.remote(num_cpus=THREADS_PER_TASK)(render_group_files)
        in_flight = 2 * cluster_cpus(ray)  # every CPU busy, and the results held in memory bounded
        root = Path(out)
        for index, rows, renderer, files in unordered(ray, task, groups, in_flight, config, background):
            store_files(root, rows, files)
            yield index, rows, renderer

