"""Slideshows in `make lab` (jupyterlab-rise): every course notebook offers them, and one is presented live.

Facts these rely on (jupyterlab-rise 0.43 in JupyterLab 4): the notebook toolbar has a button for the command
`RISE:preview` ("Render as Reveal Slideshow", a slideshow panel beside the notebook); the command palette also
has `RISE:slideshow` ("Open as Reveal Slideshow"), which opens the slideshow in a new browser tab at
/rise/<path>. That page is a small JupyterLab of its own: the notebook's cells sit in reveal.js `<section>`s
(one per slide, nested for sub-slides), reveal marks the slide on screen with the class `present`, Space steps
to the next slide or sub-slide and ArrowRight to the next slide; Shift+Enter runs the selected code cell in
the notebook's kernel. Cells of type "skip" get the class `reveal-skip` (never shown), notes `reveal-notes`.
reveal.js is not a global of that page, so the tests read the slide indices from its `present` classes.
"""

import json
import re
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .lab_ui import check, shorten, status_bar, wait_until

COURSE_NOTEBOOKS = sorted(
    path.name for path in (Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9][0-9]_*.ipynb")
)
PRESENTED = "01_tensors.ipynb"
TOOLBAR_BUTTON = '.jp-NotebookPanel:visible .jp-NotebookPanel-toolbar [data-command="RISE:preview"]'
SLIDESHOW_COMMANDS = {"RISE:slideshow": "Open as Reveal Slideshow", "RISE:preview": "Render as Reveal Slideshow"}
# a projector's resolution: the size the slides are designed for (notebooks/rise.css)
PROJECTOR = {"width": 1280, "height": 720}
# [horizontal, vertical] index of the slide on screen, as reveal.js marks it
SLIDE_INDICES = """() => {
    const slides = [...document.querySelectorAll('.reveal .slides > section')];
    const h = slides.findIndex(s => s.classList.contains('present'));
    if (h < 0) return null;
    const v = [...slides[h].querySelectorAll(':scope > section')].findIndex(s => s.classList.contains('present'));
    return [h, Math.max(v, 0)];
}"""
PRESENT_TEXT = """() => {
    const s = document.querySelector('.reveal section.present section.present');
    return s ? s.innerText : '';
}"""


def slide_type(cell: dict) -> str:
    return cell["metadata"].get("slideshow", {}).get("slide_type", "-")


def slide_positions(cells: list[dict]) -> list[tuple[int, int] | None]:
    """The [h, v] slide of each cell, from the notebook's slide metadata as RISE reads it (None: not shown)."""
    positions, h, v = [], -1, 0
    for index, cell in enumerate(cells):
        kind = slide_type(cell)
        if kind == "slide" or (index == 0 and kind not in ("skip", "notes")):
            h, v = h + 1, 0
        elif kind == "subslide":
            v += 1
        positions.append(None if kind in ("skip", "notes") else (h, v))
    return positions


def api(lab, method: str, path: str):
    request = urllib.request.Request(
        f"{lab.base_url}{path}", method=method, headers={"Authorization": f"token {lab.token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


def sessions(lab) -> dict[str, str]:
    """The running notebook sessions: session id -> notebook path."""
    return {session["id"]: session["path"] for session in api(lab, "GET", "/api/sessions")}


def close_new_sessions(lab, before: dict[str, str], path: str, timeout_s: float = 30) -> None:
    """Shut down the kernel that opening `path` started (none when another test's tab already had one):
    nine idle kernels would crowd a 2-core machine for the rest of the browser tests."""
    if path in before.values():
        return
    new = wait_until(lambda: [sid for sid, p in sessions(lab).items() if p == path and sid not in before], timeout_s)
    for sid in new or []:
        api(lab, "DELETE", f"/api/sessions/{sid}")


def open_in_lab(page, lab, name: str, workspace: str) -> bool:
    """Open the notebook in a fresh workspace; True once its toolbar is there and its kernel idle (JupyterLab
    moves the keyboard focus while a kernel starts, which would close the command palette)."""
    page.goto(f"{lab.base_url}/lab/workspaces/{workspace}/tree/{name}?reset&token={lab.token}")
    button = page.locator(TOOLBAR_BUTTON)
    return bool(wait_until(lambda: button.count() == 1 and button.is_visible() and "| Idle" in status_bar(page), 120))


def open_palette(page, query: str) -> bool:
    """Ctrl+Shift+C (again if the notebook took the keyboard focus back while loading), then type `query`."""
    search = page.locator("#modal-command-palette .lm-CommandPalette-input")
    for _ in range(4):
        page.keyboard.press("Control+Shift+C")
        if wait_until(search.is_visible, 5):
            try:
                search.fill(query, timeout=5_000)
                return True
            except PlaywrightTimeout:  # the palette closed again: the page moved the focus
                pass
    return False


def test_every_course_notebook_offers_the_slideshow(lab, page, shots):
    """The toolbar button and both palette commands are there, and enabled, on every numbered notebook."""
    check(COURSE_NOTEBOOKS, "no course notebooks found in notebooks/")
    before = sessions(lab)
    problems = []
    for name in COURSE_NOTEBOOKS:
        stem = Path(name).stem
        opened = open_in_lab(page, lab, name, "rise-" + re.sub(r"\W", "-", stem))
        shots(page, f"toolbar-{stem}")
        button = page.locator(TOOLBAR_BUTTON)
        if not button.count():
            problems.append(f"{name}: no slideshow button (RISE:preview) in the notebook toolbar")
        elif not opened:
            problems.append(f"{name}: did not open with an idle kernel within 120 s: {status_bar(page)!r}")
        elif button.get_attribute("aria-disabled") == "true":
            problems.append(f"{name}: the slideshow button is disabled")
        if not open_palette(page, "Reveal Slideshow"):
            problems.append(f"{name}: the command palette (Ctrl+Shift+C) did not open")
        else:
            for command, label in SLIDESHOW_COMMANDS.items():
                item = page.locator(f'.lm-CommandPalette-item[data-command="{command}"]')
                if not wait_until(item.is_visible, 10):
                    problems.append(f"{name}: the command palette has no {label!r} ({command})")
                elif "lm-mod-disabled" in (item.get_attribute("class") or ""):
                    problems.append(f"{name}: {label!r} ({command}) is disabled in the command palette")
            shots(page, f"palette-{stem}")
            page.keyboard.press("Escape")
        close_new_sessions(lab, before, name)
    check(not problems, "the slideshow is not offered everywhere:\n" + "\n".join(problems))


class Slideshow:
    """The /rise/ page of a notebook: its slide indices, keys, and the kernel messages it exchanges."""

    def __init__(self, page, cells: list[dict]):
        self.page = page
        self.cells = cells
        self.positions = slide_positions(cells)
        self.order = sorted({p for p in self.positions if p is not None})
        self.frames: list[str] = []  # kernel websocket frames, both directions, as text
        self.page_errors: list[str] = []
        self.remote: list[str] = []  # requests that would leave the machine
        page.on("websocket", self._watch)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("request", self._request)

    def frame_arrives(self, text: str, start: int = 0, timeout_s: float = 120) -> bool:
        """Wait for a kernel frame containing `text` among the frames from index `start` on. Playwright's sync
        API records frames only while the test is inside a Playwright call, hence wait_for_timeout rather
        than time.sleep: with sleep, a reply that arrived after the key press was never seen."""
        deadline = time.monotonic() + timeout_s
        while not any(text in frame for frame in self.frames[start:]):
            if time.monotonic() > deadline:
                return False
            self.page.wait_for_timeout(250)
        return True

    def _watch(self, socket):
        def keep(payload):
            self.frames.append(payload if isinstance(payload, str) else payload.decode("utf-8", "replace"))

        socket.on("framesent", keep)
        socket.on("framereceived", keep)

    def _request(self, request):
        if not re.match(r"(https?|wss?)://(127\.0\.0\.1|localhost)[:/]|(data|blob|about):", request.url):
            self.remote.append(request.url)

    def indices(self) -> tuple[int, int] | None:
        value = self.page.evaluate(SLIDE_INDICES)
        return tuple(value) if value else None

    def wait_for(self, expected: tuple[int, int], after: str, timeout_s: float = 20) -> None:
        reached = wait_until(lambda: self.indices() == expected, timeout_s)
        check(reached, f"after {after} the slideshow showed slide {self.indices()}, expected {expected}")

    def press(self, key: str, expected: tuple[int, int]) -> None:
        self.page.keyboard.press(key)
        self.wait_for(expected, f"pressing {key}")

    def go_to(self, target: tuple[int, int]) -> None:
        """Step there with Space / Shift+Space, one slide at a time, as a presenter does."""
        while (here := self.indices()) != target:
            check(here in self.order, f"the slideshow shows slide {here}, which the notebook's metadata has not")
            step = 1 if self.order.index(here) < self.order.index(target) else -1
            self.press("Space" if step == 1 else "Shift+Space", self.order[self.order.index(here) + step])

    def cell(self, index: int):
        return self.page.locator(".reveal .jp-Cell").nth(index)


def expected_output(cell: dict) -> str:
    """The text the cell printed when its outputs were stored (checked by `make nbval`)."""
    return "".join("".join(out.get("text", "")) for out in cell["outputs"] if out["output_type"] == "stream")


def first_printing_cell(cells: list[dict], positions, after: int) -> int:
    """The first code cell after `after` on a shown slide that prints something short and error-free."""
    for index in range(after + 1, len(cells)):
        cell = cells[index]
        if (
            cell["cell_type"] != "code"
            or positions[index] is None
            or "raises-exception" in cell["metadata"].get("tags", [])
        ):
            continue
        text = expected_output(cell).strip()
        if text and len(text) < 400 and not any(out["output_type"] == "error" for out in cell["outputs"]):
            return index
    pytest.fail(f"{PRESENTED} has no short printing code cell on a slide")


def test_present_a_notebook_step_through_and_run_a_cell(lab, browser, shots):
    """Open the slideshow from the command palette, step through it, and run code on a slide."""
    cells = json.loads((lab.notebook_dir / PRESENTED).read_text())["cells"]
    rise = json.loads((lab.notebook_dir / PRESENTED).read_text())["metadata"].get("rise", {})
    check(
        rise.get("start_slideshow_at") == "beginning",
        f"{PRESENTED}'s metadata 'rise' does not start the slideshow at the title: {rise}",
    )
    context = browser.new_context(viewport=PROJECTOR)
    try:
        lab_page = context.new_page()
        lab_page.set_default_timeout(30_000)
        check(open_in_lab(lab_page, lab, PRESENTED, "rise-presented"), f"{PRESENTED} did not open with a kernel")
        with context.expect_page(timeout=60_000) as opened:
            check(open_palette(lab_page, "Open as Reveal Slideshow"), "the command palette did not open")
            lab_page.locator('.lm-CommandPalette-item[data-command="RISE:slideshow"]').click()
        page = opened.value
        page.set_default_timeout(30_000)
        show = Slideshow(page, cells)
        present_the_notebook(show, lab, shots)
    finally:
        context.close()


def present_the_notebook(show: Slideshow, lab, shots) -> None:
    page, cells, positions = show.page, show.cells, show.positions
    check("/rise/" in page.url, f"the slideshow command opened {page.url}, not a /rise/ page")
    shown = wait_until(lambda: show.indices() is not None, 120)
    check(shown, f"the slideshow page showed no reveal.js slide within 120 s: {shorten(page.inner_text('body'))!r}")
    # the kernel answered (the page's "kernel_info" handshake): Shift+Enter will run in a live kernel
    check(
        show.frame_arrives("kernel_info_reply"),
        "no kernel connected to the slideshow",
    )

    # (1) the title slide
    show.wait_for((0, 0), "opening")
    title = "".join(cells[0]["source"]).splitlines()[0].lstrip("# ").strip()
    check(title in page.evaluate(PRESENT_TEXT), f"the first slide does not show the title {title!r}")
    shots(page, "title-slide")

    # (2) step forward with the keyboard: Space walks slides and sub-slides in order, ArrowRight jumps to
    # the next slide's top
    for step in range(1, 4):
        show.press("Space", show.order[step])
        shots(page, f"space-{step}")
    here = show.indices()
    next_slide = next(p for p in show.order if p[0] == here[0] + 1 and p[1] == 0)
    show.press("ArrowRight", next_slide)
    shots(page, "arrow-right")
    show.press("ArrowLeft", here)  # back to the previous section, where we left it (reveal.js remembers)
    show.press("ArrowRight", next_slide)

    # (3) what the metadata hides stays hidden, and every pitfall starts its own (sub-)slide
    for index, cell in enumerate(cells):
        element = show.cell(index)
        if slide_type(cell) in ("skip", "notes"):
            classes = element.get_attribute("class") or ""
            check(
                "reveal-skip" in classes or "reveal-notes" in classes,
                f"cell {index} ({slide_type(cell)}) is not hidden",
            )
        if cell["cell_type"] == "markdown" and "**Pitfall" in "".join(cell["source"]):
            first = element.evaluate(
                "c => c.parentElement.tagName === 'SECTION' && c.parentElement.querySelector('.jp-Cell') === c"
            )
            check(first, f"the pitfall in cell {index} does not start its own slide")
    hidden = [i for i, p in enumerate(positions) if p is None]
    visible_hidden = [i for i in hidden if show.cell(i).is_visible()]

    # (4) run code on a slide: the imports, then a cell whose printed text is known from its stored output
    imports = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    target = first_printing_cell(cells, positions, imports)
    expected = expected_output(cells[target]).strip()
    for index in (imports, target):
        run_on_slide(show, index)
    show.go_to(positions[target])  # Shift+Enter moved on to the next cell, which may be on the next slide
    output = show.cell(target).locator(".jp-OutputArea-output")

    def shown_text() -> str:
        return shorten(output.first.inner_text()) if output.count() else "no output"

    check(
        wait_until(
            lambda: (
                output.count()
                and expected in output.first.inner_text()
                and not output.first.get_attribute("data-stored")
            ),
            60,
        ),
        f"after Shift+Enter on cell {target} its slide shows {shown_text()!r}, expected {shorten(expected)!r}",
    )
    printed = [f for f in show.frames if '"stream"' in f and expected.splitlines()[-1] in f]
    check(printed, f"the kernel sent no output {expected.splitlines()[-1]!r} for cell {target}")
    shots(page, "ran-a-cell")

    # (5) no page errors; nothing fetched from outside the machine (the course runs offline)
    check(not visible_hidden, f"cells marked skip/notes are visible on a slide: {visible_hidden}")
    check(not show.page_errors, "the slideshow page raised errors:\n" + "\n".join(map(shorten, show.page_errors)))
    check(
        not show.remote,
        f"the slideshow asked the network for {show.remote[:3]}, which fails in an offline room (Google Fonts: "
        "the reveal.js themes simple, beige, league, sky, moon and blood fetch their fonts; white, black, serif, "
        "night and solarized use fonts shipped with RISE)",
    )


def run_on_slide(show: Slideshow, index: int) -> None:
    """Go to the cell's slide, select it (a click on its prompt, as a presenter does), Shift+Enter."""
    show.go_to(show.positions[index])
    cell = show.cell(index)
    cell.locator(".jp-OutputArea-output").evaluate_all("outs => outs.forEach(o => o.dataset.stored = '1')")
    cell.locator(".jp-InputPrompt").first.click()
    check(
        wait_until(lambda: "jp-mod-active" in (cell.get_attribute("class") or ""), 10), f"cell {index} was not selected"
    )
    sent = len(show.frames)
    show.page.keyboard.press("Shift+Enter")
    check(
        show.frame_arrives("execute_reply", sent),
        f"Shift+Enter on cell {index} sent no code to the kernel, or it did not answer within 120 s",
    )
    time.sleep(0.3)  # the reply's output renders a moment after it


def test_slideshow_defaults_come_from_the_course_settings(lab):
    """lab-settings/jupyterlab-rise/ gives every notebook without its own 'rise' metadata (the assignments, a
    student's own notebook) an offline theme and the course's slideshow defaults."""
    settings = api(lab, "GET", "/lab/api/settings/jupyterlab-rise:plugin")["settings"]
    expected = {"theme": "white", "start_slideshow_at": "beginning", "scroll": True}
    assert {key: settings.get(key) for key in expected} == expected, f"RISE's settings are {settings}"


def test_the_jupyterlab3_math_extension_is_switched_off(lab):
    """jupyterlab-rise installs jupyterlab-mathjax3, made for JupyterLab 3; lab-config/ (read by `make lab`)
    switches it off so that JupyterLab 4's own math renderer, with MathML for screen readers, stays in use."""
    request = urllib.request.Request(f"{lab.base_url}/lab", headers={"Authorization": f"token {lab.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        page = response.read().decode()
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                  page, re.S).group(1))
    assert "@jupyterlab/mathjax3-extension" in config["disabledExtensions"], config["disabledExtensions"]
