"""The take-home assignments: solution notebooks, self-checks, student versions and grading."""

import contextlib
import copy
import io
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from course_utils.assignments import ASSIGNMENTS
from course_utils.assignments import notebooks as assignments
from course_utils.assignments.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_DIR = ROOT / "teacher" / "assignments"
SOLUTIONS = sorted(SOLUTION_DIR.glob("*.ipynb"))
KEY_OF = {path: path.name[:2].lower() for path in SOLUTIONS}  # A1_... -> "a1"
QUESTIONS = [(key, name, question) for key, assignment in ASSIGNMENTS.items()
             for name, question in assignment.questions.items()]
BY_ID = {"ids": lambda p: p.name}


def read(path):
    return nbformat.read(path, as_version=4)


def solution_path(key):
    return next(path for path in SOLUTIONS if KEY_OF[path] == key)


def nbgrader_cells(nb):
    return [cell for cell in nb.cells if "nbgrader" in cell.metadata]


def namespace_of(nb):
    """Run a notebook's code in-process, minus its check cells and its deliberately raising cells."""
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in nb.cells:
            tags = cell.metadata.get("tags", [])
            if cell.cell_type == "code" and not assignments.is_grade(cell) and "raises-exception" not in tags:
                exec(cell.source, namespace)
    return namespace


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    assignments.write_student_versions([SOLUTION_DIR], out)
    return out


@pytest.fixture(scope="module")
def namespaces(student_dir):
    """For each assignment: the names the solution defines, and the names the student version defines."""
    return {KEY_OF[path]: (namespace_of(read(path)), namespace_of(read(student_dir / path.name)))
            for path in SOLUTIONS}


def test_there_are_three_assignments_with_checks():
    assert [path.name[:2] for path in SOLUTIONS] == ["A1", "A2", "A3"]
    assert sorted(ASSIGNMENTS) == ["a1", "a2", "a3"]


# ------------------------------------------------------------------------------------------------
# Solution notebooks: nbgrader metadata and markers
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_solution_notebook_is_valid_for_nbgrader(path):
    assert assignments.validate_solution_notebook(read(path)) == []


def test_grade_ids_are_unique_across_all_assignments_and_well_formed():
    ids = [cell.metadata.nbgrader["grade_id"] for path in SOLUTIONS for cell in nbgrader_cells(read(path))]
    assert len(ids) == len(set(ids)), f"duplicate grade_ids: {sorted(i for i in ids if ids.count(i) > 1)}"
    assert all(re.fullmatch(r"[a-zA-Z0-9_\-]+", grade_id) for grade_id in ids)


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_nbgrader_metadata_follows_schema_version_3(path):
    allowed = {"schema_version", "grade", "solution", "locked", "task", "grade_id", "points", "checksum", "cell_type"}
    for cell in nbgrader_cells(read(path)):
        meta = cell.metadata.nbgrader
        assert meta["schema_version"] == 3  # nbgrader keeps it per cell; there is no notebook-level version
        assert set(meta) <= allowed, set(meta) - allowed
        assert all(isinstance(meta[key], bool) for key in ("grade", "solution", "locked"))
        if meta["grade"]:
            assert isinstance(meta["points"], (int, float)) and meta["points"] > 0, meta["grade_id"]
        else:
            assert "points" not in meta, meta["grade_id"]
        if cell.cell_type == "markdown":
            assert meta["grade"] and meta["solution"], f"{meta['grade_id']}: markdown answers are grade AND solution"
        if meta["grade"] and not meta["solution"]:
            assert meta["locked"], f"{meta['grade_id']}: test cells are locked"


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_markers_are_balanced_and_in_the_right_cells(path):
    for cell in read(path).cells:
        lines = cell.source.split("\n")
        for begin, end, kind in [("### BEGIN SOLUTION", "### END SOLUTION", "solution"),
                                 ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS", "grade")]:
            marks = [line.strip() for line in lines if line.strip() in (begin, end)]
            assert marks == [begin, end] * (len(marks) // 2), f"unbalanced markers in:\n{cell.source}"
            assert all(begin.split(" ", 1)[1] not in line for line in lines if line.strip() not in (begin, end))
            if marks:
                assert cell.metadata.get("nbgrader", {}).get(kind), f"{kind} markers outside a {kind} cell"
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source, f"{meta['grade_id']} has no solution region"
        if assignments.is_autograded_test(cell):
            assert "### BEGIN HIDDEN TESTS" in cell.source, f"{meta['grade_id']} has no hidden tests"


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_points_announced_in_the_introduction_match_the_metadata(path):
    nb = read(path)
    announced = re.search(r"\*\*Points\.\*\* (\d+) points checked automatically and (\d+) points? graded by hand",
                          nb.cells[0].source)
    graded = [cell for cell in nbgrader_cells(nb) if cell.metadata.nbgrader["grade"]]
    auto = sum(cell.metadata.nbgrader["points"] for cell in graded if assignments.is_autograded_test(cell))
    by_hand = sum(cell.metadata.nbgrader["points"] for cell in graded if not assignments.is_autograded_test(cell))
    assert announced and (int(announced[1]), int(announced[2])) == (auto, by_hand)


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_every_question_is_answered_and_checked_in_its_notebook(path):
    key, nb = KEY_OF[path], read(path)
    answers = "\n".join(cell.source for cell in nb.cells if assignments.is_solution(cell))
    checks = [cell.source for cell in nb.cells if assignments.is_autograded_test(cell)]
    for name, question in ASSIGNMENTS[key].questions.items():
        assert re.search(rf"^(def|class) {question.answer_name}\b", answers, re.M), question.answer_name
        call = f"{key}.{name}.check({question.answer_name})"
        assert sum(source.startswith(call) for source in checks) == 1, call
        assert any(f"{key}.{name}.grade({question.answer_name}" in source for source in checks)


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_solution_notebook_is_stored_with_outputs_of_one_run(path):
    cells = json.loads(path.read_text())["cells"]
    counts = [cell["execution_count"] for cell in cells if cell["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1)), "run `make refresh`"
    for cell in cells:
        if cell["cell_type"] == "code":
            raised = any(output["output_type"] == "error" for output in cell["outputs"])
            assert raised == ("raises-exception" in cell["metadata"].get("tags", [])), cell["source"]
    printed = ["".join("".join(output.get("text", "")) for output in cell["outputs"]) for cell in cells
               if assignments.is_autograded_test(nbformat.from_dict(cell))]
    assert printed and all(text.startswith("Correct:") and "visible=pass" in text for text in printed)


# ------------------------------------------------------------------------------------------------
# Student versions
# ------------------------------------------------------------------------------------------------


def solution_regions(source):
    """The lines strictly inside each BEGIN/END SOLUTION pair, and the indentation of its BEGIN line."""
    regions, current = [], None
    for line in source.split("\n"):
        if line.strip() == "### BEGIN SOLUTION":
            current = (re.match(r"\s*", line).group(0), [])
        elif line.strip() == "### END SOLUTION":
            regions.append(current)
            current = None
        elif current is not None:
            current[1].append(line)
    return regions


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_no_line_of_any_solution_region_survives_in_the_student_version(path, student_dir):
    """Each line of a solution region may appear in the student version only as often as it appears
    OUTSIDE the regions in the solution (e.g. the buggy code a question shows on purpose)."""
    solution, student = read(path), read(student_dir / path.name)
    student_lines = Counter(line.strip() for cell in student.cells for line in cell.source.split("\n"))
    region_lines, outside_lines = [], Counter()
    for cell in solution.cells:
        inside = [line.strip() for _, region in solution_regions(cell.source) for line in region]
        region_lines += [line for line in inside if line]
        outside_lines.update(line.strip() for line in cell.source.split("\n"))
        outside_lines.subtract(inside)
    assert len(region_lines) > 20
    for line in region_lines:
        assert student_lines[line] <= outside_lines[line], f"solution line left in {path.name}: {line!r}"


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_student_version_has_stubs_no_hidden_tests_and_no_outputs(path, student_dir):
    solution, student = read(path), read(student_dir / path.name)
    assert len(solution.cells) == len(student.cells)
    for teacher, cell in zip(solution.cells, student.cells, strict=True):
        assert cell.metadata.get("nbgrader", {}).get("grade_id") == teacher.metadata.get("nbgrader", {}).get("grade_id")
        assert "BEGIN SOLUTION" not in cell.source and "HIDDEN TESTS" not in cell.source
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        regions = solution_regions(teacher.source)
        if teacher.cell_type == "code" and regions:
            for indent, _ in regions:
                assert f"{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError()" in cell.source
            assert cell.source.count("raise NotImplementedError()") == len(regions)
        elif regions:
            assert cell.source.count("YOUR ANSWER HERE") == len(regions)
        if assignments.is_autograded_test(teacher):
            hidden = teacher.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
            assert all(line not in cell.source for line in hidden.strip().split("\n"))
            assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False
        if not regions:
            assert assignments.remove_hidden_tests(teacher.source) == cell.source


def test_stub_keeps_the_indentation_of_the_region():
    source = "class A:\n    def f(self):\n        ### BEGIN SOLUTION\n        return 1\n        ### END SOLUTION\n"
    assert assignments.clear_solutions(source, "code") == (
        "class A:\n    def f(self):\n        # YOUR CODE HERE\n        raise NotImplementedError()\n")
    assert assignments.clear_solutions("Answer:\n### BEGIN SOLUTION\nyes\n### END SOLUTION", "markdown") == (
        "Answer:\nYOUR ANSWER HERE")


@pytest.mark.parametrize("source, problem", [
    ("x = 1\n### BEGIN SOLUTION\nx = 2\n", "has no"),
    ("### END SOLUTION\n", "without"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "nested"),
])
def test_unbalanced_markers_are_refused(source, problem):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.cells[0].metadata["nbgrader"] = {"schema_version": 3, "grade": False, "solution": True, "locked": False,
                                        "grade_id": "q"}
    with pytest.raises(ValueError, match=problem):
        assignments.make_student_notebook(nb)


def test_invalid_metadata_is_reported():
    nb = read(SOLUTIONS[0])
    broken = copy.deepcopy(nb)
    checks = [cell for cell in broken.cells if assignments.is_autograded_test(cell)]
    checks[1].metadata.nbgrader["grade_id"] = checks[0].metadata.nbgrader["grade_id"]
    del checks[2].metadata.nbgrader["points"]
    checks[3].metadata.nbgrader["schema_version"] = 2
    problems = "\n".join(assignments.validate_solution_notebook(broken))
    assert "duplicate grade_id" in problems and "needs points" in problems and "schema_version" in problems
    broken.cells[0].source += "\n### BEGIN SOLUTION\nx\n### END SOLUTION"
    assert "outside a solution cell" in "\n".join(assignments.validate_solution_notebook(broken))


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "course_utils.assignments", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_generator_refuses_to_overwrite_student_work_unless_forced(tmp_path, capsys):
    assert main(["student", str(SOLUTION_DIR), "-o", str(tmp_path)]) == 0
    assert capsys.readouterr().out.count("wrote") == 3
    work = tmp_path / SOLUTIONS[0].name
    work.write_text(work.read_text().replace("# YOUR CODE HERE", "# my own work"))
    before = work.read_text()

    result = run_cli("student", SOLUTION_DIR, "-o", tmp_path)  # once through the real command line
    assert result.returncode == 1 and "refusing to overwrite" in result.stderr and "--force" in result.stderr
    assert work.read_text() == before
    with pytest.raises(FileExistsError):
        assignments.write_student_versions([SOLUTIONS[1]], tmp_path)

    assert main(["student", str(SOLUTION_DIR), "-o", str(tmp_path), "--force"]) == 0
    assert "# my own work" not in work.read_text() and "# YOUR CODE HERE" in work.read_text()


# ------------------------------------------------------------------------------------------------
# The checks, called directly
# ------------------------------------------------------------------------------------------------


def test_no_solution_line_or_hidden_case_is_reachable_from_the_student_side(student_dir):
    """The student notebooks (solutions off), the installed package and the student folder hold no line of
    any solution region and no hidden case."""
    secret = set()
    for path in SOLUTIONS:
        for cell in read(path).cells:
            for _, region in solution_regions(cell.source):
                secret.update(line.strip() for line in region if len(line.strip()) > 25)
            if "### BEGIN HIDDEN TESTS" in cell.source:
                hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
                secret.update(line.strip() for line in hidden.split("\n") if line.strip())
    shown_on_purpose = {line.strip() for path in SOLUTIONS for cell in read(path).cells
                        if not assignments.is_solution(cell) for line in cell.source.split("\n")}
    secret -= shown_on_purpose
    assert len(secret) > 40
    package = ROOT / "course_utils"  # the taught modules show the course's own code (e.g. the LSTM equations)
    files = [*(package / "assignments").rglob("*.py"), *student_dir.rglob("*")]
    for path in files:
        if path.is_file():
            text = path.read_text(errors="replace")
            leaked = [line for line in secret if line in text]
            assert not leaked, f"{path}: {leaked[:2]}"
    assert "teacher" not in json.dumps(list(map(str, package.rglob("*"))))


def test_solutions_on_gives_solution_its_code(tmp_path, capsys):
    assignments.write_student_versions([SOLUTION_DIR], tmp_path, solutions=["a1"])
    a1_nb, a2_nb = read(tmp_path / SOLUTIONS[0].name), read(tmp_path / SOLUTIONS[1].name)
    cells = [cell for cell in a1_nb.cells if "solutions" in cell.metadata.get("tags", [])]
    assert len(cells) == 1 and not any("solutions" in cell.metadata.get("tags", []) for cell in a2_nb.cells)
    from course_utils.assignments.core import Assignment, Question

    copy_of_a1 = Assignment("copy", **{key: Question(q.number, q.title, q.answer_name, q.test, q.hint_text)
                                       for key, q in ASSIGNMENTS["a1"].questions.items()})
    exec(cells[0].source, {"a1": copy_of_a1})
    copy_of_a1.q3.solution()
    assert "def pairwise_distances" in capsys.readouterr().out
