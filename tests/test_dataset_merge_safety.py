"""``hrisim dataset merge`` is all-or-nothing: when the plan cannot be rebuilt (here: run from another
folder, so the dataset's relative animations path does not resolve) it refuses before copying anything."""
from __future__ import annotations

import pytest

from animations.library import get_signal
from sim_env.dataset import DatasetError, GenerateConfig, generate_dataset, merge_shards


def test_refused_merge_leaves_the_output_untouched(tmp_path, monkeypatch):
    home = tmp_path / "project"
    (home / "anims").mkdir(parents=True)
    get_signal("confusion_open_mouth").save(home / "anims" / "confusion_open_mouth.yaml")
    monkeypatch.chdir(home)
    for i in range(2):
        generate_dataset(GenerateConfig(out=f"shard{i}", humans="random:1:3", animations="anims", viewpoints="grid:-20,20;0",
                                        frames=2, size=32, val_humans=0, shard=(i, 2)), progress=False, log=lambda s: None)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(DatasetError, match="cannot be rebuilt from here"):
        merge_shards(elsewhere / "merged", [home / "shard0", home / "shard1"], log=lambda s: None)
    assert not (elsewhere / "merged").exists(), "nothing copied, no half-merged folder"
    monkeypatch.chdir(home)  # from the folder it was generated in, the same merge works
    merge_shards(home / "merged", [home / "shard0", home / "shard1"], log=lambda s: None)
    assert (home / "merged" / "manifest.csv").is_file() and len(list((home / "merged" / "clips").glob("*.mp4"))) == 2
