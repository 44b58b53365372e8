"""Synthetic dataset generation: humans × animations × viewpoints → clips, labels and a manifest.

The unit of work is a *group*: one human playing one animation, seen from all of its viewpoints.
Mesh deformation is shared by the views of a group, so a group renders much faster than its clips
one by one. Groups run in worker processes, each with its own GL context (EGL contexts cannot be
pickled or shared).

Safety: every file is written under a temporary name and renamed; a group's clips enter the
journal (``.hrisim/journal*.jsonl``, appended and fsynced) only once all their files are in
place, and the manifest is written from the journal. Killing a run loses at most the groups in
flight; running the same command again skips what the journal lists and whose files are intact.
"""
from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from sim_env.dataset import (
    JOURNAL_DIR,
    MANIFEST_COLUMNS,
    DatasetError,
    file_sha256,
    files_intact,
    journal_path,
    read_journal,
)
from sim_env.viewpoints import Viewpoint

PRESETS = {
    # The paper's dataset: 24 humans × 21 social signals × 9 viewpoints × 25 frames = 113,400 frames.
    "paper": dict(humans="balanced24", animations="paper", viewpoints="paper9", frames=25, size=160),
}
# The paper's synthetic validation split: 5 of 24 humans (19 / 5).
PAPER_VAL_FRACTION = 5 / 24
CROP_SIZE = 160
# Face crops are squares of (1 + margin) × the larger side of the ground-truth face box.
CROP_MARGIN = 0.3


class GenerationError(RuntimeError):
    """A run could not go on; finished clips are kept and the same command resumes."""


@dataclasses.dataclass(frozen=True)
class GenerateConfig:
    """Everything that decides a dataset's content (``workers``/``limit``/``shard`` do not)."""

    out: str
    humans: str = "balanced24"
    animations: str = "builtin"
    viewpoints: str = "paper9"
    frames: int = 25
    size: int = 160
    fps: float = 25.0
    yfov_deg: float = 25.0
    lighting: str = "studio"
    background: str = "grey"
    rig: str = "arkit"
    appearance: str = "builtin"  # or "assets": MakeHuman skins and proxies (the faithful path)
    asset_path: str | None = None  # asset roots (os.pathsep-separated); None = the configured ones
    exposure: str = "fixed"  # or "face": face-priority auto-exposure, locked per clip
    seed: int = 0
    crops: bool = False
    png: bool = False
    val_humans: float = PAPER_VAL_FRACTION
    workers: int = 1
    limit: int | None = None
    shard: tuple[int, int] = (0, 1)

    def __post_init__(self) -> None:
        if self.frames < 1:
            raise ValueError(f"frames must be at least 1, got {self.frames}")
        if self.size < 16 or self.size % 2:
            raise ValueError(f"size must be an even number of pixels >= 16, got {self.size}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"limit must be at least 1, got {self.limit}")
        object.__setattr__(self, "val_humans", float(self.val_humans))  # 1 and 1.0 are one setting
        object.__setattr__(self, "shard", tuple(self.shard))
        index, count = self.shard
        if not (count >= 1 and 0 <= index < count):
            raise ValueError(f"shard must be i/N with 0 <= i < N, got {index}/{count}")

    @classmethod
    def preset(cls, name: str, out: str, **overrides) -> "GenerateConfig":
        try:
            base = PRESETS[name]
        except KeyError:
            raise ValueError(f"unknown preset {name!r}: choose one of {sorted(PRESETS)}") from None
        return cls(out=out, **{**base, **overrides})

    def content_fields(self) -> dict:
        """The fields that decide what the dataset contains (a resumed run must match them)."""
        skip = {"out", "workers", "limit", "shard"}
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in skip}


@dataclasses.dataclass(frozen=True)
class ClipPlan:
    clip_id: str
    view_index: int
    viewpoint: Viewpoint


@dataclasses.dataclass(frozen=True)
class GroupPlan:
    """One human playing one animation from several viewpoints: rendered together."""

    index: int
    human: object  # HumanSpec
    animation: object  # AUTimeline
    clips: tuple[ClipPlan, ...]
    lighting: object  # Lighting
    split: str


@dataclasses.dataclass(frozen=True)
class Plan:
    config: GenerateConfig
    groups: tuple[GroupPlan, ...]
    plan_hash: str

    @property
    def n_clips(self) -> int:
        return sum(len(g.clips) for g in self.groups)


def derived_seed(*parts) -> int:
    """A stable 63-bit seed from the dataset seed and names (independent of run order)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def load_animations(source: str) -> list:
    """``builtin`` (21 signals + neutral) | ``paper`` (the 21) | a folder of .fani/.yaml/.json | a file."""
    from animations.formats import SUFFIXES, load_timeline
    from animations.library import builtin_signals, paper_signals

    if source == "builtin":
        return list(builtin_signals().values())
    if source == "paper":
        return list(paper_signals().values())
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
        if not files:
            raise DatasetError(f"{path}: no animation files ({', '.join(SUFFIXES)}) in this folder")
        timelines = [load_timeline(p) for p in files]
    elif path.exists():
        timelines = [load_timeline(path)]
    else:
        raise DatasetError(f"animations {source!r}: expected 'builtin', 'paper', a folder of "
                           f"animation files or one file ({', '.join(SUFFIXES)})")
    ids = [t.id for t in timelines]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise DatasetError(f"{path}: animation ids must be unique, repeated: {dupes}")
    return timelines


def subject_split(human_ids: Sequence[str], groups: Sequence[str], val: float, seed: int) -> dict[str, str]:
    """Subject-disjoint train/val split spread over demographic groups (the paper: 19 / 5).

    ``val`` < 1 is a fraction of the humans (rounded), >= 1 a count. Validation humans are drawn
    round-robin over groups, so no group is left out of validation while others are repeated.
    """
    n = len(human_ids)
    n_val = int(round(val * n)) if val < 1 else int(val)
    if not 0 <= n_val < max(n, 1):
        raise ValueError(f"val_humans={val} leaves no training human among {n}")
    rng = np.random.default_rng(derived_seed(seed, "split"))
    by_group: dict[str, list[str]] = {}
    for hid, grp in zip(human_ids, groups):
        by_group.setdefault(grp, []).append(hid)
    queues = {g: list(rng.permutation(ids)) for g, ids in sorted(by_group.items())}
    order = list(rng.permutation(sorted(queues)))
    chosen: list[str] = []
    while len(chosen) < n_val:
        for g in order:
            if queues[g] and len(chosen) < n_val:
                chosen.append(str(queues[g].pop(0)))
    return {hid: ("val" if hid in chosen else "train") for hid in human_ids}


def _viewpoints_for(config: GenerateConfig, group_seed: int) -> tuple[Viewpoint, ...]:
    from sim_env.viewpoints import parse_viewpoints

    # random:N draws a fresh set per group; fixed sets are the same for every group.
    return tuple(parse_viewpoints(config.viewpoints, group_seed))


def clip_id_for(human_id: str, animation_id: str, view_index: int, vp: Viewpoint) -> str:
    return f"{human_id}__{animation_id}__{view_index:02d}_h{vp.horizontal_deg:+.0f}v{vp.vertical_deg:+.0f}"


def make_plan(config: GenerateConfig) -> Plan:
    """Resolve humans, animations, viewpoints and lighting into the ordered list of groups."""
    from humans.suites import load_suite
    from sim_env.lighting import parse_lighting

    humans = load_suite(config.humans)
    if not humans:
        raise DatasetError(f"humans {config.humans!r}: the suite is empty")
    ids = [h.id for h in humans]
    if len(set(ids)) != len(ids):
        raise DatasetError(f"humans {config.humans!r}: human ids must be unique")
    animations = load_animations(config.animations)
    split = subject_split(ids, [h.group for h in humans], config.val_humans, config.seed)
    groups = []
    for human in humans:
        for anim in animations:
            gseed = derived_seed(config.seed, human.id, anim.id)
            views = _viewpoints_for(config, gseed)
            clips = tuple(ClipPlan(clip_id_for(human.id, anim.id, i, vp), i, vp) for i, vp in enumerate(views))
            lighting = parse_lighting(config.lighting, gseed)
            groups.append(GroupPlan(len(groups), human, anim, clips, lighting, split[human.id]))
    digest = hashlib.sha256(json.dumps({
        "config": config.content_fields(),
        "humans": [h.to_dict() for h in humans],
        "animations": [dataclasses.asdict(a) for a in animations],
    }, sort_keys=True, default=str).encode()).hexdigest()
    return Plan(config, tuple(groups), digest[:16])


def select_groups(plan: Plan) -> list[GroupPlan]:
    """The groups this run renders: ``--limit`` first N clips of the plan, then ``--shard i/N``."""
    config = plan.config
    chosen, count = [], 0
    for group in plan.groups:
        if config.limit is not None and count >= config.limit:
            break
        clips = group.clips
        if config.limit is not None:
            clips = clips[: config.limit - count]
        count += len(clips)
        chosen.append(dataclasses.replace(group, clips=clips))
    index, n_shards = config.shard
    return [g for g in chosen if g.index % n_shards == index]


# ----------------------------------------------------------------------------------------------
# Rendering one group (runs in a worker process)

_WORKER: dict = {}


def _exit_with_parent() -> None:
    """Workers end when the main process dies (killed runs must not leave renderers behind)."""
    import threading

    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _init_worker(size: int, threads_per_worker: int | None, in_subprocess: bool = False) -> None:
    if in_subprocess:
        _exit_with_parent()
    if threads_per_worker:
        os.environ.setdefault("LP_NUM_THREADS", str(threads_per_worker))  # llvmpipe raster threads
    import torch

    torch.set_num_threads(threads_per_worker or torch.get_num_threads())
    _WORKER.clear()
    _WORKER["size"] = size


def _renderer(size: int):
    from sim_env.renderer import Renderer

    if "renderer" not in _WORKER:
        _WORKER["renderer"] = Renderer(size, size)
    return _WORKER["renderer"]


def renderer_description(antialias: str) -> str:
    """What drew the frames, e.g. ``pyrender 0.1.45 / egl / llvmpipe (LLVM 15.0.7, 256 bits) / ssaa1.5``."""
    from importlib.metadata import version

    from OpenGL import GL

    gl = GL.glGetString(GL.GL_RENDERER)
    gl = gl.decode() if isinstance(gl, bytes) else str(gl)
    return f"pyrender {version('pyrender')} / {os.environ.get('PYOPENGL_PLATFORM', 'egl')} / {gl} / {antialias}"


def face_crop_box(boxes: np.ndarray) -> np.ndarray:
    """One square crop box (x0, y0, x1, y1) for a whole clip: the median face box, enlarged.

    One box per clip keeps crops free of frame-to-frame jitter (the face moves little in a clip).
    """
    x0, y0, x1, y1 = np.median(boxes, axis=0)
    side = max(x1 - x0, y1 - y0) * (1 + CROP_MARGIN)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return np.array([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], np.float32)


def crop_frames(frames: np.ndarray, box: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """Crop ``box`` from every frame (edge-padded where it leaves the image) and resize to ``size``."""
    from PIL import Image

    x0, y0, x1, y1 = (int(round(v)) for v in box)
    h, w = frames.shape[1:3]
    pad = max(0, -x0, -y0, x1 - w, y1 - h)
    padded = np.pad(frames, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge") if pad else frames
    out = np.empty((len(frames), size, size, 3), np.uint8)
    for i, frame in enumerate(padded):
        region = frame[y0 + pad : y1 + pad, x0 + pad : x1 + pad]
        out[i] = np.asarray(Image.fromarray(region).resize((size, size), Image.BILINEAR))
    return out


def _save_npz(path: Path, **arrays) -> None:
    tmp = path.with_name(path.name + ".part.npz")
    try:
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _save_pngs(folder: Path, frames: np.ndarray) -> None:
    import shutil

    from sim_env.media import write_png

    tmp = folder.with_name(folder.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for i, frame in enumerate(frames):
        write_png(tmp / f"{i + 1:03d}.png", frame)
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)


def render_group(out: str, config: GenerateConfig, group: GroupPlan, background) -> list[dict]:
    """Render, encode and label a group's clips; returns their manifest rows (files in place)."""
    from sim_env.clip import render_clip
    from sim_env.media import write_mp4

    root = Path(out)
    clip = render_clip(
        group.human, group.animation, [c.viewpoint for c in group.clips], n_frames=config.frames,
        size=config.size, yfov_deg=config.yfov_deg, rig=config.rig, lighting=group.lighting,
        background=background, renderer=_renderer(config.size),
        appearance=config.appearance, asset_roots=config.asset_path, exposure=config.exposure,
    )
    labels = clip.labels
    rows = []
    for v, plan in enumerate(group.clips):
        frames = clip.frames[v]
        files = {"file": f"clips/{plan.clip_id}.mp4", "labels_file": f"labels/{plan.clip_id}.npz", "crop_file": ""}
        write_mp4(root / files["file"], frames, fps=config.fps)
        _save_npz(
            root / files["labels_file"], au_keys=np.asarray(labels.au_keys, dtype=str),
            au_values=labels.au_values.astype(np.float32), face_boxes=labels.face_boxes[v],
            landmarks=labels.landmarks[v],
            au_numbers=np.asarray(sorted(labels.au_intensities), np.int32),
            au_intensities=np.stack([labels.au_intensities[k] for k in sorted(labels.au_intensities)], 1).astype(np.float32)
            if labels.au_intensities else np.zeros((config.frames, 0), np.float32),
        )
        if config.crops:
            files["crop_file"] = f"crops/{plan.clip_id}.mp4"
            box = face_crop_box(labels.face_boxes[v])
            write_mp4(root / files["crop_file"], crop_frames(frames, box), fps=config.fps)
        if config.png:
            _save_pngs(root / "frames" / plan.clip_id, frames)
        rows.append({
            "clip_id": plan.clip_id, **files,
            "sha256": file_sha256(root / files["file"]),
            "labels_sha256": file_sha256(root / files["labels_file"]),
            "crop_sha256": file_sha256(root / files["crop_file"]) if files["crop_file"] else "",
            "view_index": plan.view_index,
        })
    return rows


def _worker_render(out: str, config: GenerateConfig, group: GroupPlan, background) -> tuple[int, list[dict], str]:
    rows = render_group(out, config, group, background)
    if "renderer_name" not in _WORKER:
        _WORKER["renderer_name"] = renderer_description(_renderer(config.size).antialias)
    return group.index, rows, _WORKER["renderer_name"]


# ----------------------------------------------------------------------------------------------
# Manifest rows

def manifest_row(config: GenerateConfig, group: GroupPlan, clip: ClipPlan, files: dict, renderer: str,
                 version: str) -> dict:
    h, a, vp = group.human, group.animation, clip.viewpoint
    row = {
        **files,
        "human_id": h.id, "group": h.group, "gender": h.sex, "age_years": round(float(h.age_years), 2),
        "african": round(float(h.african), 4), "asian": round(float(h.asian), 4),
        "caucasian": round(float(h.caucasian), 4), "skin_tone": int(h.effective_skin_tone),
        "animation_id": a.id, "emotion": a.emotion, "aus": ";".join(a.keys),
        "h_deg": float(vp.horizontal_deg), "v_deg": float(vp.vertical_deg), "distance_m": float(vp.distance),
        "yfov_deg": float(config.yfov_deg), "lighting": group.lighting.name, "background": config.background,
        "n_frames": config.frames, "fps": float(config.fps), "width": config.size, "height": config.size,
        "renderer": renderer, "rig": config.rig, "appearance": config.appearance, "exposure": config.exposure,
        "hrisim_version": version, "seed": config.seed,
        "split": group.split, "group_index": group.index,
    }
    missing = [c for c in MANIFEST_COLUMNS if c not in row]
    assert not missing, f"manifest row lacks {missing}"
    return {c: row[c] for c in MANIFEST_COLUMNS}


def hrisim_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hrisim")
    except PackageNotFoundError:
        return "0+unknown"


def parse_background(text: str):
    """``grey`` | ``#rrggbb`` | ``r,g,b`` (0..1) | an image file."""
    from sim_env.renderer import Background

    if text == "grey":
        return Background()
    if text.startswith("#") and len(text) == 7:
        try:
            return Background(tuple(int(text[i : i + 2], 16) / 255 for i in (1, 3, 5)))
        except ValueError:
            pass
    parts = text.split(",")
    if len(parts) == 3:
        try:
            colour = tuple(float(p) for p in parts)
            if all(0 <= c <= 1 for c in colour):
                return Background(colour)
        except ValueError:
            pass
    path = Path(text)
    if path.is_file():
        from PIL import Image, UnidentifiedImageError

        try:
            return Background(image=np.asarray(Image.open(path).convert("RGB")))
        except (UnidentifiedImageError, OSError) as exc:
            raise DatasetError(f"background {path}: not a readable image ({exc})") from exc
    raise DatasetError(f"background {text!r}: expected 'grey', '#rrggbb', 'r,g,b' in 0..1 or an image file")


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


def _check_or_write_meta(root: Path, plan: Plan, command: str | None) -> None:
    """Refuse to mix two different datasets in one folder; record the plan of a new one."""
    meta_path = root / JOURNAL_DIR / "plan.json"
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{meta_path}: unreadable ({exc}); delete {root / JOURNAL_DIR} to start over") from exc
        if meta.get("plan_hash") != plan.plan_hash:
            old = meta.get("config", {})
            diff = sorted(k for k, v in plan.config.content_fields().items() if json.dumps(old.get(k), default=str) != json.dumps(v, default=str))
            what = f"settings differ: {', '.join(diff)}" if diff else "the humans or animations differ"
            raise DatasetError(f"{root} holds a dataset generated with other settings ({what}); "
                               "choose a new --out folder, or the same settings to resume")
        return
    from humans.spec import write_text_atomic

    meta_path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(meta_path, json.dumps({
        "plan_hash": plan.plan_hash, "config": plan.config.content_fields(), "command": command,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }, indent=2, default=str))


def generate_dataset(config: GenerateConfig, progress: bool = True, command: str | None = None,
                     log: Callable[[str], None] = print) -> RunResult:
    """Generate (or resume) a dataset; see the module docstring. Returns what this run did."""
    from sim_env.dataset import write_dataset_files

    start = time.perf_counter()
    root = Path(config.out)
    plan = make_plan(config)
    groups = select_groups(plan)
    background = parse_background(config.background)
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("clips", "labels") + (("crops",) if config.crops else ()):
        (root / sub).mkdir(exist_ok=True)
    _check_or_write_meta(root, plan, command)
    journal = journal_path(root, config.shard)
    done = {r["clip_id"]: r for r in read_journal(journal) if files_intact(root, r)}
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


def _file_fields(row: dict) -> dict:
    return {k: row[k] for k in ("clip_id", "file", "sha256", "labels_file", "labels_sha256", "crop_file",
                                "crop_sha256", "view_index")}


def _progress(total: int, initial: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="clip", desc="generate", disable=not enabled,
                dynamic_ncols=True, file=sys.stderr)


def run_groups(out: str, config: GenerateConfig, groups: list[GroupPlan], background) -> Iterable:
    """Yield (group index, rows, renderer) as groups finish; in-process for one worker."""
    if not groups:
        return
    cores = os.cpu_count() or 1
    if config.workers == 1:
        _init_worker(config.size, None)
        for group in groups:
            yield _worker_render(out, config, group, background)
        return
    import multiprocessing

    threads = max(1, cores // config.workers)
    pool = ProcessPoolExecutor(config.workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(config.size, threads, True))
    pending: set = set()
    queue = list(groups)
    try:
        while queue or pending:
            while queue and len(pending) < 2 * config.workers:  # bounded: results stay small in memory
                pending.add(pool.submit(_worker_render, out, config, queue.pop(0), background))
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield future.result()
    finally:  # on error or interrupt: drop queued groups, let running ones end (they are not journaled)
        pool.shutdown(wait=True, cancel_futures=True)
