"""Part ``bucketing``: batches of tweets of similar length (``BucketBatchSampler``) vs dynamic padding alone.

On the bundled tweets, and on a real tweet file when the environment variable ``COURSE_REAL_TWEETS``
names one (Kaggle's ``tweet_emotions.csv``; without it those rows are skipped with a note): the share of
padding, the epoch time of the course's LSTM (packed, and unpacked for comparison), and the validation
accuracy of the packed LSTM after the same training, over a few seeds.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable
from pathlib import Path

import torch

from benchmarks.common import Config, Row, device_label, interleaved_times, median, speedup_row
from benchmarks.epochs import EpochBench, train_epoch
from benchmarks.tweets import TweetData, load_tweet_data, make_loader
from course_utils import evaluate, padding_mask
from course_utils.data import bundled_path

REAL_TWEETS_ENV_VAR = "COURSE_REAL_TWEETS"
#: Targets: bucketing leaves less than this share of padding on the real tweets, and makes the packed
#: LSTM's epoch at least this many times faster than dynamic padding alone.
MAX_REAL_PADDING = 0.15
MIN_BUCKET_SPEEDUP = 1.5
#: (padding, packed) of the four LSTM candidates, timed side by side
VARIANTS = {"dynamic_packed": ("dynamic", True), "bucketing_packed": ("bucketing", True),
            "dynamic_unpacked": ("dynamic", False), "bucketing_unpacked": ("bucketing", False)}
PADDING_NAMES = {"dynamic": "dynamic padding, no bucketing", "bucketing": "bucketing"}


def padding_share(loader) -> float:
    """The share of ``<PAD>`` among all positions of one epoch of ``loader``'s batches."""
    real = positions = 0
    for padded, _, _ in loader:
        real += int(padding_mask(padded).sum())
        positions += padded.numel()
    return 1 - real / positions


def tweet_sources() -> list[tuple[str, Path | None]]:
    """(name, path) of the tweet files to measure: the bundled one, and the real one if the env var names it."""
    sources: list[tuple[str, Path | None]] = [("bundled tweets", bundled_path())]
    real = os.environ.get(REAL_TWEETS_ENV_VAR, "").strip()
    if real:
        sources.append(("real tweets", Path(real)))
    return sources


def _share_rows(data: TweetData, source: str, config: Config, label: str, real: bool) -> list[Row]:
    rows = []
    for batch_size in sorted({32, config.batch_size}):
        shares = {padding: padding_share(make_loader(data.train, padding, batch_size,
                                                     chunk_batches=config.bucket_chunk_batches))
                  for padding in ("dynamic", "bucketing")}
        dynamic = Row("bucketing", f"padding share, {PADDING_NAMES['dynamic']}, batch {batch_size}, {source}", label,
                      100 * shares["dynamic"], "% padding", 1, notes=f"{len(data.train)} training tweets, one epoch")
        bucket = Row("bucketing", f"padding share, bucketing, batch {batch_size}, {source}", label,
                     100 * shares["bucketing"], "% padding", 1,
                     ratio=shares["dynamic"] / max(shares["bucketing"], 1e-12),
                     ratio_text="times less padding than dynamic padding",
                     notes=f"BucketBatchSampler, chunks of {config.bucket_chunk_batches} batches")
        if real:
            bucket.target = f"< {100 * MAX_REAL_PADDING:g} %"
            bucket.status = "PASS" if shares["bucketing"] < MAX_REAL_PADDING else "FAIL"
        rows += [dynamic, bucket]
    return rows


def _time_rows(bench: EpochBench, source: str) -> list[Row]:
    models = {name: (bench._lstm(packed), padding) for name, (padding, packed) in VARIANTS.items()}
    candidates, warmups = bench._epoch_candidates(models)
    times = interleaved_times(candidates, bench.device, bench.config.epoch_rounds, warmups, bench.log)
    rows = {}
    for name, (padding, packed) in VARIANTS.items():
        case = f"LSTM, {PADDING_NAMES[padding]}, {'packed' if packed else 'unpacked'}, {source}"
        rows[name] = Row("bucketing", case, bench.label, median(times[name]), "s/epoch", len(times[name]),
                         notes=f"batch {bench.config.batch_size}")
    speedup_row(rows["bucketing_packed"], rows["dynamic_packed"].value, "no bucketing, packed",
                minimum=MIN_BUCKET_SPEEDUP)
    rows["bucketing_packed"].notes += "; LSTMClassifier, the course's model"
    speedup_row(rows["bucketing_unpacked"], rows["dynamic_unpacked"].value, "no bucketing, unpacked")
    return [rows[name] for name in VARIANTS]


def _accuracy_rows(bench: EpochBench, source: str) -> list[Row]:
    config = bench.config
    val_loader = make_loader(bench.data.val, "dynamic", config.batch_size, shuffle=False)
    accuracies = {}
    for padding in ("dynamic", "bucketing"):
        accuracies[padding] = []
        for seed in range(config.bucket_seeds):
            model = bench._lstm(packed=True, seed=seed + 1)  # the same initial weights for both paddings
            loader = make_loader(bench.data.train, padding, config.batch_size, seed=seed,
                                 chunk_batches=config.bucket_chunk_batches)
            optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
            for _ in range(config.accuracy_epochs):
                train_epoch(model, loader, bench.loss_fn, optimizer, bench.device)
            accuracies[padding].append(evaluate(model, val_loader, device=bench.device)["accuracy"])
    rows = []
    for padding, values in accuracies.items():
        spread = f"{min(values):.4f}-{max(values):.4f}" if len(values) > 1 else "one run"
        case = f"val accuracy, LSTM packed, {PADDING_NAMES[padding]}, {source}"
        rows.append(Row("bucketing", case, bench.label, statistics.mean(values), "accuracy", len(values),
                        notes=f"mean of {len(values)} seed(s), range {spread}; {config.accuracy_epochs} epoch(s), "
                              f"batch {config.batch_size}, Adam lr {config.learning_rate:g}"))
    rows[1].ratio = 100 * (rows[1].value - rows[0].value)
    rows[1].ratio_text = "accuracy points over dynamic padding"
    return rows


def bucketing_rows(config: Config, device: torch.device, log: Callable[[str], None] | None = None) -> list[Row]:
    """Padding share, LSTM epoch time and validation accuracy: bucketing vs dynamic padding, per tweet file."""
    rows = []
    sources = tweet_sources()
    for source, path in sources:
        if log is not None:
            log(f"  {source}: {path}")
        data = load_tweet_data(config.train_limit, config.val_limit, path=path)
        bench = EpochBench(data, config, device, log)
        rows += _share_rows(data, source, config, bench.label, real=source == "real tweets")
        rows += _time_rows(bench, source)
        rows += _accuracy_rows(bench, source)
    if len(sources) == 1:
        rows.append(Row("bucketing", "bucketing on real tweets: skipped", device_label(device), None, "", 0,
                        notes=f"set {REAL_TWEETS_ENV_VAR} to a tweet CSV (Kaggle's tweet_emotions.csv) to measure it"))
    return rows
