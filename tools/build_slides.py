"""Export the course notebooks as slideshows that need no network: `make slides`.

    python tools/build_slides.py [OUT] [NOTEBOOK ...]   # default: _slides/ and every notebooks/NN_*.ipynb

OUT gets one file per course notebook, `NN_name.slides.html`, a reveal.js slideshow of the notebook with the
outputs and plots stored in it (nothing is re-executed), for a teacher who presents without a kernel; and
`index.html`, which lists the slideshows in course order. Each slideshow is a single self-contained file: it
can be opened from a USB stick with no network and no other file. The cells' slide metadata decides the
slides, as in JupyterLab's RISE slideshow: "slide" starts a slide, "subslide" a slide below it (reveal.js's
vertical stack; the space bar or Page Down visits them in order), "fragment" a step revealed within it, "-"
continues the slide, "notes" cells become speaker notes (press S) and "skip" cells are left out.

nbconvert's SlidesExporter (its `reveal` template) is used with its <script> and <link> tags replaced:
nbconvert would fetch jQuery, require.js, MathJax, mermaid, the widget manager and reveal.js itself from
CDNs. Here reveal.js 5.2.0's stylesheet, theme, script and speaker-notes plugin are copied into the page from
the sphinx-revealjs package installed with the course, the theme's web fonts are dropped (the theme's
fallback fonts are used: a font file or Google font would be fetched), math is MathML as in `make site`
(tools/build_site.py), and a slide taller than the screen scrolls. The notebook metadata "rise" (the
JupyterLab slideshow's settings: theme, transition, width, height, slideNumber) applies here too, and
notebooks/rise.css, when present, styles both (its rules apply to `body.rise-enabled`, as in JupyterLab).
"""

import html
import json
import re
import sys
from pathlib import Path

import nbformat
from jinja2 import DictLoader, pass_context
from nbconvert import SlidesExporter
from nbconvert.filters.markdown_mistune import MarkdownWithMath

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_site import MathMLRenderer, title_and_summary  # noqa: E402  (tools/ is not a package)

ROOT = Path(__file__).resolve().parents[1]
RISE_CSS = ROOT / "notebooks" / "rise.css"


def reveal_dir() -> Path:
    """reveal.js's files as the sphinx-revealjs package ships them (dist/, plugin/)."""
    import sphinx_revealjs

    return Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs"


# nbconvert's reveal template with everything that would load a file replaced by inline <style>/<script>.
TEMPLATE = """
{%- extends 'index.html.j2' -%}
{%- block header -%}
<!DOCTYPE html>
<html lang="{{ resources.language_code }}">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{{ resources.metadata.name | escape_html_keep_quotes }} (slides)</title>
<style>{{ resources.slides.reveal_css }}</style>
<style id="theme">{{ resources.slides.theme_css }}</style>
{% for css in resources.inlining.css -%}<style>{{ css }}</style>{% endfor %}
{{ resources.include_css("static/index.css") }}
{{ resources.include_css("static/theme-light.css") }}
{{ resources.include_css("static/custom_reveal.css") }}
<style>{{ resources.slides.course_css }}</style>
</head>
{%- endblock header -%}
{%- block body_header -%}
<body class="jp-Notebook rise-enabled" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
<main><div class="reveal"><div class="slides">
{%- endblock body_header -%}
{%- block data_widget_view -%}
<div class="jp-OutputArea-output slides-widget">Interactive widget: it runs in JupyterLab (<code>make lab</code>),
not in this exported slideshow.</div>
{%- endblock data_widget_view -%}
{%- block footer_js -%}
<script>{{ resources.slides.reveal_js }}</script>
<script>{{ resources.slides.notes_js }}</script>
<script>
Reveal.initialize({{ resources.slides.config }});
</script>
{%- endblock footer_js -%}
"""

# Text sized for a projector (on a 1920x1080 screen reveal.js scales the 1280x720 slide by 1.5: the 26px text
# shows as 39px, the 19px code as 28px), headings as written (the theme would capitalise them), code lines longer
# than the slide wrapped, and a slide longer than the screen scrolls (mouse wheel or scroll bar), not cut off.
# notebooks/rise.css, the live slideshow's style, comes after this and wins where both set something.
CSS = """
:root { --jp-content-font-size1: 26px; --jp-ui-font-size1: 24px; --jp-code-font-size: 19px;
        --jp-cell-prompt-width: 0px; }
.reveal { font-size: 100%; }
.reveal a.anchor-link { display: none; }
.reveal h1, .reveal h2, .reveal h3, .reveal h4 { text-transform: none; }
.reveal h1 { font-size: 1.9em; } .reveal h2 { font-size: 1.5em; } .reveal h3 { font-size: 1.2em; }
.reveal .jp-InputPrompt, .reveal .jp-OutputPrompt { display: none; }
.reveal .jp-Cell { padding: 0.2em 0; }
.reveal .jp-RenderedHTMLCommon { font-size: var(--jp-content-font-size1); line-height: 1.4; }
.reveal .jp-RenderedHTMLCommon p, .reveal .jp-RenderedHTMLCommon li { margin-bottom: 0.4em; }
.reveal .jp-OutputArea-output pre, .reveal .highlight pre { font-size: var(--jp-code-font-size); line-height: 1.3; }
.reveal .jp-OutputArea-output img { max-height: 560px; width: auto; }
.reveal .jp-InputArea .highlight pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.reveal .jp-OutputArea-output pre { overflow-x: auto; }
.reveal .slides > section, .reveal .slides > section > section { height: 100%; overflow-y: auto; }
.reveal .slides > section > section { padding: 0 0.4em; box-sizing: border-box; }
.slides-widget { font-style: italic; color: #555; padding: 0.4em 0; }
math[display="block"] { margin: 0.6em 0; }
"""

# reveal.js settings: RISE's names where they differ ("rise" notebook metadata), reveal.js's defaults otherwise.
DEFAULTS = {"theme": "white", "transition": "slide", "width": 1280, "height": 720, "slideNumber": "c/t"}


def offline_css(css: str) -> str:
    """CSS with every @import and every url() that is not inline data removed: nothing is fetched."""
    css = re.sub(r"@import\s+[^;]+;", "", css)
    return re.sub(r"url\(\s*(?!['\"]?data:)[^)]*\)", "none", css)


def script(js: str) -> str:
    """JavaScript safe to put inside <script>...</script>."""
    return js.replace("</script", "<\\/script")


def settings(nb) -> dict:
    """The slideshow's settings: DEFAULTS, overridden by the notebook's "rise" metadata."""
    rise = nb.metadata.get("rise", {})
    return {key: rise.get(key, default) for key, default in DEFAULTS.items()}


class SlideExporter(SlidesExporter):
    """SlidesExporter whose markdown cells get MathML (as in `make site`) instead of being left for MathJax."""

    @pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        renderer = MathMLRenderer(escape=False, attachments=cell.get("attachments", {}), embed_images=True,
                                  path=context.get("resources", {}).get("metadata", {}).get("path", ""))
        return MarkdownWithMath(renderer=renderer).render(source)


def build(notebooks: list[Path], out: Path) -> list[Path]:
    """Write one slideshow per notebook and index.html into `out`; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    notebooks = sorted(notebooks, key=lambda p: p.name)
    reveal = reveal_dir()
    reveal_js, notes_js = (script((reveal / name).read_text(encoding="utf-8"))
                           for name in ("dist/reveal.js", "plugin/notes/notes.js"))
    course_css = CSS + (RISE_CSS.read_text(encoding="utf-8") if RISE_CSS.is_file() else "")
    exporter = SlideExporter(template_file="slides.html.j2", extra_loaders=[DictLoader({"slides.html.j2": TEMPLATE})],
                             embed_images=True)
    written, items = [], []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        title, summary = title_and_summary(nb)
        options = settings(nb)
        config = {
            "controls": True, "progress": True, "history": True, "center": False, "hash": True,
            "transition": options["transition"], "slideNumber": options["slideNumber"],
            "width": options["width"], "height": options["height"],
            "plugins": "@NOTES@",
        }
        resources = {
            "metadata": {"name": title, "path": str(path.parent)},
            "slides": {
                "reveal_css": offline_css((reveal / "dist" / "reveal.css").read_text(encoding="utf-8")),
                "theme_css": offline_css((reveal / "dist" / "theme" / f"{options['theme']}.css").read_text("utf-8")),
                "course_css": offline_css(course_css),
                "reveal_js": reveal_js,
                "notes_js": notes_js,
                "config": json.dumps(config).replace('"@NOTES@"', "[RevealNotes]"),
            },
        }
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        page = out / (path.stem + ".slides.html")
        page.write_text(body, encoding="utf-8")
        written.append(page)
        items.append(f'<li><a class="slides" href="{page.name}">{html.escape(title)}</a><br>'
                     f'{exporter.markdown2html({}, summary).strip().removeprefix("<p>").removesuffix("</p>")}</li>\n')
    index = out / "index.html"
    index.write_text(INDEX.format(items="".join(items)), encoding="utf-8")
    return [index, *written]


INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>PyTorch for NLP: from tensors to LSTMs (slides)</title>
<style>body {{ font-family: sans-serif; max-width: 50em; margin: 2em auto; padding: 0 1em; line-height: 1.5; }}
ul {{ list-style: none; padding: 0; }} li {{ margin-bottom: 1em; }} a.slides {{ font-weight: bold; }}</style></head>
<body><h1>PyTorch for NLP: from tensors to LSTMs: slides</h1>
<p>The course's notebooks as slideshows, with their stored outputs, in course order. Arrow keys or the space bar
move through a slideshow, S opens the speaker notes, F goes full screen, Esc shows an overview. To run the
code live, open the notebook in JupyterLab (<code>make lab</code>) and start its slideshow there.</p>
<ul>
{items}</ul></body></html>
"""


if __name__ == "__main__":
    args = sys.argv[1:]
    target = Path(args[0]) if args else ROOT / "_slides"
    sources = [Path(a) for a in args[1:]] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for written_page in build(sources, target):
        print(written_page)
