"""Property-based fuzzing of every file parser: whatever bytes a file holds, the parser returns or
raises one of hrisim's own errors (a ``HrisimError`` naming the file); no other exception, no hang.

Inputs are valid files mutated by hypothesis (characters inserted, dropped or replaced, lines
duplicated or dropped, numbers swapped for NaN, infinities, huge or negative values, paths for
traversals) and, for the JSON formats, arbitrary JSON documents. The default profile runs 200
examples per parser (seconds); the ``slow`` marker reruns each with 1000
(``pytest -m slow tests/test_fuzz_parsers.py``).
"""
from __future__ import annotations

import itertools
import json
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hrisim.errors import HrisimError

settings.register_profile("hrisim-fast", max_examples=200, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("hrisim-slow", max_examples=1000, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FAST, SLOW = settings.get_profile("hrisim-fast"), settings.get_profile("hrisim-slow")

WORK = Path(tempfile.mkdtemp(prefix="hrisim-fuzz-"))
_names = itertools.count()

TOKENS = ["nan", "NaN", "inf", "-inf", "Infinity", "1e999", "-1", "0", "-0.0", "99999999999999999999",
          "9" * 40, "1.5", "../../../../etc/passwd", "/etc/passwd", "~", "\x00", "\ufeff", "#", "{", "[", "}",
          "]", '"', ":", "- ", "&a", "*a", "!!python/object", "\\", "\t", "é", "", " ", "\n", "true", "null"]

EVENT = {"image_start": 0.0, "apex_start": 0.3, "apex_stop": 0.6, "image_stop": 1.0, "intensity_start": 0.0,
         "apex_intensity_start": 1.0, "apex_intensity_stop": 1.0, "intensity_stop": 0.0}
SEEDS = {
    "fani": json.dumps({"4": {"E1": EVENT}, "L12": {"E2": EVENT}}, indent=2),
    "native": "id: t\nemotion: confusion\ndescription: d\naus:\n  '4':\n  - times: [0.0, 0.3, 0.6, 1.0]\n"
              "    intensities: [0.0, 1.0, 1.0, 0.0]\n    id: E1\n",
    "mhm": "# hrisim {\"group\": \"Asian\", \"seed\": 3}\nversion v1.2.0\nname x\nmodifier nose/nose-hump-decr|incr -0.07\n"
           "modifier macrodetails/Gender 0.5\nmodifier macrodetails/Age 0.5\nmodifier macrodetails/Asian 0.8\n"
           "modifier macrodetails/African 0.1\nmodifier macrodetails/Caucasian 0.1\nhair short02 c104cd4a\n"
           "eyes HighPolyEyes 2c12f43b\nskinMaterial skins/young/young.mhmat\n"
           "material HighPolyEyes 2c12f43b eyes/materials/brown.mhmat\nsubdivide False\n",
    "mhmat": "# material\nname skin\ndiffuseColor 0.8 0.6 0.5\nopacity 1.0\ntransparent False\nbackfaceCull True\n"
             "diffuseTexture textures/skin.png\nshader data/shaders/glsl/litsphere\n",
    "mhclo": "name p\nuuid 1234\nobj_file p.obj\nz_depth 50\nx_scale 5399 11998 1.4\ny_scale 791 881 2.4\n"
             "z_scale 962 5320 1.9\nverts 0\n10 11 12 0.3 0.3 0.4 0.01 0.02 0.03\n20\n30 31 32 1 0 0 0 0 0\n"
             "delete_verts\n100 - 105 200\n",
    "obj": "v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nvt 1 0\nvt 0 1\nf 1/1 2/2 3/3\n",
    "target": "# target\n10 0.1 0.0 -0.2\n11 0.0 0.3 0.0\n19157 1e-3 2e-3 3e-3\n",
    "suite": "name: s\nhumans:\n- id: a\n  gender: 0.0\n  age_years: 30\n  group: Asian\n- id: b\n  gender: 1.0\n"
             "  age_years: 60\n  group: Black\n  skin_tone: 8\n",
    "checkpoint": json.dumps({"architecture": "cnn3d", "classes": ["a", "b", "c"], "seq_len": 8,
                              "model_kwargs": {"input_size": 32, "width": 8, "dropout": 0.5},
                              "format": "hrisim-expression-classifier"}, indent=2),
}


@st.composite
def mutated(draw, seed: str) -> bytes:
    """``seed`` with a few random edits; sometimes re-encoded as UTF-16 or cut short."""
    text = seed
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["replace_token", "insert", "delete", "dup_line", "drop_line", "swap_number"]))
        pos = draw(st.integers(0, max(len(text) - 1, 0)))
        if op == "replace_token":
            end = min(len(text), pos + draw(st.integers(0, 8)))
            text = text[:pos] + draw(st.sampled_from(TOKENS)) + text[end:]
        elif op == "insert":
            text = text[:pos] + draw(st.text(max_size=6)) + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 20)):]
        elif op in ("dup_line", "drop_line"):
            lines = text.splitlines(keepends=True) or [""]
            i = draw(st.integers(0, len(lines) - 1))
            lines[i:i + 1] = [lines[i]] * (2 if op == "dup_line" else 0)
            text = "".join(lines)
        else:
            import re
            numbers = list(re.finditer(r"-?\d+(\.\d+)?(e-?\d+)?", text))
            if numbers:
                m = numbers[draw(st.integers(0, len(numbers) - 1))]
                text = text[:m.start()] + draw(st.sampled_from(TOKENS[:12])) + text[m.end():]
    data = text.encode("utf-8", errors="surrogatepass")
    tail = draw(st.sampled_from(["keep", "keep", "keep", "cut", "utf16", "bytes"]))
    if tail == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif tail == "utf16":
        data = text.encode("utf-16", errors="surrogatepass")
    elif tail == "bytes":
        data = data + draw(st.binary(max_size=8))
    return data


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20)


def _file(suffix: str, data: bytes, folder: Path | None = None) -> Path:
    folder = folder or WORK / f"d{next(_names)}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"f{next(_names)}{suffix}"
    path.write_bytes(data)
    return path


def _only_hrisim_errors(call) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call()
        except HrisimError as err:
            assert str(err), "an error without a message"


def _fani(data: bytes):
    from animations.fani import read_fani
    path = _file(".fani", data)
    _only_hrisim_errors(lambda: read_fani(path))


def _native(data: bytes, suffix: str = ".yaml"):
    from animations.native import read_native
    path = _file(suffix, data)
    _only_hrisim_errors(lambda: read_native(path))


def _mhm(data: bytes):
    from humans.mhm import import_mhm
    path = _file(".mhm", data)
    _only_hrisim_errors(lambda: import_mhm(path))


def _mhmat(data: bytes):
    from humans.assets import AssetRoots
    from humans.materials import read_mhmat
    root = WORK / f"root{next(_names)}"
    (root / "skins" / "textures").mkdir(parents=True)
    (root / "skins" / "textures" / "skin.png").write_bytes(b"")
    path = _file(".mhmat", data, root / "skins")
    _only_hrisim_errors(lambda: read_mhmat(path, AssetRoots((root,), "fuzz")))


def _mhclo(data: bytes, obj: bytes | None = None):
    from humans.proxies import read_mhclo
    folder = WORK / f"p{next(_names)}"
    folder.mkdir()
    (folder / "p.obj").write_bytes(obj if obj is not None else SEEDS["obj"].encode())
    path = _file(".mhclo", data, folder)
    _only_hrisim_errors(lambda: read_mhclo(path))


def _target(data: bytes):
    from animations.rigs.facshuman import read_target
    path = _file(".target", data)
    _only_hrisim_errors(lambda: read_target(path))


def _suite(data: bytes, suffix: str = ".yaml"):
    from humans.suites import load_suite
    path = _file(suffix, data)
    _only_hrisim_errors(lambda: load_suite(path))


def _checkpoint(data: bytes):
    from perception.checkpoint import CONFIG_FILE, read_config
    folder = WORK / f"c{next(_names)}"
    folder.mkdir()
    (folder / CONFIG_FILE).write_bytes(data)
    _only_hrisim_errors(lambda: read_config(folder))


@given(mutated(SEEDS["fani"]))
def fuzz_fani(data): _fani(data)


@given(json_values)
def fuzz_fani_json(value): _fani(json.dumps(value).encode())


@given(mutated(SEEDS["native"]))
def fuzz_native_yaml(data): _native(data)


@given(json_values)
def fuzz_native_json(value): _native(json.dumps(value).encode(), ".json")


@given(mutated(SEEDS["mhm"]))
def fuzz_mhm(data): _mhm(data)


@given(mutated(SEEDS["mhmat"]))
def fuzz_mhmat(data): _mhmat(data)


@given(mutated(SEEDS["mhclo"]), mutated(SEEDS["obj"]))
def fuzz_mhclo(data, obj): _mhclo(data, obj)


@given(mutated(SEEDS["target"]))
def fuzz_target(data): _target(data)


@given(mutated(SEEDS["suite"]))
def fuzz_suite_yaml(data): _suite(data)


@given(json_values)
def fuzz_suite_json(value): _suite(json.dumps(value).encode(), ".json")


@given(mutated(SEEDS["checkpoint"]))
def fuzz_checkpoint(data): _checkpoint(data)


@given(json_values)
def fuzz_checkpoint_json(value): _checkpoint(json.dumps(value).encode())


FUZZERS = [fuzz_fani, fuzz_fani_json, fuzz_native_yaml, fuzz_native_json, fuzz_mhm, fuzz_mhmat, fuzz_mhclo,
           fuzz_target, fuzz_suite_yaml, fuzz_suite_json, fuzz_checkpoint, fuzz_checkpoint_json]
IDS = [f.__name__[5:] for f in FUZZERS]


@pytest.mark.parametrize("fuzzer", FUZZERS, ids=IDS)
def test_fuzz(fuzzer):
    settings(FAST)(fuzzer)()


@pytest.mark.slow
@pytest.mark.parametrize("fuzzer", FUZZERS, ids=IDS)
def test_fuzz_slow(fuzzer, request):
    if "slow" not in (request.config.getoption("markexpr") or ""):
        # Also: a fuzzer can carry one settings object, so the fast and slow runs never share a process.
        pytest.skip("1000 examples per parser (about 4 min): run with `pytest -m slow`")
    settings(SLOW)(fuzzer)()


def test_the_seeds_are_valid_files():
    """Mutations start from files the parsers accept, so the fuzzing reaches past the first line."""
    from animations.fani import read_fani
    from animations.native import read_native
    from animations.rigs.facshuman import read_target
    from humans.mhm import import_mhm
    from humans.suites import load_suite
    from perception.checkpoint import read_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert read_fani(_file(".fani", SEEDS["fani"].encode())).events
        assert read_native(_file(".yaml", SEEDS["native"].encode())).events
        assert import_mhm(_file(".mhm", SEEDS["mhm"].encode())).spec.skin_material
        assert len(read_target(_file(".target", SEEDS["target"].encode())).vertices) == 3
        assert len(load_suite(_file(".yaml", SEEDS["suite"].encode()))) == 2
        folder = WORK / "seed-ck"
        folder.mkdir(exist_ok=True)
        (folder / "config.json").write_text(SEEDS["checkpoint"])
        assert read_config(folder)["seq_len"] == 8


def test_a_crashing_parser_would_fail():
    """The property can fail: an exception that is no HrisimError escapes ``_only_hrisim_errors``."""
    with pytest.raises(ZeroDivisionError):
        _only_hrisim_errors(lambda: 1 / 0)
