"""Reporting pieces every experiment ends with: model figures and the HTML report."""

from __future__ import annotations

from functools import partial, update_wrapper
from typing import Any

from kedro.pipeline import Node, Pipeline

from dl_experiments.annotations import Figure, KerasModel
from dl_experiments.evaluation.report import RESERVED, build_report

FIGURE_SUFFIX = "_plot"


def with_fixed(func: Any, **fixed: Any) -> Any:
    """``func`` with some arguments fixed, keeping the name, docstring and
    annotations Kedro reads (node names, parameter types)."""
    return update_wrapper(partial(func, **fixed), func)


def plot_model(model: KerasModel, training_history: dict[str, Any]) -> dict[str, Figure]:
    """The training-history plot and the network diagram of a trained model."""
    from dl_experiments.evaluation.reporting import model_figures  # noqa: PLC0415

    return model_figures(model, training_history)


def model_figures_node() -> Node:
    """Training history and network diagram of the trained ``model``."""
    return Node(
        plot_model,
        ["model", "training_history"],
        {
            "training_history": "training_history_plot",
            "network": "network_plot",
        },
        name="plot_model",
        tags="reporting",
    )


def figure_outputs(pipeline: Pipeline) -> list[str]:
    """Every ``<figure>_plot`` dataset the pipeline's nodes write, in node order."""
    return [
        output
        for node in pipeline.nodes
        for output in node.outputs
        if output.endswith(FIGURE_SUFFIX)
    ]


def with_report(pipeline: Pipeline, namespace: str) -> Pipeline:
    """``pipeline`` plus the node that writes ``report`` from the whole parameter
    tree ``params:<namespace>``, ``metrics`` and every figure the pipeline makes.

    Use it before namespacing, keeping ``params:<namespace>`` un-namespaced
    (``Pipeline(..., namespace=namespace, parameters={f"params:{namespace}"})``).
    No figure list to keep in step: a new ``*_plot`` output lands in the report.
    """
    figures = {name.removesuffix(FIGURE_SUFFIX): name for name in figure_outputs(pipeline)}
    clash = RESERVED.intersection(figures)
    if clash:
        raise ValueError(
            f"figure names {sorted(clash)} are reserved for the report's own inputs; "
            f"rename the '<name>{FIGURE_SUFFIX}' outputs"
        )
    func = with_fixed(build_report, title=f"{namespace}: run report")
    inputs = {"params": f"params:{namespace}", "metrics": "metrics"} | figures
    report = Node(func, inputs, "report", name="build_report", tags="reporting")
    return pipeline + Pipeline([report])


def experiment_pipeline(nodes: list[Node], namespace: str) -> Pipeline:
    """An experiment's nodes with its report, namespaced; the whole parameter tree
    ``params:<namespace>`` keeps its name so that nodes can take all of it."""
    return Pipeline(
        with_report(Pipeline(nodes), namespace),
        namespace=namespace,
        parameters={f"params:{namespace}"},
    )
