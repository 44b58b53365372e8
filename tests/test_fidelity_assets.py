"""Faithful MakeHuman path: asset roots, .mhmat materials, .mhclo proxies (no rendering here)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from humans.assets import AssetError, AssetRoots, resolve_spec, user_data_dir
from humans.materials import read_mhmat
from humans.proxies import fit, read_mhclo


def test_roots_come_from_option_then_env_then_setting(tmp_path, monkeypatch):
    a, b, c = (tmp_path / n for n in "abc")
    monkeypatch.setenv("HRISIM_DATA", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "settings.yaml").write_text(f"asset_path: [{c}]\n")
    monkeypatch.delenv("HRISIM_ASSET_PATH", raising=False)
    assert AssetRoots.configured().roots[0] == c.resolve()
    monkeypatch.setenv("HRISIM_ASSET_PATH", f"{a}:{b}")
    assert AssetRoots.configured().roots[:2] == (a.resolve(), b.resolve())
    explicit = AssetRoots.configured([str(b)])
    assert explicit.roots[0] == b.resolve() and explicit.source == "--asset-path"
    assert explicit.roots[-1] == (tmp_path / "data" / "makehuman").resolve()  # user data always last


def test_user_data_dir_rule_is_the_same_for_the_rig(tmp_path, monkeypatch):
    from animations.rigs.facshuman import default_pack_dir

    monkeypatch.delenv("HRISIM_FACSHUMAN", raising=False)
    for env in ({"HRISIM_DATA": str(tmp_path / "d")}, {"XDG_DATA_HOME": str(tmp_path / "x")}):
        monkeypatch.delenv("HRISIM_DATA", raising=False)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        assert default_pack_dir() == user_data_dir() / "facshuman"


def test_every_asset_of_the_paper_files_resolves_or_is_named_missing(paper_people, asset_roots):
    expected_missing = {"teeth FACSTeeth01", "tongue FACSTongue"}  # FACSHuman's own, in no public pack
    for spec in paper_people:
        report = resolve_spec(spec, asset_roots)
        assert report.skin is not None and report.skin.is_file(), spec.id
        assert report.eye_material is not None
        names = {m.split(":")[0] for m in report.missing}
        assert names == expected_missing, (spec.id, report.missing)
        assert {"hair", "eyebrows", "eyelashes", "eyes"} <= set(report.proxies), spec.id
        skin = read_mhmat(report.skin, asset_roots)
        assert skin.diffuse_texture is not None and skin.missing_texture is None, spec.id
        for path in report.proxies.values():
            proxy = read_mhclo(path)
            if proxy.material:
                material = read_mhmat(asset_roots.find_beside(proxy.path, proxy.material), asset_roots)
                assert material.diffuse_texture is not None, (spec.id, path)


def test_an_eye_colour_without_its_material_is_reported(paper_people, asset_roots):
    import dataclasses

    blue = dataclasses.replace(paper_people[0], eye_colour="blue")
    report = resolve_spec(blue, asset_roots)
    assert any("eyes/materials/blue.mhmat" in m for m in report.missing)


def test_a_texture_only_in_the_second_root_is_found_there(asset_roots):
    skin = read_mhmat(asset_roots.find("skins/old_african_female/old_african_female.mhmat"), asset_roots)
    assert "makehuman-lowres" in str(skin.diffuse_texture)  # the 2048² original is missing
    hair = read_mhmat(asset_roots.find("hair/afro01/afro01.mhmat"), asset_roots)
    assert "makehuman-lowres" in str(hair.diffuse_texture)


def test_missing_texture_warns_once_and_names_the_file(tmp_path):
    from humans.materials import MissingTextureWarning, warn_if_missing

    (tmp_path / "skins" / "x").mkdir(parents=True)
    path = tmp_path / "skins" / "x" / "x.mhmat"
    path.write_text("name x\nshader foo/bar\nunknownKey 1 2 3\ntransparent False\ndiffuseTexture gone.png\n")
    roots = AssetRoots((tmp_path,), "test")
    material = read_mhmat(path, roots)
    assert material.diffuse_texture is None and material.missing_texture == "gone.png (line 5)"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_if_missing(material, roots, (0.5, 0.4, 0.3))
        warn_if_missing(material, roots, (0.5, 0.4, 0.3))
    assert len(caught) == 1 and issubclass(caught[0].category, MissingTextureWarning)
    assert "x.mhmat" in str(caught[0].message) and "gone.png (line 5)" in str(caught[0].message)


def test_bad_material_and_proxy_lines_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.mhmat"
    bad.write_text("name b\ndiffuseColor 1 x 1\n")
    with pytest.raises(AssetError, match=r"bad.mhmat:2"):
        read_mhmat(bad, AssetRoots((tmp_path,), "test"))
    (tmp_path / "p.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nf 1/1 2/1 3/1\n")
    clo = tmp_path / "p.mhclo"
    clo.write_text("name p\nobj_file p.obj\nverts 0\n1\n2\n3 4\n")
    with pytest.raises(AssetError, match=r"p.mhclo:6"):
        read_mhclo(clo)


def test_delete_verts_ranges_are_read(tmp_path):
    (tmp_path / "p.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nf 1/1 2/1 3/1\n")
    clo = tmp_path / "p.mhclo"
    clo.write_text("name p\nobj_file p.obj\nverts 0\n10\n11\n12\ndelete_verts\n5 7 - 9\n100\n")
    proxy = read_mhclo(clo)
    assert proxy.delete_verts.tolist() == [5, 7, 8, 9, 100]


@pytest.fixture(scope="module")
def brow(asset_roots):
    return read_mhclo(asset_roots.find_proxy("eyebrows", "eyebrow001"))


def test_proxy_fits_the_rest_mesh_where_makehuman_puts_it(brow):
    from humans.mesh import HumanBody

    body = HumanBody({"gender": 0.5, "age": 0.5})
    points = fit(brow, body.rest_vertices)[0]
    face = body.face_centre
    # brows sit 1-4 cm above the eyes, in front of them, spanning both sides of the face
    assert 0.005 < np.median(points[:, 2]) - face[2] < 0.045
    assert points[:, 0].min() < -0.03 and points[:, 0].max() > 0.03
    # and lie on the skin: every brow vertex within 8 mm of the nearest body vertex
    skin = body.rest_vertices[:13380]
    d = np.sqrt(((points[:, None] - skin[None]) ** 2).sum(-1)).min(1)
    assert d.max() < 0.008


def test_proxy_follows_a_face_shape_modifier_and_an_expression(brow):
    from humans.mesh import HumanBody

    plain = HumanBody({"gender": 0.5, "age": 0.5})
    shaped = HumanBody({"gender": 0.5, "age": 0.5}, {"eyebrows-trans-up": 1.0})
    a, b = fit(brow, plain.rest_vertices)[0], fit(brow, shaped.rest_vertices)[0]
    refs = np.unique(brow.refs)
    moved_base = np.abs(shaped.rest_vertices[refs] - plain.rest_vertices[refs]).max()
    assert moved_base > 1e-3 and np.abs(b - a).max() > 0.5 * moved_base

    expressions = np.zeros((2, 52), np.float32)
    from animations.rigs.arkit_table import ARKIT_UNITS

    expressions[1, ARKIT_UNITS.index("browInnerUp")] = 1.0
    frames = plain.frames(expressions)
    lifted = fit(brow, frames.vertices)
    assert (lifted[1, :, 2] - lifted[0, :, 2]).max() > 0.002  # the brow rises with the skin


def test_obj_uv_orientation_is_kept_for_pyrender(asset_roots):
    """pyrender flips images on upload, so OBJ's v-up texture coordinates are used as they are:
    the iris region of the eye texture (upper-left and lower-right discs) is where the eye proxy's
    front faces map."""
    from PIL import Image

    eyes = read_mhclo(asset_roots.find_proxy("eyes", "HighPolyEyes"))
    texture = np.asarray(Image.open(asset_roots.find("eyes/materials/brown_eye.png")).convert("RGB"), np.float32)
    uv = eyes.mesh.texcoords
    rows = ((1.0 - uv[:, 1]) * (texture.shape[0] - 1)).astype(int)  # OBJ v up -> image row
    cols = (uv[:, 0] * (texture.shape[1] - 1)).astype(int)
    lum = texture[rows, cols].mean(-1)
    # the most forward eyeball vertices (pupils, irises; corneas aside) sample dark texels; with a
    # flipped v they would sample the white of the eye
    from humans.mesh import HumanBody
    from humans.proxies import swatch_shells

    ball = np.zeros(len(uv), bool)
    ball[eyes.mesh.triangles[~swatch_shells(eyes.mesh)].reshape(-1)] = True
    pts = fit(eyes, HumanBody({"gender": 0.5}).rest_vertices)[0][eyes.mesh.vertex_ids]
    front = ball & (pts[:, 1] < np.quantile(pts[ball, 1], 0.05))
    assert lum[front].mean() < 0.6 * lum[ball].mean()


def test_a_hair_proxy_without_its_texture_takes_the_hair_colour(paper_people, asset_roots):
    """A hair proxy whose texture is missing is drawn in the person's built-in hair colour, as the
    README says (it was drawn in the skin's: the look's proxies replaced the brows by the skin colour
    and the hair by None before the hair's fallback colour was read from them)."""
    import dataclasses

    from humans.appearance import appearance_for, srgb_to_linear
    from sim_env.render.actor import AssetLook, HumanActor
    from sim_env.render.performance import body_for

    spec = paper_people[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        look = AssetLook.load(spec, asset_roots)
    parts = tuple(dataclasses.replace(p, material=dataclasses.replace(p.material, missing_texture="gone.png (line 1)"))
                  if p.kind == "hair" else p for p in look.proxies if p.kind != "eyebrows")
    look = dataclasses.replace(look, proxies=parts)
    appearance = appearance_for(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        actor = HumanActor(body_for(spec), appearance, look=look)
    hair = actor.meshes["hair"].primitive.material.baseColorFactor[:3]
    expected = srgb_to_linear(np.asarray(appearance.hair or appearance.brows, np.float32))
    assert np.allclose(hair, expected, atol=1e-4), (hair, expected)
