"""The built-in library of social signals: the paper's 21 AU animations, plus ``neutral``.

Each signal is an authored YAML file in hrisim's native format under ``animations/data/signals``
(shipped as package data). The 21 emotional ones reproduce the Sim2Real paper's FACSHuman files
(named in their ``source`` field): sampled at 25 frames, each AU key's curve equals the paper
file's, as imported by :func:`animations.fani.read_fani`, within 1e-6. The paper files themselves
are not shipped. ``neutral`` has no AU events: a still face, the case the paper's set lacked.
"""
from __future__ import annotations

import functools
from importlib import resources

from .errors import AnimationError
from .native import parse_native
from .timeline import AUTimeline

_PACKAGE = "animations.data.signals"


@functools.lru_cache(maxsize=1)
def _load_all() -> tuple[tuple[str, AUTimeline], ...]:
    folder = resources.files(_PACKAGE)
    entries = sorted((e for e in folder.iterdir() if e.name.endswith(".yaml")), key=lambda e: e.name)
    signals = []
    for entry in entries:
        timeline = parse_native(entry.read_text(encoding="utf-8"), f"{_PACKAGE}/{entry.name}", ".yaml")
        if f"{timeline.id}.yaml" != entry.name:
            raise AnimationError(f"{_PACKAGE}/{entry.name}: id {timeline.id!r} does not match the file name")
        signals.append((timeline.id, timeline))
    return tuple(signals)


def builtin_signals() -> dict[str, AUTimeline]:
    """All built-in signals by id, sorted by id (anger_*, confusion_*, disgust_*, neutral)."""
    return dict(_load_all())


def paper_signals() -> dict[str, AUTimeline]:
    """The 21 signals that reproduce the paper's animations (all but ``neutral``)."""
    return {sid: s for sid, s in _load_all() if s.source}


def get_signal(signal_id: str) -> AUTimeline:
    """One built-in signal; an AnimationError listing the ids when there is no such signal."""
    signals = builtin_signals()
    try:
        return signals[signal_id]
    except KeyError:
        raise AnimationError(f"no built-in signal {signal_id!r}; known ids: {', '.join(signals)}") from None


def signals_for(emotion: str) -> dict[str, AUTimeline]:
    """The built-in signals labelled ``emotion`` (e.g. the 7 of ``confusion``), by id."""
    found = {sid: s for sid, s in _load_all() if s.emotion == emotion}
    if not found:
        emotions = sorted({s.emotion for _, s in _load_all()})
        raise AnimationError(f"no built-in signal has emotion {emotion!r}; emotions: {emotions}")
    return found
