"""hrisim's own, human-readable timeline format (YAML, or the same structure in JSON).

Why a format of our own: ``.fani`` has no room for a name, an emotion label, a description or
provenance, and its random event ids make authored files hard to read. Example::

    id: confusion_eyes_left_right
    emotion: confusion
    description: brows lowered while the gaze shifts left then right
    source: eyesRL_conf.fani                # optional: what this reproduces / where it came from
    aus:                                    # FACSHuman keys, see animations.catalogue
      '4':
      - times: [0.0, 0.089, 0.248, 0.258]   # image_start, apex_start, apex_stop, image_stop
        intensities: [0.0, 0.33, 0.66, 1.0] # intensity at each of those four times
      '61':
      - {times: [0.0, 0.061, 0.103, 0.224], intensities: [0.046, 0.33, 0.66, 1.0]}
      - {times: [0.28, 0.397, 0.435, 0.5], intensities: [1.0, 0.66, 0.33, 0.0], id: FA1CF2654FF76A11}

Rules: ``id``, ``emotion`` and ``aus`` are required; ``description`` and ``source`` optional; no
other top-level fields. Each event has ``times`` and ``intensities`` (4 numbers each, all in
[0, 1]) and an optional ``id`` (a FACSHuman event id, kept for ``.fani`` export). Keys keep their
order; events of a key are in playing order (later ones win where they overlap). Unlike the
``.fani`` importer, nothing is clipped here: an out-of-range number is an error.
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from .files import load_json, load_yaml, read_text, write_text_atomic
from .errors import AnimationError
from .timeline import AUEvent, AUTimeline, check_unit_interval

TOP_LEVEL_FIELDS = ("id", "emotion", "description", "source", "aus")
EVENT_FIELDS = ("times", "intensities", "id")
NATIVE_SUFFIXES = (".yaml", ".yml", ".json")


def timeline_to_dict(timeline: AUTimeline) -> dict:
    """The native structure of ``timeline`` (plain dicts, lists, floats and strings)."""
    data: dict = {"id": timeline.id, "emotion": timeline.emotion}
    if timeline.description:
        data["description"] = timeline.description
    if timeline.source:
        data["source"] = timeline.source
    data["aus"] = {key: [_event_to_dict(e) for e in evs] for key, evs in timeline.events}
    return data


def _event_to_dict(event: AUEvent) -> dict:
    data: dict = {"times": list(event.times), "intensities": list(event.intensities)}
    if event.event_id is not None:
        data["id"] = event.event_id
    return data


def _check_mapping(data: object, allowed: tuple[str, ...], where: str, expected: str, allowed_text: str) -> None:
    """``data`` must be a mapping whose keys are all in ``allowed``; errors name ``where``."""
    if not isinstance(data, dict):
        raise AnimationError(f"{where}: expected {expected}, got {_kind(data)}")
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise AnimationError(f"{where}: unknown field {unknown[0]!r}; expected {allowed_text}")


def timeline_from_dict(data: object, origin: str) -> AUTimeline:
    """Validate a native structure; errors start with ``origin`` (the file) and name the field."""
    if not isinstance(data, dict):  # the type only: the file may be anything (a link to a system file)
        raise AnimationError(f"{origin}: expected a mapping with fields {list(TOP_LEVEL_FIELDS)}, got a "
                             f"{type(data).__name__}")
    _check_mapping(data, TOP_LEVEL_FIELDS, origin, f"a mapping with fields {list(TOP_LEVEL_FIELDS)}",
                   f"fields {list(TOP_LEVEL_FIELDS)}")
    for name in ("id", "emotion", "aus"):
        if name not in data:
            raise AnimationError(f"{origin}: missing field {name!r}")
    aus = data["aus"]
    if aus is None:
        aus = {}
    if not isinstance(aus, dict):
        raise AnimationError(f"{origin}: field 'aus': expected a mapping of AU key to a list of events, got {_kind(aus)}")
    events = tuple((str(key), _events(evs, f"{origin}: aus[{str(key)!r}]")) for key, evs in aus.items())
    try:
        return AUTimeline(
            id=data["id"],
            emotion=data["emotion"],
            description=data.get("description") or "",
            events=events,
            source=data.get("source"),
        )
    except AnimationError as err:
        raise AnimationError(f"{origin}: {err}") from None


def _events(items: object, where: str) -> tuple[AUEvent, ...]:
    if not isinstance(items, list):
        raise AnimationError(f"{where}: expected a list of events, got {_kind(items)}")
    return tuple(_event(item, f"{where}[{index}]") for index, item in enumerate(items))


def _event(item: object, where: str) -> AUEvent:
    _check_mapping(item, EVENT_FIELDS, where, "a mapping with 'times' and 'intensities'", str(list(EVENT_FIELDS)))
    quads = []
    for name in ("times", "intensities"):
        if name not in item:
            raise AnimationError(f"{where}: missing field {name!r}")
        value = item[name]
        if not isinstance(value, list) or len(value) != 4:
            raise AnimationError(f"{where}.{name}: expected a list of 4 numbers in [0, 1], got {value!r}")
        quads.append([check_unit_interval(f"{where}.{name}[{i}]", v) for i, v in enumerate(value)])
    event_id = item.get("id")
    return AUEvent(*quads[0], *quads[1], event_id=None if event_id is None else str(event_id))


def parse_native(text: str, origin: str, suffix: str) -> AUTimeline:
    """Parse native text (YAML, or JSON when ``suffix`` is .json); ``origin`` names it in errors."""
    data = load_json(text, origin, constants=True) if suffix == ".json" else load_yaml(text, origin)
    return timeline_from_dict(data, origin)


def read_native(path: str | Path) -> AUTimeline:
    """Read a native .yaml/.yml/.json timeline file."""
    path = Path(path)
    return parse_native(read_text(path, what="timeline file"), str(path), path.suffix.lower())


def dump_native(timeline: AUTimeline, suffix: str = ".yaml") -> str:
    """Native text for ``timeline``: YAML (flow-style number lists) or, for .json, indented JSON."""
    data = timeline_to_dict(timeline)
    if suffix == ".json":
        return json.dumps(data, indent=2) + "\n"
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, allow_unicode=True, width=100)


def write_native(timeline: AUTimeline, path: str | Path) -> Path:
    """Write ``timeline`` to a native file (format by extension), atomically."""
    path = Path(path)
    if path.suffix.lower() not in NATIVE_SUFFIXES:
        raise AnimationError(f"{path}: expected a native timeline extension {list(NATIVE_SUFFIXES)}")
    write_text_atomic(path, dump_native(timeline, path.suffix.lower()))
    return path


def _kind(value: object) -> str:
    return f"{type(value).__name__} {value!r}"[:80]
