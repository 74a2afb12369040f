"""The benchmark suite (``make bench``) on tiny sizes, so that it cannot rot. No timing is asserted."""

import csv
import dataclasses
from pathlib import Path

import nbformat
import pytest
import torch
from torch import nn

from benchmarks import PARTS, Config, Row, main, run_benchmarks
from benchmarks.baselines import SourceStyleLSTM, UnpackedLSTMClassifier
from benchmarks.bucketing import REAL_TWEETS_ENV_VAR, bucketing_rows
from benchmarks.common import interleaved_times, markdown_table, select_devices, speedup_row
from benchmarks.course import course_rows, find_notebooks
from benchmarks.tweets import collate_fixed
from course_utils import LSTMClassifier
from course_utils.data import bundled_path

QUICK = dataclasses.replace(Config.quick_config(), train_limit=64, val_limit=32, lstm_lengths=(3, 5))


def _write_notebook(path: Path, sources: list[str]) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)


def test_source_style_lstm_computes_what_nn_lstm_computes():
    reference = nn.LSTM(3, 5, batch_first=True)
    source = SourceStyleLSTM(3, 5)
    source.copy_weights_from(reference)
    x = torch.randn(2, 4, 3)
    expected, (h_expected, c_expected) = reference(x)
    output, (h_n, c_n) = source(x)
    assert output.shape == (2, 4, 5)
    torch.testing.assert_close(output, expected)
    torch.testing.assert_close(h_n, h_expected)
    torch.testing.assert_close(c_n, c_expected)


def test_unpacked_classifier_matches_packed_one_without_padding_and_differs_with_it():
    torch.manual_seed(0)
    packed = LSTMClassifier(10, 4, 6, num_outputs=3)
    unpacked = UnpackedLSTMClassifier(10, 4, 6, num_outputs=3)
    unpacked.load_state_dict(packed.state_dict())  # same parameters, same names
    full = torch.tensor([[2, 3, 4], [5, 6, 7]])
    torch.testing.assert_close(unpacked(full), packed(full))
    padded = torch.tensor([[2, 3, 0, 0], [5, 6, 7, 8]])
    assert not torch.allclose(unpacked(padded)[0], packed(padded)[0])  # reads the state after the padding
    torch.testing.assert_close(unpacked(padded)[1], packed(padded)[1])
    for pooling in ("avg", "max"):  # masked pooling ignores the padded outputs
        a, b = LSTMClassifier(10, 4, 6, pooling=pooling), UnpackedLSTMClassifier(10, 4, 6, pooling=pooling)
        b.load_state_dict(a.state_dict())
        torch.testing.assert_close(b(padded), a(padded))


def test_collate_fixed_pads_every_batch_to_max_len_and_keeps_true_lengths():
    batch = [(torch.tensor([4, 5]), 0), (torch.tensor([6, 7, 8]), 2)]
    x, lengths, labels = collate_fixed(batch, max_len=6)
    assert x.tolist() == [[4, 5, 0, 0, 0, 0], [6, 7, 8, 0, 0, 0]]
    assert lengths.tolist() == [2, 3] and labels.tolist() == [0, 2]
    x, lengths, _ = collate_fixed(batch, max_len=2)
    assert x.shape == (2, 2) and lengths.tolist() == [2, 2]


def test_interleaved_times_runs_each_candidate_warmup_plus_rounds():
    calls = []
    times = interleaved_times({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")},
                              torch.device("cpu"), rounds=3)
    assert calls.count("a") == calls.count("b") == 4
    assert calls[2:] == ["a", "b", "b", "a", "a", "b"]  # each round starts at a different candidate
    assert all(len(v) == 3 and min(v) >= 0 for v in times.values())


def test_speedup_row_and_markdown_table():
    row = speedup_row(Row("p", "fast", "cpu", 1.0, "s", 3), 4.0, "slow", minimum=3.0)
    assert (row.ratio, row.status, row.target) == (4.0, "PASS", ">= 3x")
    assert speedup_row(Row("p", "fast", "cpu", 2.0, "s", 3), 4.0, "slow", minimum=3.0).status == "FAIL"
    table = markdown_table([row]).splitlines()
    assert table[0].startswith("| Part") and "4.00x" in table[2] and "PASS" in table[2]
    assert select_devices("cpu") == [torch.device("cpu")]
    with pytest.raises(ValueError):
        select_devices("tpu")


def test_quick_run_of_the_measured_parts_writes_the_table(tmp_path):
    results = run_benchmarks(["padding", "lstm", "packing"], QUICK, devices="auto", out_dir=tmp_path,
                             log=lambda message: None)
    devices = {row.device for row in results.rows}
    assert "cpu" in devices and len(devices) == (2 if torch.cuda.is_available() else 1)
    by_part = {part: [r for r in results.rows if r.part == part] for part in PARTS}
    n_devices = len(devices)
    assert len(by_part["padding"]) == 4 * n_devices
    assert len(by_part["lstm"]) == 3 * len(QUICK.lstm_lengths) * n_devices
    assert len(by_part["packing"]) == 6 * n_devices
    for row in results.rows:
        assert row.value is not None and row.value >= 0 and row.repeats >= 1
    checked = [r for r in results.rows if r.target]
    assert len(checked) == (1 + 2 * len(QUICK.lstm_lengths)) * n_devices  # the padding and LSTM targets
    for row in checked:
        assert row.ratio is not None and row.ratio > 0 and row.status in ("PASS", "FAIL")
    accuracies = [r for r in by_part["packing"] if r.unit == "accuracy"]
    assert all(0 <= r.value <= 1 for r in accuracies)
    # the files: CSV with one line per row, Markdown with the same table
    with (tmp_path / "benchmarks.csv").open() as handle:
        lines = list(csv.DictReader(handle))
    assert len(lines) == len(results.rows)
    assert {"part", "case", "device", "value", "ratio", "target", "status"} <= set(lines[0])
    markdown = (tmp_path / "benchmarks.md").read_text()
    assert "| Part" in markdown and "Load average" in markdown and markdown.count("\n| ") == len(results.rows) + 1


def test_course_part_times_notebooks_on_a_copy_and_reports_failures(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _write_notebook(notebooks / "01_ok.ipynb", ["import os", "print(os.environ['COURSE_DEVICE'])"])
    _write_notebook(notebooks / "02_broken.ipynb", ["1 / 0"])
    _write_notebook(notebooks / "scratch.ipynb", ["1 / 0"])  # not NN_*: not a course notebook
    assert [p.name for p in find_notebooks(notebooks)] == ["01_ok.ipynb", "02_broken.ipynb"]
    before = {p.name: p.read_bytes() for p in notebooks.iterdir()}

    seen = []

    def fake_executor(path, timeout):
        seen.append(path)
        return (1.5, "") if path.name == "01_ok.ipynb" else (70.0, "ZeroDivisionError: division by zero")

    rows = course_rows(dataclasses.replace(QUICK, notebook_limit=None), notebooks, log=lambda m: None,
                       executor=fake_executor)
    assert [r.case for r in rows] == ["01_ok.ipynb", "02_broken.ipynb", "all 2 notebooks together"]
    assert [r.status for r in rows] == ["PASS", "FAIL", "FAIL"]
    assert rows[-1].value == 71.5 and "02_broken" in rows[-1].notes
    assert all(p.parent != notebooks for p in seen)  # executed on a copy
    assert {p.name: p.read_bytes() for p in notebooks.iterdir()} == before


def test_main_executes_a_real_notebook_in_a_fresh_kernel(tmp_path, capsys):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _write_notebook(notebooks / "00_tiny.ipynb", ["import os", "assert os.environ['COURSE_DEVICE'] == 'cpu'"])
    before = (notebooks / "00_tiny.ipynb").read_bytes()
    out = tmp_path / "results"
    assert main(["--only", "course", "--quick", "--notebooks", str(notebooks), "--out", str(out), "--strict"]) == 0
    printed = capsys.readouterr().out
    assert "00_tiny.ipynb" in printed and "PASS" in printed and "FAIL" not in printed
    assert (out / "benchmarks.csv").is_file() and (out / "benchmarks.md").is_file()
    assert (notebooks / "00_tiny.ipynb").read_bytes() == before


def test_main_rejects_unknown_parts():
    with pytest.raises(SystemExit):
        main(["--only", "nonsense"])


def test_quick_bucketing_part_skips_the_real_file_rows_without_the_env_var(monkeypatch):
    monkeypatch.delenv(REAL_TWEETS_ENV_VAR, raising=False)
    rows = bucketing_rows(QUICK, torch.device("cpu"), log=lambda message: None)
    assert all(row.part == "bucketing" and "bucket" in row.case for row in rows)
    measured, skipped = rows[:-1], rows[-1]
    assert len(measured) == 2 + 4 + 2  # padding shares (batch 32), four LSTM epochs, two accuracies
    assert all(row.value is not None and row.value >= 0 for row in measured)
    assert skipped.value is None and REAL_TWEETS_ENV_VAR in skipped.notes
    shares = [row for row in measured if row.unit == "% padding"]
    assert shares[1].value < shares[0].value  # bucketing leaves less padding than dynamic padding alone
    assert [row.status for row in measured if row.target] == [measured[3].status] and measured[3].status in (
        "PASS", "FAIL")  # only the packed LSTM's speed-up has a target on the bundled file
    assert all(0 <= row.value <= 1 for row in measured if row.unit == "accuracy")


def test_quick_bucketing_part_measures_a_real_file_named_by_the_env_var(monkeypatch):
    monkeypatch.setenv(REAL_TWEETS_ENV_VAR, str(bundled_path()))  # any tweet CSV will do for the code path
    rows = bucketing_rows(QUICK, torch.device("cpu"), log=lambda message: None)
    assert len(rows) == 2 * 8 and not any("skipped" in row.case for row in rows)
    real_share = [row for row in rows if "real tweets" in row.case and row.unit == "% padding"][1]
    assert real_share.target == "< 15 %" and real_share.status in ("PASS", "FAIL")
