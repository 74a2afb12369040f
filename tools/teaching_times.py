"""Put the measured run time of every notebook into TEACHING.md.

``make bench`` (its ``course`` part) runs every notebook in a fresh kernel and writes two files:
``bench-results/benchmarks.csv`` (one row per notebook: its seconds, its 60 s budget, PASS or FAIL) and,
next to it, ``benchmarks.md``, whose header holds the date, the commit, the machine and the load average.
This script reads both and rewrites the table between the two markers in TEACHING.md::

    <!-- run-times:start -->
    ... (everything in between is replaced) ...
    <!-- run-times:end -->

Usage: ``python tools/teaching_times.py bench-results/benchmarks.csv TEACHING.md [--notebooks notebooks]``.
A notebook of ``notebooks/`` that the CSV does not have (a ``--quick`` run times only the first one) is
listed as "not measured". Nothing here is typed by hand: rerun the bench, then this script.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

START, END = "<!-- run-times:start -->", "<!-- run-times:end -->"
NOT_MEASURED = "not measured yet: run `make teaching-times`"


def read_course_rows(csv_path: Path) -> dict[str, dict[str, str]]:
    """The CSV's ``course`` rows, by case: ``"01_tensors.ipynb"`` (one notebook) or ``"all 9 notebooks ..."``."""
    with Path(csv_path).open(newline="", encoding="utf-8") as handle:
        return {row["case"]: row for row in csv.DictReader(handle) if row["part"] == "course"}


def read_run_header(md_path: Path) -> dict[str, str]:
    """From ``benchmarks.md``'s bullet lines: ``run`` (date and commit), ``machine``, ``load`` (may be missing)."""
    if not Path(md_path).exists():
        return {}
    keys = {"Run ": "run", "Machine: ": "machine", "Load average (1 / 5 / 15 min): ": "load"}
    header = {}
    for line in Path(md_path).read_text(encoding="utf-8").splitlines():
        for prefix, key in keys.items():
            if line.startswith("- " + prefix):
                header[key] = line[2 + len(prefix):].strip()
    return header


def render_table(rows: dict[str, dict[str, str]], header: dict[str, str], notebooks: list[str]) -> str:
    """The Markdown that goes between the markers: where and when it was measured, then one row per notebook."""
    run = header.get("run", "date not recorded").replace(" with --quick (tiny sizes: the figures mean nothing)", "")
    lines = [f"Measured by `make bench` (part `course`: each notebook in a fresh kernel, `COURSE_DEVICE=cpu`) "
             f"on {run}.", "",
             f"- Machine: {header.get('machine', 'not recorded (no benchmarks.md next to the CSV)')}",
             f"- Load average (1 / 5 / 15 min): {header.get('load', 'not recorded')}", "",
             "| Notebook | Seconds | Within the 60 s budget |", "|---|---:|---|"]
    for name in notebooks:
        row = rows.get(name)
        if row is None or not row["value"]:
            lines.append(f"| `{name}` | | {NOT_MEASURED} |")
            continue
        verdict = "yes" if row["status"] == "PASS" else "NO"
        if row["notes"].startswith("FAILED"):
            verdict = "NO: " + row["notes"].replace("|", "/")
        lines.append(f"| `{name}` | {float(row['value']):.1f} | {verdict} |")
    total = next((row for case, row in rows.items() if case.startswith("all ")), None)
    if total is not None and total["value"]:
        quick = " (a `--quick` run: only the first notebook)" if "--quick" in total["notes"] else ""
        lines.append(f"| {total['case']}{quick} | {float(total['value']):.1f} | budget {total['target']}: "
                     f"{'yes' if total['status'] == 'PASS' else 'NO'} |")
    return "\n".join(lines)


def replace_between_markers(text: str, block: str) -> str:
    """``text`` with everything between START and END replaced by ``block`` (the markers stay)."""
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"the guide has no {START} ... {END} markers; add them where the table goes")
    return pattern.sub(lambda _: f"{START}\n{block}\n{END}", text, count=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="the CSV of `make bench` (bench-results/benchmarks.csv)")
    parser.add_argument("guide", type=Path, help="the guide to update (TEACHING.md)")
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="folder of NN_*.ipynb")
    args = parser.parse_args(argv)
    if not args.csv.exists():
        parser.error(f"{args.csv} does not exist: run `make bench BENCH_ARGS=\"--only course\"` first")
    notebooks = sorted(path.name for path in args.notebooks.glob("[0-9][0-9]_*.ipynb"))
    block = render_table(read_course_rows(args.csv), read_run_header(args.csv.with_name("benchmarks.md")), notebooks)
    args.guide.write_text(replace_between_markers(args.guide.read_text(encoding="utf-8"), block), encoding="utf-8")
    print(f"updated the run times in {args.guide} from {args.csv}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
