"""Part ``lstm``: the source lecture's LSTM style vs ``course_utils.ScratchLSTM`` vs ``nn.LSTM``.

Forward + backward on random ``[batch, T, input]`` batches (the input requires a gradient, as an
embedding's output does in a classifier). Each candidate is warmed up once on a short batch (every code
path, without paying for the source style's seconds at T=512 once more), then the three run in turn for
several rounds and the medians are compared.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from benchmarks.baselines import SourceStyleLSTM
from benchmarks.common import Config, Row, device_label, interleaved_times, median, slowdown_row, speedup_row
from course_utils import ScratchLSTM

#: Targets: ScratchLSTM at least this many times faster than the source's style, per sequence length
#: (the longest length listed applies to longer ones too) ...
MIN_SPEEDUP_OVER_SOURCE = {128: 1.5, 512: 2.5}
#: ... and at most this many times nn.LSTM's time.
MAX_SLOWDOWN_VS_NN = 3.0


def min_speedup(length: int) -> float:
    """The target for ``length``: that of the longest listed length not above it (1.5 below 128)."""
    eligible = [k for k in MIN_SPEEDUP_OVER_SOURCE if k <= length]
    return MIN_SPEEDUP_OVER_SOURCE[max(eligible)] if eligible else MIN_SPEEDUP_OVER_SOURCE[min(MIN_SPEEDUP_OVER_SOURCE)]


def forward_backward(model: nn.Module, x: torch.Tensor):
    """One call: forward over ``x``, backward from a scalar that uses every output step."""

    def run() -> None:
        model.zero_grad(set_to_none=True)
        x.grad = None
        output, _ = model(x)  # [batch, T, hidden]
        output.sum().backward()

    return run


def lstm_rows(config: Config, device: torch.device, log: Callable[[str], None] | None = None) -> list[Row]:
    rows = []
    label = device_label(device)
    for length, rounds in zip(config.lstm_lengths, config.lstm_rounds, strict=True):
        torch.manual_seed(0)
        x = torch.randn(config.lstm_batch, length, config.lstm_input, device=device, requires_grad=True)
        x_warm = torch.randn(config.lstm_batch, min(length, 16), config.lstm_input, device=device,
                             requires_grad=True)
        models = {
            "source": SourceStyleLSTM(config.lstm_input, config.lstm_hidden),
            "scratch": ScratchLSTM(config.lstm_input, config.lstm_hidden),
            "nn": nn.LSTM(config.lstm_input, config.lstm_hidden, batch_first=True),
        }
        models = {name: model.to(device) for name, model in models.items()}
        candidates = {name: forward_backward(model, x) for name, model in models.items()}
        warmups = {name: forward_backward(model, x_warm) for name, model in models.items()}
        if log is not None:
            log(f"   T={length}")
        times = interleaved_times(candidates, device, rounds, warmups, log)
        shape = f"[{config.lstm_batch}, {length}, {config.lstm_input}], hidden {config.lstm_hidden}"

        def row(name: str, case: str, notes: str = "", times=times, length=length, shape=shape) -> Row:
            return Row("lstm", f"{case}, T={length}", label, median(times[name]), "s", len(times[name]),
                       notes=notes or f"forward+backward on {shape}; the input requires grad")

        source = row("source", "source style (4 Linear gates, torch.cat output)")
        scratch = speedup_row(row("scratch", "course_utils.ScratchLSTM"), source.value, "source style",
                              minimum=min_speedup(length))
        native = slowdown_row(row("nn", "nn.LSTM"), scratch.value, "ScratchLSTM", maximum=MAX_SLOWDOWN_VS_NN)
        rows += [source, scratch, native]
    return rows
