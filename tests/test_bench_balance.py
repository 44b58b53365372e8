"""bench-policies' plan is balanced over viewpoints by construction, says when it cannot be, and its
plots carry the 95 % intervals of summary.csv."""
from humans.suites import load_suite
from sim_env.envs.bench import episode_plan, plan_warnings, summarise
from sim_env.render.viewpoints import paper9


def test_few_episodes_already_spread_over_viewpoints_and_groups():
    humans, views = load_suite("balanced24"), paper9()
    plan = episode_plan(humans, views, 4, seed=0)
    assert len({v for _, _, v in plan}) == 4 and len({h.group for _, h, _ in plan}) == 4
    plan = episode_plan(humans, views, 72, seed=0)
    per_view = [sum(v == w for _, _, v in plan) for w in views]
    assert per_view == [8] * 9
    assert len({(h.group, v) for _, h, v in plan}) == 36  # every group meets every view


def test_unbalanced_or_empty_plans_are_named():
    views = paper9()
    assert plan_warnings(episode_plan(load_suite("balanced24"), views, 36, 0), 4, 9) == []
    warnings = plan_warnings(episode_plan(load_suite("balanced24"), views, 6, 0), 4, 9)
    assert any("split evenly over 4 groups" in w for w in warnings) and any("only 6 of 9 viewpoints" in w for w in warnings)
    assert plan_warnings([], 4, 9) == ["the plan has no episodes"]


def test_summary_has_intervals_for_the_plotted_rates():
    rows = [{"policy": "p", "latency_s": "[]", "offers": 4, "helped": 3, "confusions": 5, "success": s, "interruptions": 0,
             "duration_s": 60.0, "left": False, "return": 0.0} for s in (True, False)]
    s = summarise(rows).iloc[0]
    for name, value in (("success", 0.5), ("precision", 0.75), ("recall", 0.6)):
        assert s[f"{name}_ci_low"] < value < s[f"{name}_ci_high"]
