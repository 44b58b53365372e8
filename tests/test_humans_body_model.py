"""The anny body model's one-time cache build is done by one process while others wait (test and
dataset workers start together on a cold cache; anny writes its cache files in place)."""
from __future__ import annotations

import contextlib
import threading
import time
import types

import numpy as np

import humans.body_model as body_model


def test_concurrent_first_loads_build_the_cache_once(tmp_path, monkeypatch):
    cache = tmp_path / "anny"
    monkeypatch.setattr(body_model, "anny_cache_dir", lambda: cache)
    spans, bars = [], []

    class SlowAnny:
        """Stands in for anny.Anny: builds the cache files when they are absent, slowly."""

        template_vertices = np.zeros((body_model.HM08_VERTEX_COUNT, 3), np.float32)

        def __init__(self, **_):
            start = time.monotonic()
            if not cache.is_dir():
                time.sleep(0.5)
                cache.mkdir()
                (cache / "model.safetensors").write_bytes(b"built")
            spans.append((start, time.monotonic()))

        def to(self, _dtype):
            return self

        def eval(self):
            return self

    @contextlib.contextmanager
    def bar(_description, enabled):
        bars.append(enabled)
        yield

    monkeypatch.setattr(body_model, "import_anny", lambda: types.SimpleNamespace(Anny=SlowAnny))
    monkeypatch.setattr(body_model, "_elapsed_bar", bar)
    # Bypass the per-process lru_cache: each thread is a process starting on the same cache folder.
    threads = [threading.Thread(target=body_model.load_body_model.__wrapped__) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(spans) == 2
    (a0, a1), (b0, b1) = sorted(spans)
    assert a1 <= b0, "the second load ran while the first was still building"
    assert bars == [True, False]  # one build (with its progress line), then a plain load


def test_the_template_does_not_depend_on_torchs_thread_count():
    """Regions, zones and the crease occlusion are baked on the neutral template: computed with 2
    threads it moved 3e-7 m from 1 thread's, so a clip rendered in-process differed by a few pixels
    from the same clip rendered by a 1-thread worker (same-seed datasets were not byte-identical)."""
    import torch

    from humans.body_model import template_vertices

    before, found = torch.get_num_threads(), {}
    try:
        for threads in (2, 1):
            torch.set_num_threads(threads)
            template_vertices.cache_clear()
            found[threads] = template_vertices().tobytes()
            assert torch.get_num_threads() == threads
    finally:
        torch.set_num_threads(before)
        template_vertices.cache_clear()
    assert found[2] == found[1]
