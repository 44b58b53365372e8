"""How much of the face a raised hand hides, seen from a camera: the occlusion label.

The person's skin (head and the raised arm) is rasterised into a label image with the painter's
algorithm (OpenCV polygon fills, far triangles first, back faces culled): hm08 triangles are a few
millimetres across, so depth order per triangle is the visible surface per pixel. The label is the
share of the face box's pixels where the arm is the visible surface; the hand behind the head (a
far-side cheek seen from the other side) covers nothing.
"""
from __future__ import annotations

import functools

import numpy as np

SUPERSAMPLE = 2  # label pixels per image pixel and axis


@functools.lru_cache(maxsize=2)
def _skin_triangles(side: str) -> tuple[np.ndarray, np.ndarray]:
    """(F, 3) hm08 triangles of the skin drawn with ``side``'s arm raised, and (F,) bool: an arm triangle."""
    from humans.body_model import load_body_model
    from humans.pose import arm_vertices_mask
    from humans.topology import part_topologies

    part = part_topologies(f"head+arm.{side}")["skin"]
    tris = part.vertex_ids[part.triangles]
    arm = arm_vertices_mask(load_body_model(), side)
    return tris, arm[tris].all(axis=1)


def hand_coverage(vertices: np.ndarray, side: str, camera, region=None) -> np.ndarray:
    """(H, W) 0..1 share of each pixel where ``side``'s arm is the visible skin of a person posed as
    ``vertices`` (19158, 3), seen by ``camera`` (a RobotCamera). ``region`` (x0, y0, x1, y1 whole
    pixels): only that window (the face box), which is all a label needs and several times faster."""
    import cv2

    x0, y0, x1, y1 = region if region is not None else (0, 0, camera.width, camera.height)
    s = SUPERSAMPLE
    tris, is_arm = _skin_triangles(side)
    world_to_cam = np.linalg.inv(camera.pose)
    depth = -(vertices.astype(np.float64) @ world_to_cam[2, :3] + world_to_cam[2, 3])[tris].mean(1)
    uv = (camera.project(vertices) - [x0, y0]) * s
    a, b, c = (uv[tris[:, k]] for k in range(3))
    facing = ((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])) < 0
    w, h = (x1 - x0) * s, (y1 - y0) * s
    lo, hi = uv[tris].min(1), uv[tris].max(1)
    inside = (hi[:, 0] >= 0) & (lo[:, 0] <= w) & (hi[:, 1] >= 0) & (lo[:, 1] <= h) & (depth > 0)
    keep = np.flatnonzero(facing & inside)
    label = np.zeros((h, w), np.uint8)
    if is_arm[keep].any():
        # Skin behind every arm triangle, or beside the arm in the image, cannot hide it: left out.
        arm = keep[is_arm[keep]]
        a_lo, a_hi = lo[arm].min(0), hi[arm].max(0)
        overlaps = (hi[keep] >= a_lo).all(1) & (lo[keep] <= a_hi).all(1)
        keep = keep[is_arm[keep] | ((depth[keep] < depth[arm].max()) & overlaps)]
        order = keep[np.argsort(-depth[keep], kind="stable")]  # far first
        polys = np.round(uv[tris[order]] * 16).astype(np.int32)  # 4 fractional bits
        for poly, value in zip(polys, np.where(is_arm[order], 2, 1).tolist()):  # a nearer one paints over
            cv2.fillConvexPoly(label, poly, value, lineType=cv2.LINE_8, shift=4)
    arm = (label == 2).astype(np.float32)
    return arm.reshape(y1 - y0, s, x1 - x0, s).mean((1, 3))


def hand_cover(vertices: np.ndarray, side: str, camera, box) -> float:
    """Share (0..1) of face box ``box`` (x0, y0, x1, y1 pixels, clipped to the image) that
    ``side``'s raised arm hides (see ``hand_coverage``)."""
    x0, y0, x1, y1 = np.asarray(box, np.float64)
    x0, y0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
    x1, y1 = min(camera.width, int(np.ceil(x1))), min(camera.height, int(np.ceil(y1)))
    if x1 <= x0 or y1 <= y0:
        return 0.0
    return float(hand_coverage(vertices, side, camera, (x0, y0, x1, y1)).mean())
