"""Notebooks that teach a piece of course_utils show exactly the code students later import.

Like d2l's "saved into the library" code: the teaching cell holds the very source of the
function or class, so the notebook and the module cannot drift apart. If this test fails,
copy the module's code into the notebook cell (or the reverse), then run `make refresh`.
"""

import importlib
import inspect
import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

# notebook -> the course_utils objects whose source a teaching cell shows verbatim
TAUGHT = {
    "03_text_to_vocabulary.ipynb": [
        "course_utils.text.tokenize",
        "course_utils.text.Vocabulary",
    ],
    "04_padding_masking_batching.ipynb": [
        "course_utils.batching.pad_or_truncate",
        "course_utils.batching.padding_mask",
        "course_utils.batching.TextDataset",
        "course_utils.batching.as_token_ids",
        "course_utils.batching.as_labels",
        "course_utils.batching.collate_batch",
        "course_utils.batching.BucketBatchSampler",
    ],
    "07_lstm_classifier.ipynb": [
        "course_utils.models._real_token_mask",
        "course_utils.models.LSTMClassifier",
    ],
    "05_ffn_classifier.ipynb": [
        "course_utils.models._real_token_mask",
        "course_utils.models.BagOfEmbeddingsClassifier",
        "course_utils.training.evaluate",
        "course_utils.training.train_one_epoch",
        "course_utils.training.EarlyStopping",
        "course_utils.training.fit",
    ],
    "06_exploding_vanishing_gradients.ipynb": [
        "course_utils.scratch_lstm.ScratchLSTMCell",
        "course_utils.scratch_lstm.ScratchLSTM",
    ],
}


def source_of(qualified_name: str) -> str:
    module_name, name = qualified_name.rsplit(".", 1)
    return inspect.getsource(getattr(importlib.import_module(module_name), name)).strip()


CASES = [(notebook, name) for notebook, names in TAUGHT.items() for name in names]


@pytest.mark.parametrize("notebook, qualified_name", CASES, ids=[f"{n}:{q.rsplit('.', 1)[1]}" for n, q in CASES])
def test_notebook_shows_the_module_code_verbatim(notebook, qualified_name):
    path = NOTEBOOKS / notebook
    assert path.exists(), f"{notebook} is listed in TAUGHT but does not exist"
    cells = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    code = source_of(qualified_name)
    assert any(code in cell for cell in cells), (
        f"No code cell of {notebook} contains the current source of {qualified_name}; "
        "the notebook and course_utils have drifted apart"
    )
