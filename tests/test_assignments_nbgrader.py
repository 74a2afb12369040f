"""The real nbgrader accepts the solution notebooks unchanged: generate_assignment makes the student
release, and autograde gives the solutions full marks and the untouched release nothing.

nbgrader is not a dependency of the course. The test runs when an nbgrader executable is found: the
one named by COURSE_NBGRADER (e.g. a throwaway venv: python3 -m venv /tmp/nbg-venv &&
/tmp/nbg-venv/bin/pip install nbgrader==0.9.6, then COURSE_NBGRADER=/tmp/nbg-venv/bin/nbgrader), or
`nbgrader` on the PATH. Grading kernels are this environment's Python, which imports course_utils."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEACHER = ROOT / "teacher" / "assignments"
NBGRADER = os.environ.get("COURSE_NBGRADER") or shutil.which("nbgrader")

pytestmark = pytest.mark.skipif(NBGRADER is None, reason="nbgrader not installed: set COURSE_NBGRADER to run "
                                                         "(see this file's docstring)")


def test_nbgrader_generates_and_autogrades_the_solution_notebooks(tmp_path):
    kernels = tmp_path / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "course", "language": "python"}))
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\n"
                                               "c.ExecutePreprocessor.timeout = 300\n")
    env = {**os.environ, "JUPYTER_PATH": str(tmp_path / "jupyter"), "COURSE_DEVICE": "cpu",
           "PATH": f"{Path(NBGRADER).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    names = {path.name[:2]: path for path in sorted(TEACHER.glob("*.ipynb"))}
    for assignment, path in names.items():
        (course / "source" / assignment).mkdir(parents=True)
        shutil.copy(path, course / "source" / assignment / path.name)
        subprocess.run([NBGRADER, "generate_assignment", assignment, "--force"], cwd=course, env=env, check=True,
                       capture_output=True)
        release = course / "release" / assignment / path.name
        assert "BEGIN SOLUTION" not in release.read_text() and "HIDDEN TESTS" not in release.read_text()
        for student, source in [("solved", path), ("blank", release)]:
            (course / "submitted" / student / assignment).mkdir(parents=True)
            shutil.copy(source, course / "submitted" / student / assignment / path.name)
        subprocess.run([NBGRADER, "autograde", assignment, "--force"], cwd=course, env=env, check=True,
                       capture_output=True)
    script = (f"from nbgrader.api import Gradebook\nwith Gradebook('sqlite:///{course}/gradebook.db') as gb:\n"
              f"    for a in {sorted(names)!r}:\n        for s in ('solved', 'blank'):\n"
              "            sub = gb.find_submission(a, s)\n"
              "            auto = [g for nb in sub.notebooks for g in nb.grades if g.auto_score is not None]\n"
              "            print(a, s, sum(g.auto_score for g in auto), sum(g.max_score for g in auto))\n")
    python = Path(NBGRADER).parent / "python"
    lines = subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True).stdout.split("\n")
    scores = {(a, s): (float(x), float(y)) for a, s, x, y in (line.split() for line in lines if line)}
    for assignment in names:
        earned, possible = scores[(assignment, "solved")]
        assert earned == possible > 0
        assert scores[(assignment, "blank")][0] == 0.0
