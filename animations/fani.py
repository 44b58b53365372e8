"""FACSHuman ``.fani`` timelines: import (tolerant of real files' flaws) and export.

A ``.fani`` file is JSON ``{AU key: {event id: {image_start, apex_start, apex_stop, image_stop,
intensity_start, apex_intensity_start, apex_intensity_stop, intensity_stop}}}``. It carries no name
or label, so the timeline id is the file stem and the emotion comes from the paper's filename
suffix (``_ANGR`` anger, ``_CONF``/``_conf`` confusion, ``_DISG`` disgust; else ``unknown``).

Real files are imperfect and are accepted:

* numbers given as strings (older FACSHuman versions wrote ``"0.5"``) are read as numbers;
* a time outside [0, 1] (the paper's files have -0.01 and 1.01) is moved to the bound and its
  intensity replaced by the event's own curve value at that bound, so the curve inside [0, 1],
  which is all that FACSHuman ever samples, is unchanged; where the curve does not reach the
  bound the intensity is kept;
* an intensity outside [0, 1] is clipped to it.

Each file with clipped values gives exactly one warning (:class:`FaniClipWarning`) that names the
file and lists what was changed. Event ids are kept, so read -> write -> read is lossless.
"""
from __future__ import annotations

import hashlib
import json
import math
import warnings
from pathlib import Path

import numpy as np

from .catalogue import resolve_key
from .errors import AnimationError, UnknownFieldWarning
from .files import load_json, read_text, write_text_atomic
from .timeline import CONTROL_FIELDS, INTENSITY_FIELDS, TIME_FIELDS, AUEvent, AUTimeline, evaluate_control_points

EMOTION_SUFFIXES = {"angr": "anger", "conf": "confusion", "disg": "disgust"}

# FACSHuman's own field order, used on export so files diff cleanly against FACSHuman's.
_FANI_FIELD_ORDER = (
    "image_start", "image_stop", "intensity_start", "intensity_stop",
    "apex_start", "apex_stop", "apex_intensity_start", "apex_intensity_stop",
)


class FaniClipWarning(UserWarning):
    """A .fani file had times or intensities outside [0, 1] that were clipped on import."""


def emotion_from_name(stem: str) -> str:
    """The emotion encoded by the paper's filename suffix, or ``unknown``."""
    suffix = stem.rsplit("_", 1)[-1].lower() if "_" in stem else ""
    return EMOTION_SUFFIXES.get(suffix, "unknown")


def read_fani(path: str | Path) -> AUTimeline:
    """Import a FACSHuman ``.fani`` file (see the module docstring for what is accepted)."""
    path = Path(path)
    data = load_json(read_text(path, what=".fani file"), path, what=".fani JSON", constants=True)
    if not isinstance(data, dict):
        raise AnimationError(f"{path}: expected a JSON object of AU key -> events, got {type(data).__name__}")
    clipped: list[str] = []
    unknown: list[str] = []
    events = []
    for key, by_id in data.items():
        try:
            resolve_key(key)
        except AnimationError as err:
            raise AnimationError(f"{path}: {err}") from None
        if not isinstance(by_id, dict):
            raise AnimationError(f"{path}: AU key {key!r}: expected an object of event id -> control points")
        events.append((key, tuple(_read_event(path, key, eid, raw, clipped, unknown) for eid, raw in by_id.items())))
    if unknown:
        warnings.warn(f"{path}: ignored {len(unknown)} unknown field(s): " + "; ".join(unknown[:10]),
                      UnknownFieldWarning, stacklevel=2)
    if clipped:
        warnings.warn(
            f"{path}: clipped {len(clipped)} value(s) outside [0, 1]: " + "; ".join(clipped),
            FaniClipWarning,
            stacklevel=2,
        )
    return AUTimeline(id=path.stem, emotion=emotion_from_name(path.stem), events=tuple(events), source=str(path))


def _read_event(path: Path, key: str, event_id: str, raw: object, clipped: list[str],
                unknown: list[str]) -> AUEvent:
    where = f"{path}: AU key {key!r}, event {event_id!r}"
    if not isinstance(raw, dict):
        raise AnimationError(f"{where}: expected an object with fields {list(CONTROL_FIELDS)}")
    unknown.extend(f"{key} event {event_id} field {name!r}" for name in raw if name not in CONTROL_FIELDS)
    numbers = {}
    for name in CONTROL_FIELDS:
        if name not in raw:
            raise AnimationError(f"{where}: missing field {name!r} (a .fani event needs {list(CONTROL_FIELDS)})")
        numbers[name] = _number(raw[name], f"{where}, field {name!r}")
    times = [numbers[n] for n in TIME_FIELDS]
    levels = [numbers[n] for n in INTENSITY_FIELDS]
    new_times, new_levels = clip_event(times, levels)
    for names, old, new in ((TIME_FIELDS, times, new_times), (INTENSITY_FIELDS, levels, new_levels)):
        for name, a, b in zip(names, old, new):
            if a != b:
                clipped.append(f"{key} event {event_id} {name} {a:g} -> {b:g}")
    return AUEvent(*new_times, *new_levels, event_id=str(event_id))


def clip_event(times: list[float], levels: list[float]) -> tuple[list[float], list[float]]:
    """Bring one event's control points into [0, 1] without changing its curve inside [0, 1]."""
    new_times = [min(max(t, 0.0), 1.0) for t in times]
    new_levels = list(levels)
    for k, (old, new) in enumerate(zip(times, new_times)):
        if old != new:
            covered, value = evaluate_control_points(times, levels, np.array([new]))
            if covered[0]:
                new_levels[k] = float(value[0])
    return new_times, [min(max(v, 0.0), 1.0) for v in new_levels]


def _number(value: object, where: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise AnimationError(f"{where}: expected a number, got the string {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AnimationError(f"{where}: expected a number, got {value!r}")
    if not math.isfinite(value):
        raise AnimationError(f"{where}: expected a finite number, got {value!r}")
    return float(value)


def fani_event_id(timeline_id: str, key: str, index: int) -> str:
    """A deterministic 16-hex-digit event id in FACSHuman's style, for events that have none."""
    digest = hashlib.sha1(f"{timeline_id}\0{key}\0{index}".encode()).hexdigest()
    return digest[:16].upper()


def fani_dict(timeline: AUTimeline) -> dict:
    """The ``.fani`` JSON structure of ``timeline`` (ids kept, missing ones generated)."""
    data: dict = {}
    for key, evs in timeline.events:
        used = {e.event_id for e in evs if e.event_id is not None}
        by_id: dict = {}
        for index, event in enumerate(evs):
            event_id = event.event_id or _fresh_id(timeline.id, key, index, used)
            used.add(event_id)
            by_id[event_id] = {name: getattr(event, name) for name in _FANI_FIELD_ORDER}
        data[key] = by_id
    return data


def _fresh_id(timeline_id: str, key: str, index: int, used: set[str]) -> str:
    salt = index
    while (candidate := fani_event_id(timeline_id, key, salt)) in used:
        salt += 1000
    return candidate


def write_fani(timeline: AUTimeline, path: str | Path) -> Path:
    """Export ``timeline`` as a ``.fani`` file FACSHuman can load (written atomically)."""
    path = Path(path)
    write_text_atomic(path, json.dumps(fani_dict(timeline), indent=4) + "\n")
    return path
