"""End-to-end tests in a real browser: JupyterLab started by `make lab`, driven by Playwright in Chromium.

They run with `make test-browser` (and inside `make test` when Chromium is installed). A plain `pytest` or
`make unit` skips them: they need Debian's Chromium (`apt-get install chromium chromium-driver`) and take
a minute or two. Screenshots of every step land in test-artifacts/browser/ (git-ignored).
"""

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from .lab_ui import (
    NOTEBOOKS,
    STUDENT_FOLDER,
    CodeCell,
    Shots,
    open_notebook,
    start_restart_and_run_all,
    wait_for_run_all,
    wait_until_open,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ENABLE_VARIABLE = "COURSE_BROWSER_TESTS"
STARTUP_TIMEOUT_S = 60
# How many notebooks run at once in their own tabs and kernels: enough to overlap the waiting, few enough
# that a 2-core machine finishes each well within wait_for_run_all's timeout.
SIDE_BY_SIDE = int(os.environ.get("COURSE_BROWSER_SIDE_BY_SIDE", "2"))


def pytest_collection_modifyitems(config, items):
    """Skip these tests unless `make test-browser` asked for them (COURSE_BROWSER_TESTS=1)."""
    if os.environ.get(ENABLE_VARIABLE) == "1":
        return
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason="browser tests run with `make test-browser` (they need Chromium)")
    for item in items:
        if here in item.path.parents:
            item.add_marker(skip)


def _free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Lab:
    """A JupyterLab server started with `make lab` on a temporary copy of notebooks/."""

    def __init__(self, notebook_dir: Path, log_path: Path):
        self.notebook_dir = notebook_dir
        self.log_path = log_path
        self.port = _free_loopback_port()
        self.token = secrets.token_hex(16)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def api(self, path: str) -> int:
        request = urllib.request.Request(f"{self.base_url}{path}", headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status

    def start(self) -> None:
        lab_args = " ".join(
            [
                "--no-browser",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
            ]
        )
        command = [
            "make",
            "--no-print-directory",
            # the environment is already installed: don't let `make lab` (re)install it
            "-o",
            ".venv/.installed",
            "lab",
            # the Python environment running these tests (the course's .venv under `make test-browser`)
            f"BIN={Path(sys.executable).parent}",
            f"LAB_DIR={self.notebook_dir}",
            f"LAB_ARGS={lab_args}",
        ]
        scratch = self.notebook_dir.parent
        env = {
            **os.environ,
            # keep the tests' open tabs and server files out of the user's ~/.jupyter and runtime folder
            "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces"),
            "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        }
        env.pop("COURSE_UTILS_PROGRESS", None)  # tests/conftest.py hides progress bars; a student's lab shows them
        # Kernels side by side on few cores: idle OpenMP threads sleep instead of spinning (the Makefile's
        # notebook setting; same numbers). Spinning threads of several kernels made 06 run for minutes.
        env["OMP_WAIT_POLICY"] = "PASSIVE"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"`make lab` exited with status {self.process.returncode} before JupyterLab answered; "
                    f"a student would see no JupyterLab at all. Its log:\n{self.log_tail()}"
                )
            try:
                if self.api("/api/status") == 200:
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        pytest.fail(f"JupyterLab did not answer within {STARTUP_TIMEOUT_S} s. Its log:\n{self.log_tail()}")

    def stop(self) -> None:
        try:
            self._stop_process()
        finally:
            if self.process is not None:
                self.log.close()

    def _stop_process(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # `make lab` and its jupyter process share one process group; kernels have their own, and the
        # server shuts them down on SIGTERM.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab(tmp_path_factory, artifacts):
    """JupyterLab as `make lab` starts it, serving a temporary copy of notebooks/ (nothing committed changes),
    with the student versions of the assignments in its student/ folder."""
    scratch = tmp_path_factory.mktemp("lab")
    notebook_dir = scratch / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebook_dir, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    subprocess.run(  # the assignments as `make student` hands them out
        [
            sys.executable,
            "-m",
            "course_utils.assignments",
            "student",
            str(ROOT / "teacher" / "assignments"),
            "-o",
            str(notebook_dir / STUDENT_FOLDER),
        ],
        check=True,
        capture_output=True,
    )
    server = Lab(notebook_dir, artifacts / "jupyterlab.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium chromium-driver` "
            "(never `playwright install`, which downloads a browser)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


def new_tab(browser):
    """A fresh browser tab (own cookies and storage) the size of a laptop screen."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    return context, tab


@pytest.fixture
def page(browser):
    context, tab = new_tab(browser)
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def shots(request, artifacts) -> Shots:
    """shots(page, "step") saves test-artifacts/browser/<test>/NN-step.png."""
    return Shots(artifacts / re.sub(r"[^\w.-]+", "_", request.node.name).strip("_"))


@dataclass
class NotebookRun:
    name: str
    page: object
    cells: list[dict]
    code_cells: list[CodeCell]
    shots: Shots


@pytest.fixture(scope="session")
def ran_notebook(browser, lab, artifacts):
    """ran_notebook(name): the notebook opened in its own tab after Restart Kernel and Run All Cells.

    The first call opens and runs `name` and every notebook in NOTEBOOKS, SIDE_BY_SIDE at a time, one tab
    and one kernel each, which overlaps their waiting; the tests that look at a notebook share its tab. A
    failure to open or run a notebook is reported by every test that asks for it.
    """
    runs: dict[str, NotebookRun | str] = {}  # a str: why the notebook could not be opened or run
    contexts = []

    def attempt(name: str, step, *args):
        if isinstance(runs.get(name), str):
            return None
        try:
            return step(*args)
        except (pytest.fail.Exception, AssertionError) as error:
            runs[name] = str(error)
        except Exception as error:  # Playwright: a menu entry or button that never appeared, ...
            runs[name] = f"{type(error).__name__} while opening or running {name}: {error}"
        return None

    def run(name: str) -> NotebookRun:
        if name not in runs:
            waiting = [each for each in dict.fromkeys([name, *NOTEBOOKS]) if each not in runs]
            for start in range(0, len(waiting), SIDE_BY_SIDE):
                run_side_by_side(waiting[start : start + SIDE_BY_SIDE])
        if isinstance(runs[name], str):
            pytest.fail(runs[name], pytrace=False)
        return runs[name]

    def run_side_by_side(names: list[str]) -> None:
        started = {}
        for each in names:
            context, tab = new_tab(browser)
            contexts.append(context)
            shots = Shots(artifacts / f"run-{Path(each).stem}")
            started[each] = (tab, shots, attempt(each, open_notebook, tab, lab, each))
        for each, (tab, shots, cells) in started.items():
            attempt(each, wait_until_open, tab, each, cells, shots)
            attempt(each, start_restart_and_run_all, tab, shots)
        for each, (tab, shots, cells) in started.items():
            code_cells = attempt(each, wait_for_run_all, tab, each, cells, shots)
            if each not in runs:
                runs[each] = NotebookRun(each, tab, cells, code_cells, shots)

    try:
        yield run
    finally:
        for context in contexts:
            context.close()
