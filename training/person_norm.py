"""``model.person_norm``: models read each person's embeddings minus that person's median embedding
(perception.person_norm says why). A person is a record's (source, subject); the median is over every
frame of all their clips in the experiment, labels unused, so a test person's baseline comes from
their own test clips as a deployed robot's would come from what it has seen of them."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from perception.person_norm import person_baseline


def person_key(record) -> tuple[str, str]:
    return (record.source, record.subject)


class PersonNormalisedSource:
    """A clip source (training.features.ClipSource or a stand-in) whose ``embeddings`` are
    person-normalised; everything else is the wrapped source's."""

    def __init__(self, source, records):
        self.source = source
        clips = defaultdict(list)
        for r in records:
            clips[person_key(r)].append(r)
        self.baselines = {
            key: person_baseline(np.concatenate([np.asarray(source.embeddings(r), np.float32) for r in rs]),
                                 f"person {key[1]!r} ({key[0]})")
            for key, rs in clips.items()
        }

    def embeddings(self, record) -> np.ndarray:
        key = person_key(record)
        if key not in self.baselines:
            raise ValueError(f"clip {record.clip_id!r}: person {key[1]!r} ({key[0]}) has no baseline; "
                             "person_norm baselines come from the records the source was built with")
        return np.asarray(self.source.embeddings(record), np.float32) - self.baselines[key]

    def __getattr__(self, name):
        return getattr(self.source, name)
