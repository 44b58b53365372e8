"""FACS action units for hrisim: catalogue, timelines, ``.fani`` import/export, signals, rigs.

Imports nothing of ``humans``, ``sim_env``, ``perception`` or ``training`` (numpy and PyYAML only),
so timelines can be authored, checked and sampled without the 3D stack.
"""
from __future__ import annotations

from .catalogue import CATALOGUE, ActionUnit, AUKey, resolve_key
from .errors import AnimationError
from .fani import FaniClipWarning, read_fani, write_fani
from .formats import load_timeline, save_timeline
from .library import builtin_signals, get_signal, paper_signals, signals_for
from .rigs import RigFrames, get_rig
from .timeline import AUEvent, AUTimeline

__all__ = [
    "CATALOGUE", "ActionUnit", "AUKey", "resolve_key", "AnimationError", "FaniClipWarning",
    "read_fani", "write_fani", "load_timeline", "save_timeline", "builtin_signals", "get_signal",
    "paper_signals", "signals_for", "RigFrames", "get_rig", "AUEvent", "AUTimeline",
]
