"""Registers hrisim's environments with Gymnasium (string entry points: importing this is cheap)."""
from __future__ import annotations

import gymnasium

ENV_IDS = ("hrisim/HumanFace-v0", "hrisim/ConfusionAssist-v0")


def register_envs() -> None:
    registered = gymnasium.registry
    if "hrisim/HumanFace-v0" not in registered:
        gymnasium.register(id="hrisim/HumanFace-v0", entry_point="sim_env.envs.human_face:HumanFaceEnv")
    if "hrisim/ConfusionAssist-v0" not in registered:
        gymnasium.register(id="hrisim/ConfusionAssist-v0",
                           entry_point="sim_env.envs.confusion_assist:ConfusionAssistEnv")


register_envs()
