"""The closed-loop benchmark: seeded ConfusionAssist episodes per policy, figures per group and viewpoint.

Every policy meets the same episode plan (seed, person, viewpoint), and the behaviour model draws each
event from its own seeded generator, so policies are compared on the same people doing the same
things (common random numbers). Policies that do not look at the camera run render-free: the
person's behaviour does not depend on rendering, so their figures are the same either way.
"""
from __future__ import annotations

import dataclasses
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from hrisim.io import atomic_path, atomic_write_text

METRICS = ("success_rate", "precision", "recall", "latency_mean_s", "interruptions_per_min", "leave_rate")


@dataclasses.dataclass(frozen=True)
class BenchConfig:
    episodes: int = 24  # per policy
    seed: int = 0
    suite: str = "balanced24"
    viewpoints: str = "paper9"
    distance: float = 1.3
    episode_s: float = 60.0
    size: int = 160
    policies: tuple[str, ...] = ("never", "always", "random", "oracle")
    checkpoint: str | None = None  # recognizer folder for the perception policy
    render_all: bool = False  # render images for every policy (slower; same figures)
    backend: str = "local"  # or "ray": one Ray task per episode (same figures; sim_env.ray_session)
    ray_address: str | None = None  # backend ray: None starts a local Ray; "auto" | HOST:PORT joins a cluster
    workers: int | None = None  # CPUs of a local Ray (default: every core)

    def __post_init__(self):
        if self.episodes < 1:
            raise ValueError(f"episodes must be >= 1, got {self.episodes}")
        if self.backend not in ("local", "ray"):
            raise ValueError(f"backend must be 'local' or 'ray', got {self.backend!r}")
        if self.ray_address is not None and self.backend != "ray":
            raise ValueError(f"--ray-address {self.ray_address!r} needs --backend ray")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")
        object.__setattr__(self, "policies", tuple(self.policies))


def episode_plan(humans, viewpoints, n: int, seed: int) -> list[tuple[int, object, object]]:
    """``n`` (seed, human, viewpoint), balanced by construction: groups in turn, each group's people in
    turn, and viewpoints in turn over all episodes (shifted by one every lcm(groups, viewpoints)
    episodes so every group meets every view), so even 4 episodes see 4 groups at 4 viewpoints."""
    groups: dict[str, list] = {}
    for h in humans:
        groups.setdefault(h.group, []).append(h)
    names = sorted(groups)
    block = math.lcm(len(names), len(viewpoints))
    plan = []
    for i in range(n):
        g, k = names[i % len(names)], i // len(names)
        people = groups[g]
        plan.append((seed * 100_003 + i, people[k % len(people)], viewpoints[(i + i // block) % len(viewpoints)]))
    return plan


def plan_warnings(plan, n_groups: int, n_views: int) -> list[str]:
    """What makes the per-group or per-viewpoint figures of a plan uneven (empty: balanced)."""
    n = len(plan)
    out = []
    if n == 0:
        return ["the plan has no episodes"]
    if n % n_groups:
        out.append(f"{n} episodes do not split evenly over {n_groups} groups (use a multiple of {n_groups})")
    if n < n_views:
        out.append(f"{n} episodes cover only {n} of {n_views} viewpoints (use at least {n_views})")
    elif n % n_views:
        out.append(f"{n} episodes do not split evenly over {n_views} viewpoints (use a multiple of {n_views})")
    return out


def run_episode(env, policy, seed: int, human, viewpoint) -> dict:
    policy.reset(seed)
    obs, info = env.reset(seed=seed, options={"human": human.id, "viewpoint": viewpoint})
    total = 0.0
    while True:
        obs, reward, terminated, truncated, info = env.step(policy.act(obs, info))
        total += reward
        if terminated or truncated:
            break
    out = info["episode_outcome"]
    return {
        "policy": policy.name, "seed": seed, "human": human.id, "group": human.group, "gender": human.sex,
        "viewpoint": f"h{viewpoint.horizontal_deg:+g} v{viewpoint.vertical_deg:+g}",
        "return": round(total, 6), **{k: v for k, v in out.items() if k != "latency_s"},
        "latency_s": json.dumps(out["latency_s"]),
    }


def summarise(rows: list[dict], by: tuple[str, ...] = ("policy",)):
    """One row per group of ``by`` with the benchmark's figures (pandas DataFrame)."""
    import pandas as pd

    df = pd.DataFrame(rows)
    out = []
    for key, part in df.groupby(list(by), sort=False):
        key = key if isinstance(key, tuple) else (key,)
        lat = [x for s in part["latency_s"] for x in json.loads(s)]
        offers, helped, conf = int(part["offers"].sum()), int(part["helped"].sum()), int(part["confusions"].sum())
        n, wins = len(part), int(part["success"].sum())
        lo, hi = wilson(wins, n)
        p_lo, p_hi = wilson(helped, offers)
        r_lo, r_hi = wilson(helped, conf)
        out.append({
            **dict(zip(by, key)), "episodes": n,
            "success_rate": wins / n, "success_ci_low": lo, "success_ci_high": hi,
            "precision": helped / offers if offers else math.nan, "precision_ci_low": p_lo, "precision_ci_high": p_hi,
            "recall": helped / conf if conf else math.nan, "recall_ci_low": r_lo, "recall_ci_high": r_hi,
            "latency_mean_s": float(np.mean(lat)) if lat else math.nan,
            "latency_median_s": float(np.median(lat)) if lat else math.nan,
            "interruptions_per_min": float(part["interruptions"].sum() / (part["duration_s"].sum() / 60.0)),
            "leave_rate": float(part["left"].mean()),
            "return_mean": float(part["return"].mean()),
            "confusions": conf, "helped": helped, "offers": offers,
        })
    return pd.DataFrame(out)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def check_reachable(env, plan) -> None:
    """Fail before any episode runs when the robot cannot take a (person, viewpoint) of the plan.

    A tall person seen from high above can need more mast than the robot has; finding that out
    minutes into a rendered run wastes the run.
    """
    from sim_env.envs import person

    world = env.unwrapped.world
    checked = set()
    for _, human, vp in plan:
        if (human.id, vp) in checked:
            continue
        checked.add((human.id, vp))
        try:
            world.place_camera(person.face_centre(human), vp)
        except ValueError as exc:
            raise ValueError(f"{human.id}: {exc}") from None


def make_envs(config: BenchConfig):
    """(render-free env, image env or None) on the same scene settings."""
    import gymnasium as gym

    common = dict(suite=config.suite, viewpoints=config.viewpoints, distance=config.distance,
                  episode_s=config.episode_s, width=config.size, height=config.size)
    return lambda obs_type: gym.make("hrisim/ConfusionAssist-v0", obs_type=obs_type, **common)


_WORKER_ENVS: dict = {}  # a Ray worker's environments, made once per (config, kind) and kept


def _episode_task(item, config: BenchConfig, kind: str, policy) -> tuple[int, dict]:
    """Runs in a Ray worker: episode ``index`` of the plan on this process's own environment."""
    index, (seed, human, vp) = item
    if (config, kind) not in _WORKER_ENVS:
        _WORKER_ENVS[config, kind] = make_envs(config)(kind)
    return index, run_episode(_WORKER_ENVS[config, kind], policy, seed, human, vp)


def _session(config: BenchConfig):
    """The run's Ray connection for ``backend == "ray"`` (None for local)."""
    import contextlib
    import os

    if config.backend != "ray":
        return contextlib.nullcontext()
    from sim_env.ray_session import ray_session

    return ray_session(config.ray_address, config.workers or os.cpu_count() or 1)


def _episodes(ray, config: BenchConfig, env, kind: str, policy, plan, bar) -> list[dict]:
    """The plan's episode rows for one policy, in plan order: here on ``env``, or as Ray tasks (each
    episode's person draws from its own seeded generators, so where it runs changes nothing)."""
    if ray is None:
        rows = []
        for seed, human, vp in plan:
            rows.append(run_episode(env, policy, seed, human, vp))
            bar.update(1)
        return rows
    from sim_env.ray_session import cluster_cpus, unordered

    task = ray.remote(num_cpus=1)(_episode_task)
    rows = {}
    for index, row in unordered(ray, task, enumerate(plan), 2 * cluster_cpus(ray), config, kind, policy):
        rows[index] = row
        bar.update(1)
    return [rows[i] for i in range(len(plan))]


def run_benchmark(config: BenchConfig, out_dir, log=print, policies=None, progress: bool = True) -> Path:
    """Run every policy on the plan and write the report folder; returns its path.

    ``policies``: ready-made policy objects (overrides ``config.policies``; tests use fakes).
    """
    from tqdm import tqdm

    from sim_env.envs.policies import make_policy

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    make_env = make_envs(config)
    envs: dict[str, object] = {}
    if policies is None:
        policies = [make_policy(p, seed=config.seed, checkpoint=config.checkpoint) for p in config.policies]
    probe = make_env("state")
    plan = episode_plan(probe.unwrapped.humans, probe.unwrapped.viewpoints, config.episodes, config.seed)
    for text in plan_warnings(plan, len({h.group for h in probe.unwrapped.humans}), len(probe.unwrapped.viewpoints)):
        log(f"warning: unbalanced plan: {text}")
    envs["state"] = probe
    if any(p.needs_image for p in policies) or config.render_all:
        check_reachable(probe, plan)
    rows = []
    timings = {}
    try:
        with _session(config) as ray:
            for policy in policies:
                kind = "rgb" if policy.needs_image or config.render_all else "state"
                if ray is None and kind not in envs:
                    envs[kind] = make_env(kind)
                start = time.perf_counter()
                with tqdm(total=len(plan), desc=policy.name, unit="episode", disable=not progress,
                          file=sys.stderr, leave=False) as bar:
                    rows += _episodes(ray, config, envs.get(kind), kind, policy, plan, bar)
                timings[policy.name] = round(time.perf_counter() - start, 2)
                where = f"{kind}, Ray" if ray is not None else kind
                log(f"{policy.name}: {len(plan)} episodes in {timings[policy.name]:.1f} s ({where})")
    finally:
        for env in envs.values():
            env.close()
    if rows and not any(r["confusions"] for r in rows):
        log("warning: no confusion episode occurred in any episode: success, recall and latency are undefined "
            "(use more or longer episodes: --episodes, --episode-s)")
    write_report(out, rows, config, timings)
    return out


def _atomic(path: Path, text: str) -> None:
    atomic_write_text(path, text)


def _markdown(df, columns) -> str:
    head = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"
    body = ""
    for _, r in df.iterrows():
        cells = []
        for c in columns:
            v = r[c]
            cells.append("—" if isinstance(v, float) and math.isnan(v) else f"{v:.3f}" if isinstance(v, float) else str(v))
        body += "| " + " | ".join(cells) + " |\n"
    return head + body


def write_report(out: Path, rows: list[dict], config: BenchConfig, timings: dict) -> None:
    """episodes.csv, summary.csv, by_group.csv, by_viewpoint.csv, plots, report.md; report.json last."""
    import pandas as pd

    episodes = pd.DataFrame(rows)
    overall = summarise(rows)
    by_group = summarise(rows, ("policy", "group"))
    by_view = summarise(rows, ("policy", "viewpoint"))
    for name, df in (("episodes", episodes), ("summary", overall), ("by_group", by_group), ("by_viewpoint", by_view)):
        _atomic(out / f"{name}.csv", df.to_csv(index=False))
    plots = write_plots(out, by_group, by_view, episodes)
    cols = ["policy", "episodes", "success_rate", "precision", "recall", "latency_mean_s",
            "interruptions_per_min", "leave_rate", "return_mean"]
    md = ["# hrisim policy benchmark: ConfusionAssist-v0\n",
          f"{config.episodes} episodes per policy, {config.episode_s:g} s each, suite `{config.suite}`, "
          f"viewpoints `{config.viewpoints}` at {config.distance:g} m, seed {config.seed}. Same episode plan "
          f"(people, viewpoints, behaviour) for every policy.\n",
          "Success: nobody left, every confusion answered, no interruptions. Precision: answered "
          "confusions / help offers. Recall: answered / confusion episodes (unanswered confusion still open "
          "at the time limit counts once it has lasted the shortest confusion, else it is left out). "
          "Latency: confusion onset to help.\n",
          "## Overall\n", _markdown(overall, cols),
          "\n## Per demographic group\n", _markdown(by_group, ["policy", "group", *cols[1:]]),
          "\n## Per viewpoint\n", _markdown(by_view, ["policy", "viewpoint", *cols[1:]]),
          "\n## Plots\n", *[f"![{p}]({p})\n" for p in plots]]
    _atomic(out / "report.md", "\n".join(md))
    report = {
        "config": dataclasses.asdict(config),
        "timings_s": timings,
        "overall": json.loads(overall.to_json(orient="records")),
        "by_group": json.loads(by_group.to_json(orient="records")),
        "by_viewpoint": json.loads(by_view.to_json(orient="records")),
        "files": ["episodes.csv", "summary.csv", "by_group.csv", "by_viewpoint.csv", "report.md", *plots],
    }
    _atomic(out / "report.json", json.dumps(report, indent=2))


def write_plots(out: Path, by_group, by_view, episodes) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    for df, key, name in ((by_group, "group", "by_group.png"), (by_view, "viewpoint", "by_viewpoint.png")):
        metrics = ("success_rate", "precision", "recall", "interruptions_per_min")
        fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.6), squeeze=False)
        policies = list(dict.fromkeys(df["policy"]))
        cats = list(dict.fromkeys(df[key]))
        width = 0.8 / max(1, len(policies))
        for ax, metric in zip(axes[0], metrics):
            for j, pol in enumerate(policies):
                part = df[df["policy"] == pol].set_index(key).reindex(cats)
                ci = {"success_rate": "success"}.get(metric, metric)
                yerr = None
                if f"{ci}_ci_low" in part:  # 95 % Wilson intervals, as in summary.csv
                    value = part[metric].to_numpy(float)
                    yerr = np.nan_to_num(np.stack([value - part[f"{ci}_ci_low"].to_numpy(float),
                                                   part[f"{ci}_ci_high"].to_numpy(float) - value]).clip(0))
                ax.bar(np.arange(len(cats)) + j * width, part[metric].fillna(0), width, label=pol,
                       yerr=yerr, capsize=2, error_kw={"elinewidth": 0.8})
            ax.set_xticks(np.arange(len(cats)) + width * (len(policies) - 1) / 2)
            ax.set_xticklabels(cats, rotation=45 if key == "viewpoint" else 0, ha="right" if key == "viewpoint" else "center", fontsize=8)
            ax.set_title(metric.replace("_", " ") + (" (symlog)" if metric == "interruptions_per_min" else " (95 % CI)"))
            if metric == "interruptions_per_min":
                ax.set_yscale("symlog", linthresh=1.0)
        axes[0][0].legend(fontsize=8)
        fig.tight_layout()
        with atomic_path(out / name) as tmp:
            fig.savefig(tmp, dpi=110)
        plt.close(fig)
        files.append(name)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    lat = {p: [x for s in part["latency_s"] for x in json.loads(s)] for p, part in episodes.groupby("policy", sort=False)}
    lat = {p: v for p, v in lat.items() if v}
    if lat:
        ax.boxplot(list(lat.values()))
        ax.set_xticks(range(1, len(lat) + 1), list(lat.keys()))
    ax.set_ylabel("latency: confusion onset to help (s)")
    fig.tight_layout()
    with atomic_path(out / "latency.png") as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)
    files.append("latency.png")
    return files
