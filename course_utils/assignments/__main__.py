"""Command line: ``python -m course_utils.assignments student|grade ...`` (README: "Take-home assignments")."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from course_utils.assignments import grader
from course_utils.assignments import notebooks as nbmeta


def find_solution_for(submission: Path, solution: Path) -> Path:
    """The solution notebook for a submission: ``solution`` itself, or the same file name in that folder."""
    if solution.is_file():
        return solution
    if (solution / submission.name).is_file():
        return solution / submission.name
    try:
        submitted = {nbmeta.grade_id(cell) for cell in nbformat.read(submission, as_version=4).cells} - {None}
    except Exception:  # noqa: BLE001 - a malformed submission is reported by the grader itself
        submitted = set()
    for path in nbmeta._notebooks_in([solution]):
        if submitted & {nbmeta.grade_id(cell) for cell in nbformat.read(path, as_version=4).cells}:
            return path
    raise FileNotFoundError(f"no solution notebook in {solution} matches {submission.name}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.assignments",
                                     description="Student versions and grading of the take-home assignments.")
    commands = parser.add_subparsers(dest="command", required=True)

    student = commands.add_parser("student", help="write the student versions of solution notebooks")
    student.add_argument("sources", nargs="+", help="solution notebooks, or folders of them")
    student.add_argument("-o", "--output", default="student", help="folder for the student notebooks (student/)")
    student.add_argument("--force", action="store_true", help="overwrite existing student notebooks")
    student.add_argument("--solutions", nargs="*", default=[], metavar="aN",
                         help="assignments whose solution() prints the teacher's code (a1 a2 a3, or all); "
                              "default: none, the solutions are not in the student notebooks")

    grade = commands.add_parser("grade", help="run completed notebooks with the hidden cases and score them")
    grade.add_argument("solution", help="the solution notebook, or the folder of solution notebooks")
    grade.add_argument("submissions", nargs="+", help="completed student notebooks")
    grade.add_argument("--timeout", type=int, default=60, help="seconds allowed per cell (60)")
    grade.add_argument("--deadline", type=float, default=600, help="seconds allowed per notebook (600)")
    grade.add_argument("--csv", help="also append one row per graded cell (and a total) to this CSV file")
    grade.add_argument("--feedback", "--executed", dest="feedback",
                       help="write a feedback notebook per submission under this folder (verdicts, no hidden case)")
    grade.add_argument("--jobs", type=int, default=1, help="notebooks graded at the same time (1)")

    args = parser.parse_args(argv)
    if args.command == "student":
        try:
            written = nbmeta.write_student_versions(args.sources, args.output, force=args.force,
                                                    solutions=args.solutions)
        except (FileExistsError, FileNotFoundError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        for path in written:
            print(f"wrote {path}")
        return 0

    solution, submissions = Path(args.solution), [Path(path) for path in args.submissions]
    feedback = Path(args.feedback) if args.feedback else None
    if feedback is not None and any(grader._inside(feedback, path.parent) for path in submissions):
        print(f"error: the feedback folder {feedback} is inside a submission's folder: it would overwrite "
              "hand-ins. Choose another folder.", file=sys.stderr)
        return 1
    if not grader.bwrap_works():
        print(f"warning: {grader.NO_SANDBOX_WARNING}", file=sys.stderr)
    hide = [path.parent for path in submissions] + ([feedback] if feedback else [])

    def grade_one(submission: Path) -> grader.Report:
        try:
            solution_path = find_solution_for(submission, solution)
        except Exception as error:  # noqa: BLE001 - reported, the run goes on
            return grader.Report(str(submission), error=grader._one_line(str(error)))
        target = grader.feedback_path_for(feedback, submission) if feedback else None
        try:
            report = grader.grade_submission(solution_path, submission, args.timeout, args.deadline, hide, target)
        except Exception as error:  # noqa: BLE001 - a grader failure on one file never stops the others
            report = grader.Report(str(submission), error=grader._one_line(f"{type(error).__name__}: {error}"))
        print(f"graded {submission}", file=sys.stderr, flush=True)
        return report

    run = grader.run_id()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        reports = list(pool.map(grade_one, submissions))
    print(f"grading run {run}")
    rows = []
    for report in reports:
        print(grader.format_report(report))
        rows += grader.csv_rows(report, run)
    if args.csv:
        grader.write_csv(Path(args.csv), rows)
    return 1 if any(report.error for report in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
