"""Each classifier: the paper's configuration, and a few training steps on tiny synthetic data lower the loss."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from perception.models.cnn3d import make_cnn3d, prepare_frames
from perception.models.inception_time import make_inception_time
from perception.models.knn_dtw import KNNDTWClassifier
from perception.models.video_classifier import FaceNetInceptionTime


def _train(model, x, y, steps=25, lr=1e-3):
    torch.manual_seed(0)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    model.train()
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def _sequences(n=12, c=512, t=25, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    x = torch.randn(n, c, t, generator=g) + y[:, None, None].float() * 0.3
    return x, y


def test_inception_time_is_the_papers_configuration():
    torch.manual_seed(0)
    m = make_inception_time(512, 3, 25)
    modules = m.inceptionblock.inception
    assert len(modules) == 3 and len(m.inceptionblock.shortcut) == 1  # one block, one residual
    assert [conv.kernel_size[0] for conv in modules[0].convs] == [39, 19, 9]
    assert modules[0].bottleneck.out_channels == 32 and modules[0].bn.num_features == 128
    assert isinstance(m.fc[0], nn.Dropout) and m.fc[1].out_features == 3
    assert m(torch.randn(2, 512, 64)).shape == (2, 3)  # L = 64 as well as 25
    with pytest.raises(ValueError, match="unknown options"):
        make_inception_time(dropot=0.1)


def test_inception_time_loss_falls():
    torch.manual_seed(0)
    x, y = _sequences(n=6)
    losses = _train(make_inception_time(512, 3, 25, nf=8), x, y, steps=12)  # narrow: the paper's width is checked above
    assert losses[-1] < 0.5 * losses[0]


class _TinyFaceNet(nn.Module):
    """A stand-in for InceptionResnetV1 (same interface, (N,3,H,W) → (N,512)) so the test stays fast."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 5, stride=4)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 512)

    def forward(self, x):
        return self.fc(self.bn(self.conv(x)).mean(dim=(2, 3)))


@pytest.mark.parametrize("frozen", [True, False])
def test_facenet_inception_time_trains_and_respects_freezing(frozen):
    torch.manual_seed(0)
    y = torch.arange(6) % 3
    x = torch.rand(6, 5, 3, 32, 32) * 0.2 - 1 + y[:, None, None, None, None] * 0.5  # (B, T, 3, H, W)
    facenet = _TinyFaceNet()
    before = {k: v.clone() for k, v in facenet.state_dict().items()}
    model = FaceNetInceptionTime(facenet, make_inception_time(512, 3, 5, nf=8), freeze_facenet=frozen)
    losses = _train(model, x, y, steps=12)
    assert losses[-1] < 0.6 * losses[0]
    after = facenet.state_dict()
    unchanged = all(torch.equal(before[k], after[k]) for k in before)  # weights and BN statistics
    assert unchanged == frozen
    assert (not facenet.training) == frozen  # frozen FaceNet stays in eval mode under model.train()
    with pytest.raises(ValueError, match=r"\(B, T, 3, H, W\)"):
        model(torch.zeros(2, 3, 32, 32))


def test_cnn3d_loss_falls():
    torch.manual_seed(0)
    y = torch.arange(6) % 3
    x = torch.randn(6, 3, 4, 16, 16) * 0.5 + y[:, None, None, None, None] * 0.4
    model = make_cnn3d(3, width=4)
    losses = _train(model, x, y, steps=15)
    assert losses[-1] < 0.5 * losses[0]
    assert make_cnn3d(3, arch="r3d_18").fc.out_features == 3
    with pytest.raises(ValueError, match="arch"):
        make_cnn3d(3, arch="i3d")


def test_cnn3d_sees_whole_frames_in_minus_one_to_one():
    frames = np.zeros((4, 90, 160, 3), np.uint8)
    frames[..., 0] = 255
    x = prepare_frames(frames, 56)
    assert x.shape == (4, 3, 56, 56)
    assert torch.allclose(x[:, 0], torch.full((4, 56, 56), 127.5 / 128))
    assert torch.allclose(x[:, 1], torch.full((4, 56, 56), -127.5 / 128))


def _noisy_sequences(seed=0, n_per_class=14, t=6, d=4):
    """Two classes of sequences; a fifth of class 1 sits inside class 0 (label noise): 1-NN is fooled, larger k is not."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for c in (0, 1):
        for i in range(n_per_class):
            centre = 0.0 if (c == 0 or i < n_per_class // 5) else 3.0
            X.append(centre + rng.normal(0, 1.0, (t, d)))
            y.append(c)
    return np.asarray(X, np.float32), np.asarray(y)


@pytest.mark.slow  # tslearn's numba DTW compiles on first use (~10 s per process)
def test_knn_dtw_chooses_k_on_training_data_and_predicts():
    X, y = _noisy_sequences()
    m = KNNDTWClassifier(k_grid=(1, 3, 5, 7), n_inner_folds=3, seed=0, n_classes=3).fit(X, y)
    assert set(m.cv_scores_) == {1, 3, 5, 7}
    assert m.k_ > 1 and m.cv_scores_[m.k_] == max(m.cv_scores_.values())
    Xt, yt = _noisy_sequences(seed=1)
    clean = ~((yt == 1) & (np.arange(len(yt)) % 14 < 14 // 5))
    proba = m.predict_proba(Xt)
    assert proba.shape == (len(Xt), 3) and np.allclose(proba.sum(1), 1) and np.all(proba[:, 2] == 0)
    assert (m.predict(Xt)[clean] == yt[clean]).mean() >= 0.9
    # groups keep a subject's clips in one inner fold; PCA is fitted on the training clips only
    g = np.arange(len(X)) // 2
    mp = KNNDTWClassifier(seed=0, pca_components=2).fit(X, y, groups=g)
    assert mp.pca_[1].shape == (2, 4) and mp.k_ in (1, 3, 5, 7)
    restored = KNNDTWClassifier.from_state(mp.state())
    assert np.array_equal(restored.predict_proba(Xt), mp.predict_proba(Xt))


def test_knn_dtw_bad_input():
    with pytest.raises(ValueError, match=r"\(N, T, D\)"):
        KNNDTWClassifier().fit(np.zeros((4, 5)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="labels"):
        KNNDTWClassifier().fit(np.zeros((4, 5, 2)), [0, 1])
    with pytest.raises(ValueError, match="k_grid"):
        KNNDTWClassifier(k_grid=(0,))
