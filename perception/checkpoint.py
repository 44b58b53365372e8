"""Checkpoints: ``model.safetensors`` (or ``knn.npz`` for KNN-DTW) + ``config.json``, written atomically.

``config.json`` says everything needed to rebuild the model and feed it: architecture and its options
(``model_kwargs``), class names in output order, window length, which FaceNet weights produced the
features, the crop settings, and the hrisim version that wrote it.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

FORMAT = "hrisim-expression-classifier"
FORMAT_VERSION = 1
ARCHITECTURES = ("inception_time", "facenet_inception_time", "knn_dtw", "cnn3d")
CONFIG_FILE, WEIGHTS_FILE, KNN_FILE = "config.json", "model.safetensors", "knn.npz"


def hrisim_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hrisim")
    except PackageNotFoundError:
        return "unknown"


def validate_config(config: dict, where: str = "config") -> dict:
    """Checks the fields every checkpoint needs; the error names the field."""
    if not isinstance(config, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(config).__name__}")
    arch = config.get("architecture")
    if arch not in ARCHITECTURES:
        raise ValueError(f"{where}: field 'architecture' must be one of {ARCHITECTURES}, got {arch!r}")
    classes = config.get("classes")
    if not isinstance(classes, (list, tuple)) or len(classes) < 2 or not all(isinstance(c, str) for c in classes):
        raise ValueError(f"{where}: field 'classes' must be a list of at least two class names, got {classes!r}")
    seq_len = config.get("seq_len")
    if not isinstance(seq_len, int) or seq_len < 1:
        raise ValueError(f"{where}: field 'seq_len' must be a positive integer, got {seq_len!r}")
    if arch in ("inception_time", "knn_dtw") and config.get("facenet_weights") is None:
        raise ValueError(f"{where}: field 'facenet_weights' is required for {arch} (features come from FaceNet)")
    if not isinstance(config.get("model_kwargs", {}), dict):
        raise ValueError(f"{where}: field 'model_kwargs' must be an object")
    return config


def build_model(config: dict):
    """An untrained model of the architecture ``config`` describes (weights are loaded separately)."""
    arch, n = config["architecture"], len(config["classes"])
    kw = dict(config.get("model_kwargs", {}))
    if arch == "inception_time":
        from perception.models.inception_time import make_inception_time

        return make_inception_time(c_in=kw.pop("c_in", 512), n_classes=n, seq_len=config["seq_len"], **kw)
    if arch == "facenet_inception_time":
        from facenet_pytorch import InceptionResnetV1

        from perception.models.inception_time import make_inception_time
        from perception.models.video_classifier import FaceNetInceptionTime

        freeze = bool(kw.pop("freeze_facenet", True))
        head = make_inception_time(c_in=512, n_classes=n, seq_len=config["seq_len"], **kw)
        return FaceNetInceptionTime(InceptionResnetV1(pretrained=None, classify=False), head, freeze)
    if arch == "cnn3d":
        from perception.models.cnn3d import make_cnn3d

        kw.pop("input_size", None)  # frame size the model was trained at: used by the recognizer, not the net
        return make_cnn3d(n_classes=n, **kw)
    from perception.models.knn_dtw import KNNDTWClassifier

    return KNNDTWClassifier(n_classes=n, **kw)


def save_checkpoint(directory, model, config: dict) -> Path:
    """Writes ``directory`` (replacing an older checkpoint there) via a temporary sibling folder and a rename,
    so an interrupted save never leaves a half-written checkpoint that looks complete."""
    from perception.models.knn_dtw import KNNDTWClassifier

    directory = Path(directory)
    config = validate_config({**config}, "save_checkpoint config")
    config.update(format=FORMAT, format_version=FORMAT_VERSION, hrisim_version=hrisim_version())
    config["classes"] = list(config["classes"])
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        if config["architecture"] == "knn_dtw":
            if not isinstance(model, KNNDTWClassifier):
                raise TypeError(f"save_checkpoint: knn_dtw expects a KNNDTWClassifier, got {type(model).__name__}")
            np.savez(tmp / KNN_FILE, **model.state())
        else:
            from safetensors.torch import save_file

            state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
            save_file(state, str(tmp / WEIGHTS_FILE), metadata={"architecture": config["architecture"]})
        (tmp / CONFIG_FILE).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
        old = None
        if directory.exists():
            old = directory.with_name(f".{directory.name}.old.{os.getpid()}")
            os.replace(directory, old)
        os.replace(tmp, directory)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return directory


def read_config(directory) -> dict:
    path = Path(directory) / CONFIG_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: checkpoint config is missing (is {Path(directory)} a checkpoint folder?)")
    try:
        config = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from exc
    if isinstance(config, dict) and config.get("format", FORMAT) != FORMAT:
        raise ValueError(f"{path}: field 'format' is {config.get('format')!r}, expected {FORMAT!r}")
    return validate_config(config, str(path))


def load_checkpoint(directory) -> tuple[object, dict]:
    """``(model in eval mode, config)``; the error names the broken file."""
    directory = Path(directory)
    config = read_config(directory)
    if config["architecture"] == "knn_dtw":
        from perception.models.knn_dtw import KNNDTWClassifier

        path = directory / KNN_FILE
        try:
            with np.load(path) as data:
                state = {k: data[k] for k in data.files}
            return KNNDTWClassifier.from_state(state), config
        except (OSError, ValueError, KeyError) as exc:
            raise ValueError(f"{path}: broken KNN-DTW checkpoint ({exc})") from exc
    from safetensors.torch import load

    path = directory / WEIGHTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: model weights are missing")
    from perception.facenet import module_from_state

    try:
        # read into memory, not mmap: the model's tensors must not alias a file a later save replaces
        model = module_from_state(lambda: build_model(config), load(path.read_bytes()))
    except Exception as exc:  # safetensors header errors, shape or key mismatches
        raise ValueError(f"{path}: weights do not fit the architecture in {directory / CONFIG_FILE} ({exc})") from exc
    return model.eval(), config
