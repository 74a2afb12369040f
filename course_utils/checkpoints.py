"""Saving and loading training checkpoints safely."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch
from torch import nn


def save_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    epoch: int | None = None, **extra) -> Path:
    """Save the model's weights (and optionally the optimizer's state and the epoch) to ``path``.

    The file is written to a temporary file first and then renamed over ``path``, so a save
    interrupted half-way (Ctrl-C, a full disk) never destroys the last good checkpoint.

    ``extra`` keyword arguments (numbers, strings, lists, dicts, tensors) are stored too, e.g.
    ``val_loss=0.41``. Returns the path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = {"model_state": model.state_dict(), "epoch": epoch, **extra}
    if optimizer is not None:
        checkpoint["optimizer_state"] = optimizer.state_dict()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(handle)
    try:
        torch.save(checkpoint, temporary)
        os.replace(temporary, path)  # atomic: the old file stays until the new one is complete
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path


def _describe_mismatch(model: nn.Module, saved: dict) -> list[str]:
    expected = model.state_dict()
    problems = [f"missing from the checkpoint: {name}" for name in expected if name not in saved]
    problems += [f"not in the model: {name}" for name in saved if name not in expected]
    problems += [
        f"{name}: checkpoint has shape {tuple(saved[name].shape)}, model has {tuple(tensor.shape)}"
        for name, tensor in expected.items()
        if name in saved and tuple(saved[name].shape) != tuple(tensor.shape)
    ]
    return problems


def load_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    map_location: str | torch.device = "cpu") -> dict:
    """Load a checkpoint written by ``save_checkpoint`` into ``model`` (and ``optimizer``).

    Uses ``torch.load(..., weights_only=True)``, which refuses to run arbitrary code hidden in
    a file. ``map_location="cpu"`` lets a checkpoint saved on a GPU load on any machine.

    Returns the whole checkpoint dict (``epoch`` and any extras are in it).

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: the checkpoint was saved from a different architecture; the message
            names every parameter that is missing, unexpected or of another shape.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}; save one first with save_checkpoint({str(path)!r}, model)")
    checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(checkpoint, dict) or "model_state" not in checkpoint:
        raise ValueError(f"{path} is not a checkpoint written by save_checkpoint (no 'model_state' entry)")
    problems = _describe_mismatch(model, checkpoint["model_state"])
    if problems:
        raise ValueError(
            f"{path} was saved from a different architecture than {type(model).__name__}:\n  "
            + "\n  ".join(problems)
        )
    model.load_state_dict(checkpoint["model_state"])
    if optimizer is not None:
        if "optimizer_state" not in checkpoint:
            raise ValueError(f"{path} holds no optimizer state; it was saved without an optimizer")
        optimizer.load_state_dict(checkpoint["optimizer_state"])
    return checkpoint
