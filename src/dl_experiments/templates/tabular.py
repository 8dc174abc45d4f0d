"""Tabular experiments as templates: a table in, an MLP and its baselines out.

``tabular_classification`` (a binary or multi-class target, e.g. wildfire) and
``tabular_regression`` (a continuous one, e.g. housing) build an experiment's
whole training pipeline; ``tabular_predict`` its scoring pipeline. Each is written
once here and namespaced per experiment, so an experiment package only names its
raw dataset. What the target's task kind means (head, loss, metrics, baselines,
prediction columns, figures) is asked of ``tasks`` by the nodes; the pipelines'
shape is the same for every kind of a template.

Inputs: the raw table (``<raw>``) and ``params:<namespace>``, one of
``config.TabularClassification`` / ``config.TabularRegression``. Outputs: the
datasets of ``conf/base/catalog.yml`` (model_input, splits, preprocessor, model,
training_history, test and baseline predictions, metrics, ``*_plot`` figures and
the report).

```
<raw> ─ validate ─ subsample ─ [coordinates] ─ make_model_input ─ split ─┬─ fit_preprocessor ─ train ─ model
                                                                         └─ test_set ─ predict / baselines ─ evaluate ─ test_metrics
model_input ─ [cross_validate] ─ test_metrics + cross_validation ─ metrics, figures, report
```
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from kedro.pipeline import Node, Pipeline

from dl_experiments import tasks
from dl_experiments.annotations import Figure, KerasModel, Preprocessor
from dl_experiments.config import (
    ClassificationEvaluationConfig,
    CoordinatesConfig,
    FeatureConfig,
    RegressionEvaluationConfig,
    TableSchema,
    TabularClassification,
    TabularRegression,
    TargetConfig,
)
from dl_experiments.config.data import TablePredictConfig
from dl_experiments.modelling.baselines import fit_baselines
from dl_experiments.modelling.scoring import (
    score_rows,
    summarise_classes,
    summarise_values,
)
from dl_experiments.modelling.tabular import predict_tabular, train_tabular_model
from dl_experiments.preprocessing.coordinates import add_rotated_coordinates
from dl_experiments.preprocessing.tabular import (
    fit_preprocessor,
    make_model_input,
    split_data,
    subsample,
)
from dl_experiments.templates.reporting import (
    experiment_pipeline,
    model_figures_node,
    with_fixed,
)
from dl_experiments.validation import validate_table
from dl_experiments.validation.rows import ROW, validate_new_rows

# The figure slots of the classification template: every figure a classification
# kind using it declares; a kind saves the ones it does not draw as "not drawn".
CLASSIFIER_FIGURES = ("confusion_matrix", "roc_pr_curves", "threshold_calibration")

# -- nodes: the whole parameter tree is typed on the first node ----------------


def validate_classification_table(
    table: pd.DataFrame, params: TabularClassification, dataset: str = "table"
) -> pd.DataFrame:
    """Check the raw table against the experiment's declared schema.

    Taking the whole tree makes Kedro validate every parameter of the experiment
    before any node runs.
    """
    return validate_table(table, params.data.table_schema, dataset=dataset)


def validate_regression_table(
    table: pd.DataFrame, params: TabularRegression, dataset: str = "table"
) -> pd.DataFrame:
    """Check the raw table against the experiment's declared schema (and, through
    the annotation, every parameter of the experiment)."""
    return validate_table(table, params.data.table_schema, dataset=dataset)


def add_coordinate_features(
    table: pd.DataFrame, coordinates: CoordinatesConfig
) -> pd.DataFrame:
    """Append each row's position along the rotated map axes set in parameters."""
    return add_rotated_coordinates(table, coordinates)


def model_features(
    features: FeatureConfig, coordinates: CoordinatesConfig
) -> FeatureConfig:
    """The feature parameters with the derived coordinate columns added to the
    numeric features (each once), so they are scaled and fed like any other."""
    return features.with_numeric(coordinates.columns)


def cross_validate(
    model_input: pd.DataFrame, params: TabularClassification
) -> dict[str, Any]:
    """k-fold estimate of the MLP and the baselines over all rows (small data);
    empty when ``evaluation.cv_folds`` is null."""
    if params.evaluation.cv_folds is None:
        return {}
    from dl_experiments.modelling.cross_validation import (  # noqa: PLC0415
        cross_validate_classifier,
    )

    return cross_validate_classifier(model_input, params)


def evaluate_classifier(
    predictions: pd.DataFrame,
    baseline_predictions: pd.DataFrame,
    target: TargetConfig,
    evaluation: ClassificationEvaluationConfig,
) -> dict[str, Any]:
    """Test-set metrics for the MLP and the baselines, and the task kind."""
    from dl_experiments.evaluation.reporting import (  # noqa: PLC0415
        evaluate_classification,
    )

    metrics = evaluate_classification(
        predictions, baseline_predictions, target.labels, evaluation.threshold
    )
    return {"task": target.task, **metrics}


def add_cross_validation(
    test_metrics: dict[str, Any], cross_validation: dict[str, Any]
) -> dict[str, Any]:
    """The test-set metrics with the k-fold estimate beside them (when one ran)."""
    if not cross_validation:
        return test_metrics
    return test_metrics | {"cross_validation": cross_validation}


def plot_classifier(
    predictions: pd.DataFrame,
    baseline_predictions: pd.DataFrame,
    target: TargetConfig,
    evaluation: ClassificationEvaluationConfig,
) -> dict[str, Figure]:
    """The figures the task kind declares (confusion matrix, ROC / PR with
    baselines and, for a binary classifier, the threshold and calibration plot);
    each other slot of the template is saved "not drawn", with the reason."""
    from dl_experiments.evaluation.reporting import (  # noqa: PLC0415
        classification_figures,
    )
    from dl_experiments.not_drawn import not_drawn  # noqa: PLC0415

    kind = tasks.kind(target.task)
    figures = classification_figures(
        predictions, baseline_predictions, target.labels, evaluation.threshold
    )
    return {
        name: figures[name]
        if name in kind.figures
        else not_drawn(
            f"{name.replace('_', ' ')} is not drawn for a {kind.name} task "
            f"({', '.join(k for k in tasks.REGISTERED if name in tasks.kind(k).figures)} "
            "classifiers only)"
        )
        for name in CLASSIFIER_FIGURES
    }


def evaluate_regressor(
    predictions: pd.DataFrame,
    baseline_predictions: pd.DataFrame,
    evaluation: RegressionEvaluationConfig,
) -> dict[str, Any]:
    """Test-set metrics of the MLP and the baselines (target units and the
    reporting unit), the MLP's error by decile of the true value, and the task
    kind."""
    from dl_experiments.evaluation.regression import (  # noqa: PLC0415
        evaluate_regression,
    )

    metrics = evaluate_regression(
        predictions,
        baseline_predictions,
        unit_value=evaluation.unit_value,
        unit_name=evaluation.unit_name,
        n_bins=evaluation.n_bins,
    )
    return {"task": "regression", **metrics}


def add_target_cap(
    test_metrics: dict[str, Any],
    predictions: pd.DataFrame,
    evaluation: RegressionEvaluationConfig,
) -> dict[str, Any]:
    """The test metrics, and how many test rows sit at the target's cap (when the
    target is capped, as census house values are)."""
    if evaluation.target_cap is None:
        return test_metrics
    capped = predictions["y_true"].to_numpy() >= evaluation.target_cap
    return test_metrics | {
        "target_cap": {
            "value": evaluation.target_cap,
            "test_rows_at_cap": int(capped.sum()),
            "fraction": round(float(capped.mean()), 6),
        }
    }


def plot_regressor(
    predictions: pd.DataFrame,
    baseline_predictions: pd.DataFrame,
    test: pd.DataFrame,
    evaluation: RegressionEvaluationConfig,
) -> dict[str, Figure]:
    """Predicted vs actual, residuals, residual histogram, error map (when
    ``evaluation.map`` names two columns) and error by decile of the true value
    (the MLP, with the baselines where they fit)."""
    from dl_experiments.evaluation.regression import (  # noqa: PLC0415
        regression_figures,
    )

    place = evaluation.map
    return regression_figures(
        predictions,
        baseline_predictions,
        None if place is None else test[[place.x, place.y]],
        cap=evaluation.target_cap,
        unit=evaluation.target_unit,
        n_bins=evaluation.n_bins,
    )


def plot_interactive_roc_pr(
    predictions: pd.DataFrame, baseline_predictions: pd.DataFrame
) -> Any:
    """ROC and precision-recall curves of the MLP and the baselines, interactive."""
    from dl_experiments.evaluation.interactive import roc_pr_figure  # noqa: PLC0415

    return roc_pr_figure(predictions, baseline_predictions)


def plot_interactive_error_map(
    predictions: pd.DataFrame, test: pd.DataFrame, evaluation: RegressionEvaluationConfig
) -> Any:
    """The error map as an interactive Plotly figure: hover a row for its true and
    predicted value."""
    from dl_experiments.evaluation.interactive import error_map_figure  # noqa: PLC0415

    place = evaluation.map
    positions = (
        None if place is None else test.loc[predictions.index, [place.x, place.y]]
    )
    return error_map_figure(predictions, positions, evaluation.target_unit)


# -- scoring new rows -----------------------------------------------------------


def _new_rows(
    rows: pd.DataFrame,
    schema: TableSchema,
    target: TargetConfig,
    predict: TablePredictConfig,
    dataset: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return validate_new_rows(
        rows,
        schema,
        dataset,
        exclude=[target.column],
        id_columns=predict.id_columns,
        on_invalid=predict.on_invalid,
    )


def validate_new_classification_rows(
    rows: pd.DataFrame, params: TabularClassification, dataset: str = "new_rows"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check new rows one by one against the training schema (label excluded).

    Bad rows stop the run, or with ``on_invalid: reject`` go to the rejects table.
    """
    return _new_rows(
        rows, params.data.table_schema, params.target, params.predict, dataset
    )


def validate_new_regression_rows(
    rows: pd.DataFrame, params: TabularRegression, dataset: str = "new_rows"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check new rows one by one against the training schema (label excluded),
    then add the derived coordinates the model was trained with."""
    valid, rejects = _new_rows(
        rows, params.data.table_schema, params.target, params.predict, dataset
    )
    return add_rotated_coordinates(valid, params.coordinates), rejects


def score_classification_rows(  # noqa: PLR0913 - model, data and their settings
    model: KerasModel,
    preprocessor: Preprocessor,
    rows: pd.DataFrame,
    versions: dict[str, str],
    target: TargetConfig,
    evaluation: ClassificationEvaluationConfig,
    predict: TablePredictConfig,
) -> pd.DataFrame:
    """Class probabilities, the predicted class (at the evaluation threshold for a
    binary target) and the artifact versions, per row."""
    return score_rows(
        model,
        preprocessor,
        rows,
        [ROW, *predict.id_columns],
        target,
        versions,
        evaluation.threshold,
    )


def score_regression_rows(
    model: KerasModel,
    preprocessor: Preprocessor,
    rows: pd.DataFrame,
    versions: dict[str, str],
    target: TargetConfig,
    predict: TablePredictConfig,
) -> pd.DataFrame:
    """The predicted value (target units) and the artifact versions, per row."""
    return score_rows(
        model, preprocessor, rows, [ROW, *predict.id_columns], target, versions
    )


def summarise_classifications(
    predictions: pd.DataFrame,
    rejects: pd.DataFrame,
    target: TargetConfig,
    evaluation: ClassificationEvaluationConfig,
) -> dict[str, Any]:
    """Rows scored and rejected, and the count of each predicted class."""
    sigmoid = tasks.kind(target.task).activation == "sigmoid"
    threshold = evaluation.threshold if sigmoid else None
    return summarise_classes(predictions, rejects, target.labels, threshold)


# -- pipelines -------------------------------------------------------------------


def _front(
    namespace: str,
    raw: str,
    validated: str,
    validate: Any,
    coordinates: bool = False,
) -> list[Node]:
    """Ingestion to ``model_input``: validate, subsample, [coordinates,] target."""
    sampled = f"sampled_{raw}"
    nodes = [
        Node(
            with_fixed(validate, dataset=f"{namespace}.{raw}"),
            [raw, f"params:{namespace}"],
            validated,
            name=f"validate_{raw}",
            tags="ingestion",
        ),
        Node(
            subsample,
            [validated, "params:data.subsample", "params:seed"],
            sampled,
            name=f"subsample_{raw}",
            tags="preprocessing",
        ),
    ]
    table, features = sampled, "params:features"
    if coordinates:
        table, features = f"{raw}_with_coordinates", "model_features"
        nodes += [
            Node(
                add_coordinate_features,
                [sampled, "params:coordinates"],
                table,
                name="add_coordinate_features",
                tags="preprocessing",
            ),
            Node(
                model_features,
                ["params:features", "params:coordinates"],
                features,
                name="model_features",
                tags="preprocessing",
            ),
        ]
    nodes.append(
        Node(
            with_fixed(make_model_input, name=namespace),
            [table, "params:target", features],
            "model_input",
            name="make_model_input",
            tags="preprocessing",
        )
    )
    return nodes


def _model(features: str) -> list[Node]:
    """From ``model_input`` to a trained MLP, its test predictions and baselines."""
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
            ["train_set", features, "params:data.table_schema"],
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
            ],
            ["model", "training_history"],
            name="train_model",
            tags="training",
        ),
        Node(
            predict_tabular,
            ["model", "preprocessor", "test_set", "params:target.task"],
            "test_predictions",
            name="predict_test_set",
            tags="reporting",
        ),
        Node(
            fit_baselines,
            [
                "train_set",
                "validation_set",
                "test_set",
                "preprocessor",
                "params:seed",
                "params:target",
            ],
            "baseline_predictions",
            name="fit_baselines",
            tags="reporting",
        ),
        *model_figures_node(),
    ]


def tabular_classification(
    namespace: str, raw: str, validated: str | None = None
) -> Pipeline:
    """A classifier (binary or multi-class, as ``target.task`` says) on the table
    ``<namespace>.<raw>``, with baselines and a k-fold estimate over all rows
    (``evaluation.cv_folds``; null for none)."""
    nodes = _front(
        namespace, raw, validated or f"validated_{raw}", validate_classification_table
    )
    evaluation = [
        "test_predictions",
        "baseline_predictions",
        "params:target",
        "params:evaluation",
    ]
    nodes += [
        *_model("params:features"),
        Node(
            evaluate_classifier,
            evaluation,
            "test_metrics",
            name="evaluate",
            tags="reporting",
        ),
        Node(
            cross_validate,
            ["model_input", f"params:{namespace}"],
            "cross_validation",
            name="cross_validate",
            tags="reporting",
        ),
        Node(
            add_cross_validation,
            ["test_metrics", "cross_validation"],
            "metrics",
            name="add_cross_validation",
            tags="reporting",
        ),
        Node(
            plot_classifier,
            evaluation,
            {name: f"{name}_plot" for name in CLASSIFIER_FIGURES},
            name="plot_evaluation",
            tags="reporting",
        ),
        Node(
            plot_interactive_roc_pr,
            ["test_predictions", "baseline_predictions"],
            "roc_pr_curves_plotly",
            name="plot_interactive_roc_pr",
            tags="reporting",
        ),
    ]
    return experiment_pipeline(nodes, namespace)


def tabular_regression(
    namespace: str, raw: str, validated: str | None = None
) -> Pipeline:
    """A regression MLP on the table ``<namespace>.<raw>`` with rotated-coordinate
    features (``coordinates.rotations``), baselines and error-analysis figures."""
    nodes = _front(
        namespace,
        raw,
        validated or f"validated_{raw}",
        validate_regression_table,
        coordinates=True,
    )
    nodes += [
        *_model("model_features"),
        Node(
            evaluate_regressor,
            ["test_predictions", "baseline_predictions", "params:evaluation"],
            "test_metrics",
            name="evaluate",
            tags="reporting",
        ),
        Node(
            add_target_cap,
            ["test_metrics", "test_predictions", "params:evaluation"],
            "metrics",
            name="add_target_cap",
            tags="reporting",
        ),
        Node(
            plot_regressor,
            [
                "test_predictions",
                "baseline_predictions",
                "test_set",
                "params:evaluation",
            ],
            {name: f"{name}_plot" for name in tasks.kind("regression").figures},
            name="plot_evaluation",
            tags="reporting",
        ),
        Node(
            plot_interactive_error_map,
            ["test_predictions", "test_set", "params:evaluation"],
            "error_map_plotly",
            name="plot_interactive_error_map",
            tags="reporting",
        ),
    ]
    return experiment_pipeline(nodes, namespace)


def tabular_predict(namespace: str, new_rows: str, regression: bool = False) -> Pipeline:
    """Scoring ``<namespace>.<new_rows>`` with the experiment's saved model and
    preprocessor (the latest, or those pinned with ``--load-versions``).

    ```
    <new_rows> ─ validate ─┬─ scoring_input ─ predict ─ predictions ─ summarise ─ prediction_summary
                           └─ prediction_rejects ──────────────────────┘
    model, preprocessor, artifact_versions ─┘
    ```
    """
    validate = validate_new_regression_rows if regression else validate_new_classification_rows
    if regression:
        score = Node(
            score_regression_rows,
            [
                "model",
                "preprocessor",
                "scoring_input",
                "artifact_versions",
                "params:target",
                "params:predict",
            ],
            "predictions",
            name=f"predict_{new_rows}",
            tags="scoring",
        )
        summarise = Node(
            summarise_values,
            ["predictions", "prediction_rejects"],
            "prediction_summary",
            name="summarise_predictions",
            tags="reporting",
        )
    else:
        score = Node(
            score_classification_rows,
            [
                "model",
                "preprocessor",
                "scoring_input",
                "artifact_versions",
                "params:target",
                "params:evaluation",
                "params:predict",
            ],
            "predictions",
            name=f"predict_{new_rows}",
            tags="scoring",
        )
        summarise = Node(
            summarise_classifications,
            ["predictions", "prediction_rejects", "params:target", "params:evaluation"],
            "prediction_summary",
            name="summarise_predictions",
            tags="reporting",
        )
    ingest = Node(
        with_fixed(validate, dataset=f"{namespace}.{new_rows}"),
        [new_rows, f"params:{namespace}"],
        ["scoring_input", "prediction_rejects"],
        name=f"validate_{new_rows}",
        tags="ingestion",
    )
    return Pipeline(
        [ingest, score, summarise],
        namespace=namespace,
        parameters={f"params:{namespace}"},
    )
