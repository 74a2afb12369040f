"""Real-data mode: every notebook runs to its end on Kaggle's real tweet file.

The README invites teachers to set ``COURSE_TWEETS=path/to/tweet_emotions.csv`` and run the course on
real tweets. This test does exactly that when ``COURSE_REAL_TWEETS`` names such a file (`.ci/run` sets
it when one is available; the file's licence keeps it out of this repository), once on the whole file
and once on a shuffled random subset, and checks that each notebook runs to its end: only cells tagged
``raises-exception`` may raise. Stored outputs are not compared (they are those of the bundled data).
Without the file the tests are skipped with that reason.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL_FILE = os.environ.get("COURSE_REAL_TWEETS", "")
# the course notebooks and the solution notebooks of the take-home assignments
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted(
    (ROOT / "teacher" / "assignments").glob("*.ipynb")
)
# The settings of `make test` (Makefile NB_ENV), plus the real-data switch.
NOTEBOOK_ENV = {
    "OMP_WAIT_POLICY": "PASSIVE",
    "COURSE_DEVICE": "cpu",
    "PYTHONHASHSEED": "0",
    "COURSE_UTILS_PROGRESS": "0",
    "TQDM_DISABLE": "1",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}

pytestmark = pytest.mark.skipif(
    not REAL_FILE or not Path(REAL_FILE).is_file(),
    reason="set COURSE_REAL_TWEETS=path/to/tweet_emotions.csv (Kaggle's real file) to run the notebooks on it",
)


def loads_tweets(path: Path) -> bool:
    cells = json.loads(path.read_text())["cells"]
    return any("load_emotion_tweets" in "".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")


def run_to_the_end(notebook: Path, tweets: Path, out_dir: Path) -> None:
    env = {**os.environ, **NOTEBOOK_ENV, "COURSE_TWEETS": str(tweets)}
    result = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=300", "--output-dir", str(out_dir), str(notebook)],
        env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, f"{notebook.name} stopped on {tweets.name}:\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def shuffled_subset(tmp_path_factory) -> Path:
    """A random 30 % of the real rows, shuffled, in the same CSV layout."""
    rows = pd.read_csv(REAL_FILE, dtype=str, keep_default_na=False)
    path = tmp_path_factory.mktemp("subset") / "tweet_emotions_subset.csv"
    rows.sample(frac=0.3, random_state=7).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_to_its_end_on_the_real_file(notebook, tmp_path):
    run_to_the_end(notebook, Path(REAL_FILE), tmp_path)


@pytest.mark.parametrize("notebook", [p for p in NOTEBOOKS if loads_tweets(p)], ids=lambda p: p.name)
def test_notebook_runs_to_its_end_on_a_shuffled_subset_of_it(notebook, shuffled_subset, tmp_path):
    run_to_the_end(notebook, shuffled_subset, tmp_path)
