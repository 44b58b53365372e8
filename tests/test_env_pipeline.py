"""One pipeline: the environments draw people exactly as ``render_clip`` draws a dataset's clips, the
default configuration is reachable for every seed, and the idle person behaves like a person."""
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import sim_env  # noqa: F401
from animations.idle import IdleConfig, blinks_per_minute, idle_tracks
from sim_env.envs.motion import MotionConfig, leaving_root

STILL = MotionConfig(idle=None, look_at_robot=False)


def _env_and_clip(exposure: str):
    """The robot camera's frame of a person mid-signal, and render_clip's frame of the same person,
    AU state, camera pose, lighting and exposure setting."""
    from animations.library import get_signal
    from sim_env.render.camera import RobotCamera
    from sim_env.render.clip import render_clip

    env = gym.make("hrisim/HumanFace-v0", width=96, height=96, humans=("bal_m_asian_1",), viewpoints=[(20, 15)],
                   exposure=exposure, motion=STILL)
    obs, info = env.reset(seed=3, options={"signal": "anger_brow_lower_lip_tighten"})
    for _ in range(12):  # into the signal, still inside its onset
        obs, _, _, _, info = env.step(np.zeros(6, np.float32))
    base = env.unwrapped
    signal, frame = base._face()
    assert signal == "anger_brow_lower_lip_tighten" and frame > 0
    camera = RobotCamera(width=96, height=96, yfov_deg=base.config.yfov_deg, pose=base.world.camera_pose())
    clip = render_clip(base.human, get_signal(signal), [camera], n_frames=25, size=96, exposure=exposure)
    assert np.allclose(info["face_box"], clip.labels.face_boxes[0, frame], atol=0.05)
    assert info["au"] == {au: round(float(v[frame]), 6) for au, v in sorted(clip.labels.au_intensities.items())}
    ref = clip.frames[0, frame]
    x0, y0, x1, y1 = (int(round(v)) for v in info["face_box"])
    # The person's pixels of the face box (the box's corners show the room in the env, a flat
    # background in the clip: that is the scene, not the person), less the 2 px along the person's
    # outline, where the anti-aliasing filter mixes in whatever lies behind.
    from scipy.ndimage import binary_erosion

    person = ~np.all(np.abs(ref.astype(int) - ref[0, 0].astype(int)) < 3, axis=-1)
    person = binary_erosion(person, iterations=2)[y0:y1, x0:x1]
    env.close()
    return obs[y0:y1, x0:x1][person].astype(float), ref[y0:y1, x0:x1][person].astype(float)


def test_robot_camera_frame_equals_render_clip_in_the_face_box():
    seen, ref = _env_and_clip("fixed")
    mad = np.abs(seen - ref).mean()
    print(f"\nfixed exposure: env vs render_clip {mad:.2f} grey levels (mean absolute difference, face box)")
    assert mad < 2.0, f"env and render_clip differ by {mad:.2f} grey levels in the face box"


def test_face_exposure_differs_only_by_what_the_camera_meters():
    """With face-priority exposure the env's camera also meters its room (the clip's camera a flat
    background), so the two gains differ; once one gain is matched the pictures agree."""
    from sim_env.render.camera_model import display_decode, display_encode

    seen, ref = _env_and_clip("face")
    linear = lambda v: display_decode(v / 255.0, "aces")  # noqa: E731  (the exposed light, before the tone curve)
    gain = np.median(linear(seen) / np.maximum(linear(ref), 1e-4))
    matched = 255 * display_encode(linear(ref) * gain, "aces")
    mad = np.abs(seen - matched).mean()
    print(f"\nface exposure: gain ratio {gain:.3f}; after matching it {mad:.2f} grey levels")
    assert 0.5 < gain < 2.0 and mad < 4.0


def test_render_options_reach_the_environment():
    env = gym.make("hrisim/ConfusionAssist-v0", width=64, height=64, humans=("bal_f_black_1",), rig="arkit",
                   exposure="face", lighting="random:window", obs_type="state")
    options = env.unwrapped.options
    assert (options.exposure, options.rig, options.width) == ("face", "arkit", 64)
    with pytest.raises(ValueError, match="rig"):
        gym.make("hrisim/ConfusionAssist-v0", rig="blendshapes")
    env.close()


@pytest.mark.parametrize("env_id", ["hrisim/HumanFace-v0", "hrisim/ConfusionAssist-v0"])
def test_default_configuration_is_reachable_for_every_seed(env_id):
    """Every person of the default suite at every default viewpoint is within the robot's reach, so no
    seed can draw an unreachable pair; check_env passes on seeds 0-49 (state observations keep it
    fast; a rendered check_env runs in test_env_render)."""
    env = gym.make(env_id, obs_type="state")
    base = env.unwrapped
    base._check_reachable()  # all 24 people x 9 views
    for seed in range(50):
        env.reset(seed=seed)
        base.np_random  # noqa: B018
    check_env(base)
    env.close()


def test_an_unreachable_request_is_refused_when_made_naming_person_and_view():
    with pytest.raises(ValueError, match=r"person 'bal_f_black_1', viewpoint h\+0_v\+80"):
        gym.make("hrisim/ConfusionAssist-v0", humans=("bal_f_black_1",), viewpoints=[(0, 80)], obs_type="state")


def test_idle_rates_are_those_of_people_at_rest():
    """Blinks 10-28 per minute (Bentivoglio et al. 1997), head sway about a degree, gaze shifts of a
    few degrees separated by fixations of 0.2-1.5 s."""
    rates, sway, shifts = [], [], []
    for seed in range(8):
        tr = idle_tracks(seed, 6000, 0.1)  # ten minutes
        rates.append(blinks_per_minute(tr))
        sway.append(tr.head_deg.std(0))
        changes = np.flatnonzero(np.any(np.diff(tr.gaze_deg, axis=0) != 0, axis=1))
        shifts.append(np.diff(changes).mean() * 0.1)
    rate, head = float(np.mean(rates)), np.mean(sway, 0)
    print(f"\nidle: {rate:.1f} blinks/min; head sway std yaw/pitch/roll {head.round(2)} deg; "
          f"mean fixation {np.mean(shifts):.2f} s")
    assert 10 <= rate <= 28
    assert np.all((0.5 <= head) & (head <= 2.0))
    assert 0.2 <= np.mean(shifts) <= 1.5
    assert blinks_per_minute(idle_tracks(0, 6000, 0.1, IdleConfig(blinks_per_min=0))) == 0
    assert np.array_equal(idle_tracks(4, 50, 0.1).blink, idle_tracks(4, 50, 0.1).blink)


def test_the_person_blinks_and_sways_in_the_robot_camera():
    env = gym.make("hrisim/HumanFace-v0", width=64, height=64, humans=("bal_f_black_1",),
                   signals=("neutral",), viewpoints=[(0, 0)])
    obs, info = env.reset(seed=0)
    seen, boxes = [], []
    for _ in range(80):
        obs, _, _, _, info = env.step(np.zeros(6, np.float32))
        seen.append(info["idle"]["blink"])
        boxes.append(info["face_box"])
    assert max(seen) > 0.9, "no blink in 8 s"
    centre = np.asarray(boxes)[:, [0, 2]].mean(1)
    assert 0.05 < centre.std() < 3.0, "the head should sway by a pixel or so at 64 px, not jump"
    env.close()


def test_leaving_turns_and_walks_away():
    root = leaving_root(1.0)
    assert np.allclose(root[:3, :3] @ [0, -1, 0], [0, 1, 0], atol=1e-9)  # facing away
    assert root[1, 3] > 0.6 and np.allclose(leaving_root(0.0), np.eye(4))
