"""Partial FaceNet fine-tuning on a CPU: FaceNet frozen up to a chosen block, the rest trained.

Full fine-tuning pushes every frame of every clip through all of InceptionResnetV1 forward and
backward each epoch (≈ 820 s per mixed epoch here). Frozen up to block B, the activations at B do not
change during training, so they are computed once per clip for a fixed number of augmented variants
(the paper's per-clip augmentation, one transform for all frames of a variant, drawn from a seed per
variant) and cached on disk; each epoch trains the remaining blocks and InceptionTime on them, picking
one variant per clip at random. Testing and validation use the unaugmented clip. A frozen prefix keeps
its batch norms' statistics (eval mode); the trained blocks behave exactly as in full fine-tuning.

The saved model is the whole FaceNet (frozen prefix + trained blocks) with its InceptionTime head, the
``facenet_inception_time`` architecture that ``ExpressionRecognizer`` runs on any video.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from training.features import ClipSource
from training.predictors import NetworkPredictor
from training.records import ClipRecord

# InceptionResnetV1's blocks in forward order; "frozen up to B" trains everything after B.
STAGES = ("conv2d_4b", "repeat_1", "mixed_6a", "repeat_2", "mixed_7a", "repeat_3", "block8")
_ORDER = ("conv2d_1a", "conv2d_2a", "conv2d_2b", "maxpool_3a", "conv2d_3b", "conv2d_4a", "conv2d_4b", "repeat_1",
          "mixed_6a", "repeat_2", "mixed_7a", "repeat_3", "block8")


class _Embed(nn.Module):
    """FaceNet's tail after its last block: pool, dropout, linear, batch norm, L2 norm (its forward)."""

    def __init__(self, facenet: nn.Module):
        super().__init__()
        self.avgpool_1a, self.dropout = facenet.avgpool_1a, facenet.dropout
        self.last_linear, self.last_bn = facenet.last_linear, facenet.last_bn

    def forward(self, x):
        x = self.dropout(self.avgpool_1a(x))
        return nn.functional.normalize(self.last_bn(self.last_linear(x.flatten(1))), p=2, dim=1)


def split_facenet(facenet: nn.Module, frozen_up_to: str) -> tuple[nn.Sequential, nn.Sequential]:
    """(frozen prefix through ``frozen_up_to``, trainable suffix to the 512-d embedding). Both share
    ``facenet``'s modules, so training the suffix trains ``facenet`` itself."""
    if frozen_up_to not in STAGES:
        raise ValueError(f"model.frozen_up_to: expected one of {STAGES}, got {frozen_up_to!r}")
    cut = _ORDER.index(frozen_up_to) + 1
    prefix = nn.Sequential(*(getattr(facenet, n) for n in _ORDER[:cut]))
    suffix = nn.Sequential(*(getattr(facenet, n) for n in _ORDER[cut:]), _Embed(facenet))
    return prefix, suffix


class PartialNetwork(nn.Module):
    """Cached activations (B, T, C, H, W) → trainable FaceNet blocks → (B, 512, T) → InceptionTime."""

    def __init__(self, suffix: nn.Module, head: nn.Module):
        super().__init__()
        self.suffix, self.head = suffix, head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 5:
            raise ValueError(f"PartialNetwork: expected (B, T, C, H, W) activations, got {tuple(x.shape)}")
        b, t = x.shape[:2]
        emb = self.suffix(x.reshape(b * t, *x.shape[2:]))
        return self.head(emb.reshape(b, t, -1).transpose(1, 2))


class ActivationCache:
    """Activations at the frozen block, per clip and variant, float16 ``.npy`` files read memory-mapped.

    Variant ``None`` is the plain clip; variant v in [0, n_variants) is the clip under the paper's
    augmentation drawn from ``rng([seed, v, clip])``. The folder name holds the weights' digest, the
    block and the seed, so nothing stale is ever served."""

    def __init__(self, source: ClipSource, facenet: nn.Module, weights_name: str, frozen_up_to: str, seed: int,
                 runtime: str = "auto", threads: int | None = None, batch_size: int = 32):
        from perception.features import model_digest, resolve_runtime

        self.source, self.seed, self.batch_size = source, seed, batch_size
        self.prefix, _ = split_facenet(facenet, frozen_up_to)
        self.prefix.eval()
        self.runtime = resolve_runtime(runtime, facenet, "cpu") if next(facenet.parameters()).device.type == "cpu" else "torch"
        self.threads = threads
        digest = model_digest(self.prefix)
        self.folder = source.cache_dir / "activations" / f"{weights_name}-{digest}-{frozen_up_to}-seed{seed}"
        self._run = None
        self._augmenter = None

    @property
    def run(self):
        """The frozen prefix on the chosen runtime (an ONNX export of the prefix, made once)."""
        if self._run is None:
            from perception.facenet import cache_dir
            from perception.features import facenet_runner, onnx_export

            path = None
            if self.runtime != "torch":
                path = onnx_export(self.prefix, cache_dir() / "onnx" / f"{self.folder.name}.onnx")
            self._run = facenet_runner(self.prefix, self.runtime, path, self.threads, next(self.prefix.parameters()).device)
        return self._run

    def _clip_seed(self, record: ClipRecord) -> int:
        return int(hashlib.sha256(self.source.key(record).encode()).hexdigest()[:12], 16)

    def get(self, record: ClipRecord, variant: int | None) -> np.ndarray:
        """(T, C, H, W) float16 activations of ``record`` (``variant`` None: not augmented)."""
        from perception.features import cached_array

        name = f"{self.source.key(record)}-{self.source.crop_tag(record)}-{'plain' if variant is None else f'v{variant}'}.npy"
        return cached_array(self.folder / name, lambda: self._compute(record, variant), mmap=True)

    def _compute(self, record: ClipRecord, variant: int | None) -> np.ndarray:
        from perception.augment import ClipAugmenter, normalise_clip

        crops = np.asarray(self.source.crops(record))
        if variant is None:
            x = normalise_clip(crops)
        else:
            self._augmenter = self._augmenter or ClipAugmenter(crops.shape[1])
            x = self._augmenter(crops, np.random.default_rng([self.seed, variant, self._clip_seed(record)]))
        x = x.numpy()
        return np.concatenate([self.run(x[i:i + self.batch_size]) for i in range(0, len(x), self.batch_size)]).astype(np.float16)


class ActivationDataset(torch.utils.data.Dataset):
    """One (T=L, C, H, W) float32 window of cached activations per record: in training a random variant
    (of ``n_variants``; 0: the plain clip, no augmentation) and window from ``rng(seed, epoch, i)``,
    otherwise the plain clip's centre window."""

    def __init__(self, records: Sequence[ClipRecord], cache: ActivationCache, length: int, train: bool,
                 n_variants: int, seed: int):
        self.records, self.cache, self.length, self.train = list(records), cache, length, train
        self.n_variants, self.seed, self.epoch = n_variants, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: int):
        from perception.augment import select_window

        record = self.records[i]
        rng = np.random.default_rng([self.seed, self.epoch, i])
        variant = int(rng.integers(self.n_variants)) if self.train and self.n_variants else None
        act = self.cache.get(record, variant)
        window = select_window(len(act), self.length, self.train, rng)
        return torch.from_numpy(np.asarray(act[window], np.float32)), record.label


class PartialPredictor(NetworkPredictor):
    """The predictor interface of training.predictors for FaceNet frozen up to ``model.frozen_up_to``
    (training, probabilities and saving are :class:`~training.predictors.NetworkPredictor`'s)."""

    def __init__(self, cfg, source: ClipSource, seed: int):
        from perception.facenet import load_facenet
        from perception.models.inception_time import make_inception_time
        from training.labels import CLASSES
        from training.loop import resolve_device

        self.cfg, self.source, self.seed = cfg, source, seed
        self.device = resolve_device(cfg.train.device)
        torch.manual_seed(seed)
        self.facenet, self.weights_name = load_facenet(cfg.model.facenet_weights, device=self.device)
        self.head = make_inception_time(c_in=512, n_classes=len(CLASSES), seq_len=cfg.model.length).to(self.device)
        _, suffix = split_facenet(self.facenet, cfg.model.frozen_up_to)
        self.facenet.requires_grad_(False)
        suffix.requires_grad_(True)
        self.module = PartialNetwork(suffix, self.head).to(self.device)
        self.cache = ActivationCache(source, self.facenet, self.weights_name, cfg.model.frozen_up_to, cfg.seed,
                                     cfg.train.facenet_runtime, cfg.train.embed_threads, cfg.train.embed_batch_size)

    def dataset(self, records: Sequence[ClipRecord], train: bool) -> ActivationDataset:
        return ActivationDataset(records, self.cache, int(self.cfg.model.length), train,
                                 self.cfg.model.augmented_variants if self.cfg.train.augment else 0, self.seed)

    def full_model(self) -> nn.Module:
        """The whole FaceNet (frozen prefix + trained blocks) and its head, as full fine-tuning saves it."""
        from perception.models.video_classifier import FaceNetInceptionTime

        return FaceNetInceptionTime(self.facenet, self.head, freeze_facenet=False)

    def checkpoint_model(self) -> tuple[nn.Module, str, dict]:
        return self.full_model(), "facenet_inception_time", {"freeze_facenet": False}
