"""``<experiment>_tune`` and ``<experiment>_seeds``: one factory for every experiment.

```
raw data, params:<e>, params:<e>_tune ─ run_study ─ trials, best_params, best_run_config,
                                                   optimisation figures
best_params ─ evaluate_seeds ─ seed_runs, seed_statistics ─ plot_seeds ─ seed_spread
everything ─ build_report ─ report
```

The nodes are made per experiment (they close over its pipeline), with the raw
datasets as keyword inputs named after them. Nothing here imports an experiment:
the pipeline registry hands each experiment's pipeline and schema in.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from kedro.pipeline import Node, Pipeline
from pydantic import BaseModel

from dl_experiments.annotations import Figure
from dl_experiments.studies.config import StudyConfig
from dl_experiments.studies.experiment import Experiment

STUDY_FIGURES = (
    "optimization_history",
    "intermediate_values",
    "param_importances",
    "parallel_coordinate",
)


def _short(experiment: Experiment, name: str) -> str:
    return name.removeprefix(f"{experiment.name}.")


def _raw_kwargs(experiment: Experiment, names: list[str]) -> dict[str, str]:
    """``{argument: input}`` for the raw inputs, by their un-namespaced names (the
    pipeline maps them to the experiment's datasets)."""
    return {_short(experiment, name): _short(experiment, name) for name in names}


def _raw_data(experiment: Experiment, raw: Mapping[str, Any]) -> dict[str, Any]:
    return {experiment.dataset(name): data for name, data in raw.items()}


def _as_dict(params: Any) -> dict[str, Any]:
    from dl_experiments.studies.space import as_tree  # noqa: PLC0415

    return as_tree(params)


def _typed_params(func: Callable[..., Any], schema: type[BaseModel] | None) -> None:
    """Annotate a node's ``params`` (``params:<experiment>``) with the experiment's
    own model, so that Kedro validates it before the run, as in the experiment's
    own run (without a model it stays a plain dict)."""
    if schema is not None:
        func.__annotations__["params"] = schema


def study_node_functions(experiment: Experiment) -> dict[str, Callable[..., Any]]:
    """The node functions of one experiment's study pipelines. Their ``config``
    (``params:<experiment>_tune``) is a ``StudyConfig`` and their ``params``
    (``params:<experiment>``) the experiment's model: Kedro validates both before
    any node runs."""

    def run_study(
        config: StudyConfig, params: dict, storage_folder: str, **raw: Any
    ) -> dict[str, Any]:
        """Check the objective and the search space, then run or resume the study
        on the raw data the training slice reads; return its trials, best trial
        and figures."""
        from dl_experiments.studies import report, space, study  # noqa: PLC0415
        from dl_experiments.studies.figures import study_figures  # noqa: PLC0415

        tree = _as_dict(params)
        space.check_objective(config, experiment.name, params)
        space.check_search_space(config, experiment.name, experiment.schema, tree)
        optuna_study = study.run_study(
            experiment, config, tree, _raw_data(experiment, raw), storage_folder
        )
        best = report.best_parameters(optuna_study, config, experiment.name, storage_folder)
        figures = study_figures(optuna_study)
        return {
            "trials": study.trials_table(optuna_study, config),
            "best_params": best,
            "best_run_config": report.run_config(experiment.name, best),
            **{f"{name}_plot": figures[name] for name in STUDY_FIGURES},
        }

    def evaluate_seeds(
        config: StudyConfig, params: dict, best_params: dict | None = None, **raw: Any
    ) -> dict[str, pd.DataFrame]:
        """Retrain the best (or the default) configuration over ``seeds``, each
        scored once on its test split; per-seed values and their statistics."""
        from dl_experiments.studies.seeds import (  # noqa: PLC0415
            evaluate_over_seeds,
            seed_statistics,
        )
        from dl_experiments.studies.space import check_objective  # noqa: PLC0415

        check_objective(config, experiment.name, params)
        overrides = None
        if best_params is not None:
            overrides = best_params.get("overrides")
            if overrides is None:
                raise ValueError(
                    f"study '{best_params.get('study_name')}' has no complete trial "
                    f"({best_params.get('pruned')} pruned, {best_params.get('failed')} "
                    "failed): nothing to retrain over seeds; raise n_trials or loosen "
                    "the pruner"
                )
        runs = evaluate_over_seeds(
            experiment, config, _as_dict(params), _raw_data(experiment, raw), overrides
        )
        return {"seed_runs": runs, "seed_statistics": seed_statistics(runs)}

    def plot_seeds(seed_runs: pd.DataFrame) -> Figure:
        """The seeds' spread of every test metric, the model beside its baselines."""
        from dl_experiments.studies.figures import plot_seed_spread  # noqa: PLC0415

        return plot_seed_spread(seed_runs)

    def build_study_report(
        config: StudyConfig,
        seed_statistics: pd.DataFrame,
        trials: pd.DataFrame | None = None,
        best_params: dict | None = None,
        **figures: bytes,
    ) -> str:
        """The study's HTML page: best trial, seed statistics, trials, figures."""
        from dl_experiments.studies.report import study_report  # noqa: PLC0415

        return study_report(
            experiment.name, config, seed_statistics, trials, best_params, figures
        )

    _typed_params(run_study, experiment.schema)
    _typed_params(evaluate_seeds, experiment.schema)
    return {
        "run_study": run_study,
        "evaluate_seeds": evaluate_seeds,
        "plot_seeds": plot_seeds,
        "build_study_report": build_study_report,
    }


def _pipeline(
    experiment: Experiment, suffix: str, nodes: list[Node], raw: list[str]
) -> Pipeline:
    with warnings.catch_warnings():
        # A study reads its experiment's raw datasets (``wildfire.sensor_readings``)
        # from its own namespace (``wildfire_tune``) on purpose; Kedro's hint about
        # dotted names from another namespace does not apply.
        warnings.filterwarnings("ignore", "One or more dataset names contain '.'")
        return Pipeline(
            nodes,
            namespace=f"{experiment.name}_{suffix}",
            inputs={_short(experiment, name): name for name in raw},
            parameters={f"params:{experiment.name}", f"params:{experiment.name}_tune"},
        )


def study_pipelines(
    name: str, pipeline: Pipeline, schema: type[BaseModel] | None
) -> dict[str, Pipeline]:
    """``<name>_tune`` (search, then the best configuration over seeds) and
    ``<name>_seeds`` (the experiment's own configuration over seeds)."""
    experiment = Experiment(name, pipeline, schema)
    funcs = study_node_functions(experiment)
    config, params = f"params:{name}_tune", f"params:{name}"
    training_raw = experiment.raw_inputs(experiment.training_slice())
    evaluation_raw = experiment.raw_inputs(experiment.evaluation_slice())
    seeds_inputs = {"config": config, "params": params} | _raw_kwargs(
        experiment, evaluation_raw
    )
    run_study = Node(
        funcs["run_study"],
        {"config": config, "params": params, "storage_folder": "study_storage"}
        | _raw_kwargs(experiment, training_raw),
        {
            "trials": "trials",
            "best_params": "best_params",
            "best_run_config": "best_run_config",
            **{f"{f}_plot": f"{f}_plot" for f in STUDY_FIGURES},
        },
        name="run_study",
        tags="study",
    )
    seeds_outputs = {"seed_runs": "seed_runs", "seed_statistics": "seed_statistics"}
    plot = Node(funcs["plot_seeds"], "seed_runs", "seed_spread_plot", name="plot_seeds")
    tune = _pipeline(
        experiment,
        "tune",
        [
            run_study,
            Node(
                funcs["evaluate_seeds"],
                seeds_inputs | {"best_params": "best_params"},
                seeds_outputs,
                name="evaluate_seeds",
                tags="seeds",
            ),
            plot,
            Node(
                funcs["build_study_report"],
                {
                    "config": config,
                    "seed_statistics": "seed_statistics",
                    "trials": "trials",
                    "best_params": "best_params",
                }
                | {f: f"{f}_plot" for f in (*STUDY_FIGURES, "seed_spread")},
                "report",
                name="build_report",
                tags="reporting",
            ),
        ],
        sorted(set(training_raw) | set(evaluation_raw)),
    )
    seeds = _pipeline(
        experiment,
        "seeds",
        [
            Node(
                funcs["evaluate_seeds"],
                seeds_inputs,
                seeds_outputs,
                name="evaluate_seeds",
                tags="seeds",
            ),
            plot,
            Node(
                funcs["build_study_report"],
                {
                    "config": config,
                    "seed_statistics": "seed_statistics",
                    "seed_spread": "seed_spread_plot",
                },
                "report",
                name="build_report",
                tags="reporting",
            ),
        ],
        evaluation_raw,
    )
    return {f"{name}_tune": tune, f"{name}_seeds": seeds}
