"""Saving and loading training checkpoints safely."""

from __future__ import annotations

import glob
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

#: Entries that ``save_checkpoint`` writes itself; an extra with one of these names would overwrite them.
RESERVED_KEYS = ("model_state", "optimizer_state", "epoch")


def _check_module(model) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module (your network), got {type(model).__name__}")


def _file_mode(path: Path) -> int:
    """The permissions a checkpoint should get: the old file's, else what ``open()`` would give."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)  # reading the umask means setting it; put it straight back
    os.umask(umask)
    return 0o666 & ~umask


def _check_archive(path: Path) -> None:
    """Refuse a file that is not a whole, undamaged zip archive (``torch.save`` writes one)."""
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path} is not a complete checkpoint (not the zip archive torch.save writes): "
                         "is it empty, cut short, or some other file?")
    with zipfile.ZipFile(path) as archive:
        damaged = archive.testzip()  # compares every record with its CRC-32 checksum; torch.load does not
    if damaged is not None:
        raise ValueError(f"{path} is damaged: its record {damaged!r} fails its checksum; use another copy")


def _plain_data(name: str, value):
    """``value`` as data that ``torch.load(weights_only=True)`` accepts; numpy scalars become Python numbers."""
    if isinstance(value, np.generic):  # np.float64(0.41) -> 0.41: weights_only would refuse the numpy type
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str, torch.Tensor)):
        return value
    if isinstance(value, (list, tuple)):
        items = [_plain_data(name, item) for item in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {key: _plain_data(name, item) for key, item in value.items()}
    raise TypeError(
        f"{name!r} is a {type(value).__name__}, which load_checkpoint would refuse to read back "
        "(weights_only=True loads only numbers, strings, tensors, lists and dicts); save plain data "
        "instead, e.g. tokens=vocab.index_to_token rather than vocab=vocab"
    )


def save_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    epoch: int | None = None, **extra) -> Path:
    """Save the model's weights (and optionally the optimizer's state and the epoch) to ``path``.

    The file is written to a temporary file first and then renamed over ``path``, so a save
    interrupted half-way (Ctrl-C, a full disk) never destroys the last good checkpoint. Temporary
    files left by an earlier save that was killed outright are removed; a symlink is followed.

    ``extra`` keyword arguments (numbers, strings, lists, dicts, tensors) are stored too, e.g.
    ``val_loss=0.41``; numpy numbers are stored as Python numbers. Anything else (a ``Vocabulary``,
    a ``History``) raises a ``TypeError`` now, because ``load_checkpoint`` could not read it back.
    Returns the path written.
    """
    _check_module(model)
    reserved = [name for name in extra if name in RESERVED_KEYS]
    if reserved:
        raise ValueError(f"{reserved[0]!r} is written by save_checkpoint itself; give your extra another name")
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()  # write the file the link points to, and keep the link
    if path.exists() and not path.is_file():
        raise ValueError(f"{path} exists and is not a regular file (a folder, a pipe, a device); give a file path")
    path.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = {"model_state": model.state_dict(), "epoch": _plain_data("epoch", epoch),
                  **{name: _plain_data(name, value) for name, value in extra.items()}}
    if optimizer is not None:
        checkpoint["optimizer_state"] = optimizer.state_dict()
    for stale in glob.glob(glob.escape(str(path)) + "?" * 8 + ".tmp"):  # from a save killed half-way
        os.remove(stale)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(handle)
    os.chmod(temporary, _file_mode(path))  # mkstemp makes a private 0600 file; others may need to read it
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
        ValueError: the file is not a complete checkpoint (empty, cut short, damaged, not written
            by ``torch.save``), or it was saved from a different architecture (the message names every
            parameter that is missing, unexpected or of another shape), or it holds no optimizer
            state although an optimizer was given. Nothing is loaded in these cases.
    """
    _check_module(model)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}; save one first with save_checkpoint({str(path)!r}, model)")
    _check_archive(path)
    checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(checkpoint, dict) or "model_state" not in checkpoint:
        raise ValueError(f"{path} is not a checkpoint written by save_checkpoint (no 'model_state' entry)")
    problems = _describe_mismatch(model, checkpoint["model_state"])
    if problems:
        raise ValueError(
            f"{path} was saved from a different architecture than {type(model).__name__}:\n  "
            + "\n  ".join(problems)
        )
    if optimizer is not None and "optimizer_state" not in checkpoint:  # checked before anything is loaded
        raise ValueError(f"{path} holds no optimizer state; it was saved without an optimizer")
    model.load_state_dict(checkpoint["model_state"])
    if optimizer is not None:
        optimizer.load_state_dict(checkpoint["optimizer_state"])
    return checkpoint
