"""InceptionTime head on FaceNet embedding sequences (B, 512, T) → logits, configured as in the paper.

tsai's ``InceptionTime`` with ``depth=3`` is one block of three inception modules and one residual
shortcut; kernels 39/19/9 come from ``ks=40``; ``nf=32`` is both the bottleneck width and the filters per
branch, so with the max-pool branch a module outputs 4 × 32 = 128 channels, the paper's
"InceptionTime128". tsai has no dropout, so the final linear layer becomes Dropout → Linear.
"""
from __future__ import annotations

from torch import nn

DEFAULTS = dict(nf=32, depth=3, ks=40, residual=True, bottleneck=True, dropout=0.5)


def make_inception_time(c_in: int = 512, n_classes: int = 3, seq_len: int = 25, **overrides) -> nn.Module:
    """The paper's head; ``overrides`` change ``nf``, ``depth``, ``ks``, ``dropout`` (p before the linear layer)."""
    import warnings

    with warnings.catch_warnings():  # fastai (under tsai) warns at import about its own torch/pandas use, not ours
        warnings.filterwarnings("ignore", message=r"`torch\.jit\.script` is deprecated", category=FutureWarning)
        warnings.filterwarnings("ignore", message=r"The 'mode\.chained_assignment' option is deprecated")
        from tsai.models.InceptionTime import InceptionTime

    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"make_inception_time: unknown options {sorted(unknown)}; expected {sorted(DEFAULTS)}")
    cfg = {**DEFAULTS, **overrides}
    dropout = cfg.pop("dropout")
    model = InceptionTime(c_in, n_classes, seq_len=seq_len, **cfg)
    model.fc = nn.Sequential(nn.Dropout(dropout), model.fc)
    return model
