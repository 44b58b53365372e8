"""Compatibility alias: ``sim_env.viewpoints`` moved to ``sim_env.render.viewpoints``."""
from sim_env.render.viewpoints import Viewpoint, grid, paper9, parse_viewpoints, random_viewpoints  # noqa: F401

__all__ = ["Viewpoint", "grid", "paper9", "parse_viewpoints", "random_viewpoints"]
