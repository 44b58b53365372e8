"""Checkpoints: ``model.safetensors`` (or ``knn.npz`` for KNN-DTW) + ``config.json``, written atomically.

``config.json`` says everything needed to rebuild the model and feed it: architecture and its options
(``model_kwargs``), class names in output order, window length, which FaceNet weights produced the
features, the crop settings, and the hrisim version that wrote it.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from hrisim import hrisim_version
from hrisim.errors import HrisimError
from hrisim.io import atomic_path
from perception.models.registry import ARCHITECTURES, model_kind

FORMAT = "hrisim-expression-classifier"
FORMAT_VERSION = 1
CONFIG_FILE, WEIGHTS_FILE, KNN_FILE = "config.json", "model.safetensors", "knn.npz"


class CheckpointError(HrisimError):
    """A checkpoint folder is missing a file or its config is malformed; the message names the file and field."""


# model_kwargs that are sizes: positive whole numbers up to this bound (the paper's are under 1024)
_SIZE_KWARGS = {"c_in": 65536, "nf": 4096, "depth": 64, "width": 4096, "input_size": 1024, "ks": 1024,
                "pca_components": 65536, "n_inner_folds": 100}
MAX_SEQ_LEN = 10_000
MAX_CLASSES = 1000


def validate_config(config: dict, where: str = "config") -> dict:
    """Checks the fields every checkpoint needs, and the type, finiteness and range of the model's
    options; the error names the field and the allowed range."""
    if not isinstance(config, dict):
        raise CheckpointError(f"{where}: expected a JSON object, got {type(config).__name__}")
    arch = config.get("architecture")
    if arch not in ARCHITECTURES:
        raise CheckpointError(f"{where}: field 'architecture' must be one of {ARCHITECTURES}, got {_short(arch)}")
    classes = config.get("classes")
    if (not isinstance(classes, (list, tuple)) or not 2 <= len(classes) <= MAX_CLASSES
            or not all(isinstance(c, str) and c for c in classes) or len(set(classes)) != len(classes)):
        raise CheckpointError(f"{where}: field 'classes' must be a list of 2 to {MAX_CLASSES} distinct class names, "
                              f"got {_short(classes)}")
    seq_len = config.get("seq_len")
    if isinstance(seq_len, bool) or not isinstance(seq_len, int) or not 1 <= seq_len <= MAX_SEQ_LEN:
        raise CheckpointError(f"{where}: field 'seq_len' must be a whole number in [1, {MAX_SEQ_LEN}], got {_short(seq_len)}")
    if model_kind(arch).needs_facenet_features and config.get("facenet_weights") is None:
        raise CheckpointError(f"{where}: field 'facenet_weights' is required for {arch} (features come from FaceNet)")
    if config.get("facenet_weights") is not None and not isinstance(config["facenet_weights"], str):
        raise CheckpointError(f"{where}: field 'facenet_weights' must be a name, got {_short(config['facenet_weights'])}")
    norm = config.get("person_norm", False)
    if not isinstance(norm, bool):
        raise CheckpointError(f"{where}: field 'person_norm' must be true or false, got {_short(norm)}")
    if norm and not model_kind(arch).needs_facenet_features:
        raise CheckpointError(f"{where}: field 'person_norm' is for models on FaceNet embeddings, not {arch}")
    kwargs = config.get("model_kwargs", {})
    if not isinstance(kwargs, dict):
        raise CheckpointError(f"{where}: field 'model_kwargs' must be an object")
    for name, value in kwargs.items():
        _check_kwarg(where, name, value)
    crop = config.get("crop")
    if crop is not None:
        from perception.face_crop import CropConfig

        if not isinstance(crop, dict):
            raise CheckpointError(f"{where}: field 'crop' must be an object, got {_short(crop)}")
        try:
            CropConfig.from_dict(crop)
        except (TypeError, ValueError) as exc:
            raise CheckpointError(f"{where}: field 'crop': {exc}") from None
    return config


def _check_kwarg(where: str, name: str, value: object) -> None:
    field = f"{where}: field 'model_kwargs.{name}'"
    items = value if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if isinstance(item, float) and not math.isfinite(item):
            raise CheckpointError(f"{field}: expected finite numbers, got {item!r}")
        if not isinstance(item, (int, float, str, bool, type(None))):
            raise CheckpointError(f"{field}: expected numbers, strings or lists of them, got {_short(value)}")
    if name in _SIZE_KWARGS:
        bound = _SIZE_KWARGS[name]
        if any(isinstance(i, bool) or not isinstance(i, int) or not 1 <= i <= bound for i in items):
            raise CheckpointError(f"{field}: expected whole number(s) in [1, {bound}], got {_short(value)}")
    if name == "dropout" and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1):
        raise CheckpointError(f"{field}: expected a number in [0, 1), got {_short(value)}")


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def build_model(config: dict):
    """An untrained model of the architecture ``config`` describes (weights are loaded separately)."""
    return model_kind(config["architecture"]).build(config)


def save_checkpoint(directory, model, config: dict) -> Path:
    """Writes ``directory`` (replacing an older checkpoint there) via a temporary sibling folder and a rename,
    so an interrupted save never leaves a half-written checkpoint that looks complete."""
    from perception.models.knn_dtw import KNNDTWClassifier

    directory = Path(directory)
    config = validate_config({**config}, "save_checkpoint config")
    config.update(format=FORMAT, format_version=FORMAT_VERSION, hrisim_version=hrisim_version())
    config["classes"] = list(config["classes"])
    with atomic_path(directory, unique=True) as tmp:
        tmp.mkdir()
        if not model_kind(config["architecture"]).torch:
            if not isinstance(model, KNNDTWClassifier):
                raise TypeError(f"save_checkpoint: knn_dtw expects a KNNDTWClassifier, got {type(model).__name__}")
            np.savez(tmp / KNN_FILE, **model.state())
        else:
            from safetensors.torch import save_file

            state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
            save_file(state, str(tmp / WEIGHTS_FILE), metadata={"architecture": config["architecture"]})
        (tmp / CONFIG_FILE).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    return directory


def checkpoint_dirs(path) -> list[Path]:
    """The model folders ``path`` names: itself when it holds ``config.json``, else a run folder's
    ``checkpoints/*`` (a cross-validation run has one model per fold; they are used together)."""
    path = Path(path)
    if (path / CONFIG_FILE).is_file():
        return [path]
    found = sorted(p for p in (path / "checkpoints").glob("*") if (p / CONFIG_FILE).is_file())
    if found:
        return found
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such checkpoint or run folder")
    raise FileNotFoundError(f"{path}: neither a model folder ({CONFIG_FILE} + weights) nor a run folder with "
                            f"checkpoints/<name>/{CONFIG_FILE} (written by `hrisim train`)")


def read_config(directory) -> dict:
    from hrisim.textio import load_json, read_text

    path = Path(directory) / CONFIG_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: checkpoint config is missing (is {Path(directory)} a checkpoint folder?)")
    config = load_json(read_text(path, CheckpointError, "checkpoint config"), path, CheckpointError)
    if isinstance(config, dict) and config.get("format", FORMAT) != FORMAT:
        raise CheckpointError(f"{path}: field 'format' is {_short(config.get('format'))}, expected {FORMAT!r}")
    return validate_config(config, str(path))


def load_checkpoint(directory) -> tuple[object, dict]:
    """``(model in eval mode, config)``; the error names the broken file."""
    directory = Path(directory)
    config = read_config(directory)
    if not model_kind(config["architecture"]).torch:
        from perception.models.knn_dtw import KNNDTWClassifier

        path = directory / KNN_FILE
        try:
            with np.load(path) as data:
                state = {k: data[k] for k in data.files}
            return KNNDTWClassifier.from_state(state), config
        except Exception as exc:  # not a zip (BadZipFile), missing arrays, pickles refused (allow_pickle=False)
            raise CheckpointError(f"{path}: broken KNN-DTW checkpoint ({type(exc).__name__}: {str(exc)[:120]})") from None
    from safetensors.torch import load

    path = directory / WEIGHTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: model weights are missing (the folder has {CONFIG_FILE} but no {WEIGHTS_FILE})")
    from perception.facenet import module_from_state

    try:
        # read into memory, not mmap: the model's tensors must not alias a file a later save replaces
        model = module_from_state(lambda: build_model(config), load(path.read_bytes()))
    except Exception as exc:  # safetensors header errors, shape or key mismatches, bad model_kwargs
        raise CheckpointError(f"{path}: weights do not fit the architecture in {directory / CONFIG_FILE} "
                              f"({type(exc).__name__}: {str(exc)[:200]})") from None
    return model.eval(), config
