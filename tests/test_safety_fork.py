"""A process forked after its parent made a GL context refuses to draw (it would hang in EGL)."""
from __future__ import annotations

import multiprocessing
import sys

import pytest


def _child(queue) -> None:
    from sim_env.render.renderer import Renderer

    try:
        Renderer(32, 32)
        queue.put("made a renderer")
    except Exception as exc:  # noqa: BLE001 (reported to the parent)
        queue.put(f"{type(exc).__name__}: {exc}")


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_forked_child_of_a_rendering_process_gets_a_clear_error():
    from sim_env.render.renderer import Renderer, RendererUnavailable

    try:
        Renderer(32, 32)  # this process now owns a GL context
    except RendererUnavailable as exc:
        pytest.skip(f"no GL here: {exc}")
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(queue,))
    child.start()
    child.join(120)
    if child.is_alive():
        child.kill()
        pytest.fail("the forked child hung instead of refusing")
    message = queue.get(timeout=5)
    assert message.startswith("RendererUnavailable") and "forkserver" in message and "fork" in message
