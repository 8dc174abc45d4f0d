"""Housing pipeline: district table -> validated -> split -> scaled -> MLP -> report.

```
districts ─ validate ─ subsample ─ rotated coordinates ─ make_target ─ split ─┬─ fit_preprocessor ─ train ─ model
                                                                              └─ test_set ─ predict / baselines ─ metrics, figures
```
"""

from kedro.pipeline import Node, Pipeline

from dl_experiments.evaluation.report import report_node
from dl_experiments.modelling.baselines import fit_regression_baselines
from dl_experiments.pipelines.housing import nodes
from dl_experiments.preprocessing.tabular import subsample
from dl_experiments.templates import tabular_model_nodes


def create_pipeline(**kwargs) -> Pipeline:
    """The housing experiment, namespaced ``housing``; nodes tagged by stage."""
    own = [
        Node(
            nodes.validate_districts,
            ["districts", "params:data.schema"],
            "validated_districts",
            name="validate_districts",
            tags="ingestion",
        ),
        Node(
            subsample,
            ["validated_districts", "params:data.subsample", "params:seed"],
            "sampled_districts",
            name="subsample_districts",
            tags="preprocessing",
        ),
        Node(
            nodes.add_coordinate_features,
            ["sampled_districts", "params:coordinates"],
            "district_features",
            name="add_coordinate_features",
            tags="preprocessing",
        ),
        Node(
            nodes.model_features,
            ["params:features", "params:coordinates"],
            "model_features",
            name="model_features",
            tags="preprocessing",
        ),
        Node(
            nodes.make_house_value_target,
            ["district_features", "params:target", "model_features"],
            "model_input",
            name="make_house_value_target",
            tags="preprocessing",
        ),
        Node(
            nodes.evaluate,
            ["test_predictions", "baseline_predictions", "params:evaluation"],
            "metrics",
            name="evaluate",
            tags="reporting",
        ),
        Node(
            nodes.plot_evaluation,
            [
                "test_predictions",
                "baseline_predictions",
                "test_set",
                "params:evaluation",
            ],
            {
                "predicted_vs_actual": "predicted_vs_actual_plot",
                "residuals": "residuals_plot",
                "residual_histogram": "residual_histogram_plot",
                "error_map": "error_map_plot",
                "error_by_decile": "error_by_decile_plot",
            },
            name="plot_evaluation",
            tags="reporting",
        ),
        Node(
            nodes.plot_interactive_error_map,
            ["test_predictions", "test_set", "params:evaluation"],
            "error_map_plotly",
            name="plot_interactive_error_map",
            tags="reporting",
        ),
        report_node(
            "housing",
            figures=[
                "training_history",
                "network",
                "predicted_vs_actual",
                "residuals",
                "residual_histogram",
                "error_map",
                "error_by_decile",
            ],
        ),
    ]
    return Pipeline(
        [
            *own,
            *tabular_model_nodes(fit_regression_baselines, features="model_features"),
        ],
        namespace="housing",
        parameters={"params:housing"},
    )
