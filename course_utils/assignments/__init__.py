"""Take-home assignments: the self-checks students call, and the teacher's tools.

A student's notebook starts with ``from course_utils.assignments import a1`` and then calls, for each
question, ``a1.q3.check(pairwise_distances)``, ``a1.q3.hint()`` and ``a1.q3.solution()`` (the last one
prints a solution only when the teacher handed the assignment out with its solutions).

Modules: ``core`` (a Question and its verdict), ``a1_tensors``, ``a2_text`` and ``a3_recurrent`` (the
checks of each assignment), ``notebooks`` (nbgrader metadata and the student versions) and ``grader``
(grading completed notebooks). The package holds no solution and no hidden test: those live in the
teacher's solution notebooks, outside the package (``teacher/assignments/``).
"""

from course_utils.assignments.a1_tensors import a1
from course_utils.assignments.a2_text import a2
from course_utils.assignments.a3_recurrent import a3
from course_utils.assignments.core import (
           CORRECT,
           INCORRECT,
           NOT_DONE,
           Assignment,
           Mismatch,
           NotDoneYet,
           Question,
           Verdict,
)

ASSIGNMENTS = {"a1": a1, "a2": a2, "a3": a3}

__all__ = ["ASSIGNMENTS", "CORRECT", "INCORRECT", "NOT_DONE", "Assignment", "Mismatch", "NotDoneYet", "Question",
           "Verdict", "a1", "a2", "a3"]
