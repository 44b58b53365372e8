"""Compatibility alias: the generator moved into the dataset wing (``sim_env.dataset``)."""
from sim_env.dataset import GenerateConfig, GenerationError, RunResult, generate_dataset, make_plan  # noqa: F401

__all__ = ["GenerateConfig", "GenerationError", "RunResult", "generate_dataset", "make_plan"]
