import os

import matplotlib
import pytest
import torch

matplotlib.use("Agg")
os.environ.setdefault("COURSE_UTILS_PROGRESS", "0")
torch.set_num_threads(min(2, torch.get_num_threads()))


@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)
