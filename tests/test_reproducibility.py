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


def test_get_device_names_the_environment_variable_when_it_is_wrong(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "gpu")
    with pytest.raises(ValueError, match="environment variable COURSE_DEVICE must be one of .*got 'gpu'"):
        get_device()


def test_get_device_names_prefer_when_the_argument_is_wrong(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    with pytest.raises(ValueError, match="^prefer must be one of"):
        get_device("gpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_get_device_missing_cuda_from_the_environment_names_the_variable(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cuda")
    with pytest.raises(ValueError, match="COURSE_DEVICE is 'cuda' but no CUDA GPU"):
        get_device()


@pytest.mark.parametrize("seed", [2**64, -(2**63) - 1])
def test_set_seed_rejects_out_of_range_seed_before_seeding_anything(seed):
    set_seed(5)
    expected = (random.random(), np.random.rand(), torch.rand(1))
    set_seed(5)
    with pytest.raises(ValueError, match="seed must be between -2\\*\\*63 and 2\\*\\*64 - 1"):
        set_seed(seed)
    after = (random.random(), np.random.rand(), torch.rand(1))  # the generators did not move
    assert after[0] == expected[0] and after[1] == expected[1] and torch.equal(after[2], expected[2])


@pytest.mark.parametrize("seed", [0, -5, 2**64 - 1, -(2**63)])
def test_set_seed_accepts_the_ends_of_the_range(seed):
    set_seed(seed)
    first = torch.rand(2)
    set_seed(seed)
    assert torch.equal(torch.rand(2), first)
