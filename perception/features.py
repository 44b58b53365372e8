"""Per-frame FaceNet embeddings, batched, with an on-disk cache so frozen-FaceNet experiments extract once.

FaceNet runs on one of several CPU runtimes (``RUNTIMES``): PyTorch, or ONNX Runtime / OpenVINO on an
ONNX export of the same weights made once and cached. ``benchmarks/features.py`` compares them side by
side with their cosine agreement; ``auto`` picks ONNX Runtime for FaceNet on a CPU when installed (the
fastest measured here, agreeing with PyTorch to cosine > 0.9999), else PyTorch.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Callable

import numpy as np

EMBED_DIM = 512
_SAFE_KEY = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
RUNTIMES = ("auto", "torch", "onnxruntime", "openvino")
ONNX_OPSET = 17


def model_digest(model) -> str:
    """sha256 (16 hex) of a module's state: names, shapes and bytes. Keys exports of exactly these weights."""
    h = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        t = tensor.detach().cpu().contiguous()
        h.update(f"{name}:{tuple(t.shape)}:{t.dtype}".encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()[:16]


def onnx_export(model, path: Path, image_size: int = 160) -> Path:
    """``model`` as an ONNX file (batch dimension free), written once and atomically."""
    import torch

    if path.is_file():
        return path
    import importlib.util
    import warnings

    if importlib.util.find_spec("onnx") is None:
        raise RuntimeError("FaceNet runtimes onnxruntime/openvino run an ONNX export, and torch's exporter needs the "
                           "'onnx' package: pip install onnx (or use facenet_runtime: torch)")
    example = torch.zeros(1, 3, image_size, image_size)

    from hrisim.io import atomic_path

    with torch.no_grad(), warnings.catch_warnings(), atomic_path(path, unique=True) as tmp:
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        # dynamo=False: the TorchScript exporter needs no onnxscript and handles InceptionResnetV1 fully.
        torch.onnx.export(model.eval().cpu(), (example,), str(tmp), input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=ONNX_OPSET, dynamo=False)
    return path


def resolve_runtime(runtime: str, model=None, device=None) -> str:
    """``auto`` → ``onnxruntime`` for facenet-pytorch's InceptionResnetV1 on a CPU when installed, else ``torch``.

    The ONNX path needs both ``onnx`` (torch's exporter writes through it) and ``onnxruntime``."""
    import importlib.util

    if runtime not in RUNTIMES:
        raise ValueError(f"FaceNet runtime: expected one of {RUNTIMES}, got {runtime!r}")
    if runtime != "auto":
        return runtime
    from perception.facenet import default_device

    is_facenet = type(model).__name__ == "InceptionResnetV1"
    on_cpu = default_device(device).type == "cpu"
    exportable = all(importlib.util.find_spec(name) for name in ("onnx", "onnxruntime"))
    return "onnxruntime" if is_facenet and on_cpu and exportable else "torch"


def facenet_runner(model, runtime: str, onnx_path: Path | None = None, threads: int | None = None, device=None):
    """A function (N,3,S,S) float32 array → (N,512) float32 running ``model`` on ``runtime``.

    ``threads``: the runtime's intra-op threads (None: its default, all cores)."""
    import torch

    if runtime == "torch":
        from perception.facenet import default_device

        dev = default_device(device)
        module = model.eval().to(dev)
        if dev.type == "cpu":
            module = module.to(memory_format=torch.channels_last)

        def run(x: np.ndarray) -> np.ndarray:
            with torch.inference_mode():
                t = torch.from_numpy(x).to(dev)
                if dev.type == "cpu":
                    t = t.contiguous(memory_format=torch.channels_last)
                return module(t).float().cpu().numpy()

        return run
    if onnx_path is None:
        raise ValueError(f"FaceNet runtime {runtime!r} needs the model's ONNX file")
    if runtime == "onnxruntime":
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # no arena: it keeps the largest batch's activations (~0.3 GiB at 64 faces) for the process's life
        options.enable_cpu_mem_arena = False
        if threads:
            options.intra_op_num_threads = threads
        # no spin-waiting between kernels: on a CPU other jobs share, spinning threads only steal time
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        return lambda x: session.run(None, {"x": np.ascontiguousarray(x, np.float32)})[0]
    if runtime == "openvino":
        import openvino as ov

        config = {"PERFORMANCE_HINT": "LATENCY", **({"INFERENCE_NUM_THREADS": threads} if threads else {})}
        compiled = ov.Core().compile_model(ov.Core().read_model(str(onnx_path)), "CPU", config)
        return lambda x: np.asarray(compiled(np.ascontiguousarray(x, np.float32))[0])
    raise ValueError(f"FaceNet runtime: expected one of {RUNTIMES[1:]}, got {runtime!r}")


def unique_rows(crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(first index of each distinct crop, index into those for every crop)``: exact byte equality,
    so a held expression's repeated frames are embedded once and the result is unchanged."""
    seen: dict[bytes, int] = {}
    first, inverse = [], np.empty(len(crops), np.int64)
    for i, c in enumerate(crops):
        key = hashlib.blake2b(np.ascontiguousarray(c).data, digest_size=16).digest()
        if key not in seen:
            seen[key] = len(first)
            first.append(i)
        inverse[i] = seen[key]
    return np.asarray(first, np.int64), inverse


class EmbeddingExtractor:
    """Frozen FaceNet (eval, no grad). Cache files: ``<cache_dir>/<weights name>/<key>.npy``.

    ``runtime`` (``RUNTIMES``) says what runs the network; every runtime's embeddings agree with
    PyTorch's within cosine 0.999 (tests check it), so they share one cache. ``threads`` are the
    runtime's intra-op threads (None: all cores)."""

    def __init__(self, model=None, weights_name=None, cache_dir=None, batch_size=64, device=None,
                 runtime: str = "auto", threads: int | None = None):
        from perception.facenet import cache_dir as default_cache, default_device, load_facenet

        if model is None:
            model, weights_name = load_facenet("auto", device)
        elif weights_name is None:
            raise ValueError("EmbeddingExtractor: weights_name is required with a given model (it keys the cache)")
        if batch_size < 1:
            raise ValueError(f"EmbeddingExtractor.batch_size: expected >= 1, got {batch_size}")
        if threads is not None and threads < 1:
            raise ValueError(f"EmbeddingExtractor.threads: expected >= 1 or None, got {threads}")
        self.device = default_device(device)
        self.model = model.eval().to(self.device)
        self.weights_name = weights_name
        self.batch_size = batch_size
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache() / "embeddings"
        self.runtime = resolve_runtime(runtime, self.model, self.device)
        if self.runtime != "torch" and self.device.type != "cpu":
            raise ValueError(f"FaceNet runtime {self.runtime!r} runs on the CPU; device {self.device} wants runtime 'torch'")
        self.threads = threads
        self._run = None

    def onnx_path(self) -> Path:
        """Where this model's ONNX export lives: keyed by weights name and a digest of the weights."""
        from perception.facenet import cache_dir as default_cache

        return default_cache() / "onnx" / f"facenet-{self.weights_name}-{model_digest(self.model)}-op{ONNX_OPSET}.onnx"

    @property
    def run(self):
        """The runtime's (N,3,S,S) → (N,512) function, built on first use (exports ONNX once)."""
        if self._run is None:
            path = onnx_export(self.model, self.onnx_path()) if self.runtime != "torch" else None
            self._run = facenet_runner(self.model, self.runtime, path, self.threads, self.device)
        return self._run

    def embed_crops(self, crops: np.ndarray) -> np.ndarray:
        """(T,S,S,3) uint8 crops → (T,512) float32 L2-normalised embeddings; identical crops run once."""
        from perception.augment import normalise_clip

        x = normalise_clip(crops)  # checks shape and dtype
        if len(x) == 0:
            return np.zeros((0, EMBED_DIM), np.float32)
        first, inverse = unique_rows(np.asarray(crops))
        x = x[first].numpy()
        out = [self.run(x[i : i + self.batch_size]) for i in range(0, len(x), self.batch_size)]
        return np.ascontiguousarray(np.concatenate(out).astype(np.float32, copy=False)[inverse])

    def cache_path(self, key: str) -> Path:
        if not _SAFE_KEY.match(key):
            raise ValueError(f"embedding cache key {key!r}: expected 1-200 characters of [A-Za-z0-9._-]")
        return self.cache_dir / self.weights_name / f"{key}.npy"

    def embed_cached(self, key: str, crops_fn: Callable[[], np.ndarray]) -> np.ndarray:
        """Embeddings of the clip ``key`` (its checksum; include crop settings in it if they vary),
        from the cache or computed from ``crops_fn()`` and stored atomically."""
        valid = lambda a: a.ndim == 2 and a.shape[1] == EMBED_DIM and a.dtype == np.float32  # noqa: E731
        return np.asarray(cached_array(self.cache_path(key), lambda: self.embed_crops(crops_fn()), valid))


def cached_array(path: Path, compute: Callable[[], np.ndarray],
                 valid: Callable[[np.ndarray], bool] = lambda a: True, mmap: bool = False) -> np.ndarray:
    """``np.load(path)`` when present, readable and ``valid``; else ``compute()``, saved atomically.

    The temporary name carries the process id, so parallel workers never write one file together.
    """
    if path.is_file():
        try:
            array = np.load(path, mmap_mode="r" if mmap else None)
            if valid(array):
                return array
        except (OSError, ValueError):
            pass  # unreadable cache entry: recompute and overwrite
    array = np.ascontiguousarray(compute())
    from hrisim.io import atomic_path

    with atomic_path(path, unique=True) as tmp:
        np.save(tmp, array)
    return array
