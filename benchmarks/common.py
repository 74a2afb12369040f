"""Shared pieces: the sizes (``Config``), devices, side-by-side timing, and the result table and its files."""

from __future__ import annotations

import csv
import dataclasses
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch


@dataclass(frozen=True)
class Config:
    """Every size the benchmarks use. ``Config()`` is the real run; ``Config.quick()`` the tiny one."""

    # padding and packing: the bundled three-class tweets
    train_limit: int | None = None  # keep only the first N training tweets (None: all)
    val_limit: int | None = None
    batch_size: int = 64
    max_len: int = 300  # the source lecture's fixed padding
    embed_dim: int = 64
    hidden_size: int = 64  # LSTMClassifier's state size, and the bag model's hidden layer
    epoch_rounds: int = 3  # timed epochs per variant (after a short warm-up), interleaved
    warmup_batches: int = 3
    accuracy_epochs: int = 3  # training epochs for the "last"-pooling accuracy comparison
    learning_rate: float = 1e-3  # Adam's default
    # bucketing: BucketBatchSampler vs dynamic padding alone
    bucket_chunk_batches: int = 50  # batches per sorted chunk
    bucket_seeds: int = 3  # training runs per variant for the validation accuracy (mean and spread)
    # lstm: forward + backward on random [batch, T, input] batches
    lstm_batch: int = 64
    lstm_input: int = 64
    lstm_hidden: int = 128
    lstm_lengths: tuple[int, ...] = (128, 512)
    lstm_rounds: tuple[int, ...] = (5, 5)  # rounds per length
    # course
    notebook_limit: int | None = None  # execute only the first N notebooks (None: all)
    notebook_budget_s: float = 60.0
    course_budget_s: float = 240.0
    cell_timeout_s: int = 300
    quick: bool = False

    @classmethod
    def quick_config(cls) -> Config:
        """Tiny sizes: every code path runs in seconds; the figures mean nothing."""
        return cls(train_limit=96, val_limit=64, batch_size=32, max_len=40, embed_dim=8, hidden_size=8,
                   epoch_rounds=1, warmup_batches=1, accuracy_epochs=1, bucket_seeds=1, lstm_batch=4, lstm_input=8,
                   lstm_hidden=8, lstm_lengths=(4, 8), lstm_rounds=(1, 1), notebook_limit=1, quick=True)


@dataclass
class Row:
    """One line of the result table: a measured figure, and (optionally) the ratio that is checked.

    ``value`` is the median of ``repeats`` measurements in ``unit``. ``ratio`` compares this row with
    another one; ``ratio_text`` says how; ``target``/``status`` say what it must reach and whether it does.
    """

    part: str
    case: str
    device: str
    value: float | None
    unit: str
    repeats: int
    ratio: float | None = None
    ratio_text: str = ""
    target: str = ""
    status: str = ""  # "PASS", "FAIL" or "" (reported, not checked)
    notes: str = ""


COLUMNS = [field.name for field in dataclasses.fields(Row)]
HEADERS = {"part": "Part", "case": "Case", "device": "Device", "value": "Median", "unit": "Unit",
           "repeats": "Repeats", "ratio": "Ratio", "ratio_text": "Ratio is", "target": "Target",
           "status": "Result", "notes": "Notes"}


# ----------------------------------------------------------------------------------------------- devices
def select_devices(requested: str = "auto") -> list[torch.device]:
    """``"auto"``: the CPU, plus the GPU when CUDA is available; or a comma list such as ``"cpu,cuda"``."""
    if requested == "auto":
        return [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    names = [name.strip() for name in requested.split(",") if name.strip()]
    for name in names:
        if name.split(":")[0] not in ("cpu", "cuda"):
            raise ValueError(f"devices must be auto, cpu or cuda (or a comma list of them), got {name!r}")
    devices = [torch.device(name) for name in names]
    for device in devices:
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError("--devices asks for cuda, but no CUDA GPU is available")
    if not devices:
        raise ValueError("--devices named no device")
    return devices


def device_label(device: torch.device) -> str:
    """``cpu``, or ``cuda (NVIDIA H100 ...)`` so the table says which GPU a row used."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return "cpu"


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so a timer measures it (a no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# ------------------------------------------------------------------------------------------------ timing
def time_call(fn: Callable[[], object], device: torch.device) -> float:
    """Seconds one call of ``fn`` takes, including its GPU work."""
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def interleaved_times(candidates: dict[str, Callable[[], object]], device: torch.device, rounds: int,
                      warmups: dict[str, Callable[[], object]] | None = None,
                      log: Callable[[str], None] | None = None) -> dict[str, list[float]]:
    """Time every candidate ``rounds`` times, side by side.

    Each candidate is warmed up once (``warmups[name]`` if given, else the candidate itself); then every
    round runs each candidate once, starting at a different one each round, so that a burst of load
    from elsewhere hits all candidates alike instead of one. Returns the list of times per candidate
    (and passes each round's times to ``log``, if given).
    """
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    names = list(candidates)
    for name in names:
        (warmups or candidates).get(name, candidates[name])()
    synchronize(device)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(time_call(candidates[name], device))
        if log is not None:
            log(f"    round {round_index + 1}/{rounds}: " + ", ".join(f"{n} {times[n][-1]:.3f} s" for n in names))
    return times


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# ------------------------------------------------------------------------------------------------ ratios
def speedup_row(row: Row, baseline_s: float, baseline_name: str, minimum: float | None = None) -> Row:
    """Fill in ``row``'s ratio: how many times faster than ``baseline_s`` it is (checked against ``minimum``)."""
    row.ratio = baseline_s / row.value
    row.ratio_text = f"speed-up over {baseline_name}"
    if minimum is not None:
        row.target = f">= {minimum:g}x"
        row.status = "PASS" if row.ratio >= minimum else "FAIL"
    return row


def slowdown_row(row: Row, slow_s: float, slow_name: str, maximum: float | None = None) -> Row:
    """Fill in ``row``'s ratio as ``slow_name``'s time over this row's (checked against ``maximum``)."""
    row.ratio = slow_s / row.value
    row.ratio_text = f"{slow_name}'s time / this row's"
    if maximum is not None:
        row.target = f"<= {maximum:g}x"
        row.status = "PASS" if row.ratio <= maximum else "FAIL"
    return row


def budget_row(row: Row, budget_s: float, ran_ok: bool = True) -> Row:
    """An absolute budget (only for the course's wall time, which the class lives with)."""
    row.target = f"<= {budget_s:g} s"
    row.status = "PASS" if ran_ok and row.value is not None and row.value <= budget_s else "FAIL"
    return row


# ---------------------------------------------------------------------------------------------- the table
def format_cell(row: Row, column: str) -> str:
    value = getattr(row, column)
    if value is None:
        return ""
    if column == "value":
        return f"{value:.4f}" if row.unit == "accuracy" else f"{value:.3f}"
    if column == "ratio":
        return f"{value:+.1f} pts" if row.unit == "accuracy" else f"{value:.2f}x"
    return str(value).replace("|", "/")


def markdown_table(rows: Sequence[Row], columns: Sequence[str] = tuple(COLUMNS)) -> str:
    """The rows as a Markdown table, padded so it also reads well in a terminal."""
    cells = [[HEADERS[column] for column in columns]] + [[format_cell(row, c) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    right = {"value", "repeats", "ratio"}

    def line(values: list[str]) -> str:
        padded = [v.rjust(w) if c in right else v.ljust(w) for v, w, c in zip(values, widths, columns, strict=True)]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if c in right else "-" * (w + 2)
                          for w, c in zip(widths, columns, strict=True)) + "|"
    return "\n".join([line(cells[0]), rule] + [line(values) for values in cells[1:]])


def write_csv(rows: Sequence[Row], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in dataclasses.asdict(row).items()})
