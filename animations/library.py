"""The built-in library of social signals: the paper's 21 AU animations, plus ``neutral``.

Each signal is an authored YAML file in hrisim's native format under ``animations/data/signals``
(shipped as package data). The 21 emotional ones reproduce the Sim2Real paper's FACSHuman files
(named in their ``source`` field): sampled at 25 frames, each AU key's curve equals the paper
file's, as imported by :func:`animations.fani.read_fani`, within 1e-6. The paper files themselves
are not shipped. ``neutral`` has no AU events: a still face, the case the paper's set lacked.

Beside them, :func:`prototype_signals` are prototypes from the FACS/EMFACS literature (ids
``proto_*``, files under ``animations/data/prototypes``; each cites its source in its description):
anger 4+5+7+23 and its 17+24 and 10+23+25+26 variants, disgust 9+15+16+25, 9+10+25 and 10+17,
confusion 4+7 with a head tilt, gaze aversion or a lip press. Each AU rises over the first 36 % of
the clip to its apex and holds it. ``intensity`` scales every AU's curve (1 = the authored apex,
mostly the FACS E intensity). They are not part of :func:`builtin_signals`, so the paper's
dataset, the environments and their seeds are unchanged by them.
"""
from __future__ import annotations

import functools
from importlib import resources

from .errors import AnimationError
from .native import parse_native
from .timeline import AUTimeline

_PACKAGE = "animations.data.signals"
_PROTOTYPES = "animations.data.prototypes"


@functools.lru_cache(maxsize=2)
def _load_all(package: str = _PACKAGE) -> tuple[tuple[str, AUTimeline], ...]:
    folder = resources.files(package)
    entries = sorted((e for e in folder.iterdir() if e.name.endswith(".yaml")), key=lambda e: e.name)
    signals = []
    for entry in entries:
        timeline = parse_native(entry.read_text(encoding="utf-8"), f"{package}/{entry.name}", ".yaml")
        if f"{timeline.id}.yaml" != entry.name:
            raise AnimationError(f"{package}/{entry.name}: id {timeline.id!r} does not match the file name")
        signals.append((timeline.id, timeline))
    return tuple(signals)


def builtin_signals() -> dict[str, AUTimeline]:
    """All built-in signals by id, sorted by id (anger_*, confusion_*, disgust_*, neutral)."""
    return dict(_load_all())


def paper_signals() -> dict[str, AUTimeline]:
    """The 21 signals that reproduce the paper's animations (all but ``neutral``)."""
    return {sid: s for sid, s in _load_all() if s.source}


def with_intensity(timeline: AUTimeline, intensity: float) -> AUTimeline:
    """``timeline`` with every AU curve scaled by ``intensity`` in [0, 1] (its timing unchanged)."""
    from dataclasses import replace

    from .timeline import check_unit_interval

    k = check_unit_interval("intensity", intensity)
    if k == 1.0:
        return timeline
    events = tuple(
        (key, tuple(replace(e, intensity_start=e.intensity_start * k, apex_intensity_start=e.apex_intensity_start * k,
                            apex_intensity_stop=e.apex_intensity_stop * k, intensity_stop=e.intensity_stop * k)
                    for e in evs))
        for key, evs in timeline.events
    )
    return replace(timeline, events=events)


def prototype_signals(intensity: float = 1.0) -> dict[str, AUTimeline]:
    """The FACS/EMFACS prototypes (``proto_*``) by id, each scaled by ``intensity`` (module docstring)."""
    return {sid: with_intensity(s, intensity) for sid, s in _load_all(_PROTOTYPES)}


def named_signals() -> dict[str, AUTimeline]:
    """Every signal a user can name by id: the built-in ones, then the prototypes (``proto_*``)."""
    return {**builtin_signals(), **dict(_load_all(_PROTOTYPES))}


def get_signal(signal_id: str, intensity: float = 1.0) -> AUTimeline:
    """One built-in or prototype signal, scaled by ``intensity``; an AnimationError listing the ids
    when there is no such signal."""
    signals = named_signals()
    try:
        return with_intensity(signals[signal_id], intensity)
    except KeyError:
        raise AnimationError(f"no built-in signal {signal_id!r}; known ids: {', '.join(signals)}") from None


def signals_for(emotion: str) -> dict[str, AUTimeline]:
    """The built-in signals labelled ``emotion`` (e.g. the 7 of ``confusion``), by id."""
    found = {sid: s for sid, s in _load_all() if s.emotion == emotion}
    if not found:
        emotions = sorted({s.emotion for _, s in _load_all()})
        raise AnimationError(f"no built-in signal has emotion {emotion!r}; emotions: {emotions}")
    return found
