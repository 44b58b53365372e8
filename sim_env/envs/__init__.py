"""Gymnasium HRI environments. Importing ``sim_env`` registers them; pybullet, GL and anny load only
when an environment is made.

``hrisim/HumanFace-v0``  sandbox: a person (suite or ``options["human"]``) plays a signal on a loop;
    action Box(-1, 1, (6,)): base forward/left/turn, mast lift, head pan/tilt velocities;
    info: emotion, signal, AU intensities, face box, viewpoint, group; reward: face framing.
``hrisim/ConfusionAssist-v0``  the task: notice confusion, offer help, do not pester;
    action Discrete(2) wait/help (Discrete(6) with ``camera_control=True``: + head nudges);
    reward and outcome: see ``sim_env.envs.confusion_assist``.

Both: observation Box(0, 255, (H, W, 3), uint8) (``obs_type="rgb"``), Dict(image, state)
(``"rgb_state"``) or the robot state alone without rendering (``"state"``, for ground-truth policies);
``render_mode="rgb_array"``; ``metadata["render_fps"] = 1 / dt``; options by keyword:
``gymnasium.make(id, width=64, height=64, humans=("bal_f_black_1",), viewpoints="paper9", ...)``
(see ``EnvConfig`` and the env's own config dataclass). reset options: ``human`` (id),
``viewpoint`` ((h, v[, d]), a Viewpoint or an index), ``signal`` (a built-in signal id).
Async vector envs: each worker makes its own GL context lazily; ``context="forkserver"`` is safest.
"""
from sim_env.envs.registration import ENV_IDS, register_envs

__all__ = ["ENV_IDS", "register_envs"]
