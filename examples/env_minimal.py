"""The smallest closed loop: make the task, reset with a seed, step until the episode ends.

Run: python examples/env_minimal.py
"""
import gymnasium as gym

import sim_env  # noqa: F401  (registers the hrisim/* environment ids)


def main() -> None:
    env = gym.make("hrisim/ConfusionAssist-v0", width=160, height=160, episode_s=20.0)
    obs, info = env.reset(seed=0)
    print(f"person {info['human']} ({info['group']}), viewpoint {info['viewpoint']}, image {obs.shape}")
    total = 0.0
    while True:
        action = 1 if info["confused"] else 0  # the oracle: reads the ground truth in info
        obs, reward, terminated, truncated, info = env.step(action)
        total += reward
        if info["outcome"] != "none":
            print(f"t={info['step'] / 10:5.1f} s  {info['outcome']:12s} reward {reward:+.2f}")
        if terminated or truncated:
            break
    print("episode:", info["episode_outcome"], f"return {total:.2f}")
    env.close()


if __name__ == "__main__":
    main()
