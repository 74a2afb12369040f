"""Parts ``padding`` and ``packing``: training epochs on the bundled tweets.

One ``EpochBench`` per device measures the four LSTM variants (padded to 300 or dynamically, packed or
not) side by side once, and both parts report from those measurements.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import torch
from torch import nn

from benchmarks.baselines import UnpackedLSTMClassifier
from benchmarks.common import Config, Row, device_label, interleaved_times, median, speedup_row, synchronize
from benchmarks.tweets import TweetData, make_loader
from course_utils import BagOfEmbeddingsClassifier, LSTMClassifier, evaluate

#: The four LSTM variants: (padding, packed).
LSTM_VARIANTS = {
    "fixed_unpacked": ("fixed", False),
    "fixed_packed": ("fixed", True),
    "dynamic_unpacked": ("dynamic", False),
    "dynamic_packed": ("dynamic", True),
}
PHASES = ("data", "forward", "backward", "step")
#: Target: dynamic padding + packing at least this many times faster than padding to 300, unpacked.
MIN_PADDING_SPEEDUP = 3.0


def variant_label(model: str, padding: str, packed: bool | None, max_len: int) -> str:
    pad = f"padded to {max_len}" if padding == "fixed" else "dynamic padding"
    if packed is None:
        return f"{model}, {pad}"
    return f"{model}, {pad}, {'packed' if packed else 'unpacked'}"


def train_epoch(model: nn.Module, loader, loss_fn, optimizer, device: torch.device,
                phases: dict[str, float] | None = None, max_batches: int | None = None) -> float:
    """One training epoch, the same steps as ``course_utils.training.train_one_epoch``.

    With ``phases`` (a dict), the seconds spent getting batches, in forward (with the loss), backward
    and the optimizer step are added to it. ``max_batches`` stops early (for warm-ups).
    """
    model.train()
    clock = time.perf_counter
    total_loss, count = 0.0, 0
    batches = iter(loader)
    for index in itertools.count():
        if max_batches is not None and index >= max_batches:
            break
        start = clock()
        try:
            x, lengths, y = next(batches)
        except StopIteration:
            break
        x, y = x.to(device), y.to(device)
        if phases is not None:
            synchronize(device)
            after_data = clock()
        optimizer.zero_grad()
        loss = loss_fn(model(x, lengths), y)
        if phases is not None:
            synchronize(device)
            after_forward = clock()
        loss.backward()
        if phases is not None:
            synchronize(device)
            after_backward = clock()
        optimizer.step()
        total_loss += loss.item() * len(y)
        count += len(y)
        if phases is not None:
            phases["data"] += after_data - start
            phases["forward"] += after_forward - after_data
            phases["backward"] += after_backward - after_forward
            phases["step"] += clock() - after_backward
    return total_loss / max(count, 1)


class EpochBench:
    """The epoch measurements on one device; each is made once and cached."""

    def __init__(self, data: TweetData, config: Config, device: torch.device,
                 log: Callable[[str], None] | None = None) -> None:
        self.data, self.config, self.device, self.log = data, config, device, log
        self.label = device_label(device)
        self.loss_fn = nn.CrossEntropyLoss()
        self._lstm_times: dict[str, list[float]] | None = None
        self._bag: tuple[dict[str, list[float]], dict[str, dict[str, float]]] | None = None
        self._accuracy: dict[str, float] | None = None

    def _lstm(self, packed: bool, seed: int = 0) -> nn.Module:
        torch.manual_seed(seed)  # the same initial weights for every variant
        cls = LSTMClassifier if packed else UnpackedLSTMClassifier
        config = self.config
        return cls(len(self.data.vocab), config.embed_dim, config.hidden_size, num_outputs=3,
                   pooling="last").to(self.device)

    def _loader(self, padding: str, dataset=None, shuffle: bool = True):
        config = self.config
        return make_loader(self.data.train if dataset is None else dataset, padding, config.batch_size,
                           config.max_len, shuffle=shuffle)

    def _epoch_candidates(self, models: dict[str, tuple[nn.Module, str]], phases: dict | None = None):
        candidates, warmups = {}, {}
        for name, (model, padding) in models.items():
            loader = self._loader(padding)
            optimizer = torch.optim.Adam(model.parameters(), lr=self.config.learning_rate)

            def run(model=model, loader=loader, optimizer=optimizer, name=name):
                phase_times = None
                if phases is not None:
                    phase_times = dict.fromkeys(PHASES, 0.0)
                    phases[name].append(phase_times)
                train_epoch(model, loader, self.loss_fn, optimizer, self.device, phase_times)

            def warm(model=model, loader=loader, optimizer=optimizer):
                train_epoch(model, loader, self.loss_fn, optimizer, self.device,
                            max_batches=self.config.warmup_batches)

            candidates[name], warmups[name] = run, warm
        return candidates, warmups

    def lstm_times(self) -> dict[str, list[float]]:
        """Seconds per epoch of the four LSTM variants, timed side by side."""
        if self._lstm_times is None:
            models = {name: (self._lstm(packed), padding) for name, (padding, packed) in LSTM_VARIANTS.items()}
            candidates, warmups = self._epoch_candidates(models)
            self._lstm_times = interleaved_times(candidates, self.device, self.config.epoch_rounds, warmups,
                                                 self.log)
        return self._lstm_times

    def bag(self) -> tuple[dict[str, list[float]], dict[str, dict[str, float]]]:
        """Seconds per epoch of the bag model padded to 300 vs dynamically, and the median time per phase."""
        if self._bag is None:
            config = self.config
            models = {}
            for padding in ("fixed", "dynamic"):
                torch.manual_seed(0)
                model = BagOfEmbeddingsClassifier(len(self.data.vocab), config.embed_dim, config.hidden_size, 3)
                models[padding] = (model.to(self.device), padding)
            phases: dict[str, list[dict[str, float]]] = {name: [] for name in models}
            candidates, warmups = self._epoch_candidates(models, phases)
            times = interleaved_times(candidates, self.device, config.epoch_rounds, warmups, self.log)
            medians = {name: {p: median([run[p] for run in runs]) for p in PHASES} for name, runs in phases.items()}
            self._bag = times, medians
        return self._bag

    def accuracy(self) -> dict[str, float]:
        """Validation accuracy of "last" pooling, packed vs unpacked, after the same short training."""
        if self._accuracy is None:
            config = self.config
            self._accuracy = {}
            val_loader = self._loader("dynamic", self.data.val, shuffle=False)
            for name, packed in (("dynamic_unpacked", False), ("dynamic_packed", True)):
                model = self._lstm(packed, seed=1)
                loader = self._loader("dynamic")  # the same batches in the same order for both
                optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
                for _ in range(config.accuracy_epochs):
                    train_epoch(model, loader, self.loss_fn, optimizer, self.device)
                self._accuracy[name] = evaluate(model, val_loader, device=self.device)["accuracy"]
                if self.log is not None:
                    self.log(f"    {name}: validation accuracy {self._accuracy[name]:.4f}")
        return self._accuracy


def _time_row(part: str, case: str, bench: EpochBench, times: list[float], notes: str = "") -> Row:
    return Row(part, case, bench.label, median(times), "s/epoch", len(times), notes=notes)


def _phase_note(phases: dict[str, float]) -> str:
    total = sum(phases.values()) or 1.0
    names = {"data": "batching", "forward": "forward+loss", "backward": "backward", "step": "optimizer step"}
    return "time split: " + ", ".join(f"{names[p]} {100 * phases[p] / total:.0f}%" for p in PHASES)


def padding_rows(bench: EpochBench) -> list[Row]:
    """Part 1: the source's fixed padding vs dynamic padding + packing; the bag model's pair, profiled."""
    config, times = bench.config, bench.lstm_times()
    fixed = _time_row("padding", variant_label("LSTM", "fixed", False, config.max_len), bench,
                      times["fixed_unpacked"], "the source lecture's setting")
    dynamic = _time_row("padding", variant_label("LSTM", "dynamic", True, config.max_len), bench,
                        times["dynamic_packed"], "collate_batch + LSTMClassifier")
    speedup_row(dynamic, fixed.value, f"padded to {config.max_len}, unpacked", minimum=MIN_PADDING_SPEEDUP)
    bag_times, bag_phases = bench.bag()
    bag_fixed = _time_row("padding", variant_label("Bag of embeddings", "fixed", None, config.max_len), bench,
                          bag_times["fixed"], _phase_note(bag_phases["fixed"]))
    bag_dynamic = _time_row("padding", variant_label("Bag of embeddings", "dynamic", None, config.max_len), bench,
                            bag_times["dynamic"], _phase_note(bag_phases["dynamic"]))
    speedup_row(bag_dynamic, bag_fixed.value, f"bag padded to {config.max_len}")
    return [fixed, dynamic, bag_fixed, bag_dynamic]


def packing_rows(bench: EpochBench) -> list[Row]:
    """Part 3: packed vs unpacked at fixed and dynamic padding, and the accuracy of "last" pooling."""
    config, times = bench.config, bench.lstm_times()
    rows = {name: _time_row("packing", variant_label("LSTM", padding, packed, config.max_len), bench, times[name])
            for name, (padding, packed) in LSTM_VARIANTS.items()}
    speedup_row(rows["fixed_packed"], rows["fixed_unpacked"].value, f"unpacked, padded to {config.max_len}")
    speedup_row(rows["dynamic_packed"], rows["dynamic_unpacked"].value, "unpacked, dynamic padding")
    for name in ("fixed_packed", "dynamic_packed"):
        row = rows[name]
        row.notes = "the LSTM skips the padding" + (f"; {1 / row.ratio:.2f}x SLOWER than unpacked here, but see "
                                                    "the accuracy below" if row.ratio < 1 else "")
    accuracy = bench.accuracy()
    recipe = (f"{config.accuracy_epochs} epoch(s), batch {config.batch_size}, Adam lr {config.learning_rate:g}, "
              "same initial weights and batches")
    unpacked = Row("packing", 'val accuracy, "last" pooling, dynamic padding, unpacked', bench.label,
                   accuracy["dynamic_unpacked"], "accuracy", 1,
                   notes="reads the state after the padding; " + recipe)
    packed = Row("packing", 'val accuracy, "last" pooling, dynamic padding, packed', bench.label,
                 accuracy["dynamic_packed"], "accuracy", 1, notes="reads the state at the true last token")
    packed.ratio = 100 * (packed.value - unpacked.value)
    packed.ratio_text = "accuracy points over unpacked"
    order = ("fixed_unpacked", "fixed_packed", "dynamic_unpacked", "dynamic_packed")
    return [rows[name] for name in order] + [unpacked, packed]
