"""The slide metadata that makes every course notebook a lecture (RISE in `make lab`, and `make slides`).

The metadata is written by tools/slides.py; these tests check it is up to date and check the lecture's
shape directly from the notebooks, so that a bug in the tool shows up here too.
"""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TYPES = {"slide", "subslide", "fragment", "-", "notes", "skip"}

spec = importlib.util.spec_from_file_location("slides_tool", ROOT / "tools" / "slides.py")
slides = importlib.util.module_from_spec(spec)
spec.loader.exec_module(slides)


def slide_type(cell) -> str:
    return cell.metadata.get("slideshow", {}).get("slide_type", "")


def headings_after_first_line(text: str) -> list[str]:
    """Markdown headings below a cell's first line, outside code blocks."""
    found, fenced = [], False
    for number, line in enumerate(text.splitlines()):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif number and not fenced and re.match(r"#{1,6} \S", line):
            found.append(line)
    return found


def test_every_course_notebook_is_checked():
    assert len(NOTEBOOKS) == 9


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_slide_metadata_is_up_to_date(path):
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    slides.apply(nb)
    assert nbformat.writes(nb) == before, f"run `python tools/slides.py {path.relative_to(ROOT)}`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lecture_shape(path):
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    kinds = [slide_type(c) for c in cells]
    assert set(kinds) <= TYPES, f"unknown slide types {set(kinds) - TYPES}"
    assert kinds[0] == "slide", "the title cell opens the slideshow"
    assert nb.metadata["rise"]["start_slideshow_at"] == "beginning"
    assert nb.metadata["rise"]["scroll"] is True
    # reveal.js themes whose fonts ship with RISE; the others ask fonts.googleapis.com (tests/browser/test_rise.py)
    assert nb.metadata["rise"]["theme"] in {"white", "black", "serif", "night", "solarized"}

    section = ""
    for number, (cell, kind) in enumerate(zip(cells, kinds, strict=True)):
        text = cell.source.strip()
        where = f"{path.name} cell {number} ({text[:50]!r})"
        if cell.cell_type == "markdown":
            assert not headings_after_first_line(text), f"{where}: a heading inside a cell cannot start a slide"
            heading = re.match(r"(#{1,2}) (.*)", text)
            if heading:
                section = heading.group(2).lower()
        in_exercises = section.startswith("take-home exercises")
        # the exercises are for home, and only they are left out of the lecture
        assert (kind == "skip") == in_exercises, f"{where}: {kind!r} in section {section!r}"
        if in_exercises:
            continue
        if re.match(r"#{1,2} ", text):
            assert kind == "slide", f"{where}: a section starts a slide"
        if text.startswith(("> **Pitfall", "**Learning objectives", "### ")):
            assert kind in ("slide", "subslide"), f"{where}: a pitfall has a slide of its own"
        if kind in ("slide", "subslide"):
            # what follows up to the next (sub)slide: something is shown, not only notes
            shown = []
            for later, later_kind in zip(cells[number:], kinds[number:], strict=True):
                if later is not cell and later_kind in ("slide", "subslide"):
                    break
                if later_kind not in ("notes", "skip"):
                    shown.append(later)
            assert shown, f"{where}: an empty slide"
        if kind == "notes":
            assert cell.cell_type == "markdown" and len(text.split()) > slides.LONG_WORDS, where


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_code_cell_is_on_a_slide(path):
    """Live code is the point of presenting from the notebook: no code cell is hidden in notes or skipped
    (the take-home exercises have none)."""
    nb = nbformat.read(path, as_version=4)
    hidden = [n for n, c in enumerate(nb.cells) if c.cell_type == "code" and slide_type(c) in ("notes", "skip")]
    assert not hidden, f"code cells {hidden} are not on any slide"


def test_split_keeps_the_text_and_ignores_comments_in_code_blocks():
    text = "Notice the result.\n\n```python\n# not a heading\nx = 1\n```\n\n## 2.3 Next section\n\nIts intro."
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text, id="abc")])
    assert slides.split_cells(nb) == 1
    assert [c.source for c in nb.cells] == [text.split("\n\n## ")[0], "## 2.3 Next section\n\nIts intro."]
    assert [c.id for c in nb.cells] == ["abc", "abc-1"]
    assert slides.split_cells(nb) == 0  # a second run changes nothing


def test_long_section_keeps_heading_and_first_paragraph_on_the_slide():
    body = " ".join(["word"] * (slides.LONG_WORDS + 10))
    text = f"## 9.9 A long section\n\nThe one idea of this slide.\n\n{body}"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text, id="x")])
    kinds = slides.apply(nb)
    assert [c.source for c in nb.cells] == ["## 9.9 A long section\n\nThe one idea of this slide.", body]
    assert kinds == ["slide", "notes"]


def test_skipped_section_ends_at_the_next_section():
    cells = [
        nbformat.v4.new_markdown_cell("# Title", id="a"),
        nbformat.v4.new_markdown_cell("## Take-home exercises", id="b"),
        nbformat.v4.new_markdown_cell("1. Do this.", id="c"),
        nbformat.v4.new_markdown_cell("## Next", id="d"),
    ]
    assert slides.slide_types(cells) == ["slide", "skip", "skip", "slide"]


def test_check_mode_reports_a_stale_notebook(tmp_path):
    stale = tmp_path / "01_x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T", id="a")]), stale)
    assert slides.main(["--check", str(stale)]) == 1
    assert slides.main([str(stale)]) == 0
    assert slides.main(["--check", str(stale)]) == 0


def test_a_remark_stays_under_its_output_and_a_new_step_gets_a_slide():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [md("# Title"), code("x = 1"), md("Notice x."), md("## 1.2 Next"), code("y = 2"), md("Now z:"),
             code("z = 3"), md("> **Pitfall:** w."), code("w")]
    assert slides.slide_types(cells) == ["slide", "-", "-", "slide", "-", "subslide", "-", "subslide", "-"]


def test_code_after_code_moves_to_the_next_subslide_when_the_slide_is_full():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    long_code = "\n".join(f"x{i} = {i}" for i in range(slides.SCREEN_LINES - 5))
    cells = [md("# Title"), md("Intro:"), code(long_code), code("y = 1\nz = 2\nw = 3\nv = 4\nu = 5\nt = 6"),
             code("assert y == 1")]
    assert slides.slide_types(cells) == ["slide", "-", "-", "subslide", "-"]
    # short cells share a slide
    cells[2] = code("x = 0")
    assert slides.slide_types(cells) == ["slide", "-", "-", "-", "-"]
