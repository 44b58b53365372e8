"""``hrisim evaluate``: a finished run's checkpoints on another labelled folder, without retraining
(the paper's GIFGIF test). The fold models are ensembled by averaging their probabilities."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from training.evaluation import evaluate_external


def evaluate_run(run: str | Path, data: str | Path, out: str | Path | None = None, batch_size: int = 8) -> dict:
    import yaml

    from perception.checkpoint import read_config
    from perception.face_crop import CropConfig
    from training.config import config_from_dict
    from training.features import ClipSource
    from training.loop import resolve_device
    from training.predictors import load_predictor
    from training.real import load_real
    from training.report import prediction_rows, write_plots, write_predictions, write_report

    from perception.checkpoint import checkpoint_dirs

    start = time.perf_counter()
    run, data = Path(run), Path(data)
    checkpoints = checkpoint_dirs(run)  # a model folder, or a run folder's checkpoints/* (ensembled)
    ck = read_config(checkpoints[0])
    cfg_path = run / "config.yaml"
    if cfg_path.is_file():  # a run folder: its own settings (cache, crops, batch sizes)
        cfg = config_from_dict(yaml.safe_load(cfg_path.read_text()), str(cfg_path))
    else:  # a model folder alone: default settings around the checkpoint's window length
        cfg = config_from_dict({"name": run.name, "data": {"real": str(data)}, "model": {"length": ck["seq_len"]}},
                               f"{run} (defaults)")
    cfg.train.batch_size = batch_size
    device = resolve_device(cfg.train.device)
    source = ClipSource(cfg.data.cache_dir, CropConfig.from_dict(ck["crop"]) if ck.get("crop") else None,
                        ck.get("facenet_weights") or cfg.model.facenet_weights, cfg.data.synthetic_crops,
                        cfg.train.embed_batch_size, device)
    records = load_real(data)
    if ck.get("person_norm"):  # the models read person-normalised embeddings: baselines from this folder's people
        from training.person_norm import PersonNormalisedSource

        source = PersonNormalisedSource(source, records)
    probs = np.mean([load_predictor(cfg, source, c).predict_proba(records) for c in checkpoints], axis=0)
    ext = evaluate_external([r.label for r in records], probs, [r.group for r in records])
    out = Path(out) if out else run / f"eval-{data.name}"
    out.mkdir(parents=True, exist_ok=True)
    results = {"3-way argmax": ext["argmax_all"], "argmax over present classes": ext["argmax_present"]}
    for i, (name, r) in enumerate(results.items()):
        r["plots"] = write_plots(out, r, f"{i}_{'all' if i == 0 else 'present'}", f"{cfg.name} on {data.name}: {name}")
    write_predictions(out / "predictions.csv", prediction_rows(records, probs, "", "external"))
    report = {"name": f"{cfg.name} on {data.name}", "description": f"checkpoints {[c.name for c in checkpoints]} ensembled",
              "config": cfg.to_dict(), "facenet_weights": ck.get("facenet_weights") or "none (3D-CNN)", "device": str(device),
              "seconds": time.perf_counter() - start, "data": {"external": str(data), "clips": len(records), "present_classes": ext["present_classes"]},
              "results": results, "out": str(out)}
    write_report(out, report)
    return report
