"""Node templates the experiment pipelines share, wired before namespacing.

Every experiment ends in the same model figures; every tabular experiment splits,
scales, trains an MLP and scores its test rows and baselines the same way. Written
once here, a pipeline lists only what is its own (ingestion, target, evaluation).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from kedro.pipeline import Node

from dl_experiments.evaluation.interactive import training_history_figure
from dl_experiments.evaluation.reporting import model_figures
from dl_experiments.modelling.tabular import predict_tabular, train_tabular_model
from dl_experiments.preprocessing.tabular import fit_preprocessor, split_data


def model_figures_node() -> Node:
    """Training history and network diagram of the trained ``model``."""
    return Node(
        model_figures,
        ["model", "training_history"],
        {"training_history": "training_history_plot", "network": "network_plot"},
        name="plot_model",
        tags="reporting",
    )


def interactive_history_node() -> Node:
    """The training history as an interactive Plotly figure (kedro-viz previews it)."""
    return Node(
        training_history_figure,
        "training_history",
        "training_history_plotly",
        name="plot_interactive_history",
        tags="reporting",
    )


def tabular_model_nodes(
    fit_baselines: Callable[..., pd.DataFrame], features: str = "params:features"
) -> list[Node]:
    """From ``model_input`` to a trained MLP, its test predictions and baselines.

    ``split_data`` and ``fit_preprocessor`` (preprocessing), ``train_model``
    (training), ``predict_test_set`` and ``fit_baselines`` (reporting), then the
    model figures. ``features`` names the feature configuration: a parameter, or a
    dataset when a node derives it.
    """
    return [
        Node(
            split_data,
            ["model_input", "params:split", "params:seed"],
            ["train_set", "validation_set", "test_set"],
            name="split_data",
            tags="preprocessing",
        ),
        Node(
            fit_preprocessor,
            ["train_set", features, "params:data.schema"],
            "preprocessor",
            name="fit_preprocessor",
            tags="preprocessing",
        ),
        Node(
            train_tabular_model,
            [
                "train_set",
                "validation_set",
                "preprocessor",
                "params:target",
                "params:model",
                "params:training",
                "params:seed",
                "training_callbacks",
            ],
            ["model", "training_history"],
            name="train_model",
            tags="training",
        ),
        Node(
            predict_tabular,
            ["model", "preprocessor", "test_set"],
            "test_predictions",
            name="predict_test_set",
            tags="reporting",
        ),
        Node(
            fit_baselines,
            ["train_set", "validation_set", "test_set", "preprocessor", "params:seed"],
            "baseline_predictions",
            name="fit_baselines",
            tags="reporting",
        ),
        model_figures_node(),
        interactive_history_node(),
    ]
