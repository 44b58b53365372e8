"""Compatibility alias: ``sim_env.clip`` moved to ``sim_env.render.clip`` (kept for existing scripts)."""
from sim_env.render.clip import Clip, ClipLabels, render_clip  # noqa: F401

__all__ = ["Clip", "ClipLabels", "render_clip"]
