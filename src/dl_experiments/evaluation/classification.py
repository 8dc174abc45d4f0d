"""Classification metrics for any number of classes (binary is the 2-class case)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    classification_report,
    confusion_matrix,
    log_loss,
    precision_recall_fscore_support,
    roc_auc_score,
    top_k_accuracy_score,
)


def as_probabilities(scores: np.ndarray, n_classes: int) -> np.ndarray:
    """An (n, k) probability matrix from (n,) positive-class scores or (n, k) scores."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 2 and scores.shape[1] == n_classes:
        return scores
    positive = scores.reshape(-1)
    if n_classes != 2:
        raise ValueError(
            f"expected scores of shape (n, {n_classes}), got {scores.shape}"
        )
    return np.column_stack([1 - positive, positive])


def predict_labels(probabilities: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Labels from probabilities: the threshold for 2 classes, the argmax otherwise."""
    if probabilities.shape[1] == 2:
        return (probabilities[:, 1] >= threshold).astype(np.int64)
    return probabilities.argmax(axis=1)


def _number(value: float) -> float | None:
    value = float(value)
    return None if np.isnan(value) else round(value, 6)


def classification_metrics(
    y_true: np.ndarray,
    scores: np.ndarray,
    class_names: list[str],
    threshold: float = 0.5,
) -> dict[str, Any]:
    """Accuracy, precision, recall, F1 (overall and per class), ROC AUC, PR AUC,
    log loss, confusion matrix and class balance.

    For 2 classes the headline precision / recall / F1 are those of the positive
    class (index 1) at ``threshold``; macro and weighted averages are always given.
    AUCs are one-vs-rest macro averages when there are more than 2 classes.
    """
    n_classes = len(class_names)
    labels = np.arange(n_classes)
    y_true = np.asarray(y_true).astype(np.int64).reshape(-1)
    probabilities = np.clip(as_probabilities(scores, n_classes), 0.0, 1.0)
    y_pred = predict_labels(probabilities, threshold)
    # Per class, keyed by label index (class names could clash with the report's
    # own keys such as "accuracy"): precision, recall, f1-score, support.
    per_class = classification_report(
        y_true, y_pred, labels=labels, output_dict=True, zero_division=0
    )
    by_label = [per_class[str(label)] for label in labels]
    present = np.unique(y_true)
    metrics: dict[str, Any] = {
        "n_samples": int(len(y_true)),
        "accuracy": _number(accuracy_score(y_true, y_pred)),
    }
    if n_classes == 2:
        metrics |= {
            "positive_class": class_names[1],
            "threshold": float(threshold),
            "precision": _number(by_label[1]["precision"]),
            "recall": _number(by_label[1]["recall"]),
            "f1": _number(by_label[1]["f1-score"]),
        }
    for average in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=average, zero_division=0
        )
        metrics |= {
            f"precision_{average}": _number(p),
            f"recall_{average}": _number(r),
            f"f1_{average}": _number(f),
        }
    if len(present) == n_classes:
        if n_classes == 2:
            metrics["roc_auc"] = _number(roc_auc_score(y_true, probabilities[:, 1]))
            metrics["average_precision"] = _number(
                average_precision_score(y_true, probabilities[:, 1])
            )
        else:
            metrics["roc_auc"] = _number(
                roc_auc_score(y_true, probabilities, multi_class="ovr", labels=labels)
            )
            one_hot = np.eye(n_classes)[y_true]
            metrics["average_precision"] = _number(
                average_precision_score(one_hot, probabilities, average="macro")
            )
            metrics["top_2_accuracy"] = _number(
                top_k_accuracy_score(y_true, probabilities, k=2, labels=labels)
            )
    else:
        metrics["roc_auc"] = None
        metrics["average_precision"] = None
        metrics["note"] = "AUCs need every class among the true labels"
    # Clipped away from 0 and 1, then renormalised: float32 softmax rows sum to 1
    # only within ~1e-7, more than scikit-learn's check for probabilities allows.
    clipped = np.clip(probabilities, 1e-7, 1 - 1e-7)
    metrics["log_loss"] = _number(
        log_loss(y_true, clipped / clipped.sum(axis=1, keepdims=True), labels=labels)
    )
    metrics["per_class"] = {
        name: {
            "precision": _number(scores["precision"]),
            "recall": _number(scores["recall"]),
            "f1": _number(scores["f1-score"]),
            "support": int(scores["support"]),
        }
        for name, scores in zip(class_names, by_label, strict=True)
    }
    metrics["confusion_matrix"] = {
        "labels": list(class_names),
        "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }
    counts = np.bincount(y_true, minlength=n_classes)
    metrics["class_balance"] = {
        name: {"count": int(counts[i]), "fraction": _number(counts[i] / len(y_true))}
        for i, name in enumerate(class_names)
    }
    return metrics


def prediction_scores(predictions: Any) -> np.ndarray:
    """Scores from a predictions table: ``probability`` (binary) or ``proba_<i>`` columns."""
    if "probability" in predictions.columns:
        return predictions["probability"].to_numpy(np.float64)
    columns = sorted(
        (c for c in predictions.columns if str(c).startswith("proba_")),
        key=lambda c: int(str(c).split("_")[1]),
    )
    if not columns:
        raise ValueError(
            "predictions have neither a 'probability' column nor 'proba_<i>' columns; "
            f"found {list(predictions.columns)}"
        )
    return predictions[columns].to_numpy(np.float64)


def baseline_scores(baseline_predictions: Any) -> dict[str, np.ndarray]:
    """Each baseline's scores from a baseline predictions table, by name: column
    ``<name>`` (a binary baseline's positive-class probability) or columns
    ``<name>.proba_<i>`` (its probability of class ``i``)."""
    columns = [str(column) for column in baseline_predictions.columns]
    scores = {}
    for name in dict.fromkeys(column.partition(".")[0] for column in columns):
        if name in columns:
            scores[name] = baseline_predictions[name].to_numpy(np.float64)
            continue
        own = [column for column in columns if column.startswith(f"{name}.")]
        scores[name] = prediction_scores(
            baseline_predictions[own].rename(columns=lambda c: c.partition(".")[2])
        )
    return scores
