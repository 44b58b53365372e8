"""The dataset wing: plan → workers → run (journal) → store (manifest, split) → audit, merge, card.

``GenerateConfig`` + ``generate_dataset`` make or resume a dataset folder; ``read_manifest`` is the
one public reader of what a folder holds (``training`` reads datasets through it).
"""
from sim_env.dataset.store import (  # noqa: F401  (the public API of the wing)
    FORMAT,
    JOURNAL_DIR,
    MANIFEST_COLUMNS,
    DatasetError,
    file_sha256,
    read_manifest,
    subject_split,
    write_manifest,
)
from sim_env.dataset.plan import PRESETS, GenerateConfig, Plan, load_animations, make_plan  # noqa: F401
from sim_env.dataset.run import GenerationError, RunResult, generate_dataset  # noqa: F401
from sim_env.dataset.audit import audit_dataset  # noqa: F401
from sim_env.dataset.merge import merge_shards  # noqa: F401

__all__ = [
    "FORMAT", "JOURNAL_DIR", "MANIFEST_COLUMNS", "DatasetError", "file_sha256", "read_manifest", "subject_split",
    "write_manifest", "PRESETS", "GenerateConfig", "Plan", "load_animations", "make_plan", "GenerationError",
    "RunResult", "generate_dataset", "audit_dataset", "merge_shards",
]
