"""Grading completed assignment notebooks, one submission at a time, on positive evidence only.

For each submission the grader

1. copies it alone into a fresh temporary folder (a malformed file is reported, and the run goes on);
2. puts the teacher's version of every read-only cell back (re-inserting deleted ones) and reports
   every read-only cell the student edited, and any answer cell that tampers with the grading (a
   rebound checker, an exception hook, code assigned into ``torch``, ...): a tampering submission
   scores 0 automatic points and is flagged for the teacher;
3. runs it in a fresh kernel, under bubblewrap when ``bwrap`` is installed (no network, only its own
   folder writable, the teacher's folders invisible), with a time limit per cell and a deadline for
   the whole notebook, after which the kernel's process group is killed;
4. scores each graded cell from its OWN output: the cell earns points only if it shows the line that
   the grader's private copy of the checks printed (with a per-run secret), so a fake checker, a
   patched ``Question`` or an exception hook earns nothing. An error that a kernel hook swallowed
   still counts as an error, as in nbgrader.

The feedback notebook for the student shows the verdicts and a one-line grading summary per question,
never the hidden cases.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import hashlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

from course_utils.assignments import notebooks as nbmeta
from course_utils.assignments.core import GRADE_PREFIX, _one_line

PACKAGE_DIR = Path(__file__).resolve().parent
CHECK_MODULES = {"a1": "a1_tensors", "a2": "a2_text", "a3": "a3_recurrent"}
NO_SANDBOX_WARNING = ("bubblewrap (bwrap) is not installed: the submissions run with YOUR rights and can read "
                      "and write your files. Install it (sudo apt-get install bubblewrap) to grade each one in "
                      "a sandbox.")

# Answer-cell code that has no business in an answer: each one is reported, and zeroes the automatic points.
TAMPERING = [
    (re.compile(r"set_custom_exc|custom_exceptions|sys\.excepthook|showtraceback"), "installs an exception hook"),
    (re.compile(r"^a[123]\s*(?:=[^=]|,)|\bglobal\s+a[123]\b|\bas\s+a[123]\b|^del\s+a[123]\b", re.M),
     "rebinds the checker a1/a2/a3"),
    (re.compile(r"\ba[123]\.q\d+\.\w+\s*=[^=]|\bQuestion\.\w+\s*=[^=]|course_utils\.(?:assignments|checks)"),
     "changes the checks"),
    (re.compile(r"\btorch(?:\.\w+)+\s*=[^=]|setattr\(\s*torch|builtins|__builtins__"),
     "patches torch or Python's builtins"),
    (re.compile(r"def\s+__(?:eq|ne|bool)__"), "defines an object that compares equal to anything"),
    (re.compile(r"solution_code|allow_solutions|_course_grader|GRADE A\d|\.ipynb\b"),
     "reaches for the grader's or the teacher's material"),
    (re.compile(r"\bexec\(|sys\.modules|importlib|ctypes|gc\.get_objects|os\._exit|signal\.signal|__closure__|"
                r"__wrapped__|__globals__|_getframe|f_globals|f_back|tb_frame|\binspect\b"),
     "runs code that can subvert the grading"),
]


@dataclass
class Score:
    """One graded cell: ``earned`` is None while a person still has to grade it."""

    grade_id: str
    earned: float | None
    possible: float
    status: str
    visible: str = ""
    hidden: str = ""
    reason: str = ""
    automatic: bool = True  # False for an answer a person grades


@dataclass
class Report:
    """The scores of one submission and the notes a teacher must read (tampering, edited cells, errors)."""

    submission: str
    scores: list[Score] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""  # set when the submission could not be graded at all (malformed)

    @property
    def auto(self) -> tuple[float, float]:
        """(points earned, points possible) over the automatically graded cells: the same denominator for
        every student, whatever they wrote in the cells graded by hand."""
        auto = [score for score in self.scores if score.automatic]
        return sum(score.earned or 0.0 for score in auto), sum(score.possible for score in auto)


# ---------------------------------------------------------------------------------------------
# Preparing the notebook to run
# ---------------------------------------------------------------------------------------------


def scan_for_tampering(cells, allowed: str = "") -> list[str]:
    """What each student-written code cell does that an honest answer never does (``allowed``: the
    solutions cell the generator wrote, for an assignment handed out with its solutions)."""
    found = []
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code" or (allowed and cell.get("source") == allowed):
            continue
        for pattern, what in TAMPERING:
            if pattern.search(cell.get("source", "")):
                found.append(f"{nbmeta.grade_id(cell) or f'cell {index}'} {what}")
    return found


def restore_teacher_cells(submission, solution_nb):
    """The notebook to run: the submission with the teacher's version of every read-only cell.

    Returns it with the notes (edited or deleted read-only cells) and the grade_ids of missing graded cells.
    """
    student_view = nbmeta.make_student_notebook(solution_nb)
    handed_out = {nbmeta.grade_id(cell): cell.source for cell in student_view.cells if nbmeta.grade_id(cell)}
    teacher = {nbmeta.grade_id(cell): cell for cell in solution_nb.cells if nbmeta.grade_id(cell)}
    nb = copy.deepcopy(submission)
    notes, present = [], set()
    for cell in nb.cells:
        identifier = nbmeta.grade_id(cell)
        if identifier is None or identifier not in teacher:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            continue
        present.add(identifier)
        original = teacher[identifier]
        if nbmeta.is_locked(original):
            if cell.source.strip() != handed_out[identifier].strip():
                notes.append(f"read-only cell {identifier} was edited (the teacher's version was run)")
            cell.source, cell.cell_type = original.source, original.cell_type
            cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    # read-only cells the student deleted go back in, after the cell that precedes them in the teacher's notebook
    order = [nbmeta.grade_id(cell) for cell in solution_nb.cells]
    for position, original in enumerate(solution_nb.cells):
        identifier = nbmeta.grade_id(original)
        if identifier in present or not identifier or not nbmeta.is_locked(original):
            continue
        notes.append(f"read-only cell {identifier} was deleted (the teacher's version was put back)")
        before = [gid for gid in order[:position] if gid in present]
        index = 0
        if before:
            index = 1 + max(i for i, cell in enumerate(nb.cells) if nbmeta.grade_id(cell) == before[-1])
        nb.cells.insert(index, copy.deepcopy(original))
        present.add(identifier)
    missing = [gid for gid, cell in teacher.items() if nbmeta.is_grade(cell) and gid not in present]
    return nb, notes, missing


def _preamble(token_file: str, name: str) -> str:
    """The first cell the grader runs: its private copy of the checks, and a guard against patching."""
    sources = {"core": (PACKAGE_DIR / "core.py").read_text()}
    sources.update({key: (PACKAGE_DIR / f"{module}.py").read_text() for key, module in CHECK_MODULES.items()})
    return f'''\
def {name}():
    import builtins, sys, types, torch
    import course_utils.assignments  # the real package first: its modules must not be the copies
    from pathlib import Path
    token_path = Path({token_file!r})
    token = token_path.read_text().strip()
    token_path.unlink()
    sources = {sources!r}
    real_core = sys.modules.get("course_utils.assignments.core")
    core = types.ModuleType("_course_grader_core_" + token)
    sys.modules[core.__name__] = core
    exec(compile(sources["core"], "<grader core>", "exec"), core.__dict__)
    core._GRADER_TOKEN = token
    checks = {{}}
    sys.modules["course_utils.assignments.core"] = core
    try:
        for key in ("a1", "a2", "a3"):
            module = types.ModuleType(f"_course_grader_{{key}}_" + token)
            sys.modules[module.__name__] = module
            exec(compile(sources[key], f"<grader {{key}}>", "exec"), module.__dict__)
            checks[key] = getattr(module, key)
    finally:
        sys.modules["course_utils.assignments.core"] = real_core
    watched = {{"torch." + n: (torch, n) for n in ("allclose", "isclose", "equal", "tensor", "stack", "autograd")}}
    watched.update({{"Tensor." + n: (torch.Tensor, n) for n in ("__eq__", "__bool__", "tolist", "item", "equal",
                                                               "allclose", "backward")}})
    watched.update({{"builtins." + n: (builtins, n) for n in ("print", "isinstance", "len", "int", "bool", "type")}})
    originals = {{label: getattr(owner, n) for label, (owner, n) in watched.items()}}
    stdout = sys.stdout

    def guard(key):
        changed = [label for label, (owner, n) in watched.items() if getattr(owner, n) is not originals[label]]
        for label in changed:
            owner, n = watched[label]
            setattr(owner, n, originals[label])
        shell = get_ipython()
        if shell.custom_exceptions:
            changed.append("an exception hook (set_custom_exc)")
            shell.set_custom_exc((), None)
        if sys.stdout is not stdout:
            changed.append("sys.stdout")
            sys.stdout = stdout
        if changed:
            print("TAMPERED " + ", ".join(changed) + " [" + token + "]")
        return checks[key]
    return guard


{name} = {name}()
'''


def _grading_source(cell, key: str, guard: str) -> str:
    return f"{key} = {guard}({key!r})\n{cell.source}"


# ---------------------------------------------------------------------------------------------
# Running one notebook: a fresh kernel in its own folder, sandboxed where bubblewrap exists
# ---------------------------------------------------------------------------------------------


def sandbox_command(work: Path, hidden: list[Path]) -> list[str] | None:
    """The bubblewrap prefix for a kernel that may write only ``work`` and cannot see ``hidden``; None without bwrap."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return None
    command = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
               "--unshare-net", "--unshare-pid", "--unshare-ipc", "--new-session", "--die-with-parent"]
    needed = [work, Path(sys.prefix), PACKAGE_DIR]  # never hide what the kernel needs to run
    # the Python and course_utils, read-only, when they live under /tmp (a course cloned there): the tmpfs hides them
    for folder in sorted({Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), PACKAGE_DIR.parent}):
        if _inside(folder, Path("/tmp")):
            command += ["--ro-bind", str(folder), str(folder)]
    for folder in sorted({path.resolve() for path in hidden if path.exists()}):
        if folder.is_dir() and not any(_inside(path, folder) for path in needed):
            command += ["--tmpfs", str(folder)]
    return command + ["--bind", str(work), str(work), "--chdir", str(work)]


def bwrap_works() -> bool:
    """True when bubblewrap is installed and can make a sandbox here (some containers forbid it)."""
    with tempfile.TemporaryDirectory() as folder:
        command = sandbox_command(Path(folder), [])
        if command is None:
            return False
        return subprocess.run([*command, "true"], capture_output=True, timeout=30).returncode == 0


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def _kernel_manager(work: Path, prefix: list[str] | None):
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "LANG": "C.UTF-8",
                   "IPYTHONDIR": str(work / ".ipython"), "MPLCONFIGDIR": str(work / ".matplotlib"),
                   "MPLBACKEND": "agg", "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1",
                   "COURSE_DEVICE": os.environ.get("COURSE_DEVICE", "cpu"), "COURSE_UTILS_PROGRESS": "0"}

    class GradingKernelManager(AsyncKernelManager):
        """A kernel with a clean environment (no teacher's secrets), inside the sandbox when there is one."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.connection_file = str(work / ".kernel.json")
            self.transport, self.ip = "ipc", str(work / ".kernel-ipc")  # sockets in its folder, no network

        async def _async_pre_start_kernel(self, **kwargs):
            command, kwargs = await super()._async_pre_start_kernel(**kwargs)
            inherited = kwargs.get("env") or {}
            kwargs["env"] = {**{k: v for k, v in inherited.items() if k.startswith("JPY_")}, **environment}
            kwargs["stdout"] = kwargs["stderr"] = subprocess.DEVNULL  # nothing on the teacher's terminal
            if prefix:  # in its own process namespace the kernel's parent is pid 1: it must not watch it
                return [*prefix, "env", "-u", "JPY_PARENT_PID", *command], kwargs
            return command, kwargs

    return GradingKernelManager


def execute_notebook(nb, work: Path, timeout: int = 60, deadline: float = 600, prefix: list[str] | None = None):
    """Execute ``nb`` in ``work``: errors are recorded as outputs, a cell may run ``timeout`` seconds, the
    whole notebook ``deadline`` seconds; then the kernel's process group is killed (SIGKILL)."""
    status: dict[int, str] = {}

    def on_cell_executed(cell, cell_index, execute_reply):
        reply = (execute_reply or {}).get("content", {})
        status[cell_index] = reply.get("status", "unknown")
        if reply.get("status") == "error" and not any(out.output_type == "error" for out in cell.outputs):
            # nbgrader does the same: an error a kernel hook swallowed is still an error
            cell.outputs.append(nbformat.v4.new_output("error", ename=reply.get("ename", "Error"),
                                                       evalue=reply.get("evalue", ""), traceback=[]))

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            interrupt_on_timeout=True, on_cell_executed=on_cell_executed,
                            kernel_manager_class=_kernel_manager(work, prefix),
                            resources={"metadata": {"path": str(work)}})
    outcome: dict[str, str] = {}

    def run():
        try:
            client.execute()
        except Exception as error:  # noqa: BLE001 - a dead or killed kernel ends the run; the scores say so
            outcome["stopped"] = _one_line(f"{type(error).__name__}: {error}")

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(deadline)
    if worker.is_alive():
        outcome["killed"] = f"the notebook ran past the {deadline:g} s deadline: its kernel was killed"
        _kill_kernel(client)
        worker.join(30)
    nb.metadata["grading"] = {"stopped": outcome.get("killed") or outcome.get("stopped", ""),
                              "status": {str(k): v for k, v in status.items()}}
    return nb


def _kill_kernel(client) -> None:
    process = getattr(getattr(getattr(client, "km", None), "provisioner", None), "process", None)
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # the kernel started its own session: its whole group goes
    with contextlib.suppress(ProcessLookupError):
        process.kill()


# ---------------------------------------------------------------------------------------------
# Scoring on positive evidence
# ---------------------------------------------------------------------------------------------

GRADE_LINE = re.compile(rf"^{GRADE_PREFIX} (\S+) visible=(\w+) hidden=(\w+) parts=(\d+)/(\d+) reason=(.*) "
                        r"\[(\w+)\]$", re.M)


def _question_number(identifier: str) -> str:
    match = re.match(r"a(\d+)_q(\d+)_check$", identifier)
    return f"A{match[1]}.{match[2]}" if match else ""


def _stdout(cell) -> str:
    return "".join(out.get("text", "") for out in cell.get("outputs", [])
                   if out.output_type == "stream" and out.name == "stdout")


def score_cell(cell, possible: float, token: str, number: str) -> Score:
    identifier = nbmeta.grade_id(cell)
    if cell.get("execution_count") is None:
        return Score(identifier, 0.0, possible, "not run", reason="the kernel died or was killed before this cell")
    lines = [match for match in GRADE_LINE.finditer(_stdout(cell)) if match[7] == token]
    errors = [out for out in cell.outputs if out.output_type == "error"]
    if len(lines) != 1 or lines[0][1] != number:
        reason = "no grading line from the grader's checks" if not lines else "more than one grading line"
        if errors:
            reason += f"; {_one_line(errors[0].ename)}: {_one_line(errors[0].evalue)}"
        return Score(identifier, 0.0, possible, "failed", reason=reason)
    _, visible, hidden, right, total, reason, _ = lines[0].groups()
    foreign = [out for out in errors if out.ename != "AssertionError"]
    if foreign:
        return Score(identifier, 0.0, possible, "failed", visible, hidden,
                     f"{_one_line(foreign[0].ename)} after the check: {_one_line(foreign[0].evalue)}")
    right, total = int(right), int(total)
    passed = visible == "pass" and hidden in ("pass", "none")
    if passed:
        earned, status = possible, "passed"
    elif total > 1 and visible != "stub":
        earned, status = round(possible * right / total, 2), f"partial {right}/{total}"
    else:
        earned, status = 0.0, {"stub": "not done yet"}.get(visible, "failed")
    return Score(identifier, earned, possible, status, visible, hidden, reason)


def score_notebook(executed_nb, solution_nb, token: str, missing=()) -> list[Score]:
    """Score every graded cell of an executed submission, in the teacher's order."""
    unanswered = {nbmeta.grade_id(c): c.source for c in nbmeta.make_student_notebook(solution_nb).cells
                  if nbmeta.grade_id(c)}
    submitted = {nbmeta.grade_id(cell): cell for cell in executed_nb.cells if nbmeta.grade_id(cell)}
    scores = []
    for teacher in solution_nb.cells:
        identifier = nbmeta.grade_id(teacher)
        if not nbmeta.is_grade(teacher):
            continue
        possible = float(nbmeta.nbgrader_metadata(teacher)["points"])
        cell = submitted.get(identifier)
        if identifier in missing or cell is None:
            scores.append(Score(identifier, 0.0, possible, "missing", reason="the cell is not in the submission"))
        elif nbmeta.is_autograded_test(teacher):
            scores.append(score_cell(cell, possible, token, _question_number(identifier)))
        elif cell.source.strip() == unanswered[identifier].strip():
            scores.append(Score(identifier, 0.0, possible, "unanswered", reason="no answer", automatic=False))
        else:
            scores.append(Score(identifier, None, possible, "to grade by hand", automatic=False))
    return scores


# ---------------------------------------------------------------------------------------------
# One submission, start to end
# ---------------------------------------------------------------------------------------------


def feedback_notebook(executed_nb, solution_nb, token: str):
    """What goes back to the student: verdicts and a grading summary per question, no hidden case."""
    handed_out = {nbmeta.grade_id(c): c.source for c in nbmeta.make_student_notebook(solution_nb).cells
                  if nbmeta.grade_id(c)}
    nb = copy.deepcopy(executed_nb)
    nb.cells = [cell for cell in nb.cells if "grader" not in cell.metadata.get("tags", [])]
    for cell in nb.cells:
        identifier = nbmeta.grade_id(cell)
        if identifier not in handed_out or not nbmeta.is_autograded_test(cell):
            continue
        cell.source = handed_out[identifier]
        text = _stdout(cell).replace(f" [{token}]", "")
        text = re.sub(rf"^{GRADE_PREFIX} (\S+) visible=(\w+) hidden=(\w+) parts=(\S+) reason=(.*)$",
                      r"Graded \1: visible cases \2, teacher's cases \3 (\5)", text, flags=re.M)
        text = re.sub(r"^TAMPERED .*$", "Grading: this cell's checks were tampered with", text, flags=re.M)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)] if text else []
    nb.metadata.pop("grading", None)
    return nb


def grade_submission(solution_path: Path, submission: Path, timeout: int = 60, deadline: float = 600,
                     hide: list[Path] | None = None, feedback_path: Path | None = None) -> Report:
    """Grade one submission in a temporary folder of its own; never raises for a bad submission."""
    report = Report(str(submission))
    try:
        solution_nb = nbformat.read(solution_path, as_version=4)
        problems = nbmeta.validate_solution_notebook(solution_nb)
        if problems:
            raise ValueError("the solution notebook is not valid: " + "; ".join(problems))
    except Exception as error:  # noqa: BLE001 - reported as the teacher's error, the run goes on
        report.error = _one_line(f"cannot use the solution notebook {solution_path}: {error}")
        return report
    try:
        submitted = nbformat.read(submission, as_version=4)
        nbformat.validate(submitted)
    except Exception as error:  # noqa: BLE001 - any malformed file: reported, the run goes on
        report.error = _one_line(f"not a readable notebook: {type(error).__name__}: {error}")
        return report
    key = nbmeta.assignment_key(solution_nb)
    nb, report.notes, missing = restore_teacher_cells(submitted, solution_nb)
    tampering = scan_for_tampering([cell for cell in nb.cells if not nbmeta.is_locked(cell)],
                                   nbmeta.solutions_cell(solution_nb, key).source if key else "")
    token, guard = secrets.token_hex(16), f"_course_grader_{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory(prefix="grade-") as folder:
        work = Path(folder) / "work"
        work.mkdir()
        (work / ".token").write_text(token)
        nbformat.write(submitted, work / submission.name)  # its own copy: the original is never touched
        for cell in nb.cells:
            if nbmeta.is_autograded_test(cell):
                cell.source = _grading_source(cell, key, guard)
        preamble = nbformat.v4.new_code_cell(_preamble(str(work / ".token"), guard))
        preamble.metadata["tags"] = ["grader"]
        nb.cells.insert(0, preamble)
        prefix = sandbox_command(work, [solution_path.parent, *(hide or [])])
        execute_notebook(nb, work, timeout=timeout, deadline=deadline, prefix=prefix)
    stopped = nb.metadata.get("grading", {}).get("stopped")
    if stopped:
        report.notes.append(f"the run stopped early: {stopped}")
    if preamble.get("outputs") and any(out.output_type == "error" for out in preamble.outputs):
        report.notes.append("the grader's own setup failed in this kernel")
    for cell in nb.cells:
        if nbmeta.is_autograded_test(cell):
            tampering += [f"{nbmeta.grade_id(cell)}: {_one_line(line)}"
                          for line in _stdout(cell).splitlines() if line.startswith("TAMPERED")]
    report.scores = score_notebook(nb, solution_nb, token, missing)
    if tampering:
        report.notes += [f"TAMPERING: {what}" for what in tampering]
        for score in report.scores:
            if score.automatic:
                score.earned, score.status, score.reason = 0.0, "tampering", "automatic points withheld: see notes"
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and not nbmeta.is_grade(cell) and "grader" not in cell.metadata.get("tags", []):
            tags = cell.metadata.get("tags", [])
            for out in cell.get("outputs", []):
                if out.output_type == "error" and "raises-exception" not in tags:
                    name = nbmeta.grade_id(cell) or f"cell {index - 1}"  # the grader's first cell is not theirs
                    report.notes.append(f"{name} raised {_one_line(out.ename)}")
    if feedback_path is not None:
        feedback_path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(feedback_notebook(nb, solution_nb, token), feedback_path)
    return report


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------


def _points(value: float) -> str:
    return f"{value:g}"


def format_report(report: Report) -> str:
    """A plain-text table: one row per graded cell (points, visible/hidden result, reason), totals, notes."""
    lines = [f"\n{report.submission}"]
    if report.error:
        return "\n".join([*lines, f"NOT GRADED: {report.error}"])
    width = max([len("grade_id"), *(len(score.grade_id) for score in report.scores)])
    lines.append(f"{'grade_id':<{width}}  {'points':>9}  {'visible':<7}  {'hidden':<7}  status: reason")
    lines.append("-" * (width + 60))
    for score in report.scores:
        earned = "?" if score.earned is None else _points(score.earned)
        reason = f": {score.reason}" if score.reason else ""
        lines.append(f"{score.grade_id:<{width}}  {earned + ' / ' + _points(score.possible):>9}  "
                     f"{score.visible or '-':<7}  {score.hidden or '-':<7}  {score.status}{reason}")
    earned, possible = report.auto
    percent = 100 * earned / possible if possible else 100.0
    lines.append("-" * (width + 60))
    lines.append(f"{'automatic':<{width}}  {_points(earned) + ' / ' + _points(possible):>9}  ({percent:.0f}%)")
    by_hand = [score for score in report.scores if not score.automatic]
    if by_hand:
        lines.append(f"{'by hand':<{width}}  {_points(sum(s.possible for s in by_hand)):>9}  point(s): "
                     + ", ".join(f"{s.grade_id} ({s.status})" for s in by_hand))
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines)


CSV_HEADER = ["run_id", "submission", "grade_id", "earned", "possible", "visible", "hidden", "status", "reason"]


def csv_rows(report: Report, run_id: str) -> list[list]:
    if report.error:
        return [[run_id, report.submission, "", "", "", "", "", "not graded", report.error]]
    rows = [[run_id, report.submission, s.grade_id, "" if s.earned is None else s.earned, s.possible, s.visible,
             s.hidden, s.status, s.reason] for s in report.scores]
    earned, possible = report.auto
    tampered = "tampering" if any(note.startswith("TAMPERING") for note in report.notes) else "total"
    return rows + [[run_id, report.submission, "automatic total", earned, possible, "", "", tampered,
                    "; ".join(report.notes)]]


def feedback_path_for(folder: Path, submission: Path) -> Path:
    """FOLDER/<student folder>-<hash of the full path>/<notebook>: two students called alice never collide."""
    digest = hashlib.sha1(str(submission.resolve()).encode()).hexdigest()[:8]
    return folder / f"{submission.resolve().parent.name}-{digest}" / submission.name


def run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(2)


def write_csv(path: Path, rows: list[list]) -> None:
    new_file = not path.exists()
    with open(path, "a", newline="") as handle:
        writer = csv.writer(handle)
        if new_file:
            writer.writerow(CSV_HEADER)
        writer.writerows(rows)
