"""Compare runs: for each experiment, its metrics across every saved version.

```
<experiment>.metrics_history ─ compare_versions ─ metrics_by_version (CSV)
                                                  ├─ metrics_by_version_markdown (.md)
                                                  └─ metrics_by_version_figure (.png)
```

One namespaced copy per experiment pipeline found next to this one, so
``kedro run --pipeline=compare_runs --namespaces=wildfire`` compares one experiment.
Not part of ``__default__``: it reads what earlier runs saved.
"""

from __future__ import annotations

from collections.abc import Iterable

from kedro.pipeline import Node, Pipeline

from dl_experiments.evaluation.comparison import (
    metrics_by_version,
    metrics_by_version_markdown,
    plot_metrics_by_version,
)
from dl_experiments.pipeline_registry import is_experiment, pipeline_packages


def experiment_names() -> list[str]:
    """The experiment pipeline packages under ``pipelines/`` (by name, not imported)."""
    return [name for name in pipeline_packages() if is_experiment(name)]


def create_pipeline(experiments: Iterable[str] | None = None, **kwargs) -> Pipeline:
    """The comparison template, namespaced once per experiment."""
    template = Pipeline(
        [
            Node(
                metrics_by_version,
                ["metrics_history", "params:compare_runs"],
                "metrics_by_version",
                name="compare_versions",
                tags="reporting",
            ),
            Node(
                metrics_by_version_markdown,
                ["metrics_by_version", "params:compare_runs"],
                "metrics_by_version_markdown",
                name="write_comparison_markdown",
                tags="reporting",
            ),
            Node(
                plot_metrics_by_version,
                ["metrics_by_version", "params:compare_runs"],
                "metrics_by_version_figure",
                name="plot_comparison",
                tags="reporting",
            ),
        ]
    )
    names = experiment_names() if experiments is None else list(experiments)
    return sum(
        (
            Pipeline(template, namespace=name, parameters={"params:compare_runs"})
            for name in names
        ),
        start=Pipeline([]),
    )
