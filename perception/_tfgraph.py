"""Read a TensorFlow frozen graph without TensorFlow, through the protos that ship in ``tensorboard``."""
from __future__ import annotations

from pathlib import Path

import numpy as np

# TensorFlow DataType enum values for the dtypes a frozen inference graph holds.
_DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 9: np.int64}
_VAL_FIELDS = {1: "float_val", 2: "double_val", 3: "int_val", 9: "int64_val"}


def read_graph(path: str | Path):
    """Parse a frozen ``GraphDef``; the error names the file when it is not one."""
    from tensorboard.compat.proto import graph_pb2

    path = Path(path)
    graph = graph_pb2.GraphDef()
    try:
        graph.ParseFromString(path.read_bytes())
    except Exception as exc:  # protobuf raises DecodeError; a missing file OSError
        raise ValueError(f"{path}: not a readable TensorFlow frozen graph ({exc})") from exc
    if not graph.node:
        raise ValueError(f"{path}: the frozen graph has no nodes")
    return graph


def const_value(node) -> np.ndarray:
    """The value of a ``Const`` node as a numpy array (packed ``tensor_content`` or repeated ``*_val``)."""
    t = node.attr["value"].tensor
    if t.dtype not in _DTYPES:
        raise ValueError(f"Const node {node.name!r}: unsupported dtype enum {t.dtype}")
    dtype = _DTYPES[t.dtype]
    shape = [d.size for d in t.tensor_shape.dim]
    if t.tensor_content:
        return np.frombuffer(t.tensor_content, dtype=dtype).reshape(shape).copy()
    vals = list(getattr(t, _VAL_FIELDS[t.dtype]))
    if len(vals) == 1 or not vals:  # TF stores a splat constant as one value
        return np.full(shape, vals[0] if vals else 0, dtype=dtype)
    return np.asarray(vals, dtype=dtype).reshape(shape)


def constants(graph) -> dict[str, np.ndarray]:
    """All ``Const`` nodes of the graph by name."""
    return {n.name: const_value(n) for n in graph.node if n.op == "Const"}
