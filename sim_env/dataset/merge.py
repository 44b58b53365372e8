"""``hrisim dataset merge``: bring the shard folders of one plan together under one manifest."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable, Iterable

from hrisim.io import atomic_copy, atomic_write_text
from sim_env.dataset.journal import JOURNAL_DIR, finished_rows
from sim_env.dataset.store import FILE_COLUMNS, DatasetError, write_dataset_files


def merge_shards(out: Path, sources: Iterable[Path], log: Callable[[str], None] = print) -> Path:
    """Bring shard folders of one dataset together in ``out`` and write one manifest and card.

    Shards of one plan (same ``.hrisim/plan.json`` hash) are merged; their files are copied into
    ``out`` unless a source is ``out`` itself (shards written to a shared folder).
    """
    out = Path(out)
    sources = [Path(s) for s in sources] or [out]
    plans = {}
    for src in sources:
        plan_file = src / JOURNAL_DIR / "plan.json"
        if not plan_file.exists():
            raise DatasetError(f"{src}: not a generated dataset folder (no {JOURNAL_DIR}/plan.json)")
        plans[src] = json.loads(plan_file.read_text())
    hashes = {p["plan_hash"] for p in plans.values()}
    if len(hashes) != 1:
        raise DatasetError(f"shards come from different plans ({sorted(hashes)}): cannot merge {sources}")
    # Everything that can fail is checked before the first file is copied, so a refused merge leaves
    # ``out`` as it was (no clips without a manifest).
    from sim_env.dataset.plan import INPUTS_DIR, GenerateConfig, load_inputs, make_plan

    first = next(iter(plans.values()))
    config = GenerateConfig(out=str(out), **first["config"])
    try:
        plan = make_plan(config)
    except (ValueError, OSError) as exc:  # e.g. a relative animations path, from another folder
        saved = next((s for s in (load_inputs(src) for src in sources) if s is not None), None)
        if saved is None:
            raise DatasetError(f"the plan of {sources[0]} cannot be rebuilt from here ({exc}) and the shards hold no "
                               f"{INPUTS_DIR}/ copy; run the merge from the folder the dataset was generated in") from None
        plan = make_plan(config, *saved)  # the dataset's own copy of its humans and animations
    if plan.plan_hash != first["plan_hash"]:
        raise DatasetError(f"the plan of {sources[0]} cannot be rebuilt on this machine (its humans or "
                           "animations differ here); merge where the inputs are available")
    copies = {}
    for src in sources:
        if src.resolve() == out.resolve():
            continue
        copies[src] = rows = finished_rows(src)
        missing = [row[c] for row in rows for c, _ in FILE_COLUMNS if row.get(c) and not (src / row[c]).is_file()]
        if missing:
            raise DatasetError(f"{src}: {len(missing)} journalled files are missing (first: {missing[0]}); "
                               "run `hrisim dataset audit` there")
    (out / JOURNAL_DIR).mkdir(parents=True, exist_ok=True)
    for src, rows in copies.items():
        for row in rows:
            for file_col, _ in FILE_COLUMNS:
                if row.get(file_col):
                    atomic_copy(src / row[file_col], out / row[file_col])
        journal = out / JOURNAL_DIR / f"journal-merged-{hashlib.sha256(str(src.resolve()).encode()).hexdigest()[:8]}.jsonl"
        atomic_write_text(journal, "".join(json.dumps(r) + "\n" for r in rows))
        log(f"merged {len(rows)} clips from {src}")
    if not (out / JOURNAL_DIR / "plan.json").exists():
        atomic_write_text(out / JOURNAL_DIR / "plan.json", json.dumps(first, indent=2))
    return write_dataset_files(out, plan, config, first.get("command"), log=log)
