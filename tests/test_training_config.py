"""Strict experiment configs: ranges, finiteness, types, duplicate YAML keys and encodings are errors
of one line that name the file and the field."""
import pytest
import yaml

from training.config import ModelConfig, config_from_dict, load_config

BASE = {"name": "x", "data": {"real": "r"}}


def _load(tmp_path, mapping=None, text=None, raw=None):
    path = tmp_path / "exp.yaml"
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(text if text is not None else yaml.safe_dump(mapping))
    return load_config(path)


@pytest.mark.parametrize("section,value,message", [
    ({"train": {"lr": float("nan")}}, None, r"train\.lr: nan is not a finite number"),
    ({"strategy": {"ratio": float("inf")}}, None, r"strategy\.ratio: inf is not a finite number"),
    ({"train": {"lr": -1e-4}}, None, r"train\.lr: input should be greater than 0, got -0\.0001"),
    ({"train": {"weight_decay": -1}}, None, r"train\.weight_decay: .*greater than or equal to 0"),
    ({"strategy": {"ratio": 1.5}}, None, r"strategy\.ratio: .*less than or equal to 1, got 1\.5"),
    ({"strategy": {"epochs": -2}}, None, r"strategy\.epochs: .*greater than or equal to 0, got -2"),
    ({"train": {"batch_size": True}}, None, r"train\.batch_size: input should be a valid integer, got True"),
    ({"train": {"batch_size": "8"}}, None, r"train\.batch_size: input should be a valid integer, got '8'"),
    ({"model": {"length": 0}}, None, r"model\.length: .*greater than or equal to 1; or input should be 'full', got 0"),
    ({"model": {"k_grid": [1, -3]}}, None, r"model\.k_grid\[1\]: .*greater than or equal to 1, got -3"),
    ({"data": {"real": "r", "viewpoints": [[0, 0], [200, 0]]}}, None, r"data\.viewpoints\[1\]\[0\]: .*less than or equal to 180"),
    ({"model": {"kind": "svm"}}, None, r"model\.kind: 'svm' is not one of inception_time, knn_dtw or cnn3d"),
    ({"evaluation": {"flods": 5}}, None, r"evaluation\.flods: unknown field 'flods'; known: demographic_fold"),
    ({"seed": -1}, None, r"seed: .*greater than or equal to 0, got -1"),
])
def test_bad_values_name_file_and_field(tmp_path, section, value, message):
    with pytest.raises(ValueError, match=r"exp\.yaml: " + message) as info:
        _load(tmp_path, {**BASE, **section})
    assert "\n" not in str(info.value)


def test_good_configs_keep_their_values(tmp_path):
    cfg = _load(tmp_path, {**BASE, "train": {"lr": 1}, "model": {"kind": "knn_dtw", "length": "full"}})
    assert cfg.train.lr == 1.0 and isinstance(cfg.train.lr, float)  # an int is a fine float
    assert cfg.model.length == "full"
    assert cfg.to_dict()["model"]["k_grid"] == [1, 3, 5, 7, 9]


def test_assignment_is_checked_too(tmp_path):
    cfg = _load(tmp_path, BASE)
    cfg.train.batch_size = 4
    with pytest.raises(ValueError, match="batch_size"):
        cfg.train.batch_size = 0


def test_configs_built_in_python_are_checked():
    with pytest.raises(ValueError, match="frame_size"):
        ModelConfig(frame_size=4)
    assert config_from_dict({**BASE, "model": {"kind": "cnn3d"}}).model.kind == "cnn3d"


def test_duplicate_keys_are_an_error_naming_the_line(tmp_path):
    text = "name: x\ndata:\n  real: r\ntrain:\n  lr: 0.001\n  batch_size: 4\n  lr: 0.1\n"
    with pytest.raises(ValueError, match=r"exp\.yaml:7: duplicate key 'lr' \(first on line 5\)"):
        _load(tmp_path, text=text)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_utf16_and_utf32_files_are_named(tmp_path, encoding):
    with pytest.raises(ValueError, match=r"exp\.yaml: the file is UTF-16 (or UTF-32 )?text.*; save it as UTF-8"):
        _load(tmp_path, raw="name: x\ndata:\n  real: r\n".encode(encoding))


def test_other_encodings_and_syntax_errors_are_named(tmp_path):
    with pytest.raises(ValueError, match=r"exp\.yaml:1: expected UTF-8 text"):
        _load(tmp_path, raw="name: caf\xe9\ndata:\n  real: r\n".encode("latin-1"))
    assert _load(tmp_path, raw=b"\xef\xbb\xbfname: x\ndata:\n  real: r\n").name == "x"  # a UTF-8 BOM is fine
    with pytest.raises(ValueError, match=r"exp\.yaml:2:\d+: invalid YAML"):
        _load(tmp_path, text="name: x\ndata: real: r\n")
    with pytest.raises(ValueError, match=r"exp\.yaml: a config is a mapping"):
        _load(tmp_path, text="- a\n- b\n")
