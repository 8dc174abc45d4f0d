"""Which saved version of the model (and its preprocessing) a run loads.

Nodes never see catalog versions, yet a prediction must record the model that made
it. A pipeline that wants to know declares the input ``<namespace>.artifact_versions``
(a ``MemoryDataset`` in the catalog); before the run, ``ArtifactVersionsHook`` fills
it with ``{artifact: version}`` for every versioned dataset the pipeline loads from
that namespace, e.g. ``{"model": "2026-11-26T01.52.28.626Z", "preprocessor": ...}``.
The version is the one the catalog itself resolves (the latest, or the one pinned
with ``--load-versions``), and the catalog caches it, so the dataset loaded is the
one recorded.
"""

from __future__ import annotations

import logging
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io import AbstractVersionedDataset, DatasetError
from kedro.pipeline import Pipeline

from dl_experiments.kedro_internals import saved_versions

logger = logging.getLogger(__name__)

SUFFIX = ".artifact_versions"


def resolve_versions(namespace: str, inputs: set[str], catalog: Any) -> dict[str, str]:
    """``{artifact: version}`` of the versioned ``inputs`` in ``namespace``.

    Raises ``DatasetError`` naming the dataset when no version is saved yet or a
    pinned version does not exist, before any node runs.
    """
    versions = {}
    for name in sorted(inputs):
        if not name.startswith(f"{namespace}.") or name.endswith(SUFFIX):
            continue
        dataset = catalog.get(name)
        if not isinstance(dataset, AbstractVersionedDataset):
            continue
        try:
            version = dataset.resolve_load_version()
        except DatasetError as exc:
            raise DatasetError(
                f"No saved version of '{name}' to load: run the training pipeline "
                f"first (kedro run --pipeline={namespace}). {exc}"
            ) from exc
        if version is None:
            continue  # a versionable type declared without versioning
        if not dataset.exists():
            saved = saved_versions(dataset)
            raise DatasetError(
                f"Version '{version}' of '{name}' does not exist; saved versions: "
                f"{saved or 'none'} (check --load-versions)"
            )
        versions[name.removeprefix(f"{namespace}.")] = str(version)
    return versions


class ArtifactVersionsHook:
    """Fills every ``<namespace>.artifact_versions`` input before a run starts."""

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        """Save the resolved load versions into the ``artifact_versions`` datasets."""
        inputs = pipeline.inputs()
        for target in sorted(name for name in inputs if name.endswith(SUFFIX)):
            namespace = target.removesuffix(SUFFIX)
            versions = resolve_versions(namespace, inputs, catalog)
            catalog.save(target, versions)
            logger.info("Scoring with %s versions %s", namespace, versions)
            if len(set(versions.values())) > 1:
                logger.warning(
                    "The %s artifacts come from different runs %s; if that is not "
                    "meant (a model and the preprocessing it was trained with share "
                    "one version), pin all of them with --load-versions",
                    namespace,
                    versions,
                )
