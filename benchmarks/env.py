"""Environment benchmark: ConfusionAssist-v0 steps/s with rendering, 160 and 256 px, one env and a vector of 2.

Run: python benchmarks/env.py [--one-core] [--steps 300]   (prints a table; not a test)

Each figure is measured after a warm-up (the person's body and the first signals' meshes built),
over ``--steps`` steps of the oracle policy, so it includes expression changes (one batched mesh
per new (person, signal), cached) and pybullet stepping, but not building a new person (~1-3 s,
once per person and process). ``--one-core`` pins the process (and Mesa's llvmpipe) to one CPU. "Steps per CPU-second" divides
by the CPU time the process used (all its threads), i.e. the rate of one dedicated core, which stays
meaningful on a machine shared with other jobs; wall-clock figures do not.
"""
from __future__ import annotations

import argparse
import os
import sys
import time


def _bench_single(size: int, steps: int) -> tuple[float, float]:
    """(steps per wall-clock second, steps per CPU second of this process: one busy core's rate)."""
    import gymnasium as gym
    import numpy as np

    env = gym.make("hrisim/ConfusionAssist-v0", width=size, height=size, humans=("bal_f_black_1",), episode_s=1e4)
    obs, info = env.reset(seed=0)

    def run(n):
        nonlocal obs, info
        for _ in range(n):  # the oracle: the person is answered and stays
            obs, _, term, trunc, info = env.step(int(info["confused"]))
            if term or trunc:
                obs, info = env.reset()

    run(60)
    t0, c0 = time.perf_counter(), time.process_time()
    run(steps)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert obs.shape == (size, size, 3) and np.asarray(obs).std() > 5
    env.close()
    return steps / dt, steps / cpu


def _bench_vector(size: int, steps: int, mode: str) -> float:
    import gymnasium as gym
    import numpy as np

    kwargs = {"context": "forkserver"} if mode == "async" else {}
    envs = gym.make_vec("hrisim/ConfusionAssist-v0", num_envs=2, vectorization_mode=mode, vector_kwargs=kwargs,
                        width=size, height=size, humans=("bal_f_black_1",), episode_s=1e4)
    _, info = envs.reset(seed=0)

    def run(n):
        nonlocal info
        for _ in range(n):  # the oracle on both; autoreset handles episode ends
            _, _, _, _, info = envs.step(np.asarray(info["confused"], np.int64))

    run(60)
    t0 = time.perf_counter()
    run(steps)
    dt = time.perf_counter() - t0
    envs.close()
    return 2 * steps / dt


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--one-core", action="store_true", help="pin to CPU 0 and run llvmpipe single-threaded")
    parser.add_argument("--sizes", default="160,256")
    args = parser.parse_args(argv)
    if args.one_core:
        from sim_env.render.renderer import llvmpipe_threads

        os.environ["LP_NUM_THREADS"] = llvmpipe_threads(1)  # read by Mesa when it loads
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import sim_env  # noqa: F401

    print(f"cpus available: {len(os.sched_getaffinity(0))}, LP_NUM_THREADS={os.environ.get('LP_NUM_THREADS', 'auto')}")
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    print("| size | single env steps/s (wall) | single env steps per CPU-second | sync vector of 2 (env-steps/s) "
          "| async vector of 2 (env-steps/s) |")
    print("|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        single, per_cpu = _bench_single(size, args.steps)
        sync = _bench_vector(size, args.steps // 2, "sync")
        asyn = _bench_vector(size, args.steps // 2, "async")
        print(f"| {size} | {single:.1f} | {per_cpu:.1f} | {sync:.1f} | {asyn:.1f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
