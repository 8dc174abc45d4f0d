"""Housing predict pipeline: new districts -> predicted median house value.

```
new_districts ─ validate, coordinates ─┬─ scoring_input ─ predict ─ predictions ─ summarise ─ prediction_summary
                                       └─ prediction_rejects ──────────────────────┘
model, preprocessor, artifact_versions ─┘ (latest saved, or pinned with --load-versions)
```
"""

from kedro.pipeline import Node, Pipeline

from dl_experiments.pipelines.housing_predict import nodes


def create_pipeline(**kwargs) -> Pipeline:
    """Scoring with the saved housing model; namespaced ``housing`` to share it."""
    return Pipeline(
        [
            Node(
                nodes.validate_new_districts,
                [
                    "new_districts",
                    "params:data.schema",
                    "params:target",
                    "params:coordinates",
                    "params:predict.housing",
                ],
                ["scoring_input", "prediction_rejects"],
                name="validate_new_districts",
                tags="ingestion",
            ),
            Node(
                nodes.predict_house_values,
                [
                    "model",
                    "preprocessor",
                    "scoring_input",
                    "artifact_versions",
                    "params:predict.housing",
                ],
                "predictions",
                name="predict_new_districts",
                tags="scoring",
            ),
            Node(
                nodes.summarise_predictions,
                ["predictions", "prediction_rejects"],
                "prediction_summary",
                name="summarise_predictions",
                tags="reporting",
            ),
        ],
        namespace="housing",
        parameters={"params:predict.housing"},
    )
