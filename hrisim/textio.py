"""Reading hrisim's text files: bounded, strict parsing, one error type per caller.

The JSON and YAML readers here serve every file format hrisim reads (timelines, suites, settings,
checkpoint configs): they refuse what would crash or exhaust the interpreter (deep nesting, huge
integers, YAML alias bombs, files over :data:`MAX_TEXT_BYTES`), refuse duplicate keys (one would
silently win) and ``NaN``/``Infinity`` literals in JSON, and raise the caller's own error type
(``error=``, a :class:`~hrisim.errors.HrisimError` subclass) with the file and line.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from hrisim.errors import HrisimError

MAX_TEXT_BYTES = 16 * 1024 * 1024  # no timeline, suite or config is near this; a bigger file is a mistake
MAX_DEPTH = 64  # nesting of JSON/YAML containers (real files use under 6)
MAX_YAML_ALIASES = 100  # aliases per document (an alias bomb needs thousands)
MAX_YAML_NODES = 1_000_000  # values once aliases are expanded (a suite of 10 000 people is ~300 000)
MAX_INT_DIGITS = 30  # a JSON integer this long is no count, index or time


def read_text(path: Path, error: type[Exception] = HrisimError, what: str = "file") -> str:
    """The UTF-8 text of ``path``; ``error`` naming the file when it is missing, too big or not text."""
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise error(f"{path}: {size} bytes; a {what} is at most {MAX_TEXT_BYTES} bytes")
        data = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: no such file (expected a {what})") from None
    except IsADirectoryError:
        raise error(f"{path}: expected a {what}, found a directory") from None
    except OSError as err:  # symlink loops, permissions, devices
        raise error(f"{path}: cannot read the {what} ({err.strerror or type(err).__name__})") from None
    return decode_text(data, path, error)


def decode_text(data: bytes, origin: object, error: type[Exception] = HrisimError) -> str:
    """UTF-8 (a BOM is allowed); UTF-16 and other encodings get an error saying what to do."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise error(f"{origin}: the file is UTF-16 text; save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise error(f"{origin}:{line}: expected UTF-8 text, found byte 0x{data[err.start]:02x} "
                    f"({err.reason} at byte {err.start})") from None


def _json_depth_ok(text: str, origin: object, error: type[Exception], max_depth: int) -> None:
    """Refuse nesting deeper than ``max_depth`` before ``json`` recurses into it."""
    depth, in_string, escaped, line = 0, False, False, 1
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > max_depth:
                raise error(f"{origin}:{line}: nested deeper than {max_depth} levels")
        elif ch in "]}":
            depth -= 1
        if ch == "\n":
            line += 1


def _key_lines(text: str, key: str) -> list[int]:
    pattern = re.compile(re.escape(json.dumps(key)) + r"\s*:")
    return [text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)]


def load_json(text: str, origin: object, error: type[Exception] = HrisimError,
              max_depth: int = MAX_DEPTH, what: str = "JSON", constants: bool = False) -> object:
    """Parse JSON strictly: bounded depth and integer size, no duplicate keys, and no
    NaN/Infinity unless ``constants`` (for callers whose own field checks reject them by name)."""
    _json_depth_ok(text, origin, error, max_depth)

    def pairs(items):
        seen: dict = {}
        for key, value in items:
            if key in seen:
                lines = _key_lines(text, key)
                where = f" (lines {lines[0]} and {lines[1]})" if len(lines) >= 2 else ""
                raise error(f"{origin}: duplicate key {key!r}{where}; each key may appear once")
            seen[key] = value
        return seen

    def integer(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_INT_DIGITS:
            raise error(f"{origin}: integer of {len(digits)} digits; expected at most {MAX_INT_DIGITS}")
        return int(digits)

    def real(digits: str) -> float:
        value = float(digits)
        if value in (float("inf"), float("-inf")):
            raise error(f"{origin}: {digits} overflows a float; expected a finite number")
        return value

    def constant(name: str):
        if constants:
            return float(name)
        raise error(f"{origin}: {name} is not a JSON number; expected a finite number")

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_int=integer, parse_float=real,
                          parse_constant=constant)
    except json.JSONDecodeError as err:
        raise error(f"{origin}:{err.lineno}:{err.colno}: invalid {what}: {err.msg}") from None
    except RecursionError:  # unreachable after the depth check; kept so no traceback can escape
        raise error(f"{origin}: nested too deeply") from None


class _BoundedLoader(yaml.SafeLoader):  # noqa: D101 (docstring below)
    """PyYAML's safe loader with a bound on aliases and nesting, and duplicate keys refused."""

    error: type[Exception] = HrisimError
    origin: object = "<yaml>"

    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                mark = self.peek_event().start_mark
                raise self.error(f"{self.origin}:{mark.line + 1}: more than {MAX_YAML_ALIASES} YAML aliases "
                                 "(an alias bomb?); write the values out")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise self.error(f"{self.origin}:{mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node):
        value = super().construct_yaml_int(node)
        if abs(value) >= 10 ** MAX_INT_DIGITS:
            raise self.error(f"{self.origin}:{node.start_mark.line + 1}: integer of more than {MAX_INT_DIGITS} "
                             "digits; expected a count, index or time")
        return value

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: dict = {}
            for key_node, _ in node.value:
                try:
                    key = self.construct_object(key_node, deep=True)
                    hash(key)
                except TypeError:
                    continue  # the base class reports unhashable keys
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise self.error(f"{self.origin}:{line}: duplicate key {key!r} (first on line {seen[key]}); "
                                     "each key may appear once")
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _expanded_size(node, memo: dict) -> int:
    """Values in the document with every alias written out (shared nodes counted each time)."""
    key = id(node)
    if key not in memo:
        memo[key] = 1  # a recursive alias counts once instead of looping
        if isinstance(node, yaml.SequenceNode):
            memo[key] = 1 + sum(_expanded_size(n, memo) for n in node.value)
        elif isinstance(node, yaml.MappingNode):
            memo[key] = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    return min(memo[key], 10 ** 12)


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)


def load_yaml(text: str, origin: object, error: type[Exception] = HrisimError) -> object:
    """Parse one YAML document safely (see :class:`_BoundedLoader`); errors name file and line."""
    loader_class = type("Loader", (_BoundedLoader,), {"error": error, "origin": origin})
    loader = None
    try:
        loader = loader_class(text)  # the reader already refuses control characters
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node, {})
        if size > MAX_YAML_NODES:
            raise error(f"{origin}: {size} values once aliases are expanded; at most {MAX_YAML_NODES} "
                        "(an alias bomb?)")
        return loader.construct_document(node)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{origin}:{mark.line + 1}:{mark.column + 1}" if mark else f"{origin}"
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise error(f"{where}: invalid YAML: {problem}") from None
    except error:
        raise
    except (ValueError, OverflowError) as err:  # e.g. Python's limit on digits of a decimal integer
        raise error(f"{origin}: a value cannot be read ({type(err).__name__}: {str(err)[:80]})") from None
    except RecursionError:
        raise error(f"{origin}: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
