"""The solution notebooks' nbgrader metadata, and the student versions made from them.

A teacher keeps SOLUTION notebooks (``teacher/assignments/``), in nbgrader's conventions, so nbgrader
itself can take them unchanged:

* cell metadata ``{"nbgrader": {"schema_version": 3, "grade": ..., "solution": ..., "locked": ...,
  "grade_id": ..., "points": ...}}`` (schema_version is per cell: nbgrader has no notebook-level one);
* in solution cells, the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION``;
* in graded test cells, the lines between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``.

``write_student_versions`` writes the notebooks to hand out: each solution region becomes
``# YOUR CODE HERE`` / ``raise NotImplementedError()`` (with the region's indentation), each markdown
solution region "YOUR ANSWER HERE"; hidden tests are removed, outputs and execution metadata cleared.
With ``solutions`` (self-study), a read-only cell after the setup cell gives ``aN.qK.solution()`` the
teacher's code; without it, no line of any solution is in the notebook.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import nbformat

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
        cell.metadata.pop("execution", None)  # the teacher's run times
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


def assignment_key(nb) -> str | None:
    """``"a1"`` for a notebook whose graded cells are ``a1_...``; None if it has none."""
    for cell in nb.cells:
        identifier = grade_id(cell)
        if identifier and "_" in identifier:
            return identifier.split("_", 1)[0]
    return None


def solution_code(cell) -> str:
    """The teacher's answer cell without its markers: what ``solution()`` prints."""
    return "\n".join(line for line in cell.source.split("\n")
                     if BEGIN_SOLUTION not in line and END_SOLUTION not in line).strip()


def solutions_cell(solution_nb, key: str):
    """A read-only code cell that hands the teacher's solutions to ``aN.qK.solution()`` (self-study)."""
    pattern = re.compile(rf"^{re.escape(key)}_(q\d+)_answer$")
    solutions = {match[1]: solution_code(cell) for cell in solution_nb.cells
                 if cell.cell_type == "code" and (match := pattern.match(grade_id(cell) or ""))}
    lines = ["# Your teacher handed this assignment out with its solutions: " + key + ".qN.solution() prints them.",
             f"{key}.allow_solutions({{"]
    lines += [f"    {name!r}: {code!r}," for name, code in solutions.items()]
    lines.append("})")
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata.update({"editable": False, "deletable": False, "jupyter": {"source_hidden": True},
                          "tags": ["solutions"]})
    return cell


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def write_student_versions(sources: Sequence[str | Path], out_dir: str | Path, force: bool = False,
                           solutions: Iterable[str] = ()) -> list[Path]:
    """Write the student version of each solution notebook into ``out_dir`` (same file names).

    ``solutions``: the assignments (``"a1"``, ...; ``"all"``) whose solutions ``solution()`` may print.
    Raises ``FileExistsError`` (and writes nothing) if a target exists, unless ``force``; refuses, even
    with ``force``, to write into a folder that holds solution notebooks.
    """
    notebooks, out_dir = _notebooks_in(sources), Path(out_dir)
    solution_folders = {path.parent for path in notebooks}
    if any(_inside(out_dir, folder) for folder in solution_folders) or any(
            BEGIN_SOLUTION in path.read_text(errors="replace") for path in out_dir.glob("*.ipynb")):
        raise FileExistsError(f"refusing to write student notebooks into {out_dir}: it holds the teacher's "
                              "solution notebooks. Choose another folder (-o).")
    targets = [out_dir / path.name for path in notebooks]
    existing = [target for target in targets if target.exists()]
    if existing and not force:
        raise FileExistsError(
            "refusing to overwrite student notebooks that may hold a student's work: "
            + ", ".join(map(str, existing))
            + ". Move them away, or pass --force (make student FORCE=1) to replace them."
        )
    wanted = set(solutions)
    student_versions = []
    for path in notebooks:
        solution_nb = nbformat.read(path, as_version=4)
        nb = make_student_notebook(solution_nb)
        key = assignment_key(solution_nb)
        if key and ("all" in wanted or key in wanted):
            setup = next(index for index, cell in enumerate(nb.cells) if grade_id(cell) == f"{key}_setup")
            nb.cells.insert(setup + 1, solutions_cell(solution_nb, key))
        student_versions.append(nb)
    out_dir.mkdir(parents=True, exist_ok=True)
    for target, nb in zip(targets, student_versions, strict=True):
        nbformat.write(nb, target)
    return targets
