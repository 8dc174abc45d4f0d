"""Wildfire pipeline: sensor CSV -> validated table -> split -> MLP -> report.

```
sensor_readings ─ validate ─ make_target ─ split ─┬─ fit_preprocessor ─ train ─ model
                                                  └─ test_set ─ predict / baselines / cv ─ metrics, figures
```
"""

from kedro.pipeline import Node, Pipeline

from dl_experiments.evaluation.interactive import roc_pr_figure
from dl_experiments.evaluation.report import report_node
from dl_experiments.modelling.baselines import fit_classification_baselines
from dl_experiments.pipelines.wildfire import nodes
from dl_experiments.templates import tabular_model_nodes

FIGURES = [
    "training_history",
    "network",
    "confusion_matrix",
    "roc_pr_curves",
    "threshold_calibration",
]


def create_pipeline(**kwargs) -> Pipeline:
    """The wildfire experiment, namespaced ``wildfire``; nodes tagged by stage."""
    own = [
        Node(
            nodes.validate_sensor_readings,
            ["sensor_readings", "params:data.schema"],
            "validated_readings",
            name="validate_sensor_readings",
            tags="ingestion",
        ),
        Node(
            nodes.make_fire_target,
            ["validated_readings", "params:target", "params:features"],
            "model_input",
            name="make_fire_target",
            tags="preprocessing",
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
        Node(
            roc_pr_figure,
            ["test_predictions", "baseline_predictions"],
            "roc_pr_curves_plotly",
            name="plot_interactive_roc_pr",
            tags="reporting",
        ),
        report_node("wildfire", figures=FIGURES),
    ]
    return Pipeline(
        [*own, *tabular_model_nodes(fit_classification_baselines)],
        namespace="wildfire",
        parameters={"params:wildfire"},
    )
