"""Fashion-MNIST predict pipeline: new images -> class and top-3 probabilities.

```
new_images ─ prepare (grayscale, resize) ─┬─ scoring_input ─ classify ─ predictions ─ summarise ─ prediction_summary
                                          └─ prediction_rejects ───────────────────────┘
model, artifact_versions ─┘ (latest saved, or pinned with --load-versions)
```
"""

from kedro.pipeline import Node, Pipeline

from dl_experiments.pipelines.fashion_mnist_predict import nodes


def create_pipeline(**kwargs) -> Pipeline:
    """Scoring with the saved CNN; namespaced ``fashion_mnist`` to share it."""
    return Pipeline(
        [
            Node(
                nodes.prepare_new_images,
                ["new_images", "params:data", "params:predict.fashion_mnist"],
                ["scoring_input", "prediction_rejects"],
                name="prepare_new_images",
                tags="ingestion",
            ),
            Node(
                nodes.classify_images,
                [
                    "model",
                    "scoring_input",
                    "artifact_versions",
                    "params:data.class_names",
                    "params:predict.fashion_mnist",
                ],
                "predictions",
                name="classify_new_images",
                tags="scoring",
            ),
            Node(
                nodes.summarise_predictions,
                ["predictions", "prediction_rejects", "params:data.class_names"],
                "prediction_summary",
                name="summarise_predictions",
                tags="reporting",
            ),
        ],
        namespace="fashion_mnist",
        parameters={"params:predict.fashion_mnist"},
    )
