"""The paper's mixed strategy: each epoch, ⌊ratio × humans⌋ synthetic humans and, for each of their
animations, one viewpoint, all drawn afresh from (seed, epoch)."""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from training.records import ClipRecord, subjects


class MixedSampler:
    """Synthetic clips to add to the real ones in a given epoch. Pure in (seed, epoch): the same call
    gives the same draw, so a run can resume or be repeated."""

    def __init__(self, synthetic: Sequence[ClipRecord], ratio: float, seed: int):
        if not 0 < ratio <= 1:
            raise ValueError(f"mixed strategy ratio must be in (0, 1], got {ratio}")
        self.humans = subjects(synthetic)
        self.n_humans = math.floor(ratio * len(self.humans))
        if self.n_humans < 1:
            raise ValueError(f"ratio {ratio} of {len(self.humans)} synthetic humans selects nobody")
        self.seed = seed
        self._views: dict[str, dict[str, list[ClipRecord]]] = defaultdict(lambda: defaultdict(list))
        for r in synthetic:
            self._views[r.subject][r.animation_id].append(r)

    def draw(self, epoch: int) -> list[ClipRecord]:
        rng = np.random.default_rng([self.seed, epoch])
        chosen = rng.choice(len(self.humans), size=self.n_humans, replace=False)
        out = []
        for h in sorted(self.humans[i] for i in chosen):
            for anim in sorted(self._views[h]):
                views = self._views[h][anim]
                out.append(views[int(rng.integers(len(views)))])
        return out
