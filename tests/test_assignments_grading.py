"""The grader, end to end: one grading run over honest, blank, tampering, malformed and hanging
submissions (A1, the quickest notebook). Slow: one kernel per submission, two at a time."""

import contextlib
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.assignments import grader
from course_utils.assignments import notebooks as nbmeta
from course_utils.assignments.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
TEACHER = ROOT / "teacher" / "assignments"
A1 = TEACHER / "A1_tensors_and_broadcasting.ipynb"

TRICKS = {  # each one alone must earn nothing (the review's tricks, and a few more)
    "fake_checker": "class _Fake:\n    def __getattr__(self, name):\n        return self\n"
                    "    def __call__(self, *a, **k):\n        print('Correct: A1.1 shape puzzles.')\n"
                    "a1 = _Fake()",
    "patched_allclose": "import torch as T\nT.allclose = lambda *a, **k: True\nT.equal = lambda *a, **k: True",
    "custom_exc": "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)",
    "exec_solution": "import textwrap\nexec(textwrap.dedent(a1.q3.solution_code))",
    "patched_question": "import course_utils.assignments.core as C\n"
                        "C.Question.grade = lambda self, *a, **k: print('GRADE ' + self.number + "
                        "' visible=pass hidden=pass parts=1/1 reason=ok')",
    "forged_line": "print('GRADE A1.1 visible=pass hidden=pass parts=8/8 reason=all cases pass [0123abcd]')",
}


def completed(student_nb, solution_nb, extra: str = "", keep_stubs: bool = False):
    """The student notebook with the teacher's answers (or the stubs) and ``extra`` code after the first answer."""
    answers = {nbmeta.grade_id(c): nbmeta.solution_code(c) for c in solution_nb.cells if nbmeta.is_solution(c)}
    nb = nbformat.from_dict(json.loads(json.dumps(student_nb)))
    for cell in nb.cells:
        identifier = nbmeta.grade_id(cell)
        if cell.cell_type == "code" and identifier in answers and not keep_stubs:
            cell.source = answers[identifier]
        if identifier == "a1_q1_answer" and extra:
            cell.source += "\n" + extra
    return nb


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    student = base / "student"
    nbmeta.write_student_versions([A1], student)
    handed_out = nbformat.read(student / A1.name, as_version=4)
    solution_nb = nbformat.read(A1, as_version=4)
    submissions = {}

    def hand_in(name, nb=None, text=None):
        folder = base / "subs" / name
        folder.mkdir(parents=True)
        path = folder / A1.name
        if text is not None:
            path.write_text(text)
        else:
            nbformat.write(nb, path)
        submissions[name] = path

    hand_in("honest", completed(handed_out, solution_nb))
    for other in sorted(TEACHER.glob("A[23]_*.ipynb")):  # the other two assignments, solved
        nbmeta.write_student_versions([other], student)
        folder = base / "subs" / f"honest_{other.name[:2].lower()}"
        folder.mkdir(parents=True)
        nbformat.write(completed(nbformat.read(student / other.name, as_version=4),
                                 nbformat.read(other, as_version=4)), folder / other.name)
        submissions[folder.name] = folder / other.name
    hand_in("blank", handed_out)
    for name, trick in TRICKS.items():
        hand_in(name, completed(handed_out, solution_nb, trick, keep_stubs=True))
    edited = completed(handed_out, solution_nb)
    for cell in edited.cells:
        if nbmeta.grade_id(cell) == "a1_q3_check":
            cell.source = "print('Correct: A1.3 pairwise distances.')"
        if nbmeta.grade_id(cell) == "a1_setup":
            cell.source += "\n# a harmless edit"
    edited.cells = [cell for cell in edited.cells if nbmeta.grade_id(cell) != "a1_q4_check"]
    hand_in("edited_cells", edited)
    hand_in("malformed", text="{}")
    hand_in("hanging", completed(handed_out, solution_nb, "import signal\nsignal.signal(signal.SIGINT, "
                                 "signal.SIG_IGN)\nwhile True:\n    pass"))
    csv_path, feedback = base / "grades.csv", base / "feedback"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["grade", str(TEACHER), *map(str, submissions.values()), "--csv", str(csv_path),
                       "--feedback", str(feedback), "--jobs", "2", "--timeout", "20", "--deadline", "60"])
    with open(csv_path) as handle:
        rows = list(csv.DictReader(handle))
    totals = {Path(row["submission"]).parent.name: row for row in rows if row["grade_id"] == "automatic total"}
    return status, out.getvalue(), rows, totals, submissions, feedback


def test_honest_work_gets_full_marks_and_blank_none(run):
    status, table, rows, totals, *_ = run
    for name, points in [("honest", 9.0), ("honest_a2", 11.0), ("honest_a3", 10.0)]:
        assert float(totals[name]["earned"]) == points == float(totals[name]["possible"]), totals[name]
        assert totals[name]["reason"] == "", totals[name]  # no note: nothing edited, nothing suspicious
    assert float(totals["blank"]["earned"]) == 0.0 and float(totals["blank"]["possible"]) == 9.0
    blank = {row["grade_id"]: row for row in rows if "/blank/" in row["submission"]}
    assert blank["a1_q3_check"]["status"] == "not done yet" and blank["a1_q2_explain"]["status"] == "unanswered"
    assert len({row["run_id"] for row in rows}) == 1


@pytest.mark.parametrize("trick", TRICKS)
def test_every_tampering_trick_scores_zero(run, trick):
    _, _, _, totals, *_ = run
    assert float(totals[trick]["earned"]) == 0.0, totals[trick]


def test_tampering_and_edited_cells_are_reported(run):
    _, table, _, totals, *_ = run
    assert totals["patched_allclose"]["status"] == "tampering" and "torch.allclose" in totals["patched_allclose"][
        "reason"]
    assert totals["custom_exc"]["status"] == "tampering"
    notes = totals["edited_cells"]["reason"]
    assert "a1_q3_check was edited" in notes and "a1_q4_check was deleted" in notes and "a1_setup was edited" in notes
    assert float(totals["edited_cells"]["earned"]) == 9.0  # the teacher's cells ran: honest answers keep points


def test_malformed_and_hanging_submissions_do_not_stop_the_run(run):
    status, table, rows, totals, *_ = run
    assert status == 1  # one submission could not be graded...
    assert "NOT GRADED: not a readable notebook" in table
    assert any(row["status"] == "not graded" and "/malformed/" in row["submission"] for row in rows)
    assert "/hanging/" in "".join(totals) or "hanging" in totals  # ...and every other one was graded
    assert float(totals["hanging"]["earned"]) == 0.0 and "the run stopped early" in totals["hanging"]["reason"]


def test_feedback_shows_verdicts_but_no_hidden_case(run):
    *_, submissions, feedback = run
    notebooks = list(feedback.glob("*/*.ipynb"))
    assert len(notebooks) >= 8
    for path in notebooks:
        text = path.read_text()
        assert "hidden=[" not in text and "BEGIN HIDDEN" not in text and "_course_grader" not in text
    honest = next(path for path in notebooks if path.parent.name.startswith("honest-"))
    assert "Correct: A1.3" in honest.read_text() and "Graded A1.3" in honest.read_text()


def test_submissions_are_never_modified(run):
    *_, submissions, _ = run
    assert submissions["malformed"].read_text() == "{}"
    assert "### BEGIN" not in submissions["honest"].read_text()


def test_generator_refuses_the_solution_folder(tmp_path):
    assert main(["student", str(TEACHER), "-o", str(TEACHER), "--force"]) == 1
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / A1.name).write_text(A1.read_text())
    assert main(["student", str(A1), "-o", str(copy), "--force"]) == 1
    assert "### BEGIN SOLUTION" in (copy / A1.name).read_text()


def test_sandbox_prefix_hides_the_teachers_folders(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    command = grader.sandbox_command(work, [TEACHER])
    if command is None:
        pytest.skip("bwrap is not installed here: submissions run with the teacher's rights (the grader says so)")
    assert "--unshare-net" in command and ["--tmpfs", str(TEACHER.resolve())] == command[
        command.index(str(TEACHER.resolve())) - 1:command.index(str(TEACHER.resolve())) + 1]
    probe = subprocess.run([*command, sys.executable, "-c", f"import os; print(os.listdir({str(TEACHER)!r}))"],
                           capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "[]", probe


def test_feedback_folder_inside_a_submission_folder_is_refused(tmp_path):
    submission = tmp_path / "alice" / A1.name
    submission.parent.mkdir()
    submission.write_text(A1.read_text())
    before = submission.read_text()
    assert main(["grade", str(TEACHER), str(submission), "--feedback", str(submission.parent)]) == 1
    assert submission.read_text() == before


def test_each_run_has_its_own_id_in_the_csv(tmp_path):
    broken = tmp_path / "bob" / A1.name
    broken.parent.mkdir()
    broken.write_text("not json")
    grades = tmp_path / "grades.csv"
    with contextlib.redirect_stdout(io.StringIO()):
        for _ in range(2):
            main(["grade", str(TEACHER), str(broken), "--csv", str(grades)])
    with open(grades) as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 and rows[0]["run_id"] != rows[1]["run_id"] and rows[0]["status"] == "not graded"


def test_the_kernel_sees_none_of_the_teachers_environment(tmp_path, monkeypatch):
    import asyncio

    monkeypatch.setenv("TEACHER_SECRET", "s3cr3t")
    manager = grader._kernel_manager(tmp_path, None)(kernel_name="python3")
    _, launch = asyncio.run(manager._async_pre_start_kernel())
    assert "TEACHER_SECRET" not in launch["env"] and launch["env"]["HOME"] == str(tmp_path)
