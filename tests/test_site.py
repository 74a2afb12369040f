"""`make site`: the course as static pages (tools/build_site.py), built here into a temporary folder.

Checks what a reader of the pages relies on: a page per notebook and an index, every local link and image
resolves (anchors included), nothing is loaded from the network (no CDN script, stylesheet, image or frame),
and the math is MathML that the browser renders itself.
"""

import importlib.util
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
_spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
build_site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_site)


class Page(HTMLParser):
    """The references (tag, attribute, value) and element ids of one HTML page."""

    def __init__(self, text: str):
        super().__init__()
        self.refs, self.ids = [], set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                self.ids.add(value)
            if name in ("href", "src") and value is not None:
                self.refs.append((tag, name, value))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    build_site.build(NOTEBOOKS, out)
    return out


@pytest.fixture(scope="module")
def pages(site):
    return {path.name: path.read_text(encoding="utf-8") for path in site.glob("*.html")}


def test_one_page_per_notebook_and_an_index_in_course_order(pages):
    assert set(pages) == {"index.html"} | {nb.stem + ".html" for nb in NOTEBOOKS}
    linked = re.findall(r'<li><a class="notebook" href="([^"]+)"', pages["index.html"])
    assert linked == [nb.stem + ".html" for nb in NOTEBOOKS]


def test_every_local_link_and_image_resolves(site, pages):
    parsed = {name: Page(text) for name, text in pages.items()}
    for name, page in parsed.items():
        for tag, _, value in page.refs:
            if value.startswith(("data:", "mailto:")) or (tag == "a" and value.startswith(("http://", "https://"))):
                continue
            target, _, anchor = value.partition("#")
            target = target or name
            assert (site / target).is_file(), f"{name}: <{tag}> points to {value}, which is not in the site"
            if anchor and target.endswith(".html"):
                assert anchor in parsed[target].ids, f"{name}: link {value}: no element with id {anchor!r}"


def test_no_page_loads_anything_from_the_network(pages):
    for name, text in pages.items():
        for tag, attr, value in Page(text).refs:
            remote = re.match(r"\s*(https?:)?//", value)
            assert not (remote and tag != "a"), f"{name}: <{tag} {attr}={value}> would load from the network"
        cdn = re.search(r"https?://[^\s\"'<>]*(cdn|unpkg|jsdelivr|mathjax|require)", text, re.I)
        assert not cdn, f"{name} names a CDN: {cdn and cdn.group(0)}"
        assert "<script" not in text, f"{name} has a script: a static course page needs none"


def test_math_is_mathml_the_browser_renders(pages):
    for nb in NOTEBOOKS:
        markdown = [c for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "markdown"]
        has_math = any(re.search(r"\$[^$\s][^$]*\$", "".join(c["source"])) for c in markdown)
        maths = re.findall(r"<math\b.*?</math>", pages[nb.stem + ".html"], re.S)
        assert bool(maths) == has_math, nb.name
        for element in maths:  # LaTeX that latex2mathml did not understand stays as text: "\foo", "&"
            text = re.sub(r"<[^>]+>", "", element)
            assert "\\" not in text and "<mi>&amp;</mi>" not in element and "<mi>&</mi>" not in element, element


def test_interactive_widgets_say_where_they_run(pages):
    for nb in NOTEBOOKS:
        widgets = '"application/vnd.jupyter.widget-view+json"' in nb.read_text()
        assert ("Interactive widget: it runs in JupyterLab" in pages[nb.stem + ".html"]) == widgets, nb.name


def test_mentions_of_notebooks_become_links():
    pages = {"03": "03_text_to_vocabulary.html", "05": "05_ffn_classifier.html"}
    html = build_site.link_notebooks(
        '<p>see <a href="05_ffn_classifier.ipynb#top">this</a>, <code>03_text_to_vocabulary.ipynb</code>, '
        "notebooks 03 and 05, notebook 99, <code>notebook 05</code></p>",
        pages,
    )
    assert html == (
        '<p>see <a href="05_ffn_classifier.html#top">this</a>, <a href="03_text_to_vocabulary.html">'
        "<code>03_text_to_vocabulary.ipynb</code></a>, notebooks <a href=\"03_text_to_vocabulary.html\">03</a> and "
        '<a href="05_ffn_classifier.html">05</a>, notebook 99, <code>notebook 05</code></p>'
    )


def test_title_and_summary_come_from_the_first_markdown_cell():
    nb = build_site.nbformat.v4.new_notebook(cells=[
        build_site.nbformat.v4.new_code_cell("x = 1"),
        build_site.nbformat.v4.new_markdown_cell("# 09 · A title\n\nShort one. Then the *second* sentence.\n\nMore."),
    ])
    assert build_site.title_and_summary(nb) == ("09 · A title", "Short one. Then the *second* sentence.")
