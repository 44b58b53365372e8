"""What every AU rig produces: per-frame face-unit weights, eye and head angles, AU labels."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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
    * ``unsupported_keys``: the keys the rig ignored.
    """

    facial_actions: np.ndarray
    eye_yaw_pitch_deg: np.ndarray
    head_yaw_pitch_roll_deg: np.ndarray
    head_forward_m: np.ndarray
    au_intensities: dict[int, np.ndarray] = field(default_factory=dict)
    unsupported_keys: tuple[str, ...] = ()

    @property
    def n_frames(self) -> int:
        return int(self.facial_actions.shape[0])
