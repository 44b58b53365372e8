"""HumanSpec: the one description of a virtual human that every hrisim tool reads and writes.

A spec holds MakeHuman's own quantities (macro sliders 0..1, face modifiers by their MakeHuman
names, proxy names, skin material paths) so that a spec, a ``.mhm`` file and MakeHuman itself
agree on what a number means; conversion to anny's inputs lives in :mod:`humans.phenotype`.

Specs are frozen and validated on construction: a bad value raises :class:`HumanSpecError` naming
the field (and, when loading a file, the file and the entry) and saying what was expected.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hrisim.errors import HrisimError
from hrisim.io import atomic_write_text as write_text_atomic  # noqa: F401  (the one atomic writer)


class HumanSpecError(HrisimError):
    """A human description (spec field, suite file or ``.mhm`` line) is not what hrisim expects."""


GROUPS = ("Caucasian", "Black", "Asian", "Hispanic", "Mixed")
EYE_COLOURS = ("brown", "dark_brown", "blue", "green", "hazel", "grey")
ETHNICITIES = ("african", "asian", "caucasian")
PROXY_FIELDS = ("hair", "eyebrows", "eyelashes", "eyes", "teeth", "tongue")
# Built-in look (hrisim's own meshes, no asset files; geometry in humans.hair / clothes /
# accessories). Textures: straight (short, long_straight, ponytail, bun), wavy (long_wavy),
# curly (curly), coily (coily_short, afro, braids, locs); buzz and bald show the scalp.
HAIR_STYLES = ("bald", "buzz", "short", "coily_short", "curly", "afro", "long_straight",
               "long_wavy", "ponytail", "bun", "braids", "locs")
HAIR_COLOURS = ("black", "dark_brown", "brown", "light_brown", "auburn", "red", "blond",
                "grey", "white")
FACIAL_HAIR = ("none", "stubble", "moustache", "goatee", "beard")
BROW_SHAPES = ("straight", "soft_arch", "arched", "angled")
TOPS = ("none", "tshirt", "vneck", "shirt", "sweater")
CLOTH_COLOURS = ("white", "black", "grey", "navy", "blue", "light_blue", "red", "maroon",
                 "green", "olive", "yellow", "orange", "pink", "purple", "beige", "brown", "teal")
GLASSES = ("none", "round", "rectangular")
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

# Monk Skin Tone of each MakeHuman ethnic basis. MakeHuman ships two skin texture families,
# "darkskinned" (the african skins) and "lightskinned" (caucasian *and* asian skins), and its
# default litsphere skin blends african/asian/caucasian swatches by the ethnicity weights. We
# follow the same idea: a skin material gives the tone of its ethnicity, ethnicity weights give
# the weighted mean of these anchors, rounded (e.g. 50 % african + 50 % caucasian -> MST 5).
ETHNICITY_SKIN_TONE = {"african": 8, "asian": 4, "caucasian": 2}

_SKIN_NAME = re.compile(r"(young|middleage|old)_(african|asian|caucasian)_(male|female)")
_BAD_ID = re.compile(r"[/\\\x00-\x1f]")
_MODIFIER_NAME = re.compile(r"^[A-Za-z0-9_.\-]+/[A-Za-z0-9_.|\-]+$")


def skin_material_traits(path: str | None) -> tuple[str, str, str] | None:
    """(age, ethnicity, sex) named by a MakeHuman skin such as ``skins/old_african_male/...``.

    None for skins that do not follow MakeHuman's ``<age>_<ethnicity>_<sex>`` naming
    (``default.mhmat``, user skins): nothing can be inferred from them.
    """
    if not path:
        return None
    match = _SKIN_NAME.search(Path(path).stem) or _SKIN_NAME.search(str(path))
    return (match.group(1), match.group(2), match.group(3)) if match else None


class FrozenMap(Mapping):
    """Read-only, hashable ``str -> float`` mapping, so frozen specs stay hashable."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, float] | Iterable[tuple[str, float]] = ()):
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items = dict(sorted((str(k), float(v)) for k, v in pairs))

    def __getitem__(self, key: str) -> float:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"


def _fail(field_name: str, expected: str, value: Any) -> HumanSpecError:
    return HumanSpecError(f"field {field_name!r}: expected {expected}, got {value!r}")


def _number(name: str, value: Any, low: float, high: float, expected: str | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(name, expected or f"a number from {low:g} to {high:g}", value)
    value = float(value)
    if not (math.isfinite(value) and low <= value <= high):
        raise _fail(name, expected or f"a number from {low:g} to {high:g}", value)
    return value


def _optional_str(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(name, "a non-empty string or null", value)
    return value


@dataclass(frozen=True)
class HumanSpec:
    """One virtual human in MakeHuman terms (1.0 = male for ``gender``; 0.5 = average macros)."""

    id: str
    gender: float = 0.5
    age_years: float = 25.0
    african: float = 1 / 3
    asian: float = 1 / 3
    caucasian: float = 1 / 3
    group: str = "unspecified"
    muscle: float = 0.5
    weight: float = 0.5
    height: float = 0.5
    proportions: float = 0.5
    face: Mapping[str, float] = field(default_factory=FrozenMap)
    skin_tone: int | None = None
    skin_material: str | None = None
    eye_colour: str = "brown"
    hair: str | None = None
    eyebrows: str | None = None
    eyelashes: str | None = None
    eyes: str | None = None
    teeth: str | None = None
    tongue: str | None = None
    hair_style: str | None = None  # None: nearest built-in style to `hair` (see humans.hair)
    hair_colour: str | None = None  # a HAIR_COLOURS name or '#rrggbb'; None: seeded by group, age
    facial_hair: str = "none"
    brow_shape: str | None = None  # None: nearest to `eyebrows`, else seeded
    top: str = "tshirt"
    top_colour: str | None = None  # a CLOTH_COLOURS name or '#rrggbb'; None: seeded
    glasses: str = "none"
    headscarf: str | None = None  # None = no headscarf, else its colour (as top_colour)
    seed: int = 0
    source: str | None = None

    def __post_init__(self) -> None:
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        if not isinstance(self.id, str) or not self.id.strip() or _BAD_ID.search(self.id):
            # ids name output files and folders: no path separators or control characters
            raise _fail("id", "a non-empty name without '/', '\\' or control characters",
                        self.id)
        put("gender", _number("gender", self.gender, 0.0, 1.0,
                              "a number from 0 (female) to 1 (male), or 'male'/'female'"))
        put("age_years", _number("age_years", self.age_years, 1.0, 90.0,
                                 "an age from 1 to 90 years"))
        for name in ("muscle", "weight", "height", "proportions"):
            put(name, _number(name, getattr(self, name), 0.0, 1.0,
                              "a MakeHuman macro value from 0 to 1 (0.5 = average)"))
        weights = [_number(name, getattr(self, name), 0.0, math.inf, "a weight >= 0")
                   for name in ETHNICITIES]
        total = sum(weights)
        if total <= 0.0:
            weights = [1 / 3] * 3  # MakeHuman's own fallback when every weight is 0
        elif abs(total - 1.0) > 1e-9:  # leave already-normalised weights bit-identical
            weights = [w / total for w in weights]
        for name, w in zip(ETHNICITIES, weights):
            put(name, w)
        if not isinstance(self.group, str) or not self.group.strip():
            raise _fail("group", f"a group label such as {', '.join(GROUPS)}", self.group)
        put("face", _validated_face(self.face))
        if self.skin_tone is not None:
            if isinstance(self.skin_tone, bool) or not isinstance(self.skin_tone, int) \
                    or not 1 <= self.skin_tone <= 10:
                raise _fail("skin_tone", "a Monk Skin Tone integer 1..10 or null", self.skin_tone)
        put("skin_material", _optional_str("skin_material", self.skin_material))
        if self.eye_colour not in EYE_COLOURS:
            raise _fail("eye_colour", f"one of {', '.join(EYE_COLOURS)}", self.eye_colour)
        for name in PROXY_FIELDS:
            put(name, _optional_str(name, getattr(self, name)))
        for name, choices in (("hair_style", HAIR_STYLES), ("brow_shape", BROW_SHAPES)):
            value = getattr(self, name)
            if value is not None and value not in choices:
                raise _fail(name, f"null or one of {', '.join(choices)}", value)
        for name, choices in (("facial_hair", FACIAL_HAIR), ("top", TOPS), ("glasses", GLASSES)):
            if getattr(self, name) not in choices:
                raise _fail(name, f"one of {', '.join(choices)}", getattr(self, name))
        for name, names in (("hair_colour", HAIR_COLOURS), ("top_colour", CLOTH_COLOURS),
                            ("headscarf", CLOTH_COLOURS)):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, str) and (
                    value in names or _HEX_COLOUR.match(value))):
                raise _fail(name, f"null, '#rrggbb' or one of {', '.join(names)}", value)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise _fail("seed", "an integer", self.seed)
        put("source", _optional_str("source", self.source))

    # -- derived views ------------------------------------------------------------------------
    @property
    def sex(self) -> str:
        """``"male"`` for gender >= 0.5 (MakeHuman convention), else ``"female"``."""
        return "male" if self.gender >= 0.5 else "female"

    @property
    def ethnicity(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in ETHNICITIES}

    @property
    def dominant_ethnicity(self) -> str | None:
        """The ethnicity with the largest weight, or None when the top two are within 0.02."""
        ranked = sorted(self.ethnicity.items(), key=lambda kv: kv[1], reverse=True)
        return None if ranked[0][1] - ranked[1][1] < 0.02 else ranked[0][0]

    @property
    def effective_skin_tone(self) -> int:
        """Monk Skin Tone used for rendering and reports.

        ``skin_tone`` when set; else the tone of the skin material's ethnicity (a MakeHuman skin
        named ``young_african_female`` -> 8, ``*_asian_*`` -> 4, ``*_caucasian_*`` -> 2); else
        the ethnicity-weighted mean of those anchors, rounded (see ``ETHNICITY_SKIN_TONE``).
        """
        if self.skin_tone is not None:
            return self.skin_tone
        traits = skin_material_traits(self.skin_material)
        if traits is not None:
            return ETHNICITY_SKIN_TONE[traits[1]]
        mean = sum(getattr(self, e) * tone for e, tone in ETHNICITY_SKIN_TONE.items())
        return min(10, max(1, int(math.floor(mean + 0.5))))

    # -- serialisation ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain YAML/JSON-ready dict; ``from_dict(to_dict())`` gives an equal spec."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["face"] = dict(self.face)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "HumanSpec":
        if not isinstance(data, Mapping):
            raise HumanSpecError(f"expected a mapping of spec fields, got {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(map(str, data)) - known)
        if unknown:
            raise HumanSpecError(
                f"unknown field(s) {', '.join(map(repr, unknown))}; expected some of "
                f"{', '.join(sorted(known))}")
        if "id" not in data:
            raise HumanSpecError("field 'id': missing; every human needs an id")
        values = dict(data)
        gender = values.get("gender")
        if isinstance(gender, str):
            sexes = {"male": 1.0, "female": 0.0}
            if gender.strip().lower() not in sexes:
                raise _fail("gender", "a number from 0 (female) to 1 (male), or 'male'/'female'",
                            gender)
            values["gender"] = sexes[gender.strip().lower()]
        if values.get("face") is None:
            values["face"] = {}
        return cls(**values)

    def save(self, path: str | os.PathLike) -> Path:
        """Write this spec as YAML (``.yaml``/``.yml``) or JSON (``.json``), atomically."""
        return _write_document(Path(path), self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "HumanSpec":
        path = Path(path)
        data = _read_document(path)
        if isinstance(data, Mapping) and "humans" in data:
            raise HumanSpecError(f"{path}: this is a suite file (it has 'humans'); "
                                 "use humans.spec.load_specs")
        return _with_context(f"{path}", lambda: cls.from_dict(data))


def _validated_face(face: Any) -> FrozenMap:
    if isinstance(face, FrozenMap):
        items = list(face.items())
    elif isinstance(face, Mapping):
        items = list(face.items())
    elif isinstance(face, Iterable) and not isinstance(face, (str, bytes)):
        try:
            items = [(k, v) for k, v in face]
        except (TypeError, ValueError):
            raise _fail("face", "a mapping of MakeHuman modifier name -> value", face) from None
    else:
        raise _fail("face", "a mapping of MakeHuman modifier name -> value", face)
    for name, value in items:
        if not isinstance(name, str) or not _MODIFIER_NAME.match(name):
            raise _fail("face", "MakeHuman modifier names like 'nose/nose-hump-decr|incr'", name)
        # MakeHuman: two-target modifiers 'a|b' span -1..1, single-target ones 0..1
        _number(f"face[{name!r}]", value, -1.0 if "|" in name else 0.0, 1.0)
    return FrozenMap(items)


def _with_context(context: str, build):
    try:
        return build()
    except HumanSpecError as err:
        raise HumanSpecError(f"{context}: {err}") from None
    except TypeError as err:  # e.g. missing required constructor argument
        raise HumanSpecError(f"{context}: {err}") from None


# -- documents and suite files ----------------------------------------------------------------
def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    raise HumanSpecError(f"{path}: expected a .yaml, .yml or .json file name")


def _read_document(path: Path) -> Any:
    kind = _format(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such spec file") from None
    except UnicodeDecodeError as err:
        raise HumanSpecError(f"{path}: expected UTF-8 text ({err.reason})") from None
    except OSError as err:  # a symlink loop, a folder, permissions
        raise HumanSpecError(f"{path}: cannot read the spec file ({err.strerror or type(err).__name__})") from None
    try:
        from hrisim.textio import load_json, load_yaml  # bounded, duplicate keys refused

        return load_yaml(text, path, HumanSpecError) if kind == "yaml" else load_json(text, path, HumanSpecError)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise HumanSpecError(f"{path}:{where} not valid YAML ({err})") from None
    except json.JSONDecodeError as err:
        raise HumanSpecError(f"{path}: line {err.lineno}: not valid JSON ({err.msg})") from None


def _write_document(path: Path, data: Any) -> Path:
    """Write via a temporary file and rename, so a crash never leaves half a spec file."""
    kind = _format(path)
    text = (yaml.safe_dump(data, sort_keys=False, allow_unicode=True) if kind == "yaml"
            else json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return write_text_atomic(path, text)


def specs_from_document(data: Any, context: str) -> list[HumanSpec]:
    """Specs of a suite document ``{name: ..., humans: [...]}`` (or a bare list of specs)."""
    if isinstance(data, Mapping):
        if "humans" not in data:
            raise HumanSpecError(f"{context}: expected a suite with a 'humans' list")
        entries = data["humans"]
    else:
        entries = data
    if not isinstance(entries, list):
        raise HumanSpecError(f"{context}: 'humans' must be a list of human specs")
    specs, seen = [], {}
    for index, entry in enumerate(entries):
        spec = _with_context(f"{context}: humans[{index}]", lambda: HumanSpec.from_dict(entry))
        if spec.id in seen:
            raise HumanSpecError(f"{context}: humans[{index}]: field 'id': {spec.id!r} is "
                                 f"already used by humans[{seen[spec.id]}]; ids must be unique")
        seen[spec.id] = index
        specs.append(spec)
    return specs


def load_specs(path: str | os.PathLike) -> list[HumanSpec]:
    """Read a suite file (YAML/JSON ``{name: ..., humans: [...]}``) in file order."""
    path = Path(path)
    return specs_from_document(_read_document(path), str(path))


def save_specs(specs: Iterable[HumanSpec], path: str | os.PathLike, name: str | None = None) -> Path:
    """Write specs as a suite file; ``name`` defaults to the file stem."""
    path = Path(path)
    specs = list(specs)
    ids = [s.id for s in specs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise HumanSpecError(f"{path}: duplicate human ids {duplicates}; ids must be unique")
    return _write_document(path, {"name": name or path.stem,
                                  "humans": [s.to_dict() for s in specs]})
