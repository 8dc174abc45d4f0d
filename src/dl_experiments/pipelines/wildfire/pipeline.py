"""Wildfire pipeline: sensor CSV -> validated table -> split -> MLP -> report.

```
sensor_readings ─ validate ─ make_target ─ split ─┬─ fit_preprocessor ─ train ─ model
                                                  └─ test_set ─ predict / baselines / cv ─ metrics, figures
```
"""

from kedro.pipeline import Node, Pipeline

from dl_experiments.evaluation.report import report_node
from dl_experiments.evaluation.reporting import model_figures
from dl_experiments.modelling.baselines import fit_classification_baselines
from dl_experiments.modelling.tabular import predict_tabular, train_tabular_model
from dl_experiments.pipelines.wildfire import nodes
from dl_experiments.preprocessing.tabular import fit_preprocessor, split_data

FIGURES = [
    "training_history",
    "network",
    "confusion_matrix",
    "roc_pr_curves",
    "threshold_calibration",
]


def create_pipeline(**kwargs) -> Pipeline:
    """The wildfire experiment, namespaced ``wildfire``; nodes tagged by stage."""
    ingestion = [
        Node(
            nodes.validate_sensor_readings,
            ["sensor_readings", "params:data.schema"],
            "validated_readings",
            name="validate_sensor_readings",
            tags="ingestion",
        ),
    ]
    preprocessing = [
        Node(
            nodes.make_fire_target,
            ["validated_readings", "params:target", "params:features"],
            "model_input",
            name="make_fire_target",
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
            ["train_set", "params:features", "params:data.schema"],
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
            fit_classification_baselines,
            ["train_set", "validation_set", "test_set", "preprocessor", "params:seed"],
            "baseline_predictions",
            name="fit_baselines",
            tags="reporting",
        ),
        Node(
            nodes.cross_validate,
            ["model_input", "params:wildfire"],
            "cross_validation",
            name="cross_validate",
            tags="reporting",
        ),
        Node(
            nodes.evaluate,
            [
                "test_predictions",
                "baseline_predictions",
                "cross_validation",
                "params:target",
                "params:evaluation",
            ],
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
                "params:target",
                "params:evaluation",
            ],
            {
                "confusion_matrix": "confusion_matrix_plot",
                "roc_pr_curves": "roc_pr_curves_plot",
                "threshold_calibration": "threshold_calibration_plot",
            },
            name="plot_evaluation",
            tags="reporting",
        ),
        report_node("wildfire", figures=FIGURES),
    ]
    return Pipeline(
        [*ingestion, *preprocessing, *training, *reporting],
        namespace="wildfire",
        parameters={"params:wildfire"},
    )
