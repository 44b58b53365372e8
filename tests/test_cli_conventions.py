"""The command line's conventions: --version, defaults in every --help, exit 2 for usage errors and
1 for failures, "did you mean" for ids, and gym.make of a hrisim id without importing sim_env first."""
from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from sim_env.cli import _has_default, build_parser, main


def _parsers(parser, name="hrisim"):
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _parsers(sub, f"{name} {sub_name}")


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    from hrisim import hrisim_version

    assert capsys.readouterr().out.strip() == f"hrisim {hrisim_version()}"


def test_every_help_shows_the_defaults():
    assert "(default: 0)" in " ".join(dict(_parsers(build_parser()))["hrisim render"].format_help().split())
    parsers = dict(_parsers(build_parser()))
    assert len(parsers) >= 13
    for name, parser in parsers.items():
        text = " ".join(parser.format_help().split())
        for action in parser._actions:
            if action.option_strings and _has_default(action) and action.help != argparse.SUPPRESS:
                stated = action.help and "default" in action.help.lower()  # the help says it in words
                assert stated or f"(default: {action.default})" in text, f"{name} {action.option_strings[0]}: no default shown"


def test_usage_errors_exit_2_and_suggest(capsys, tmp_path):
    assert main(["render", "--human", "bal_f_black_1", "--animation", "confusion_eyes_left_right", "--out", str(tmp_path / "x.avi")]) == 2
    assert "give a .mp4 file name" in capsys.readouterr().err
    assert main(["render", "--human", "bal_f_blak_1", "--animation", "confusion_eyes_left_right", "--out", str(tmp_path / "x.mp4")]) == 2
    assert "did you mean 'bal_f_black_1'" in capsys.readouterr().err
    assert main(["render", "--human", "bal_f_black_1", "--animation", "confusion_eyes_left_rigth", "--out", str(tmp_path / "x.mp4")]) == 2
    assert "did you mean 'confusion_eyes_left_right'" in capsys.readouterr().err
    assert main(["bench-policies", "--policies", "never,orcale", "--out", str(tmp_path)]) == 2
    assert "did you mean 'oracle'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:  # argparse's own usage errors
        main(["render", "--human", "x"])
    assert info.value.code == 2
    assert not list(tmp_path.iterdir())


def test_failures_exit_1(capsys, tmp_path):
    assert main(["predict", str(tmp_path / "missing.mp4"), "--checkpoint", str(tmp_path)]) == 1
    assert "neither a model folder" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nname: y\n")
    assert main(["train", str(bad)]) == 1
    assert "duplicate key 'name'" in capsys.readouterr().err


def test_gym_make_without_importing_sim_env():
    code = ("import sys, gymnasium.envs.registration as r; spec = r._find_spec('sim_env:hrisim/ConfusionAssist-v0'); "
            "print(spec.entry_point, 'sim_env' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["sim_env.envs.confusion_assist:ConfusionAssistEnv", "True"]
