"""Classification scores of a run on a split: accuracy, macro-F1, per-class F1, and the majority baseline."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support


def action_labels(classes: list[str], task: str) -> list[int]:
    """The label ids the macro averages run over: the action classes (background excluded)."""
    return list(range(len(classes) - 1 if task == "spot" else len(classes)))


def classification_summary(truth: np.ndarray, predicted: np.ndarray, classes: list[str], task: str) -> dict[str, Any]:
    """Accuracy over all samples; macro-F1 and per-class precision/recall/F1 over the action classes."""
    labels = action_labels(classes, task)
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    return {
        "accuracy": float(accuracy_score(truth, predicted)) if len(truth) else 0.0,
        "macro_f1": float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
        "per_class": {
            classes[k]: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, k in enumerate(labels)
        },
    }


def majority_baseline(
    train_targets: np.ndarray, valid_targets: np.ndarray, classes: list[str], task: str
) -> dict[str, Any]:
    """What always answering the training set's most frequent class scores on the validation set."""
    majority = int(np.bincount(train_targets, minlength=len(classes)).argmax())
    predicted = np.full_like(valid_targets, majority)
    scores = classification_summary(valid_targets, predicted, classes, task)
    return {"class": classes[majority], "accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"]}
