"""A random policy's episode as a video: the robot camera beside a third-person overview.

Run: python examples/env_random_video.py [out.mp4]
"""
import sys

import gymnasium as gym
import numpy as np

import sim_env  # noqa: F401
from sim_env.envs.policies import RandomHelp
from sim_env.render.media import label, write_mp4


def main(path: str = "out/env_random.mp4") -> None:
    from pathlib import Path

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    env = gym.make("hrisim/ConfusionAssist-v0", render_mode="rgb_array", width=256, height=256, episode_s=30.0,
                   render_camera="overview")
    policy = RandomHelp(p=0.03)
    policy.reset(1)
    obs, info = env.reset(seed=1)
    frames = []
    while True:
        action = policy.act(obs, info)
        obs, reward, terminated, truncated, info = env.step(action)
        text = f"{info['step'] / 10:4.1f}s {info['emotion']} {'HELP ' + info['outcome'] if action else ''}"
        frames.append(np.concatenate([label(obs, text), env.render()], axis=1))
        if terminated or truncated:
            break
    write_mp4(path, np.stack(frames), fps=env.metadata["render_fps"])
    print(path, info["episode_outcome"])
    env.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
