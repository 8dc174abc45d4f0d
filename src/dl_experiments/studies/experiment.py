"""Run slices of an experiment's own pipeline in memory, with given parameters.

A trial is the experiment's pipeline cut at its training node
(``pipeline.to_nodes("<experiment>.train_model")``) and a seed's evaluation the same
pipeline cut at its evaluation node: the same nodes, builders, preprocessing and
seed handling as ``kedro run --pipeline=<experiment>``, run by Kedro's
``SequentialRunner`` on a catalog that holds the raw inputs and the parameters.
Nothing is saved: a study keeps only what it reports.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import Pipeline
from kedro.runner import SequentialRunner
from pydantic import BaseModel

from dl_experiments.kedro_internals import (
    MISSING,
    KeptMemoryDataset,
    parameter_types,
    part_of,
    validate_parameters,
)

PARAMS = "params:"


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Nothing below CRITICAL from logger ``name`` inside the block: a study's inner
    runs would otherwise log every node and dataset of every trial, and a pruned
    trial as a failed node with advice to resume it. Errors still propagate, with
    their traceback, to the study and the outer Kedro run."""
    target = logging.getLogger(name)
    level = target.level
    target.setLevel(max(level, logging.CRITICAL))
    try:
        yield
    finally:
        target.setLevel(level)


@dataclass(frozen=True)
class Experiment:
    """An experiment pipeline (namespaced ``name``) and its parameter schema."""

    name: str
    pipeline: Pipeline
    schema: type[BaseModel] | None = None
    training_node: str = "train_model"
    evaluation_node: str = "evaluate"
    # What the evaluation node outputs: the test-set metrics of the model and its
    # baselines (the templates add cross-validation after it, in other nodes).
    evaluation_output: str = "test_metrics"

    def training_slice(self) -> Pipeline:
        """Raw inputs to the trained model and its history."""
        return self.pipeline.to_nodes(f"{self.name}.{self.training_node}")

    def evaluation_slice(self) -> Pipeline:
        """Raw inputs to the test-set metrics of the model and its baselines
        (``evaluation_output``); cross-validation is not part of it."""
        return self.pipeline.to_nodes(f"{self.name}.{self.evaluation_node}")

    def raw_inputs(self, pipeline: Pipeline | None = None) -> list[str]:
        """The datasets a slice reads from the catalog (not parameters or callbacks)."""
        pipeline = pipeline or self.evaluation_slice()
        return sorted(
            name
            for name in pipeline.inputs()
            if not name.startswith(PARAMS)
        )

    def dataset(self, name: str) -> str:
        """The namespaced name of one of the experiment's datasets."""
        return f"{self.name}.{name}"

    def run(
        self,
        pipeline: Pipeline,
        params: Mapping[str, Any],
        raw: Mapping[str, Any],
        keep: Iterable[str],
        extra_params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Run ``pipeline`` with the experiment's parameter tree ``params``.

        Kedro's own parameter validation is applied to the slice's typed node
        inputs, as ``kedro run`` would, then every ``params:<name>...`` input the
        slice reads is put in the catalog. Returns the datasets named in ``keep``
        (un-namespaced names, e.g. ``training_history``).
        """
        tree = {**(extra_params or {}), self.name: dict(params)}
        tree = validate_parameters(tree, parameter_types(pipeline))
        catalog = DataCatalog()
        for name in pipeline.inputs():
            if name.startswith(PARAMS):
                value = part_of(tree, name[len(PARAMS) :].split("."))
                if value is MISSING:
                    raise KeyError(f"parameter '{name[len(PARAMS):]}' is not set")
                catalog[name] = MemoryDataset(value)
            else:
                catalog[name] = MemoryDataset(raw[name])  # copied: trials never share
        kept = {name: KeptMemoryDataset(copy_mode="assign") for name in keep}
        for name, dataset in kept.items():
            catalog[self.dataset(name)] = dataset
        with _quiet("kedro"):
            SequentialRunner().run(pipeline, catalog)
        return {name: dataset.load() for name, dataset in kept.items()}
