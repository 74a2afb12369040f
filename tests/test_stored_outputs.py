"""Stored notebook outputs name no file of the machine that made them.

`make refresh` runs tests/scrub_paths.py after executing the notebooks; this test fails if an
absolute path slipped through anyway (a printed temporary folder, a home directory, a virtual
environment), which would be noise for a student and a leak of the maintainer's machine.
"""

import json
import re
from pathlib import Path

import pytest

from tests.scrub_paths import path_rules, scrub_text

ROOT = Path(__file__).resolve().parents[1]
# the course notebooks and the teacher's solution notebooks of the assignments
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb")) + sorted((ROOT / "teacher").rglob("*.ipynb"))
NOTEBOOKS = [path for path in NOTEBOOKS if ".ipynb_checkpoints" not in path.parts]

# An absolute path under a folder that only exists on the machine that ran the notebook.
MACHINE_PATH = re.compile(
    r"(?<![\w.<>~-])/(?:home|root|Users|work|tmp|private|var/folders|opt|usr/local|srv|mnt)/[\w.\-/]+"
    r"|[A-Za-z]:\\\\(?:Users|Documents and Settings)\\\\"
    r"|/[\w.\-]+/(?:site-packages|dist-packages|\.venv|venv)/"
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def output_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from output_strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from output_strings(item)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_stored_outputs_hold_no_absolute_path_of_the_executing_machine(path):
    found = []
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        for output in cell.get("outputs", []):
            for text in output_strings(output):
                for match in MACHINE_PATH.finditer(ANSI.sub("", text)):
                    found.append(f"cell {index}: {match.group(0)}")
    assert not found, f"{path.name}: absolute paths in stored outputs (run `make refresh`): {found[:5]}"


def test_the_scrubber_replaces_venv_stdlib_and_course_paths():
    rules = path_rules()
    text = (
        'File /home/ann/course/.venv/lib/python3.11/site-packages/torch/nn/modules/module.py:1778, '
        'File /usr/lib/python3.11/json/decoder.py:337, File /home/ann/course/course_utils/text.py:12'
    )
    scrubbed = scrub_text(text, rules)
    assert scrubbed == (
        "File <site-packages>/torch/nn/modules/module.py:1778, "
        "File <python-lib>/json/decoder.py:337, File course_utils/text.py:12"
    )
    assert not MACHINE_PATH.search(scrubbed)
    assert scrub_text(scrubbed, rules) == scrubbed, "scrubbing twice must change nothing (nbval compares scrubbed text)"
