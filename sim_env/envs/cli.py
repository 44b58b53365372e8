"""``hrisim bench-policies``: the closed-loop benchmark of help policies (imports nothing heavy here)."""
from __future__ import annotations


def _cmd_bench(args) -> int:
    from sim_env.envs.bench import BenchConfig, run_benchmark
    from sim_env.envs.policies import BASELINES, PerceptionConfig, PerceptionPolicy, make_policy

    from hrisim.errors import UsageError
    from sim_env.cli import did_you_mean

    names = tuple(p.strip() for p in args.policies.split(",") if p.strip())
    for name in names:
        if name not in (*BASELINES, "perception"):
            raise UsageError(did_you_mean("policy", name, (*BASELINES, "perception")))
    if "perception" in names and not args.checkpoint:
        raise UsageError("policy 'perception' needs --checkpoint (a trained ExpressionRecognizer folder)")
    config = BenchConfig(episodes=args.episodes, seed=args.seed, suite=args.suite, viewpoints=args.viewpoints,
                         distance=args.distance, episode_s=args.episode_s, size=args.size, policies=names,
                         checkpoint=args.checkpoint, render_all=args.render_all, backend=args.backend,
                         ray_address=args.ray_address, workers=args.workers)
    perception = PerceptionConfig(threshold=args.threshold, smoothing=args.smoothing, min_steps=args.min_steps,
                                  cooldown_s=args.cooldown_s, window=args.window, stride=args.stride)
    policies = [PerceptionPolicy.from_checkpoint(args.checkpoint, perception) if n == "perception"
                else make_policy(n, seed=args.seed) for n in names]
    out = run_benchmark(config, args.out, policies=policies)
    print((out / "report.md").resolve())
    return 0


def register(sub, groups) -> None:
    p = sub.add_parser("bench-policies", help="closed-loop benchmark of help policies on hrisim/ConfusionAssist-v0 "
                       "(success, precision, recall, latency, interruptions; per group and viewpoint)")
    p.add_argument("--out", default="out/bench_policies", help="report folder (default: out/bench_policies)")
    p.add_argument("--policies", default="never,always,random,oracle",
                   help="comma-separated: never, always, random, oracle, perception (default: the four baselines)")
    p.add_argument("--checkpoint", default=None, help="ExpressionRecognizer checkpoint folder (perception policy)")
    p.add_argument("--episodes", type=int, default=24, help="episodes per policy (default 24: 6 per group)")
    p.add_argument("--episode-s", type=float, default=60.0, help="episode length in seconds (default 60)")
    p.add_argument("--suite", default="balanced24", help="humans suite (default balanced24)")
    p.add_argument("--viewpoints", default="paper9", help="paper9 | grid:H,..;V,.. | random:N (default paper9)")
    p.add_argument("--distance", type=float, default=1.3, help="camera distance to the face, m (default 1.3)")
    p.add_argument("--size", type=int, default=160, help="camera image size in pixels (default 160)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--render-all", action="store_true", help="render images for every policy, not only perception")
    p.add_argument("--backend", choices=["local", "ray"], default="local",
                   help="local (default): episodes in this process | ray: one Ray task per episode "
                   "(pip install 'hrisim[ray]'); the same figures either way")
    p.add_argument("--ray-address", default=None,
                   help="with --backend ray: auto | HOST:PORT of a running Ray cluster (default: start a local Ray)")
    p.add_argument("--workers", type=int, default=None, help="with --backend ray: CPUs of the local Ray (default: every core)")
    p.add_argument("--threshold", type=float, default=0.6, help="perception: p(confusion) threshold")
    p.add_argument("--smoothing", type=float, default=0.5, help="perception: EMA weight of the newest window")
    p.add_argument("--min-steps", type=int, default=3, help="perception: consecutive steps above threshold")
    p.add_argument("--cooldown-s", type=float, default=6.0, help="perception: seconds between offers")
    p.add_argument("--window", type=int, default=25, help="perception: frames per classifier window")
    p.add_argument("--stride", type=int, default=1, help="perception: classify every N frames")
    p.set_defaults(func=_cmd_bench)
