"""`make lab` starts JupyterLab, and its page loads the way a student sees it: no error dialog, no toast."""

import json
import time
import urllib.request

from .lab_ui import check, status_bar, visible_dialog, wait_until

NEWS_TOAST = "official Jupyter news"


def test_lab_page_loads_with_the_course_notebooks_and_no_error_dialog(lab, page, shots):
    page.goto(f"{lab.base_url}/lab/workspaces/lab-page?reset&token={lab.token}")
    launcher = page.locator(".jp-Launcher")
    check(
        wait_until(launcher.is_visible, 60),
        f"the JupyterLab page did not show its launcher within 60 s; the page's title is {page.title()!r}, "
        f"its status bar {status_bar(page)!r}",
    )
    shots(page, "launcher")
    listing = page.locator(".jp-DirListing-content .jp-DirListing-itemName")
    check(wait_until(lambda: listing.count() > 0, 15), "the file browser stayed empty: no course notebooks listed")
    names = listing.all_inner_texts()
    expected = sorted(path.name for path in lab.notebook_dir.glob("[0-9][0-9]_*.ipynb"))
    check(set(expected) <= set(names), f"the file browser lists {names}, not the course notebooks {expected}")

    time.sleep(1.5)  # a dialog or a toast (the news one: at once) appears a moment after the launcher
    shots(page, "settled")
    dialog = visible_dialog(page)
    check(dialog is None, f"the JupyterLab page opened with a dialog: {dialog!r}")
    toasts = " ".join(page.locator(".jp-toast-container, .Toastify").all_inner_texts())
    check(NEWS_TOAST not in toasts, f"the news toast covers part of the page: {toasts!r} (lab-settings/ not used?)")


def test_lab_uses_the_course_settings(lab):
    """The settings come from lab-settings/ in the repository, which `make lab` passes to JupyterLab."""
    request = urllib.request.Request(
        f"{lab.base_url}/lab/api/settings/@jupyterlab/apputils-extension:notification",
        headers={"Authorization": f"token {lab.token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        settings = json.load(response)["settings"]
    assert settings.get("fetchNews") == "false", f"JupyterLab's notification settings are {settings}"
    assert settings.get("checkForUpdates") is False, f"JupyterLab's notification settings are {settings}"
