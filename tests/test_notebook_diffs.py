"""Readable notebook diffs for maintainers: `git diff` on a notebook shows cells, not JSON (nbdime).

`make` (its install step) runs `nbdime config-git --enable` and points git's `jupyternotebook` diff and merge
drivers at this venv; `.gitattributes` assigns them to `*.ipynb`. Checked here on a throwaway repository.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LINE = "*.ipynb diff=jupyternotebook merge=jupyternotebook"


def notebook(path: Path, text: str) -> Path:
    cells = [nbformat.v4.new_markdown_cell("# Title", id="title"), nbformat.v4.new_code_cell(text, id="code")]
    nb = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(nb, path)
    return path


def test_gitattributes_sends_notebooks_to_nbdime():
    assert LINE in (ROOT / ".gitattributes").read_text().splitlines()


def test_nbdime_diff_shows_the_changed_cell(tmp_path):
    before = notebook(tmp_path / "before.ipynb", "x = 1")
    after = notebook(tmp_path / "after.ipynb", "x = 2")
    out = subprocess.run([sys.executable, "-m", "nbdime", "diff", "--no-color", str(before), str(after)],
                         capture_output=True, text=True, check=True).stdout
    assert "modified /cells/1/source" in out and "-  x = 1" in out and "+  x = 2" in out


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_diff_of_a_notebook_is_cell_level(tmp_path):
    def git(*args: str) -> str:
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=tmp_path,
                              capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    shutil.copy(ROOT / ".gitattributes", tmp_path / ".gitattributes")
    git("config", "diff.jupyternotebook.command", f"'{BIN / 'git-nbdiffdriver'}' diff --no-color")  # as `make` does
    path = notebook(tmp_path / "n.ipynb", "x = 1")
    git("add", ".")
    git("commit", "-q", "-m", "start")
    notebook(path, "x = 2")
    out = git("diff", "n.ipynb")
    assert "modified /cells/1/source" in out and "+  x = 2" in out and '"cell_type"' not in out
