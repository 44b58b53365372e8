"""``hrisim.memory.release_freed_memory`` gives freed heap pages back (what keeps a streaming
``hrisim predict`` flat: MTCNN's per-chunk tensors fragmented glibc's heap, 0.3 GiB a minute)."""
import ctypes.util
import platform

import psutil
import pytest

from hrisim.memory import release_freed_memory


@pytest.mark.skipif(platform.system() != "Linux" or not ctypes.util.find_library("c"), reason="glibc's malloc_trim")
def test_freed_fragmented_heap_goes_back_to_the_system():
    process = psutil.Process()
    blocks = [bytearray(64 * 1024) for _ in range(4000)]  # 250 MiB of heap blocks (below mmap's threshold)
    for b in blocks:
        b[::4096] = b"\x01" * len(b[::4096])  # touch every page
    keep = blocks[-1]  # pins the heap's top: without a trim nothing below it is returned
    del blocks
    held = process.memory_info().rss
    release_freed_memory()
    released = held - process.memory_info().rss
    assert len(keep) and released > 150 * 2**20, f"released {released / 2**20:.0f} MiB"
