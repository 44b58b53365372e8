"""Label mapping: every dataset maps labels by name onto the recognizer's canonical class order."""
from __future__ import annotations

from perception.recognizer import CLASSES

_ALIASES = {"angry": "anger", "confused": "confusion", "disgusted": "disgust"}


def label_index(name: str, where: str) -> int:
    """Index of ``name`` in CLASSES (case-insensitive, a few adjective aliases); ``where`` names the
    file or row so a bad label can be found."""
    key = str(name).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in CLASSES:
        raise ValueError(f"{where}: unknown label {name!r}; expected one of {', '.join(CLASSES)}")
    return CLASSES.index(key)
