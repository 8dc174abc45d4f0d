"""Fashion-MNIST pipeline: IDX files -> checked arrays -> split -> CNN -> report.

```
train_images, train_labels ─ validate ─ split (indices) ─ train ─ model, history
test_images, test_labels ─ validate ─ select ─ test_set_images/labels ─ predict
predict ─ test_predictions ─ metrics, confusion matrix, ROC / PR,
                             misclassified, confused pairs, error rates
```
"""

from kedro.pipeline import Node, Pipeline

from dl_experiments.evaluation.images import image_figures
from dl_experiments.evaluation.report import report_node
from dl_experiments.modelling.images import predict_images, train_image_classifier
from dl_experiments.pipelines.fashion_mnist import nodes
from dl_experiments.templates import interactive_history_node, model_figures_node


def create_pipeline(**kwargs) -> Pipeline:
    """The fashion_mnist experiment, namespaced ``fashion_mnist``; nodes tagged by stage."""
    ingestion = [
        Node(
            nodes.validate_train_images,
            ["train_images", "train_labels", "params:data"],
            ["valid_train_images", "valid_train_labels"],
            name="validate_train_images",
            tags="ingestion",
        ),
        Node(
            nodes.validate_test_images,
            ["test_images", "test_labels", "params:data"],
            ["valid_test_images", "valid_test_labels"],
            name="validate_test_images",
            tags="ingestion",
        ),
    ]
    preprocessing = [
        Node(
            nodes.split_training_images,
            ["valid_train_labels", "params:data", "params:split", "params:seed"],
            "split_indices",
            name="split_training_images",
            tags="preprocessing",
        ),
        Node(
            nodes.select_test_images,
            ["valid_test_images", "valid_test_labels", "params:data", "params:seed"],
            ["test_set_images", "test_set_labels"],
            name="select_test_images",
            tags="preprocessing",
        ),
    ]
    training = [
        Node(
            train_image_classifier,
            [
                "valid_train_images",
                "valid_train_labels",
                "split_indices",
                "params:data.class_names",
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
            predict_images,
            ["model", "test_set_images", "test_set_labels"],
            "test_predictions",
            name="predict_test_set",
            tags="reporting",
        ),
        Node(
            nodes.evaluate,
            ["test_predictions", "training_history", "params:data"],
            "metrics",
            name="evaluate",
            tags="reporting",
        ),
        model_figures_node(),
        interactive_history_node(),
        Node(
            nodes.plot_evaluation,
            ["test_predictions", "params:data.class_names"],
            {
                "confusion_matrix": "confusion_matrix_plot",
                "roc_pr_curves": "roc_pr_curves_plot",
            },
            name="plot_evaluation",
            tags="reporting",
        ),
        Node(
            image_figures,
            [
                "test_predictions",
                "test_set_images",
                "params:data.class_names",
                "params:reporting",
            ],
            {
                "misclassified": "misclassified_plot",
                "confused_pairs": "confused_pairs_plot",
                "class_error_rates": "class_error_rates_plot",
            },
            name="plot_image_errors",
            tags="reporting",
        ),
        report_node(
            "fashion_mnist",
            figures=[
                "training_history",
                "network",
                "confusion_matrix",
                "roc_pr_curves",
                "misclassified",
                "confused_pairs",
                "class_error_rates",
            ],
        ),
    ]
    return Pipeline(
        [*ingestion, *preprocessing, *training, *reporting],
        namespace="fashion_mnist",
        parameters={"params:fashion_mnist"},
    )
