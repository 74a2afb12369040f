"""TEACHING.md, the teacher's guide: it covers every notebook and assignment, and its run-time table is
written by tools/teaching_times.py from the CSV of `make bench`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "TEACHING.md"


def load_tool():
    spec = importlib.util.spec_from_file_location("teaching_times", ROOT / "tools" / "teaching_times.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_guide_names_every_notebook_and_assignment():
    text = GUIDE.read_text(encoding="utf-8")
    names = [p.stem for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
    names += [p.stem for p in sorted((ROOT / "teacher" / "assignments").glob("*.ipynb"))]
    assert len(names) >= 12
    missing = [name for name in names if name not in text]
    assert not missing, f"TEACHING.md does not name {missing}"


def test_guide_has_the_run_time_markers_once_and_in_order():
    text = GUIDE.read_text(encoding="utf-8")
    tool = load_tool()
    assert text.count(tool.START) == 1 and text.count(tool.END) == 1
    assert text.index(tool.START) < text.index(tool.END)


CSV = """part,case,device,value,unit,repeats,ratio,ratio_text,target,status,notes
lstm,nn.LSTM,cpu,0.5,s,5,,,,,
course,00_setup_and_tour.ipynb,cpu,9.21,s,1,,,<= 60 s,PASS,"fresh kernel, COURSE_DEVICE=cpu"
course,01_tensors.ipynb,cpu,71.04,s,1,,,<= 60 s,FAIL,"fresh kernel, COURSE_DEVICE=cpu"
course,all 2 notebooks together,cpu,80.25,s,1,,,<= 240 s,PASS,sum of the above
"""
MARKDOWN = """# Benchmarks

- Run 2026-12-01 18:41 at commit 76f389f
- Machine: Some CPU, 2 cores; torch 2.13.0+cpu with 2 threads (default); Python 3.11.7; GPU: none
- Load average (1 / 5 / 15 min): 1.70 / 3.44 / 7.26 at the start, 2.49 / 3.55 / 7.26 at the end
"""


def test_tool_renders_the_table_between_the_markers(tmp_path):
    tool = load_tool()
    (tmp_path / "benchmarks.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "benchmarks.md").write_text(MARKDOWN, encoding="utf-8")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("00_setup_and_tour", "01_tensors", "02_broadcasting_and_devices"):
        (notebooks / f"{name}.ipynb").write_text("{}", encoding="utf-8")
    guide = tmp_path / "TEACHING.md"
    guide.write_text(f"before\n{tool.START}\nold table\n{tool.END}\nafter\n", encoding="utf-8")

    assert tool.main([str(tmp_path / "benchmarks.csv"), str(guide), "--notebooks", str(notebooks)]) == 0
    text = guide.read_text(encoding="utf-8")
    assert text.startswith("before\n") and text.endswith("after\n") and "old table" not in text
    table = text[text.index(tool.START):text.index(tool.END)]
    assert "2026-12-01 18:41 at commit 76f389f" in table
    assert "Some CPU, 2 cores; torch 2.13.0+cpu" in table
    assert "1.70 / 3.44 / 7.26 at the start" in table
    assert "| `00_setup_and_tour.ipynb` | 9.2 | yes |" in table
    assert "| `01_tensors.ipynb` | 71.0 | NO |" in table
    assert f"| `02_broadcasting_and_devices.ipynb` | | {tool.NOT_MEASURED} |" in table
    assert "| all 2 notebooks together | 80.2 | budget <= 240 s: yes |" in table
    assert "nn.LSTM" not in table  # only the course part's rows

    # a second run replaces the table instead of adding one
    tool.main([str(tmp_path / "benchmarks.csv"), str(guide), "--notebooks", str(notebooks)])
    assert guide.read_text(encoding="utf-8").count("| `00_setup_and_tour.ipynb` |") == 1


def test_tool_refuses_a_guide_without_markers():
    tool = load_tool()
    with pytest.raises(ValueError, match="markers"):
        tool.replace_between_markers("no markers here", "table")
