"""Triangle order for the vertex cache: hm08's parts list their triangles in an order that makes
llvmpipe shade each skin vertex about four times a view (2.05 vertex-shader runs per triangle where a
closed mesh needs 0.5). Reordering once per topology with Tipsify (Sander, Nehab & Barczak 2007,
"Fast triangle reordering for vertex locality and reduced overdraw", ACM Trans. Graph. 26(3)) brings
that to about 0.65; the picture is the same (``tests/test_render.py``), each view cheaper."""
from __future__ import annotations

import hashlib

import numpy as np

CACHE_SIZE = 16  # the cache the order is made for; 8-32 all give llvmpipe the same gain
_ORDERS: dict[str, np.ndarray] = {}


def cache_misses(triangles: np.ndarray, cache_size: int = CACHE_SIZE) -> float:
    """Average cache miss ratio: vertex-shader runs per triangle with a FIFO cache of ``cache_size``."""
    cache: list[int] = []
    misses = 0
    for v in np.asarray(triangles, np.int64).ravel().tolist():
        if v not in cache:
            misses += 1
            cache.append(v)
            if len(cache) > cache_size:
                cache.pop(0)
    return misses / max(len(triangles), 1)


def tipsify(triangles: np.ndarray, cache_size: int = CACHE_SIZE) -> np.ndarray:
    """The triangles (F, 3) in Tipsify's order (same triangles, same winding)."""
    tris = np.asarray(triangles, np.int64)
    if len(tris) == 0:
        return tris.copy()
    n_vertices = int(tris.max()) + 1
    counts = np.bincount(tris.ravel(), minlength=n_vertices)
    starts = np.concatenate([[0], np.cumsum(counts)]).tolist()
    around = (np.argsort(tris.ravel(), kind="stable") // 3).tolist()  # triangles of each vertex
    corners = tris.tolist()
    live = counts.tolist()  # triangles of each vertex not yet emitted
    stamp = [0] * n_vertices  # when each vertex entered the cache
    emitted = [False] * len(tris)
    order: list[int] = []
    dead_end: list[int] = []  # recently touched vertices, to restart from
    time, cursor, fan = cache_size + 1, 1, 0
    while fan >= 0:
        candidates = []
        for t in around[starts[fan]:starts[fan + 1]]:
            if emitted[t]:
                continue
            emitted[t] = True
            order.append(t)
            for v in corners[t]:
                dead_end.append(v)
                candidates.append(v)
                live[v] -= 1
                if time - stamp[v] > cache_size:
                    stamp[v] = time
                    time += 1
        fan, best = -1, -1
        for v in candidates:  # the next fan: the live vertex that stays longest in the cache
            if live[v] > 0:
                priority = time - stamp[v] if time - stamp[v] + 2 * live[v] <= cache_size else 0
                if priority > best:
                    fan, best = v, priority
        while fan < 0 and dead_end:
            v = dead_end.pop()
            if live[v] > 0:
                fan = v
        while fan < 0 and cursor < n_vertices:
            if live[cursor] > 0:
                fan = cursor
            cursor += 1
    return tris[np.asarray(order)]


def cache_order(triangles: np.ndarray) -> np.ndarray:
    """``tipsify(triangles)``, computed once per topology (parts are shared by every person)."""
    tris = np.ascontiguousarray(triangles)
    key = hashlib.sha1(tris.astype(np.int64).tobytes()).hexdigest()
    if key not in _ORDERS:
        _ORDERS[key] = tipsify(tris)
    return _ORDERS[key].astype(tris.dtype, copy=True)
