"""Writes the bad-input corpus (``python tests/badinputs/make_corpus.py``): small malformed files,
one folder per format. Committed, so the corpus test reads files, not this script; rerun it after
adding a case. A file named ``warn_*`` must load with a warning; every other file must be refused
with one of hrisim's own errors. Cases that need links or a temporary folder (symlinks to a decoy
secret, symlink loops, archives with link members) are made by ``tests/safety_corpus.py``.
"""
from __future__ import annotations

import gzip
import io
import json
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
EVENT = {"image_start": 0.0, "apex_start": 0.3, "apex_stop": 0.6, "image_stop": 1.0, "intensity_start": 0.0,
         "apex_intensity_start": 1.0, "apex_intensity_stop": 1.0, "intensity_stop": 0.0}
MHM_HEAD = "version v1.2.0\nmodifier macrodetails/Gender 0.500000\n"
MHM_TAIL = "skinMaterial skins/young/young.mhmat\nsubdivide False\n"


def fani_event(**changes) -> str:
    return json.dumps({"4": {"E1": {**EVENT, **changes}}})


def raw_fani_event(field: str, literal: str) -> str:
    body = json.dumps({"4": {"E1": {**EVENT, field: 12345}}})
    return body.replace("12345", literal)


NATIVE_OK = "id: t\nemotion: confusion\naus:\n  '4':\n  - times: [0.0, 0.3, 0.6, 1.0]\n    intensities: [0.0, 1.0, 1.0, 0.0]\n"
SUITE_OK = "name: s\nhumans:\n- id: a\n  gender: 0.0\n  age_years: 30\n  group: Asian\n"
CONFIG_OK = {"architecture": "cnn3d", "classes": ["a", "b"], "seq_len": 8, "model_kwargs": {"input_size": 32}}


def png(width: int, height: int, body: bytes | None = None) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = body if body is not None else zlib.compress(b"\0" + b"\x80" * 3 * width)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def tar_bytes(members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as tf:
        for info, data in members:  # TarInfo's mtime is 0: the same bytes on every run
            info.size = len(data) if info.isfile() else 0
            tf.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return out.getvalue()


def tar_member(name: str, kind=tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, link, 0o644
    return info


def zip_bytes(members: list[tuple[str, bytes, int | None]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is not None:
                info.external_attr = mode << 16
            zf.writestr(info, data)
    return out.getvalue()


TARGET = b"10 0.1 0.0 0.0\n"
CASES: dict[str, dict[str, bytes | str]] = {
    "mhm": {
        "empty.mhm": "",
        "comments_only.mhm": "# nothing but a comment\n\n",
        "warn_truncated.mhm": "version v1.2.0\nmodifier macrodetails/Gender 0.500000\nmodifier macrodetails/Age 0.5",
        "skin_traversal.mhm": MHM_HEAD + "skinMaterial ../../../../etc/passwd\nsubdivide False\n",
        "skin_absolute.mhm": MHM_HEAD + "skinMaterial /etc/passwd\nsubdivide False\n",
        "skin_data_traversal.mhm": MHM_HEAD + "skinMaterial data/../../secret.mhmat\nsubdivide False\n",
        "proxy_path.mhm": MHM_HEAD + "hair ../../../etc/passwd 766436e9\n" + MHM_TAIL,
        "material_traversal.mhm": MHM_HEAD + "eyes HighPolyEyes 2c12\nmaterial HighPolyEyes 2c12 ../../../etc/passwd\n" + MHM_TAIL,
        "modifier_nan.mhm": MHM_HEAD + "modifier macrodetails/Age nan\n" + MHM_TAIL,
        "modifier_inf.mhm": MHM_HEAD + "modifier nose/nose-hump-decr|incr inf\n" + MHM_TAIL,
        "modifier_huge.mhm": MHM_HEAD + "modifier macrodetails/Age 1e400\n" + MHM_TAIL,
        "modifier_range.mhm": MHM_HEAD + "modifier macrodetails/Age 5.0\n" + MHM_TAIL,
        "modifier_negative_macro.mhm": MHM_HEAD + "modifier macrodetails/Age -0.5\n" + MHM_TAIL,
        "modifier_bigint.mhm": MHM_HEAD + "modifier macrodetails/Age " + "9" * 5000 + "\n" + MHM_TAIL,
        "modifier_missing_value.mhm": MHM_HEAD + "modifier macrodetails/Age\n" + MHM_TAIL,
        "duplicate_modifier.mhm": MHM_HEAD + "modifier macrodetails/Gender 1.000000\n" + MHM_TAIL,
        "duplicate_skin.mhm": MHM_HEAD + "skinMaterial skins/a/a.mhmat\n" + MHM_TAIL,
        "duplicate_proxy.mhm": MHM_HEAD + "hair short01 1\nhair short02 2\n" + MHM_TAIL,
        "utf16.mhm": (MHM_HEAD + MHM_TAIL).encode("utf-16"),
        "latin1.mhm": (MHM_HEAD + "name Jos\xe9\n" + MHM_TAIL).encode("latin-1"),
        "binary.mhm": bytes(range(256)) * 4,
        "hrisim_deep.mhm": "# hrisim " + "[" * 5000 + "]" * 5000 + "\n" + MHM_HEAD + MHM_TAIL,
        "hrisim_list.mhm": "# hrisim [1, 2]\n" + MHM_HEAD + MHM_TAIL,
        "hrisim_bigint.mhm": "# hrisim {\"seed\": " + "9" * 400 + "}\n" + MHM_HEAD + MHM_TAIL,
        "hrisim_seed_text.mhm": "# hrisim {\"seed\": \"five\"}\n" + MHM_HEAD + MHM_TAIL,
        "passwd_like.mhm": "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
        "hrisim_nan_tone.mhm": "# hrisim {\"skin_tone\": NaN}\n" + MHM_HEAD + MHM_TAIL,
        "hrisim_duplicate.mhm": "# hrisim {\"seed\": 1, \"seed\": 2}\n" + MHM_HEAD + MHM_TAIL,
    },
    "mhmat": {
        "texture_traversal.mhmat": "name x\ndiffuseTexture ../../../../../../etc/passwd\n",
        "texture_absolute.mhmat": "name x\ndiffuseTexture /etc/passwd\n",
        "texture_home.mhmat": "name x\ndiffuseTexture ~/.ssh/id_rsa\n",
        "colour_nan.mhmat": "diffuseColor nan 0.5 0.5\n",
        "colour_inf.mhmat": "diffuseColor inf 0.5 0.5\n",
        "colour_negative.mhmat": "diffuseColor -0.2 0.5 0.5\n",
        "colour_short.mhmat": "diffuseColor 0.2 0.5\n",
        "opacity_negative.mhmat": "opacity -1\n",
        "opacity_big.mhmat": "opacity 7\n",
        "opacity_text.mhmat": "opacity lots\n",
        "flag_garbage.mhmat": "transparent maybe\n",
        "duplicate_key.mhmat": "opacity 1\nopacity 0.5\n",
        "warn_unknown_key.mhmat": "name x\nopacity 1\nglitter 0.5\n",
        "utf16.mhmat": "name x\nopacity 1\n".encode("utf-16"),
    },
    "mhclo": {
        "obj_traversal.mhclo": "name p\nobj_file ../../../../etc/passwd\nverts 0\n10\n",
        "obj_absolute.mhclo": "name p\nobj_file /etc/passwd\nverts 0\n10\n",
        "index_out_of_range.mhclo": "name p\nverts 0\n99999\n",
        "index_negative.mhclo": "name p\nverts 0\n-3\n",
        "index_huge.mhclo": "name p\nverts 0\n" + "9" * 5000 + "\n",
        "weight_nan.mhclo": "name p\nx_scale 1 2 1.0\ny_scale 1 2 1.0\nz_scale 1 2 1.0\nverts 0\n1 2 3 nan 0 0 0 0 0\n",
        "offset_inf.mhclo": "name p\nx_scale 1 2 1.0\ny_scale 1 2 1.0\nz_scale 1 2 1.0\nverts 0\n1 2 3 1 0 0 inf 0 0\n",
        "scale_zero.mhclo": "name p\nx_scale 1 2 0\ny_scale 1 2 1.0\nz_scale 1 2 1.0\nverts 0\n1 2 3 1 0 0 0.1 0 0\n",
        "scale_index.mhclo": "name p\nx_scale 1 999999 1.0\nverts 0\n10\n",
        "scale_duplicate.mhclo": "name p\nx_scale 1 2 1.0\nx_scale 1 3 1.0\nverts 0\n10\n",
        "delete_out_of_range.mhclo": "name p\nverts 0\n10\ndelete_verts\n0 - 999999999\n",
        "delete_backwards.mhclo": "name p\nverts 0\n10\ndelete_verts\n50 - 3\n",
        "row_short.mhclo": "name p\nverts 0\n1 2 3 4\n",
        "row_before_verts.mhclo": "name p\n10\n",
        "no_verts.mhclo": "name p\n",
        "duplicate_obj.mhclo": "name p\nobj_file a.obj\nobj_file b.obj\nverts 0\n10\n",
        "face_out_of_range.mhclo": "name p\nobj_file face_out_of_range.obj\nverts 0\n10\n11\n12\n",
        "face_out_of_range.obj": "v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nf 1/1 2/1 9/1\n",
        "uv_out_of_range.mhclo": "name p\nobj_file uv_out_of_range.obj\nverts 0\n10\n11\n12\n",
        "uv_out_of_range.obj": "v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nf 1/1 2/7 3/1\n",
        "uv_nan.mhclo": "name p\nobj_file uv_nan.obj\nverts 0\n10\n11\n12\n",
        "uv_nan.obj": "v 0 0 0\nv 1 0 0\nv 0 1 0\nvt nan 0\nf 1/1 2/1 3/1\n",
        "rows_vs_obj.mhclo": "name p\nobj_file rows_vs_obj.obj\nverts 0\n10\n",
        "rows_vs_obj.obj": "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n",
        "utf16.mhclo": "name p\nverts 0\n10\n".encode("utf-16"),
        "warn_unknown_key.mhclo": "name p\nobj_file warn_unknown_key.obj\nfrobnicate 3\nverts 0\n10\n11\n12\n",
        "warn_unknown_key.obj": "v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nf 1/1 2/1 3/1\n",
    },
    "target": {
        "offset_nan.target": "10 nan 0 0\n",
        "offset_inf.target": "10 0 -inf 0\n",
        "vertex_out_of_range.target": "19158 0.1 0 0\n",
        "vertex_negative.target": "-1 0.1 0 0\n",
        "vertex_huge.target": "9" * 5000 + " 0.1 0 0\n",
        "duplicate_vertex.target": "10 0.1 0 0\n10 0.2 0 0\n",
        "passwd_like.target": "root:x:0:0:root:/root:/bin/bash\n",
        "three_fields.target": "10 0.1 0\n",
        "utf16.target": TARGET.decode().encode("utf-16"),
    },
    "fani": {
        "huge_int.fani": raw_fani_event("apex_start", "1" + "0" * 400),
        "huge_int_digits.fani": raw_fani_event("apex_start", "9" * 5000),
        "deep.fani": "[" * 3000 + "]" * 3000,
        "deep_object.fani": '{"4": ' * 3000 + "{}" + "}" * 3000,
        "duplicate_au.fani": '{"4": {"E1": %s}, "4": {"E2": %s}}' % (json.dumps(EVENT), json.dumps(EVENT)),
        "duplicate_event.fani": '{"4": {"E1": %s, "E1": %s}}' % (json.dumps(EVENT), json.dumps(EVENT)),
        "duplicate_field.fani": raw_fani_event("apex_start", '0.3, "apex_start": 0.4'),
        "nan.fani": raw_fani_event("apex_start", "NaN"),
        "infinity.fani": raw_fani_event("intensity_stop", "-Infinity"),
        "overflow_float.fani": raw_fani_event("apex_stop", "1e999"),
        "string_nan.fani": fani_event(apex_start="nan"),
        "string_inf.fani": fani_event(apex_start="1e999"),
        "bool_value.fani": fani_event(apex_start=True),
        "null_value.fani": fani_event(apex_start=None),
        "list_top.fani": "[1, 2, 3]",
        "string_top.fani": '"hello"',
        "event_not_object.fani": '{"4": {"E1": [1, 2]}}',
        "events_not_object.fani": '{"4": [1, 2]}',
        "unknown_au.fani": '{"999": {}}',
        "missing_field.fani": json.dumps({"4": {"E1": {k: v for k, v in EVENT.items() if k != "apex_stop"}}}),
        "truncated.fani": fani_event()[:40],
        "utf16.fani": fani_event().encode("utf-16"),
        "binary.fani": bytes(range(256)),
        "empty.fani": "",
        "warn_unknown_field.fani": fani_event(colour="red"),
        "warn_clipped.fani": fani_event(image_stop=1.2),
    },
    "native": {
        "alias_bomb.yaml": "a: &a ['x','x','x','x','x','x','x','x','x']\n" + "".join(
            f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi")),
        "deep.yaml": "a: " + "[" * 5000 + "]" * 5000 + "\n",
        "deep.json": "[" * 3000 + "]" * 3000,
        "duplicate_top.yaml": NATIVE_OK + "id: u\n",
        "duplicate_au.yaml": NATIVE_OK + "  '4':\n  - times: [0, 0, 0, 1]\n    intensities: [0, 0, 0, 0]\n",
        "duplicate.json": '{"id": "a", "id": "b", "emotion": "x", "aus": {}}',
        "list.yaml": "- 1\n- 2\n",
        "scalar.yaml": "just text\n",
        "empty.yaml": "",
        "nan.yaml": NATIVE_OK.replace("1.0, 1.0, 0.0]", ".nan, 1.0, 0.0]"),
        "inf.yaml": NATIVE_OK.replace("times: [0.0, 0.3", "times: [0.0, .inf"),
        "negative.yaml": NATIVE_OK.replace("times: [0.0, 0.3", "times: [-0.5, 0.3"),
        "huge_int.yaml": NATIVE_OK.replace("times: [0.0, 0.3", "times: [0.0, " + "9" * 5000),
        "huge_hex.yaml": NATIVE_OK.replace("times: [0.0, 0.3", "times: [0.0, 0x" + "f" * 2000),
        "nan.json": '{"id": "a", "emotion": "x", "aus": {"4": [{"times": [0, NaN, 0.5, 1], "intensities": [0, 1, 1, 0]}]}}',
        "unknown_field.yaml": NATIVE_OK + "colour: red\n",
        "python_tag.yaml": "id: !!python/object/apply:os.system ['echo pwned']\nemotion: x\naus: {}\n",
        "missing_id.yaml": "emotion: x\naus: {}\n",
        "aus_list.yaml": "id: t\nemotion: x\naus: [1, 2]\n",
        "event_short.yaml": NATIVE_OK.replace("[0.0, 0.3, 0.6, 1.0]", "[0.0, 0.3]"),
        "utf16.yaml": NATIVE_OK.encode("utf-16"),
        "truncated.json": '{"id": "a", "emotion": ',
    },
    "suite": {
        "list_of_numbers.yaml": "- 1\n- 2\n",
        "scalar.yaml": "42\n",
        "empty.yaml": "",
        "humans_not_list.yaml": "name: s\nhumans: 3\n",
        "alias_bomb.yaml": "a: &a ['x','x','x','x','x','x','x','x','x']\n" + "".join(
            f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi")) + "humans: []\n",
        "duplicate_key.yaml": SUITE_OK + "  age_years: 40\n",
        "duplicate_top.yaml": SUITE_OK + "name: t\n",
        "age_nan.yaml": SUITE_OK.replace("age_years: 30", "age_years: .nan"),
        "age_inf.yaml": SUITE_OK.replace("age_years: 30", "age_years: .inf"),
        "age_negative.yaml": SUITE_OK.replace("age_years: 30", "age_years: -4"),
        "age_huge.yaml": SUITE_OK.replace("age_years: 30", "age_years: " + "9" * 5000),
        "gender_text.yaml": SUITE_OK.replace("gender: 0.0", "gender: female-ish"),
        "deep.yaml": "humans: " + "[" * 5000 + "]" * 5000 + "\n",
        "deep.json": '{"humans": ' + "[" * 3000 + "]" * 3000 + "}",
        "python_tag.yaml": "humans: !!python/object/apply:os.system ['echo pwned']\n",
        "utf16.yaml": SUITE_OK.encode("utf-16"),
        "nan.json": '{"humans": [{"id": "a", "gender": NaN, "age_years": 30, "group": "Asian"}]}',
        "duplicate_id.yaml": SUITE_OK + "- id: a\n  gender: 1.0\n  age_years: 40\n  group: Black\n",
    },
    "checkpoint": {
        "config_list/config.json": "[1, 2]",
        "seq_negative/config.json": json.dumps({**CONFIG_OK, "seq_len": -25}),
        "seq_huge/config.json": json.dumps({**CONFIG_OK, "seq_len": 10 ** 12}),
        "seq_float/config.json": json.dumps({**CONFIG_OK, "seq_len": 2.5}),
        "input_negative/config.json": json.dumps({**CONFIG_OK, "model_kwargs": {"input_size": -5}}),
        "input_zero/config.json": json.dumps({**CONFIG_OK, "model_kwargs": {"input_size": 0}}),
        "c_in_negative/config.json": json.dumps({**CONFIG_OK, "architecture": "inception_time", "facenet_weights": "casia",
                                                  "model_kwargs": {"c_in": -512}}),
        "kwarg_nan/config.json": json.dumps({**CONFIG_OK, "model_kwargs": {"dropout": 12345}}).replace("12345", "NaN"),
        "dropout_big/config.json": json.dumps({**CONFIG_OK, "model_kwargs": {"dropout": 3}}),
        "kwarg_object/config.json": json.dumps({**CONFIG_OK, "model_kwargs": {"width": {"a": 1}}}),
        "one_class/config.json": json.dumps({**CONFIG_OK, "classes": ["a"]}),
        "duplicate_classes/config.json": json.dumps({**CONFIG_OK, "classes": ["a", "a"]}),
        "duplicate_key/config.json": json.dumps(CONFIG_OK)[:-1] + ', "seq_len": 9}',
        "bad_format/config.json": json.dumps({**CONFIG_OK, "format": "pickle"}),
        "bad_architecture/config.json": json.dumps({**CONFIG_OK, "architecture": "gpt"}),
        "deep/config.json": "[" * 3000 + "]" * 3000,
        "utf16/config.json": json.dumps(CONFIG_OK).encode("utf-16"),
        "truncated/config.json": json.dumps(CONFIG_OK)[:30],
        "bad_crop/config.json": json.dumps({**CONFIG_OK, "crop": {"margin": "wide", "zoom": 3}}),
        "missing_weights/config.json": json.dumps(CONFIG_OK),
        "garbage_weights/config.json": json.dumps(CONFIG_OK),
        "garbage_weights/model.safetensors": b"\xff" * 64,
        "unknown_kwarg/config.json": json.dumps({**CONFIG_OK, "model_kwargs": {"frobnicate": 3}}),
        "unknown_kwarg/model.safetensors": b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ",
        "knn_garbage/config.json": json.dumps({**CONFIG_OK, "architecture": "knn_dtw", "facenet_weights": "casia"}),
        "knn_garbage/knn.npz": b"PK\x03\x04 not really a zip",
    },
    "archive": {
        "dotdot.tar.gz": tar_bytes([(tar_member("pack/a.target"), TARGET), (tar_member("../escaped.target"), TARGET)]),
        "absolute.tar.gz": tar_bytes([(tar_member("pack/a.target"), TARGET), (tar_member("/tmp/hrisim-escaped.target"), TARGET)]),
        "symlink.tar.gz": tar_bytes([(tar_member("pack/a.target"), TARGET),
                                     (tar_member("pack/b.target", tarfile.SYMTYPE, "/etc/passwd"), b"")]),
        "hardlink.tar.gz": tar_bytes([(tar_member("pack/a.target"), TARGET),
                                      (tar_member("pack/b.target", tarfile.LNKTYPE, "/etc/passwd"), b"")]),
        "device.tar.gz": tar_bytes([(tar_member("pack/a.target"), TARGET), (tar_member("pack/dev", tarfile.CHRTYPE), b"")]),
        "dotdot.zip": zip_bytes([("pack/a.target", TARGET, None), ("../escaped.target", TARGET, None)]),
        "absolute.zip": zip_bytes([("pack/a.target", TARGET, None), ("/tmp/hrisim-escaped.target", TARGET, None)]),
        "backslash.zip": zip_bytes([("pack/a.target", TARGET, None), ("..\\escaped.target", TARGET, None)]),
        "symlink.zip": zip_bytes([("pack/a.target", TARGET, None), ("pack/b.target", b"/etc/passwd", 0o120777)]),
        "bomb.zip": zip_bytes([("pack/a.target", TARGET, None), ("pack/zeros.json", b"\0" * (2 * 1024 * 1024), None)]),
        "not_archive.zip": b"PK\x03\x04 this is not a zip archive at all",
        "truncated.tar.gz": tar_bytes([(tar_member("pack/a.target"), TARGET * 200)])[:60],
        "no_targets.tar.gz": tar_bytes([(tar_member("pack/readme.txt"), b"hello")]),
        "bad_target.tar.gz": tar_bytes([(tar_member("pack/a.target"), b"10 nan 0 0\n")]),
    },
    "png": {
        "truncated.png": png(64, 64)[:40],
        "corrupt_data.png": png(64, 64, body=b"\x78\x9c" + b"\xff" * 50),
        "empty.png": b"",
        "text.png": b"this is not an image\n",
        "bomb.png": png(100_000, 100_000, body=zlib.compress(b"")),
        "zero_size.png": png(0, 0),
    },
}


def write_corpus(root: Path = HERE) -> int:
    count = 0
    for kind, files in CASES.items():
        for name, content in files.items():
            path = root / kind / name
            path.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode("utf-8") if isinstance(content, str) else content
            path.write_bytes(data)
            count += 1
    return count


if __name__ == "__main__":
    print(f"wrote {write_corpus()} corpus files under {HERE}")
