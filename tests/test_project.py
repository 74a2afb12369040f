"""Checks on the project itself: declared dependencies agree, notebooks carry their outputs."""

import json
import os
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def pyproject_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(project["dependencies"]) | set(project["optional-dependencies"]["test"])


def environment_pip_lines() -> list[str]:
    """The entries of environment.yml's pip section (this file's layout is simple)."""
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = lines.index("  - pip:")
    return [line.strip().removeprefix("- ") for line in lines[start + 1 :] if line.startswith("      - ")]


def test_environment_yml_installs_what_make_installs():
    """The conda route gets the same packages at the same versions: pyproject's, through the lock."""
    assert environment_pip_lines() == ["-c requirements-lock.txt", "-e .[test]"]


def test_environment_yml_name_and_python():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^name: pytorch-nlp-course$", text, re.M)
    assert "- python=3.11" in text


def test_torch_is_pinned_exactly():
    assert "torch==2.13.0" in pyproject_requirements()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_with_outputs_of_one_top_to_bottom_run(path):
    """nbval compares nothing in a notebook saved without outputs, so insist that they are there."""
    cells = json.loads(path.read_text())["cells"]
    counts = [c["execution_count"] for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert counts, f"{path.name} has no code cells"
    assert None not in counts, f"{path.name} has unexecuted cells; run `make refresh`"
    assert counts == list(range(1, len(counts) + 1)), f"{path.name} was not run top to bottom; run `make refresh`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_raising_cell_is_tagged_so_run_all_goes_on(path):
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] != "code":
            continue
        raised = any(output["output_type"] == "error" for output in cell.get("outputs", []))
        tagged = "raises-exception" in cell["metadata"].get("tags", [])
        assert raised == tagged, f"{path.name} cell {index}: raised={raised} but raises-exception tag={tagged}"


def test_the_lock_pins_every_declared_package_and_torch_exactly():
    from tests.lock import locked, normalise

    lock = locked()
    names = {normalise(re.split(r"[=<>!~\[ ]", requirement)[0]) for requirement in pyproject_requirements()}
    missing = sorted(names - set(lock))
    assert not missing, f"requirements-lock.txt lacks {missing}: run `python tests/lock.py write`"
    assert lock["torch"] == "2.13.0"


@pytest.mark.skipif(os.environ.get("COURSE_CANARY") == "1", reason="the canary runs the newest releases on purpose")
def test_the_environment_is_the_locked_one():
    """Stored outputs are made and checked with the versions in requirements-lock.txt (`make` installs them)."""
    from tests.lock import installed, locked

    lock, now = locked(), installed()
    differ = {name: (lock[name], now.get(name)) for name in lock if now.get(name, lock[name]) != lock[name]}
    assert not differ, f"installed versions differ from requirements-lock.txt (lock, installed): {differ}"
