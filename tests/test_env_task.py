"""ConfusionAssist-v0 without rendering: registration, options, rewards, determinism, the benchmark."""
import json

import gymnasium as gym
import numpy as np
import pytest

import sim_env  # noqa: F401  (registers the ids)
from sim_env.envs.bench import BenchConfig, episode_plan, run_benchmark, wilson
from sim_env.envs.policies import NeverHelp, Oracle, PerceptionConfig, PerceptionPolicy, RandomHelp

FAST = dict(obs_type="state", episode_s=30.0)


def test_ids_are_registered_without_heavy_imports():
    import subprocess
    import sys

    code = ("import sys, sim_env, gymnasium; assert 'hrisim/ConfusionAssist-v0' in gymnasium.registry; "
            "assert 'hrisim/HumanFace-v0' in gymnasium.registry; "
            "print(sorted(m for m in ('pybullet', 'torch', 'pyrender', 'anny') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_spaces_and_bad_options():
    env = gym.make("hrisim/ConfusionAssist-v0", **FAST)
    assert env.action_space == gym.spaces.Discrete(2)
    assert env.metadata["render_fps"] == 10
    with pytest.raises(ValueError, match="unknown reset options"):
        env.reset(seed=0, options={"colour": 1})
    with pytest.raises(ValueError, match="not one of"):
        env.reset(seed=0, options={"human": "nobody"})
    with pytest.raises(TypeError, match="unknown ConfusionAssistConfig options"):
        gym.make("hrisim/ConfusionAssist-v0", size=64)
    with pytest.raises(ValueError, match="obs_type"):
        gym.make("hrisim/ConfusionAssist-v0", obs_type="depth")
    with pytest.raises(ValueError, match="action must be"):
        env.reset(seed=0)
        env.step(7)
    cam = gym.make("hrisim/ConfusionAssist-v0", camera_control=True, **FAST)
    assert cam.action_space == gym.spaces.Discrete(6)
    obs, _ = cam.reset(seed=0, options={"viewpoint": (0, 0)})
    for _ in range(5):
        obs2, *_ = cam.step(2)  # pan left
    assert obs2[4] > obs[4] + 0.2  # head pan joint moved about 3 degrees per step
    env.close()
    cam.close()


def rollout(env, policy, seed):
    policy.reset(seed)
    obs, info = env.reset(seed=seed)
    rewards = []
    while True:
        obs, r, term, trunc, info = env.step(policy.act(obs, info))
        rewards.append(r)
        if term or trunc:
            return rewards, info["episode_outcome"]


def test_rewards_are_seeded_and_follow_the_definition():
    env = gym.make("hrisim/ConfusionAssist-v0", **FAST)
    a, out_a = rollout(env, RandomHelp(p=0.05), 4)
    b, out_b = rollout(env, RandomHelp(p=0.05), 4)
    assert a == b and out_a == out_b
    c, _ = rollout(env, RandomHelp(p=0.05), 5)
    assert a != c
    r, out = rollout(env, Oracle(), 4)
    cfg = env.unwrapped.config.reward
    # the oracle answers each confusion at its first step: only +help rewards, no costs
    assert sorted(set(r)) in ([0.0, cfg.help], [0.0])
    assert sum(r) == pytest.approx(cfg.help * out["helped"])
    r, out = rollout(env, NeverHelp(), 4)
    assert min(r) < 0 and out["offers"] == 0
    env.close()


def test_oracle_beats_the_baselines(tmp_path):
    config = BenchConfig(episodes=8, episode_s=20.0, seed=1)
    out = run_benchmark(config, tmp_path, log=lambda *a: None)
    report = json.loads((out / "report.json").read_text())
    by = {r["policy"]: r for r in report["overall"]}
    assert set(by) == {"never", "always", "random", "oracle"}
    o = by["oracle"]
    assert o["success_rate"] == 1.0 and o["precision"] == 1.0 and o["recall"] == 1.0
    for name in ("never", "always", "random"):
        assert o["success_rate"] > by[name]["success_rate"]
        assert o["return_mean"] > by[name]["return_mean"]
    assert by["always"]["interruptions_per_min"] > 100 and by["never"]["recall"] == 0
    groups = {r["group"] for r in report["by_group"]}
    assert groups == {"Asian", "Black", "Caucasian", "Hispanic"}
    for name in ("episodes.csv", "summary.csv", "by_group.csv", "by_viewpoint.csv", "report.md",
                 "by_group.png", "by_viewpoint.png", "latency.png"):
        assert (out / name).stat().st_size > 0
    assert not list(out.glob("*.part*"))


def test_episode_plan_covers_groups_and_views():
    from humans.suites import load_suite
    from sim_env.render.viewpoints import paper9

    plan = episode_plan(load_suite("balanced24"), paper9(), 36, seed=0)
    groups = [h.group for _, h, _ in plan]
    assert {g: groups.count(g) for g in set(groups)} == {"Asian": 9, "Black": 9, "Caucasian": 9, "Hispanic": 9}
    assert len({(h.group, v) for _, h, v in plan}) == 36
    assert wilson(5, 10)[0] < 0.5 < wilson(5, 10)[1]


class FakeStream:
    def __init__(self, window, script):
        self.window, self.script, self.n = window, script, 0

    def push(self, frame):
        assert frame.ndim == 3
        self.n += 1
        return None if self.n < self.window else self.script(self.n)


class FakeRecognizer:
    classes = ("anger", "confusion", "disgust")

    def __init__(self, script):
        self.script = script

    def stream(self, window=25, stride=1):
        return FakeStream(window, self.script)


def test_perception_policy_thresholds_smoothing_cooldown():
    high = {"anger": 0.1, "confusion": 0.8, "disgust": 0.1}
    low = {"anger": 0.6, "confusion": 0.2, "disgust": 0.2}
    frame = np.zeros((8, 8, 3), np.uint8)
    policy = PerceptionPolicy(FakeRecognizer(lambda n: high if 30 <= n < 200 else low),
                              PerceptionConfig(threshold=0.6, smoothing=1.0, min_steps=3, cooldown_s=5.0, window=4))
    acts = [policy.act(frame, {}) for _ in range(200)]
    helps = [i + 1 for i, a in enumerate(acts) if a == 1]
    assert helps[0] == 32  # third consecutive high window
    assert np.all(np.diff(helps) >= 50)  # cooldown 5 s at 10 Hz
    smooth = PerceptionPolicy(FakeRecognizer(lambda n: high if 30 <= n < 200 else low),
                              PerceptionConfig(threshold=0.6, smoothing=0.3, min_steps=1, window=4))
    acts = [smooth.act({"image": frame}, {}) for _ in range(60)]
    assert acts.index(1) + 1 > 31  # the moving average takes a few windows to rise
    with pytest.raises(ValueError, match="image"):
        smooth.act(np.zeros(6, np.float32), {})
    with pytest.raises(ValueError, match="threshold"):
        PerceptionConfig(threshold=2.0)


def test_cli_registers_bench_policies(tmp_path):
    from sim_env.cli import build_parser, main

    args = build_parser().parse_args(["bench-policies", "--episodes", "4", "--out", str(tmp_path)])
    assert args.func.__module__ == "sim_env.envs.cli"
    assert main(["bench-policies", "--policies", "never,psychic", "--out", str(tmp_path)]) == 2
    assert main(["bench-policies", "--policies", "perception", "--out", str(tmp_path)]) == 2


def test_a_custom_person_from_options():
    from humans.spec import HumanSpec

    env = gym.make("hrisim/ConfusionAssist-v0", **FAST)
    spec = HumanSpec(id="visitor", group="Visitor", age_years=40.0)
    _, info = env.reset(seed=0, options={"human": spec, "viewpoint": 4})
    assert info["human"] == "visitor" and info["group"] == "Visitor" and info["viewpoint"] == (0.0, 0.0, 1.3)
    with pytest.raises(ValueError, match="HumanSpec"):
        env.reset(seed=0, options={"human": 3})
    env.close()


def test_benchmark_refuses_an_unreachable_viewpoint_before_running():
    """A viewpoint the mast cannot reach for someone is an error naming them, before any episode."""
    from sim_env.envs.bench import check_reachable, episode_plan
    from sim_env.render.viewpoints import Viewpoint

    env = gym.make("hrisim/ConfusionAssist-v0", obs_type="state")
    try:
        humans = env.unwrapped.humans
        tallest = max(humans, key=lambda h: h.height)
        check_reachable(env, [(0, tallest, Viewpoint(0, 0, 1.3))])  # a frontal view is fine
        with pytest.raises(ValueError, match=tallest.id + ".*mast"):
            check_reachable(env, [(0, tallest, Viewpoint(0, 60, 1.3))])
        plan = episode_plan(humans, env.unwrapped.viewpoints, 4, seed=0)
        check_reachable(env, plan)
    finally:
        env.close()
