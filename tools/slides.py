"""Slide metadata for the course notebooks, so that each one is also a lecture: `python tools/slides.py`.

    python tools/slides.py [NOTEBOOK ...]     # default: every notebooks/NN_*.ipynb, rewritten in place
    python tools/slides.py --check [...]      # exit 1, naming the cells, if a notebook's slides differ

RISE (`make lab`: the slideshow button in the notebook toolbar) and `make slides` (a static HTML slideshow)
read each cell's `metadata.slideshow.slide_type`. This tool writes it from the notebook's structure, so that a
teacher who edits a notebook can run it again instead of clicking through 100 cells:

- the title cell is a slide, and its learning objectives a sub-slide of their own;
- every `#` or `##` section starts a slide, every `###` heading a sub-slide (a markdown cell with a heading in
  its middle is first split in two there; the notebook reads exactly as before);
- every "> **Pitfall" cell starts a sub-slide: the mistake, its genuine error and the fix, one idea;
- each new step (a markdown cell after a code cell, with code after it) starts a sub-slide, with the code it
  introduces; a remark after a code cell with no code of its own stays under the output it comments on;
  a code cell right after another one goes to the next sub-slide when the slide would be over-full
  (more than SCREEN_LINES lines, estimated from the cells' text and stored outputs);
- long explanations (more than LONG_WORDS words) become speaker notes: a long section cell keeps its heading
  and first paragraph on the slide and the rest goes to the notes; a cell that opens with an equation, a
  code block (a "spot the bug" listing), a table or a numbered list, or that follows a cell ending with a
  colon (the list that cell announces), stays on the slide however long it is;
- the take-home exercises are skipped (students do them at home, from the notebook).

Nothing else in a notebook changes: no cell is executed and no output is touched. A teacher may still set a
cell's slide type by hand in JupyterLab's property inspector (the gear icon); running this tool again puts
the rule's type back, so change the rule here if a change should last.
"""

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LONG_WORDS = 120
SCREEN_LINES = 22  # lines of text that fit on a 1280x720 slide at notebooks/rise.css's sizes
SKIPPED_SECTIONS = ("take-home exercises",)
# Sections shown whole however long they are (the slide scrolls): the recap and the questions for the room.
KEPT_WHOLE = ("summary", "check your understanding")
# RISE's settings for every notebook (the notebook metadata key "rise"): start at the title rather than
# at the selected cell, let a long slide scroll instead of shrinking its text, no animation between slides.
RISE = {
    "start_slideshow_at": "beginning",
    "scroll": True,
    "transition": "none",
    "theme": "white",
    "slideNumber": True,
}

# A markdown cell that opens with an equation, a code block, a table or a numbered list is material to show,
# not an explanation.
SHOWN_WHATEVER_LENGTH = ("$$", "```", "~~~", "|", "1. ")
HEADING = re.compile(r"^(#{1,3}) \S")
FENCE = re.compile(r"^\s*(```|~~~)")


def _lines_outside_fences(text: str):
    """(index, line, inside_fence) for each line, so that a `# comment` in a code block is not a heading."""
    inside = False
    for index, line in enumerate(text.splitlines()):
        if FENCE.match(line):
            inside = not inside
            yield index, line, True
            continue
        yield index, line, inside


def split_points(text: str) -> list[int]:
    """Line numbers (not 0) where a markdown text should be cut into separate cells: before each heading,
    before the title cell's learning objectives, and after the first paragraph of a long section cell."""
    lines = text.splitlines()
    points = []
    for index, line, in_fence in _lines_outside_fences(text):
        if index and not in_fence and (HEADING.match(line) or line.startswith("**Learning objectives")):
            points.append(index)
    title = lines[0].lstrip("# ").lower() if lines else ""
    kept_whole = title.startswith(KEPT_WHOLE)
    if not points and HEADING.match(lines[0] if lines else "") and not kept_whole and len(text.split()) > LONG_WORDS:
        blank = [i for i, line, in_fence in _lines_outside_fences(text) if not in_fence and not line.strip()]
        # the heading, a blank line, the first paragraph, then the first blank line after it
        after_first = [i for i in blank if i > 1 and any(line.strip() for line in lines[1:i])]
        if after_first and any(line.strip() for line in lines[after_first[0]:]):
            points.append(after_first[0] + 1)
    return points


def split_cells(nb) -> int:
    """Cut markdown cells at their split points (see split_points) until none is left; returns how many
    cells were added. New cells get ids made from the original's: the same notebook gives the same ids."""
    added = 0
    while True:
        more = _split_once(nb)
        if not more:
            return added
        added += more


def _split_once(nb) -> int:
    cells, added = [], 0
    used = {cell.id for cell in nb.cells}
    for cell in nb.cells:
        if cell.cell_type != "markdown" or not cell.source.strip():
            cells.append(cell)
            continue
        lines = cell.source.splitlines()
        cuts = [0, *split_points(cell.source), len(lines)]
        for number, (start, stop) in enumerate(zip(cuts, cuts[1:], strict=False)):
            part = "\n".join(lines[start:stop]).strip("\n")
            if not part.strip():
                continue
            if number == 0:
                cell.source = part
                cells.append(cell)
            else:
                suffix = number
                while f"{cell.id[:56]}-{suffix}" in used:
                    suffix += 1
                new = nbformat.v4.new_markdown_cell(part, id=f"{cell.id[:56]}-{suffix}")
                used.add(new.id)
                cells.append(new)
                added += 1
    nb.cells = cells
    return added


def heading_level(cell) -> int:
    """1-3 for a markdown cell that starts with a `#`, `##` or `###` heading, else 0."""
    if cell.cell_type != "markdown":
        return 0
    match = HEADING.match(cell.source.lstrip("\n"))
    return len(match.group(1)) if match else 0


def estimated_lines(cell) -> int:
    """Roughly how many lines of a 1280x720 slide a cell fills at the projector sizes of notebooks/rise.css
    (about 14 words of prose or one line of code or output per line; a plot about 14 lines)."""
    if cell.cell_type == "markdown":
        return 1 + len(cell.source.split()) // 14 + cell.source.count("\n- ") + cell.source.count("\n#")
    lines = len(cell.source.splitlines())
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data:
            lines += 14
        elif output.get("output_type") == "stream":
            lines += len(output.get("text", "").splitlines())
        elif output.get("output_type") == "error":
            lines += len(output.get("traceback", [])) + 2
        else:
            lines += len(str(data.get("text/plain", "")).splitlines())
    return lines


def _starts_own_slide(cell) -> bool:
    text = cell.source.strip()
    return heading_level(cell) > 0 or text.startswith(("> **Pitfall", "**Learning objectives"))


def _code_follows(cells, number: int) -> bool:
    """Is there a code cell after cells[number] before the next heading or pitfall cell?"""
    for cell in cells[number + 1:]:
        if cell.cell_type == "code":
            return True
        if _starts_own_slide(cell):
            return False
    return False


def slide_types(cells) -> list[str]:
    """The RISE slide type of each cell, by the rules in this module's docstring."""
    types = []
    skipping = False
    previous_visible_code = False  # was the last shown cell a code cell?
    slide_has_code = False
    lines_on_slide = 0
    for number, cell in enumerate(cells):
        level = heading_level(cell)
        text = cell.source.strip()
        before = cells[number - 1] if number else None
        # "... PyTorch:" then the list it announces: the list is the point of the slide
        announced = before is not None and before.cell_type == "markdown" and before.source.rstrip().endswith(":")
        if level in (1, 2):
            skipping = text.lstrip("# ").lower().startswith(SKIPPED_SECTIONS)
        if skipping:
            types.append("skip")
            continue
        if cell.cell_type == "code":
            # code after a long explanation that went to the notes: a new step, unless the slide has no code
            # yet; code straight after code that would overfill the slide: the next sub-slide
            after_notes = bool(types) and types[-1] == "notes"
            overfull = previous_visible_code and lines_on_slide + estimated_lines(cell) > SCREEN_LINES
            kind = "subslide" if slide_has_code and (after_notes or overfull) else "-"
            if kind == "subslide":
                lines_on_slide = 0
            slide_has_code = True
            previous_visible_code = True
        elif number == 0 or level in (1, 2):
            kind = "slide"
        elif _starts_own_slide(cell):  # a `###` heading, a pitfall, the learning objectives
            kind = "subslide"
        elif len(text.split()) > LONG_WORDS and not text.startswith(SHOWN_WHATEVER_LENGTH) and not announced:
            types.append("notes")
            continue
        elif previous_visible_code:
            # a new step if code follows before the next section or pitfall; a remark that only comments
            # on the output above stays under that output
            kind = "subslide" if _code_follows(cells, number) else "-"
        else:
            kind = "-"
        if cell.cell_type == "markdown":
            previous_visible_code = False
            if kind in ("slide", "subslide"):
                slide_has_code = False
                lines_on_slide = 0
        lines_on_slide += estimated_lines(cell)
        types.append(kind)
    return types


def apply(nb) -> list[str]:
    """Split the cells, set every cell's slide type and the notebook's RISE settings; returns the types."""
    split_cells(nb)
    types = slide_types(nb.cells)
    for cell, kind in zip(nb.cells, types, strict=True):
        cell.metadata["slideshow"] = {"slide_type": kind}
    nb.metadata["rise"] = dict(RISE)
    return types


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [Path(a) for a in argv if a != "--check"] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    stale = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
        types = apply(nb)
        after = nbformat.writes(nb)
        if check:
            if before != after:
                stale.append(path.name)
            continue
        if before != after:
            nbformat.write(nb, path)
        counts = {kind: types.count(kind) for kind in ("slide", "subslide", "-", "notes", "skip")}
        print(f"{path.name}: {len(types)} cells, " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if stale:
        print("slide metadata out of date (run `python tools/slides.py`):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
