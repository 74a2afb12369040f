"""Remove the executing machine's absolute paths from notebooks' stored outputs (run by `make refresh`).

A traceback stored in a notebook names files such as
``/home/alice/course/.venv/lib/python3.11/site-packages/torch/nn/modules/module.py``: noise for a
reader, and a leak of the machine that ran it. This rewrites every output with the path rules of
``nbval_sanitize.cfg`` (its sections whose name mentions "path"), the same rules nbval applies when
it compares outputs, so a scrubbed notebook still validates. ``tests/test_stored_outputs.py`` checks
that no absolute path is left.

    python tests/scrub_paths.py notebooks/*.ipynb
"""

import re
import sys
from pathlib import Path

import nbformat

SANITIZE_CFG = Path(__file__).with_name("nbval_sanitize.cfg")


def path_rules(cfg: Path = SANITIZE_CFG) -> list[tuple[re.Pattern, str]]:
    """The (regex, replacement) pairs of the cfg sections whose name mentions "path", in file order."""
    rules, section, pattern = [], "", None
    for line in cfg.read_text().splitlines():
        if line.startswith("["):
            section = line
        elif line.startswith("regex: "):
            pattern = line.removeprefix("regex: ")
        elif line.startswith("replace: ") and "path" in section:
            rules.append((re.compile(pattern), line.removeprefix("replace: ")))
    return rules


def scrub_text(text: str, rules: list[tuple[re.Pattern, str]]) -> str:
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


def scrub(value, rules):
    """Apply the rules to every string inside an output (lists, dicts, nested)."""
    if isinstance(value, str):
        return scrub_text(value, rules)
    if isinstance(value, list):
        return [scrub(item, rules) for item in value]
    if isinstance(value, dict):
        return {key: scrub(item, rules) for key, item in value.items()}
    return value


def scrub_notebook(path: Path, rules=None) -> bool:
    """Rewrite the notebook's outputs in place; return True when something changed."""
    rules = path_rules() if rules is None else rules
    notebook = nbformat.read(path, as_version=4)
    changed = False
    for cell in notebook.cells:
        if "outputs" in cell:
            outputs = [nbformat.from_dict(scrub(output, rules)) for output in cell.outputs]
            changed |= outputs != cell.outputs
            cell.outputs = outputs
    if changed:
        nbformat.write(notebook, path)
    return changed


if __name__ == "__main__":
    for name in sys.argv[1:]:
        if scrub_notebook(Path(name)):
            print(f"scrubbed paths in {name}")
