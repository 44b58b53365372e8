"""synthetic_crops="boxes": synthetic clips are cut at the generator's ground-truth face boxes (labels
file), with no detector run; real clips still go through MTCNN; the report says which."""
import numpy as np
import pytest
import torch

from training.features import ClipSource, load_frames
from training.synthetic import load_synthetic
from training.testing import one_torch_thread, write_fake_synthetic


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    yield from one_torch_thread()


def _with_labels(directory, box):
    """Give every clip of a fake manifest a labels file whose face box is ``box`` in every frame."""
    from sim_env.dataset.store import read_manifest, write_manifest

    rows = read_manifest(directory).to_dict("records")
    (directory / "labels").mkdir(exist_ok=True)
    for row in rows:
        row["labels_file"] = f"labels/{row['clip_id']}.npz"
        n = int(row["n_frames"])
        np.savez(directory / row["labels_file"], face_boxes=np.tile(np.asarray(box, np.float32), (n, 1)))
    write_manifest(directory, rows)  # the store's writer, as the generator writes it
    return load_synthetic(directory)


def test_ground_truth_boxes_crop_the_box_without_mtcnn(tmp_path, monkeypatch):
    from PIL import Image

    from perception.face_crop import FaceCropper

    records = _with_labels(write_fake_synthetic(tmp_path / "syn", n_humans=1, animations_per_class=1, viewpoints=((0.0, 0.0),),
                                                n_frames=4, size=64), box=(0, 0, 32, 32))
    monkeypatch.setattr(FaceCropper, "detect", lambda *a, **k: pytest.fail("MTCNN ran on a clip with ground-truth boxes"))
    source = ClipSource(tmp_path / "cache", synthetic_crops="boxes", device="cpu")
    rec = records[0]
    crops = np.asarray(source.crops(rec))
    frames = load_frames(rec.path)
    assert crops.shape == (4, 160, 160, 3) and crops.dtype == np.uint8
    # the top-left quadrant, resized: what the box holds; the bottom-right one is some other picture
    want = np.stack([np.asarray(Image.fromarray(f[:32, :32]).resize((160, 160), Image.BILINEAR)) for f in frames])
    other = np.stack([np.asarray(Image.fromarray(f[32:, 32:]).resize((160, 160), Image.BILINEAR)) for f in frames])
    err = np.abs(crops.astype(int) - want).mean()
    assert err < 3 < np.abs(crops.astype(int) - other).mean()
    assert source.describe()["synthetic_face_boxes"].startswith("ground truth")
    mtcnn = ClipSource(tmp_path / "cache", device="cpu")
    assert mtcnn.crop_tag(rec) != source.crop_tag(rec)  # other crops, other cache entries


def test_boxes_need_a_labels_file_and_a_box_per_frame(tmp_path):
    syn = write_fake_synthetic(tmp_path / "syn", n_humans=1, animations_per_class=1, viewpoints=((0.0, 0.0),), n_frames=4, size=32)
    source = ClipSource(tmp_path / "cache", synthetic_crops="boxes", device="cpu")
    with pytest.raises(ValueError, match="labels_file"):
        source.crops(load_synthetic(syn)[0])  # the fake manifest has no labels files
    rec = _with_labels(syn, box=(0, 0, 16, 16))[0]
    np.savez(rec.extra["labels_path"], face_boxes=np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match=r"face_boxes has shape \(3, 4\).*expected \(4, 4\)"):
        source.crops(rec)
    with pytest.raises(ValueError, match="synthetic_crops"):
        ClipSource(tmp_path / "cache", synthetic_crops="gt")


def test_real_clips_keep_mtcnn(tmp_path):
    from training.real import load_real
    from training.testing import write_fake_real

    rec = load_real(write_fake_real(tmp_path / "real", n_subjects=1, n_frames=2, size=32, labels=("anger",)))[0]
    source = ClipSource(tmp_path / "cache", synthetic_crops="boxes", device="cpu")
    assert source.box_source(rec) == "mtcnn"


def test_precompute_embeds_every_clip_once_with_prefetch(tmp_path, monkeypatch):
    import perception.facenet

    tiny = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(2), torch.nn.Flatten(), torch.nn.Linear(12, 512)).eval()
    monkeypatch.setattr(perception.facenet, "load_facenet", lambda weights="auto", device=None: (tiny, "tiny"))
    records = _with_labels(write_fake_synthetic(tmp_path / "syn", n_humans=1, animations_per_class=2, viewpoints=((0.0, 0.0),),
                                                n_frames=3, size=32), box=(4, 4, 28, 28))
    source = ClipSource(tmp_path / "cache", synthetic_crops="boxes", device="cpu")
    source.precompute(records, "embeddings", progress=False)
    assert len(list((tmp_path / "cache" / "embeddings" / "tiny").iterdir())) == len(records) == 6
    calls = []
    monkeypatch.setattr(source.extractor, "embed_crops", lambda c: calls.append(1))
    source.precompute(records, "embeddings", progress=False)
    assert not calls  # all cached: nothing embedded again
    np.testing.assert_allclose(source.embeddings(records[0]), tiny(torch.as_tensor(
        (np.asarray(source.crops(records[0]), np.float32).transpose(0, 3, 1, 2) - 127.5) / 128)).detach().numpy(), atol=1e-5)
