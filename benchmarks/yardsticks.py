"""Each experiment's default beside a fixed yardstick, accuracy and cost in one run.

Speed on a shared machine only holds as a ratio measured in one run, so this
script trains, one after the other in one process, on the same split:

- fashion_mnist: the textbook CNN (conv 32 - pool - conv 64 - pool - dense 128,
  valid padding, Adam, batch 128, 10 epochs; about 2.6M multiply-adds per image)
  as the yardstick, the default CNN as configured, and the previous default
  (``previous_defaults.yml``). The budget is previous / textbook training CPU time.
- housing: scikit-learn's HistGradientBoosting on the same features (as the
  pipeline's baseline fits it), the default MLP as configured, and the previous
  default MLP; the budget is 3x the previous default's training CPU time.

A previous default identical to today's is not trained twice: its entry is the
default's (``"same_as": "default"``), and the budget is the default's own cost.

Each entry gives its test accuracy or RMSE (the test split is scored once per
model, after training), training CPU and wall seconds, epochs and multiply-adds
per sample. CPU time counts every thread of this process, so it is what the work
cost whatever else held the cores. Results go to ``yardsticks.json`` and
``yardsticks.md`` beside this file (or ``--output-dir``). The data come from a
throw-away copy of the project, so ``data/`` is left alone.

    python benchmarks/yardsticks.py                 # both experiments, all entries
    python benchmarks/run.py --yardsticks           # the same
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import copy_project, footer, machine  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PREVIOUS = Path(__file__).resolve().parent / "previous_defaults.yml"
HOUSING_BUDGET = 3.0  # the limit: at most 3x the previous default's CPU time


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merged(base[key], value)
        else:
            merged[key] = value
    return merged


def _capped(config: Any, cap: int | None) -> Any:
    """``config`` with at most ``cap`` training epochs (None: as configured)."""
    if cap is None or config.training.epochs <= cap:
        return config
    training = config.training.model_copy(update={"epochs": cap})
    return config.model_copy(update={"training": training})


def _configs(
    kind: Any, params: dict[str, Any], previous: dict[str, Any], cap: int | None
) -> dict[str, Any]:
    """The default and (when given) the previous default, as ``kind`` models."""
    configs = {"default": _capped(kind(**params), cap)}
    if previous:
        configs["previous_default"] = _capped(kind(**_merged(params, previous)), cap)
    return configs


def textbook_cnn(image_shape: tuple[int, int], n_classes: int) -> Any:
    """The fixed yardstick: two valid convolutions with pooling, a 128-unit head."""
    import keras  # noqa: PLC0415
    from keras import layers  # noqa: PLC0415

    return keras.Sequential(
        [
            keras.Input((*image_shape, 1)),
            layers.Rescaling(1.0 / 255),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(n_classes, activation="softmax"),
        ],
        name="textbook_cnn",
    )


def _entry(history: dict[str, Any], **scores: float) -> dict[str, Any]:
    return {
        **{key: round(float(value), 4) for key, value in scores.items()},
        "training_cpu_seconds": history["training_cpu_seconds"],
        "training_seconds": history["training_seconds"],
        "epochs_run": history["epochs_run"],
        "multiply_adds_per_sample": history["multiply_adds_per_sample"],
        "parameters": history["parameters"],
    }


def fashion_mnist(
    context: Any,
    params: dict[str, Any],
    previous: dict[str, Any],
    epochs: int,
    cap: int | None = None,
) -> dict[str, Any]:
    """Textbook CNN, default and previous default on the pipeline's own split."""
    import numpy as np  # noqa: PLC0415

    from dl_experiments.config import ImageClassification, TrainingConfig  # noqa: PLC0415
    from dl_experiments.modelling.images import (  # noqa: PLC0415
        predict_images,
        train_image_classifier,
        with_channel_axis,
    )
    from dl_experiments.modelling.training import train_keras_model  # noqa: PLC0415
    from dl_experiments.templates.images import (  # noqa: PLC0415
        select_test_images,
        split_training_images,
    )

    catalog = context.catalog
    images = catalog.load("fashion_mnist.train_images")
    labels = np.asarray(catalog.load("fashion_mnist.train_labels"), dtype=np.int64)
    default = ImageClassification(**params)
    split = split_training_images(labels, default.data, default.split, default.seed)
    test_images, test_labels = select_test_images(
        catalog.load("fashion_mnist.test_images"),
        catalog.load("fashion_mnist.test_labels"),
        default.data,
        default.seed,
    )
    classes = list(default.data.class_names)

    def accuracy(model: Any) -> float:
        scored = predict_images(model, test_images, test_labels)
        probabilities = scored.drop(columns="y_true").to_numpy()
        return float((probabilities.argmax(axis=1) == scored["y_true"]).mean())

    results: dict[str, Any] = {}
    x = with_channel_axis(images)
    yardstick = TrainingConfig(
        epochs=epochs,
        batch_size=128,
        early_stopping={"enabled": False},
        log_every=0,
        verbose=0,
    )
    model, history = train_keras_model(
        lambda: textbook_cnn(tuple(default.data.image_shape), len(classes)),
        "multiclass",
        (x[split["train"]], labels[split["train"]]),
        (x[split["validation"]], labels[split["validation"]]),
        yardstick,
        default.seed,
    )
    results["textbook_cnn"] = _entry(history, test_accuracy=accuracy(model))
    configs = _configs(ImageClassification, params, previous, cap)
    for name, config in configs.items():
        if name == "previous_default" and config == configs["default"]:
            # Unchanged: the budget is the default's own ratio, not a second run.
            results[name] = {**results["default"], "same_as": "default"}
            continue
        model, history = train_image_classifier(
            images, labels, split, classes, config.model, config.training, config.seed
        )
        results[name] = _entry(history, test_accuracy=accuracy(model))
    textbook = results["textbook_cnn"]["training_cpu_seconds"]
    ratios = {
        name: round(results[name]["training_cpu_seconds"] / textbook, 3)
        for name in configs
    }
    return {"models": results, "cpu_ratio_to_textbook": ratios}


def housing(  # noqa: PLR0913 - where the data are, and what to train
    project: Path,
    env: str,
    runtime: dict[str, Any],
    params: dict[str, Any],
    previous: dict[str, Any],
    cap: int | None = None,
) -> dict[str, Any]:
    """HistGradientBoosting, default and previous default MLP on the same features."""
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415
    from kedro.framework.session import KedroSession  # noqa: PLC0415
    from sklearn.ensemble import HistGradientBoostingRegressor  # noqa: PLC0415

    from dl_experiments.config import TabularRegression  # noqa: PLC0415
    from dl_experiments.modelling.tabular import (  # noqa: PLC0415
        predict_tabular,
        train_tabular_model,
    )
    from dl_experiments.preprocessing.tabular import TARGET, transform  # noqa: PLC0415

    with KedroSession.create(project, env=env, runtime_params=runtime) as session:
        session.run(pipeline_name="housing", to_nodes=["housing.fit_preprocessor"])
    with KedroSession.create(project, env=env, runtime_params=runtime) as session:
        catalog = session.load_context().catalog
        train, validation, test, preprocessor = (
            catalog.load(f"housing.{name}")
            for name in ("train_set", "validation_set", "test_set", "preprocessor")
        )

    def rmse(predicted: np.ndarray) -> float:
        return float(np.sqrt(np.mean((predicted - test[TARGET].to_numpy()) ** 2)))

    results: dict[str, Any] = {}
    default = TabularRegression(**params)
    fit_rows = pd.concat([train, validation])  # as the pipeline's baseline sees them
    started, cpu_started = time.perf_counter(), time.process_time()
    boosting = HistGradientBoostingRegressor(random_state=default.seed).fit(
        transform(preprocessor, fit_rows), fit_rows[TARGET].to_numpy()
    )
    results["hist_gradient_boosting"] = {
        "test_rmse": round(rmse(boosting.predict(transform(preprocessor, test))), 4),
        "training_cpu_seconds": round(time.process_time() - cpu_started, 3),
        "training_seconds": round(time.perf_counter() - started, 3),
    }
    configs = _configs(TabularRegression, params, previous, cap)
    for name, config in configs.items():
        if name == "previous_default" and config == configs["default"]:
            results[name] = {**results["default"], "same_as": "default"}
            continue
        model, history = train_tabular_model(
            train, validation, preprocessor, config.target, config.model,
            config.training, config.seed,
        )
        predicted = predict_tabular(model, preprocessor, test, "regression")
        results[name] = _entry(history, test_rmse=rmse(predicted["prediction"].to_numpy()))
    summary: dict[str, Any] = {"models": results}
    boosting_rmse = results["hist_gradient_boosting"]["test_rmse"]
    summary["rmse_ratio_to_boosting"] = round(
        results["default"]["test_rmse"] / boosting_rmse, 4
    )
    if "previous_default" in results:
        summary["cpu_ratio_to_previous_default"] = round(
            results["default"]["training_cpu_seconds"]
            / results["previous_default"]["training_cpu_seconds"],
            3,
        )
        summary["cpu_budget"] = HOUSING_BUDGET
    return summary


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Every yardstick comparison asked for, in this process."""
    from kedro.framework.session import KedroSession  # noqa: PLC0415
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415
    from omegaconf import OmegaConf  # noqa: PLC0415

    from dl_experiments.config.base import as_plain  # noqa: PLC0415

    previous = yaml.safe_load(PREVIOUS.read_text()) if args.previous else {}
    runtime = OmegaConf.to_container(
        OmegaConf.from_dotlist([p for p in args.params.split(",") if p])
    )
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="dl_yardsticks_") as scratch:
        project = copy_project(Path(scratch))
        bootstrap_project(project)
        with KedroSession.create(project, env=args.env, runtime_params=runtime) as s:
            context = s.load_context()
            params = {key: as_plain(value) for key, value in context.params.items()}
            if "fashion_mnist" in args.experiments:
                results["fashion_mnist"] = fashion_mnist(
                    context,
                    params["fashion_mnist"],
                    previous.get("fashion_mnist", {}),
                    args.textbook_epochs,
                    args.epochs_cap,
                )
        if "housing" in args.experiments:
            results["housing"] = housing(
                project, args.env, runtime, params["housing"],
                previous.get("housing", {}),
                args.epochs_cap,
            )
    if "fashion_mnist" in results:
        ratios = results["fashion_mnist"]["cpu_ratio_to_textbook"]
        if "previous_default" in ratios:
            results["fashion_mnist"]["cpu_budget"] = ratios["previous_default"]
            results["fashion_mnist"]["within_budget"] = (
                ratios["default"] <= ratios["previous_default"]
            )
    if "cpu_budget" in results.get("housing", {}):
        housing_result = results["housing"]
        housing_result["within_budget"] = (
            housing_result["cpu_ratio_to_previous_default"] <= HOUSING_BUDGET
        )
    return {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join([args.command, *args.argv]),
        "machine": machine(),
        "experiments": results,
    }


def _ratio(experiment: str, name: str, result: dict[str, Any]) -> float | None:
    """The cost ratio the table shows for one model (None: not a ratio's subject)."""
    if experiment == "fashion_mnist":
        return result["cpu_ratio_to_textbook"].get(name, 1.0)
    if name == "default":
        return result.get("cpu_ratio_to_previous_default")
    return 1.0 if name == "previous_default" else None


def markdown(results: dict[str, Any]) -> str:
    """One row per model: score, training CPU time and its ratio, epochs, cost."""
    lines = [
        "| experiment | model | test score | training CPU s | ratio | epochs | "
        "multiply-adds / sample |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for experiment, result in results["experiments"].items():
        for name, entry in result["models"].items():
            label = "accuracy" if "test_accuracy" in entry else "RMSE"
            score = entry.get("test_accuracy", entry.get("test_rmse"))
            ratio = _ratio(experiment, name, result)
            cost = entry.get("multiply_adds_per_sample")
            lines.append(
                f"| {experiment} | {name} | {label} {score:.4f} | "
                f"{entry['training_cpu_seconds']:.1f} | "
                f"{'' if ratio is None else f'{ratio:.2f}x'} | "
                f"{entry.get('epochs_run', '')} | {'' if cost is None else f'{cost:,}'} |"
            )
    lines.append("")
    fashion = results["experiments"].get("fashion_mnist")
    if fashion:
        lines.append(
            "fashion_mnist ratios are training CPU time over the textbook CNN's; "
            f"budget (previous default): {fashion.get('cpu_budget', 'not measured')}, "
            f"within budget: {fashion.get('within_budget', 'not measured')}."
        )
    housing = results["experiments"].get("housing")
    if housing:
        lines.append(
            "housing: the default's ratio is its training CPU time over the previous "
            f"default's (budget {HOUSING_BUDGET}x, within: "
            f"{housing.get('within_budget', 'not measured')}); MLP RMSE / "
            f"HistGradientBoosting RMSE = {housing['rmse_ratio_to_boosting']}."
        )
    return "\n".join([*lines, "", *footer(results)]) + "\n"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--experiments", default="fashion_mnist,housing")
    parser.add_argument("--env", default="local", help="Kedro configuration environment")
    parser.add_argument(
        "--params", default="", help="dotted runtime parameters for every run"
    )
    parser.add_argument(
        "--textbook-epochs", type=int, default=10, help="the yardstick's epochs"
    )
    parser.add_argument(
        "--epochs-cap",
        type=int,
        help="at most this many epochs for every default and previous default "
        "(a quick look; the ratios then say nothing about the real budgets)",
    )
    parser.add_argument(
        "--no-previous",
        dest="previous",
        action="store_false",
        help="skip the previous defaults (no budget is measured)",
    )
    parser.add_argument("--output-dir", default=str(Path(__file__).resolve().parent))
    args = parser.parse_args(argv)
    args.experiments = args.experiments.split(",")
    args.argv = argv
    return args


def main(
    argv: list[str] | None = None, command: str = "python benchmarks/yardsticks.py"
) -> dict[str, Any]:
    """Measure, write ``yardsticks.json`` and ``yardsticks.md``, print the table."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    args.command = command
    results = measure(args)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "yardsticks.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "yardsticks.md").write_text(markdown(results))
    sys.stdout.write(markdown(results))
    return results


if __name__ == "__main__":
    main()
