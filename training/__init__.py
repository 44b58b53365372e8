"""Training and evaluation of expression classifiers on hrisim's synthetic datasets and real folders.

One module per job: ``config`` (YAML → dataclasses), ``synthetic`` / ``real`` (datasets as
``records.ClipRecord``), ``features`` (cached crops and FaceNet embeddings), ``tensors`` (torch
views), ``sampler`` (the paper's mixed-strategy draw), ``folds`` (subject-disjoint CV), ``loop``
(optimisation), ``predictors`` (networks and KNN-DTW behind one interface), ``strategies``,
``experiment`` (a whole run), ``metrics`` / ``fairness`` / ``evaluation`` (figures),
``report`` / ``plots`` (run folder), ``evaluate_run`` (checkpoints on another folder), ``cli``.
"""
