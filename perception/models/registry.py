"""The model kinds hrisim knows: one entry per checkpoint architecture, saying what it reads and how
it is built. Checkpoints, the recognizer and training look kinds up here instead of switching on
architecture strings, so a new kind is added in one place.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

# What a model reads per frame: FaceNet embeddings (512-d), normalised face crops, or whole frames.
INPUTS = ("embeddings", "crops", "frames")


@dataclasses.dataclass(frozen=True)
class ModelKind:
    architecture: str  # the checkpoint's ``architecture`` field
    input: str  # one of INPUTS
    config_kind: str  # ``model.kind`` of a training config that trains it
    torch: bool  # a torch module saved as safetensors (else a numpy state, knn.npz)
    build: Callable[[dict], object]  # an untrained model from a checkpoint config

    @property
    def uses_faces(self) -> bool:
        return self.input != "frames"

    @property
    def needs_facenet_features(self) -> bool:
        """Its inputs are embeddings of a named FaceNet, which the checkpoint must record."""
        return self.input == "embeddings"


def _inception_time(config: dict):
    from perception.models.inception_time import make_inception_time

    kw = dict(config.get("model_kwargs", {}))
    return make_inception_time(c_in=kw.pop("c_in", 512), n_classes=len(config["classes"]), seq_len=config["seq_len"], **kw)


def _facenet_inception_time(config: dict):
    from facenet_pytorch import InceptionResnetV1

    from perception.models.inception_time import make_inception_time
    from perception.models.video_classifier import FaceNetInceptionTime

    kw = dict(config.get("model_kwargs", {}))
    freeze = bool(kw.pop("freeze_facenet", True))
    head = make_inception_time(c_in=512, n_classes=len(config["classes"]), seq_len=config["seq_len"], **kw)
    return FaceNetInceptionTime(InceptionResnetV1(pretrained=None, classify=False), head, freeze)


def _cnn3d(config: dict):
    from perception.models.cnn3d import make_cnn3d

    kw = dict(config.get("model_kwargs", {}))
    kw.pop("input_size", None)  # the frame size it was trained at: used by the recognizer, not the net
    return make_cnn3d(n_classes=len(config["classes"]), **kw)


def _knn_dtw(config: dict):
    from perception.models.knn_dtw import KNNDTWClassifier

    return KNNDTWClassifier(n_classes=len(config["classes"]), **dict(config.get("model_kwargs", {})))


MODELS: dict[str, ModelKind] = {k.architecture: k for k in (
    ModelKind("inception_time", "embeddings", "inception_time", True, _inception_time),
    ModelKind("facenet_inception_time", "crops", "inception_time", True, _facenet_inception_time),
    ModelKind("knn_dtw", "embeddings", "knn_dtw", False, _knn_dtw),
    ModelKind("cnn3d", "frames", "cnn3d", True, _cnn3d),
)}
ARCHITECTURES = tuple(MODELS)
CONFIG_KINDS = tuple(dict.fromkeys(k.config_kind for k in MODELS.values()))


def model_kind(architecture: str) -> ModelKind:
    try:
        return MODELS[architecture]
    except KeyError:
        raise ValueError(f"unknown model architecture {architecture!r}: expected one of {ARCHITECTURES}") from None


def architecture_for(config_kind: str, input: str) -> str:
    """The checkpoint architecture a training config's ``model.kind`` becomes when it reads ``input``."""
    for kind in MODELS.values():
        if kind.config_kind == config_kind and kind.input == input:
            return kind.architecture
    raise ValueError(f"no model kind {config_kind!r} reads {input!r}")
