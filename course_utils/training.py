"""Training and evaluation: ``EarlyStopping``, ``fit``, ``evaluate`` and the ``History`` they record."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

#: Set ``COURSE_UTILS_PROGRESS=0`` to turn every progress bar off (tests and CI do).
PROGRESS_ENV_VAR = "COURSE_UTILS_PROGRESS"


class EarlyStopping:
    """Stop training when a monitored value (usually the validation loss) stops improving.

    Call ``step(value, model)`` once per epoch; it returns True when training should stop.

    Args:
        patience: how many epochs in a row without improvement are tolerated.
        min_delta: an improvement must beat the best value by more than this.
        mode: ``"min"`` (a loss: lower is better) or ``"max"`` (an accuracy: higher is better).
        restore_best: keep a copy of the best weights so ``restore(model)`` can load them back.

    Attributes:
        best: the best value so far (``None`` before the first step).
        best_epoch: the step (1-based epoch) where it was reached.
        counter: epochs since the last improvement.
        should_stop: ``counter >= patience``.
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0, mode: str = "min",
                 restore_best: bool = True) -> None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be an int >= 1, got {patience!r}")
        if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)) or not min_delta >= 0:
            raise ValueError(f"min_delta must be a number >= 0, got {min_delta!r}")  # `not >=` also catches nan
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.patience = patience
        self.min_delta = min_delta
        self.mode = mode
        self.restore_best = restore_best
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.best_state: dict | None = None
        self.counter = 0  # the lecture's version forgot this line: the first `+= 1` then crashes
        self.epoch = 0
        self.should_stop = False

    def is_improvement(self, value: float) -> bool:
        """Is ``value`` better than the best so far by more than ``min_delta``?

        The first real value always is; a NaN never is (else it would stay "best" forever).
        """
        if math.isnan(value):
            return False
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def step(self, value: float, model: nn.Module | None = None) -> bool:
        """Record this epoch's ``value``; return True when training should stop."""
        value = float(value)
        self.epoch += 1
        if self.is_improvement(value):
            self.best, self.best_epoch, self.counter = value, self.epoch, 0
            if model is not None and self.restore_best:
                self.best_state = {name: t.detach().cpu().clone() for name, t in model.state_dict().items()}
        else:
            self.counter += 1
        self.should_stop = self.counter >= self.patience
        return self.should_stop

    def restore(self, model: nn.Module) -> None:
        """Load the best weights seen so far back into ``model``."""
        if self.best_state is None:
            raise ValueError("no weights were saved: call step(value, model) with a model first")
        model.load_state_dict(self.best_state)


@dataclass
class History:
    """What ``fit`` recorded, one entry per epoch (epochs are numbered from 1)."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    best_epoch: int | None = None  # epoch with the lowest validation loss (a NaN loss never counts)
    stopped_epoch: int | None = None  # the last epoch that ran

    @property
    def epochs(self) -> list[int]:
        return list(range(1, len(self.train_loss) + 1))


def progress_enabled(progress: bool = True) -> bool:
    """Progress bars are shown if asked for and not switched off by ``COURSE_UTILS_PROGRESS=0``."""
    return progress and os.environ.get(PROGRESS_ENV_VAR, "1") != "0"


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (the CPU for a model without parameters)."""
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def class_predictions(logits: torch.Tensor) -> torch.Tensor:
    """Class predictions: argmax over classes for ``[batch, classes]``, ``logit > 0`` for ``[batch]``."""
    return logits.argmax(dim=1) if logits.dim() == 2 else (logits > 0).long()


def unpack_batch(batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(x, lengths, y)`` from a batch made by ``collate_batch``; a clear error for anything else."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 3:
        size = len(batch) if isinstance(batch, (tuple, list)) else type(batch).__name__
        raise ValueError(f"batches must be (token_ids, lengths, labels) as collate_batch makes them, got {size} "
                         "items: build the DataLoader with collate_fn=collate_batch")
    return batch[0], batch[1], batch[2]


def evaluate(model: nn.Module, loader, loss_fn=None, device: torch.device | str | None = None) -> dict:
    """Run ``model`` over ``loader`` without gradients.

    Returns a dict with ``loss`` (mean per example, ``None`` without ``loss_fn``), ``accuracy``,
    and the lists ``y_true`` and ``y_pred`` (ints), ready for scikit-learn's metrics.
    """
    device = torch.device(device) if device is not None else model_device(model)
    model.eval()
    total_loss, y_true, y_pred = 0.0, [], []
    with torch.no_grad():
        for batch in loader:
            x, lengths, y = unpack_batch(batch)
            x, y = x.to(device), y.to(device)
            logits = model(x, lengths)
            if loss_fn is not None:
                total_loss += loss_fn(logits, y).item() * len(y)
            y_pred += class_predictions(logits).cpu().tolist()
            y_true += y.round().long().cpu().tolist()  # a soft label such as 0.7 counts as class 1
    if not y_true:
        raise ValueError("the loader gave no batches to evaluate")
    correct = sum(int(t == p) for t, p in zip(y_true, y_pred, strict=True))
    return {
        "loss": total_loss / len(y_true) if loss_fn is not None else None,
        "accuracy": correct / len(y_true),
        "y_true": y_true,
        "y_pred": y_pred,
    }


def train_one_epoch(model: nn.Module, loader, loss_fn, optimizer, device: torch.device,
                    clip_grad_norm: float | None = None) -> float:
    """One pass over ``loader``; returns the mean training loss per example."""
    if clip_grad_norm is not None and not clip_grad_norm > 0:  # a negative norm would flip every gradient
        raise ValueError(f"clip_grad_norm must be a number > 0 (or None), got {clip_grad_norm!r}")
    model.train()
    total_loss, count = 0.0, 0
    for batch in loader:
        x, lengths, y = unpack_batch(batch)
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()  # gradients accumulate otherwise
        loss = loss_fn(model(x, lengths), y)
        loss.backward()
        if clip_grad_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
        optimizer.step()
        total_loss += loss.item() * len(y)
        count += len(y)
    if count == 0:
        raise ValueError("the training loader gave no batches: is the training set empty?")
    return total_loss / count


def fit(model: nn.Module, train_loader, val_loader, loss_fn, optimizer, epochs: int,
        device: torch.device | str | None = None, early_stopping: EarlyStopping | None = None,
        clip_grad_norm: float | None = None, progress: bool = True) -> History:
    """Train ``model`` for up to ``epochs`` epochs and return its ``History``.

    Batches are ``(x, lengths, y)`` as ``collate_batch`` makes them. After each epoch the model
    is evaluated on ``val_loader``. With ``early_stopping``, training stops when it says so, and
    (if its ``restore_best`` is set) the best weights are loaded back at the end. The stopper is
    given the validation *loss*, so it must have ``mode="min"``.

    Args:
        device: where to train (``None``: wherever the model's parameters already are).
        clip_grad_norm: if set, rescale gradients so their total norm is at most this.
        progress: show a progress bar (``COURSE_UTILS_PROGRESS=0`` turns it off everywhere).
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an int >= 1, got {epochs!r}")
    if early_stopping is not None and early_stopping.mode != "min":
        raise ValueError("fit gives early_stopping the validation loss (lower is better): use mode='min'")
    device = torch.device(device) if device is not None else model_device(model)
    if device.type == "meta":  # checked before model.to(): moving there would erase the weights
        raise ValueError("cannot train on the 'meta' device: it stores shapes, not values")
    model.to(device)
    history = History()
    bar = tqdm(range(1, epochs + 1), desc="epochs", disable=not progress_enabled(progress))
    for epoch in bar:
        history.train_loss.append(train_one_epoch(model, train_loader, loss_fn, optimizer, device, clip_grad_norm))
        result = evaluate(model, val_loader, loss_fn, device)
        history.val_loss.append(result["loss"])
        history.val_accuracy.append(result["accuracy"])
        history.stopped_epoch = epoch
        bar.set_postfix(train_loss=f"{history.train_loss[-1]:.4f}", val_loss=f"{result['loss']:.4f}")
        if early_stopping is not None and early_stopping.step(result["loss"], model):
            break
    bar.close()
    finite = [e for e in history.epochs if not math.isnan(history.val_loss[e - 1])]  # a NaN loss is never best
    history.best_epoch = min(finite, key=lambda e: history.val_loss[e - 1], default=None)
    if early_stopping is not None and early_stopping.restore_best and early_stopping.best_state is not None:
        early_stopping.restore(model)
        history.best_epoch = early_stopping.best_epoch
    return history

