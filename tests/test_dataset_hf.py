"""A generated dataset folder is read by the ecosystem's loaders: Hugging Face ``datasets`` (metadata
per split and the card's YAML configs) and the public torch ``ClipDataset``; the card documents use,
limits and the labels schema."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from animations.library import get_signal
from sim_env.dataset import GenerateConfig, generate_dataset, read_manifest

SIGNALS = ("confusion_open_mouth", "disgust_five_changes")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    anims = tmp_path_factory.mktemp("anims")
    for sid in SIGNALS:
        get_signal(sid).save(anims / f"{sid}.yaml")
    out = tmp_path_factory.mktemp("ds") / "tiny"
    generate_dataset(GenerateConfig(out=str(out), humans="random:2:3", animations=str(anims), viewpoints="grid:0;0",
                                    frames=4, size=64, val_humans=1, crops=True), progress=False, log=lambda s: None)
    return out


def test_card_has_front_matter_use_limits_and_schema(dataset):
    import yaml

    text = (dataset / "README.md").read_text()
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["license"] == "cc0-1.0" and meta["task_categories"] == ["video-classification"]
    assert "synthetic" in meta["tags"] and meta["size_categories"] == ["n<1K"]
    files = meta["configs"][0]["data_files"]
    assert [f["split"] for f in files] == ["train", "validation"]
    assert all((dataset / f["path"]).is_file() for f in files)
    for heading in ("## Intended use", "## Limitations", "## Labels file schema"):
        assert heading in text
    assert "`face_boxes` | (T, 4) float32 | projected face box x0, y0, x1, y1" in text


def test_huggingface_load_dataset_gives_emotions_and_two_splits(dataset):
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset(str(dataset))
    assert sorted(ds) == ["train", "validation"]
    manifest = read_manifest(dataset)
    for split, name in (("train", "train"), ("val", "validation")):
        rows = manifest[manifest["split"] == split]
        assert sorted(ds[name]["emotion"]) == sorted(rows["emotion"])
        assert sorted(ds[name]["file_name"]) == sorted(rows["file"])
        assert set(ds[name]["human_id"]) == set(rows["human_id"])
    row = ds["train"][0]
    assert (dataset / row["file_name"]).is_file() and row["emotion"] in ("confusion", "disgust")
    assert set(ds["train"]["human_id"]).isdisjoint(ds["validation"]["human_id"])


def test_clip_dataset_yields_frames_labels_and_per_frame_aus(dataset):
    from training.labels import CLASSES
    from training.torch_dataset import ClipDataset

    train, val = ClipDataset(dataset, split="train"), ClipDataset(dataset, split="validation")
    assert len(train) == 2 and len(val) == 2
    item = train[0]
    assert item["frames"].shape == (4, 64, 64, 3) and item["frames"].dtype == torch.uint8
    assert CLASSES[item["label"]] == item["emotion"]
    assert item["au_intensities"].shape == (4, len(train.au_numbers))
    import numpy as np

    with np.load(dataset / read_manifest(dataset).set_index("clip_id").loc[item["clip_id"], "labels_file"]) as npz:
        for j, n in enumerate(npz["au_numbers"]):  # the clip's own AUs land in the catalogue's columns
            assert torch.equal(item["au_intensities"][:, train.au_numbers.index(int(n))], torch.from_numpy(npz["au_intensities"][:, j]))
    assert float(item["au_intensities"].max()) > 0, "the signal's AUs are active"
    assert item["face_boxes"].shape == (4, 4) and item["landmarks"].shape == (4, 5, 2)
    crops = ClipDataset(dataset, split="train", crops=True, transform=lambda f: f.permute(0, 3, 1, 2).float() / 255)
    assert crops[0]["frames"].shape == (4, 3, 160, 160)
    batch = next(iter(torch.utils.data.DataLoader(train, batch_size=2)))
    assert batch["frames"].shape == (2, 4, 64, 64, 3) and batch["label"].shape == (2,)
    with pytest.raises(ValueError, match="split"):
        ClipDataset(dataset, split="test")
