"""Bad command-line values are refused with one clear line before anything is written; an unknown
human or signal id is an error with 'did you mean', never a different person in silence."""
from __future__ import annotations

import pytest

from sim_env.cli import main


def _run(capsys, *args) -> tuple[int, str]:
    rc = main(list(args))
    captured = capsys.readouterr()
    return rc, captured.out + captured.err


def test_demo_with_a_typo_in_the_human_id_is_an_error_with_a_suggestion(tmp_path, capsys):
    rc, text = _run(capsys, "demo", "--human", "bal_f_blak_1", "--out", str(tmp_path / "demo"))
    assert rc == 2 and "did you mean 'bal_f_black_1'" in text and "Traceback" not in text
    assert not (tmp_path / "demo" / "demo.mp4").exists()


def test_demo_with_an_unknown_signal_is_an_error_with_a_suggestion(tmp_path, capsys):
    rc, text = _run(capsys, "demo", "--signal", "confusion_open_mouht", "--out", str(tmp_path / "demo"))
    assert rc == 2 and "did you mean 'confusion_open_mouth'" in text


@pytest.mark.parametrize("option, value, expected", [
    ("--fps", "0", "fps must be"),
    ("--fps", "nan", "fps must be"),
    ("--size", "20000", "at most 4096"),
    ("--frames", "0", "frames must be"),
    ("--viewpoints", "grid:nan;0", "viewpoint horizontal_deg"),
    ("--viewpoints", "grid:0;inf", "viewpoint vertical_deg"),
    ("--viewpoints", "random:0", "viewpoints"),
])
def test_generate_refuses_bad_values_before_writing_anything(tmp_path, capsys, option, value, expected):
    out = tmp_path / "ds"
    rc, text = _run(capsys, "generate", "--out", str(out), "--humans", "random:1", "--animations",
                    "confusion_open_mouth", "--quiet", option, value)
    assert rc != 0 and expected in text and "Traceback" not in text
    assert not (out / ".hrisim").exists()


def test_generate_refuses_an_existing_file_as_out(tmp_path, capsys):
    out = tmp_path / "taken.txt"
    out.write_text("mine")
    rc, text = _run(capsys, "generate", "--out", str(out), "--humans", "random:1", "--animations",
                    "confusion_open_mouth", "--quiet")
    assert rc != 0 and "is a file" in text and out.read_text() == "mine"


def test_a_huge_random_suite_is_refused(capsys):
    rc, text = _run(capsys, "humans", "list", "random:999999999")
    assert rc != 0 and "1 to 100000 humans" in text and "Traceback" not in text
