import random

import numpy as np
import pytest
import torch

from course_utils import get_device, set_seed


def test_set_seed_repeats_every_generator():
    set_seed(123)
    first = (random.random(), np.random.rand(), torch.rand(3))
    set_seed(123)
    second = (random.random(), np.random.rand(), torch.rand(3))
    assert first[0] == second[0] and first[1] == second[1]
    assert torch.equal(first[2], second[2])


def test_set_seed_rejects_non_int():
    with pytest.raises(TypeError, match="seed must be an int"):
        set_seed("42")


def test_get_device_prefer_cpu_forces_cpu():
    assert get_device("cpu") == torch.device("cpu")


def test_get_device_default_is_an_available_device(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    device = get_device()
    expected = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    assert device.type == expected


def test_get_device_honours_environment_variable(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")


def test_get_device_rejects_unknown_names():
    with pytest.raises(ValueError, match="prefer must be one of"):
        get_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_get_device_explains_missing_cuda():
    with pytest.raises(ValueError, match="no CUDA GPU"):
        get_device("cuda")
