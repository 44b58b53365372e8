"""MakeHuman ``.mhm`` files <-> :class:`~humans.spec.HumanSpec`.

``.mhm`` is MakeHuman's text format: one ``key values...`` per line. We read what describes the
person (``modifier``, proxies, ``skinMaterial``, eye ``material``) and accept, without using,
MakeHuman's other keys (``camera``, ``subdivide``, ``clothes``, ``skeleton``...). Keys we do not
know are reported in one warning per file; a line we know but cannot parse is an error naming
the file, the line number and the expected form, because a silently mis-read human would bias
a dataset without anyone noticing.

The group of an imported human is derived from the file's *contents* (ethnicity weights, skin),
never from its file name; the name's label is kept apart (``MhmImport.filename_label``) so that
:mod:`humans.audit` can show where the two disagree.

``write_mhm`` writes MakeHuman 1.2 text that MakeHuman itself can open. hrisim-only fields
(group, Monk skin tone, seed, exact eye colour) travel in a ``# hrisim {...}`` comment, which
MakeHuman ignores and :func:`read_mhm` restores.
"""
from __future__ import annotations

import json
import math
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from hrisim.textio import load_json, read_text
from humans.assets import AssetError, check_relative
from humans.phenotype import mh_age_to_years, unsupported_modifiers, years_to_mh_age
from humans.spec import (
    write_text_atomic,
    ETHNICITIES,
    PROXY_FIELDS,
    HumanSpec,
    HumanSpecError,
    skin_material_traits,
)

# Macro modifiers -> HumanSpec fields (Age is converted to years).
MACRO_FIELDS = {
    "macrodetails/Gender": "gender",
    "macrodetails/Age": "age_years",
    "macrodetails/African": "african",
    "macrodetails/Asian": "asian",
    "macrodetails/Caucasian": "caucasian",
    "macrodetails-universal/Muscle": "muscle",
    "macrodetails-universal/Weight": "weight",
    "macrodetails-height/Height": "height",
    "macrodetails-proportions/BodyProportions": "proportions",
}
# Keys MakeHuman 1.x writes that say nothing hrisim uses; accepted silently.
IGNORED_KEYS = frozenset({
    "version", "camera", "subdivide", "clothesHideFaces", "name", "tags", "uuid", "skeleton",
    "pose", "expression", "clothes", "proxy", "status", "background", "lighting",
})
# UUIDs of the MakeHuman 1.x system proxies (and FACSHuman's) used by the paper's humans, as
# declared in their .mhclo files: MakeHuman finds proxies by UUID only.
PROXY_UUIDS = {
    "short01": "766436e9-63ed-4f6a-afa9-99f3acff70a8",
    "short02": "c104cd4a-1edc-43f9-8b94-f63345a44638",
    "short04": "e09bfd91-f83f-4f9a-ba8c-4635cd1ae0d8",
    "ponytail01": "44e0340e-c7a6-4d22-814c-0632968d2dde",
    "afro01": "59627022-32e9-4126-9cf1-036d4b9335fc",
    "eyebrow001": "9c81ec3a-faa5-4c94-9cdb-992300ba3084",
    "eyebrow002": "a4e73c2f-3a12-47c8-b706-31a68cac6907",
    "eyebrow003": "4089e4e3-b842-40f4-91a4-0686118f7535",
    "eyebrow004": "eb028b6d-3ff8-40c7-a2ea-4d9aa808b38d",
    "eyebrow008": "79ea307f-a942-40dd-bf50-bbaa41f02034",
    "eyebrow009": "55b3b52a-379e-426d-b320-562ed57202b3",
    "eyebrow010": "8261cde8-7ce2-47f3-a7a2-edf459c50887",
    "eyebrow011": "19e43555-4613-4457-ac6e-c30bf350d275",
    "eyebrow012": "1c16325c-7831-4166-831a-05c5b609c219",
    "Eyelashes01": "d533836f-13ad-4836-8b65-051108253cd2",
    "eyelashes02": "04a0718e-aaa4-4480-a013-ad51703bef6b",
    "eyelashes03": "a311babf-a7fb-4d65-a1fc-94ab99fe520f",
    "eyelashes04": "efd75993-8de1-43fb-b410-adc203091d25",
    "FACSEyeLashes01": "d533836f-13ad-4836-8b65-051108253cd5",
    "HighPolyEyes": "2c12f43b-1303-432c-b7ce-d78346baf2e6",
    "FACSTeeth01": "b39ac14f-5af9-40d9-a154-3873b97edfdb",
    "FACSTongue": "52ad91a3-caad-4e50-8c38-67634e5e789e",
}
# MakeHuman eye materials (data/eyes/materials/<name>.mhmat) <-> HumanSpec eye colours.
EYE_MATERIAL_COLOUR = {
    "brown": "brown", "dark_brown": "dark_brown", "brownlight": "hazel", "hazel": "hazel",
    "blue": "blue", "deepblue": "blue", "lightblue": "blue", "bluegreen": "green",
    "green": "green", "grey": "grey", "ice": "grey",
}
COLOUR_EYE_MATERIAL = {"brown": "brown", "dark_brown": "brown", "hazel": "brownlight",
                       "blue": "blue", "green": "green", "grey": "grey"}
# File-name label -> declared group (case-insensitive, matched as a separate name part).
FILENAME_LABELS = {"afr": "Black", "asi": "Asian", "whi": "Caucasian", "mix": "Mixed"}
ETHNICITY_GROUP = {"african": "Black", "asian": "Asian", "caucasian": "Caucasian"}
DEFAULT_SKIN = "skins/default.mhmat"
_KNOWN_KEYS = frozenset({"modifier", "skinMaterial", "material", *PROXY_FIELDS, *IGNORED_KEYS})
# Keys that say one thing once: a second line would silently win.
_ONCE_KEYS = frozenset({"skinMaterial", "version", "name", *PROXY_FIELDS})
_HRISIM_FIELDS = ("group", "skin_tone", "seed", "eye_colour",
                  # the built-in look (hair, clothes, accessories): MakeHuman has no such keys
                  "hair_style", "hair_colour", "facial_hair", "brow_shape", "top", "top_colour",
                  "glasses", "headscarf")
_HRISIM_PREFIX = "# hrisim "


@dataclass(frozen=True)
class MhmImport:
    """A read ``.mhm``: the spec plus what the import could not carry over."""

    spec: HumanSpec
    filename_label: str | None
    unsupported_modifiers: tuple[str, ...]
    unknown_lines: tuple[tuple[int, str], ...]
    notes: tuple[str, ...] = ()


def filename_label(path: str | os.PathLike) -> str | None:
    """Declared group in a paper-style file name: ``women1_Mix.mhm`` -> ``"Mixed"``."""
    for part in re.split(r"[_\-\s.]+", Path(path).stem.lower()):
        if part in FILENAME_LABELS:
            return FILENAME_LABELS[part]
    return None


def content_group(spec: HumanSpec) -> str:
    """Group implied by what a human *is*: its ethnicity weights, backed by its skin.

    One ethnicity >= 0.6 gives its group; a plurality >= 0.4 counts only when the skin
    material is of the same ethnicity; anything else is "Mixed". MakeHuman has no Hispanic
    basis, so "Hispanic" is never inferred.
    """
    ranked = sorted(spec.ethnicity.items(), key=lambda kv: kv[1], reverse=True)
    (top, weight), (_, second) = ranked[0], ranked[1]
    if weight >= 0.6:
        return ETHNICITY_GROUP[top]
    traits = skin_material_traits(spec.skin_material)
    if weight >= 0.4 and weight - second >= 0.02 and traits is not None and traits[1] == top:
        return ETHNICITY_GROUP[top]
    return "Mixed"


# -- reading ----------------------------------------------------------------------------------
def _decode(path: Path) -> str:
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(f"{path}: no such MakeHuman .mhm file")
    return read_text(path, HumanSpecError, "MakeHuman .mhm file")


def _path_value(path: Path, lineno: int, key: str, value: str) -> str:
    """A file path read from the .mhm: relative to the asset roots, no ``..``, not absolute."""
    try:
        check_relative(value)
    except AssetError:
        raise HumanSpecError(f"{path}:{lineno}: field '{key}': {value!r} is not a path inside the asset "
                             "roots (expected a relative path without '..'); refused") from None
    return value


def _name_value(path: Path, lineno: int, key: str, value: str) -> str:
    """A proxy name (MakeHuman finds proxies by name or UUID, never by path)."""
    if "/" in value or "\\" in value or value.startswith("."):
        raise HumanSpecError(f"{path}:{lineno}: field '{key}': expected a proxy name, got the path {value!r}")
    return value


def _float(path: Path, lineno: int, text: str, expected: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise HumanSpecError(f"{path}:{lineno}: expected {expected}, got {text!r}") from None
    if not math.isfinite(value):
        raise HumanSpecError(f"{path}:{lineno}: expected {expected}, got {text!r}")
    return value


def import_mhm(path: str | os.PathLike, labels: Iterable[str] | None = None) -> MhmImport:
    """Read a MakeHuman ``.mhm`` file in full (see module docstring).

    ``labels``: anny local-change labels deciding which modifiers are unsupported
    (default: :func:`humans.phenotype.anny_local_change_labels`).
    """
    path = Path(path)
    text = _decode(path)
    modifiers: dict[str, tuple[float, int]] = {}  # name -> (value, line number)
    proxies: dict[str, str | None] = {}
    proxy_names: dict[str, str] = {}  # proxy name -> field ("HighPolyEyes" -> "eyes")
    skin_material = None
    eye_material = None
    extras: dict = {}
    unknown: list[tuple[int, str]] = []
    notes: list[str] = []
    first_line: dict[str, int] = {}  # key (modifier name) -> line, for duplicates
    content_lines, keys_seen, lineno = 0, set(), 0

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(_HRISIM_PREFIX):
            extras = load_json(line[len(_HRISIM_PREFIX):], f"{path}:{lineno}", HumanSpecError)
            if not isinstance(extras, dict):
                raise HumanSpecError(f"{path}:{lineno}: expected '# hrisim {{json object}}', "
                                     f"got {type(extras).__name__}")
            continue
        if line.startswith("#"):
            continue
        key, *values = line.split()
        content_lines += key in _KNOWN_KEYS
        keys_seen.add(key)
        once = f"{key} {values[0]}" if key == "modifier" and values else key
        if key in _ONCE_KEYS or key == "modifier":
            if once in first_line:
                raise HumanSpecError(f"{path}:{lineno}: '{once}' again (first on line {first_line[once]}); "
                                     "each may appear once")
            first_line[once] = lineno
        if key == "modifier":
            if len(values) != 2 or "/" not in values[0]:
                raise HumanSpecError(f"{path}:{lineno}: expected 'modifier <group>/<name> "
                                     f"<number>', got {line!r}")
            name = values[0]
            value = _float(path, lineno, values[1], f"a number for modifier {name}")
            low = 0.0 if name in MACRO_FIELDS or "|" not in name else -1.0
            if not low <= value <= 1.0:
                raise HumanSpecError(f"{path}:{lineno}: expected modifier {name} in "
                                     f"[{low:g}, 1], got {value:g}")
            modifiers[name] = (value, lineno)
        elif key in PROXY_FIELDS:
            if not values:
                raise HumanSpecError(f"{path}:{lineno}: expected '{key} <proxy name> <uuid>', "
                                     f"got {line!r}")
            proxies[key] = None if values[0].lower() == "none" else _name_value(path, lineno, key, values[0])
            proxy_names[values[0]] = key
        elif key == "skinMaterial":
            if not values:
                raise HumanSpecError(f"{path}:{lineno}: expected 'skinMaterial "
                                     f"skins/<name>/<name>.mhmat', got {line!r}")
            skin_material = _path_value(path, lineno, key, " ".join(values))
            if skin_material == DEFAULT_SKIN:  # MakeHuman's ethnicity-blended default
                skin_material = None
        elif key == "material":
            if len(values) < 2:
                raise HumanSpecError(f"{path}:{lineno}: expected 'material <proxy name> <uuid> "
                                     f"<file.mhmat>', got {line!r}")
            target, material = values[0], _path_value(path, lineno, key, values[-1])
            # 'material <proxy name> <uuid> <file>' (MakeHuman 1.1+) or '<uuid> <file>' (older)
            if proxy_names.get(target) == "eyes" or material.startswith("eyes/materials/"):
                eye_material = material
        elif key not in IGNORED_KEYS:
            unknown.append((lineno, line))

    if content_lines == 0:  # not quoted: the file may be anything (a link to a system file)
        raise HumanSpecError(f"{path}: no MakeHuman lines (version, modifier, skinMaterial, proxies...): not "
                             "a .mhm file, and an empty one would be an average person")
    if "version" in first_line and "subdivide" not in keys_seen:
        warnings.warn(f"{path}: ends at line {lineno} without the 'subdivide' line MakeHuman writes last; the "
                      "file may be truncated (skin, proxies or materials after that point are missing)",
                      stacklevel=2)
    fields: dict = {"id": path.stem, "source": str(path)}
    face = {}
    for name, (value, lineno) in modifiers.items():
        if name in MACRO_FIELDS:
            fields[MACRO_FIELDS[name]] = value
        elif name.startswith("macrodetails"):  # a macro hrisim does not model
            unknown.append((lineno, f"modifier {name} {value:g}"))
        else:
            face[name] = value
    if "age_years" in fields:  # the file has 6 decimals; round off float noise below that
        fields["age_years"] = round(mh_age_to_years(fields["age_years"]), 6)
    fields["face"] = face
    fields.update({k: v for k, v in proxies.items()})
    fields["skin_material"] = skin_material
    if eye_material is not None:
        stem = Path(eye_material).stem.lower()
        if stem in EYE_MATERIAL_COLOUR:
            fields["eye_colour"] = EYE_MATERIAL_COLOUR[stem]
        else:
            notes.append(f"eye material {eye_material!r} has no hrisim colour; using brown")
    for name, value in extras.items():
        if name in _HRISIM_FIELDS:
            fields[name] = value
        else:
            notes.append(f"ignored unknown hrisim field {name!r}")

    try:
        spec = HumanSpec(**fields)
        if "group" not in extras:
            spec = HumanSpec(**{**fields, "group": content_group(spec)})
    except HumanSpecError as err:
        raise HumanSpecError(f"{path}: {err}") from None

    if unknown:
        unknown.sort()
        listing = "; ".join(f"line {n}: {text!r}" for n, text in unknown)
        warnings.warn(f"{path}: {len(unknown)} line(s) hrisim does not know were ignored: "
                      f"{listing}", stacklevel=2)
    return MhmImport(
        spec=spec,
        filename_label=filename_label(path),
        unsupported_modifiers=unsupported_modifiers(face, labels),
        unknown_lines=tuple(unknown),
        notes=tuple(notes),
    )


def read_mhm(path: str | os.PathLike) -> HumanSpec:
    """The :class:`HumanSpec` of a MakeHuman ``.mhm`` file (id = file stem)."""
    return import_mhm(path).spec


def mhm_files(directory: str | os.PathLike) -> list[Path]:
    """The ``.mhm`` files of a folder, sorted by name case-insensitively (man1, Man1, man2...)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory}: no such folder of MakeHuman .mhm files")
    files = sorted(directory.glob("*.mhm"), key=lambda p: (p.name.lower(), p.name))
    if not files:
        raise HumanSpecError(f"{directory}: expected MakeHuman .mhm files, found none")
    return files


# -- writing ----------------------------------------------------------------------------------
def _number(value: float) -> str:
    """MakeHuman's 6-decimal style when exact, else the shortest exact repr."""
    text = f"{value:.6f}"
    return text if float(text) == value else repr(float(value))


def mhm_text(spec: HumanSpec) -> str:
    """MakeHuman 1.2 ``.mhm`` text for a spec (see :func:`write_mhm`)."""
    extras = {name: getattr(spec, name) for name in _HRISIM_FIELDS}
    lines = ["# Written by hrisim (MakeHuman 1.2 .mhm format)",
             _HRISIM_PREFIX + json.dumps(extras, sort_keys=True),
             "version v1.2.0",
             f"name {spec.id}",
             "camera 0.0 0.0 0.0 0.0 0.0 1.0"]
    lines += [f"modifier {name} {_number(value)}" for name, value in spec.face.items()]
    macros = {"macrodetails/Gender": spec.gender,
              # 9 decimals: exact for MakeHuman's own 6-decimal values, and years survive a
              # write/read round trip to the 1e-6 that read_mhm rounds to
              "macrodetails/Age": round(years_to_mh_age(spec.age_years), 9),
              **{f"macrodetails/{e.capitalize()}": getattr(spec, e) for e in ETHNICITIES},
              "macrodetails-universal/Muscle": spec.muscle,
              "macrodetails-universal/Weight": spec.weight,
              "macrodetails-height/Height": spec.height,
              "macrodetails-proportions/BodyProportions": spec.proportions}
    lines += [f"modifier {name} {_number(value)}" for name, value in macros.items()]
    missing = []
    for field_name in ("tongue", "teeth", "hair", "eyelashes", "eyebrows", "eyes"):
        name = getattr(spec, field_name)
        if name is None:
            continue
        if name in PROXY_UUIDS:
            lines.append(f"{field_name} {name} {PROXY_UUIDS[name]}")
        else:
            missing.append(f"{field_name} {name}")
    lines.append("clothesHideFaces True")
    lines.append(f"skinMaterial {spec.skin_material or DEFAULT_SKIN}")
    if spec.eyes in PROXY_UUIDS:
        material = COLOUR_EYE_MATERIAL[spec.eye_colour]
        lines.append(f"material {spec.eyes} {PROXY_UUIDS[spec.eyes]} "
                     f"eyes/materials/{material}.mhmat")
    lines.append("subdivide False")
    if missing:
        warnings.warn(f"{spec.id}: MakeHuman loads proxies by UUID and hrisim knows none for "
                      f"{', '.join(missing)}; they are left out of the .mhm", stacklevel=3)
    return "\n".join(lines) + "\n"


def write_mhm(spec: HumanSpec, path: str | os.PathLike) -> Path:
    """Write ``spec`` as a ``.mhm`` MakeHuman 1.2 can open (atomically: never half a file)."""
    path = Path(path)
    return write_text_atomic(path, mhm_text(spec))
