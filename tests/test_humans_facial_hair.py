"""Facial hair that looks like hair (soft, sparse edges, the person's hair colour, on the upper lip
and jaw but never on the lips), facial skin colour derived from the Monk swatches, and balanced24
looks that keep gender visible."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from humans.appearance import (FACE_REDNESS, appearance_for, face_frame_coordinates, face_regions, face_skin_rgb,
                               mst_rgb, srgb_to_lab, srgb_to_linear)
from humans.hair import HeadGeometry, build_facial_hair, facial_hair_density
from humans.mesh import HumanBody
from humans.spec import HumanSpec


@pytest.fixture(scope="module")
def man():
    spec = HumanSpec(id="m", gender=1.0, age_years=40.0, skin_tone=6, hair_colour="dark_brown")
    body = HumanBody.from_spec(spec)
    return spec, body, HeadGeometry.of(body.rest_vertices)


def _hue_deg(lab):
    return float(np.degrees(np.arctan2(lab[2], lab[1])))


def test_facial_hair_grows_where_it_should(man):
    _, _, geo = man
    lips = face_regions().lips
    x, z = np.abs(geo.p[:, 0]), geo.p[:, 2]
    on_lips = lips > 0.3
    for kind in ("stubble", "moustache", "goatee", "beard"):
        d = facial_hair_density(geo, kind, lips)
        assert d[on_lips].max() == 0.0, kind  # never on the vermilion, so never over the mouth
        assert 0.0 <= d.min() and d.max() <= 1.0
    moustache = facial_hair_density(geo, "moustache", lips)
    upper_lip = (x < 15) & (z < -49) & (z > -56) & (geo.p[:, 1] < 0)
    assert moustache[upper_lip].mean() > 0.6
    assert moustache[z < -85].max() == 0.0 and moustache[z > -44].max() == 0.0  # lip, not chin or nose
    beard = facial_hair_density(geo, "beard", lips)
    jaw = (x > 35) & (x < 55) & (z < -80) & (z > -100) & (geo.p[:, 1] < 40)
    assert beard[jaw].mean() > 0.6
    assert beard[(z > -20) & (geo.p[:, 1] < 0)].max() == 0.0  # not on the upper cheeks or eyes
    # soft edges: between bare skin and full density there are vertices at every level
    levels = beard[(beard > 0.02) & (beard < 0.98)]
    assert len(levels) > 100 and np.histogram(levels, bins=4, range=(0, 1))[0].min() > 10


def test_facial_hair_is_sparse_at_its_edges_and_takes_the_hair_colour(man):
    _, _, geo = man
    lips = face_regions().lips
    colour = (0.13, 0.085, 0.055)
    look = build_facial_hair("beard", geo, colour, seed=3, lips=lips)
    (mesh,) = look.meshes
    density = facial_hair_density(geo, "beard", lips)
    # the shell's colours are the hair colour with strand streaks, nothing else
    assert np.allclose(np.median(mesh.colours, 0), srgb_to_linear(np.array(colour)), rtol=0.25)
    # triangles survive with the local density: far fewer at the thin edge than in the middle
    tri_density = density[mesh.anchors[mesh.triangles]].mean(1)
    kept_edge = (tri_density < 0.4).sum()
    all_edge = ((density[geo.skin_triangles].mean(1) > 0.02) & (density[geo.skin_triangles].mean(1) < 0.4)).sum()
    assert kept_edge < 4 * 0.5 * all_edge  # 4 subdivided triangles per hm08 triangle, under half kept
    assert (tri_density > 0.9).sum() > 100
    # paint: mottled and below full coverage, so skin shows through
    assert 0.5 < look.scalp_paint.max() <= 0.85
    stubble = build_facial_hair("stubble", geo, colour, seed=3, lips=lips)
    assert stubble.meshes == () and stubble.scalp_paint.max() <= 0.5
    dense = stubble.scalp_paint[density > 0.95]
    assert dense.std() > 0.01  # not a flat block of paint
    # seeded: the same seed gives the same beard
    again = build_facial_hair("beard", geo, colour, seed=3, lips=lips)
    assert np.array_equal(again.meshes[0].triangles, mesh.triangles)


def test_bald_man_beard_takes_his_brow_colour_and_a_haired_man_his_hair_colour(man):
    spec, body, _ = man
    from humans.outfit import build_outfit

    a = appearance_for(dataclasses.replace(spec, facial_hair="moustache"))
    outfit = build_outfit(a, body.rest_vertices)
    mesh = next(m for m in outfit.meshes if m.name == "facial_hair")
    assert np.allclose(np.median(mesh.colours, 0), srgb_to_linear(np.array(a.hair)), rtol=0.25)


def test_face_skin_keeps_the_swatch_lightness_and_yellowness_and_adds_facial_redness():
    for tone in range(1, 11):
        swatch, face = srgb_to_lab(mst_rgb(tone)), srgb_to_lab(face_skin_rgb(tone))
        assert face[0] == pytest.approx(swatch[0], abs=4.0 if tone <= 3 else 0.3), tone  # L*
        assert face[2] >= swatch[2] - 0.3, tone  # b*
        floor = FACE_REDNESS * min(1.0, max(0.5, swatch[0] / 40.0))
        assert face[1] >= min(floor, swatch[1]) - 0.3 and face[1] >= floor - 0.3, tone  # a*
        assert 40.0 <= _hue_deg(face) <= 70.0, (tone, _hue_deg(face))  # skin hues, not grey-yellow
    # the scale stays ordered from light to dark
    lightness = [srgb_to_lab(face_skin_rgb(t))[0] for t in range(1, 11)]
    assert all(a >= b - 0.2 for a, b in zip(lightness, lightness[1:]))
    assert srgb_to_lab(mst_rgb(4))[1] < 1.0  # why: the swatch itself has almost no redness


def test_rendered_cheeks_show_the_face_colour_not_the_ashy_swatch():
    """Through the camera pipeline (exposure, white balance, tone curve) the lit cheeks of the
    light and medium tones (MST 1-5, whose swatches are grey-yellow) keep the face colour's hue
    more than the swatch's, and most of its chroma (mean over the tone's balanced24 people)."""
    pytest.importorskip("pyrender")
    from humans.suites import balanced24
    from sim_env.render.skin_report import hue_chroma, measure, swatch_hue_chroma

    people = [p for p in balanced24() if p.effective_skin_tone in (1, 3, 5)]
    rows = measure(people, size=96)
    for tone in (1, 3, 5):
        hue, chroma = hue_chroma(np.mean([r.cheek_lab for r in rows if r.tone == tone], axis=0))
        f_hue, f_chroma = swatch_hue_chroma(tone, face=True)
        s_hue, _ = swatch_hue_chroma(tone)
        assert abs(hue - f_hue) < abs(hue - s_hue), (tone, hue, f_hue, s_hue)
        assert chroma > 0.6 * f_chroma, (tone, chroma, f_chroma)


def test_balanced24_men_with_long_hair_have_facial_hair_and_shorter_hair():
    from humans.hair import STYLE_TRAITS
    from humans.suites import balanced24

    people = balanced24()
    long_haired_men = [p for p in people if p.sex == "male" and STYLE_TRAITS[p.hair_style][0] != "short"
                       and p.hair_style not in ("bald", "buzz")]
    assert long_haired_men
    assert all(p.facial_hair != "none" for p in long_haired_men if STYLE_TRAITS[p.hair_style][0] == "long")
    man = next(p for p in people if p.sex == "male" and p.hair_style in ("long_straight", "long_wavy"))
    woman = dataclasses.replace(man, gender=0.0, facial_hair="none")
    assert appearance_for(man).long_hair_mm < appearance_for(woman).long_hair_mm


def test_locs_hang_behind_the_temples(man):
    spec, body, geo = man
    from humans.outfit import build_outfit

    outfit = build_outfit(appearance_for(dataclasses.replace(spec, hair_style="locs")), body.rest_vertices)
    strands = next(m for m in outfit.meshes if m.name == "hair_strands")
    p = (strands.rest_positions(body.rest_vertices) - geo.origin) * 1000.0  # face-frame mm
    assert np.isfinite(p).all() and len(p) > 100
    assert (p[:, 2] < -100.0).any()  # they do hang down
    # no strand lies over the face: within its width and above the chin, nothing as far forward as
    # 10 mm behind the eyes (the cheeks' surface is 20-35 mm in front of them)
    in_front = (np.abs(p[:, 0]) < 50.0) & (p[:, 1] < -10.0) & (p[:, 2] > -110.0)
    assert in_front.sum() == 0


def test_a_black_beard_is_matte_not_a_glossy_shell():
    """Facial hair scatters light in every direction: a black beard seen from below (the robot's
    low camera) has no broad highlight across it. Its brightest 1 % stays under 45 grey levels
    (the shell's roughness of 0.6 lit a grey sheen of 75 across it)."""
    from image_probes import frame_crop, luminance
    from sim_env.render.clip import render_clip
    from sim_env.render.viewpoints import Viewpoint

    spec = HumanSpec(id="b", gender=1.0, age_years=35.0, skin_tone=5, hair_style="afro", hair_colour="black",
                     facial_hair="beard", glasses="none", seed=2)
    clip = render_clip(spec, None, (Viewpoint(-40, -30, 0.6),), n_frames=1, size=160)
    marks = clip.labels.landmarks[0, 0]
    gap = abs(marks[0][0] - marks[1][0])
    chin = (marks[3] + marks[4]) / 2 + np.array([0, 0.45 * gap])
    beard = luminance(frame_crop(clip.frames[0, 0], chin, int(0.25 * gap), int(0.12 * gap)))
    assert np.percentile(beard, 99) < 45, np.percentile(beard, 99)
