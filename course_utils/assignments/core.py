"""The machinery of the self-checks: a ``Question``, its ``Verdict``, and the helpers the checks share.

A student calls three things on a question (learntools-style)::

    a1.q3.check(pairwise_distances)   # runs your function on small cases and says what it found
    a1.q3.hint()                      # a nudge in the right direction
    a1.q3.solution()                  # one solution, if your teacher made them available

``check`` never crashes the notebook. It prints one of three verdicts: ``Correct``; ``Not quite`` (the
problem, what was expected, what your code gave, and a hint); ``Not done yet`` (your function is still
the ``raise NotImplementedError()`` stub you were given).

Grading runs the SAME test function with the same comparison, plus extra cases the teacher keeps
(``Question.grade``): a hidden case adds inputs, never a stricter rule.
"""

from __future__ import annotations

import sys
import textwrap
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_map

CORRECT, INCORRECT, NOT_DONE = "correct", "incorrect", "not done"
GRADE_PREFIX = "GRADE"  # the start of the lines Question.grade prints for the grader
_GRADER_TOKEN = ""  # set only in the grader's own copy of this module, inside the kernel it grades


class NotDoneYet(Exception):
    """The answer is still the ``raise NotImplementedError()`` stub."""


class Mismatch(Exception):
    """A case failed: what the problem is, what was expected, what the code gave, and a hint."""

    def __init__(self, problem: str, expected: object = None, got: object = None, hint: str | None = None):
        super().__init__(problem)
        self.problem, self.expected, self.got, self.hint = problem, expected, got, hint


@dataclass
class Verdict:
    """The result of checking one answer: ``status`` is "correct", "incorrect" or "not done"."""

    status: str
    message: str
    problem: str = ""  # the one-line reason (empty when correct)
    parts: tuple[int, int] | None = None  # (right, total) for questions with independent parts

    @property
    def passed(self) -> bool:
        return self.status == CORRECT


@dataclass
class Question:
    """One exercise.

    Args:
        number, title: e.g. ``"A1.3"``, ``"pairwise distances"``.
        answer_name: the name the student defines (a function or a class).
        test: ``test(answer)`` runs the visible cases; raises ``Mismatch``/``NotDoneYet`` or returns a summary.
        hint_text: what ``hint()`` prints.
        extra_case: ``extra_case(answer, **case)`` checks one teacher's case with the same comparison.
        parts: ``parts(answer) -> (right, total)`` for questions whose parts earn points independently.
        material: what ``show()`` prints (a listing or the puzzles), if any.
    """

    number: str
    title: str
    answer_name: str
    test: Callable[[object], str]
    hint_text: str
    extra_case: Callable[..., None] | None = None
    parts: Callable[[object], tuple[int, int]] | None = None
    material: str | None = None
    solution_code: str | None = field(default=None, repr=False)  # set only by a student notebook that has it

    @property
    def name(self) -> str:
        return f"{self.number} {self.title}"

    def _verdict(self, run: Callable[[], str]) -> Verdict:
        try:
            with warnings.catch_warnings():  # a harmless warning is not a wrong answer, here or in grading
                warnings.simplefilter("ignore")
                summary = run()
        except NotDoneYet as stub:
            problem = f"`{stub.args[0] if stub.args else self.answer_name}` is still the stub"
            return Verdict(NOT_DONE, f"Not done yet: {self.name}. `{stub.args[0] if stub.args else self.answer_name}`"
                                     " still raises NotImplementedError; replace the `raise NotImplementedError()` "
                                     "line with your code.", problem)
        except Mismatch as failure:
            lines = [f"Not quite: {self.name}.", f"  Problem:  {failure.problem}"]
            if failure.expected is not None:
                lines.append(f"  Expected: {failure.expected}")
            if failure.got is not None:
                lines.append(f"  Got:      {failure.got}")
            lines.append(f"  Hint:     {failure.hint or self.hint_text}")
            return Verdict(INCORRECT, "\n".join(lines), failure.problem)
        except Exception as error:  # an answer bug no test foresaw: report it, never crash the notebook
            problem = f"checking `{self.answer_name}` failed with {_describe(error)}"
            return Verdict(INCORRECT, f"Not quite: {self.name}.\n  Problem:  {problem}\n  Hint:     {self.hint_text}",
                           problem)
        return Verdict(CORRECT, f"Correct: {self.name}. {summary}")

    def evaluate(self, answer, cases: Sequence[dict] = ()) -> Verdict:
        """The verdict on ``answer`` for the visible cases, then each extra case (never raises)."""
        def run() -> str:
            summary = self.test(answer)
            for case in cases:
                self.extra_case(answer, **case)
            return summary
        verdict = self._verdict(run)
        if self.parts is not None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    verdict.parts = self.parts(answer)
            except Exception:  # noqa: BLE001 - an answer that cannot be read has no right part
                verdict.parts = (0, self.parts(None)[1])
        return verdict

    def check(self, answer) -> None:
        """Print whether ``answer`` is correct, not quite right (and why), or not done yet."""
        print(self.evaluate(answer).message)

    def grade(self, answer, hidden: Sequence[dict] = (), token: str = "") -> None:
        """Print the grading lines (visible and hidden cases), then raise ``AssertionError`` unless all pass.

        The lines start with ``GRADE``; the course's grader reads them, nbgrader reads the error.
        """
        visible = self.evaluate(answer)
        if visible.passed and hidden:
            extra = self.evaluate(answer, hidden)
            if not extra.passed:
                extra.message = extra.message.replace("Not quite:", "Not quite (a teacher's case):", 1)
        else:
            extra = visible
        parts = visible.parts or (int(visible.passed), 1)
        if self.parts is None:
            parts = (int(visible.passed and extra.passed), 1)
        reason = _one_line(visible.problem if not visible.passed else extra.problem) or "all cases pass"
        token = token or _GRADER_TOKEN
        stamp = f" [{token}]" if token else ""
        hidden_word = "none" if not hidden else (_word(extra) if visible.passed else "skipped")
        print(f"{GRADE_PREFIX} {self.number} visible={_word(visible)} hidden={hidden_word} "
              f"parts={parts[0]}/{parts[1]} reason={reason}{stamp}")
        if not (visible.passed and extra.passed):
            raise AssertionError(f"{self.number}: {reason}")

    def assert_correct(self, answer) -> None:
        """Raise ``AssertionError`` unless ``answer`` passes the visible cases."""
        verdict = self.evaluate(answer)
        if not verdict.passed:
            raise AssertionError(verdict.message)

    def hint(self) -> None:
        """Print a hint."""
        print(f"Hint ({self.number}): {self.hint_text}")

    def solution(self) -> None:
        """Print one solution, when the teacher made the solutions of this assignment available."""
        if self.solution_code is None:
            print(f"No solution for {self.number}: your teacher has not made the solutions of this assignment "
                  "available. Try the hint, and ask in class.")
        else:
            print(f"One solution ({self.number}):\n\n{textwrap.dedent(self.solution_code).strip()}")

    def show(self) -> None:
        """Print the question's material (the puzzles or the code listing)."""
        print(self.material if self.material is not None else f"{self.number} has nothing to show.")

    def __repr__(self) -> str:
        return f"<Question {self.number}: {self.title}; call .check({self.answer_name}), .hint() or .solution()>"


def _word(verdict: Verdict) -> str:
    return "pass" if verdict.passed else ("stub" if verdict.status == NOT_DONE else "fail")


def _one_line(text: str) -> str:
    """``text`` on one printable line: a student's exception text cannot forge lines of a report."""
    clean = "".join(character if character.isprintable() else " " for character in str(text))
    return " ".join(clean.split())[:160]


def _describe(error: BaseException) -> str:
    return _one_line(f"{type(error).__name__}: {error}")


class Assignment:
    """The questions of one assignment, as attributes ``q1``, ``q2``, ..."""

    def __init__(self, title: str, **questions: Question) -> None:
        self.title = title
        self.questions = questions
        for key, question in questions.items():
            setattr(self, key, question)

    def allow_solutions(self, solutions: dict[str, str]) -> None:
        """Make ``solution()`` print these (question key -> code); the student notebook calls this when the
        teacher hands out an assignment with its solutions (self-study)."""
        for key, code in solutions.items():
            self.questions[key].solution_code = code

    def __iter__(self):
        return iter(self.questions.values())

    def __repr__(self) -> str:
        return f"<Assignment {self.title}: {', '.join(self.questions)}>"


# ---------------------------------------------------------------------------------------------
# Helpers the test functions share.
# ---------------------------------------------------------------------------------------------


def reference(function):
    """Mark a function as the checker's reference: only the checks of its own module may call it.

    An answer that calls the checker's code to pass its check is told so, and gets no point.
    """
    home = function.__module__

    def guarded(*args, **kwargs):
        if sys._getframe(1).f_globals.get("__name__") != home:
            raise ReferenceCalled(f"your answer calls the checker's own `{function.__name__}`; write it yourself")
        return function(*args, **kwargs)

    guarded.__name__ = guarded.__qualname__ = function.__name__
    return guarded


class ReferenceCalled(Exception):
    """An answer called one of the checker's reference functions."""


def _own_code(function) -> set:
    """The code objects that belong to the answer itself (a function, or the methods of a class)."""
    if isinstance(function, type):
        return {value.__code__ for value in vars(function).values() if hasattr(value, "__code__")}
    return {getattr(function, "__code__", None), getattr(getattr(function, "__func__", None), "__code__", None)}


def _call(function, *args, name: str | None = None, owner=None, **kwargs):
    """Call the student's code: the untouched stub becomes ``NotDoneYet``, any other error a ``Mismatch``.

    ``owner`` is the answer the call belongs to (a class, for its methods): a ``NotImplementedError`` is
    "not done yet" only when raised by the answer's own code, never by a function it calls.
    """
    name = name or getattr(function, "__name__", "your answer")
    if not callable(function):
        raise Mismatch(f"`{name}` should be a function or a class, but it is a {type(function).__name__}")
    try:
        return function(*args, **kwargs)
    except NotImplementedError as error:
        raise _not_done_or_mismatch(error, owner or function, name) from error
    except ReferenceCalled as error:
        raise Mismatch(str(error), hint="the check compares your code with its own; using it proves nothing") from error
    except Exception as error:
        raise Mismatch(f"`{name}` raised {_describe(error)}", hint=_meta_hint(error)) from error


def _not_done_or_mismatch(error: NotImplementedError, owner, name: str) -> Exception:
    frames = traceback.extract_tb(error.__traceback__)
    raised_in = error.__traceback__
    while raised_in.tb_next is not None:
        raised_in = raised_in.tb_next
    code = raised_in.tb_frame.f_code
    if code in _own_code(owner):
        return NotDoneYet(getattr(owner, "__name__", name))
    where = frames[-1].name if frames else "?"
    if "meta" in str(error):
        return Mismatch(f"`{name}` raised NotImplementedError on the meta device: {_one_line(error)}",
                        hint=_meta_hint(error))
    return Mismatch(f"`{name}` calls `{where}`, which raised NotImplementedError (is `{where}` not done yet?)",
                    hint=f"finish `{where}` first, or check `{name}` once it works")


def _meta_hint(error: BaseException) -> str | None:
    if "meta" in str(error) and ("item()" in str(error) or "copy out" in str(error) or "data-dependent" in str(error)):
        return "a value was read from a tensor on the meta device; the check gives such reads their values, so " \
               "this read happened on a tensor made from scratch"
    return None


def _expect_tensor(value, name: str, shape: tuple, dtype: torch.dtype | None = None) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise Mismatch(f"{name} should be a tensor", expected=f"a tensor of shape {shape}", got=type(value).__name__)
    if tuple(value.shape) != tuple(shape):
        raise Mismatch(f"{name} has the wrong shape", expected=tuple(shape), got=tuple(value.shape))
    if dtype is not None and value.dtype != dtype:
        hint = None
        if value.dtype.is_floating_point and not dtype.is_floating_point:
            hint = "torch.Tensor(...) always makes floats; torch.tensor(ids) keeps integers (int64 ids)"
        raise Mismatch(f"{name} has the wrong dtype", expected=dtype, got=value.dtype, hint=hint)
    return value


def _close(got, expected: torch.Tensor, atol: float = 1e-6) -> bool:
    """Same shape and the same values, whatever the floating-point dtypes (float32 is fine)."""
    if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
        return False
    tolerance = max(atol, 1e-5) if torch.float32 in (got.dtype, expected.dtype) else atol
    return bool(torch.allclose(got.detach().cpu().double(), expected.detach().cpu().double(),
                               atol=tolerance, rtol=1e-4))


def _rounded(tensor: torch.Tensor) -> list:
    return torch.round(tensor.detach().double(), decimals=4).tolist()


def _generator(seed: int) -> torch.Generator:
    """A private random generator, so checks never change the notebook's own random numbers."""
    return torch.Generator().manual_seed(seed)


class _CountTorchCalls(TorchFunctionMode):
    """Count the torch functions and tensor methods called inside a ``with`` block, and remember their names."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.names: set[str] = set()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.calls += 1
        self.names.add(getattr(func, "__name__", str(func)))
        return func(*args, **(kwargs or {}))


_VALUE_READS = {"item", "tolist", "__bool__", "__int__", "__float__", "__index__", "numpy", "__len__"}


class MetaWithValues(TorchFunctionMode):
    """Run code on the ``meta`` device (a device that is not the CPU, like a GPU) but let it read values.

    Meta tensors have no data, so ``.item()``, ``bool(t)`` or ``.tolist()`` fail on them although they
    work on a GPU. This mode keeps a CPU shadow of every meta tensor computed from ``shadows`` and answers
    value reads from it; device mistakes (a CPU tensor mixed with a meta one) still raise, as on a GPU.
    """

    def __init__(self, shadows: dict) -> None:
        super().__init__()
        self.shadow = {id(meta): (meta, cpu) for meta, cpu in shadows.items()}

    def _cpu(self, value):
        if isinstance(value, torch.Tensor) and value.device.type == "meta":
            kept = self.shadow.get(id(value))
            if kept is None or kept[0] is not value:
                raise LookupError
            return kept[1]
        return value

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in _VALUE_READS:
            try:
                return func(*tree_map(self._cpu, args), **tree_map(self._cpu, kwargs))
            except LookupError:
                pass
        result = func(*args, **kwargs)
        if isinstance(result, torch.Tensor) and result.device.type == "meta":
            try:
                cpu = func(*tree_map(self._cpu, args), **tree_map(self._cpu, kwargs))
            except Exception:  # noqa: BLE001 - no shadow: a later value read raises as on meta
                return result
            if isinstance(cpu, torch.Tensor):
                self.shadow[id(result)] = (result, cpu)
        return result


def _call_on_meta(function, tensor: torch.Tensor, *args, name: str):
    """``function(tensor on meta, *args)`` with value reads allowed (see ``MetaWithValues``)."""
    meta = tensor.to("meta")
    with MetaWithValues({meta: tensor}):
        return _call(function, meta, *args, name=name)
