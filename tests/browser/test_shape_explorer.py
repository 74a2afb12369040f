"""Notebook 02's broadcasting "shape explorer" (ipywidgets `interact`) works in the student's browser.

A missing or mismatched widget front-end is the most common way an interactive course breaks in class:
the student sees "Error displaying widget", or a text repr `interactive(children=(...` where the controls
should be. nbval cannot see this; only a browser can.
"""

import ast
import itertools
import re

import pytest
import torch

from .lab_ui import ERROR_MARKERS, PANEL, check, error_excerpt, shorten, wait_until, widget_text_problem

NOTEBOOK = "02_broadcasting_and_devices.ipynb"
# PyTorch's own words when two shapes do not broadcast, e.g. "The size of tensor a (4) must match the size
# of tensor b (3) at non-singleton dimension 1"
BROADCAST_ERROR = re.compile(r"The size of tensor a \(\d+\) must match the size of tensor b \(\d+\)")


class Explorer:
    """The shape explorer as the page shows it: two dropdowns of shapes and the printed explanation."""

    def __init__(self, run):
        interact_cells = [cell for cell in run.code_cells if cell.uses_interact and "shape" in cell.source]
        check(interact_cells, f"{NOTEBOOK} has no `interact` cell about shapes (the shape explorer)")
        self.cell = interact_cells[0]
        self.page = run.page
        self.element = self.page.locator(f"{PANEL} .jp-Notebook .jp-Cell").nth(self.cell.index)
        self.selects = self.element.locator(".widget-interact .widget-dropdown select")
        self.output = self.element.locator(".widget-interact .widget-output")

    def require_controls(self):
        if not self.cell.widget_controls:
            pytest.fail(widget_text_problem(self.cell, "the shape explorer"), pytrace=False)
        count = self.selects.count()
        check(count == 2, f"the shape explorer shows {count} dropdowns, expected two (shape a, shape b)")

    def shapes(self) -> list[tuple[int, ...]]:
        return [parse_shape(label) for label in self.selects.first.locator("option").all_text_contents()]

    def chosen(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        labels = [select.evaluate("s => s.options[s.selectedIndex].text") for select in self.selects.all()]
        return parse_shape(labels[0]), parse_shape(labels[1])

    def text(self) -> str:
        return self.output.inner_text() if self.output.count() else ""

    def choose(self, shape_a, shape_b, until, timeout_s: float = 20) -> str:
        """Pick both shapes like a student, then wait until the explanation satisfies `until`."""
        shapes = self.shapes()
        for select, shape in zip(self.selects.all(), (shape_a, shape_b), strict=True):
            select.select_option(index=shapes.index(shape))
        wait_until(lambda: until(self.text()) or error_in(self.text()), timeout_s)
        return self.text()


def parse_shape(label: str) -> tuple[int, ...]:
    """A dropdown label such as "(2, 3)" (ipywidgets shows its spaces as no-break spaces) as a tuple."""
    return tuple(ast.literal_eval(label.replace("\xa0", " ").strip()))


def error_in(text: str) -> bool:
    return bool(ERROR_MARKERS.search(text))


def broadcast(shape_a, shape_b):
    try:
        return tuple(torch.broadcast_shapes(shape_a, shape_b))
    except RuntimeError:
        return None


def pytorch_error(shape_a, shape_b) -> str:
    try:
        torch.zeros(shape_a) + torch.zeros(shape_b)
    except RuntimeError as error:
        return str(error)
    raise AssertionError(f"{shape_a} and {shape_b} broadcast")


@pytest.fixture
def explorer(ran_notebook, shots):
    explorer = Explorer(ran_notebook(NOTEBOOK))
    shots(explorer.page, "shape-explorer", element=explorer.element)
    return explorer


def test_shape_explorer_renders_controls_not_a_text_repr(explorer):
    explorer.require_controls()
    text = explorer.text()
    check(not error_in(text), f"the shape explorer showed an error instead of its explanation:\n{error_excerpt(text)}")
    shape_a, shape_b = explorer.chosen()
    result = broadcast(shape_a, shape_b)
    expected = str(result) if result is not None else "must match the size"
    check(
        expected in text,
        f"with shape a = {shape_a} and shape b = {shape_b} the shape explorer showed {shorten(text)!r}, "
        f"which does not mention the result {expected!r}",
    )


def test_changing_a_shape_changes_the_result(explorer, shots):
    explorer.require_controls()
    before = explorer.text()
    _, shape_b = explorer.chosen()
    # a new shape a whose result differs from both inputs and from what is shown now: the text must change
    candidates = [
        (shape, broadcast(shape, shape_b))
        for shape in explorer.shapes()
        if broadcast(shape, shape_b) not in (None, shape, shape_b) and str(broadcast(shape, shape_b)) not in before
    ]
    check(candidates, f"no shape in the explorer's list broadcasts with {shape_b} to a new result")
    shape_a, result = candidates[-1]
    after = explorer.choose(shape_a, shape_b, until=lambda text: str(result) in text)
    shots(explorer.page, "changed-shape-a", element=explorer.element)
    chosen = f"after choosing shape a = {shape_a} (shape b = {shape_b})"
    check(not error_in(after), f"{chosen} the shape explorer showed an error, not a result:\n{error_excerpt(after)}")
    check(after != before, f"{chosen} the shape explorer still showed {shorten(before)!r}")
    check(str(result) in after, f"{chosen} the shape explorer showed {shorten(after)!r}, not the result {result}")


def test_incompatible_shapes_show_the_broadcasting_error(explorer, shots):
    explorer.require_controls()
    pairs = [(a, b) for a, b in itertools.product(explorer.shapes(), repeat=2) if broadcast(a, b) is None]
    check(pairs, "the shape explorer offers no pair of shapes that fails to broadcast")
    shape_a, shape_b = pairs[0]
    message = pytorch_error(shape_a, shape_b)
    text = explorer.choose(shape_a, shape_b, until=lambda text: message in text)
    shots(explorer.page, "incompatible-pair", element=explorer.element)
    chosen = f"with shape a = {shape_a} and shape b = {shape_b}, which do not broadcast,"
    check(
        not error_in(text),
        f"{chosen} the shape explorer crashed with a traceback instead of explaining:\n{error_excerpt(text)}",
    )
    check(
        message in text and BROADCAST_ERROR.search(text),
        f"{chosen} the shape explorer showed {shorten(text)!r} instead of PyTorch's error {message!r}",
    )
