"""The plan of a synthetic dataset: which humans play which animations from which viewpoints.

A plan is a pure function of a ``GenerateConfig``: the same settings and seed give the same groups,
clip ids, viewpoints and lighting, whatever machine or worker count renders them. The unit of
work is a *group*: one human playing one animation, seen from all of its viewpoints.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from hrisim.seeds import derived_seed
from sim_env.dataset.store import DatasetError, subject_split
from sim_env.render.viewpoints import Viewpoint

MAX_FRAME_SIZE = 4096  # pixels per side; llvmpipe's framebuffer limit (a GLError mid-run above it)
MAX_FRAMES = 100_000

PRESETS = {
    # The paper's dataset: 24 humans × 21 social signals × 9 viewpoints × 25 frames = 113,400 frames.
    "paper": dict(humans="balanced24", animations="paper", viewpoints="paper9", frames=25, size=160),
}
# The paper's synthetic validation split: 5 of 24 humans (19 / 5).
PAPER_VAL_FRACTION = 5 / 24


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
    exposure: str = "face"  # face-priority auto-exposure locked per clip, or "fixed" (camera_model)
    tone: str = "aces"  # or "clip"
    white_balance: str = "preset"  # or "none"
    camera_jitter: str = "none"  # or "default" | "EV,WB,NOISE"
    seed: int = 0
    crops: bool = False
    png: bool = False
    val_humans: float = PAPER_VAL_FRACTION
    behaviour: str = "none"  # the paper's failure cases, e.g. hand_to_face=0.3,talking=0.2 (failure_cases)
    workers: int = 1
    backend: str = "local"  # or "ray" (sim_env.dataset.ray_backend): where the groups render
    ray_address: str | None = None  # backend ray: None starts a local Ray; "auto" | HOST:PORT joins a cluster
    limit: int | None = None
    shard: tuple[int, int] = (0, 1)

    def __post_init__(self) -> None:
        if self.frames < 1:
            raise ValueError(f"frames must be at least 1, got {self.frames}")
        if self.size < 16 or self.size % 2:
            raise ValueError(f"size must be an even number of pixels >= 16, got {self.size}")
        if self.size > MAX_FRAME_SIZE:
            raise ValueError(f"size must be at most {MAX_FRAME_SIZE} pixels (the GL framebuffer limit), got {self.size}")
        if self.frames > MAX_FRAMES:
            raise ValueError(f"frames must be at most {MAX_FRAMES}, got {self.frames}")
        if isinstance(self.fps, bool) or not isinstance(self.fps, (int, float)) or not 0 < self.fps <= 240:
            raise ValueError(f"fps must be a number of frames per second in (0, 240], got {self.fps!r}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if self.backend not in ("local", "ray"):
            raise ValueError(f"backend must be 'local' or 'ray', got {self.backend!r}")
        if self.ray_address is not None and self.backend != "ray":
            raise ValueError(f"ray_address {self.ray_address!r} needs backend 'ray'")
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"limit must be at least 1, got {self.limit}")
        object.__setattr__(self, "val_humans", float(self.val_humans))  # 1 and 1.0 are one setting
        object.__setattr__(self, "behaviour", self.behaviour_options().text())  # one spelling per setting
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

    def render_options(self, lighting=None, background=None):
        """The ``RenderOptions`` of this dataset's clips (a group's drawn lighting, a parsed background)."""
        from sim_env.render.options import RenderOptions

        return RenderOptions.make(size=self.size, yfov_deg=self.yfov_deg, rig=self.rig, appearance=self.appearance,
                                  asset_roots=self.asset_path, exposure=self.exposure, tone=self.tone,
                                  white_balance=self.white_balance, camera_jitter=self.camera_jitter,
                                  lighting=lighting if lighting is not None else self.lighting,
                                  background=background if background is not None else self.background)

    def behaviour_options(self):
        """The ``failure_cases.Behaviour`` of ``behaviour`` (a bad value is a ValueError naming the option)."""
        from sim_env.render.failure_cases import parse_behaviour

        return parse_behaviour(self.behaviour)

    def content_fields(self) -> dict:
        """The fields that decide what the dataset contains (a resumed run must match them); behaviour
        only when some is on, so datasets made before the option keep their plan."""
        skip = {"out", "workers", "backend", "ray_address", "limit", "shard"}
        skip |= {"behaviour"} if self.behaviour == "none" else set()
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
    behaviour: object = None  # failure_cases.BehaviourTrack drawn for this group; None when none is on


@dataclasses.dataclass(frozen=True)
class Plan:
    config: GenerateConfig
    groups: tuple[GroupPlan, ...]
    plan_hash: str

    @property
    def n_clips(self) -> int:
        return sum(len(g.clips) for g in self.groups)


def _is_path(source: str) -> bool:
    """Whether ``source`` names an existing file or folder; a long id list is not a path (the OS refuses
    names over 255 bytes with an error rather than False)."""
    try:
        return Path(source).exists()
    except OSError:
        return False


def _id_list(source: str, known: dict, what: str) -> list | None:
    """The entries of ``known`` named by a comma-separated id list (or one id); None if ``source`` is
    not one. An unknown id is a usage error with "did you mean"."""
    import difflib

    from hrisim.errors import UsageError
    from sim_env.cli import did_you_mean

    ids = [s.strip() for s in source.split(",") if s.strip()]
    if "," not in source and source not in known:
        if difflib.get_close_matches(source, list(known), n=1, cutoff=0.8):  # a mistyped id, not another form
            raise UsageError(did_you_mean(what, source, known))
        return None

    for i in ids:
        if i not in known:
            raise UsageError(did_you_mean(what, i, known))
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated or not ids:
        raise UsageError(f"{what} list {source!r}: " + (f"repeated ids {repeated}" if repeated else "no ids"))
    return [known[i] for i in ids]


def load_humans(source: str) -> list:
    """A suite (``balanced24``, ``random:N[:SEED]``, ``paper24:DIR``, a suite file, a folder of .mhm; see
    ``humans.suites.load_suite``) or balanced24 ids, comma-separated: ``bal_f_black_1,bal_m_asian_2``."""
    from humans.suites import balanced24, load_suite

    picked = _id_list(source, {h.id: h for h in balanced24()}, "balanced24 human") if not _is_path(source) else None
    return picked if picked is not None else load_suite(source)


def load_animations(source: str) -> list:
    """``builtin`` (21 signals + neutral) | ``paper`` (the 21) | ``prototypes`` (the FACS/EMFACS
    ``proto_*`` signals) | ``emotion:anger,disgust`` (the built-in signals of those emotions) | signal
    ids, built-in or prototype, comma-separated (``confusion_eyes_left_right,proto_anger_4_5_7_23``)
    | a folder of .fani/.yaml/.json | a file."""
    from animations.formats import SUFFIXES, load_timeline
    from animations.library import builtin_signals, named_signals, paper_signals, prototype_signals

    if source == "builtin":
        return list(builtin_signals().values())
    if source == "paper":
        return list(paper_signals().values())
    if source == "prototypes":
        return list(prototype_signals().values())
    if source.startswith("emotion:"):
        return _signals_of_emotions(source)
    if not _is_path(source):
        picked = _id_list(source, named_signals(), "signal")
        if picked is not None:
            return picked
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


def _signals_of_emotions(source: str) -> list:
    from animations.library import builtin_signals
    from hrisim.errors import UsageError
    from sim_env.cli import did_you_mean

    signals = list(builtin_signals().values())
    known = {t.emotion for t in signals}
    wanted = [e.strip() for e in source.removeprefix("emotion:").split(",") if e.strip()]
    if not wanted:
        raise UsageError(f"animations {source!r}: expected emotion:NAME[,NAME...], e.g. emotion:anger,disgust")
    for emotion in wanted:
        if emotion not in known:
            raise UsageError(did_you_mean("emotion", emotion, sorted(known)))
    return [t for t in signals if t.emotion in wanted]


def _viewpoints_for(config: GenerateConfig, group_seed: int) -> tuple[Viewpoint, ...]:
    from sim_env.render.viewpoints import parse_viewpoints

    # random:N draws a fresh set per group; fixed sets are the same for every group.
    return tuple(parse_viewpoints(config.viewpoints, group_seed))


def clip_id_for(human_id: str, animation_id: str, view_index: int, vp: Viewpoint) -> str:
    return f"{human_id}__{animation_id}__{view_index:02d}_h{vp.horizontal_deg:+.0f}v{vp.vertical_deg:+.0f}"


INPUTS_DIR = "inputs"  # a dataset's own copy of its human specs and animation definitions


def save_inputs(root: Path, plan: Plan) -> Path:
    """``inputs/humans.yaml`` and ``inputs/animations/<id>.yaml`` in the dataset folder: the specs the
    plan used, so merge (and a reader) need not find the original files again."""
    from humans.spec import save_specs

    folder = Path(root) / INPUTS_DIR
    people = {g.human.id: g.human for g in plan.groups}
    anims = {g.animation.id: g.animation for g in plan.groups}
    (folder / "animations").mkdir(parents=True, exist_ok=True)
    save_specs(people.values(), folder / "humans.yaml", name="humans")
    for aid, anim in anims.items():
        anim.save(folder / "animations" / f"{aid}.yaml")
    return folder


def load_inputs(root: Path) -> tuple[list, list] | None:
    """(humans, animations) saved by ``save_inputs``, or None when the folder has no copy."""
    from humans.spec import load_specs

    folder = Path(root) / INPUTS_DIR
    if not (folder / "humans.yaml").is_file() or not (folder / "animations").is_dir():
        return None
    return load_specs(folder / "humans.yaml"), load_animations(str(folder / "animations"))


def make_plan(config: GenerateConfig, humans: list | None = None, animations: list | None = None) -> Plan:
    """Resolve humans, animations, viewpoints and lighting into the ordered list of groups
    (``humans``/``animations`` given: already resolved, e.g. a dataset's saved inputs)."""
    from sim_env.render.lighting import parse_lighting

    humans = load_humans(config.humans) if humans is None else list(humans)
    if not humans:
        raise DatasetError(f"humans {config.humans!r}: the suite is empty")
    ids = [h.id for h in humans]
    if len(set(ids)) != len(ids):
        raise DatasetError(f"humans {config.humans!r}: human ids must be unique")
    animations = load_animations(config.animations) if animations is None else list(animations)
    split = subject_split(ids, [h.group for h in humans], config.val_humans, config.seed)
    behaviour = config.behaviour_options()
    groups = []
    for human in humans:
        for anim in animations:
            gseed = derived_seed(config.seed, human.id, anim.id)
            views = _viewpoints_for(config, gseed)
            clips = tuple(ClipPlan(clip_id_for(human.id, anim.id, i, vp), i, vp) for i, vp in enumerate(views))
            lighting = parse_lighting(config.lighting, gseed)
            # Drawn per human x animation: every view of a performance shows the same behaviour.
            track = behaviour.draw(derived_seed(gseed, "behaviour"), config.frames, 1.0 / config.fps) \
                if behaviour.enabled else None
            groups.append(GroupPlan(len(groups), human, anim, clips, lighting, split[human.id], track))
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
