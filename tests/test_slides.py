"""`make slides`: the notebooks as reveal.js slideshows (tools/build_slides.py), built here into a temporary folder.

Checks what a teacher presenting from the files relies on: a slideshow per notebook and an index, each one file
that loads nothing (no CDN script, stylesheet, font or image; reveal.js itself is inside the page), slides and
vertical subslides exactly where the cells' slide metadata puts them, speaker notes in reveal.js's notes
element, skipped cells absent, and every stored plot shown.
"""

import base64
import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
_spec = importlib.util.spec_from_file_location("build_slides", ROOT / "tools" / "build_slides.py")
build_slides = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_slides)


class Slideshow(HTMLParser):
    """One exported slideshow: its references, <style> texts, slide structure, notes and visible text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.refs, self.styles, self.scripts = [], [], []
        self.slides: list[int] = []  # per top-level <section>: how many <section>s are nested in it
        self.notes: list[str] = []  # the text of each <aside class="notes">
        self.visible: list[str] = []  # text outside <script>, <style> and the notes
        self._sections = 0
        self._in = None  # "style" or "script" while inside one
        self._aside_depth = 0  # nesting depth of <aside> tags while inside a notes element
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src"):
            if attrs.get(name) is not None:
                self.refs.append((tag, name, attrs[name]))
        if attrs.get("style"):
            self.styles.append(attrs["style"])
        if tag in ("style", "script"):
            self._in = tag
            (self.styles if tag == "style" else self.scripts).append("")
        elif tag == "section":
            if self._sections == 0:
                self.slides.append(0)
            elif self._sections == 1:
                self.slides[-1] += 1
            self._sections += 1
        elif tag == "aside" and (self._aside_depth or "notes" in (attrs.get("class") or "").split()):
            if not self._aside_depth:
                self.notes.append("")
            self._aside_depth += 1

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None
        elif tag == "section":
            self._sections -= 1
        elif tag == "aside" and self._aside_depth:
            self._aside_depth -= 1

    def handle_data(self, data):
        if self._in:
            (self.styles if self._in == "style" else self.scripts)[-1] += data
        elif self._aside_depth:
            self.notes[-1] += data + " "
        else:
            self.visible.append(data)


def slide_type(cell) -> str:
    return cell.metadata.get("slideshow", {}).get("slide_type", "-")


def words(text: str) -> list[str]:
    """The words of a cell or page, without HTML tags, math, link targets and code fences' language names."""
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$|\]\([^)]*\)|<[^>]+>|```\w*", " ", text, flags=re.S)
    return re.findall(r"[A-Za-z]{3,}", text)


@pytest.fixture(scope="module")
def slides_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("slides")
    build_slides.build(NOTEBOOKS, out)
    return out


@pytest.fixture(scope="module")
def shows(slides_dir):
    """{notebook path: (the notebook, its parsed slideshow, the slideshow's HTML)}"""
    shows = {}
    for path in NOTEBOOKS:
        text = (slides_dir / (path.stem + ".slides.html")).read_text(encoding="utf-8")
        shows[path] = (nbformat.read(path, as_version=4), Slideshow(text), text)
    return shows


def test_one_slideshow_per_notebook_and_an_index_in_course_order(slides_dir):
    files = {path.name for path in slides_dir.iterdir()}
    assert files == {"index.html"} | {nb.stem + ".slides.html" for nb in NOTEBOOKS}
    index = (slides_dir / "index.html").read_text(encoding="utf-8")
    linked = re.findall(r'<li><a class="slides" href="([^"]+)"', index)
    assert linked == [nb.stem + ".slides.html" for nb in NOTEBOOKS]


def test_nothing_is_loaded_from_outside_the_page(shows):
    for path, (_, show, _) in shows.items():
        for tag, attr, value in show.refs:
            if tag == "a" and re.match(r"https?://", value):
                continue  # a link the reader may follow (a source), not something the page loads
            assert value.startswith(("#", "data:")), f"{path.name}: <{tag} {attr}={value[:80]}> loads from outside"
        for css in show.styles:
            assert "@import" not in css, f"{path.name}: a stylesheet imports another (a fetch)"
            for url in re.findall(r"url\(\s*['\"]?([^)'\"]*)", css):
                assert url.startswith("data:"), f"{path.name}: CSS url({url[:80]}) would be fetched"


def test_reveal_js_is_inside_the_page(shows):
    for path, (_, show, text) in shows.items():
        scripts = "\n".join(show.scripts)
        assert "reveal.js 5.2.0" in scripts, f"{path.name}: reveal.js's own code is not in the page"
        assert "RevealNotes" in scripts and "Reveal.initialize(" in scripts, path.name
        assert "require(" not in scripts and "MathJax" not in text and "jquery" not in text.lower(), path.name
        assert "reveal.js 5.2.0" in (build_slides.reveal_dir() / "dist" / "reveal.js").read_text()[:200]


def test_every_notebook_has_slide_metadata(shows):
    for path, (nb, _, _) in shows.items():
        assert sum(slide_type(c) == "slide" for c in nb.cells) >= 2, f"{path.name}: no slides marked"


def test_slides_and_subslides_follow_the_metadata(shows):
    for path, (nb, show, _) in shows.items():
        visible = [slide_type(c) for c in nb.cells if slide_type(c) not in ("notes", "skip")]
        visible[0] = "slide"  # the first shown cell always opens a slide
        starts = [i for i, kind in enumerate(visible) if kind == "slide"] + [len(visible)]
        expected = [1 + visible[a:b].count("subslide") for a, b in zip(starts, starts[1:], strict=False)]
        assert show.slides == expected, f"{path.name}: subslides per slide {show.slides}, metadata says {expected}"


def test_notes_cells_are_speaker_notes(shows):
    for path, (nb, show, _) in shows.items():
        notes = [c for c in nb.cells if slide_type(c) == "notes"]
        assert len(show.notes) == len(notes), f"{path.name}: {len(show.notes)} notes elements, {len(notes)} cells"
        for cell, aside in zip(notes, show.notes, strict=True):
            missing = set(words(cell.source)) - set(words(aside))
            assert not missing, f"{path.name}: words of a notes cell not in its notes: {sorted(missing)[:5]}"


def test_skipped_cells_are_left_out(shows):
    for path, (nb, show, _) in shows.items():
        page = " ".join(words(" ".join(show.visible + show.notes)))
        shown = " ".join(" ".join(words(c.source)) for c in nb.cells if slide_type(c) != "skip")
        for cell in (c for c in nb.cells if slide_type(c) == "skip"):
            text = words(cell.source)
            for i in range(max(len(text) - 7, 0)):  # any 8 words in a row that no shown cell has
                run = " ".join(text[i : i + 8])
                assert run in shown or run not in page, f"{path.name}: a skipped cell is shown: {run!r}"


def test_every_stored_plot_is_in_the_page(shows):
    for path, (nb, _, text) in shows.items():
        pngs = [output.data["image/png"] for cell in nb.cells if slide_type(cell) != "skip"
                for output in cell.get("outputs", []) if "image/png" in output.get("data", {})]
        for png in pngs:
            data = "".join(png.split())
            base64.b64decode(data, validate=True)
            assert f'src="data:image/png;base64,{data}"' in text, f"{path.name}: a stored plot is missing"


def test_links_within_a_slideshow_resolve(shows):
    for path, (_, show, text) in shows.items():
        ids = set(re.findall(r'\bid="([^"]+)"', text))
        for tag, _, value in show.refs:
            if value.startswith("#"):
                assert value[1:] in ids, f"{path.name}: <{tag}> points to {value}, which is not in the slideshow"


def test_math_is_mathml_and_widgets_say_where_they_run(shows):
    for path, (nb, _, text) in shows.items():
        shown = [c for c in nb.cells if slide_type(c) != "skip"]
        has_math = any(re.search(r"\$[^$\s][^$]*\$", c.source) for c in shown if c.cell_type == "markdown")
        assert ("<math" in text) == has_math, path.name
        widgets = any("application/vnd.jupyter.widget-view+json" in output.get("data", {})
                      for cell in shown for output in cell.get("outputs", []))
        assert ("Interactive widget: it runs in JupyterLab" in text) == widgets, path.name


def test_offline_css_drops_every_fetch():
    css = ("@import url(https://fonts.googleapis.com/css?family=Lato);\n@import url(./fonts/a.css);\n"
           "a { background: url('x.png'); } b { background: url(data:image/gif;base64,R0) }"
           " @font-face { src: url(\"f.woff\") format('woff'); }")
    assert build_slides.offline_css(css) == (
        "\n\na { background: none; } b { background: url(data:image/gif;base64,R0) }"
        " @font-face { src: none format('woff'); }")
