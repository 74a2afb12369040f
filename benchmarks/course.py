"""Part ``course``: how long each notebook takes to run, as a class runs it, against the budget.

Every ``NN_*.ipynb`` found is executed top to bottom in a fresh kernel (nbclient), with the settings of
``make test`` (CPU, fixed hash seed, no progress bars), on a temporary copy of the notebooks folder, so
nothing in the repository changes. The time includes starting the kernel, as "Restart Kernel and Run All"
does for a student.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from benchmarks.common import Config, Row, budget_row

NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
#: The settings of ``make test`` / ``make refresh`` that change what a notebook computes or shows (the
#: Makefile's NB_ENV). OpenMP's wait policy is left alone: a student's laptop runs with the default.
NOTEBOOK_ENV = {
    "COURSE_DEVICE": "cpu",
    "PYTHONHASHSEED": "0",
    "COURSE_UTILS_PROGRESS": "0",
    "TQDM_DISABLE": "1",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}


def find_notebooks(directory: Path, limit: int | None = None) -> list[Path]:
    """The course notebooks in ``directory``, in course order (``limit``: only the first ones)."""
    return sorted(directory.glob(NOTEBOOK_PATTERN))[:limit]


def execute_notebook(path: Path, timeout: int = 300) -> tuple[float, str]:
    """Run ``path`` in a fresh kernel whose working folder is the notebook's own; the notebook file itself
    is not written. Returns ``(seconds, error)``; ``error`` is ``""`` when every cell ran (cells tagged
    ``raises-exception`` may raise)."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, resources={"metadata": {"path": str(path.parent)}})
    env = {**os.environ, **NOTEBOOK_ENV}
    start = time.perf_counter()
    error = ""
    try:
        # the kernel's own stderr only says it talks over local TCP; errors come back as cell outputs
        client.execute(env=env, stderr=subprocess.DEVNULL)
    except Exception as exc:  # a failing cell, a timeout, a dead kernel: report it, go on with the next
        summary = getattr(exc, "ename", "") or type(exc).__name__
        error = f"{summary}: {str(getattr(exc, 'evalue', '') or exc).strip().splitlines()[-1][:120]}"
    return time.perf_counter() - start, error


def course_rows(config: Config, notebooks_dir: Path, log: Callable[[str], None] = print,
                executor: Callable[[Path, int], tuple[float, str]] = execute_notebook) -> list[Row]:
    paths = find_notebooks(notebooks_dir, config.notebook_limit)
    rows, failed = [], []
    if not paths:
        return [Row("course", f"no notebooks matching {NOTEBOOK_PATTERN} in {notebooks_dir}", "cpu", None, "s",
                    0, status="FAIL")]
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        copy = Path(tmp) / notebooks_dir.name
        shutil.copytree(notebooks_dir, copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        for path in paths:
            log(f"  executing {path.name} ...")
            seconds, error = executor(copy / path.name, config.cell_timeout_s)
            notes = f"FAILED: {error}" if error else "fresh kernel, COURSE_DEVICE=cpu"
            if error:
                failed.append(path.name)
            rows.append(budget_row(Row("course", path.name, "cpu", seconds, "s", 1, notes=notes),
                                   config.notebook_budget_s, ran_ok=not error))
    total = Row("course", f"all {len(rows)} notebooks together", "cpu", sum(r.value for r in rows), "s", 1,
                notes="sum of the above")
    if config.notebook_limit is not None:
        total.notes += f" (only the first {config.notebook_limit}: --quick)"
    if failed:
        total.notes += f"; {len(failed)} failed to run: {', '.join(failed)}"
    rows.append(budget_row(total, config.course_budget_s, ran_ok=not failed))
    return rows
