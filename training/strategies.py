"""The paper's three training strategies (and synthetic-only training), as data schedules.

- real_only: the real training folds every epoch.
- pretrain_finetune: train on synthetic humans (best on held-out synthetic humans kept), then
  fine-tune on the real training folds. The pre-training does not depend on the real fold, so it runs
  once and every fold starts from the same weights.
- mixed: every epoch, the real training folds plus a fresh MixedSampler draw of synthetic clips.
- synthetic_only: the pre-training step alone.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from training.config import ExperimentConfig
from training.features import ClipSource
from training.loop import EpochLog
from training.predictors import make_predictor
from training.records import ClipRecord
from training.sampler import MixedSampler


@dataclass
class Trained:
    predictor: object
    history: dict[str, list[EpochLog]] = field(default_factory=dict)  # phase -> epochs


def train_synthetic(cfg: ExperimentConfig, source: ClipSource, syn_train: Sequence[ClipRecord],
                    syn_val: Sequence[ClipRecord], seed: int) -> Trained:
    """Synthetic training with validation on held-out humans; the best-validation weights are kept."""
    p = make_predictor(cfg, source, seed)
    hist = p.fit(lambda e: syn_train, cfg.strategy.pretrain_epochs, syn_val, desc="synthetic")
    return Trained(p, {"synthetic": hist})


def train_fold(cfg: ExperimentConfig, source: ClipSource, real_train: Sequence[ClipRecord],
               synthetic: Sequence[ClipRecord], seed: int, pretrained: Trained | None = None, desc: str = "fold") -> Trained:
    """A model for one cross-validation fold, by ``cfg.strategy.kind``."""
    kind = cfg.strategy.kind
    if kind == "synthetic_only":  # zero-shot: the synthetic model is tested on the real fold as it is
        if pretrained is None:
            raise ValueError("synthetic_only needs the synthetic model")
        return pretrained
    p = make_predictor(cfg, source, seed)
    history = {}
    if kind == "pretrain_finetune":
        if pretrained is None:
            raise ValueError("pretrain_finetune needs the pre-trained model")
        p.load_state(pretrained.predictor.state())
        history.update(pretrained.history)
    if kind == "mixed":
        sampler = MixedSampler(synthetic, cfg.strategy.ratio, seed)
        epoch_records = lambda e: list(real_train) + sampler.draw(e)  # noqa: E731
    else:
        epoch_records = lambda e: real_train  # noqa: E731
    history["real"] = p.fit(epoch_records, cfg.strategy.epochs, None, desc=desc)
    return Trained(p, history)
