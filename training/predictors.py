"""Trainable models behind one interface: fit on records, give class probabilities for records.

The orchestration (folds, strategies, reports) never needs to know whether it holds a network on
embeddings, a network on images or a KNN-DTW classifier.
"""
from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from training.config import ExperimentConfig
from perception.models.registry import MODELS, architecture_for, model_kind
from training.features import ClipSource
from training.labels import CLASSES
from training.loop import EpochLog, fit, predict, resolve_device
from training.records import ClipRecord
from training.tensors import ClipDataset, loader


class NetworkPredictor(abc.ABC):
    """What every torch predictor shares (training, probabilities, weights, saving). A subclass sets
    ``cfg``, ``source``, ``seed``, ``device`` and ``module`` (the network that is trained) and says
    which dataset reads its records and what its checkpoint holds."""

    cfg: ExperimentConfig
    source: ClipSource
    seed: int
    module: torch.nn.Module

    @abc.abstractmethod
    def dataset(self, records: Sequence[ClipRecord], train: bool) -> torch.utils.data.Dataset:
        """The (input, label) items of ``records`` this predictor's network reads."""

    @abc.abstractmethod
    def checkpoint_model(self) -> tuple[torch.nn.Module, str, dict]:
        """(model to save, its architecture name, model_kwargs) for :func:`save_predictor`."""

    def fit(self, epoch_records: Callable[[int], Sequence[ClipRecord]], epochs: int,
            val_records: Sequence[ClipRecord] | None = None, desc: str = "train") -> list[EpochLog]:
        """Train for ``epochs``; ``epoch_records(e)`` is the training set of epoch e."""
        bs = self.cfg.train.batch_size
        batches = lambda e: loader(self.dataset(epoch_records(e), True), bs, True, self.seed, e)  # noqa: E731
        val = (lambda: loader(self.dataset(val_records, False), bs, False, self.seed)) if val_records else None
        return fit(self.module, batches, epochs, self.cfg.train, val, desc)

    def predict_proba(self, records: Sequence[ClipRecord]) -> np.ndarray:
        return predict(self.module, loader(self.dataset(records, False), self.cfg.train.batch_size, False, self.seed), self.device)[0]

    def state(self) -> dict:
        return {k: v.detach().clone() for k, v in self.module.state_dict().items()}

    def load_state(self, state: dict) -> None:
        self.module.load_state_dict(state)

    def save(self, directory: Path) -> Path:
        """A checkpoint ExpressionRecognizer can load."""
        model, architecture, model_kwargs = self.checkpoint_model()
        return save_predictor(directory, model, self.cfg, self.source, architecture, self.cfg.model.length, model_kwargs)


class TorchPredictor(NetworkPredictor):
    """A network and the input it reads: frozen FaceNet → InceptionTime on cached embeddings
    ("embeddings"), fine-tuned FaceNet + InceptionTime on face crops ("crops"), or the 3D-CNN on whole
    frames ("frames")."""

    def __init__(self, cfg: ExperimentConfig, source: ClipSource, seed: int, network: tuple | None = None):
        self.cfg, self.source, self.seed = cfg, source, seed
        self.device = resolve_device(cfg.train.device)
        torch.manual_seed(seed)  # the same seed gives the same initial weights
        self.module, self.mode = network or build_network(cfg, self.device)
        self.module.to(self.device)

    def dataset(self, records: Sequence[ClipRecord], train: bool) -> ClipDataset:
        m = self.cfg.model
        return ClipDataset(records, self.source, self.mode, m.length, train, self.cfg.train.augment, self.seed, m.frame_size)

    def checkpoint_model(self) -> tuple[torch.nn.Module, str, dict]:
        """The network as trained (a head trained on embeddings is saved as the "inception_time"
        architecture, which the recognizer feeds with FaceNet embeddings)."""
        kwargs = {"embeddings": {}, "crops": {"freeze_facenet": False}, "frames": {"input_size": self.cfg.model.frame_size}}[self.mode]
        return self.module, architecture_for(self.cfg.model.kind, self.mode), kwargs


def save_predictor(directory: Path, model, cfg: ExperimentConfig, source: ClipSource, architecture: str, seq_len: int,
                   model_kwargs: dict) -> Path:
    """Save a trained ``model`` as a perception checkpoint with :func:`checkpoint_config` (every predictor saves here)."""
    from perception.checkpoint import save_checkpoint

    return save_checkpoint(directory, model, checkpoint_config(cfg, source, architecture, seq_len, model_kwargs))


def checkpoint_config(cfg: ExperimentConfig, source: ClipSource, architecture: str, seq_len: int, model_kwargs: dict) -> dict:
    """perception.checkpoint's config: architecture, classes in output order, window, FaceNet weights, crop,
    and whether the model reads person-normalised embeddings (the recognizer must then subtract a baseline)."""
    faces = model_kind(architecture).uses_faces
    return {
        "architecture": architecture, "classes": list(CLASSES), "seq_len": int(seq_len), "model_kwargs": model_kwargs,
        "facenet_weights": source.weights_name if faces else None, "crop": source.crop_config.to_dict() if faces else None,
        "person_norm": bool(cfg.model.person_norm),
        "experiment": cfg.name, "seed": cfg.seed,
    }


def input_mode(cfg: ExperimentConfig) -> str:
    """What a model reads (a ClipDataset mode): whole frames, face crops or FaceNet embeddings."""
    frames_only = all(not k.uses_faces for k in MODELS.values() if k.config_kind == cfg.model.kind)
    if frames_only:
        return "frames"
    return "embeddings" if cfg.model.freeze_facenet else "crops"


def build_network(cfg: ExperimentConfig, device) -> tuple[torch.nn.Module, str]:
    """(module, ClipDataset mode) for ``cfg.model``."""
    m, mode = cfg.model, input_mode(cfg)
    if mode == "frames":
        from perception.models.cnn3d import make_cnn3d

        return make_cnn3d(n_classes=len(CLASSES)), mode
    from perception.models.inception_time import make_inception_time

    head = make_inception_time(c_in=512, n_classes=len(CLASSES), seq_len=m.length)
    if mode == "embeddings":
        return head, mode
    from perception.facenet import load_facenet
    from perception.models.video_classifier import FaceNetInceptionTime

    facenet, _ = load_facenet(m.facenet_weights, device=device)
    return FaceNetInceptionTime(facenet, head, freeze_facenet=False), mode


class KNNPredictor:
    """FaceNet embeddings (centre window of L frames, or the longest clip's length for "full") and
    k-NN with DTW; k is chosen by inner folds over the training subjects only."""

    def __init__(self, cfg: ExperimentConfig, source: ClipSource, seed: int, knn=None, length: int | None = None):
        from perception.models.knn_dtw import KNNDTWClassifier

        self.cfg, self.source, self.seed = cfg, source, seed
        self.knn = knn or KNNDTWClassifier(k_grid=tuple(cfg.model.k_grid), n_inner_folds=cfg.model.inner_folds, seed=seed,
                                           n_classes=len(CLASSES))
        self.length: int | None = length or (None if cfg.model.length == "full" else int(cfg.model.length))

    def _windows(self, records: Sequence[ClipRecord]) -> np.ndarray:
        from perception.augment import select_window

        embs = [self.source.embeddings(r) for r in records]
        length = self.length or max(len(e) for e in embs)
        self.length = length
        return np.stack([np.asarray(e[select_window(len(e), length, False)], np.float32) for e in embs])

    def fit(self, epoch_records, epochs: int = 1, val_records=None, desc: str = "knn") -> list[EpochLog]:
        """One fit on epoch 0's training set (a KNN has no epochs)."""
        records = list(epoch_records(0))
        self.knn.fit(self._windows(records), np.array([r.label for r in records]), np.array([r.subject for r in records]))
        return []

    def predict_proba(self, records: Sequence[ClipRecord]) -> np.ndarray:
        return np.asarray(self.knn.predict_proba(self._windows(records)))

    def state(self) -> dict:
        raise ValueError("knn_dtw has no weights to pre-train")

    def save(self, directory: Path) -> Path:
        return save_predictor(directory, self.knn, self.cfg, self.source, "knn_dtw", self.length, {})

    @property
    def chosen_k(self) -> int | None:
        return getattr(self.knn, "k_", None)


def make_predictor(cfg: ExperimentConfig, source: ClipSource, seed: int):
    if cfg.model.frozen_up_to is not None:  # FaceNet frozen up to a block (training.partial_finetune)
        from training.partial_finetune import PartialPredictor

        return PartialPredictor(cfg, source, seed)
    return KNNPredictor(cfg, source, seed) if cfg.model.kind == "knn_dtw" else TorchPredictor(cfg, source, seed)


def load_predictor(cfg: ExperimentConfig, source: ClipSource, directory: Path):
    """A predictor around a saved checkpoint (its classes must be CLASSES, in order)."""
    from perception.checkpoint import load_checkpoint

    model, config = load_checkpoint(directory)
    if tuple(config["classes"]) != tuple(CLASSES):
        raise ValueError(f"{directory}: classes {config['classes']} differ from {list(CLASSES)}")
    kind = model_kind(config["architecture"])
    if not kind.torch:
        return KNNPredictor(cfg, source, cfg.seed, knn=model, length=config["seq_len"])
    return TorchPredictor(cfg, source, cfg.seed, network=(model, kind.input))
