"""The bad-input corpus through the Python API and the command line: every malformed file is
refused with one of hrisim's own errors naming the file (``warn_*`` files load with a warning),
nothing outside the allowed roots is opened or echoed, and refused installs leave nothing behind."""
from __future__ import annotations

import pytest

import safety_corpus as sc


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("badinputs")
    return sc.run_corpus(work, cli=True)


def test_every_format_has_a_corpus():
    for kind in sc.FORMATS:
        assert len(sc.corpus_cases((kind,))) >= 5, kind


def test_no_crash_only_hrisim_errors(corpus_run):
    probes, _ = corpus_run
    crashes = [f"{p.kind}/{p.case} ({p.entry}): {p.detail}" for p in probes if p.outcome == "crash"]
    assert not crashes, "\n".join(crashes)


def test_malformed_files_are_refused_and_warn_files_warn(corpus_run):
    probes, _ = corpus_run
    wrong = []
    for p in probes:
        expected = "warned" if p.case.rsplit("/", 1)[-1].startswith("warn_") else "rejected"
        if p.outcome != expected:
            wrong.append(f"{p.kind}/{p.case} ({p.entry}): {p.outcome}, expected {expected}: {p.detail[:200]}")
    assert not wrong, "\n".join(wrong)


def test_errors_name_the_file(corpus_run):
    probes, _ = corpus_run
    unnamed = [f"{p.kind}/{p.case} ({p.entry}): {p.detail[:200]}" for p in probes
               if p.outcome == "rejected" and p.case.rsplit("/", 1)[-1].split(".")[0] not in p.detail]
    assert not unnamed, "\n".join(unnamed)


def test_nothing_outside_the_roots_is_opened_echoed_or_written(corpus_run):
    _, problems = corpus_run
    assert not problems, "\n".join(problems)


def test_the_forbidden_file_hook_can_fail(tmp_path):
    hook = sc.forbidden_hook()
    secret = tmp_path / "s.txt"
    secret.write_text("x")
    hook.paths, hook.hits, hook.active = {str(secret)}, [], True
    try:
        secret.read_text()
    finally:
        hook.active = False
    assert hook.hits == [str(secret)]


def test_paper_files_still_load_without_errors(paper_humans_dir, paper_animations_dir):
    from animations.formats import load_timeline
    from humans.mhm import import_mhm

    assert len([import_mhm(p) for p in sorted(paper_humans_dir.glob("*.mhm"))]) == 24
    assert len([load_timeline(p) for p in sorted(paper_animations_dir.glob("*.fani"))]) == 21
