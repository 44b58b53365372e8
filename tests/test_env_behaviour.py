"""The person's behaviour model: its statistics follow its configuration (render-free, fast)."""
import numpy as np
import pytest

from sim_env.envs.behaviour import BehaviourConfig, HumanBehaviour

SIGNALS = {"anger": ["a1", "a2"], "confusion": ["c1", "c2", "c3"], "disgust": ["d1"]}


def run(config, seed, policy="never", steps=600):
    model = HumanBehaviour(config, SIGNALS)
    model.reset(seed)
    results = []
    for _ in range(steps):
        s = model.state
        help = policy == "always" or (policy == "oracle" and s.confused)
        results.append(model.step(help))
        if model.left:
            break
    return model, results


def test_config_is_validated():
    with pytest.raises(ValueError, match="p_leave"):
        BehaviourConfig(p_leave=1.5)
    with pytest.raises(ValueError, match="neutral_s"):
        BehaviourConfig(neutral_s=(3.0, 1.0))
    with pytest.raises(ValueError, match="distractors"):
        BehaviourConfig(distractors=("confusion",))
    with pytest.raises(ValueError, match="no signals"):
        HumanBehaviour(BehaviourConfig(), {"confusion": ["c1"]})


def test_statistics_match_the_configuration():
    cfg = BehaviourConfig(p_confusion=0.3, p_leave=0.25, neutral_s=(1.0, 3.0), confusion_s=(2.0, 4.0),
                          unattended_extra_s=(1.0, 2.0), distractor_s=(1.0, 2.0))
    events, neutral_gaps = [], []
    for seed in range(150):
        model, _ = run(cfg, seed, "never", steps=400)
        events += model.events
        for prev, nxt in zip(model.events, model.events[1:]):
            neutral_gaps.append(nxt.start - prev.end)
    closed = [e for e in events if e.end is not None]
    conf = [e for e in closed if e.is_confusion]
    dist = [e for e in closed if not e.is_confusion]
    assert len(closed) > 1000
    assert abs(len([e for e in events if e.is_confusion]) / len(events) - cfg.p_confusion) < 0.04
    assert {e.kind for e in dist} == {"anger", "disgust"}
    assert abs(np.mean([e.kind == "anger" for e in dist]) - 0.5) < 0.05
    # unattended confusion lasts base + extra; distractors their own range; gaps are neutral spells
    conf_s = np.array([(e.end - e.start) * cfg.dt for e in conf])
    assert abs(conf_s.mean() - (3.0 + 1.5)) < 0.12 and conf_s.min() >= 3.0 - 1e-9 and conf_s.max() <= 6.0 + 1e-9
    dist_s = np.array([(e.end - e.start) * cfg.dt for e in dist])
    assert abs(dist_s.mean() - 1.5) < 0.06
    gaps = np.array(neutral_gaps) * cfg.dt
    assert abs(gaps.mean() - 2.0) < 0.08 and gaps.min() >= 1.0 - 1e-9
    leave = np.mean([e.outcome == "left" for e in conf])
    assert abs(leave - cfg.p_leave) < 0.06
    assert {e.outcome for e in conf} <= {"left", "subsided"}


def test_help_resolves_confusion_and_costs_elsewhere():
    cfg = BehaviourConfig()
    model, results = run(cfg, 3, "oracle")
    conf = [e for e in model.events if e.is_confusion and e.end is not None]
    assert conf and all(e.outcome == "helped" and e.end == e.helped_at + 1 for e in conf)
    assert not any(r.interrupted for r in results) and not model.left
    model, results = run(cfg, 3, "always")
    assert sum(r.interrupted for r in results) > 0.9 * len(results) - len(conf)
    assert all(e.helped_at == e.start for e in model.events if e.is_confusion and e.end is not None)


def test_help_soon_after_confusion_still_counts():
    cfg = BehaviourConfig(p_confusion=1.0, p_leave=0.0, grace_s=1.0)
    model = HumanBehaviour(cfg, SIGNALS)
    model.reset(0)
    while not (model.events and model.events[0].end is not None):
        model.step(False)
    ev = model.events[0]
    assert ev.outcome == "subsided" and not model.state.confused
    assert model.step(True).helped and ev.outcome == "helped"
    assert model.step(True).interrupted  # only once


def test_seeded_and_same_events_for_every_policy():
    cfg = BehaviourConfig()
    a, _ = run(cfg, 11, "never")
    b, _ = run(cfg, 11, "never")
    c, _ = run(cfg, 11, "oracle")
    assert [(e.kind, e.signal_id, e.start, e.end) for e in a.events] == [(e.kind, e.signal_id, e.start, e.end) for e in b.events]
    n = min(len(a.events), len(c.events))
    assert [(e.kind, e.signal_id) for e in a.events[:n]] == [(e.kind, e.signal_id) for e in c.events[:n]]
    assert a.events[0].start == c.events[0].start


def test_face_plays_onset_then_holds_then_fades():
    cfg = BehaviourConfig(p_confusion=1.0, p_leave=0.0)
    model = HumanBehaviour(cfg, SIGNALS)
    model.reset(5)
    frames = []
    for _ in range(200):
        s = model.state
        frames.append((s.emotion, s.frame))
        model.step(False)
    first = [f for e, f in frames if e == "confusion"]
    onset = cfg.steps(cfg.onset_s)
    assert first[0] == 0 and first[onset - 1] == 24 and first[onset + 5] == 24
    assert np.all(np.diff(first[:onset]) >= 0)
