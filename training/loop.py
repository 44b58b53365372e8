"""The paper's optimisation: Adam (lr 1e-4, weight decay 1e-3), cross-entropy, reduce-on-plateau
×0.1 after 5 stale epochs; the model that does best on validation is the one kept."""
from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch

from training.config import TrainConfig


@dataclass
class EpochLog:
    epoch: int
    train_loss: float
    val_loss: float | None
    val_accuracy: float | None
    lr: float
    n_train: int
    seconds: float

    def to_dict(self) -> dict:
        return asdict(self)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def train_epoch(model, batches, optimizer, device) -> float:
    """Mean cross-entropy over one pass of ``batches``."""
    model.train()
    total, count = 0.0, 0
    for x, y in batches:
        x, y = x.to(device), torch.as_tensor(y).to(device)
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / max(count, 1)


@torch.no_grad()
def predict(model, batches, device) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities (N, C), labels (N,)) in batch order."""
    model.eval()
    probs, labels = [], []
    for x, y in batches:
        probs.append(torch.softmax(model(x.to(device)), dim=1).cpu().numpy())
        labels.append(np.asarray(y))
    return np.concatenate(probs), np.concatenate(labels)


def fit(model: torch.nn.Module, epoch_batches: Callable[[int], object], epochs: int, cfg: TrainConfig,
        val_batches: Callable[[], object] | None = None, desc: str = "train") -> list[EpochLog]:
    """Train ``model`` in place for ``epochs``; ``epoch_batches(e)`` gives epoch e's batches (so a
    strategy can change the data every epoch). With validation, the plateau scheduler watches the
    validation loss and the best-validation weights are restored at the end; without, it watches the
    training loss and the last weights are kept."""
    from tqdm.auto import tqdm

    device = next(model.parameters()).device
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=cfg.plateau_factor, patience=cfg.plateau_patience)
    history: list[EpochLog] = []
    best = (float("inf"), None)
    bar = tqdm(range(epochs), desc=desc, disable=not cfg.progress, leave=False)
    for epoch in bar:
        start = time.perf_counter()
        batches = epoch_batches(epoch)
        train_loss = train_epoch(model, batches, optimizer, device)
        val_loss = val_acc = None
        if val_batches is not None:
            probs, labels = predict(model, val_batches(), device)
            val_loss = float(torch.nn.functional.nll_loss(torch.log(torch.as_tensor(probs).clamp_min(1e-12)), torch.as_tensor(labels)))
            val_acc = float(np.mean(probs.argmax(1) == labels))
            if val_loss < best[0]:
                best = (val_loss, copy.deepcopy(model.state_dict()))
        scheduler.step(val_loss if val_loss is not None else train_loss)
        history.append(EpochLog(epoch, train_loss, val_loss, val_acc, optimizer.param_groups[0]["lr"],
                                len(batches.dataset), time.perf_counter() - start))
        bar.set_postfix(loss=f"{train_loss:.3f}", **({"val_acc": f"{val_acc:.2f}"} if val_acc is not None else {}))
    if best[1] is not None:
        model.load_state_dict(best[1])
    return history
