"""What a student does in JupyterLab and what they see there, as functions over a Playwright page.

Facts these rely on (JupyterLab 4): the status bar shows "<kernel> | Idle" once a kernel runs (the notebook
toolbar says "idle" even before that); Run All stops at the first cell that raises unless the cell is tagged
`raises-exception`; an error and a stderr stream both render as `application/vnd.jupyter.stderr`.
"""

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# The course notebooks the tests open and run: every numbered one (a few at a time side by side: see
# ran_notebook in conftest.py).
COURSE_NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
TEACHER_ASSIGNMENTS = Path(__file__).resolve().parents[2] / "teacher" / "assignments"
# The assignments as a student receives them: `make student`'s versions, written into the served folder's
# student/ by the `lab` fixture (stubs raise NotImplementedError; each check must say "Not done yet", not stop).
STUDENT_FOLDER = "student"
NOTEBOOKS = tuple(sorted(path.name for path in COURSE_NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))) + tuple(
    f"{STUDENT_FOLDER}/{path.name}" for path in sorted(TEACHER_ASSIGNMENTS.glob("*.ipynb"))
)
PANEL = ".jp-NotebookPanel:visible"
ERROR_MARKERS = re.compile(r"Traceback \(most recent call last\)|^\s*Cell In\[\d+\], line \d+", re.M)
# what ipywidgets prints when no front-end renders it: "interactive(children=(IntSlider(value=5, ..."
WIDGET_REPR = re.compile(r"\binteractive\(children=|\b\w*(Slider|Dropdown|Box|Button|Text|Output)\(")
WIDGET_DISPLAY_ERROR = "Error displaying widget"
# Run All counts as stopped when nothing changed for this long. After a tagged cell raises, JupyterLab sends
# the remaining cells one at a time, and on a loaded 2-core machine (two notebooks running side by side, the
# browser drawing their plots) the gap between two cells, kernel idle, was seen to exceed 5 s.
STOPPED_SETTLE_S = 30


class Shots:
    """Numbered screenshots of one test's steps in test-artifacts/browser/<test>/."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0
        self.taken: list[Path] = []

    def __call__(self, page, step: str, element=None) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        try:
            if element is not None:
                # twice: off-screen cells (CSS content-visibility) get their real height only once drawn
                for _ in range(2):
                    element.evaluate("e => e.scrollIntoView({block: 'center'})", timeout=5_000)
                    time.sleep(0.3)
            page.screenshot(path=str(path))
        except Exception as error:  # a screenshot must never hide the real failure
            path.with_suffix(".txt").write_text(f"screenshot failed: {error}\n")
        self.taken.append(path)
        return path


def check(condition, message: str) -> None:
    """Fail the test with `message` alone: what the student would have seen, without a Python traceback."""
    if not condition:
        pytest.fail(message, pytrace=False)


def error_excerpt(text: str) -> str:
    """The lines of a traceback a student reads: the failing line (`---->`) and the error itself (last line)."""
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    arrows = [line.strip() for line in lines if line.lstrip().startswith("---->")]
    shown = [shorten(arrows[-1], 150)] if arrows else []
    return "\n".join(f"  {line}" for line in [*shown, shorten(lines[-1] if lines else "")])


def shorten(text: str, limit: int = 300) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 5] + " [...]"


def visible_dialog(page) -> str | None:
    """The text of a JupyterLab dialog on screen (an error, "Select Kernel", ...), or None."""
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and dialog.first.is_visible():
        return " ".join(dialog.first.inner_text().split())
    return None


def status_bar(page) -> str:
    return " ".join(page.locator("#jp-main-statusbar").inner_text().split())


def wait_until(condition, timeout_s: float, interval_s: float = 0.25):
    """Poll `condition()` until it returns something truthy; return that, or None after the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval_s)


def run_menu_command(page, menu: str, command: str) -> None:
    """Click a menu in the menu bar, then one of its entries (found by its JupyterLab command id)."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(rf"^{menu}$")).click()
    page.locator(f'.lm-Menu-item[data-command="{command}"]').click()


def open_notebook(page, lab, name: str) -> list[dict]:
    """Start opening notebooks/<name> in a fresh workspace (don't wait for it); return its cells from disk."""
    workspace = re.sub(r"\W", "-", Path(name).stem)
    page.goto(f"{lab.base_url}/lab/workspaces/{workspace}/tree/{name}?reset&token={lab.token}", wait_until="commit")
    return json.loads((lab.notebook_dir / name).read_text())["cells"]


def wait_until_open(page, name: str, cells: list[dict], shots: Shots, timeout_s: float = 90) -> None:
    """Wait until the notebook shows all its cells and the status bar says its kernel is idle."""

    def ready():
        if visible_dialog(page):
            return "dialog"
        if "| Idle" in status_bar(page) and page.locator(f"{PANEL} .jp-Notebook .jp-Cell").count() == len(cells):
            return "idle"
        return None

    state = wait_until(ready, timeout_s)
    shots(page, f"opened-{Path(name).stem}")
    check(state != "dialog", f"opening {name}, JupyterLab showed a dialog: {visible_dialog(page)!r}")
    check(
        state == "idle",
        f"{name} did not open with a running kernel within {timeout_s:.0f} s: the status bar showed "
        f"{status_bar(page)!r} and {page.locator(f'{PANEL} .jp-Cell').count()} of {len(cells)} cells were on the page",
    )


@dataclass
class CodeCell:
    index: int  # position among all cells, as in the .ipynb file
    source: str
    tags: list[str]
    prompt: str  # "[3]:", "[*]:", "[ ]:"
    outputs: list[tuple[str, str]] = field(default_factory=list)  # (mime type, text) of each top-level output
    widget_controls: int = 0  # rendered ipywidgets controls (sliders, dropdowns, ...)
    widget_errors: list[str] = field(default_factory=list)  # tracebacks shown inside widget output areas

    @property
    def title(self) -> str:
        first_line = next((line for line in self.source.splitlines() if line.strip()), "")
        return f"cell {self.index} `{shorten(first_line, 70)}`"

    @property
    def text(self) -> str:
        return "\n".join(text for _, text in self.outputs)

    @property
    def errors(self) -> list[str]:
        stderr = [text for mime, text in self.outputs if mime == "application/vnd.jupyter.stderr"]
        return [text for text in stderr if ERROR_MARKERS.search(text)]

    @property
    def uses_interact(self) -> bool:
        return "interact(" in self.source or "interactive(" in self.source


def read_code_cells(page, cells: list[dict]) -> list[CodeCell]:
    """What the page shows for each code cell: prompt, outputs, rendered widgets (matched with the .ipynb)."""
    shown = page.locator(f"{PANEL} .jp-Notebook .jp-Cell").evaluate_all(
        """cells => cells.map(cell => {
            const prompt = cell.querySelector('.jp-InputArea-prompt');
            const outputs = Array.from(cell.querySelectorAll('.jp-OutputArea-output'))
                .filter(o => !o.parentElement.closest('.jupyter-widgets'))
                .map(o => [o.dataset.mimeType || (o.querySelector('.jupyter-widgets') ? 'widget' : ''), o.textContent]);
            const controls = cell.querySelectorAll(['slider', 'dropdown', 'text', 'checkbox', 'toggle-buttons',
                'radio', 'button', 'select'].map(kind => '.jupyter-widgets.widget-' + kind).join(', ')).length;
            const widgetErrors = Array.from(cell.querySelectorAll('.jupyter-widgets .jp-OutputArea-output'))
                .filter(o => o.dataset.mimeType === 'application/vnd.jupyter.stderr').map(o => o.textContent);
            return {kind: cell.classList.contains('jp-CodeCell') ? 'code' : 'other',
                    prompt: prompt ? prompt.textContent.trim() : '', outputs, controls, widgetErrors};
        })"""
    )
    assert len(shown) == len(cells), f"the page shows {len(shown)} cells, the file has {len(cells)}"
    code_cells = []
    for index, (cell, seen) in enumerate(zip(cells, shown, strict=True)):
        if cell["cell_type"] != "code":
            continue
        assert seen["kind"] == "code", f"cell {index} is a code cell in the file but not on the page"
        code_cells.append(
            CodeCell(
                index=index,
                source="".join(cell["source"]),
                tags=cell["metadata"].get("tags", []),
                prompt=seen["prompt"],
                outputs=[tuple(output) for output in seen["outputs"]],
                widget_controls=seen["controls"],
                widget_errors=[text for text in seen["widgetErrors"] if ERROR_MARKERS.search(text)],
            )
        )
    return code_cells


def start_restart_and_run_all(page, shots: Shots) -> None:
    """Clear all outputs (so nothing stored can pass for a fresh result), then Kernel > Restart Kernel and
    Run All Cells, and confirm the restart, as a student does."""
    run_menu_command(page, "Edit", "editmenu:clear-all")
    run_menu_command(page, "Kernel", "runmenu:restart-and-run-all")
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(state="visible", timeout=10_000)
    check("Restart Kernel" in dialog.inner_text(), f"expected the restart confirmation, got {visible_dialog(page)!r}")
    shots(page, "restart-kernel-dialog")
    dialog.locator("button.jp-mod-accept").click()
    dialog.wait_for(state="hidden", timeout=10_000)


def wait_for_run_all(page, name: str, cells: list[dict], shots: Shots, timeout_s: float = 420) -> list[CodeCell]:
    """Wait until Run All has finished or stopped; return what the page shows for each code cell."""
    prompts = page.locator(f"{PANEL} .jp-CodeCell .jp-InputArea-prompt")
    runnable = ["".join(cell["source"]).strip() != "" for cell in cells if cell["cell_type"] == "code"]
    stopped = {"state": None, "since": 0.0}

    def finished():
        """All cells ran; or Run All stopped: nothing queued, kernel idle, and so for STOPPED_SETTLE_S.

        After a tagged cell raises, JupyterLab runs the rest one by one with `[ ]:` prompts and the kernel
        idle for a moment between cells, so "nothing queued and idle" alone does not mean it stopped."""
        texts = [text.strip() for text in prompts.all_text_contents()]
        idle = "| Idle" in status_bar(page)
        numbered = [bool(re.fullmatch(r"\[\d+\]:", text)) for text in texts]
        if idle and len(texts) == len(runnable) and all(n for n, r in zip(numbered, runnable, strict=True) if r):
            return True
        if not (idle and texts and numbered[0] and not any("*" in text for text in texts)):
            stopped["state"] = None
            return False
        if texts != stopped["state"]:
            stopped["state"], stopped["since"] = texts, time.monotonic()
        return time.monotonic() - stopped["since"] >= STOPPED_SETTLE_S

    done = wait_until(finished, timeout_s, interval_s=0.5)
    time.sleep(0.5)  # let the last outputs and widget views render
    shots(page, f"ran-all-{Path(name).stem}")
    code_cells = read_code_cells(page, cells)
    if not done:
        waiting = [cell for cell in code_cells if cell.source.strip() and not re.fullmatch(r"\[\d+\]:", cell.prompt)]
        pytest.fail(
            f"Restart Kernel and Run All Cells on {name} had not finished after {timeout_s:.0f} s: "
            f"{len(waiting)} cells had not run yet{f' (from {waiting[0].title} on)' if waiting else ''}; "
            f"the status bar showed {status_bar(page)!r}",
            pytrace=False,
        )
    return code_cells


def run_all_problems(name: str, code_cells: list[CodeCell]) -> list[str]:
    """Everything a student would notice after Run All: cells left unrun, unexpected errors, broken widgets."""
    problems = []
    reported = None  # the cell that stopped Run All, whose error is already in the report
    executed = [cell for cell in code_cells if cell.source.strip()]
    unrun = [cell for cell in executed if not re.fullmatch(r"\[\d+\]:", cell.prompt)]
    if unrun:
        before = [cell for cell in executed if cell.index < unrun[0].index and cell.errors]
        culprit = (
            f"; it stopped after {before[-1].title}, which showed:\n{error_excerpt(before[-1].errors[0])}"
            if before
            else ""
        )
        hint = before and "raises-exception" not in before[-1].tags
        reported = before[-1] if before else None
        problems.append(
            f"Run All stopped early: {len(unrun)} cells never ran, from {unrun[0].title} on{culprit}"
            + ("\n  (a cell that raises on purpose needs the `raises-exception` tag)" if hint else "")
        )
    for cell in code_cells:
        expected = "raises-exception" in cell.tags
        if cell.errors and not expected and cell is not reported:
            problems.append(f"{cell.title} showed an error:\n{error_excerpt(cell.errors[0])}")
        if expected and not cell.errors and re.fullmatch(r"\[\d+\]:", cell.prompt):
            problems.append(f"{cell.title} is a pitfall tagged raises-exception, but it showed no error")
        if WIDGET_DISPLAY_ERROR in cell.text:
            problems.append(
                f"{cell.title} showed {shorten(cell.text, 200)!r}: the ipywidgets front-end in JupyterLab "
                "does not match the kernel's ipywidgets"
            )
        if cell.uses_interact and not cell.widget_controls:
            problems.append(widget_text_problem(cell, "the widget"))
        for error in cell.widget_errors:
            problems.append(f"the widget of {cell.title} showed an error, not its result:\n{error_excerpt(error)}")
    return problems


def widget_text_problem(cell: CodeCell, what: str) -> str:
    """Describe an interact cell that shows no controls, in the words of what the student sees instead."""
    text = cell.text
    if WIDGET_DISPLAY_ERROR in text:
        return (
            f"{what} ({cell.title}) showed {shorten(text, 200)!r} instead of controls: the ipywidgets front-end "
            "in JupyterLab does not match the kernel's ipywidgets"
        )
    match = WIDGET_REPR.search(text)
    if match:
        start = text[match.start() :]
        return (
            f"{what} ({cell.title}) showed a text repr {shorten(start, 60)!r} instead of controls: "
            "the ipywidgets front-end (jupyterlab_widgets) is missing from JupyterLab"
        )
    return f"{what} ({cell.title}) showed no controls; its output was {shorten(text) or 'empty'!r}"
