"""Plots of the course (the only module that imports matplotlib)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay

from course_utils.training import History


def plot_history(history: History, ax=None, title: str = "Training and validation loss"):
    """Plot train and validation loss per epoch, with the best epoch marked. Returns the Axes."""
    if not isinstance(history, History):
        raise TypeError(f"plot_history expects the History returned by fit(), got {type(history).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(history.epochs, history.train_loss, marker="o", label="train loss")
    ax.plot(history.epochs, history.val_loss, marker="o", label="validation loss")
    if history.best_epoch is not None:
        ax.axvline(history.best_epoch, color="grey", linestyle="--", label=f"best epoch ({history.best_epoch})")
    ax.set(title=title, xlabel="epoch", ylabel="loss (mean per example)")
    ax.legend()
    return ax


def plot_confusion_matrix(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[str], ax=None,
                          title: str = "Confusion matrix", normalize: str | None = None):
    """Confusion matrix of class indices, rows = true class, columns = predicted. Returns the Axes.

    ``labels[i]`` is the name of class ``i``. ``normalize="true"`` shows per-class recall instead of counts.
    """
    seen = set(np.asarray(y_true).ravel().tolist()) | set(np.asarray(y_pred).ravel().tolist())
    unknown = sorted((c for c in seen if c not in range(len(labels))), key=str)
    if unknown:  # sklearn would silently leave these samples out of the matrix
        raise ValueError(f"y_true/y_pred contain classes {unknown}, but labels names {len(labels)} classes "
                         f"(ids 0..{len(labels) - 1}); pass one name per class")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=list(range(len(labels))), display_labels=list(labels),
        normalize=normalize, ax=ax, colorbar=False, values_format=".2f" if normalize else "d",
    )
    ax.set_title(title)
    return ax
