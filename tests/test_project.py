"""Checks on the project itself: declared dependencies agree, notebooks carry their outputs."""

import json
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def pyproject_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(project["dependencies"]) | set(project["optional-dependencies"]["test"])


def environment_requirements() -> set[str]:
    """The packages of environment.yml: conda ones, then the pip section (this file's layout is simple)."""
    packages = set()
    for line in (ROOT / "environment.yml").read_text().splitlines():
        match = re.match(r"^\s+- (\S.*)$", line)
        if match and not match.group(1).endswith(":"):
            packages.add(match.group(1).strip())
    return packages - {"conda-forge", "python=3.11", "pip", "-e ."}


def test_environment_yml_declares_the_same_packages_as_pyproject():
    assert environment_requirements() == pyproject_requirements()


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
