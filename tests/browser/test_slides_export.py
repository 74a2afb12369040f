"""`make slides` in a real browser: an exported slideshow runs from disk and fetches nothing.

Chromium opens 02's slideshow (it has plots, speaker notes and a widget), freshly exported, through a file://
URL and records every request the page (and the speaker view it opens) makes and every console or page error:
the only request allowed is the page itself (and inline data:/blob: URLs), and reveal.js, copied into the page,
starts with no error. Then the slideshow is stepped through as a teacher would: the arrow keys move to the next
slide and down a stack, Reveal.next() visits every slide in order, and the number of slides is the one the
notebook's slide metadata asks for; every plot has loaded; S opens the speaker view with a notes cell's text;
a slide taller than the screen scrolls. Screenshots go to test-artifacts/browser/test_exported_slideshow_runs_offline/.
"""

import re

import nbformat
import pytest

from ..test_slides import NOTEBOOKS, build_slides, slide_type

NOTEBOOK = next(path for path in NOTEBOOKS if path.name.startswith("02_"))


def expected_slides(nb) -> list[int]:
    """For each slide (left to right), how many slides its vertical stack has, from the cells' metadata."""
    visible = [slide_type(c) for c in nb.cells if slide_type(c) not in ("notes", "skip")]
    visible[0] = "slide"  # the first shown cell always opens a slide
    stacks = []
    for kind in visible:
        if kind == "slide":
            stacks.append(1)
        elif kind == "subslide":
            stacks[-1] += 1
    return stacks


def indices(page) -> tuple[int, int]:
    return tuple(page.evaluate("(({h, v}) => [h, v])(Reveal.getIndices())"))


def test_exported_slideshow_runs_offline(tmp_path, page, shots):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    build_slides.build([NOTEBOOK], tmp_path)
    show = tmp_path / (NOTEBOOK.stem + ".slides.html")
    stacks = expected_slides(nbformat.read(NOTEBOOK, as_version=4))
    requests, errors = [], []
    page.context.on("request", lambda request: requests.append(request.url))  # the speaker view's too

    def watch(tab):
        tab.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
        tab.on("pageerror", lambda error: errors.append(f"page error: {error}"))

    watch(page)

    page.goto(show.as_uri())
    try:
        page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=15_000)
    except PlaywrightTimeout:
        pytest.fail(f"reveal.js did not start within 15 s; the page reported: {errors[:5]}")
    assert page.evaluate("Reveal.isReady()")
    assert page.evaluate("Reveal.getTotalSlides()") == sum(stacks)
    assert page.evaluate("Reveal.getHorizontalSlides().length") == len(stacks)
    assert indices(page) == (0, 0)
    shots(page, "title")

    page.keyboard.press("ArrowRight")  # the next slide to the right ...
    page.wait_for_function("() => Reveal.getIndices().h === 1")
    assert indices(page) == (1, 0)
    if stacks[1] > 1:  # ... and down its stack
        page.keyboard.press("ArrowDown")
        page.wait_for_function("() => Reveal.getIndices().v === 1")
        assert indices(page) == (1, 1)
    shots(page, "after-arrow-keys")

    page.evaluate("Reveal.slide(0, 0)")
    visited = [indices(page)]
    for _ in range(sum(stacks) + page.locator(".reveal .fragment").count()):  # fragments are steps too
        if page.evaluate("Reveal.isLastSlide() && !Reveal.availableFragments().next"):
            break
        page.evaluate("Reveal.next()")
        step = indices(page)
        assert step >= visited[-1], f"Reveal.next() went back from {visited[-1]} to {step}"
        if step != visited[-1]:
            visited.append(step)
    assert visited == [(h, v) for h, size in enumerate(stacks) for v in range(size)]
    shots(page, "last-slide")

    broken = page.evaluate("[...document.images].filter(img => !(img.complete && img.naturalWidth > 0)).length")
    assert page.locator("img").count() > 0 and broken == 0, f"{broken} plots did not load"

    # Speaker notes: on the first slide with a notes cell, S opens the speaker view showing that cell's text.
    note = page.evaluate("""() => {
        const aside = document.querySelector('aside.notes');
        Reveal.slide(...Object.values(Reveal.getIndices(aside.closest('section'))));
        return aside.textContent.trim().split(/\\s+/).slice(0, 6).join(' ');
    }""")
    with page.expect_popup() as popup:
        page.keyboard.press("s")
    speaker = popup.value
    watch(speaker)
    speaker.locator(".speaker-controls-notes").wait_for()
    speaker.wait_for_function("text => document.querySelector('.speaker-controls-notes').innerText"
                              ".replace(/\\s+/g, ' ').includes(text)", arg=note)
    shots(speaker, "speaker-view")
    speaker.close()

    # A slide longer than the screen scrolls with the mouse wheel: the tallest slide, made taller than the
    # slide size (the content may fit one day), shows its last line after scrolling.
    page.evaluate("""() => {
        const all = [...document.querySelectorAll('.reveal .slides > section > section')];
        const tallest = all.reduce((a, b) => b.scrollHeight > a.scrollHeight ? b : a);
        const filler = document.createElement('div');
        filler.style.height = Reveal.getConfig().height * 1.5 + 'px';
        const end = document.createElement('p');
        end.id = 'end-of-long-slide';
        end.textContent = 'the end of a long slide';
        tallest.append(filler, end);
        Reveal.slide(...Object.values(Reveal.getIndices(tallest)));
    }""")
    end = page.locator("#end-of-long-slide")
    below = "() => document.getElementById('end-of-long-slide').getBoundingClientRect().bottom > window.innerHeight"
    assert page.evaluate(below)
    page.mouse.move(700, 450)
    for _ in range(20):
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(100)
        if not page.evaluate(below):
            break
    assert not page.evaluate(below), "the end of a long slide cannot be scrolled into view"
    assert end.is_visible()
    shots(page, "long-slide-scrolled")

    # the page itself (the speaker view shows it in frames, with settings in the query), or inline data
    itself = [url for url in requests if re.sub(r"[?#].*", "", url, flags=re.S) == show.as_uri()]
    remote = [url for url in requests if url not in itself and not url.startswith(("data:", "blob:", "about:blank"))]
    assert not remote, f"the slideshow asked for: {remote[:5]}"
    assert requests and requests[0] == show.as_uri()
    assert not errors, f"the slideshow reported errors: {errors[:5]}"
