"""A student's "Restart Kernel and Run All Cells" on course notebooks, in JupyterLab, in Chromium."""

import pytest

from .lab_ui import NOTEBOOKS, check, run_all_problems


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_restart_and_run_all_completes_without_errors(ran_notebook, name):
    run = ran_notebook(name)
    problems = run_all_problems(name, run.code_cells)
    check(not problems, f"after Restart Kernel and Run All Cells, {name} showed:\n- " + "\n- ".join(problems))
