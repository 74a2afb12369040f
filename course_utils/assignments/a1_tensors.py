"""A1 · Tensors and broadcasting: the checks of its four questions."""

from __future__ import annotations

from collections.abc import Mapping

import torch

from course_utils.assignments.core import (
    Assignment,
    Mismatch,
    Question,
    _call,
    _call_on_meta,
    _close,
    _CountTorchCalls,
    _expect_tensor,
    _generator,
    _not_done_or_mismatch,
    _rounded,
    reference,
)

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
        return tuple(eval(expression, {"torch": torch}).shape)  # the puzzles are the fixed strings above
    except RuntimeError:
        return "error"


def _read_shape_answer(value) -> tuple[int, ...] | str | None:
    """A prediction as a tuple of ints or "error"; None if it cannot be read. ``2`` reads as ``(2,)``."""
    if isinstance(value, str):
        return "error" if "error" in value.strip().lower() else None
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, (tuple, list, torch.Size)) and all(isinstance(n, int) for n in value):
        return tuple(value)
    return None


def _answers(predicted_shapes) -> Mapping:
    answers = _call(predicted_shapes)
    if not isinstance(answers, Mapping):
        raise Mismatch("`predicted_shapes()` should return a dict", expected='{"a": (2, 3), "b": "error", ...}',
                       got=type(answers).__name__)
    return answers


def _puzzle_parts(predicted_shapes) -> tuple[int, int]:
    """(puzzles predicted right, number of puzzles): A1.1's partial credit."""
    if predicted_shapes is None:
        return 0, len(SHAPE_PUZZLES)
    answers = _answers(predicted_shapes)
    right = sum(_read_shape_answer(answers.get(key)) == _puzzle_result(expression)
                for key, expression in SHAPE_PUZZLES.items())
    return right, len(SHAPE_PUZZLES)


def _test_shape_puzzles(predicted_shapes) -> str:
    answers = _answers(predicted_shapes)
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


def _mse_value(mse_loss, predictions, targets, where: str):
    expected = ((predictions.detach().reshape(-1).double() - targets.double()) ** 2).mean()
    loss = _expect_tensor(_call(mse_loss, predictions, targets), f"the loss for {where}", ())
    if not _close(loss, expected):
        raise Mismatch(f"wrong value for {where}", expected=f"{expected.item():.4f}", got=f"{loss.item():.4f}")
    return loss


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
    (gradient,) = torch.autograd.grad(loss, weights)
    if not _close(gradient, 2 * (predictions.detach() - targets.unsqueeze(1)) / 4):
        raise Mismatch("the gradient of the loss is wrong (is part of the computation detached?)",
                       expected=_rounded(2 * (predictions.detach() - targets.unsqueeze(1)).squeeze(1) / 4),
                       got=_rounded(gradient.squeeze(1)))
    _mse_value(mse_loss, torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0]), "predictions [2] and targets [2]")
    _mse_value(mse_loss, torch.tensor([[3.0]]), torch.tensor([1.0]), "a batch of one: predictions [1, 1], targets [1]")
    try:
        mse_loss(torch.zeros(3, 1), torch.zeros(4))
    except NotImplementedError as error:
        raise _not_done_or_mismatch(error, mse_loss, "mse_loss") from error
    except ValueError:
        pass
    except Exception as error:
        raise Mismatch("predictions [3, 1] with targets [4] should raise ValueError", expected="ValueError",
                       got=f"{type(error).__name__}: {error}") from error
    else:
        raise Mismatch("predictions [3, 1] with targets [4] cannot be compared, but no error was raised",
                       expected="ValueError", got="a value", hint="compare predictions.numel() and targets.numel()")
    return "Right value for [4, 1] vs [4] and for a batch of one, differentiable, and a ValueError when sizes differ."


def _mse_case(mse_loss, n: int, seed: int, dtype: str = "float32", column: bool = True) -> None:
    generator = _generator(seed)
    shape = (n, 1) if column else (n,)
    predictions = torch.randn(*shape, generator=generator, dtype=getattr(torch, dtype))
    targets = torch.randn(n, generator=generator, dtype=getattr(torch, dtype))
    _mse_value(mse_loss, predictions, targets, f"predictions {list(predictions.shape)} and targets [{n}]")


def _test_pairwise_distances(pairwise_distances) -> str:
    generator = _generator(0)
    a = torch.randn(2, 3, 4, generator=generator, dtype=torch.float64)  # [batch, n, dim]
    b = torch.randn(2, 5, 4, generator=generator, dtype=torch.float64)  # [batch, m, dim]
    with _CountTorchCalls() as counter:
        distances = _call(pairwise_distances, a, b)
    if "cdist" in counter.names:
        raise Mismatch("your function calls torch.cdist; this question asks you to write it with broadcasting",
                       hint="a[:, :, None, :] - b[:, None, :, :] is [batch, n, m, dim]")
    distances = _expect_tensor(distances, "the result for a [2, 3, 4], b [2, 5, 4]", (2, 3, 5))
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
    for batch, n, m, dim in [(2, 3, 4, 2), (5, 7, 6, 3)]:  # every size changes, the feature dim too
        a, b = torch.randn(batch, n, dim, generator=generator), torch.randn(batch, m, dim, generator=generator)
        with _CountTorchCalls() as counter:
            pairwise_distances(a, b)
        calls.append(counter.calls)
    if calls[0] != calls[1]:
        raise Mismatch("the number of tensor operations grows with the input size, so there is a Python loop",
                       expected="the same number of operations for any size", got=f"{calls[0]} for [2, 3|4, 2] and "
                       f"{calls[1]} for [5, 7|6, 3]", hint="use broadcasting: a[:, :, None, :] - b[:, None, :, :] "
                                                          "is [batch, n, m, dim]")
    return "Matches torch.cdist, gives 0 from a point to itself, and uses no Python loop."


def _distances_case(pairwise_distances, a: tuple, b: tuple, seed: int, dtype: str = "float64") -> None:
    generator = _generator(seed)
    first = torch.randn(*a, generator=generator, dtype=getattr(torch, dtype))
    second = torch.randn(*b, generator=generator, dtype=getattr(torch, dtype))
    got = _expect_tensor(_call(pairwise_distances, first, second), f"the result for a {list(a)}, b {list(b)}",
                         (a[0], a[1], b[1]))
    if not _close(got, torch.cdist(first, second)):
        raise Mismatch(f"wrong distances for a {list(a)}, b {list(b)}")


@reference
def _expected_mask(lengths: list[int], max_len: int | None) -> torch.Tensor:
    width = max(lengths) if max_len is None else max_len
    return torch.arange(width).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)


def _test_lengths_to_mask(lengths_to_mask) -> str:
    lengths = torch.tensor([3, 1, 2])
    expected = _expected_mask([3, 1, 2], None)
    mask = _expect_tensor(_call(lengths_to_mask, lengths), "the mask for lengths [3, 1, 2]", (3, 3), torch.bool)
    if not torch.equal(mask, expected):
        raise Mismatch("wrong mask for lengths [3, 1, 2]", expected=expected.tolist(), got=mask.tolist())
    wide = _expect_tensor(_call(lengths_to_mask, lengths, 5), "the mask with max_len=5", (3, 5), torch.bool)
    if not torch.equal(wide, _expected_mask([3, 1, 2], 5)):
        raise Mismatch("wrong mask with max_len=5", expected=f"{expected.tolist()} plus two False columns",
                       got=wide.tolist())
    # "meta" tensors stand in for a GPU: a helper that makes a new tensor on the CPU fails on them, exactly as
    # it fails on a GPU (values read with .item() or bool() are answered from a CPU copy, as a GPU would).
    try:
        on_meta = _call_on_meta(lengths_to_mask, lengths, 4, name="lengths_to_mask")
    except Mismatch as failure:
        raise Mismatch("with lengths on another device (here PyTorch's 'meta' device) your function fails",
                       expected="a mask on the same device as lengths", got=failure.problem,
                       hint=failure.hint or "create new tensors on lengths.device: "
                                            "torch.arange(max_len, device=lengths.device)") from failure
    if not isinstance(on_meta, torch.Tensor) or on_meta.device.type != "meta":
        raise Mismatch("the mask is not on the same device as lengths", expected="device meta",
                       got=getattr(on_meta, "device", type(on_meta).__name__))
    return "Right mask, max_len honoured, and the mask is made on the device of lengths."


def _mask_case(lengths_to_mask, lengths: list[int], max_len: int | None = None) -> None:
    args = (torch.tensor(lengths),) if max_len is None else (torch.tensor(lengths), max_len)
    expected = _expected_mask(lengths, max_len)
    mask = _expect_tensor(_call(lengths_to_mask, *args), f"the mask for lengths {lengths}", tuple(expected.shape),
                          torch.bool)
    if not torch.equal(mask, expected):
        raise Mismatch(f"wrong mask for lengths {lengths}", expected=expected.tolist(), got=mask.tolist())


a1 = Assignment(
    "A1 Tensors and broadcasting",
    q1=Question(
        "A1.1", "shape puzzles", "predicted_shapes", _test_shape_puzzles,
        hint_text="Broadcasting lines shapes up from the RIGHT; two sizes fit if they are equal or one is 1. "
                  "A @ B needs A's last size to equal B's first (or second-to-last) size.",
        parts=_puzzle_parts,
        material="\n".join(f"{key})  {expression}" for key, expression in SHAPE_PUZZLES.items()),
    ),
    q2=Question(
        "A1.2", "a loss that does not broadcast", "mse_loss", _test_mse_loss,
        hint_text="Print (predictions - targets).shape. Flatten predictions to the targets' shape first, and "
                  "refuse inputs whose numel() differ.",
        extra_case=_mse_case,
    ),
    q3=Question(
        "A1.3", "pairwise distances", "pairwise_distances", _test_pairwise_distances,
        hint_text="Insert axes so the two point sets broadcast against each other: a[:, :, None, :] is "
                  "[batch, n, 1, dim] and b[:, None, :, :] is [batch, 1, m, dim].",
        extra_case=_distances_case,
    ),
    q4=Question(
        "A1.4", "a device-safe mask", "lengths_to_mask", _test_lengths_to_mask,
        hint_text="Compare a row of positions [0, 1, ..., max_len-1] with a column of lengths; build the "
                  "positions with device=lengths.device.",
        extra_case=_mask_case,
    ),
)

__all__ = ["SHAPE_PUZZLES", "a1"]
