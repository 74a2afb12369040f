"""Student versions and grading of the take-home assignments, compatible with nbgrader.

A teacher keeps SOLUTION notebooks (``notebooks/assignments/``). They use nbgrader's conventions,
so nbgrader itself can also take them unchanged:

* cell metadata ``{"nbgrader": {"schema_version": 3, "grade": ..., "solution": ..., "locked": ...,
  "grade_id": ..., "points": ...}}`` (schema_version is per cell: nbgrader has no notebook-level one);
* in solution cells, the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION``;
* in graded test cells, the lines between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``.

Two commands, from the repository root::

    python -m course_utils.assignments student notebooks/assignments -o student/ [--force]
    python -m course_utils.assignments grade notebooks/assignments student/A1_tensors_and_broadcasting.ipynb

``student`` writes the notebooks to hand out: each solution region becomes ``# YOUR CODE HERE`` and
``raise NotImplementedError()`` (with the region's indentation), each markdown solution region
"YOUR ANSWER HERE"; hidden tests are removed and outputs cleared. It never overwrites an existing
student notebook unless given ``--force``, so nobody's work is lost by accident.

``grade`` puts the teacher's version of every locked and test cell back into a completed notebook
(so the hidden tests run, and edited tests do not count), executes it, and prints a score table.
As in nbgrader, a test cell earns its points when it runs without an error and without writing to
stderr; markdown answers are left to grade by hand (0 points if still unanswered).
Grading runs the student's code: for untrusted submissions, grade inside a container.
"""

from __future__ import annotations

import argparse
import copy
import csv
import re
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

SCHEMA_VERSION = 3
BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
TEXT_STUB = ["YOUR ANSWER HERE"]
GRADE_ID_PATTERN = re.compile(r"^[a-zA-Z0-9_\-]+$")  # nbgrader's rule for grade ids


# ---------------------------------------------------------------------------------------------
# Reading nbgrader metadata
# ---------------------------------------------------------------------------------------------


def nbgrader_metadata(cell) -> dict:
    """The cell's ``metadata["nbgrader"]`` dict (empty for ordinary cells)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def is_solution(cell) -> bool:
    return bool(nbgrader_metadata(cell).get("solution", False))


def is_grade(cell) -> bool:
    return bool(nbgrader_metadata(cell).get("grade", False))


def is_locked(cell) -> bool:
    """Locked cells are restored from the teacher's version when grading (test cells always are)."""
    meta = nbgrader_metadata(cell)
    return not meta.get("solution", False) and (meta.get("grade", False) or meta.get("locked", False))


def is_autograded_test(cell) -> bool:
    """A code cell that earns its points by running without errors."""
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


def grade_id(cell) -> str | None:
    return nbgrader_metadata(cell).get("grade_id")


def _region_lines(source: str, begin: str, end: str) -> list[tuple[int, int]]:
    """(begin line, end line) index pairs of the regions; ValueError if unbalanced or nested."""
    regions, start = [], None
    for index, line in enumerate(source.split("\n")):
        if begin in line:
            if start is not None:
                raise ValueError(f"nested '{begin}' at line {index + 1}")
            start = index
        elif end in line:
            if start is None:
                raise ValueError(f"'{end}' without '{begin}' at line {index + 1}")
            regions.append((start, index))
            start = None
    if start is not None:
        raise ValueError(f"'{begin}' at line {start + 1} has no '{end}'")
    return regions


def validate_solution_notebook(nb) -> list[str]:
    """Problems that would stop nbgrader (or this module) from using ``nb``; empty when all is well."""
    problems, seen = [], set()
    for index, cell in enumerate(nb.cells):
        where = f"cell {index}"
        meta = nbgrader_metadata(cell)
        try:
            solution_regions = _region_lines(cell.source, BEGIN_SOLUTION, END_SOLUTION)
            hidden_regions = _region_lines(cell.source, BEGIN_HIDDEN, END_HIDDEN)
        except ValueError as error:
            problems.append(f"{where}: {error}")
            continue
        if solution_regions and not meta.get("solution"):
            problems.append(f"{where}: a solution region outside a solution cell")
        if hidden_regions and not meta.get("grade"):
            problems.append(f"{where}: hidden tests outside a graded cell")
        if not meta:
            continue
        if meta.get("schema_version") != SCHEMA_VERSION:
            problems.append(f"{where}: schema_version must be {SCHEMA_VERSION}, got {meta.get('schema_version')}")
        for key in ("grade", "solution", "locked"):
            if not isinstance(meta.get(key), bool):
                problems.append(f"{where}: '{key}' must be true or false")
        if not (meta.get("grade") or meta.get("solution") or meta.get("locked")):
            continue
        identifier = meta.get("grade_id")
        if not isinstance(identifier, str) or not GRADE_ID_PATTERN.match(identifier):
            problems.append(f"{where}: grade_id must be letters, digits, '_' or '-', got {identifier!r}")
        elif identifier in seen:
            problems.append(f"{where}: duplicate grade_id {identifier!r}")
        seen.add(identifier)
        points = meta.get("points")
        if meta.get("grade") and (isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0):
            problems.append(f"{where} ({identifier}): a graded cell needs points >= 0, got {points!r}")
        if cell.cell_type == "markdown" and meta.get("grade") != meta.get("solution"):
            problems.append(f"{where} ({identifier}): a markdown answer must be both 'grade' and 'solution'")
    return problems


# ---------------------------------------------------------------------------------------------
# Making the student version
# ---------------------------------------------------------------------------------------------


def clear_solutions(source: str, cell_type: str) -> str:
    """Replace each solution region by the stub, indented like its ``BEGIN SOLUTION`` line."""
    stub = CODE_STUB if cell_type == "code" else TEXT_STUB
    lines, result = source.split("\n"), []
    regions = _region_lines(source, BEGIN_SOLUTION, END_SOLUTION)
    starts, inside = {start: end for start, end in regions}, set()
    for start, end in regions:
        inside.update(range(start, end + 1))
    for index, line in enumerate(lines):
        if index in starts:
            indent = re.match(r"\s*", line).group(0)
            result.extend(indent + stub_line for stub_line in stub)
        elif index not in inside:
            result.append(line)
    return "\n".join(result)


def remove_hidden_tests(source: str) -> str:
    """Drop every hidden-test region, markers included."""
    inside = set()
    for start, end in _region_lines(source, BEGIN_HIDDEN, END_HIDDEN):
        inside.update(range(start, end + 1))
    return "\n".join(line for index, line in enumerate(source.split("\n")) if index not in inside).rstrip("\n")


def make_student_notebook(solution_nb):
    """Return the student version of a solution notebook (the input is not modified)."""
    problems = validate_solution_notebook(solution_nb)
    if problems:
        raise ValueError("the solution notebook is not valid:\n  " + "\n  ".join(problems))
    nb = copy.deepcopy(solution_nb)
    for cell in nb.cells:
        meta = nbgrader_metadata(cell)
        if is_solution(cell):
            if _region_lines(cell.source, BEGIN_SOLUTION, END_SOLUTION):
                cell.source = clear_solutions(cell.source, cell.cell_type)
            else:  # a solution cell without regions is replaced as a whole, as nbgrader does
                cell.source = "\n".join(CODE_STUB if cell.cell_type == "code" else TEXT_STUB)
        if is_grade(cell):
            cell.source = remove_hidden_tests(cell.source)
        if meta:
            meta["cell_type"] = cell.cell_type  # as nbgrader records it, to spot changed cell types
        if is_locked(cell) or is_grade(cell) or is_solution(cell):
            cell.metadata["deletable"] = False  # as nbgrader does: grading needs every such cell back
        if is_locked(cell):
            cell.metadata["editable"] = False  # JupyterLab keeps read-only cells read-only
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("celltoolbar", None)
    return nb


def _notebooks_in(paths: Iterable[str | Path]) -> list[Path]:
    notebooks = []
    for path in map(Path, paths):
        if path.is_dir():
            notebooks += sorted(path.glob("*.ipynb"))
        elif path.suffix == ".ipynb" and path.is_file():
            notebooks.append(path)
        else:
            raise FileNotFoundError(f"no notebook or folder of notebooks at {path}")
    if not notebooks:
        raise FileNotFoundError("no .ipynb files found in " + ", ".join(map(str, paths)))
    return notebooks


def write_student_versions(sources: Sequence[str | Path], out_dir: str | Path, force: bool = False) -> list[Path]:
    """Write the student version of each solution notebook into ``out_dir`` (same file names).

    Raises ``FileExistsError`` (and writes nothing) if a target exists, unless ``force``.
    """
    notebooks, out_dir = _notebooks_in(sources), Path(out_dir)
    targets = [out_dir / path.name for path in notebooks]
    existing = [target for target in targets if target.exists()]
    if existing and not force:
        raise FileExistsError(
            "refusing to overwrite student notebooks that may hold a student's work: "
            + ", ".join(map(str, existing))
            + ". Move them away, or pass --force (make student FORCE=1) to replace them."
        )
    student_versions = [make_student_notebook(nbformat.read(path, as_version=4)) for path in notebooks]
    out_dir.mkdir(parents=True, exist_ok=True)
    for target, nb in zip(targets, student_versions, strict=True):
        nbformat.write(nb, target)
    return targets


# ---------------------------------------------------------------------------------------------
# Grading
# ---------------------------------------------------------------------------------------------


@dataclass
class Score:
    """One graded cell: ``earned`` is None while a person still has to grade it."""

    grade_id: str
    earned: float | None
    possible: float
    status: str


@dataclass
class Report:
    """The scores of one submission, and notes on errors outside the graded cells (they explain failures)."""

    scores: list[Score]
    notes: list[str]


def execute_notebook(nb, working_dir: str | Path, timeout: int = 120):
    """Execute ``nb`` in place (errors are recorded as outputs, not raised); return it.

    A cell that runs longer than ``timeout`` seconds is interrupted (it gets a KeyboardInterrupt
    error) and the run goes on. If the kernel dies, the run stops: the cells after that keep no
    execution count, and grading counts them as not run.
    """
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            interrupt_on_timeout=True, resources={"metadata": {"path": str(working_dir)}})
    try:
        client.execute()
    except (CellTimeoutError, DeadKernelError) as error:
        nb.metadata["grading_stopped"] = f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return nb


def restore_teacher_cells(submission, solution_nb):
    """Put the teacher's source back into every locked and test cell of ``submission`` (by grade_id).

    Returns the notebook to run and the grade_ids of graded cells missing from the submission.
    """
    teacher_cells = {grade_id(cell): cell for cell in solution_nb.cells if grade_id(cell)}
    nb = copy.deepcopy(submission)
    present = set()
    for cell in nb.cells:
        identifier = grade_id(cell)
        if identifier is None:
            continue
        present.add(identifier)
        teacher = teacher_cells.get(identifier)
        if teacher is not None and is_locked(teacher):
            cell.source = teacher.source
            cell.cell_type = teacher.cell_type
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    missing = [identifier for identifier, cell in teacher_cells.items() if is_grade(cell) and identifier not in present]
    return nb, missing


def _failure_reason(cell) -> str | None:
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            if output.ename == "KeyboardInterrupt":
                return "failed: interrupted after the timeout"
            if output.evalue.startswith("Not done yet"):  # the message of the course's checks
                return "failed: not done yet"
            return f"failed: {output.ename}"
        if output.output_type == "stream" and output.name == "stderr":
            return "failed: wrote to stderr"
    return None


def ungraded_errors(executed_nb) -> list[str]:
    """Errors in cells that are not graded and not meant to raise, e.g. a broken import or a timeout."""
    notes = []
    for index, cell in enumerate(executed_nb.cells):
        if cell.cell_type != "code" or is_grade(cell) or "raises-exception" in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                name = grade_id(cell) or f"cell {index}"
                hint = " (interrupted: the cell ran past the --timeout)" if output.ename == "KeyboardInterrupt" else ""
                notes.append(f"{name} raised {output.ename}{hint}")
    if "grading_stopped" in executed_nb.metadata:
        notes.append(f"the run stopped early: {executed_nb.metadata['grading_stopped']}")
    return notes


def score_notebook(executed_nb, solution_nb, missing: Sequence[str] = ()) -> list[Score]:
    """Score every graded cell of an executed, restored submission, in the teacher's order."""
    unanswered = {grade_id(cell): cell.source for cell in make_student_notebook(solution_nb).cells if grade_id(cell)}
    submitted = {grade_id(cell): cell for cell in executed_nb.cells if grade_id(cell)}
    scores = []
    for teacher in solution_nb.cells:
        identifier = grade_id(teacher)
        if not is_grade(teacher):
            continue
        possible = float(nbgrader_metadata(teacher)["points"])
        cell = submitted.get(identifier)
        if identifier in missing or cell is None:
            scores.append(Score(identifier, 0.0, possible, "missing from the submission"))
        elif is_autograded_test(teacher):
            if cell.get("execution_count") is None:
                scores.append(Score(identifier, 0.0, possible, "not run (an earlier cell timed out)"))
            else:
                reason = _failure_reason(cell)
                scores.append(Score(identifier, 0.0 if reason else possible, possible, reason or "passed"))
        elif cell.source.strip() == unanswered[identifier].strip():
            scores.append(Score(identifier, 0.0, possible, "unanswered"))
        else:
            scores.append(Score(identifier, None, possible, "to grade by hand"))
    return scores


def find_solution_for(submission_path: Path, solution: str | Path) -> Path:
    """The solution notebook for a submission: ``solution`` itself, or the same file name in that folder."""
    solution = Path(solution)
    if solution.is_file():
        return solution
    candidate = solution / submission_path.name
    if candidate.is_file():
        return candidate
    submitted_ids = {grade_id(cell) for cell in nbformat.read(submission_path, as_version=4).cells} - {None}
    for path in _notebooks_in([solution]):
        if submitted_ids & {grade_id(cell) for cell in nbformat.read(path, as_version=4).cells}:
            return path
    raise FileNotFoundError(f"no solution notebook in {solution} matches {submission_path.name}")


def grade_submission(solution: str | Path, submission: str | Path, timeout: int = 120,
                     executed_path: str | Path | None = None) -> Report:
    """Restore the teacher's cells in ``submission``, execute it, and score it against ``solution``."""
    submission = Path(submission)
    solution_nb = nbformat.read(find_solution_for(submission, solution), as_version=4)
    problems = validate_solution_notebook(solution_nb)
    if problems:
        raise ValueError("the solution notebook is not valid:\n  " + "\n  ".join(problems))
    nb, missing = restore_teacher_cells(nbformat.read(submission, as_version=4), solution_nb)
    execute_notebook(nb, submission.resolve().parent, timeout)
    if executed_path is not None:
        nbformat.write(nb, executed_path)
    return Report(score_notebook(nb, solution_nb, missing), ungraded_errors(nb))


def _points(value: float) -> str:
    return f"{value:g}"


def format_report(report: Report, title: str = "") -> str:
    """A plain-text table: one row per graded cell, the totals, then any notes."""
    scores = report.scores
    width = max([len("grade_id"), *(len(score.grade_id) for score in scores)])
    lines = [title] if title else []
    lines.append(f"{'grade_id':<{width}}  {'points':>9}  status")
    lines.append("-" * (width + 30))
    for score in scores:
        earned = "?" if score.earned is None else _points(score.earned)
        lines.append(f"{score.grade_id:<{width}}  {earned + ' / ' + _points(score.possible):>9}  {score.status}")
    auto = [score for score in scores if score.earned is not None]
    pending = [score for score in scores if score.earned is None]
    earned, possible = sum(score.earned for score in auto), sum(score.possible for score in auto)
    percent = 100 * earned / possible if possible else 100.0
    lines.append("-" * (width + 30))
    lines.append(f"{'total scored':<{width}}  {_points(earned) + ' / ' + _points(possible):>9}  ({percent:.0f}%)")
    if pending:
        lines.append(f"{'to grade by hand':<{width}}  {_points(sum(s.possible for s in pending)):>9}  point(s) in "
                     + ", ".join(score.grade_id for score in pending))
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.assignments", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    student = commands.add_parser("student", help="write the student versions of solution notebooks")
    student.add_argument("sources", nargs="+", help="solution notebooks, or folders of them")
    student.add_argument("-o", "--output", default="student", help="folder for the student notebooks (student/)")
    student.add_argument("--force", action="store_true", help="overwrite existing student notebooks")

    grade = commands.add_parser("grade", help="run completed notebooks with the hidden tests and score them")
    grade.add_argument("solution", help="the solution notebook, or the folder of solution notebooks")
    grade.add_argument("submissions", nargs="+", help="completed student notebooks")
    grade.add_argument("--timeout", type=int, default=120, help="seconds allowed per cell (120)")
    grade.add_argument("--csv", help="also append one row per graded cell to this CSV file")
    grade.add_argument("--executed", help="save the executed notebooks (with all feedback) under this folder")
    grade.add_argument("--jobs", type=int, default=1, help="notebooks graded at the same time (1)")

    args = parser.parse_args(argv)
    if args.command == "student":
        try:
            written = write_student_versions(args.sources, args.output, force=args.force)
        except (FileExistsError, FileNotFoundError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        for path in written:
            print(f"wrote {path}")
        return 0

    def grade_one(submission: Path) -> Report | str:
        executed = None
        if args.executed:  # one folder per student folder: submissions/alice/A1.ipynb -> EXECUTED/alice/A1.ipynb
            executed = Path(args.executed) / submission.resolve().parent.name / submission.name
            executed.parent.mkdir(parents=True, exist_ok=True)
        try:
            return grade_submission(args.solution, submission, timeout=args.timeout, executed_path=executed)
        except (FileNotFoundError, ValueError) as error:
            return f"error: {submission}: {error}"

    submissions = [Path(path) for path in args.submissions]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(grade_one, submissions))
    rows, failed = [], False
    for submission, result in zip(submissions, results, strict=True):
        if isinstance(result, str):
            print(result, file=sys.stderr)
            failed = True
            continue
        print(format_report(result, title=f"\n{submission}"))
        rows += [[str(submission), s.grade_id, "" if s.earned is None else s.earned, s.possible, s.status]
                 for s in result.scores]
    if args.csv:
        new_file = not Path(args.csv).exists()
        with open(args.csv, "a", newline="") as handle:
            writer = csv.writer(handle)
            if new_file:
                writer.writerow(["notebook", "grade_id", "earned", "possible", "status"])
            writer.writerows(rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
