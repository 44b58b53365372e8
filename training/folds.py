"""Cross-validation folds that never split a subject across train and test."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from training.records import ClipRecord


def assign_folds(records: Sequence[ClipRecord], k: int, seed: int,
                 demographic_groups: Sequence[str] | None = None) -> tuple[list[int], int | None]:
    """(fold per record, demographic fold index or None).

    Folds given by the dataset's metadata are used as they are (every record must have one; the
    demographic fold must then be named by index in the config). Otherwise: with
    ``demographic_groups``, every subject of those groups forms the last fold (the paper's mostly
    non-Caucasian fold) and the rest is split into k-1 folds; the split is stratified by label and
    grouped by subject (scikit-learn's StratifiedGroupKFold, seeded).
    """
    given = [r.fold for r in records]
    if any(f is not None for f in given):
        if any(f is None for f in given):
            missing = [r.clip_id for r in records if r.fold is None][:5]
            raise ValueError(f"metadata gives folds for some clips but not for {missing}")
        check_subject_disjoint(records, given)
        return [int(f) for f in given], None
    demo = None
    rest = list(range(len(records)))
    folds = [-1] * len(records)
    n_split = k
    if demographic_groups:
        wanted = set(demographic_groups)
        demo = k - 1
        demo_subjects = {r.subject for r in records if r.group in wanted}
        if not demo_subjects:
            raise ValueError(f"no clip of groups {sorted(wanted)} for the demographic fold")
        for i, r in enumerate(records):
            if r.subject in demo_subjects:
                folds[i] = demo
        rest = [i for i in rest if folds[i] < 0]
        n_split = k - 1
    for i, f in zip(rest, _grouped_stratified([records[i] for i in rest], n_split, seed)):
        folds[i] = f
    check_subject_disjoint(records, folds)
    return folds, demo


def _grouped_stratified(records: Sequence[ClipRecord], k: int, seed: int) -> list[int]:
    from sklearn.model_selection import StratifiedGroupKFold

    n_subjects = len({r.subject for r in records})
    if n_subjects < k:
        raise ValueError(f"{k} folds need at least {k} subjects; the data has {n_subjects}")
    labels = np.array([r.label for r in records])
    groups = np.array([r.subject for r in records])
    out = np.full(len(records), -1)
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    for f, (_, test) in enumerate(splitter.split(np.zeros(len(records)), labels, groups)):
        out[test] = f
    return out.tolist()


def check_subject_disjoint(records: Sequence[ClipRecord], folds: Sequence[int]) -> None:
    """Raise if one subject's clips lie in more than one fold (a leak between train and test)."""
    seen: dict[str, int] = {}
    for r, f in zip(records, folds):
        if seen.setdefault(r.subject, f) != f:
            raise ValueError(f"subject {r.subject!r} appears in folds {seen[r.subject]} and {f} (clip {r.clip_id})")


def fold_split(records, folds, test_fold: int) -> tuple[list[ClipRecord], list[ClipRecord]]:
    train = [r for r, f in zip(records, folds) if f != test_fold]
    test = [r for r, f in zip(records, folds) if f == test_fold]
    return train, test
