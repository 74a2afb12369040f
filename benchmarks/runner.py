"""The entry point: ``python -m benchmarks [--only PARTS] [--skip PARTS] [--quick] [--out DIR]``.

Prints one table (and writes it to ``OUT/benchmarks.md`` and ``OUT/benchmarks.csv``): per figure, the
median of its repeats, and for the ratios that matter their target and PASS/FAIL.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from benchmarks.common import Config, Row, markdown_table, select_devices, write_csv

PARTS = ("padding", "lstm", "packing", "bucketing", "course")
PART_TITLES = {
    "padding": "1. padding: one training epoch, padded to 300 vs dynamic padding",
    "lstm": "2. LSTM implementations: forward + backward",
    "packing": "3. packing: packed vs unpacked, speed and accuracy",
    "bucketing": "3b. bucketing: batches of similar length vs dynamic padding alone (padding, speed, accuracy)",
    "course": "4. the course: every notebook in a fresh kernel",
}
REPO_ROOT = Path(__file__).resolve().parent.parent
CSV_NAME, MARKDOWN_NAME = "benchmarks.csv", "benchmarks.md"


@dataclass
class Results:
    rows: list[Row]
    header: list[str] = field(default_factory=list)
    markdown: str = ""
    paths: list[Path] = field(default_factory=list)

    @property
    def failures(self) -> list[Row]:
        return [row for row in self.rows if row.status == "FAIL"]


def parse_parts(text: str | None) -> list[str]:
    if not text:
        return []
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in PARTS]
    if unknown:
        raise ValueError(f"unknown part(s) {unknown}; the parts are {', '.join(PARTS)}")
    return names


def load_average() -> str:
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:  # not available on this platform
        return "n/a"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_commit() -> str:
    try:
        def git(*args: str) -> str:
            return subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True,
                                  timeout=10, check=True).stdout.strip()

        return git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if git("status", "--porcelain") else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine_line() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return (f"{cpu_model()}, {cores} cores; torch {torch.__version__} with {torch.get_num_threads()} threads "
            f"(default); Python {platform.python_version()}; GPU: {gpu}")


def sizes_line(config: Config) -> str:
    return (f"tweets: batch {config.batch_size}, fixed padding {config.max_len}, embedding {config.embed_dim}, "
            f"hidden {config.hidden_size}, Adam lr {config.learning_rate:g}, {config.epoch_rounds} timed epochs "
            f"per variant; LSTMs: [{config.lstm_batch}, T, {config.lstm_input}], hidden {config.lstm_hidden}, "
            f"T in {list(config.lstm_lengths)}, rounds {list(config.lstm_rounds)}")


def run_benchmarks(parts: Sequence[str] = PARTS, config: Config | None = None, devices: str = "auto",
                   out_dir: Path | None = None, notebooks_dir: Path | None = None,
                   log: Callable[[str], None] | None = None) -> Results:
    """Run ``parts`` (in the order of ``PARTS``) and return their rows; write the files when ``out_dir``."""
    config = config or Config()
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    notebooks_dir = Path(notebooks_dir) if notebooks_dir is not None else REPO_ROOT / "notebooks"
    chosen = select_devices(devices)
    started, load_start = time.perf_counter(), load_average()
    rows: list[Row] = []
    epoch_benches = {}

    def bench_for(device):
        # built on first use and shared, so that `padding` and `packing` report one set of measurements
        if device not in epoch_benches:
            from benchmarks.epochs import EpochBench
            from benchmarks.tweets import load_tweet_data

            if "data" not in epoch_benches:
                epoch_benches["data"] = load_tweet_data(config.train_limit, config.val_limit)
            epoch_benches[device] = EpochBench(epoch_benches["data"], config, device, log)
        return epoch_benches[device]

    for part in PARTS:
        if part not in parts:
            continue
        log(f"== {PART_TITLES[part]}")
        part_start = time.perf_counter()
        if part == "course":
            from benchmarks.course import course_rows

            rows += course_rows(config, notebooks_dir, log=log)
        else:
            for device in chosen:
                log(f"  on {device} ...")
                if part == "lstm":
                    from benchmarks.lstm_impl import lstm_rows

                    rows += lstm_rows(config, device, log)
                elif part == "bucketing":
                    from benchmarks.bucketing import bucketing_rows

                    rows += bucketing_rows(config, device, log)
                else:
                    from benchmarks.epochs import packing_rows, padding_rows

                    rows += (padding_rows if part == "padding" else packing_rows)(bench_for(device))
        log(f"   ({time.perf_counter() - part_start:.1f} s)")

    elapsed = time.perf_counter() - started
    checked = [row for row in rows if row.status]
    header = [
        f"Run {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} at commit {git_commit()}"
        + (" with --quick (tiny sizes: the figures mean nothing)" if config.quick else ""),
        f"Machine: {machine_line()}",
        f"Load average (1 / 5 / 15 min): {load_start} at the start, {load_average()} at the end",
        f"Sizes: {sizes_line(config)}",
        f"Parts: {', '.join(p for p in PARTS if p in parts)}; took {elapsed:.0f} s; "
        f"{sum(r.status == 'PASS' for r in checked)} of {len(checked)} targets PASS",
    ]
    table = markdown_table(rows)
    markdown = "\n".join(["# Benchmarks", ""] + [f"- {line}" for line in header] + ["", table, ""])
    results = Results(rows, header, markdown)
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / MARKDOWN_NAME).write_text(markdown, encoding="utf-8")
        write_csv(rows, out_dir / CSV_NAME)
        results.paths = [out_dir / MARKDOWN_NAME, out_dir / CSV_NAME]
    return results


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure the course's performance lessons and its notebooks' run time. Parts: "
        + "; ".join(PART_TITLES[p] for p in PARTS) + ".")
    parser.add_argument("--only", metavar="PARTS", help=f"comma list of parts to run ({','.join(PARTS)})")
    parser.add_argument("--skip", metavar="PARTS", help="comma list of parts to leave out")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds; the figures mean nothing), "
                        "and only the first notebook")
    parser.add_argument("--devices", default="auto",
                        help="auto (the CPU, and the GPU when CUDA is available), cpu, cuda or cpu,cuda; "
                        "the course part always runs on the CPU")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench-results",
                        help="folder for benchmarks.md and benchmarks.csv (default: bench-results/)")
    parser.add_argument("--notebooks", type=Path, default=REPO_ROOT / "notebooks",
                        help="folder of the NN_*.ipynb notebooks to time (default: notebooks/)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target FAILs")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        only, skip = parse_parts(args.only), parse_parts(args.skip)
        select_devices(args.devices)
    except ValueError as exc:
        parser.error(str(exc))
    parts = [p for p in (only or PARTS) if p not in skip]
    if not parts:
        parser.error("nothing left to run")
    config = Config.quick_config() if args.quick else Config()
    results = run_benchmarks(parts, config, args.devices, args.out, args.notebooks)
    print(results.markdown)
    for path in results.paths:
        print(f"wrote {path}", file=sys.stderr)
    if results.failures:
        print(f"{len(results.failures)} target(s) FAIL: " + "; ".join(f"{r.case} ({r.device})"
                                                                     for r in results.failures), file=sys.stderr)
    return 1 if args.strict and results.failures else 0
