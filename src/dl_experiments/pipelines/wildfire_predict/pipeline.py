"""Wildfire predict pipeline: new sensor readings -> fire probability per row.

```
new_readings ─ validate ─┬─ scoring_input ─ predict ─ predictions ─ summarise ─ prediction_summary
                         └─ prediction_rejects ──────────────────────┘
model, preprocessor, artifact_versions ─┘ (latest saved, or pinned with --load-versions)
```
"""

from kedro.pipeline import Node, Pipeline

from dl_experiments.pipelines.wildfire_predict import nodes


def create_pipeline(**kwargs) -> Pipeline:
    """Scoring with the saved wildfire model; namespaced ``wildfire`` to share it."""
    return Pipeline(
        [
            Node(
                nodes.validate_new_readings,
                [
                    "new_readings",
                    "params:data.schema",
                    "params:target",
                    "params:predict.wildfire",
                ],
                ["scoring_input", "prediction_rejects"],
                name="validate_new_readings",
                tags="ingestion",
            ),
            Node(
                nodes.predict_fire,
                [
                    "model",
                    "preprocessor",
                    "scoring_input",
                    "artifact_versions",
                    "params:target",
                    "params:evaluation",
                    "params:predict.wildfire",
                ],
                "predictions",
                name="predict_new_readings",
                tags="scoring",
            ),
            Node(
                nodes.summarise_predictions,
                [
                    "predictions",
                    "prediction_rejects",
                    "params:target",
                    "params:evaluation",
                ],
                "prediction_summary",
                name="summarise_predictions",
                tags="reporting",
            ),
        ],
        namespace="wildfire",
        parameters={"params:predict.wildfire"},
    )
