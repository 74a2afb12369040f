"""Reproducibility helpers: pick a device and seed every random number generator.

Two functions every notebook calls in its setup cell::

    set_seed(42)
    device = get_device()
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

#: Environment variable that forces a device for the whole course, for example
#: ``COURSE_DEVICE=cpu`` (``make test`` sets it so stored outputs match on any machine).
DEVICE_ENV_VAR = "COURSE_DEVICE"

_VALID_DEVICES = ("cpu", "cuda", "mps")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def get_device(prefer: str | None = None) -> torch.device:
    """Return the best available device: CUDA, then Apple's MPS, then the CPU.

    Args:
        prefer: force a device (``"cpu"``, ``"cuda"``, ``"mps"``, or a full name such as
            ``"cuda:1"``). When ``None``, the environment variable ``COURSE_DEVICE`` is
            honoured if set, otherwise the fastest available device is picked.

    Raises:
        ValueError: if ``prefer`` (or ``COURSE_DEVICE``) is not a device name, or names a device
            this machine lacks; the message says which of the two the bad value came from.
    """
    source = "prefer"  # named in error messages, so a bad value can be traced to where it was set
    if prefer is None:
        prefer = os.environ.get(DEVICE_ENV_VAR) or None
        source = f"the environment variable {DEVICE_ENV_VAR}"
    if prefer is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")

    if not isinstance(prefer, str):
        raise TypeError(f"prefer must be a string such as 'cpu' or 'cuda', got {type(prefer).__name__}")
    kind = prefer.split(":")[0].lower()
    if kind not in _VALID_DEVICES:
        raise ValueError(f"{source} must be one of {', '.join(_VALID_DEVICES)} (optionally 'cuda:N'), got {prefer!r}")
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{source} is {prefer!r} but no CUDA GPU is available on this machine; use 'cpu'")
    if kind == "mps" and not _mps_available():
        raise ValueError(f"{source} is {prefer!r} but Apple's MPS backend is not available on this machine; use 'cpu'")
    return torch.device(prefer.lower())


def set_seed(seed: int = 42) -> None:
    """Seed Python's ``random``, NumPy and PyTorch (CPU and every CUDA device).

    The same seed then gives the same shuffles, initial weights and dropout masks on the
    same machine. (Different CPUs or thread counts can still differ in the last digits.)

    Raises:
        TypeError: if ``seed`` is not an int.
        ValueError: if ``seed`` is outside PyTorch's range, ``-2**63`` to ``2**64 - 1``. It is
            checked before any generator is touched, so a bad seed seeds nothing.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not -(2**63) <= seed < 2**64:
        raise ValueError(f"seed must be between -2**63 and 2**64 - 1 (what torch.manual_seed accepts), got {seed}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
