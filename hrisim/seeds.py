"""Seeds derived from names, so that randomness does not depend on the order work is done in."""
from __future__ import annotations

import hashlib


def derived_seed(*parts) -> int:
    """A stable 63-bit seed from a base seed and names (independent of run order and machine)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1
