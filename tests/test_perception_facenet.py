"""FaceNet conversion (verified against the graph itself), cache, weights choice, and embedding identity."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from perception import facenet as fn
from perception._tfgraph import constants, read_graph


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """A private hrisim cache for this module, so the conversion itself runs under test."""
    root = tmp_path_factory.mktemp("hrisim-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("HRISIM_CACHE", str(root))
    yield root
    mp.undo()


@pytest.fixture(scope="module")
def casia(cache):
    model, name = fn.load_facenet("casia-webface", device="cpu")
    return model, name


def _tf_pad(x, k, s, padding, value=0.0):
    """TF's SAME padding (extra pixel after) on NCHW; VALID is none."""
    if padding == b"VALID":
        return x
    pads = []
    for size, kk, ss in ((x.shape[3], k[1], s[1]), (x.shape[2], k[0], s[0])):
        total = max((math.ceil(size / ss) - 1) * ss + kk - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads, value=value)


def evaluate_graph(graph, consts, x_nhwc: torch.Tensor) -> torch.Tensor:
    """A plain, independent evaluation of the frozen graph's ops in NHWC, straight from its node list."""
    vals = {k: torch.as_tensor(v) for k, v in consts.items()}
    vals["input"] = x_nhwc
    pending = [n for n in graph.node if n.op not in ("Const", "Placeholder")]
    while pending:  # the graph is not stored in topological order
        ready = [n for n in pending if all(i.split(":")[0] in vals for i in n.input if not i.startswith("^"))]
        assert ready, "graph has a cycle or an unknown input"
        pending = [n for n in pending if n not in ready]
        for node in ready:
            vals[node.name] = _eval_node(node, [vals[i.split(":")[0]] for i in node.input if not i.startswith("^")])
    return vals["embeddings"]


def _eval_node(node, ins):
    nchw = lambda t: t.permute(0, 3, 1, 2)  # noqa: E731
    nhwc = lambda t: t.permute(0, 2, 3, 1)  # noqa: E731
    a = node.attr
    if node.op == "Conv2D":
        w = ins[1].permute(3, 2, 0, 1)
        s = list(a["strides"].list.i)[1:3]
        xin = _tf_pad(nchw(ins[0]), w.shape[2:], s, a["padding"].s)
        out = nhwc(F.conv2d(xin, w, stride=s))
    elif node.op in ("MaxPool", "AvgPool"):
        k, s = list(a["ksize"].list.i)[1:3], list(a["strides"].list.i)[1:3]
        xin = _tf_pad(nchw(ins[0]), k, s, a["padding"].s, -math.inf if node.op == "MaxPool" else 0.0)
        pool = F.max_pool2d if node.op == "MaxPool" else F.avg_pool2d
        out = nhwc(pool(xin, k, s))
    elif node.op == "BiasAdd" or node.op == "Add":
        out = ins[0] + ins[1]
    elif node.op == "Mul":
        out = ins[0] * ins[1]
    elif node.op == "Relu":
        out = torch.relu(ins[0])
    elif node.op == "ConcatV2":
        out = torch.cat(ins[:-1], dim=int(ins[-1]))
    elif node.op == "Reshape":
        out = ins[0].reshape([int(v) for v in ins[1]])
    elif node.op == "MatMul":
        out = ins[0] @ ins[1]
    elif node.op == "FusedBatchNorm":
        x, scale, offset, mean, var = ins
        out = (x - mean) / torch.sqrt(var + a["epsilon"].f) * scale + offset
    elif node.op == "Square":
        out = ins[0] ** 2
    elif node.op == "Sum":
        out = ins[0].sum(dim=int(ins[1]), keepdim=a["keep_dims"].b)
    elif node.op == "Maximum":
        out = torch.maximum(ins[0], ins[1])
    elif node.op == "Rsqrt":
        out = torch.rsqrt(ins[0])
    else:
        raise NotImplementedError(node.op)
    return out


@pytest.fixture(scope="module")
def probe() -> np.ndarray:
    return np.random.default_rng(0).uniform(-1, 1, (1, 3, 160, 160)).astype(np.float32)


def test_conversion_matches_independent_graph_evaluation(casia, probe):
    graph = read_graph(fn.facenet_graph_path())
    with torch.no_grad():
        ref = evaluate_graph(graph, constants(graph), torch.from_numpy(probe).permute(0, 2, 3, 1)).numpy()
    with torch.no_grad():
        ours = casia[0](torch.from_numpy(probe)).numpy()
    assert casia[1] == "casia-webface"
    assert np.abs(ref - ours).max() < 2e-6, np.abs(ref - ours).max()  # measured ~2e-7 (float32 rounding)
    assert np.linalg.norm(ours) == pytest.approx(1.0, abs=1e-5)


def test_conversion_matches_opencv_dnn(casia, probe):
    cv2 = pytest.importorskip("cv2", reason="opencv-python-headless (test extra) cross-checks the conversion")
    net = cv2.dnn.readNetFromTensorflow(str(fn.facenet_graph_path()))
    net.setInput(probe)
    ref = net.forward().reshape(1, -1)
    with torch.no_grad():
        ours = casia[0](torch.from_numpy(probe)).numpy()
    assert np.abs(ref - ours).max() < 2e-6, np.abs(ref - ours).max()  # measured ~2e-7 (float32 rounding)


def test_residual_scales_of_graph_are_the_models():
    consts = constants(read_graph(fn.facenet_graph_path()))
    assert consts["InceptionResnetV1/Repeat/block35_3/mul/x"] == pytest.approx(0.17)
    assert consts["InceptionResnetV1/Repeat_1/block17_7/mul/x"] == pytest.approx(0.10)
    assert consts["InceptionResnetV1/Repeat_2/block8_2/mul/x"] == pytest.approx(0.20)
    assert consts["InceptionResnetV1/Block8/mul/x"] == pytest.approx(1.0)


def test_cache_is_reused_and_rebuilt_when_broken(casia, cache):
    path = cache / fn.CASIA_CACHE_NAME
    assert fn.casia_weights_file() == path and path.is_file()
    stamp = path.stat().st_mtime_ns
    assert fn.casia_weights_file().stat().st_mtime_ns == stamp  # reused, not reconverted
    path.write_bytes(b"garbage")
    fn.casia_weights_file()
    assert path.stat().st_size > 90_000_000  # rebuilt from the graph
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("folder", ["checkpoints", "hub/checkpoints"])  # facenet-pytorch's, torch hub's
def test_vggface2_only_from_an_existing_download(tmp_path, monkeypatch, folder):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert fn.resolve_weights("auto") == "casia-webface"
    with pytest.raises(FileNotFoundError, match="never downloads"):
        fn.load_facenet("vggface2")
    with pytest.raises(ValueError, match="expected one of"):
        fn.load_facenet("imagenet")
    # a file where facenet-pytorch would have downloaded it is used, its classifier layer ignored
    from facenet_pytorch import InceptionResnetV1

    torch.manual_seed(0)
    src = InceptionResnetV1(classify=True, num_classes=7)
    (tmp_path / folder).mkdir(parents=True)
    torch.save(src.state_dict(), tmp_path / folder / fn.VGGFACE2_FILE)
    model, name = fn.load_facenet("auto", device="cpu")
    assert name == "vggface2"
    assert torch.equal(model.last_linear.weight, src.last_linear.weight)


def test_broken_graph_file_is_named(tmp_path):
    bad = tmp_path / "graph.pb"
    bad.write_bytes(b"\xff\x00not a graph")
    with pytest.raises(ValueError, match="graph.pb"):
        read_graph(bad)


# --- embeddings of real faces ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def embedder(casia, tmp_path_factory):
    from perception.face_crop import FaceCropper
    from perception.features import EmbeddingExtractor

    return FaceCropper(device="cpu"), EmbeddingExtractor(*casia, cache_dir=tmp_path_factory.mktemp("emb"), device="cpu")


def _face(cropper, image: np.ndarray) -> np.ndarray:
    out = cropper.crop_clip(image[None])
    assert out.n_missing == 0, "no face found in a photo of a face"
    return out.crops[0]


def test_same_face_closer_than_other_person_photos(embedder):
    skdata = pytest.importorskip("skimage.data", reason="scikit-image (test extra) ships the astronaut photo")
    import matplotlib.cbook
    from PIL import Image

    cropper, ext = embedder
    astro = np.asarray(Image.fromarray(skdata.astronaut()).resize((256, 256)))  # half size: MTCNN 4× faster
    with Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg")) as im:
        hopper = np.asarray(im.convert("RGB").resize((256, 300)))
    # two different crops of one face: the photo, and a shifted, rescaled, mirrored view of it
    view = np.asarray(Image.fromarray(astro[10:210, 20:220]).resize((180, 180)))[:, ::-1].copy()
    e = ext.embed_crops(np.stack([_face(cropper, astro), _face(cropper, view), _face(cropper, hopper)]))
    same, other = np.linalg.norm(e[0] - e[1]), min(np.linalg.norm(e[0] - e[2]), np.linalg.norm(e[1] - e[2]))
    assert same < other, (same, other)


def test_same_face_closer_than_other_person_video(embedder, shared_dir):
    from perception.video import read_video

    one, two = shared_dir / "real" / "single_face.mp4", shared_dir / "real" / "WolfgangLanger_Pexels.mp4"
    if not (one.is_file() and two.is_file()):
        pytest.skip("shared/real videos are absent")
    cropper, ext = embedder
    a, _ = read_video(one, max_frames=40)
    b, _ = read_video(two, max_frames=1)
    crops = np.stack([_face(cropper, a[0]), _face(cropper, a[-1]), _face(cropper, b[0])])
    e = ext.embed_cached("test-video-faces", lambda: crops)
    assert e.shape == (3, 512) and e.dtype == np.float32
    same, other = np.linalg.norm(e[0] - e[1]), min(np.linalg.norm(e[0] - e[2]), np.linalg.norm(e[1] - e[2]))
    assert same < other, (same, other)
    # the cache answers without calling crops_fn again, and keys by weights name
    assert np.array_equal(ext.embed_cached("test-video-faces", lambda: pytest.fail("recomputed")), e)
    assert ext.cache_path("test-video-faces").parent.name == "casia-webface"
