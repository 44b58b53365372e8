"""What every AU rig produces: per-frame face-unit weights, eye and head angles, AU labels."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import AnimationError


class UnsupportedAUWarning(UserWarning):
    """A timeline uses an AU that the rig cannot show; its key is ignored (warned once per AU)."""


@dataclass(frozen=True)
class RigFrames:
    """A rig's output for T frames. Angles follow the subject's frame of reference.

    * ``facial_actions``: (T, 52) float32 weights in [0, 1], in ``ARKIT_UNITS`` order (anny's
      ``facial_actions``);
    * ``eye_yaw_pitch_deg``: (T, 2) gaze of both eyes; yaw > 0 toward the subject's own left,
      pitch > 0 up;
    * ``head_yaw_pitch_roll_deg``: (T, 3); yaw > 0 toward the subject's left, pitch > 0 chin up,
      roll > 0 tilting the head toward the subject's left shoulder;
    * ``head_forward_m``: (T,) head translation along the facing direction, metres, > 0 forward;
    * ``au_intensities``: AU number -> (T,) intensity, the max over that AU's keys (for labels);
    * ``unsupported_keys``: the keys the rig ignored;
    * ``morph_offsets_hm08``: (T, 19158, 3) or None, vertex offsets to add to the person's hm08
      mesh, in MakeHuman's units and axes (decimetres, y up); rigs made of morph targets
      (``facshuman``) use it instead of face units and bone angles; the ``arkit`` rig adds hrisim's
      own sparse targets (folds, furrows) through it;
    * ``eyes_in_mesh``: whether the gaze is carried by the eye helper vertices of the offsets
      (morph-target rigs) instead of eye bones; None = "when there are offsets" (see
      :attr:`gaze_in_mesh`).
    * ``fold_weights``: ``fold_*`` target name -> (T, 2) weight on the subject's (left, right) half:
      the folds shown, whose fine relief the renderer draws per pixel (``sim_env.render.wrinkles``).
    """

    facial_actions: np.ndarray
    eye_yaw_pitch_deg: np.ndarray
    head_yaw_pitch_roll_deg: np.ndarray
    head_forward_m: np.ndarray
    au_intensities: dict[int, np.ndarray] = field(default_factory=dict)
    unsupported_keys: tuple[str, ...] = ()
    morph_offsets_hm08: np.ndarray | None = None
    eyes_in_mesh: bool | None = None
    fold_weights: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def gaze_in_mesh(self) -> bool:
        """True when a renderer must take the eyes' rotation from the mesh's eye helpers."""
        if self.eyes_in_mesh is not None:
            return bool(self.eyes_in_mesh)
        return self.morph_offsets_hm08 is not None

    @property
    def n_frames(self) -> int:
        return int(self.facial_actions.shape[0])


def check_values(keys: Sequence[str], values: np.ndarray) -> np.ndarray:
    """(T, K) float64 intensities for ``keys``, validated and clipped to [0, 1]."""
    if isinstance(keys, str):
        raise AnimationError(f"keys: expected a list of AU keys, got the string {keys!r}")
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != len(keys):
        raise AnimationError(
            f"values: expected an array of shape (frames, {len(keys)}) for {len(keys)} keys, got {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise AnimationError("values: expected finite intensities, found NaN or infinity")
    return np.clip(values, 0.0, 1.0)


# FACS scores AU25 (lips part) whenever the lips are apart, whatever parts them: the raised upper
# lip of AU10, the lowered lower lip of AU16, the dropped jaw of AU26/27 (10+25, 16+25 and 25+26 are
# how FACS codes those appearances; Ekman, Friesen & Hager 2002, AU25). AU25's own movement is the
# lips drawn apart with nothing else acting. A rig that adds it on top of theirs parts the lips
# twice: 10+25 became a squared mouth with both rows of teeth bared (anger's shouting mouth), 16+25
# a gape. So AU25 moves by what the AUs that part the lips themselves leave of it: its intensity
# less the largest of theirs, frame by frame. Its label (``au_intensities``) is unchanged.
LIP_PARTING_AUS = frozenset({10, 16, 26, 27})


def movement_intensities(aus: Sequence[int], values: np.ndarray) -> np.ndarray:
    """(T, K) intensities to move the face by, for validated ``values`` whose column k plays AU
    ``aus[k]``: AU25's columns reduced by the lip-parting AUs (``LIP_PARTING_AUS``)."""
    aus = np.asarray(aus)
    parting = np.isin(aus, list(LIP_PARTING_AUS))
    lips_part = aus == 25
    if not parting.any() or not lips_part.any():
        return values
    out = np.array(values, copy=True)
    out[:, lips_part] = np.clip(values[:, lips_part] - values[:, parting].max(1, keepdims=True), 0.0, 1.0)
    return out
