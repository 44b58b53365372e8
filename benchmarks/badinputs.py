"""Bad-input corpus report: per format, corpus files, probes (file x entry point: Python API, CLI),
and how many were rejected with a hrisim error, warned, accepted silently, or crashed; plus any
forbidden open, echo or write. ``python benchmarks/badinputs.py [--no-cli] [--legacy-errors]``.

``--legacy-errors`` counts any ValueError as an error of hrisim's own (what the CLI printed as one
line before ``HrisimError`` existed): run it from a checkout of an older commit
(``cd OLD && python NEW/benchmarks/badinputs.py --legacy-errors``) for the before/after figures.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())  # the checkout being measured
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "tests"))  # this checkout's corpus and driver


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cli", action="store_true", help="Python API probes only")
    parser.add_argument("--legacy-errors", action="store_true", help="count any ValueError as a hrisim error")
    parser.add_argument("--kinds", default=None, help="comma-separated formats (default: all)")
    parser.add_argument("--show", type=int, default=5, help="list this many crashes and silent accepts per format")
    args = parser.parse_args()
    if args.legacy_errors:
        os.environ["HRISIM_CORPUS_ERRORS"] = "legacy"
    import safety_corpus as sc

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hrisim-badinputs-") as work:
        kinds = tuple(args.kinds.split(",")) if args.kinds else sc.FORMATS
        probes, problems = sc.run_corpus(Path(work) / "w", cli=not args.no_cli, kinds=kinds)
    table = sc.summary(probes)
    columns = ("files", "probes", "rejected", "warned", "accepted", "crash")
    print(f"{'format':<11}" + "".join(f"{c:>10}" for c in columns))
    for kind, row in table.items():
        print(f"{kind:<11}" + "".join(f"{row[c]:>10}" for c in columns))
    total = {c: sum(r[c] for r in table.values()) for c in columns}
    print(f"{'all':<11}" + "".join(f"{total[c]:>10}" for c in columns))
    expected_warn = sum(1 for p in probes if p.case.rsplit("/", 1)[-1].startswith("warn_"))
    print(f"\n{expected_warn} probes are of warn_* files (valid but odd: must warn); every other probe must be rejected")
    for kind in table:
        bad = [p for p in probes if p.kind == kind and (p.outcome == "crash" or (
            p.outcome == "accepted" and not p.case.rsplit("/", 1)[-1].startswith("warn_")))]
        for p in bad[: args.show]:
            print(f"  {p.outcome:<8} {p.case} ({p.entry}): {p.detail[:160]}")
    print(f"\nforbidden opens, echoes or writes: {len(problems)}")
    for line in problems[:20]:
        print(f"  {line[:200]}")
    print(f"{len(probes)} probes in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
