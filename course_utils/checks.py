"""Self-checks for the take-home assignments, in the spirit of Kaggle Learn's learntools.

Every question of an assignment is a ``Question`` with three things you can call::

    from course_utils.checks import a1

    a1.q3.check(pairwise_distances)   # runs your function on small cases and says what it found
    a1.q3.hint()                      # a nudge in the right direction
    a1.q3.solution()                  # one possible solution (try first!)

``check`` never crashes your notebook. It prints one of three verdicts:

* ``Correct`` - every case passed;
* ``Not quite`` - what went wrong, what was expected, what your code gave, and a hint;
* ``Not done yet`` - your function still raises ``NotImplementedError`` (the stub you were given).

The checks run your code and look at what it DOES (values, shapes, devices, edge cases), never at
how it is written, so any correct solution passes. Teachers grade with extra hidden tests on top.

This module sits on top of the course: nothing else in ``course_utils`` imports it.
"""

from __future__ import annotations

import copy
import textwrap
import warnings
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from course_utils.text import tokenize

CORRECT, INCORRECT, NOT_DONE = "correct", "incorrect", "not done"


# ---------------------------------------------------------------------------------------------
# The machinery: a Question, its verdict, and two exceptions the test functions raise.
# ---------------------------------------------------------------------------------------------


class NotDoneYet(Exception):
    """The student's code still raises ``NotImplementedError``."""


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

    @property
    def passed(self) -> bool:
        return self.status == CORRECT


@dataclass
class Question:
    """One exercise.

    Args:
        number: e.g. ``"A1.3"``.
        title: a few words, e.g. ``"pairwise distances"``.
        answer_name: the name the student defines (a function or a class), e.g. ``"pairwise_distances"``.
        test: runs the answer on small cases; raises ``Mismatch`` or ``NotDoneYet``, or returns a
            one-line summary of what passed.
        hint_text, solution_code: what ``hint()`` and ``solution()`` print.
        material: what ``show()`` prints (a listing or a list of puzzles), if the question has any.
    """

    number: str
    title: str
    answer_name: str
    test: Callable[[object], str]
    hint_text: str
    solution_code: str
    material: str | None = None

    def evaluate(self, answer) -> Verdict:
        """Run the test on ``answer`` and return a ``Verdict`` (never raises)."""
        name = f"{self.number} {self.title}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                summary = self.test(answer)
        except NotDoneYet:
            return Verdict(NOT_DONE, f"Not done yet: {name}. `{self.answer_name}` still raises NotImplementedError; "
                                     "replace the `raise NotImplementedError()` line with your code.")
        except Mismatch as failure:
            lines = [f"Not quite: {name}.", f"  Problem:  {failure.problem}"]
            if failure.expected is not None:
                lines.append(f"  Expected: {failure.expected}")
            if failure.got is not None:
                lines.append(f"  Got:      {failure.got}")
            lines.append(f"  Hint:     {failure.hint or self.hint_text}")
            return Verdict(INCORRECT, "\n".join(lines))
        except Exception as error:  # a bug in the answer that the test did not foresee: report, don't crash
            return Verdict(INCORRECT, f"Not quite: {name}.\n  Problem:  checking `{self.answer_name}` failed with "
                                      f"{type(error).__name__}: {error}\n  Hint:     {self.hint_text}")
        return Verdict(CORRECT, f"Correct: {name}. {summary}")

    def check(self, answer) -> None:
        """Print whether ``answer`` is correct, not quite right (and why), or not done yet."""
        print(self.evaluate(answer).message)

    def assert_correct(self, answer) -> None:
        """Raise ``AssertionError`` unless ``answer`` is correct (the hidden tests use this for grading)."""
        verdict = self.evaluate(answer)
        if not verdict.passed:
            raise AssertionError(verdict.message)

    def hint(self) -> None:
        """Print a hint."""
        print(f"Hint ({self.number}): {self.hint_text}")

    def solution(self) -> None:
        """Print one possible solution."""
        print(f"One solution ({self.number}):\n\n{textwrap.dedent(self.solution_code).strip()}")

    def show(self) -> None:
        """Print the question's material (the puzzles or the code listing)."""
        print(self.material if self.material is not None else f"{self.number} has nothing to show.")

    def __repr__(self) -> str:
        return f"<Question {self.number}: {self.title}; call .check({self.answer_name}), .hint() or .solution()>"


class Assignment:
    """The questions of one assignment, as attributes ``q1``, ``q2``, ..."""

    def __init__(self, title: str, **questions: Question) -> None:
        self.title = title
        self.questions = questions
        for key, question in questions.items():
            setattr(self, key, question)

    def __iter__(self):
        return iter(self.questions.values())

    def __repr__(self) -> str:
        return f"<Assignment {self.title}: {', '.join(self.questions)}>"


# ---------------------------------------------------------------------------------------------
# Small helpers the test functions share.
# ---------------------------------------------------------------------------------------------


def _call(function, *args, name: str | None = None, **kwargs):
    """Call the student's code; a stub becomes ``NotDoneYet``, any other error a ``Mismatch``."""
    name = name or getattr(function, "__name__", "your answer")
    if not callable(function):
        raise Mismatch(f"`{name}` should be a function or a class, but it is a {type(function).__name__}")
    try:
        return function(*args, **kwargs)
    except NotImplementedError as error:
        raise NotDoneYet from error
    except Exception as error:
        raise Mismatch(f"`{name}` raised {type(error).__name__}: {error}") from error


def _expect_tensor(value, name: str, shape: tuple, dtype: torch.dtype | None = None) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise Mismatch(f"{name} should be a tensor", expected=f"a tensor of shape {shape}", got=type(value).__name__)
    if tuple(value.shape) != tuple(shape):
        raise Mismatch(f"{name} has the wrong shape", expected=tuple(shape), got=tuple(value.shape))
    if dtype is not None and value.dtype != dtype:
        raise Mismatch(f"{name} has the wrong dtype", expected=dtype, got=value.dtype)
    return value


def _close(got: torch.Tensor, expected: torch.Tensor, atol: float = 1e-6) -> bool:
    return got.shape == expected.shape and torch.allclose(got.double(), expected.double(), atol=atol, rtol=1e-5)


def _rounded(tensor: torch.Tensor) -> list:
    return torch.round(tensor.detach().double(), decimals=4).tolist()


def _generator(seed: int) -> torch.Generator:
    """A private random generator, so checks never change the notebook's own random numbers."""
    return torch.Generator().manual_seed(seed)


class _CountTorchCalls(TorchFunctionMode):
    """Count the torch functions and tensor methods called inside a ``with`` block."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.calls += 1
        return func(*args, **(kwargs or {}))


# ---------------------------------------------------------------------------------------------
# A1 · Tensors and broadcasting
# ---------------------------------------------------------------------------------------------

SHAPE_PUZZLES = {
    "a": "torch.zeros(2, 3) + torch.zeros(3)",
    "b": "torch.zeros(2, 3) + torch.zeros(2)",
    "c": "torch.zeros(3, 1, 4) - torch.zeros(2, 1)",
    "d": "torch.zeros(2, 3) @ torch.zeros(2, 3)",
    "e": "torch.zeros(2, 3) @ torch.zeros(3)",
    "f": "torch.zeros(8, 1, 6).sum(dim=0)",
    "g": "torch.zeros(5, 2, 3).permute(2, 0, 1)",
    "h": "torch.zeros(6).view(2, 4)",
}


def _puzzle_result(expression: str) -> tuple[int, ...] | str:
    """What PyTorch really gives for a puzzle: the result's shape, or "error"."""
    try:
        return tuple(eval(expression, {"torch": torch}).shape)  # the puzzles are fixed strings above
    except RuntimeError:
        return "error"


def _read_shape_answer(value) -> tuple[int, ...] | str | None:
    if isinstance(value, str):
        return "error" if value.strip().lower() == "error" else None
    if isinstance(value, (tuple, list, torch.Size)) and all(isinstance(n, int) for n in value):
        return tuple(value)
    return None


def _test_shape_puzzles(predicted_shapes) -> str:
    answers = _call(predicted_shapes)
    if not isinstance(answers, Mapping):
        raise Mismatch("`predicted_shapes()` should return a dict", expected='{"a": (2, 3), "b": "error", ...}',
                       got=type(answers).__name__)
    missing = [key for key in SHAPE_PUZZLES if key not in answers]
    if missing:
        raise Mismatch("some puzzles have no answer", expected=f"keys {', '.join(SHAPE_PUZZLES)}",
                       got=f"missing {', '.join(missing)}")
    unreadable = [key for key in SHAPE_PUZZLES if _read_shape_answer(answers[key]) is None]
    if unreadable:
        raise Mismatch(f"cannot read your answer to puzzle(s) {', '.join(unreadable)}",
                       expected='a shape as a tuple of ints, e.g. (2, 3), or the string "error"',
                       got=", ".join(f"{key} -> {answers[key]!r}" for key in unreadable))
    wrong = [key for key in SHAPE_PUZZLES if _read_shape_answer(answers[key]) != _puzzle_result(SHAPE_PUZZLES[key])]
    if wrong:
        raise Mismatch(f"{len(wrong)} of {len(SHAPE_PUZZLES)} predictions differ from what PyTorch does",
                       expected="the shape PyTorch gives, or \"error\" (run a puzzle in a scratch cell to see why)",
                       got=", ".join(f"{key} -> {answers[key]!r}" for key in wrong))
    return f"All {len(SHAPE_PUZZLES)} predictions match PyTorch."


def _test_mse_loss(mse_loss) -> str:
    weights = torch.tensor([[0.5], [1.0], [2.0], [-1.0]], requires_grad=True)
    predictions = weights * 1.0  # [4, 1], like the output of nn.Linear(d, 1): not a leaf, connected to weights
    targets = torch.tensor([1.0, 1.0, 0.0, 0.0])  # [4]
    expected = ((predictions.detach().squeeze(1) - targets) ** 2).mean()
    broadcast = ((predictions.detach() - targets) ** 2).mean()  # the silent [4, 4] bug
    loss = _call(mse_loss, predictions, targets)
    _expect_tensor(loss, "the loss", ())
    if _close(loss, broadcast) and not _close(loss, expected):
        raise Mismatch("predictions [4, 1] and targets [4] were broadcast to [4, 4]", expected=f"{expected.item():.4f}",
                       got=f"{loss.item():.4f}", hint="make both 1-D before subtracting: predictions.squeeze(-1), "
                                                      "or predictions.reshape(targets.shape)")
    if not _close(loss, expected):
        raise Mismatch("wrong value for predictions [4, 1] and targets [4]", expected=f"{expected.item():.4f}",
                       got=f"{loss.item():.4f}")
    if tuple(predictions.shape) != (4, 1):
        raise Mismatch("your function changed the caller's predictions tensor in place", expected="shape (4, 1)",
                       got=tuple(predictions.shape), hint="use squeeze(-1), not the in-place squeeze_(-1)")
    if not loss.requires_grad:
        raise Mismatch("the loss is not connected to the predictions, so backward() cannot train anything",
                       hint="compute with tensor operations only; no .item(), float() or torch.tensor(...) inside")
    same_shape = _call(mse_loss, torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0]))
    if not _close(_expect_tensor(same_shape, "the loss for [2] and [2]", ()), torch.tensor(2.5)):
        raise Mismatch("wrong value when predictions and targets already have the same shape [2]",
                       expected="2.5000", got=f"{same_shape.item():.4f}")
    try:
        mse_loss(torch.zeros(3, 1), torch.zeros(4))
    except NotImplementedError as error:
        raise NotDoneYet from error
    except ValueError:
        pass
    except Exception as error:
        raise Mismatch("predictions [3, 1] with targets [4] should raise ValueError", expected="ValueError",
                       got=f"{type(error).__name__}: {error}") from error
    else:
        raise Mismatch("predictions [3, 1] with targets [4] cannot be compared, but no error was raised",
                       expected="ValueError", got="a value", hint="compare predictions.numel() and targets.numel()")
    return "Right value for [4, 1] vs [4], still differentiable, and a ValueError when the sizes differ."


def _test_pairwise_distances(pairwise_distances) -> str:
    generator = _generator(0)
    a = torch.randn(2, 3, 4, generator=generator, dtype=torch.float64)  # [batch, n, dim]
    b = torch.randn(2, 5, 4, generator=generator, dtype=torch.float64)  # [batch, m, dim]
    distances = _expect_tensor(_call(pairwise_distances, a, b), "the result for a [2, 3, 4], b [2, 5, 4]", (2, 3, 5))
    expected = torch.cdist(a, b)
    if not _close(distances, expected):
        raise Mismatch("wrong distances", expected=_rounded(expected[0, 0]), got=_rounded(distances[0, 0]),
                       hint="distance = sqrt(sum over dim of (a_i - b_j)^2); compare row 0 of batch 0")

    points = torch.randn(1, 8, 16, generator=generator) * 10  # float32, big values: rounding shows up
    to_itself = _call(pairwise_distances, points, points).diagonal(dim1=1, dim2=2)
    if torch.isnan(to_itself).any() or to_itself.abs().max() > 0.1:
        raise Mismatch("the distance from a point to itself should be 0", expected="zeros (within 0.1)",
                       got=_rounded(to_itself[0]), hint="|a|^2 + |b|^2 - 2 a.b can come out slightly negative "
                                                        "through rounding: clamp it at 0 before sqrt")

    calls = []
    for batch, n, m in [(2, 3, 4), (5, 7, 6)]:
        with _CountTorchCalls() as counter:
            a, b = torch.randn(batch, n, 2, generator=generator), torch.randn(batch, m, 2, generator=generator)
            pairwise_distances(a, b)
        calls.append(counter.calls)
    if calls[0] != calls[1]:
        raise Mismatch("the number of tensor operations grows with the input size, so there is a Python loop",
                       expected="the same number of operations for any size", got=f"{calls[0]} for [2, 3|4] and "
                       f"{calls[1]} for [5, 7|6]", hint="use broadcasting: a[:, :, None, :] - b[:, None, :, :] "
                                                       "is [batch, n, m, dim]")
    return "Matches torch.cdist, gives 0 from a point to itself, and uses no Python loop."


def _test_lengths_to_mask(lengths_to_mask) -> str:
    lengths = torch.tensor([3, 1, 2])
    expected = torch.tensor([[True, True, True], [True, False, False], [True, True, False]])
    mask = _expect_tensor(_call(lengths_to_mask, lengths), "the mask for lengths [3, 1, 2]", (3, 3), torch.bool)
    if not torch.equal(mask, expected):
        raise Mismatch("wrong mask for lengths [3, 1, 2]", expected=expected.tolist(), got=mask.tolist())
    wide = _expect_tensor(_call(lengths_to_mask, lengths, 5), "the mask with max_len=5", (3, 5), torch.bool)
    if wide[:, 3:].any() or not torch.equal(wide[:, :3], expected):
        raise Mismatch("wrong mask with max_len=5", expected=f"{expected.tolist()} plus two False columns",
                       got=wide.tolist())
    # "meta" tensors have a shape but no data; a helper that puts a new tensor on the CPU fails on them,
    # exactly as it would fail on a GPU.
    try:
        on_meta = lengths_to_mask(lengths.to("meta"), 4)
    except NotImplementedError as error:
        raise NotDoneYet from error
    except Exception as error:
        raise Mismatch("with lengths on another device (here PyTorch's 'meta' device) your function fails",
                       expected="a mask on the same device as lengths", got=f"{type(error).__name__}: {error}",
                       hint="create new tensors on lengths.device: torch.arange(max_len, device=lengths.device)"
                       ) from error
    if not isinstance(on_meta, torch.Tensor) or on_meta.device != lengths.to("meta").device:
        raise Mismatch("the mask is not on the same device as lengths", expected="device meta",
                       got=getattr(on_meta, "device", type(on_meta).__name__))
    return "Right mask, max_len honoured, and the mask is made on the device of lengths."


a1 = Assignment(
    "A1 Tensors and broadcasting",
    q1=Question(
        "A1.1", "shape puzzles", "predicted_shapes", _test_shape_puzzles,
        hint_text="Broadcasting lines shapes up from the RIGHT; two sizes fit if they are equal or one is 1. "
                  "A @ B needs A's last size to equal B's first (or second-to-last) size.",
        solution_code="""
            def predicted_shapes():
                return {"a": (2, 3), "b": "error", "c": (3, 2, 4), "d": "error",
                        "e": (2,), "f": (1, 6), "g": (3, 5, 2), "h": "error"}
            """,
        material="\n".join(f"{key})  {expression}" for key, expression in SHAPE_PUZZLES.items()),
    ),
    q2=Question(
        "A1.2", "a loss that does not broadcast", "mse_loss", _test_mse_loss,
        hint_text="Print (predictions - targets).shape. Flatten predictions to the targets' shape first, and "
                  "refuse inputs whose numel() differ.",
        solution_code="""
            def mse_loss(predictions, targets):
                if predictions.numel() != targets.numel():
                    raise ValueError(f"{predictions.numel()} predictions but {targets.numel()} targets")
                predictions = predictions.reshape(targets.shape)
                return ((predictions - targets) ** 2).mean()
            """,
    ),
    q3=Question(
        "A1.3", "pairwise distances", "pairwise_distances", _test_pairwise_distances,
        hint_text="Insert axes so the two point sets broadcast against each other: a[:, :, None, :] is "
                  "[batch, n, 1, dim] and b[:, None, :, :] is [batch, 1, m, dim].",
        solution_code="""
            def pairwise_distances(a, b):
                differences = a[:, :, None, :] - b[:, None, :, :]  # [batch, n, m, dim]
                return differences.pow(2).sum(dim=-1).clamp(min=0).sqrt()  # [batch, n, m]
            """,
    ),
    q4=Question(
        "A1.4", "a device-safe mask", "lengths_to_mask", _test_lengths_to_mask,
        hint_text="Compare a row of positions [0, 1, ..., max_len-1] with a column of lengths; build the "
                  "positions with device=lengths.device.",
        solution_code="""
            def lengths_to_mask(lengths, max_len=None):
                if max_len is None:
                    max_len = int(lengths.max())
                positions = torch.arange(max_len, device=lengths.device)  # [max_len]
                return positions.unsqueeze(0) < lengths.unsqueeze(1)  # [batch, max_len]
            """,
    ),
)


# ---------------------------------------------------------------------------------------------
# A2 · The text pipeline
# ---------------------------------------------------------------------------------------------

TOKENIZER_FEEDBACK = {
    "A": "A (str.split) keeps 'happy', 'happy!!!' and 'Happy' as three different tokens, so the model has to "
         "learn the same word three times.",
    "B": "B (lower-case letters only) loses the emoticons ':(' and '<3', often the clearest emotion signal in a "
         "tweet, and cuts \"don't\" into 'don' and 't'.",
}


def _reference_vocab(token_lists, min_freq: int = 1) -> dict[str, int]:
    counts = Counter(token for tokens in token_lists for token in tokens)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    vocab = {"<PAD>": 0, "<UNK>": 1}
    for token, count in ranked:
        if count >= min_freq:
            vocab[token] = len(vocab)
    return vocab


def _test_tokenizer_choice(chosen_tokenizer) -> str:
    choice = _call(chosen_tokenizer)
    if not isinstance(choice, str) or choice.strip().upper() not in ("A", "B", "C"):
        raise Mismatch("`chosen_tokenizer()` should return one letter", expected='"A", "B" or "C"', got=repr(choice))
    choice = choice.strip().upper()
    if choice != "C":
        raise Mismatch(TOKENIZER_FEEDBACK[choice], expected="the tokenizer that fixes both problems", got=choice)
    return "C keeps emoticons and contractions whole and maps 'Happy', 'happy' and 'happy!!!' to one word."


def _test_build_vocab(build_vocab) -> str:
    token_lists = [["i", "am", "happy"], ["i", "am", "sad"], ["so", "happy", "happy"]]
    original = copy.deepcopy(token_lists)
    vocab = _call(build_vocab, token_lists, 2)
    if not isinstance(vocab, dict):
        raise Mismatch("`build_vocab` should return a dict from token to id", got=type(vocab).__name__)
    if vocab.get("<PAD>") != 0 or vocab.get("<UNK>") != 1:
        raise Mismatch("the special tokens must come first", expected="'<PAD>' -> 0 and '<UNK>' -> 1",
                       got=f"'<PAD>' -> {vocab.get('<PAD>')}, '<UNK>' -> {vocab.get('<UNK>')}")
    expected = _reference_vocab(token_lists, 2)
    if set(vocab) != set(expected):
        got_extra = sorted(set(vocab) - set(expected))
        got_missing = sorted(set(expected) - set(vocab))
        hint = ("a token seen exactly min_freq times is kept: use count >= min_freq"
                if "am" in got_missing or "i" in got_missing else None)
        raise Mismatch("wrong tokens kept with min_freq=2 (counts: happy 3, i 2, am 2, sad 1, so 1)",
                       expected=sorted(expected), got=f"{sorted(vocab)} (extra {got_extra}, missing {got_missing})",
                       hint=hint)
    if vocab != expected:
        raise Mismatch("right tokens, but the ids are not in the required order", expected=expected, got=vocab,
                       hint="sort by count (highest first), then alphabetically, so the same data always "
                            "gives the same ids")
    if token_lists != original:
        raise Mismatch("`build_vocab` changed the token lists it was given", got=token_lists)
    for min_freq in (1, 3):
        vocab = _call(build_vocab, token_lists, min_freq)
        if vocab != _reference_vocab(token_lists, min_freq):
            raise Mismatch(f"wrong vocabulary with min_freq={min_freq}",
                           expected=_reference_vocab(token_lists, min_freq), got=vocab)
    if _call(build_vocab, [], 1) != {"<PAD>": 0, "<UNK>": 1}:
        raise Mismatch("with no texts, the vocabulary should hold only the specials",
                       expected={"<PAD>": 0, "<UNK>": 1}, got=_call(build_vocab, [], 1))
    return "Specials first, min_freq is a lower bound (count >= min_freq), ids ordered by count then alphabet."


def _test_encode_splits(encode_splits) -> str:
    train_texts = ["I am happy :)", "so HAPPY today", "i am tired"]
    val_texts = ["I am worried :(", "happy today"]
    result = _call(encode_splits, train_texts, val_texts, 1)
    if not (isinstance(result, tuple) and len(result) == 3):
        raise Mismatch("`encode_splits` should return a tuple (vocab, train_ids, val_ids)", got=type(result).__name__)
    vocab, train_ids, val_ids = result
    expected_vocab = _reference_vocab([tokenize(text) for text in train_texts], 1)
    leaked = sorted(token for token in vocab if token not in expected_vocab)
    if any(token in leaked for token in ("worried", ":(")):
        raise Mismatch("the vocabulary contains words that appear only in the validation texts",
                       expected="a vocabulary built from the training texts only", got=f"it also holds {leaked}",
                       hint="building the vocabulary on all splits leaks validation data into training; at "
                            "prediction time unseen words become <UNK>, so validation must see them that way too")
    if vocab != expected_vocab:
        raise Mismatch("wrong vocabulary for the training texts (tokenized with the course's tokenize)",
                       expected=expected_vocab, got=vocab)
    expected_train = [[expected_vocab[t] for t in tokenize(text)] for text in train_texts]
    expected_val = [[expected_vocab.get(t, 1) for t in tokenize(text)] for text in val_texts]
    if list(map(list, train_ids)) != expected_train:
        raise Mismatch("wrong ids for the training texts", expected=expected_train, got=train_ids)
    if list(map(list, val_ids)) != expected_val:
        raise Mismatch("wrong ids for the validation texts", expected=expected_val, got=val_ids,
                       hint="unknown tokens get the id of '<UNK>' (1): vocab.get(token, 1)")
    return "The vocabulary comes from the training texts only; unseen validation words become <UNK>."


def _test_masked_mean(masked_mean) -> str:
    generator = _generator(1)
    embeddings = torch.randn(3, 4, 2, generator=generator, dtype=torch.float64)  # [batch, seq_len, dim]
    mask = torch.tensor([[True, True, True, True], [True, True, False, False], [True, False, False, False]])
    embeddings[~mask] = 1000.0  # padding positions hold junk: it must not count
    original = embeddings.clone()
    expected = torch.stack([embeddings[row, mask[row]].mean(dim=0) for row in range(3)])  # [batch, dim]
    pooled = _expect_tensor(_call(masked_mean, embeddings, mask), "the result for [3, 4, 2]", (3, 2))
    if _close(pooled, embeddings.mean(dim=1)):
        raise Mismatch("the mean included the padding positions", expected=_rounded(expected[1]),
                       got=_rounded(pooled[1]), hint="zero the padding out (multiply by the mask), then divide by "
                                                     "the number of REAL tokens, mask.sum(dim=1)")
    if not _close(pooled, expected):
        raise Mismatch("wrong mean for row 1 (2 real tokens of 4)", expected=_rounded(expected[1]),
                       got=_rounded(pooled[1]))
    if not torch.equal(embeddings, original):
        raise Mismatch("`masked_mean` changed the embeddings it was given", hint="use masked_fill or a "
                                                                               "multiplication, not masked_fill_")
    empty = _call(masked_mean, torch.ones(1, 3, 2), torch.zeros(1, 3, dtype=torch.bool))
    if torch.isnan(empty).any() or not torch.equal(empty, torch.zeros(1, 2)):
        raise Mismatch("a row with no real token should pool to zeros", expected=[[0.0, 0.0]], got=empty.tolist(),
                       hint="0 / 0 is nan: divide by the count clamped to at least 1")
    return "Padding is ignored, the input is untouched, and an empty row gives zeros instead of nan."


def _test_collate(collate) -> str:
    batch = [([5, 6, 7], 1), ([8], 0), ([9, 10], 2)]
    original = copy.deepcopy(batch)
    result = _call(collate, batch)
    if not (isinstance(result, tuple) and len(result) == 3):
        raise Mismatch("`collate` should return a tuple (padded, lengths, labels)", got=type(result).__name__)
    if batch != original:
        raise Mismatch("`collate` changed the lists in the batch it was given (padding appended in place)",
                       expected=original, got=batch, hint="build new lists: ids + [pad_index] * (longest - len(ids))")
    padded, lengths, labels = result
    expected = torch.tensor([[5, 6, 7], [8, 0, 0], [9, 10, 0]])
    _expect_tensor(padded, "padded", (3, 3), torch.long)
    if not torch.equal(padded, expected):
        raise Mismatch("wrong padded batch", expected=expected.tolist(), got=padded.tolist())
    _expect_tensor(lengths, "lengths", (3,), torch.long)
    if lengths.tolist() != [3, 1, 2]:
        raise Mismatch("wrong lengths", expected=[3, 1, 2], got=lengths.tolist(),
                       hint="lengths are the lengths BEFORE padding")
    _expect_tensor(labels, "labels", (3,), torch.long)
    if labels.tolist() != [1, 0, 2]:
        raise Mismatch("wrong labels", expected=[1, 0, 2], got=labels.tolist())
    other_pad, _, _ = _call(collate, [([4], 0), ([4, 4], 1)], pad_index=9)
    if not isinstance(other_pad, torch.Tensor) or other_pad.tolist() != [[4, 9], [4, 4]]:
        raise Mismatch("pad_index=9 was not used for padding", expected=[[4, 9], [4, 4]],
                       got=getattr(other_pad, "tolist", lambda: other_pad)())
    return "Padded to the longest sequence with pad_index, true lengths, labels, and the batch is untouched."


def _test_tweet_dataset(dataset_class) -> str:
    vocab = {"<PAD>": 0, "<UNK>": 1, "happy": 2, "i": 3, "am": 4, ":)": 5}
    texts, labels = ["I am happy :)", "I am worried", ""], [2, 1, 0]
    dataset = _call(dataset_class, texts, labels, vocab, name="TweetDataset")
    length = _call(len, dataset, name="len(dataset)")
    if length != 3:
        raise Mismatch("wrong len(dataset)", expected=3, got=length)
    expected = [[3, 4, 2, 5], [3, 4, 1], [1]]
    for index in range(3):
        item = _call(dataset.__getitem__, index, name=f"dataset[{index}]")
        if not (isinstance(item, tuple) and len(item) == 2):
            raise Mismatch(f"dataset[{index}] should be a pair (ids, label)", got=repr(item))
        ids, label = item
        _expect_tensor(ids, f"the ids of dataset[{index}]", (len(expected[index]),), torch.long)
        if ids.tolist() != expected[index]:
            hint = "an empty text becomes [<UNK>] so that no sequence has length 0" if index == 2 else None
            raise Mismatch(f"wrong ids for {texts[index]!r}", expected=expected[index], got=ids.tolist(), hint=hint)
        if label != labels[index]:
            raise Mismatch(f"wrong label for dataset[{index}]", expected=labels[index], got=label)
    return "Texts are tokenized and encoded, unknown words become <UNK>, and no item is empty."


a2 = Assignment(
    "A2 The text pipeline",
    q1=Question(
        "A2.1", "choosing a tokenizer", "chosen_tokenizer", _test_tokenizer_choice,
        hint_text="Look at what each tokenizer does to 'Happy', 'happy!!!', ':(' and \"don't\" in the table above.",
        solution_code="""
            def chosen_tokenizer():
                return "C"
            """,
    ),
    q2=Question(
        "A2.2", "a vocabulary with min_freq", "build_vocab", _test_build_vocab,
        hint_text="Count with collections.Counter, sort by (-count, token), keep counts >= min_freq, and "
                  "number the tokens after '<PAD>' (0) and '<UNK>' (1).",
        solution_code="""
            from collections import Counter

            def build_vocab(token_lists, min_freq=1):
                counts = Counter(token for tokens in token_lists for token in tokens)
                vocab = {"<PAD>": 0, "<UNK>": 1}
                for token, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
                    if count >= min_freq:
                        vocab[token] = len(vocab)
                return vocab
            """,
    ),
    q3=Question(
        "A2.3", "encoding the splits", "encode_splits", _test_encode_splits,
        hint_text="Tokenize, build the vocabulary from the TRAINING texts only, then encode both splits with "
                  "vocab.get(token, vocab['<UNK>']).",
        solution_code="""
            def encode_splits(train_texts, val_texts, min_freq=1):
                vocab = build_vocab([tokenize(text) for text in train_texts], min_freq)
                def encode(text):
                    return [vocab.get(token, vocab["<UNK>"]) for token in tokenize(text)]
                return vocab, [encode(text) for text in train_texts], [encode(text) for text in val_texts]
            """,
    ),
    q4=Question(
        "A2.4", "masked mean pooling", "masked_mean", _test_masked_mean,
        hint_text="mask.unsqueeze(-1) is [batch, seq_len, 1]: multiply, sum over dim 1, divide by the number "
                  "of real tokens (at least 1).",
        solution_code="""
            def masked_mean(embeddings, mask):
                weights = mask.unsqueeze(-1).to(embeddings.dtype)  # [batch, seq_len, 1]
                summed = (embeddings * weights).sum(dim=1)  # [batch, dim]
                counts = weights.sum(dim=1).clamp(min=1)  # [batch, 1]
                return summed / counts
            """,
    ),
    q5=Question(
        "A2.5", "a collate function with lengths", "collate", _test_collate,
        hint_text="Find the longest sequence, build NEW padded lists (never append to the given ones), and "
                  "turn padded ids, lengths and labels into LongTensors.",
        solution_code="""
            def collate(batch, pad_index=0):
                longest = max(len(ids) for ids, _ in batch)
                padded = [list(ids) + [pad_index] * (longest - len(ids)) for ids, _ in batch]
                lengths = [len(ids) for ids, _ in batch]
                labels = [label for _, label in batch]
                return torch.tensor(padded), torch.tensor(lengths), torch.tensor(labels)
            """,
    ),
    q6=Question(
        "A2.6", "a Dataset class", "TweetDataset", _test_tweet_dataset,
        hint_text="Encode every text once in __init__ (tokenize, then vocab.get(token, unk)); use [unk] for "
                  "a text with no tokens; __getitem__ returns (torch.tensor(ids), label).",
        solution_code="""
            from torch.utils.data import Dataset

            class TweetDataset(Dataset):
                def __init__(self, texts, labels, vocab):
                    unk = vocab["<UNK>"]
                    self.ids = [[vocab.get(token, unk) for token in tokenize(text)] or [unk] for text in texts]
                    self.labels = list(labels)

                def __len__(self):
                    return len(self.ids)

                def __getitem__(self, index):
                    return torch.tensor(self.ids[index], dtype=torch.long), self.labels[index]
            """,
    ),
)


# ---------------------------------------------------------------------------------------------
# A3 · Recurrent models
# ---------------------------------------------------------------------------------------------

BUGGY_LISTING = '''\
import torch
from torch import nn


class TinyLSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.gates = nn.Linear(input_size + hidden_size, 4 * hidden_size)

    def forward(self, x, state):
        h, c = state
        i, f, g, o = self.gates(torch.cat([x, h], dim=1)).chunk(4, dim=1)
        i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)
        g = torch.sigmoid(g)
        c = f * c + i * g
        h = o * torch.tanh(c)
        return h, c


class TinyLSTM(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.cell = TinyLSTMCell(input_size, hidden_size)

    def forward(self, x):  # x: [batch, seq_len, input_size]
        h = x.new_zeros(x.size(0), self.hidden_size)
        c = x.new_zeros(x.size(0), self.hidden_size)
        outputs = x.new_zeros(x.size(0), 0, self.hidden_size)
        for x_t in x.unbind(dim=1):
            h, c = self.cell(x_t, (h, c))
            outputs = torch.cat([outputs, h.unsqueeze(1)], dim=1)
        print("outputs", outputs.shape, "h", h.shape)
        return outputs, (h, c)


class EarlyStopping:
    def __init__(self, patience=5):
        self.patience = patience
        self.best = None
        self.should_stop = False

    def step(self, val_loss):
        if self.best is None:
            self.best = val_loss
        elif val_loss < self.best:
            self.best = val_loss
            self.counter = 0
        else:
            self.counter += 1
            self.should_stop = self.counter >= self.patience
        return self.should_stop
'''


def _line_of(fragment: str) -> int:
    """The 1-based line number of the first line of ``BUGGY_LISTING`` that contains ``fragment``."""
    for number, line in enumerate(BUGGY_LISTING.splitlines(), start=1):
        if fragment in line:
            return number
    raise ValueError(f"{fragment!r} is not in the listing")


BUGS = {
    _line_of("g = torch.sigmoid(g)"): "the cell candidate g needs tanh (values in -1..1), not sigmoid",
    _line_of("outputs = torch.cat("): "growing a tensor with torch.cat at every step copies it each time: "
                                      "quadratic; collect a list and torch.stack once",
    _line_of('print("outputs"'): "a print inside forward floods the output every batch",
    _line_of("self.counter += 1"): "counter is never set in __init__, so the first epoch without improvement "
                                   "crashes with AttributeError",
}


def _numbered_listing() -> str:
    return "\n".join(f"{number:2d} | {line}".rstrip() for number, line in
                     enumerate(BUGGY_LISTING.splitlines(), start=1))


def _run_cell_over_sequence(lstm_cell, lstm: nn.LSTM, x: torch.Tensor):
    """Run the student's cell over ``x`` [batch, seq_len, input] with ``lstm``'s weights."""
    h = x.new_zeros(x.size(0), lstm.hidden_size)
    c = x.new_zeros(x.size(0), lstm.hidden_size)
    outputs = []
    for step, x_t in enumerate(x.unbind(dim=1)):
        c_before = c.clone()
        result = _call(lstm_cell, x_t, h, c, lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0,
                       lstm.bias_hh_l0, name="lstm_cell")
        if not (isinstance(result, tuple) and len(result) == 2):
            raise Mismatch("`lstm_cell` should return a pair (h, c)", got=type(result).__name__)
        if not torch.equal(c, c_before):
            raise Mismatch("`lstm_cell` changed the c it was given in place", hint="compute a new c; no mul_ or add_")
        h, c = result
        _expect_tensor(h, f"h at step {step}", (x.size(0), lstm.hidden_size))
        _expect_tensor(c, f"c at step {step}", (x.size(0), lstm.hidden_size))
        outputs.append(h)
    return torch.stack(outputs, dim=1), h, c


def _reference_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, cell_activation=torch.tanh, order="ifgo"):
    gates = dict(zip(order, (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1), strict=True))
    c = torch.sigmoid(gates["f"]) * c + torch.sigmoid(gates["i"]) * cell_activation(gates["g"])
    return torch.sigmoid(gates["o"]) * torch.tanh(c), c


def _test_lstm_cell(lstm_cell) -> str:
    torch_state = torch.random.get_rng_state()
    torch.manual_seed(3)  # nn.LSTM draws its weights from the global generator: put it back afterwards
    lstm = nn.LSTM(input_size=3, hidden_size=4, batch_first=True).double()
    torch.random.set_rng_state(torch_state)
    x = torch.randn(2, 5, 3, generator=_generator(4), dtype=torch.float64)  # [batch, seq_len, input]
    with torch.no_grad():
        expected, (h_n, c_n) = lstm(x)
        output, h, c = _run_cell_over_sequence(lstm_cell, lstm, x)
        weights = (lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0)
        first_step = (x[:, 0], x.new_zeros(2, 4), x.new_zeros(2, 4), *weights)
        sigmoid_g, _ = _reference_cell(*first_step, cell_activation=torch.sigmoid)
        wrong_order, _ = _reference_cell(*first_step, order="ifog")
    if not _close(output[:, 0], expected[:, 0]):
        hint = None
        if _close(output[:, 0], sigmoid_g):
            hint = "your cell candidate g uses sigmoid; the equations use tanh"
        elif _close(output[:, 0], wrong_order):
            hint = "PyTorch stacks the gate rows in the order i, f, g, o"
        raise Mismatch("h after the first step differs from nn.LSTM's", expected=_rounded(expected[0, 0]),
                       got=_rounded(output[0, 0]), hint=hint)
    if not _close(output, expected):
        raise Mismatch("the first step is right, but later steps differ from nn.LSTM's (is the old c used?)",
                       expected=_rounded(expected[0, -1]), got=_rounded(output[0, -1]))
    if not (_close(h, h_n[0]) and _close(c, c_n[0])):
        raise Mismatch("the final (h, c) differ from nn.LSTM's", expected=_rounded(c_n[0, 0]), got=_rounded(c[0]))
    return "Five steps of your cell reproduce nn.LSTM's outputs and final (h, c)."


def _test_avg_pool(avg_pool) -> str:
    outputs = torch.randn(3, 4, 2, generator=_generator(5), dtype=torch.float64)  # [batch, seq_len, hidden]
    lengths = torch.tensor([4, 2, 1])
    for row, length in enumerate(lengths.tolist()):
        outputs[row, length:] = 1000.0  # whatever sits after the true length must not count
    expected = torch.stack([outputs[row, :length].mean(dim=0) for row, length in enumerate(lengths.tolist())])
    pooled = _expect_tensor(_call(avg_pool, outputs, lengths), "the result for [3, 4, 2]", (3, 2))
    if _close(pooled, outputs.mean(dim=1)):
        raise Mismatch("the average included the padded time steps", expected=_rounded(expected[1]),
                       got=_rounded(pooled[1]), hint="average over the first lengths[b] steps of each sequence only")
    if not _close(pooled, expected):
        raise Mismatch("wrong average for row 1 (true length 2 of 4)", expected=_rounded(expected[1]),
                       got=_rounded(pooled[1]))
    zero_padded = outputs.clone()
    for row, length in enumerate(lengths.tolist()):
        zero_padded[row, length:] = 0.0  # what pad_packed_sequence gives
    if not _close(_call(avg_pool, zero_padded, lengths), expected):
        raise Mismatch("wrong average when the padding is zeros (as pad_packed_sequence returns it)",
                       hint="divide by the true lengths, not by seq_len")
    try:
        on_meta = avg_pool(outputs.to("meta"), lengths)
    except NotImplementedError as error:
        raise NotDoneYet from error
    except Exception as error:
        raise Mismatch("with outputs on another device than lengths (lengths stay on the CPU for packing), "
                       "your function fails", got=f"{type(error).__name__}: {error}",
                       hint="move lengths to outputs.device, and create new tensors there") from error
    if not isinstance(on_meta, torch.Tensor) or on_meta.device.type != "meta":
        raise Mismatch("the result is not on the device of outputs", expected="device meta",
                       got=getattr(on_meta, "device", type(on_meta).__name__))
    return "Averages over the true lengths only, and works with outputs on any device."


def _steps(stopper, losses) -> list[bool]:
    return [bool(_call(stopper.step, loss, name="step")) for loss in losses]


def _test_early_stopping(stopper_class) -> str:
    stopper = _call(stopper_class, 3, name="EarlyStopping")
    if getattr(stopper, "counter", None) != 0 or getattr(stopper, "best_loss", "missing") is not None:
        raise Mismatch("a new EarlyStopping should start with counter = 0 and best_loss = None",
                       expected="counter 0, best_loss None", got=f"counter {getattr(stopper, 'counter', 'missing')}, "
                       f"best_loss {getattr(stopper, 'best_loss', 'missing')}", hint="set both in __init__")
    try:
        stops = _steps(_call(stopper_class, 1, name="EarlyStopping"), [1.0, 1.1])
    except Mismatch as failure:
        raise Mismatch(f"losses 1.0 then 1.1 with patience 1: {failure.problem}", expected="[False, True]",
                       hint="initialise counter in __init__: the first epoch without improvement adds 1 to it"
                       ) from failure
    if stops != [False, True]:
        raise Mismatch("losses 1.0 then 1.1 with patience 1", expected=[False, True], got=stops)
    losses = [1.0, 0.8, 0.85, 0.9, 0.95]
    stops = _steps(stopper, losses)
    if stops != [False, False, False, False, True]:
        raise Mismatch(f"wrong answers from step() for losses {losses} with patience 3",
                       expected=[False, False, False, False, True], got=stops)
    if stopper.best_loss != 0.8 or stopper.counter != 3:
        raise Mismatch("after those steps", expected="best_loss 0.8, counter 3",
                       got=f"best_loss {stopper.best_loss}, counter {stopper.counter}")
    stops = _steps(_call(stopper_class, 2, name="EarlyStopping"), [1.0, 1.1, 0.9, 1.0, 1.0])
    if stops != [False, False, False, False, True]:
        raise Mismatch("an improvement must reset the counter (losses 1.0, 1.1, 0.9, 1.0, 1.0, patience 2)",
                       expected=[False, False, False, False, True], got=stops)
    stopper = _call(stopper_class, 5, 0.1, name="EarlyStopping")
    _steps(stopper, [1.0, 0.95])
    if stopper.best_loss != 1.0 or stopper.counter != 1:
        raise Mismatch("with min_delta=0.1, going from 1.0 to 0.95 is not an improvement",
                       expected="best_loss 1.0, counter 1", got=f"best_loss {stopper.best_loss}, "
                                                                f"counter {stopper.counter}")
    if _steps(_call(stopper_class, 1, name="EarlyStopping"), [0.5, 0.5]) != [False, True]:
        raise Mismatch("an equal loss is not an improvement", expected=[False, True])
    return "Counts epochs without improvement from the first one, resets on improvement, honours min_delta."


def _test_bug_lines(bug_lines) -> str:
    answer = _call(bug_lines)
    if not isinstance(answer, (set, list, tuple, frozenset)) or not all(isinstance(n, int) for n in answer):
        raise Mismatch("`bug_lines()` should return a set of line numbers", expected="e.g. {3, 17}",
                       got=repr(answer))
    answer = set(answer)
    found, wrong = answer & set(BUGS), sorted(answer - set(BUGS))
    if found != set(BUGS) or wrong:
        got = f"{len(found)} of {len(BUGS)} bugs found"
        if wrong:
            got += f"; line(s) {wrong} are fine as they are"
        raise Mismatch("not all the bugs, or not only bugs", expected=f"the {len(BUGS)} lines with a bug", got=got,
                       hint="one wrong activation, one quadratic copy, one debugging leftover, and one crash "
                            "on the second epoch; for a crash, give the line that raises")
    return f"All {len(BUGS)} bugs found: " + "; ".join(f"line {line}: {why}" for line, why in sorted(BUGS.items()))


a3 = Assignment(
    "A3 Recurrent models",
    q1=Question(
        "A3.1", "an LSTM cell from its equations", "lstm_cell", _test_lstm_cell,
        hint_text="gates = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh, then gates.chunk(4, dim=1) "
                  "gives i, f, g, o in that order; sigmoid for i, f, o and tanh for g.",
        solution_code="""
            def lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
                gates = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh  # [batch, 4 * hidden]
                i, f, g, o = gates.chunk(4, dim=1)  # each [batch, hidden]
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
                return h, c
            """,
    ),
    q2=Question(
        "A3.2", "average pooling over the true lengths", "avg_pool", _test_avg_pool,
        hint_text="Build a mask [batch, seq_len, 1] from the lengths (on outputs.device), sum the masked "
                  "outputs over time and divide by the lengths.",
        solution_code="""
            def avg_pool(outputs, lengths):
                lengths = lengths.to(outputs.device)
                positions = torch.arange(outputs.size(1), device=outputs.device)  # [seq_len]
                mask = (positions.unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(-1)  # [batch, seq_len, 1]
                summed = (outputs * mask).sum(dim=1)  # [batch, hidden]
                return summed / lengths.unsqueeze(1).to(outputs.dtype)
            """,
    ),
    q3=Question(
        "A3.3", "an EarlyStopping class", "EarlyStopping", _test_early_stopping,
        hint_text="In __init__ set patience, min_delta, best_loss = None and counter = 0. In step(): an "
                  "improvement is best_loss is None or val_loss < best_loss - min_delta.",
        solution_code="""
            class EarlyStopping:
                def __init__(self, patience=5, min_delta=0.0):
                    self.patience = patience
                    self.min_delta = min_delta
                    self.best_loss = None
                    self.counter = 0

                def step(self, val_loss):
                    if self.best_loss is None or val_loss < self.best_loss - self.min_delta:
                        self.best_loss = val_loss
                        self.counter = 0
                    else:
                        self.counter += 1
                    return self.counter >= self.patience
            """,
    ),
    q4=Question(
        "A3.4", "spot the bugs", "bug_lines", _test_bug_lines,
        hint_text="Read the listing with the LSTM equations next to it, then ask of each loop what it costs, "
                  "and of each attribute where it is first set.",
        solution_code="def bug_lines():\n    return " + "{" + ", ".join(str(line) for line in sorted(BUGS)) + "}",
        material=_numbered_listing(),
    ),
)

ASSIGNMENTS = {"a1": a1, "a2": a2, "a3": a3}

__all__ = ["ASSIGNMENTS", "Assignment", "Mismatch", "NotDoneYet", "Question", "Verdict", "a1", "a2", "a3"]
