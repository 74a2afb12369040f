"""A3 · Recurrent models: the checks of its four questions."""

from __future__ import annotations

import torch
from torch import nn

from course_utils.assignments.core import (
    Assignment,
    MetaWithValues,
    Mismatch,
    Question,
    _call,
    _close,
    _CountTorchCalls,
    _expect_tensor,
    _generator,
    _rounded,
    reference,
)

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


@reference
def _reference_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, cell_activation=torch.tanh, order="ifgo"):
    gates = dict(zip(order, (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1), strict=True))
    c = torch.sigmoid(gates["f"]) * c + torch.sigmoid(gates["i"]) * cell_activation(gates["g"])
    return torch.sigmoid(gates["o"]) * torch.tanh(c), c


def _run_cell_over_sequence(lstm_cell, weights, x: torch.Tensor, hidden_size: int, counter=None):
    """Run the student's cell over ``x`` [batch, seq_len, input]; returns the outputs [batch, seq_len, hidden]."""
    h = x.new_zeros(x.size(0), hidden_size)
    c = x.new_zeros(x.size(0), hidden_size)
    outputs = []
    for step, x_t in enumerate(x.unbind(dim=1)):
        c_before = c.detach().clone()
        result = _call(lstm_cell, x_t, h, c, *weights, name="lstm_cell")
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise Mismatch("`lstm_cell` should return a pair (h, c)", got=type(result).__name__)
        if not torch.equal(c.detach(), c_before):
            raise Mismatch("`lstm_cell` changed the c it was given in place", hint="compute a new c; no mul_ or add_")
        h, c = result
        _expect_tensor(h, f"h at step {step}", (x.size(0), hidden_size))
        _expect_tensor(c, f"c at step {step}", (x.size(0), hidden_size))
        outputs.append(h)
    return torch.stack(outputs, dim=1), h, c


def _lstm(seed: int, input_size: int, hidden_size: int) -> nn.LSTM:
    saved = torch.random.get_rng_state()
    torch.manual_seed(seed)  # nn.LSTM draws its weights from the global generator: put it back afterwards
    lstm = nn.LSTM(input_size=input_size, hidden_size=hidden_size, batch_first=True).double()
    torch.random.set_rng_state(saved)
    return lstm


def _lstm_case(lstm_cell, batch: int, seq_len: int, input_size: int, hidden_size: int, seed: int) -> None:
    lstm = _lstm(seed, input_size, hidden_size)
    weights = (lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0)
    x = torch.randn(batch, seq_len, input_size, generator=_generator(seed + 1), dtype=torch.float64)
    with torch.no_grad():
        expected, _ = lstm(x)
        output, _, _ = _run_cell_over_sequence(lstm_cell, weights, x, hidden_size)
    if not _close(output, expected):
        raise Mismatch(f"outputs differ from nn.LSTM's for a batch of {batch}, {seq_len} steps, "
                       f"input {input_size}, hidden {hidden_size}")


def _test_lstm_cell(lstm_cell) -> str:
    lstm = _lstm(3, 3, 4)
    weights = (lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0)
    x = torch.randn(2, 5, 3, generator=_generator(4), dtype=torch.float64, requires_grad=True)  # [batch, seq, in]
    expected, (h_n, c_n) = lstm(x)
    with _CountTorchCalls() as counter:
        output, h, c = _run_cell_over_sequence(lstm_cell, weights, x, 4)
    if any("lstm" in name.lower() for name in counter.names):
        raise Mismatch("your cell calls PyTorch's own LSTM code; this question asks for the equations",
                       hint="gates = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh, then chunk(4, dim=1)")
    with torch.no_grad():
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
    if not output.requires_grad:
        raise Mismatch("the outputs are not connected to the inputs, so the LSTM cannot learn",
                       hint="no .detach(), .item() or torch.tensor(...) inside the cell")
    (expected_grad,) = torch.autograd.grad(expected[:, -1].sum(), x)
    (got_grad,) = torch.autograd.grad(output[:, -1].sum(), x)
    if not _close(got_grad, expected_grad):
        raise Mismatch("the gradient through time differs from nn.LSTM's: the last output should depend on "
                       "every earlier input", expected=_rounded(expected_grad[0, 0]), got=_rounded(got_grad[0, 0]),
                       hint="do not detach h or c: gradients must flow from step to step")
    return "Five steps of your cell reproduce nn.LSTM's outputs, final (h, c) and gradients through time."


@reference
def _pool_reference(outputs: torch.Tensor, lengths: list[int]) -> torch.Tensor:
    return torch.stack([outputs[row, :length].mean(dim=0) for row, length in enumerate(lengths)])


def _pool_case(avg_pool, lengths: list[int], seq_len: int, hidden: int, seed: int, dtype: str = "float32") -> None:
    outputs = torch.randn(len(lengths), seq_len, hidden, generator=_generator(seed), dtype=getattr(torch, dtype))
    pooled = _expect_tensor(_call(avg_pool, outputs.clone(), torch.tensor(lengths)),
                            f"the result for lengths {lengths}", (len(lengths), hidden))
    if not _close(pooled, _pool_reference(outputs, lengths)):
        raise Mismatch(f"wrong average for lengths {lengths}")


def _test_avg_pool(avg_pool) -> str:
    outputs = torch.randn(3, 4, 2, generator=_generator(5), dtype=torch.float64)  # [batch, seq_len, hidden]
    lengths = torch.tensor([4, 2, 1])
    for row, length in enumerate(lengths.tolist()):
        outputs[row, length:] = 1000.0  # whatever sits after the true length must not count
    original = outputs.clone()
    leaf = original.clone().requires_grad_(True)
    outputs = leaf * 1.0  # like an LSTM's output: not a leaf, so an in-place change is possible (and wrong)
    expected = _pool_reference(original, lengths.tolist())
    pooled = _expect_tensor(_call(avg_pool, outputs, lengths), "the result for [3, 4, 2]", (3, 2))
    if _close(pooled, original.mean(dim=1)):
        raise Mismatch("the average included the padded time steps", expected=_rounded(expected[1]),
                       got=_rounded(pooled[1]), hint="average over the first lengths[b] steps of each sequence only")
    if not _close(pooled, expected):
        raise Mismatch("wrong average for row 1 (true length 2 of 4)", expected=_rounded(expected[1]),
                       got=_rounded(pooled[1]))
    if not torch.equal(outputs.detach(), original):
        raise Mismatch("`avg_pool` changed the outputs it was given (backward needs them as they were)",
                       hint="build a mask and multiply; no in-place assignment into outputs")
    if not pooled.requires_grad:
        raise Mismatch("the result is not connected to the LSTM outputs, so no gradient reaches the LSTM",
                       hint="no .detach(), .numpy() or torch.tensor(...) inside the pooling")
    (gradient,) = torch.autograd.grad(pooled.sum(), leaf)
    mask = (torch.arange(4).unsqueeze(0) < lengths.unsqueeze(1)).double().unsqueeze(-1)
    if not _close(gradient, mask.expand(3, 4, 2) / lengths.view(3, 1, 1)):
        raise Mismatch("the gradient reaching the outputs is wrong: padded steps should get none")
    zero_padded = original * mask  # what pad_packed_sequence gives
    if not _close(_call(avg_pool, zero_padded, lengths), expected):
        raise Mismatch("wrong average when the padding is zeros (as pad_packed_sequence returns it)",
                       hint="divide by the true lengths, not by seq_len")
    _pool_case(avg_pool, [1], 3, 2, seed=6)  # a batch of one
    try:
        meta = original.to("meta")
        with MetaWithValues({meta: original}):
            on_meta = _call(avg_pool, meta, lengths, name="avg_pool")
    except Mismatch as failure:
        raise Mismatch("with outputs on another device than lengths (lengths stay on the CPU for packing), "
                       "your function fails", got=failure.problem,
                       hint="move lengths to outputs.device, and create new tensors there") from failure
    if not isinstance(on_meta, torch.Tensor) or on_meta.device.type != "meta":
        raise Mismatch("the result is not on the device of outputs", expected="device meta",
                       got=getattr(on_meta, "device", type(on_meta).__name__))
    return "Averages over the true lengths only, keeps its input and the gradient, and works on any device."


def _steps(stopper, losses, owner) -> list[bool]:
    return [bool(_call(stopper.step, loss, name="step", owner=owner)) for loss in losses]


@reference
def _reference_stops(patience: int, min_delta: float, losses: list[float]) -> list[bool]:
    best, counter, stops = None, 0, []
    for loss in losses:
        if best is None or loss < best - min_delta:
            best, counter = loss, 0
        else:
            counter += 1
        stops.append(counter >= patience)
    return stops


def _stopping_case(stopper_class, patience: int, losses: list[float], min_delta: float = 0.0) -> None:
    stopper = _call(stopper_class, patience, min_delta, name="EarlyStopping")
    stops, expected = _steps(stopper, losses, stopper_class), _reference_stops(patience, min_delta, losses)
    if stops != expected:
        raise Mismatch(f"wrong answers from step() for losses {losses}, patience {patience}, min_delta {min_delta}",
                       expected=expected, got=stops)


def _test_early_stopping(stopper_class) -> str:
    stopper = _call(stopper_class, 3, name="EarlyStopping")
    if getattr(stopper, "counter", None) != 0 or getattr(stopper, "best_loss", "missing") is not None:
        raise Mismatch("a new EarlyStopping should start with counter = 0 and best_loss = None",
                       expected="counter 0, best_loss None", got=f"counter {getattr(stopper, 'counter', 'missing')}, "
                       f"best_loss {getattr(stopper, 'best_loss', 'missing')}", hint="set both in __init__")
    try:
        stops = _steps(_call(stopper_class, 1, name="EarlyStopping"), [1.0, 1.1], stopper_class)
    except Mismatch as failure:
        raise Mismatch(f"losses 1.0 then 1.1 with patience 1: {failure.problem}", expected="[False, True]",
                       hint="initialise counter in __init__: the first epoch without improvement adds 1 to it"
                       ) from failure
    patience_hint = "stop when counter REACHES patience: counter >= patience, not counter > patience"
    if stops != [False, True]:
        raise Mismatch("losses 1.0 then 1.1 with patience 1", expected=[False, True], got=stops,
                       hint=patience_hint if stops == [False, False] else None)
    losses = [1.0, 0.8, 0.85, 0.9, 0.95]
    stops = _steps(stopper, losses, stopper_class)
    if stops != [False, False, False, False, True]:
        raise Mismatch(f"wrong answers from step() for losses {losses} with patience 3",
                       expected=[False, False, False, False, True], got=stops)
    if stopper.best_loss != 0.8 or stopper.counter != 3:
        raise Mismatch("after those steps", expected="best_loss 0.8, counter 3",
                       got=f"best_loss {stopper.best_loss}, counter {stopper.counter}")
    stops = _steps(_call(stopper_class, 2, name="EarlyStopping"), [1.0, 1.1, 0.9, 1.0, 1.0], stopper_class)
    if stops != [False, False, False, False, True]:
        raise Mismatch("an improvement must reset the counter (losses 1.0, 1.1, 0.9, 1.0, 1.0, patience 2)",
                       expected=[False, False, False, False, True], got=stops)
    stopper = _call(stopper_class, 5, 0.1, name="EarlyStopping")
    _steps(stopper, [1.0, 0.95], stopper_class)
    if stopper.best_loss != 1.0 or stopper.counter != 1:
        raise Mismatch("with min_delta=0.1, going from 1.0 to 0.95 is not an improvement",
                       expected="best_loss 1.0, counter 1", got=f"best_loss {stopper.best_loss}, "
                                                                f"counter {stopper.counter}")
    stops = _steps(_call(stopper_class, 1, name="EarlyStopping"), [0.5, 0.5], stopper_class)
    if stops != [False, True]:
        raise Mismatch("an equal loss is not an improvement", expected=[False, True], got=stops,
                       hint="improvement means val_loss < best_loss - min_delta (strictly less)")
    return "Counts epochs without improvement from the first one, resets on improvement, honours min_delta."


def _read_lines(answer) -> set[int] | None:
    if not isinstance(answer, (set, list, tuple, frozenset)):
        return None
    try:
        return {int(number.__index__()) for number in answer}  # ints, also NumPy's
    except (AttributeError, TypeError):
        return None


def _bug_parts(bug_lines) -> tuple[int, int]:
    """(bugs found minus fine lines listed, at least 0; number of bugs): A3.4's partial credit."""
    if bug_lines is None:
        return 0, len(BUGS)
    lines = _read_lines(_call(bug_lines)) or set()
    return max(0, len(lines & set(BUGS)) - len(lines - set(BUGS))), len(BUGS)


def _test_bug_lines(bug_lines) -> str:
    answer = _call(bug_lines)
    lines = _read_lines(answer)
    if lines is None:
        raise Mismatch("`bug_lines()` should return a set of line numbers", expected="e.g. {3, 17}",
                       got=repr(answer)[:80])
    if len(lines) > 2 * len(BUGS):
        raise Mismatch(f"{len(lines)} lines listed: name only the lines you believe hold a bug",
                       expected=f"the {len(BUGS)} lines with a bug", got=f"{len(lines)} lines")
    found, wrong = lines & set(BUGS), sorted(lines - set(BUGS))
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
        extra_case=_lstm_case,
    ),
    q2=Question(
        "A3.2", "average pooling over the true lengths", "avg_pool", _test_avg_pool,
        hint_text="Build a mask [batch, seq_len, 1] from the lengths (on outputs.device), sum the masked "
                  "outputs over time and divide by the lengths.",
        extra_case=_pool_case,
    ),
    q3=Question(
        "A3.3", "an EarlyStopping class", "EarlyStopping", _test_early_stopping,
        hint_text="In __init__ set patience, min_delta, best_loss = None and counter = 0. In step(): an "
                  "improvement is best_loss is None or val_loss < best_loss - min_delta.",
        extra_case=_stopping_case,
    ),
    q4=Question(
        "A3.4", "spot the bugs", "bug_lines", _test_bug_lines,
        hint_text="Read the listing with the LSTM equations next to it, then ask of each loop what it costs, "
                  "and of each attribute where it is first set.",
        parts=_bug_parts,
        material=_numbered_listing(),
    ),
)

__all__ = ["BUGGY_LISTING", "BUGS", "a3"]
