"""The confusion matrix as a PNG (matplotlib's Agg renderer, no pyplot: no display needed), written atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ballspot.atomic import atomic_path


def save_confusion_png(matrix: np.ndarray, classes: Sequence[str], target: Path, title: str = "") -> Path:
    """Counts in each cell, colour by the share of the true class (row), true classes down, predicted across."""
    from matplotlib.figure import Figure  # a bare Figure renders PNG with Agg; pyplot and its GUI stay unloaded

    matrix = np.asarray(matrix)
    totals = matrix.sum(axis=1, keepdims=True)
    shares = np.divide(matrix, totals, out=np.zeros(matrix.shape, dtype=np.float64), where=totals > 0)
    n = len(classes)
    size = max(4.0, 0.55 * n + 2.5)
    figure = Figure(figsize=(size + 1.0, size), dpi=100)
    axes = figure.add_subplot()
    image = axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="share of the true class")
    axes.set_xticks(range(n), labels=list(classes), rotation=60, ha="right", fontsize=8)
    axes.set_yticks(range(n), labels=list(classes), fontsize=8)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    if title:
        axes.set_title(title, fontsize=10)
    for i in range(n):
        for j in range(n):
            if matrix[i, j]:
                colour = "white" if shares[i, j] > 0.5 else "black"
                axes.text(j, i, str(int(matrix[i, j])), ha="center", va="center", fontsize=7, color=colour)
    with atomic_path(target) as tmp:
        figure.savefig(tmp, format="png", bbox_inches="tight")
    return target
