"""Build the course as static web pages that need no network: `make site`.

    python tools/build_site.py [OUT] [NOTEBOOK ...]     # default: _site/ and every notebooks/NN_*.ipynb

OUT gets one page per course notebook, `NN_name.html`, showing the notebook with the outputs and plots
stored in it (nothing is re-executed; plots are embedded in the page), and `index.html`, which lists the
notebooks in course order with the title and opening sentence(s) of each one's first markdown cell.
The pages load nothing from the network, so they can be read from a USB stick or put on any web server:
nbconvert's `lab` template is used without its <script> tags (require.js, MathJax, widgets and mermaid
all come from CDNs), and `$...$` / `$$...$$` math is turned into MathML when the page is built
(latex2mathml), which browsers render themselves. A link to `NN_name.ipynb`, a mention of that file name
and "notebook NN" in the text all become links to the page `NN_name.html`. Interactive widgets cannot
run in a static page: their place in the page says so.
"""

import html
import re
import sys
from pathlib import Path

import nbformat
from jinja2 import DictLoader, pass_context
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

ROOT = Path(__file__).resolve().parents[1]

# nbconvert's JupyterLab look, minus every block that writes a <script> fetching from a CDN.
TEMPLATE = """
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}<style>{{ resources.site_css }}</style>{%- endblock extra_css -%}
{%- block body_header -%}{{ super() }}{{ resources.site_nav }}{%- endblock body_header -%}
{%- block body_footer -%}{{ resources.site_nav }}{{ super() }}{%- endblock body_footer -%}
{%- block data_widget_view -%}
<div class="jp-OutputArea-output site-widget">Interactive widget: it runs in JupyterLab (<code>make lab</code>),
not in this static page.</div>
{%- endblock data_widget_view -%}
{%- block footer -%}</html>{%- endblock footer -%}
"""

CSS = """
.site-nav { display: flex; gap: 1.5em; padding: 0.6em 1em; font-family: sans-serif; background: #f3f3f3; }
.site-widget { font-style: italic; color: #555; padding: 0.4em 0; }
math[display="block"] { margin: 0.6em 0; }
"""


def mathml(tex: str, display: str = "inline") -> str:
    """LaTeX -> a <math> element. Two gaps of latex2mathml are bridged: it has no `aligned` environment (its
    `align*` lays out the same rows), and it keeps the backslash of `\\_` inside `\\text{...}`."""
    tex = tex.replace(r"{aligned}", r"{align*}")
    tex = re.sub(r"\\text\{([^}]*)\}", lambda m: r"\text{" + m[1].replace("\\_", "_") + "}", tex)
    return latex_to_mathml(tex, display=display)


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, with the math written as MathML instead of left for MathJax."""

    def inline_math(self, body: str) -> str:
        return mathml(body)

    def block_math(self, body: str) -> str:
        return mathml(body, "block")

    def latex_environment(self, name: str, body: str) -> str:
        return mathml(rf"\begin{{{name}}}{body}\end{{{name}}}", "block")


class SiteExporter(HTMLExporter):
    """HTMLExporter whose markdown cells get MathML and links between the course's pages."""

    pages: dict[str, str] = {}  # "05" -> "05_ffn_classifier.html", set by build()

    @pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        renderer = MathMLRenderer(escape=False, attachments=cell.get("attachments", {}), embed_images=True,
                                  path=context.get("resources", {}).get("metadata", {}).get("path", ""))
        return link_notebooks(MarkdownWithMath(renderer=renderer).render(source), self.pages)


# A file name (in code or not) becomes a link; links, code, math and tags are left alone; in the rest of the text,
# "notebook NN" becomes a link.
_FILE = r"(<code>\d\d_\w+\.ipynb</code>|\b\d\d_\w+\.ipynb\b)"
_KEEP = r"<a\b.*?</a>|<pre\b.*?</pre>|<code\b.*?</code>|<math\b.*?</math>|<[^>]+>"
_MENTION = re.compile(rf"{_FILE}|({_KEEP})|\b[Nn]otebooks? \d\d(?:(?:, | and | or )\d\d)*\b", re.S)


def link_notebooks(page: str, pages: dict[str, str]) -> str:
    """`href="NN_x.ipynb"` -> `NN_x.html`; a mention `NN_x.ipynb` or "notebook NN" -> a link to that page."""
    page = re.sub(r'href="(\d\d_[\w-]+)\.ipynb', r'href="\1.html', page)

    def link(match: re.Match) -> str:
        text = match.group(0)
        if match.group(2):
            return text
        if match.group(1):
            name = re.search(r"\d\d_\w+", text).group(0) + ".html"
            return f'<a href="{name}">{text}</a>' if name in pages.values() else text
        return re.sub(r"\d\d", lambda n: f'<a href="{pages[n[0]]}">{n[0]}</a>' if n[0] in pages else n[0], text)

    return _MENTION.sub(link, page)


def title_and_summary(nb) -> tuple[str, str]:
    """The first markdown cell's heading, and the first sentence(s) of its first paragraph (markdown)."""
    first = next(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    lines = first.strip().splitlines()
    title = lines[0].lstrip("#").strip()
    paragraph = " ".join(re.split(r"\n\s*\n", "\n".join(lines[1:]).strip())[0].split())
    sentences = re.findall(r".+?[.!?](?=\s|$)", paragraph) or [paragraph]
    summary = sentences[0]
    for more in sentences[1:]:  # a very short first sentence ("A neural network cannot read.") takes the next
        if len(summary) >= 60:
            break
        summary += more
    return title, summary.strip()


def build(notebooks: list[Path], out: Path) -> list[Path]:
    """Write one page per notebook and index.html into `out`; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    notebooks = sorted(notebooks, key=lambda p: p.name)
    SiteExporter.pages = {p.name[:2]: p.stem + ".html" for p in notebooks}
    exporter = SiteExporter(template_name="lab", template_file="site.html.j2",
                            extra_loaders=[DictLoader({"site.html.j2": TEMPLATE})], embed_images=True)
    nbs = [nbformat.read(p, as_version=4) for p in notebooks]
    titles = [title_and_summary(nb) for nb in nbs]
    written = []
    for i, (path, nb) in enumerate(zip(notebooks, nbs, strict=True)):
        nav = ['<a href="index.html">Course index</a>']
        if i > 0:
            nav.append(f'<a href="{notebooks[i - 1].stem}.html">&larr; {html.escape(titles[i - 1][0])}</a>')
        if i + 1 < len(notebooks):
            nav.append(f'<a href="{notebooks[i + 1].stem}.html">{html.escape(titles[i + 1][0])} &rarr;</a>')
        resources = {"metadata": {"name": titles[i][0], "path": str(path.parent)},
                     "site_css": CSS, "site_nav": f'<nav class="site-nav">{"".join(nav)}</nav>'}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        page = out / (path.stem + ".html")
        page.write_text(body, encoding="utf-8")
        written.append(page)
    items = "".join(
        f'<li><a class="notebook" href="{p.stem}.html">{html.escape(title)}</a><br>'
        f'{exporter.markdown2html({}, summary).strip().removeprefix("<p>").removesuffix("</p>")}</li>\n'
        for p, (title, summary) in zip(notebooks, titles, strict=True))
    index = out / "index.html"
    index.write_text(INDEX.format(items=items), encoding="utf-8")
    return [index, *written]


INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>PyTorch for NLP: from tensors to LSTMs</title>
<style>body {{ font-family: sans-serif; max-width: 50em; margin: 2em auto; padding: 0 1em; line-height: 1.5; }}
ul {{ list-style: none; padding: 0; }} li {{ margin-bottom: 1em; }} a.notebook {{ font-weight: bold; }}</style></head>
<body><h1>PyTorch for NLP: from tensors to LSTMs</h1>
<p>The course's notebooks with their stored outputs, in course order. To run them yourself, install the course
and start JupyterLab with <code>make lab</code> (see the README).</p>
<ul>
{items}</ul></body></html>
"""


if __name__ == "__main__":
    args = sys.argv[1:]
    target = Path(args[0]) if args else ROOT / "_site"
    sources = [Path(a) for a in args[1:]] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for written_page in build(sources, target):
        print(written_page)
