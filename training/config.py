"""Experiment configuration: pydantic v2 models read from YAML, strictly.

An unknown or mistyped field, a value out of range, NaN or infinity, a duplicated YAML key or a file
that is not UTF-8 is an error of one line naming the file and the field, so a typo cannot silently
fall back to a default and a bad value cannot reach training.
"""
from __future__ import annotations

import os
import typing
from pathlib import Path
from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hrisim.errors import HrisimError
from perception.models.registry import CONFIG_KINDS

class ConfigError(HrisimError):
    """A bad experiment config; the message names the file and the field."""


MODEL_KINDS = CONFIG_KINDS  # training config kinds, from the model registry
STRATEGIES = ("real_only", "pretrain_finetune", "mixed", "synthetic_only")
PROTOCOLS = ("cv", "holdout")

# strict: no "5" for 5 or true for 1; forbid: unknown fields are errors; no NaN/inf anywhere;
# validate_assignment: a field set after loading (evaluate's batch size) is checked too.
_STRICT = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, validate_assignment=True)


class _Section(BaseModel):
    model_config = _STRICT

PositiveInt = Annotated[int, Field(ge=1)]
Angle = Annotated[float, Field(ge=-180, le=180)]


class DataConfig(_Section):
    real: Optional[str] = None  # ROOT/<label>/<clip> folder (training.real)
    synthetic: Optional[str] = None  # `hrisim generate` output folder (training.synthetic)
    external: Optional[str] = None  # extra test folder, possibly with a subset of the classes (GIFGIF)
    groups: Optional[list[str]] = None  # synthetic filters
    viewpoints: Optional[list[Annotated[list[Angle], Field(min_length=2, max_length=2)]]] = None  # [horizontal, vertical] degrees
    emotions: Optional[list[str]] = None
    humans: Optional[list[str]] = None
    val_humans: Annotated[int, Field(ge=0)] = 5  # synthetic validation humans (paper: 19 train / 5 validation)
    # "mtcnn": crop every clip alike (the paper); "boxes": synthetic clips at the generator's ground-truth
    # face boxes (labels file), no detector; "generator": the manifest's crop_file
    synthetic_crops: Literal["mtcnn", "boxes", "generator"] = "mtcnn"
    cache_dir: Optional[str] = None  # crops/embeddings cache; None: $HRISIM_CACHE or ~/.cache/hrisim (perception's)


class ModelConfig(_Section):
    kind: Literal[MODEL_KINDS] = "inception_time"
    length: Union[PositiveInt, Literal["full"]] = 25  # frames L, or "full": the longest clip (the paper's KNN row "283")
    freeze_facenet: bool = True
    facenet_weights: str = "auto"
    k_grid: Annotated[list[PositiveInt], Field(min_length=1)] = Field(default_factory=lambda: [1, 3, 5, 7, 9])  # KNN-DTW, chosen on training folds
    inner_folds: Annotated[int, Field(ge=2)] = 3
    frame_size: Annotated[int, Field(ge=16, le=1024)] = 112  # 3D-CNN input side (whole frame, no face crop: the "no face prior" baseline)
    # partial fine-tuning (training.partial_finetune): FaceNet frozen through this block, activations there
    # cached for `augmented_variants` augmentations per clip, later blocks + head trained; None: all of FaceNet
    frozen_up_to: Optional[Literal["conv2d_4b", "repeat_1", "mixed_6a", "repeat_2", "mixed_7a", "repeat_3", "block8"]] = None
    augmented_variants: PositiveInt = 2  # each variant costs one FaceNet-prefix pass per clip: 2 keeps a Table III row near 2 h on 2 cores
    # every frame's frozen FaceNet embedding minus its person's median embedding (perception.person_norm;
    # Baltrušaitis et al. 2015): removes identity, which a head on few people otherwise reads as expression
    person_norm: bool = False


class StrategyConfig(_Section):
    kind: Literal[STRATEGIES] = "real_only"
    ratio: Annotated[float, Field(gt=0, le=1)] = 0.25  # mixed: share of synthetic humans drawn each epoch
    pretrain_epochs: Annotated[int, Field(ge=0)] = 20  # synthetic pre-training / synthetic-only training
    epochs: Annotated[int, Field(ge=0)] = 50  # real training or fine-tuning


class TrainConfig(_Section):
    batch_size: PositiveInt = 8
    lr: Annotated[float, Field(gt=0, le=1)] = 1e-4
    weight_decay: Annotated[float, Field(ge=0, le=1)] = 1e-3
    plateau_factor: Annotated[float, Field(gt=0, lt=1)] = 0.1
    plateau_patience: Annotated[int, Field(ge=0)] = 5
    augment: bool = True  # per-clip augmentation (images only: frozen runs use cached embeddings)
    device: str = "auto"  # "auto" = cuda when present
    embed_batch_size: PositiveInt = 64
    facenet_runtime: Literal["auto", "torch", "onnxruntime", "openvino"] = "auto"  # frozen FaceNet's runtime (perception.features)
    embed_threads: Optional[PositiveInt] = None  # its intra-op threads; None: all cores
    progress: bool = True


class EvalConfig(_Section):
    protocol: Literal[PROTOCOLS] = "cv"  # "cv": k-fold on the real set; "holdout": unseen synthetic humans
    folds: Annotated[int, Field(ge=2)] = 5
    demographic_groups: Optional[list[str]] = None  # subjects of these groups form one fold
    demographic_fold: Optional[Annotated[int, Field(ge=0)]] = None  # or: which metadata fold is the demographic one
    test_humans: PositiveInt = 5  # holdout without a manifest split column


class ExperimentConfig(_Section):
    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    seed: Annotated[int, Field(ge=0)] = 0
    output_dir: str = "out/runs"  # a run goes to OUTPUT_DIR/NAME-TIMESTAMP unless --out says otherwise
    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    strategy: StrategyConfig = Field(default_factory=StrategyConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    evaluation: EvalConfig = Field(default_factory=EvalConfig)

    def to_dict(self) -> dict:
        return self.model_dump()


def _field_path(loc: tuple) -> str:
    """``model.length`` from pydantic's location, leaving out the union arms it adds (``int``, ``literal[...]``)."""
    parts, tp = [], ExperimentConfig
    for part in loc:
        tp = _unwrap(tp)
        if _is_section(tp) and isinstance(part, str) and part in tp.model_fields:
            parts.append(part)
            tp = tp.model_fields[part].annotation
        elif isinstance(part, int) and typing.get_origin(tp) is list:
            parts[-1] += f"[{part}]"
            tp = typing.get_args(tp)[0]
        elif _is_section(tp) and isinstance(part, str):
            parts.append(part)  # an unknown field: name it
            break
    return ".".join(parts)


def _is_section(tp) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _unwrap(tp):
    """The type inside Optional[...] / Annotated[...] when it is a list or a section."""
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp = typing.get_args(tp)[0]
        elif origin is Union:
            arms = [a for a in typing.get_args(tp) if a is not type(None)]
            inner = [a for a in arms if _is_section(_unwrap(a)) or typing.get_origin(_unwrap(a)) is list]
            if not inner:
                return tp
            tp = inner[0]
        else:
            return tp


def _message(err: dict) -> str:
    value = err.get("input")
    kind = err["type"]
    if kind == "extra_forbidden" or kind == "unexpected_keyword_argument":
        return "unknown field"
    if kind == "missing" or kind == "missing_argument":
        return "is required"
    if kind in ("finite_number",):
        return f"{value!r} is not a finite number"
    if kind == "literal_error":
        return f"{value!r} is not one of {err['ctx']['expected'].replace(chr(39), '')}"
    return f"{err['msg'][0].lower()}{err['msg'][1:]}, got {value!r}"


def _format(exc: ValidationError, where: str) -> str:
    """One line: the file, the field, what was wrong (the first problem; the rest follow in a count)."""
    errors = exc.errors()
    by_field: dict[str, list[dict]] = {}
    for err in errors:
        by_field.setdefault(_field_path(err["loc"]), []).append(err)
    field, errs = next(iter(by_field.items()))
    if len(errs) > 1:  # a union (e.g. model.length: a count or "full"): say what the value is not
        value = errs[0].get("input")
        if any(e["type"] == "finite_number" for e in errs):
            msg = f"{value!r} is not a finite number"
        else:
            msg = "; or ".join(e["msg"].lower() for e in errs) + f", got {value!r}"
    else:
        msg = _message(errs[0])
    more = f" (and {len(by_field) - 1} more problem{'s' * (len(by_field) > 2)})" if len(by_field) > 1 else ""
    if msg == "unknown field":
        parent, _, leaf = field.rpartition(".")
        known = _known_fields(parent)
        return f"{where}: {field}: unknown field {leaf!r}; known: {', '.join(known)}{more}"
    return f"{where}: {field}: {msg}{more}"


def _known_fields(parent: str) -> list[str]:
    tp = ExperimentConfig
    for part in filter(None, parent.split(".")):
        tp = _unwrap(tp.model_fields[part.split("[")[0]].annotation)
    return sorted(tp.model_fields)


def _choice(value, allowed, where):
    if value not in allowed:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(allowed)}")


def validate(cfg: ExperimentConfig, where: str) -> ExperimentConfig:
    """Cross-field checks (field ranges are checked as the config is built), each naming the field."""
    try:  # a config built in Python with a bad field: the same message as from a file
        cfg = ExperimentConfig.model_validate(cfg.model_dump())
    except ValidationError as exc:
        raise ConfigError(_format(exc, where)) from None
    if cfg.model.length == "full" and cfg.model.kind != "knn_dtw":
        raise ConfigError(f"{where}: model.length: 'full' is for knn_dtw only (networks need a fixed L)")
    needs_real = cfg.strategy.kind != "synthetic_only" or cfg.evaluation.protocol == "cv"
    needs_syn = cfg.strategy.kind != "real_only" or cfg.evaluation.protocol == "holdout"
    if needs_real and not cfg.data.real:
        raise ConfigError(f"{where}: data.real is required by strategy {cfg.strategy.kind!r} / protocol {cfg.evaluation.protocol!r}")
    if needs_syn and not cfg.data.synthetic:
        raise ConfigError(f"{where}: data.synthetic is required by strategy {cfg.strategy.kind!r} / protocol {cfg.evaluation.protocol!r}")
    if cfg.evaluation.protocol == "holdout" and cfg.strategy.kind != "synthetic_only":
        raise ConfigError(f"{where}: evaluation.protocol: 'holdout' tests on unseen synthetic humans: use strategy.kind synthetic_only")
    if cfg.model.kind == "knn_dtw" and cfg.strategy.kind == "pretrain_finetune":
        raise ConfigError(f"{where}: strategy.kind: pretrain_finetune has nothing to fine-tune in knn_dtw")
    if cfg.model.kind == "knn_dtw" and not cfg.model.freeze_facenet:
        raise ConfigError(f"{where}: model.freeze_facenet: knn_dtw uses frozen FaceNet features: set it true")
    if cfg.model.frozen_up_to is not None and (cfg.model.freeze_facenet or cfg.model.kind != "inception_time"):
        raise ConfigError(f"{where}: model.frozen_up_to: partial fine-tuning is for inception_time with freeze_facenet false")
    if cfg.model.person_norm and (not cfg.model.freeze_facenet or cfg.model.kind not in ("inception_time", "knn_dtw")):
        raise ConfigError(f"{where}: model.person_norm: person normalisation subtracts medians of frozen FaceNet embeddings; "
                          "it needs model.kind inception_time or knn_dtw with freeze_facenet true")
    return cfg


def config_from_dict(mapping: dict, where: str = "<config>") -> ExperimentConfig:
    if not isinstance(mapping, dict) or "name" not in mapping:
        raise ConfigError(f"{where}: a config is a mapping with at least a 'name' field")
    try:
        cfg = ExperimentConfig.model_validate(mapping)
    except ValidationError as exc:
        raise ConfigError(_format(exc, where)) from None
    return validate(cfg, where)


def read_yaml(path: str | Path):
    """YAML from a UTF-8 file through hrisim's strict reader (duplicate keys, alias bombs, UTF-16 and
    other encodings refused, naming the file and line); UTF-16/32 without a BOM is named too."""
    from hrisim.textio import load_yaml, read_text

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: config file not found")
    text = read_text(path, ConfigError, "YAML config")
    if "\x00" in text:  # UTF-16/32 without a byte-order mark decodes as UTF-8 with NUL bytes
        raise ConfigError(f"{path}: the file is UTF-16 or UTF-32 text (NUL bytes); save it as UTF-8")
    return load_yaml(text, path, ConfigError)


def load_config(path: str | Path, overrides: list[str] = ()) -> ExperimentConfig:
    """Read a YAML config; ``overrides`` are ``section.field=value`` strings (YAML values) applied
    on top, e.g. ``data.real=/data/real`` or ``strategy.epochs=3``. ``${VAR}`` in strings is expanded."""
    import yaml

    mapping = read_yaml(path)
    mapping = mapping or {}
    if not isinstance(mapping, dict):
        raise ConfigError(f"{path}: a config is a mapping with at least a 'name' field, got {type(mapping).__name__}")
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ConfigError(f"override {item!r}: expected section.field=value")
        node = mapping
        *parents, leaf = key.strip().split(".")
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {item!r}: {p!r} is not a section")
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
