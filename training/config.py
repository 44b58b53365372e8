"""Experiment configuration: dataclasses read from YAML, strictly (an unknown or mistyped field is an
error naming the file and the field, so a typo cannot silently fall back to a default)."""
from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

MODEL_KINDS = ("inception_time", "knn_dtw", "cnn3d")
STRATEGIES = ("real_only", "pretrain_finetune", "mixed", "synthetic_only")
PROTOCOLS = ("cv", "holdout")


@dataclass
class DataConfig:
    real: str | None = None  # ROOT/<label>/<clip> folder (training.real)
    synthetic: str | None = None  # `hrisim generate` output folder (training.synthetic)
    external: str | None = None  # extra test folder, possibly with a subset of the classes (GIFGIF)
    groups: list[str] | None = None  # synthetic filters
    viewpoints: list[list[float]] | None = None
    emotions: list[str] | None = None
    humans: list[str] | None = None
    val_humans: int = 5  # synthetic validation humans (paper: 19 train / 5 validation)
    synthetic_crops: str = "mtcnn"  # "mtcnn": crop every clip alike; "generator": the manifest's crop_file
    cache_dir: str | None = None  # crops/embeddings cache; None: $HRISIM_CACHE or ~/.cache/hrisim (perception's)


@dataclass
class ModelConfig:
    kind: str = "inception_time"
    length: int | str = 25  # frames L, or "full": the longest clip (the paper's KNN row "283")
    freeze_facenet: bool = True
    facenet_weights: str = "auto"
    k_grid: list[int] = field(default_factory=lambda: [1, 3, 5, 7, 9])  # KNN-DTW, chosen on training folds
    inner_folds: int = 3
    frame_size: int = 112  # 3D-CNN input side (whole frame, no face crop: the "no face prior" baseline)


@dataclass
class StrategyConfig:
    kind: str = "real_only"
    ratio: float = 0.25  # mixed: share of synthetic humans drawn each epoch
    pretrain_epochs: int = 20  # synthetic pre-training / synthetic-only training
    epochs: int = 50  # real training or fine-tuning


@dataclass
class TrainConfig:
    batch_size: int = 8
    lr: float = 1e-4
    weight_decay: float = 1e-3
    plateau_factor: float = 0.1
    plateau_patience: int = 5
    augment: bool = True  # per-clip augmentation (images only: frozen runs use cached embeddings)
    device: str = "auto"  # "auto" = cuda when present
    embed_batch_size: int = 64
    progress: bool = True


@dataclass
class EvalConfig:
    protocol: str = "cv"  # "cv": k-fold on the real set; "holdout": unseen synthetic humans
    folds: int = 5
    demographic_groups: list[str] | None = None  # subjects of these groups form one fold
    demographic_fold: int | None = None  # or: which metadata fold is the demographic one
    test_humans: int = 5  # holdout without a manifest split column


@dataclass
class ExperimentConfig:
    name: str
    description: str = ""
    seed: int = 0
    output_dir: str = "out/runs"  # a run goes to OUTPUT_DIR/NAME-TIMESTAMP unless --out says otherwise
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    strategy: StrategyConfig = field(default_factory=StrategyConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    evaluation: EvalConfig = field(default_factory=EvalConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _check_type(value, tp, where: str):
    """``value`` converted to ``tp`` (int → float allowed), or a ValueError naming ``where``."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arm in typing.get_args(tp):
            try:
                return _check_type(value, arm, where)
            except ValueError:
                continue
        raise ValueError(f"{where}: {value!r} is not {_name(tp)}")
    if tp is type(None):
        if value is None:
            return None
    elif origin is list:
        if isinstance(value, list):
            (arm,) = typing.get_args(tp)
            return [_check_type(v, arm, f"{where}[{i}]") for i, v in enumerate(value)]
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(value, tp):
        return value
    raise ValueError(f"{where}: {value!r} is not {_name(tp)}")


def _name(tp) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _build(cls, mapping, where: str):
    if not isinstance(mapping, dict):
        raise ValueError(f"{where}: expected a mapping, got {type(mapping).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(mapping) - names)
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r}; known: {', '.join(sorted(names))}")
    kwargs = {}
    for key, value in mapping.items():
        tp = hints[key]
        if dataclasses.is_dataclass(tp):
            kwargs[key] = _build(tp, value, f"{where}.{key}")
        else:
            kwargs[key] = _check_type(value, tp, f"{where}.{key}")
    return cls(**kwargs)


def _choice(value, allowed, where):
    if value not in allowed:
        raise ValueError(f"{where}: {value!r} is not one of {', '.join(allowed)}")


def validate(cfg: ExperimentConfig, where: str) -> ExperimentConfig:
    """Cross-field checks, each naming the field."""
    _choice(cfg.model.kind, MODEL_KINDS, f"{where}: model.kind")
    _choice(cfg.strategy.kind, STRATEGIES, f"{where}: strategy.kind")
    _choice(cfg.evaluation.protocol, PROTOCOLS, f"{where}: evaluation.protocol")
    _choice(cfg.data.synthetic_crops, ("mtcnn", "generator"), f"{where}: data.synthetic_crops")
    if isinstance(cfg.model.length, str) and cfg.model.length != "full":
        raise ValueError(f"{where}: model.length: {cfg.model.length!r} is neither a frame count nor 'full'")
    if isinstance(cfg.model.length, int) and cfg.model.length < 1:
        raise ValueError(f"{where}: model.length must be positive")
    if cfg.model.length == "full" and cfg.model.kind != "knn_dtw":
        raise ValueError(f"{where}: model.length 'full' is for knn_dtw only (networks need a fixed L)")
    needs_real = cfg.strategy.kind != "synthetic_only" or cfg.evaluation.protocol == "cv"
    needs_syn = cfg.strategy.kind != "real_only" or cfg.evaluation.protocol == "holdout"
    if needs_real and not cfg.data.real:
        raise ValueError(f"{where}: data.real is required by strategy {cfg.strategy.kind!r} / protocol {cfg.evaluation.protocol!r}")
    if needs_syn and not cfg.data.synthetic:
        raise ValueError(f"{where}: data.synthetic is required by strategy {cfg.strategy.kind!r} / protocol {cfg.evaluation.protocol!r}")
    if cfg.evaluation.protocol == "holdout" and cfg.strategy.kind != "synthetic_only":
        raise ValueError(f"{where}: evaluation.protocol 'holdout' tests on unseen synthetic humans: use strategy.kind synthetic_only")
    if cfg.model.kind == "knn_dtw" and cfg.strategy.kind == "pretrain_finetune":
        raise ValueError(f"{where}: strategy.kind pretrain_finetune has nothing to fine-tune in knn_dtw")
    if cfg.model.kind == "knn_dtw" and not cfg.model.freeze_facenet:
        raise ValueError(f"{where}: knn_dtw uses frozen FaceNet features: set model.freeze_facenet true")
    if not 0 < cfg.strategy.ratio <= 1:
        raise ValueError(f"{where}: strategy.ratio must be in (0, 1]")
    if cfg.evaluation.folds < 2:
        raise ValueError(f"{where}: evaluation.folds must be at least 2")
    for name in ("batch_size", "plateau_patience", "embed_batch_size"):
        if getattr(cfg.train, name) < 1:
            raise ValueError(f"{where}: train.{name} must be positive")
    return cfg


def config_from_dict(mapping: dict, where: str = "<config>") -> ExperimentConfig:
    if not isinstance(mapping, dict) or "name" not in mapping:
        raise ValueError(f"{where}: a config is a mapping with at least a 'name' field")
    return validate(_build(ExperimentConfig, mapping, where), where)


def load_config(path: str | Path, overrides: list[str] = ()) -> ExperimentConfig:
    """Read a YAML config; ``overrides`` are ``section.field=value`` strings (YAML values) applied
    on top, e.g. ``data.real=/data/real`` or ``strategy.epochs=3``. ``${VAR}`` in strings is expanded."""
    import yaml

    path = Path(path)
    try:
        mapping = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: config file not found") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from None
    mapping = mapping or {}
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ValueError(f"override {item!r}: expected section.field=value")
        node = mapping
        *parents, leaf = key.strip().split(".")
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ValueError(f"override {item!r}: {p!r} is not a section")
        node[leaf] = yaml.safe_load(raw)
    return config_from_dict(_expand(mapping), str(path))


def _expand(value):
    if isinstance(value, str):
        return os.path.expandvars(value)
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v) for v in value]
    return value
