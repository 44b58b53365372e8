"""Synthetic dataset generation: humans × animations × viewpoints → clips, labels and a manifest.

The unit of work is a *group*: one human playing one animation, seen from all of its viewpoints.
Mesh deformation is shared by the views of a group, so a group renders much faster than its clips
one by one. Groups run in worker processes, each with its own GL context (EGL contexts cannot be
pickled or shared), or as Ray tasks (``--backend ray``, ``ray_backend``) whose files the driver writes.

Safety: every file is written under a temporary name and renamed; a group's clips enter the
journal (``.hrisim/journal*.jsonl``, appended and fsynced) only once all their files are in
place, and the manifest is written from the journal. Killing a run loses at most the groups in
flight; running the same command again skips what the journal lists and whose files are intact.
"""
from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import sys
import time
from pathlib import Path
from typing import Callable

from hrisim import hrisim_version
from hrisim.io import atomic_write_text
from humans.hair import hair_style_of
from sim_env.dataset.journal import journal_path, read_journal, verified_rows
from sim_env.dataset.plan import ClipPlan, GenerateConfig, GroupPlan, Plan, make_plan, select_groups
from sim_env.render.options import parse_background
from sim_env.dataset.store import JOURNAL_DIR, MANIFEST_COLUMNS, DatasetError, write_dataset_files
from sim_env.dataset.workers import run_groups


class GenerationError(RuntimeError):
    """A run could not go on; finished clips are kept and the same command resumes."""


def manifest_row(config: GenerateConfig, group: GroupPlan, clip: ClipPlan, files: dict, renderer: str,
                 version: str) -> dict:
    h, a, vp = group.human, group.animation, clip.viewpoint
    row = {
        **files,
        "human_id": h.id, "group": h.group, "gender": h.sex, "age_years": round(float(h.age_years), 2),
        "african": round(float(h.african), 4), "asian": round(float(h.asian), 4),
        "caucasian": round(float(h.caucasian), 4), "skin_tone": int(h.effective_skin_tone),
        "hair_style": hair_style_of(h), "facial_hair": h.facial_hair, "top": h.top, "glasses": h.glasses,
        "headscarf": h.headscarf or "none",
        "animation_id": a.id, "emotion": a.emotion, "aus": ";".join(a.keys),
        "h_deg": float(vp.horizontal_deg), "v_deg": float(vp.vertical_deg), "distance_m": float(vp.distance),
        "yfov_deg": float(config.yfov_deg), "lighting": group.lighting.name, "background": config.background,
        "n_frames": config.frames, "fps": float(config.fps), "width": config.size, "height": config.size,
        "renderer": renderer, "rig": config.rig, "appearance": config.appearance, "exposure": config.exposure,
        "tone": config.tone, "white_balance": config.white_balance, "camera_jitter": config.camera_jitter,
        "hrisim_version": version, "seed": config.seed,
        "split": group.split, "group_index": group.index,
    }
    missing = [c for c in MANIFEST_COLUMNS if c not in row]
    assert not missing, f"manifest row lacks {missing}"
    return {c: row[c] for c in MANIFEST_COLUMNS}


# ----------------------------------------------------------------------------------------------
# The run

@dataclasses.dataclass
class RunResult:
    out: Path
    rendered_clips: int
    skipped_clips: int
    total_clips: int  # clips this run (limit/shard) is responsible for
    seconds: float
    manifest: Path | None


def _check_or_write_meta(root: Path, plan: Plan, command: str | None, log: Callable[[str], None] = print) -> None:
    """Refuse to mix two different datasets in one folder; record the plan of a new one. A plan
    whose run finished no clip (a failed start) blocks nothing: the corrected command replaces it."""
    meta_path = root / JOURNAL_DIR / "plan.json"
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{meta_path}: unreadable ({exc}); delete {root / JOURNAL_DIR} to start over") from exc
        started = any(read_journal(j) for j in (root / JOURNAL_DIR).glob("journal*.jsonl"))
        if meta.get("plan_hash") != plan.plan_hash and not started:
            log(f"{root}: replacing the plan of an earlier start that finished no clip")
            meta_path.unlink()
            return _check_or_write_meta(root, plan, command, log)
        if meta.get("plan_hash") != plan.plan_hash:
            old = meta.get("config", {})
            diff = sorted(k for k, v in plan.config.content_fields().items() if json.dumps(old.get(k), default=str) != json.dumps(v, default=str))
            what = f"settings differ: {', '.join(diff)}" if diff else "the humans or animations differ"
            raise DatasetError(f"{root} holds a dataset generated with other settings ({what}); "
                               "choose a new --out folder, or the same settings to resume")
        return
    from sim_env.dataset.plan import save_inputs

    save_inputs(root, plan)  # the dataset carries its humans and animations (merge from any folder)
    atomic_write_text(meta_path, json.dumps({
        "plan_hash": plan.plan_hash, "config": plan.config.content_fields(), "command": command,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }, indent=2, default=str))


def generate_dataset(config: GenerateConfig, progress: bool = True, command: str | None = None,
                     log: Callable[[str], None] = print) -> RunResult:
    """Generate (or resume) a dataset; see the module docstring. Returns what this run did."""
    start = time.perf_counter()
    root = Path(config.out)
    if root.exists() and not root.is_dir():
        raise DatasetError(f"--out {root}: is a file; expected a folder for the dataset (new or one to resume)")
    plan = make_plan(config)
    groups = select_groups(plan)
    try:
        background = parse_background(config.background)
    except DatasetError:
        raise
    except ValueError as exc:  # a bad --background is a bad input to the generator
        raise DatasetError(str(exc)) from None
    with _backend_session(config):  # a bad --ray-address or a missing Ray fails before the folder is made
        return _run(root, plan, groups, background, command, log, progress, start)


def _backend_session(config: GenerateConfig):
    """The run's Ray connection (``--backend ray``), held from before the folder is made to the end."""
    if config.backend != "ray":
        return contextlib.nullcontext()
    from sim_env.ray_session import ray_session

    return ray_session(config.ray_address, config.workers)


def _run(root: Path, plan: Plan, groups: list[GroupPlan], background, command: str | None,
         log: Callable[[str], None], progress: bool, start: float) -> RunResult:
    config = plan.config
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("clips", "labels") + (("crops",) if config.crops else ()):
        (root / sub).mkdir(exist_ok=True)
    _check_or_write_meta(root, plan, command, log)
    journal = journal_path(root, config.shard)
    done = verified_rows(root, read_journal(journal), log)  # sha256 of clips, labels, crops; says what fails
    todo = [g for g in groups if not all(c.clip_id in done for c in g.clips)]
    total = sum(len(g.clips) for g in groups)
    skipped = total - sum(len(g.clips) for g in todo)
    if skipped:
        log(f"resuming: {skipped} of {total} clips already finished in {root}")
    version = hrisim_version()
    rendered = 0
    bar = _progress(total, skipped, progress)
    try:
        with open(journal, "a", encoding="utf-8") as jf:
            for index, rows, renderer in run_groups(str(root), config, todo, background):
                group = plan.groups[index]
                by_id = {c.clip_id: c for c in group.clips}
                lines = [json.dumps(manifest_row(config, group, by_id[r["clip_id"]], _file_fields(r), renderer, version))
                         for r in rows]
                jf.write("\n".join(lines) + "\n")
                jf.flush()
                os.fsync(jf.fileno())
                rendered += len(rows)
                bar.update(len(rows))
                elapsed = time.perf_counter() - start
                bar.set_postfix_str(f"{60 * rendered / max(elapsed, 1e-9):.1f} clips/min", refresh=False)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise GenerationError(f"disk full while writing into {root}: the {skipped + rendered} finished clips "
                                  "are kept; free some space and run the same command to resume") from exc
        raise
    finally:
        bar.close()
        manifest = write_dataset_files(root, plan, config, command, log=log)
    return RunResult(root, rendered, skipped, total, time.perf_counter() - start, manifest)


# What a worker reports per clip: its files, and what the camera did (camera_model.ClipCamera.record).
_WORKER_FIELDS = ("clip_id", "file", "sha256", "labels_file", "labels_sha256", "crop_file", "crop_sha256",
                  "view_index", "exposure_gain", "exposure_bias_ev", "white_balance_gains", "metered_luminance")


def _file_fields(row: dict) -> dict:
    return {k: row.get(k) for k in _WORKER_FIELDS}


def _progress(total: int, initial: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="clip", desc="generate", disable=not enabled,
                dynamic_ncols=True, file=sys.stderr)
