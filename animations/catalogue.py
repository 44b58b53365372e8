"""FACS action-unit catalogue and the resolution of FACSHuman target keys.

Timelines name what moves with FACSHuman's target basenames (``4``, ``4_b``, ``L12``,
``22_25_up_down``, ``61`` ...), because the paper's ``.fani`` files and the optional FACSHuman
target pack use them. ``resolve_key`` turns such a key into an :class:`AUKey` (AU number, side,
variant) so that rigs and labels can reason about AUs instead of file names.

Accepted key forms, ``<n>`` being an AU number of the catalogue:

* ``<n>``: the bilateral AU (``4``, ``26``, ``61``);
* ``L<n>`` / ``R<n>``: one side, for AUs that FACSHuman splits (``L12``, ``R43``) and AU46 (wink).
  The side is the *subject's* side, as in FACS and in ARKit's ``...Left`` units;
* ``<n>_<variant>``: one of FACSHuman's alternative targets for the AU (``4_b``, ``26_tongue_out``,
  ``28_bottom``). AU22 is spelled ``22_25_<variant>`` (``22_25_up_down``, ``22_25_down``,
  ``22_25_upper``): FACSHuman models the lip funneler with the lips parted (AU22+25), so those
  keys mean "AU22, lips apart", variant ``up_down``/``down``/``upper`` = which lip funnels.

Not action units, and refused with an explanation: FACSHuman's whole-expression targets (folder
``00 Emotions``: ``01_Anger`` ...) and its pupil targets (``both_eye_pupil_dilate`` ...). Pupil size
is not a FACS action unit and no rig of hrisim animates it; an expression preset is a mixture of
AUs that belongs in a timeline, not in a key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .errors import AnimationError

Side = Literal["L", "R"]

# Regions follow the FACS manual's grouping, which FACSHuman's target folders mirror.
UPPER_FACE = "upper_face"
LOWER_FACE = "lower_face"
LIP_JAW = "lip_parting_jaw"
MISC = "miscellaneous"
HEAD = "head_position"
EYES = "eye_position"


@dataclass(frozen=True)
class ActionUnit:
    """One FACS action unit: number, name, face region, and whether L/R keys exist for it."""

    number: int
    name: str
    region: str
    has_sides: bool


# number: (name, region, has_sides). has_sides = FACSHuman has L/R targets (plus AU46, a wink,
# which is one-sided by definition).
_AU_TABLE: dict[int, tuple[str, str, bool]] = {
    1: ("Inner Brow Raiser", UPPER_FACE, True),
    2: ("Outer Brow Raiser", UPPER_FACE, True),
    4: ("Brow Lowerer", UPPER_FACE, False),
    5: ("Upper Lid Raiser", UPPER_FACE, True),
    6: ("Cheek Raiser", UPPER_FACE, True),
    7: ("Lid Tightener", UPPER_FACE, True),
    8: ("Lips Toward Each Other", MISC, False),
    9: ("Nose Wrinkler", LOWER_FACE, True),
    10: ("Upper Lip Raiser", LOWER_FACE, True),
    11: ("Nasolabial Furrow Deepener", LOWER_FACE, True),
    12: ("Lip Corner Puller", LOWER_FACE, True),
    13: ("Sharp Lip Puller", LOWER_FACE, True),
    14: ("Dimpler", LOWER_FACE, True),
    15: ("Lip Corner Depressor", LOWER_FACE, True),
    16: ("Lower Lip Depressor", LOWER_FACE, False),
    17: ("Chin Raiser", LOWER_FACE, False),
    18: ("Lip Pucker", LOWER_FACE, False),
    19: ("Tongue Show", MISC, False),
    20: ("Lip Stretcher", LOWER_FACE, True),
    21: ("Neck Tightener", MISC, False),
    22: ("Lip Funneler", LOWER_FACE, False),
    23: ("Lip Tightener", LOWER_FACE, False),
    24: ("Lip Presser", LOWER_FACE, False),
    25: ("Lips Part", LIP_JAW, True),
    26: ("Jaw Drop", LIP_JAW, False),
    27: ("Mouth Stretch", LIP_JAW, False),
    28: ("Lip Suck", LOWER_FACE, False),
    29: ("Jaw Thrust", MISC, False),
    30: ("Jaw Sideways", MISC, True),
    31: ("Jaw Clencher", MISC, False),
    32: ("Lip Bite", MISC, False),
    33: ("Cheek Blow", MISC, False),
    34: ("Cheek Puff", MISC, False),
    35: ("Cheek Suck", MISC, False),
    36: ("Tongue Bulge", MISC, False),
    37: ("Lip Wipe", MISC, False),
    38: ("Nostril Dilator", MISC, False),
    39: ("Nostril Compressor", MISC, False),
    43: ("Eyes Closed", UPPER_FACE, True),
    45: ("Blink", UPPER_FACE, False),
    46: ("Wink", UPPER_FACE, True),
    51: ("Head Turn Left", HEAD, False),
    52: ("Head Turn Right", HEAD, False),
    53: ("Head Up", HEAD, False),
    54: ("Head Down", HEAD, False),
    55: ("Head Tilt Left", HEAD, False),
    56: ("Head Tilt Right", HEAD, False),
    57: ("Head Forward", HEAD, False),
    58: ("Head Back", HEAD, False),
    61: ("Eyes Turn Left", EYES, True),
    62: ("Eyes Turn Right", EYES, True),
    63: ("Eyes Up", EYES, True),
    64: ("Eyes Down", EYES, True),
    65: ("Walleye", EYES, False),
    66: ("Cross-eye", EYES, False),
}

CATALOGUE: dict[int, ActionUnit] = {
    number: ActionUnit(number, name, region, sides)
    for number, (name, region, sides) in _AU_TABLE.items()
}

# FACSHuman's alternative targets per AU (the part after "<n>_" in the basename).
VARIANTS: dict[int, tuple[str, ...]] = {
    1: ("a",),
    2: ("a",),
    4: ("a", "b"),
    6: ("a", "b"),
    9: ("a",),
    12: ("a", "b"),
    17: ("a",),
    18: ("a",),
    22: ("down", "up_down", "upper"),
    25: ("a",),
    26: ("a", "lip_down", "tongue_down", "tongue_out"),
    28: ("a", "bottom"),
}

# AU22 keys carry "25" because FACSHuman's funneler targets have the lips apart.
_VARIANT_PREFIX: dict[int, str] = {22: "22_25_"}

FACSHUMAN_EXPRESSION_TARGETS: tuple[str, ...] = (
    "01_Anger", "01_Langner_Angry", "02_Contempt", "02_Langner_Contemptuous", "03_Disgust",
    "03_Disgust_a", "03_Langner_Disgusted", "04_Embarrassment", "05_Fear", "05_Langner_Fearfull",
    "06_Happy", "06_Langner_Happy", "06_Langner_Happy_A", "06_Langner_Happy_B",
    "07_Langner_Sadness", "07_Sadness", "08_Langner_Surprised", "08_Surprise", "09_Pride",
)
FACSHUMAN_PUPIL_TARGETS: tuple[str, ...] = (
    "both_eye_pupil_contract", "both_eye_pupil_dilate", "left_eye_pupil_contract",
    "left_eye_pupil_dilate", "right_eye_pupil_contract", "right_eye_pupil_dilate",
)

ACCEPTED_KEY_FORMS = (
    "'<n>' (e.g. '4'), 'L<n>'/'R<n>' for AUs with sides (e.g. 'L12'), or '<n>_<variant>' for "
    "FACSHuman's alternative targets (e.g. '4_b', '26_tongue_out', '22_25_up_down'), where <n> "
    "is an AU number of the catalogue"
)

_KEY_RE = re.compile(r"^(?P<side>[LR]?)(?P<au>\d+)(?:_(?P<variant>[A-Za-z0-9_]+))?$")


@dataclass(frozen=True)
class AUKey:
    """A resolved timeline key: which AU, which side (subject's) if one, which FACSHuman variant."""

    au: int
    side: Side | None
    variant: str | None
    key: str

    @property
    def unit(self) -> ActionUnit:
        return CATALOGUE[self.au]


def action_unit(number: int) -> ActionUnit:
    """The catalogue entry for an AU number; AnimationError when FACS/FACSHuman has no such AU."""
    try:
        return CATALOGUE[number]
    except KeyError:
        raise AnimationError(
            f"AU{number} is not in the catalogue; known AUs: {sorted(CATALOGUE)}"
        ) from None


def variant_key(au: int, variant: str) -> str:
    """The FACSHuman key spelling of an AU variant (``22_25_up_down`` for AU22 ``up_down``)."""
    return f"{_VARIANT_PREFIX.get(au, f'{au}_')}{variant}"


def resolve_key(key: str) -> AUKey:
    """Turn a FACSHuman target basename into an :class:`AUKey`, or say clearly why not."""
    if not isinstance(key, str):
        raise AnimationError(f"AU key {key!r}: expected a string, got {type(key).__name__}")
    if key in FACSHUMAN_EXPRESSION_TARGETS:
        raise AnimationError(
            f"AU key {key!r} is a FACSHuman whole-expression target, not an action unit; "
            f"write the expression as AU keys ({ACCEPTED_KEY_FORMS})"
        )
    if key in FACSHUMAN_PUPIL_TARGETS:
        raise AnimationError(
            f"AU key {key!r} is a FACSHuman pupil target: pupil size is not a FACS action unit "
            "and hrisim does not animate it"
        )
    resolved = _parse(key)
    if resolved is None:
        raise AnimationError(f"unknown AU key {key!r}: expected {ACCEPTED_KEY_FORMS}")
    return resolved


def _parse(key: str) -> AUKey | None:
    match = _KEY_RE.match(key)
    if match is None:
        return None
    au = int(match["au"])
    if au not in CATALOGUE or match["au"] != str(au):  # no leading zeros: "04" is not a key
        return None
    side = match["side"] or None
    variant = match["variant"]
    if side is not None and (variant is not None or not CATALOGUE[au].has_sides):
        return None
    if variant is not None:
        known = {variant_key(au, v): v for v in VARIANTS.get(au, ())}
        if key not in known:
            return None
        variant = known[key]
    return AUKey(au=au, side=side, variant=variant, key=key)
