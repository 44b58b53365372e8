"""The closed-loop policy benchmark from Python (same as ``hrisim bench-policies``).

Run: python examples/env_benchmark.py [checkpoint_dir]
With a trained ExpressionRecognizer folder, the perception policy runs too (rendered episodes).
"""
import sys

from sim_env.envs.bench import BenchConfig, run_benchmark
from sim_env.envs.policies import PerceptionConfig, PerceptionPolicy, make_policy


def main(checkpoint: str | None = None) -> None:
    config = BenchConfig(episodes=24, episode_s=60.0, seed=0)
    policies = [make_policy(name, seed=config.seed) for name in config.policies]
    if checkpoint:
        policies.append(PerceptionPolicy.from_checkpoint(checkpoint, PerceptionConfig(threshold=0.6, smoothing=0.5)))
    out = run_benchmark(config, "out/bench_policies", policies=policies)
    print((out / "report.md").read_text())


if __name__ == "__main__":
    main(*sys.argv[1:])
