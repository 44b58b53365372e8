"""``--humans`` and ``--animations`` take comma-separated built-in ids; a mistyped id is a usage error
(exit 2) with "did you mean", before anything is written."""
import pytest

from hrisim.errors import UsageError
from sim_env.dataset import GenerateConfig, make_plan


def test_id_lists_pick_those_people_and_signals(tmp_path):
    plan = make_plan(GenerateConfig(out=str(tmp_path), humans="bal_m_asian_1,bal_f_black_1",
                                    animations="confusion_eyes_left_right,anger_wide_eyes", viewpoints="grid:0;0"))
    assert [(g.human.id, g.animation.id) for g in plan.groups] == [
        ("bal_m_asian_1", "confusion_eyes_left_right"), ("bal_m_asian_1", "anger_wide_eyes"),
        ("bal_f_black_1", "confusion_eyes_left_right"), ("bal_f_black_1", "anger_wide_eyes")]
    one = make_plan(GenerateConfig(out=str(tmp_path), humans="bal_f_black_1", animations="neutral", viewpoints="grid:0;0"))
    assert one.n_clips == 1


@pytest.mark.parametrize("humans,animations,message", [
    ("bal_f_blak_1", "neutral", "no balanced24 human 'bal_f_blak_1'; did you mean 'bal_f_black_1'"),
    ("bal_f_black_1,nobody", "neutral", "no balanced24 human 'nobody'"),
    ("bal_f_black_1", "neutral,confusion_eys_left_right", "did you mean 'confusion_eyes_left_right'"),
    ("bal_f_black_1,bal_f_black_1", "neutral", "repeated ids"),
])
def test_bad_ids_are_usage_errors(tmp_path, humans, animations, message):
    with pytest.raises(UsageError, match=message):
        make_plan(GenerateConfig(out=str(tmp_path), humans=humans, animations=animations))


def test_cli_exits_2_on_a_mistyped_id(tmp_path, capsys):
    from sim_env.cli import main

    assert main(["generate", "--out", str(tmp_path / "ds"), "--humans", "bal_f_blak_1", "--animations", "neutral"]) == 2
    assert "did you mean 'bal_f_black_1'" in capsys.readouterr().err
    assert not (tmp_path / "ds" / "manifest.csv").exists()


def test_long_id_lists_and_emotion_selection(tmp_path):
    """All 14 anger and disgust signals as one id list (longer than a file name may be) and as
    ``emotion:anger,disgust`` pick the same clips; an unknown emotion is a usage error."""
    from animations.library import builtin_signals

    ids = [k for k, t in builtin_signals().items() if t.emotion in ("anger", "disgust")]
    assert len(",".join(ids)) > 255 and len(ids) == 14
    listed = make_plan(GenerateConfig(out=str(tmp_path), humans="bal_f_black_1", animations=",".join(ids),
                                      viewpoints="grid:0;0"))
    by_emotion = make_plan(GenerateConfig(out=str(tmp_path), humans="bal_f_black_1",
                                          animations="emotion:anger,disgust", viewpoints="grid:0;0"))
    assert [g.animation.id for g in listed.groups] == [g.animation.id for g in by_emotion.groups] == ids
    with pytest.raises(UsageError, match="no emotion 'angr'; did you mean 'anger'"):
        make_plan(GenerateConfig(out=str(tmp_path), humans="bal_f_black_1", animations="emotion:angr"))


def test_prototype_signals_by_id_and_all_at_once(tmp_path):
    """The FACS/EMFACS prototypes are named like the built-in signals (``--animations proto_...``)."""
    from animations.library import prototype_signals

    mixed = make_plan(GenerateConfig(out=str(tmp_path), humans="bal_f_black_1",
                                     animations="proto_disgust_9_10_25,anger_wide_eyes", viewpoints="grid:0;0"))
    assert [g.animation.id for g in mixed.groups] == ["proto_disgust_9_10_25", "anger_wide_eyes"]
    assert mixed.groups[0].animation.emotion == "disgust"
    every = make_plan(GenerateConfig(out=str(tmp_path), humans="bal_f_black_1", animations="prototypes",
                                     viewpoints="grid:0;0"))
    assert [g.animation.id for g in every.groups] == list(prototype_signals()) and len(every.groups) == 9
    with pytest.raises(UsageError, match="did you mean 'proto_disgust_9_10_25'"):
        make_plan(GenerateConfig(out=str(tmp_path), humans="bal_f_black_1", animations="neutral,proto_disgust_9_10_2"))
