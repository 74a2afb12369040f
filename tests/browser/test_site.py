"""`make site` in a real browser: the pages open from disk and fetch nothing from the network.

Chromium opens the index from a freshly built site (file://), follows its link to every notebook page and
records every request the pages make: all must be local files or inline data. On each page the math is
drawn (MathML elements with a size) and every image has loaded.
"""

import json
import re

from ..test_site import NOTEBOOKS, build_site


def test_site_reads_offline(tmp_path, page, shots):
    build_site.build(NOTEBOOKS, tmp_path)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((tmp_path / "index.html").as_uri())
    shots(page, "index")
    links = page.locator("a.notebook")
    assert links.count() == len(NOTEBOOKS)
    for i, nb in enumerate(NOTEBOOKS):
        page.goto((tmp_path / "index.html").as_uri())
        page.locator("a.notebook").nth(i).click()
        page.wait_for_load_state("load")
        assert page.url.endswith(nb.stem + ".html")
        cells = json.loads(nb.read_text())["cells"]
        markdown = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        if re.search(r"\$[^$\s][^$]*\$", markdown):
            first = page.locator("math").first
            first.scroll_into_view_if_needed()
            box = first.bounding_box()
            assert box and box["width"] > 0 and box["height"] > 0, f"{nb.name}: math is not drawn"
            shots(page, nb.stem + "-math", first.locator("xpath=.."))
        broken = page.evaluate("[...document.images].filter(img => !(img.complete && img.naturalWidth > 0)).length")
        assert broken == 0, f"{nb.name}: {broken} images did not load"
    remote = [url for url in requests if not url.startswith(("file:", "data:"))]
    assert not remote, f"the pages asked the network for: {remote[:5]}"
    assert len(requests) >= len(NOTEBOOKS) + 1
