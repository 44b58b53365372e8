"""Rendered environments: check_env, seeded images, the face in view, vector envs. Needs EGL (Mesa)."""
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import sim_env  # noqa: F401
from sim_env.envs.policies import Oracle, PerceptionConfig, PerceptionPolicy

ONE = ("bal_f_black_1",)  # one person keeps the meshes cached across tests
SMALL = dict(width=64, height=64, humans=ONE)


@pytest.mark.parametrize("env_id, extra", [
    ("hrisim/HumanFace-v0", {}),
    ("hrisim/ConfusionAssist-v0", {}),
    ("hrisim/ConfusionAssist-v0", {"obs_type": "rgb_state", "camera_control": True}),
    ("hrisim/ConfusionAssist-v0", {"obs_type": "state"}),
])
def test_check_env(env_id, extra):
    env = gym.make(env_id, render_mode="rgb_array", **SMALL, **extra)
    check_env(env.unwrapped)
    env.close()


def test_same_seed_same_images_and_the_face_is_in_view():
    env = gym.make("hrisim/ConfusionAssist-v0", render_mode="rgb_array", **SMALL)
    runs = []
    for _ in range(2):
        obs, info = env.reset(seed=7, options={"viewpoint": (20, 15)})
        frames, rewards = [obs], []
        for a in [0] * 6 + [1] + [0] * 3:
            obs, r, *_ = env.step(a)
            frames.append(obs)
            rewards.append(r)
        runs.append((np.stack(frames), rewards, info))
    assert np.array_equal(runs[0][0], runs[1][0]) and runs[0][1] == runs[1][1]
    info = runs[0][2]
    x0, y0, x1, y1 = info["face_box"]
    assert info["face_visible"] and 0.25 * 64 < x1 - x0 < 0.9 * 64
    assert abs((x0 + x1) / 2 - 32) < 8 and abs((y0 + y1) / 2 - 32) < 12
    img = runs[0][0][0].astype(np.float32)
    face = img[int(y0):int(y1), int(x0):int(x1)]
    assert img.std() > 10 and np.abs(face.mean((0, 1)) - img[:4, :4].mean((0, 1))).max() > 10  # a face, not the wall
    assert env.render() is runs[0][0][-1] or np.array_equal(env.render(), runs[0][0][-1])
    env.close()


def test_sandbox_ground_truth_and_robot_motion():
    env = gym.make("hrisim/HumanFace-v0", render_mode="rgb_array", obs_type="rgb_state", **SMALL)
    obs, info = env.reset(seed=0, options={"signal": "confusion_brow_raise_jaw_drop", "viewpoint": (0, 0)})
    assert info["emotion"] == "confusion" and info["group"] == "Black" and info["viewpoint"] == (0.0, 0.0, 1.3)
    for _ in range(25):
        obs, r, term, trunc, info = env.step(np.zeros(6, np.float32))
    assert max(info["au"].values()) > 0.5 and r > 0.8  # the signal has reached its apex; face centred
    state0 = obs["state"].copy()
    for _ in range(5):
        obs, r, *_ , info = env.step(np.array([0, 0, 0, 0, 1.0, 0], np.float32))  # pan the head left
    assert obs["state"][4] > state0[4] + 0.3
    assert (info["face_box"][0] + info["face_box"][2]) / 2 > 40  # the face slides to the image's right
    for _ in range(40):
        obs, *_ = env.step(np.array([1.0, 0, 0, 0, 0, 0], np.float32))  # drive into the counter
    assert obs["state"][1] < -0.45 - 0.35 - 0.2 + 0.02  # stopped by the counter (its far edge - base radius)
    env.close()


def test_rendered_episode_with_oracle_and_perception():
    env = gym.make("hrisim/ConfusionAssist-v0", render_mode="rgb_array", episode_s=8.0, **SMALL)

    class Stream:
        def __init__(self):
            self.n = 0

        def push(self, frame):
            assert frame.shape == (64, 64, 3)
            self.n += 1
            return None if self.n < 5 else {"anger": 0.3, "confusion": 0.4, "disgust": 0.3}

    class Recognizer:
        classes = ("anger", "confusion", "disgust")

        def stream(self, window=25, stride=1):
            return Stream()

    for policy in (Oracle(), PerceptionPolicy(Recognizer(), PerceptionConfig(window=5))):
        policy.reset(3)
        obs, info = env.reset(seed=3)
        while True:
            obs, r, term, trunc, info = env.step(policy.act(obs, info))
            if term or trunc:
                break
        out = info["episode_outcome"]
        assert obs.shape == (64, 64, 3) and out["duration_s"] <= 8.0
    assert out["offers"] == 0  # p(confusion) 0.4 stays under the threshold
    env.close()


def test_async_vector_env_of_two():
    envs = gym.make_vec("hrisim/ConfusionAssist-v0", num_envs=2, vectorization_mode="async",
                        vector_kwargs={"context": "forkserver"}, episode_s=2.0, **SMALL)
    obs, info = envs.reset(seed=[1, 2])
    assert obs.shape == (2, 64, 64, 3) and obs.dtype == np.uint8
    for _ in range(25):  # crosses an episode end: autoreset
        obs, r, term, trunc, info = envs.step(np.array([0, 1]))
    assert obs.shape == (2, 64, 64, 3) and r.shape == (2,)
    envs.close()


def test_sync_vector_env_shares_a_process():
    envs = gym.make_vec("hrisim/ConfusionAssist-v0", num_envs=2, vectorization_mode="sync", episode_s=2.0, **SMALL)
    obs, _ = envs.reset(seed=5)
    obs2, *_ = envs.step(np.array([0, 0]))
    assert obs.shape == (2, 64, 64, 3) and obs2.std() > 10
    envs.close()
