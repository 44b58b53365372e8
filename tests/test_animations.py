"""animations: AU catalogue, timeline sampling, .fani import/export, native format, signal library."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from animations import (
    AnimationError,
    AUEvent,
    AUTimeline,
    FaniClipWarning,
    builtin_signals,
    get_signal,
    load_timeline,
    paper_signals,
    read_fani,
    resolve_key,
    save_timeline,
    signals_for,
    write_fani,
)
from animations.catalogue import CATALOGUE, FACSHUMAN_EXPRESSION_TARGETS, FACSHUMAN_PUPIL_TARGETS
from animations.native import dump_native, parse_native

CLIPPED_PAPER_FILES = {
    "1_ANGR.fani",
    "eyesRL_conf.fani",
    "lLidtightnBrowLowernOpenMouth_conf.fani",
    "openMouthShak_CONF.fani",
}


def ev(times, levels, event_id=None) -> AUEvent:
    return AUEvent(*times, *levels, event_id=event_id)


def one_key(*events, key="4") -> AUTimeline:
    return AUTimeline(id="t", emotion="anger", events=((key, tuple(events)),))


def read_quietly(path: Path) -> AUTimeline:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FaniClipWarning)
        return read_fani(path)


@pytest.fixture(scope="module")
def paper_files(paper_animations_dir: Path) -> list[Path]:
    files = sorted(paper_animations_dir.glob("*.fani"))
    assert len(files) == 21
    return files


# --------------------------------------------------------------------------- catalogue


def facshuman_keys(shared_dir: Path) -> dict[str, str]:
    root = shared_dir / "assets" / "facshuman" / "FACSHuman"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    keys = json.loads((root / "au.json").read_text())
    for target in root.rglob("*.target"):
        keys.setdefault(target.stem, "")
    return keys


def test_every_facshuman_au_key_resolves(shared_dir):
    keys = facshuman_keys(shared_dir)
    non_au = set(FACSHUMAN_EXPRESSION_TARGETS) | set(FACSHUMAN_PUPIL_TARGETS)
    assert non_au <= set(keys)
    resolved = 0
    for key, description in keys.items():
        if key in non_au:
            continue
        au_key = resolve_key(key)
        assert au_key.key == key
        if description:  # au.json descriptions start with the AU number and name the side
            assert au_key.au == int(description.split()[0]), key
            side = re.search(r"\((Left|Right)", description)
            assert au_key.side == (side[1][0] if side else None), key
        resolved += 1
    assert resolved >= 100


def test_facshuman_non_au_keys_are_refused_with_a_reason():
    with pytest.raises(AnimationError, match="whole-expression target"):
        resolve_key("01_Anger")
    with pytest.raises(AnimationError, match="pupil"):
        resolve_key("both_eye_pupil_dilate")


@pytest.mark.parametrize(
    "key, au, side, variant",
    [
        ("4_b", 4, None, "b"),
        ("L12", 12, "L", None),
        ("R43", 43, "R", None),
        ("22_25_up_down", 22, None, "up_down"),
        ("22_25_down", 22, None, "down"),
        ("26_tongue_out", 26, None, "tongue_out"),
        ("28_bottom", 28, None, "bottom"),
        ("61", 61, None, None),
        ("45", 45, None, None),
        ("L46", 46, "L", None),
    ],
)
def test_resolve_key_examples(key, au, side, variant):
    assert (resolve_key(key).au, resolve_key(key).side, resolve_key(key).variant) == (au, side, variant)


@pytest.mark.parametrize("key", ["99", "3", "4_z", "L4", "04", "L4_b", "22_up_down", "", "AU4", "12 "])
def test_unknown_key_names_the_key_and_the_accepted_forms(key):
    with pytest.raises(AnimationError) as info:
        resolve_key(key)
    assert repr(key) in str(info.value) and "'<n>'" in str(info.value)


def test_catalogue_has_the_aus_the_project_needs():
    wanted = {1, 2, 4, 5, 6, 7, *range(9, 40), 43, 45, 46, *range(51, 59), *range(61, 67)}
    assert wanted <= set(CATALOGUE)
    assert CATALOGUE[51].name == "Head Turn Left" and CATALOGUE[61].name == "Eyes Turn Left"
    assert CATALOGUE[12].has_sides and not CATALOGUE[26].has_sides


# --------------------------------------------------------------------------- sampling


def test_frame_i_samples_t_equal_i_over_n():
    timeline = one_key(ev([0.0, 0.5, 0.5, 1.0], [0.0, 1.0, 1.0, 0.0]))
    keys, values = timeline.sample(4)  # t = 0.25, 0.5, 0.75, 1.0
    assert keys == ["4"] and values.dtype == np.float32 and values.shape == (4, 1)
    np.testing.assert_allclose(values[:, 0], [0.5, 1.0, 0.5, 0.0], atol=1e-7)


def test_outside_every_event_an_au_holds_its_last_sampled_value():
    early = ev([0.0, 0.25, 0.25, 0.5], [0.0, 0.8, 0.8, 0.4])
    late = ev([0.5, 0.6, 0.6, 1.0], [0.3, 0.3, 0.3, 0.3])
    timeline = AUTimeline(id="t", emotion="x", events=(("4", (early,)), ("9", (late,))))
    keys, values = timeline.sample(5)  # t = .2 .4 .6 .8 1
    # AU4: .2 on the rise, .4 on the fall, then held at its last *sampled* value, not 0.4
    np.testing.assert_allclose(values[:, 0], [0.64, 0.56, 0.56, 0.56, 0.56], atol=1e-6)
    np.testing.assert_allclose(values[:, 1], [0.0, 0.0, 0.3, 0.3, 0.3], atol=1e-7)  # 0 before


def test_overlapping_events_the_later_in_file_order_wins():
    wide = ev([0.0, 0.5, 0.5, 1.0], [0.2, 0.2, 0.2, 0.2])
    narrow = ev([0.3, 0.3, 0.7, 0.7], [0.9, 0.9, 0.9, 0.9])
    _, values = one_key(wide, narrow).sample(10)
    np.testing.assert_allclose(values[:, 0], [0.2, 0.2, 0.9, 0.9, 0.9, 0.9, 0.9, 0.2, 0.2, 0.2], atol=1e-7)
    _, values = one_key(narrow, wide).sample(10)
    np.testing.assert_allclose(values[:, 0], 0.2, atol=1e-7)


def test_zero_length_segment_takes_its_end_value():
    _, values = one_key(ev([0.2, 0.2, 0.6, 0.6], [0.0, 1.0, 0.5, 0.0])).sample(5)
    np.testing.assert_allclose(values[:, 0], [1.0, 0.75, 0.5, 0.5, 0.5], atol=1e-7)


def test_image_stop_before_apex_stop_drops_the_last_segment():
    # cheeckraise_CONF.fani, AU10: the fall to 1.0 'ends' at 0.3, before the apex ends at 0.66
    _, values = one_key(ev([0.0, 0.33, 0.66, 0.3], [0.0, 0.1, 0.1, 1.0]), key="10").sample(25)
    np.testing.assert_allclose(values[0, 0], 0.1 * 0.04 / 0.33, atol=1e-7)
    np.testing.assert_allclose(values[9:, 0], 0.1, atol=1e-7)  # apex, then held


def test_timeline_without_events_samples_to_zero():
    timeline = AUTimeline(id="n", emotion="neutral", events=(("4", ()),))
    assert not timeline.sample(3)[1].any()
    assert AUTimeline(id="n", emotion="neutral").sample(3)[1].shape == (3, 0)


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_sample_rejects_a_bad_frame_count(n):
    with pytest.raises(AnimationError, match="n_frames"):
        one_key(ev([0, 0, 1, 1], [0, 1, 1, 0])).sample(n)


@pytest.mark.parametrize("field, value", [("apex_start", float("nan")), ("intensity_stop", "0.5"),
                                          ("image_stop", 1.5), ("apex_intensity_start", None)])
def test_event_validation_names_the_field(field, value):
    values = dict(zip(("image_start", "apex_start", "apex_stop", "image_stop"), (0, 0.3, 0.6, 1)))
    values.update(zip(("intensity_start", "apex_intensity_start", "apex_intensity_stop", "intensity_stop"), (0, 1, 1, 0)))
    values[field] = value
    with pytest.raises(AnimationError, match=f"{field}: expected a number in \\[0, 1\\]"):
        AUEvent(**values)


def test_timeline_validation():
    with pytest.raises(AnimationError, match="'4' appears twice"):
        AUTimeline(id="t", emotion="x", events=(("4", ()), ("4", ())))
    with pytest.raises(AnimationError, match="unknown AU key '99'"):
        AUTimeline(id="t", emotion="x", events=(("99", ()),))
    with pytest.raises(AnimationError, match="id"):
        AUTimeline(id="", emotion="x")


# --------------------------------------------------------------------------- .fani


def facshuman_reference(path: Path, n_frames: int) -> dict[str, np.ndarray]:
    """FACSHuman's renderer loop, transcribed, on the raw (unclipped) file."""
    data = json.loads(path.read_text())
    curves = {}
    for key, events in data.items():
        value, curve = 0.0, []
        for i in range(1, n_frames + 1):
            t = i / n_frames
            for e in events.values():
                points = [(e["image_start"], e["intensity_start"]), (e["apex_start"], e["apex_intensity_start"]),
                          (e["apex_stop"], e["apex_intensity_stop"]), (e["image_stop"], e["intensity_stop"])]
                for (t0, v0), (t1, v1) in zip(points, points[1:]):
                    if t0 <= t <= t1:
                        value = v1 if t1 == t0 else v0 + (v1 - v0) / (t1 * n_frames - t0 * n_frames) * (i - t0 * n_frames)
                        break
            curve.append(value)
        curves[key] = np.array(curve)
    return curves


def test_all_paper_files_import_with_facshuman_curves(paper_files):
    emotions = []
    for path in paper_files:
        timeline = read_quietly(path)
        assert timeline.id == path.stem and timeline.source == str(path)
        emotions.append(timeline.emotion)
        keys, values = timeline.sample(25)
        reference = facshuman_reference(path, 25)
        assert keys == list(reference)
        for column, key in enumerate(keys):
            np.testing.assert_allclose(values[:, column], reference[key], atol=1e-6, err_msg=f"{path.name} {key}")
    assert sorted(emotions) == ["anger"] * 7 + ["confusion"] * 7 + ["disgust"] * 7


def test_clipping_warns_exactly_once_per_file(paper_files):
    for path in paper_files:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            timeline = read_fani(path)
        clip_warnings = [w for w in caught if issubclass(w.category, FaniClipWarning)]
        assert len(clip_warnings) == (path.name in CLIPPED_PAPER_FILES), path.name
        if clip_warnings:
            message = str(clip_warnings[0].message)
            assert str(path) in message and "-> " in message
        for _, events in timeline.events:
            for event in events:
                assert all(0.0 <= x <= 1.0 for x in event.times + event.intensities)


def test_clipping_keeps_the_curve_inside_the_unit_interval(tmp_path):
    path = tmp_path / "clip.fani"
    raw = {"61": {"A": {"image_start": -0.5, "apex_start": 0.5, "apex_stop": 0.75, "image_stop": 1.25,
                        "intensity_start": 0.0, "apex_intensity_start": 1.0, "apex_intensity_stop": 1.0,
                        "intensity_stop": 2.0}}}
    path.write_text(json.dumps(raw))
    with pytest.warns(FaniClipWarning, match="clip.fani: clipped 4 value"):
        timeline = read_fani(path)
    event = timeline.events_for("61")[0]
    assert event.times == (0.0, 0.5, 0.75, 1.0)
    assert event.intensities == (0.5, 1.0, 1.0, 1.0)  # 0.5: the curve's value at t = 0; 2.0 -> 1.5 -> 1


def test_fani_round_trip(paper_files, tmp_path):
    for path in paper_files:
        first = read_quietly(path)
        copy = write_fani(first, tmp_path / path.name)
        with warnings.catch_warnings():
            warnings.simplefilter("error", FaniClipWarning)  # clipped once, clean afterwards
            second = read_fani(copy)
        assert second == first
        np.testing.assert_array_equal(second.sample(25)[1], first.sample(25)[1])
        ids = {eid for evs in json.loads(copy.read_text()).values() for eid in evs}
        assert ids == {e.event_id for _, evs in first.events for e in evs}


def test_fani_export_generates_deterministic_ids(tmp_path):
    timeline = get_signal("confusion_eyes_left_right")
    a, b = write_fani(timeline, tmp_path / "a.fani"), write_fani(timeline, tmp_path / "b.fani")
    assert a.read_text() == b.read_text()
    ids = [eid for evs in json.loads(a.read_text()).values() for eid in evs]
    assert len(ids) == 5 == len(set(ids)) and all(re.fullmatch(r"[0-9A-F]{16}", i) for i in ids)
    np.testing.assert_array_equal(read_fani(a).sample(25)[1], timeline.sample(25)[1])


def test_fani_emotion_from_suffix(tmp_path):
    for name, emotion in [("x_ANGR", "anger"), ("x_conf", "confusion"), ("x_CONF", "confusion"),
                          ("x_DISG", "disgust"), ("smile", "unknown"), ("x_JOY", "unknown")]:
        (tmp_path / f"{name}.fani").write_text("{}")
        assert read_fani(tmp_path / f"{name}.fani").emotion == emotion


def test_truncated_fani_names_file_line_and_column(paper_files, tmp_path):
    path = tmp_path / "truncated.fani"
    text = paper_files[0].read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(AnimationError, match=r"truncated\.fani:\d+:\d+: invalid \.fani JSON"):
        read_fani(path)


def test_unknown_au_key_in_fani_names_file_and_key(tmp_path):
    path = tmp_path / "bad.fani"
    path.write_text(json.dumps({"4": {}, "99_x": {}}))
    with pytest.raises(AnimationError, match=r"bad\.fani: unknown AU key '99_x'"):
        read_fani(path)


def test_missing_field_in_fani_names_file_key_event_and_field(tmp_path):
    path = tmp_path / "missing.fani"
    fields = dict(image_start=0, apex_start=0.3, apex_stop=0.6, image_stop=1, intensity_start=0,
                  apex_intensity_start=1, intensity_stop=0)
    path.write_text(json.dumps({"L12": {"ABC": fields}}))
    with pytest.raises(AnimationError, match=r"missing\.fani: AU key 'L12', event 'ABC': missing field 'apex_intensity_stop'"):
        read_fani(path)


@pytest.mark.parametrize("value, expected", [("NaN", "finite"), ('"high"', "the string 'high'"), ("[1]", "a number")])
def test_bad_number_in_fani_names_the_field(tmp_path, value, expected):
    path = tmp_path / "nan.fani"
    body = ('{"4": {"E": {"image_start": 0, "apex_start": %s, "apex_stop": 0.6, "image_stop": 1, '
            '"intensity_start": 0, "apex_intensity_start": 1, "apex_intensity_stop": 1, "intensity_stop": 0}}}') % value
    path.write_text(body)
    with pytest.raises(AnimationError, match=f"nan.fani: AU key '4', event 'E', field 'apex_start'.*{expected}"):
        read_fani(path)


def test_numbers_as_strings_are_read_like_facshuman(tmp_path):
    path = tmp_path / "old.fani"
    fields = dict(image_start="0", apex_start="0.5", apex_stop="0.5", image_stop="1", intensity_start="0",
                  apex_intensity_start="1", apex_intensity_stop="1", intensity_stop="0")
    path.write_text(json.dumps({"4": {"E": fields}}))
    np.testing.assert_allclose(read_fani(path).sample(2)[1][:, 0], [1.0, 0.0])


def test_missing_files_are_named(tmp_path):
    for name in ("nowhere.fani", "nowhere.yaml"):
        with pytest.raises(AnimationError, match=f"{name}: no such file"):
            load_timeline(tmp_path / name)


# --------------------------------------------------------------------------- native format


def custom_timeline() -> AUTimeline:
    return AUTimeline(
        id="custom",
        emotion="confusion",
        description="a test: two keys, ids on some events",
        events=(
            ("L12", (ev([0, 0.2, 0.4, 0.6], [0, 0.5, 0.5, 0.1], "ID1"), ev([0.7, 0.8, 0.9, 1.0], [0.1, 1, 1, 0]))),
            ("26_tongue_out", (ev([0, 0.33, 0.66, 0.3], [0.25, 0.5, 0.75, 1.0]),)),
        ),
        source="hand-written",
    )


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_native_round_trip(tmp_path, suffix):
    timelines = [custom_timeline(), *builtin_signals().values()]
    for timeline in timelines:
        path = save_timeline(timeline, tmp_path / f"{timeline.id}{suffix}")
        back = load_timeline(path)
        assert back == timeline and back.source == timeline.source and back.description == timeline.description
        np.testing.assert_array_equal(back.sample(25)[1], timeline.sample(25)[1])
    assert timelines[0].save(tmp_path / "again.fani").exists()


def test_native_yaml_is_readable():
    text = dump_native(custom_timeline())
    assert "times: [0.0, 0.2, 0.4, 0.6]" in text and "intensities: [0.0, 0.5, 0.5, 0.1]" in text
    assert text.index("L12") < text.index("26_tongue_out")


def test_unknown_extension_is_refused(tmp_path):
    with pytest.raises(AnimationError, match=r"x\.txt: unknown timeline file type '.txt'"):
        save_timeline(custom_timeline(), tmp_path / "x.txt")


@pytest.mark.parametrize(
    "text, message",
    [
        ("id: x\nemotion: anger\naus: {'4': [ {times: [0, 1, 1, 1]\n", r"f\.yaml:\d+:\d+: invalid YAML"),
        ("id: x\nemotion: anger\n", r"f\.yaml: missing field 'aus'"),
        ("id: x\nemotion: anger\nlabel: y\naus: {}\n", r"f\.yaml: unknown field 'label'"),
        ("id: x\nemotion: anger\naus: {'4': [{times: [0, 0.5, 0.5, 1], intensities: [0, 1.2, 1, 0]}]}\n",
         r"f\.yaml: aus\['4'\]\[0\]\.intensities\[1\]: expected a number in \[0, 1\], got 1.2"),
        ("id: x\nemotion: anger\naus: {'4': [{times: [0, 0.5, 1], intensities: [0, 1, 1, 0]}]}\n",
         r"aus\['4'\]\[0\]\.times: expected a list of 4 numbers"),
        ("id: x\nemotion: anger\naus: {'4': [{intensities: [0, 1, 1, 0]}]}\n", r"aus\['4'\]\[0\]: missing field 'times'"),
        ("id: x\nemotion: anger\naus: {'L4': []}\n", r"f\.yaml: unknown AU key 'L4'"),
    ],
)
def test_native_errors_name_file_and_field(text, message):
    with pytest.raises(AnimationError, match=message):
        parse_native(text, "f.yaml", ".yaml")


def test_native_json_error_has_line_and_column():
    with pytest.raises(AnimationError, match=r"f\.json:2:\d+: invalid JSON"):
        parse_native('{"id": "x",\n "aus": }', "f.json", ".json")


def test_unquoted_yaml_au_numbers_are_keys():
    timeline = parse_native("id: x\nemotion: anger\naus:\n  4:\n  - {times: [0, 0.5, 0.5, 1], intensities: [0, 1, 1, 0]}\n",
                            "f.yaml", ".yaml")
    assert timeline.keys == ["4"]


# --------------------------------------------------------------------------- built-in library


def test_library_has_21_paper_signals_and_neutral():
    signals = builtin_signals()
    assert len(signals) == 22 and list(signals) == sorted(signals)
    assert len(paper_signals()) == 21
    for emotion in ("confusion", "anger", "disgust"):
        found = signals_for(emotion)
        assert len(found) == 7 and all(sid.startswith(emotion) for sid in found)
    neutral = get_signal("neutral")
    assert neutral.emotion == "neutral" and neutral.events == () and not neutral.sample(25)[1].any()
    for signal in signals.values():
        assert signal.description and "\n" not in signal.description


def test_builtin_signals_reproduce_the_paper_files(paper_animations_dir):
    sources = []
    for signal in paper_signals().values():
        path = paper_animations_dir / signal.source
        sources.append(signal.source)
        paper = read_quietly(path)
        assert signal.emotion == paper.emotion
        keys, values = signal.sample(25)
        paper_keys, paper_values = paper.sample(25)
        assert keys == paper_keys, signal.id
        for column, key in enumerate(keys):
            assert np.abs(values[:, column] - paper_values[:, column]).max() <= 1e-6, (signal.id, key)
    assert sorted(sources) == sorted(p.name for p in paper_animations_dir.glob("*.fani"))


def test_unknown_signal_and_emotion_list_what_exists():
    with pytest.raises(AnimationError, match="no built-in signal 'joy'.*confusion_eyes_left_right"):
        get_signal("joy")
    with pytest.raises(AnimationError, match="emotion 'joy'.*'confusion'"):
        signals_for("joy")


def test_animations_imports_no_heavy_or_sibling_packages():
    code = (
        "import sys, animations, animations.rigs.arkit\n"
        "bad = [m for m in ('torch', 'anny', 'humans', 'sim_env', 'perception', 'training') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
