"""Housing pipeline: district table -> validated -> split -> scaled -> MLP -> report.

```
districts ─ validate ─ subsample ─ rotated coordinates ─ make_target ─ split ─┬─ fit_preprocessor ─ train ─ model
                                                                              └─ test_set ─ predict / baselines ─ metrics, figures
```
"""

from kedro.pipeline import Node, Pipeline

from dl_experiments.evaluation.report import report_node
from dl_experiments.evaluation.reporting import model_figures
from dl_experiments.modelling.baselines import fit_regression_baselines
from dl_experiments.modelling.tabular import predict_tabular, train_tabular_model
from dl_experiments.pipelines.housing import nodes
from dl_experiments.preprocessing.tabular import fit_preprocessor, split_data, subsample


def create_pipeline(**kwargs) -> Pipeline:
    """The housing experiment, namespaced ``housing``; nodes tagged by stage."""
    ingestion = [
        Node(
            nodes.validate_districts,
            ["districts", "params:data.schema"],
            "validated_districts",
            name="validate_districts",
            tags="ingestion",
        ),
    ]
    preprocessing = [
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
            split_data,
            ["model_input", "params:split", "params:seed"],
            ["train_set", "validation_set", "test_set"],
            name="split_data",
            tags="preprocessing",
        ),
        Node(
            fit_preprocessor,
            ["train_set", "model_features", "params:data.schema"],
            "preprocessor",
            name="fit_preprocessor",
            tags="preprocessing",
        ),
    ]
    training = [
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
    ]
    reporting = [
        Node(
            predict_tabular,
            ["model", "preprocessor", "test_set"],
            "test_predictions",
            name="predict_test_set",
            tags="reporting",
        ),
        Node(
            fit_regression_baselines,
            ["train_set", "validation_set", "test_set", "preprocessor", "params:seed"],
            "baseline_predictions",
            name="fit_baselines",
            tags="reporting",
        ),
        Node(
            nodes.evaluate,
            ["test_predictions", "baseline_predictions", "params:evaluation"],
            "metrics",
            name="evaluate",
            tags="reporting",
        ),
        Node(
            model_figures,
            ["model", "training_history"],
            {"training_history": "training_history_plot", "network": "network_plot"},
            name="plot_model",
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
        [*ingestion, *preprocessing, *training, *reporting],
        namespace="housing",
        parameters={"params:housing"},
    )
