"""Self-contained datasets and an all-or-nothing merge: a dataset folder carries the human specs and
animation definitions it was made from (``inputs/``), so ``hrisim dataset merge`` works from any folder;
when the plan cannot be rebuilt at all, the merge refuses before copying anything."""
from __future__ import annotations

import shutil

import pytest

from animations.library import get_signal
from sim_env.dataset import DatasetError, GenerateConfig, generate_dataset, merge_shards, read_manifest


@pytest.fixture()
def shards(tmp_path, monkeypatch):
    home = tmp_path / "project"
    (home / "anims").mkdir(parents=True)
    get_signal("confusion_open_mouth").save(home / "anims" / "confusion_open_mouth.yaml")
    monkeypatch.chdir(home)  # the dataset records the relative path "anims"
    for i in range(2):
        generate_dataset(GenerateConfig(out=f"shard{i}", humans="random:1:3", animations="anims", viewpoints="grid:-20,20;0",
                                        frames=2, size=32, val_humans=0, shard=(i, 2)), progress=False, log=lambda s: None)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return home


def test_a_dataset_carries_its_inputs_and_merges_from_any_folder(shards, tmp_path):
    inputs = shards / "shard0" / "inputs"
    assert (inputs / "humans.yaml").is_file() and (inputs / "animations" / "confusion_open_mouth.yaml").is_file()
    out = merge_shards(tmp_path / "elsewhere" / "merged", [shards / "shard0", shards / "shard1"], log=lambda s: None)
    merged = out.parent
    assert len(read_manifest(merged)) == 2 and len(list((merged / "clips").glob("*.mp4"))) == 2


def test_refused_merge_leaves_the_output_untouched(shards, tmp_path):
    for i in range(2):
        shutil.rmtree(shards / f"shard{i}" / "inputs")  # an older dataset without its inputs, merged from elsewhere
    out = tmp_path / "elsewhere" / "merged"
    with pytest.raises(DatasetError, match="cannot be rebuilt from here"):
        merge_shards(out, [shards / "shard0", shards / "shard1"], log=lambda s: None)
    assert not out.exists(), "nothing copied, no half-merged folder"
