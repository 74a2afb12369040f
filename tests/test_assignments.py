"""The take-home assignments: solution notebooks, self-checks, student versions and grading."""

import contextlib
import copy
import io
import json
import re
import subprocess
import sys
import textwrap
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import torch

from course_utils import assignments
from course_utils.checks import ASSIGNMENTS, BUGGY_LISTING, BUGS, CORRECT, INCORRECT, NOT_DONE

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_DIR = ROOT / "notebooks" / "assignments"
SOLUTIONS = sorted(SOLUTION_DIR.glob("*.ipynb"))
KEY_OF = {path: path.name[:2].lower() for path in SOLUTIONS}  # A1_... -> "a1"
QUESTIONS = [(key, name, question) for key, assignment in ASSIGNMENTS.items()
             for name, question in assignment.questions.items()]
BY_ID = {"ids": lambda p: p.name}


def read(path):
    return nbformat.read(path, as_version=4)


def solution_path(key):
    return next(path for path in SOLUTIONS if KEY_OF[path] == key)


def nbgrader_cells(nb):
    return [cell for cell in nb.cells if "nbgrader" in cell.metadata]


def namespace_of(nb):
    """Run a notebook's code in-process, minus its check cells and its deliberately raising cells."""
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in nb.cells:
            tags = cell.metadata.get("tags", [])
            if cell.cell_type == "code" and not assignments.is_grade(cell) and "raises-exception" not in tags:
                exec(cell.source, namespace)
    return namespace


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    assignments.write_student_versions([SOLUTION_DIR], out)
    return out


@pytest.fixture(scope="module")
def namespaces(student_dir):
    """For each assignment: the names the solution defines, and the names the student version defines."""
    return {KEY_OF[path]: (namespace_of(read(path)), namespace_of(read(student_dir / path.name)))
            for path in SOLUTIONS}


def test_there_are_three_assignments_with_checks():
    assert [path.name[:2] for path in SOLUTIONS] == ["A1", "A2", "A3"]
    assert sorted(ASSIGNMENTS) == ["a1", "a2", "a3"]


# ------------------------------------------------------------------------------------------------
# Solution notebooks: nbgrader metadata and markers
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_solution_notebook_is_valid_for_nbgrader(path):
    assert assignments.validate_solution_notebook(read(path)) == []


def test_grade_ids_are_unique_across_all_assignments_and_well_formed():
    ids = [cell.metadata.nbgrader["grade_id"] for path in SOLUTIONS for cell in nbgrader_cells(read(path))]
    assert len(ids) == len(set(ids)), f"duplicate grade_ids: {sorted(i for i in ids if ids.count(i) > 1)}"
    assert all(re.fullmatch(r"[a-zA-Z0-9_\-]+", grade_id) for grade_id in ids)


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_nbgrader_metadata_follows_schema_version_3(path):
    allowed = {"schema_version", "grade", "solution", "locked", "task", "grade_id", "points", "checksum", "cell_type"}
    for cell in nbgrader_cells(read(path)):
        meta = cell.metadata.nbgrader
        assert meta["schema_version"] == 3  # nbgrader keeps it per cell; there is no notebook-level version
        assert set(meta) <= allowed, set(meta) - allowed
        assert all(isinstance(meta[key], bool) for key in ("grade", "solution", "locked"))
        if meta["grade"]:
            assert isinstance(meta["points"], (int, float)) and meta["points"] > 0, meta["grade_id"]
        else:
            assert "points" not in meta, meta["grade_id"]
        if cell.cell_type == "markdown":
            assert meta["grade"] and meta["solution"], f"{meta['grade_id']}: markdown answers are grade AND solution"
        if meta["grade"] and not meta["solution"]:
            assert meta["locked"], f"{meta['grade_id']}: test cells are locked"


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_markers_are_balanced_and_in_the_right_cells(path):
    for cell in read(path).cells:
        lines = cell.source.split("\n")
        for begin, end, kind in [("### BEGIN SOLUTION", "### END SOLUTION", "solution"),
                                 ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS", "grade")]:
            marks = [line.strip() for line in lines if line.strip() in (begin, end)]
            assert marks == [begin, end] * (len(marks) // 2), f"unbalanced markers in:\n{cell.source}"
            assert all(begin.split(" ", 1)[1] not in line for line in lines if line.strip() not in (begin, end))
            if marks:
                assert cell.metadata.get("nbgrader", {}).get(kind), f"{kind} markers outside a {kind} cell"
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source, f"{meta['grade_id']} has no solution region"
        if assignments.is_autograded_test(cell):
            assert "### BEGIN HIDDEN TESTS" in cell.source, f"{meta['grade_id']} has no hidden tests"


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_points_announced_in_the_introduction_match_the_metadata(path):
    nb = read(path)
    announced = re.search(r"\*\*Points\.\*\* (\d+) points checked automatically and (\d+) points? graded by hand",
                          nb.cells[0].source)
    graded = [cell for cell in nbgrader_cells(nb) if cell.metadata.nbgrader["grade"]]
    auto = sum(cell.metadata.nbgrader["points"] for cell in graded if assignments.is_autograded_test(cell))
    by_hand = sum(cell.metadata.nbgrader["points"] for cell in graded if not assignments.is_autograded_test(cell))
    assert announced and (int(announced[1]), int(announced[2])) == (auto, by_hand)


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_every_question_is_answered_and_checked_in_its_notebook(path):
    key, nb = KEY_OF[path], read(path)
    answers = "\n".join(cell.source for cell in nb.cells if assignments.is_solution(cell))
    checks = [cell.source for cell in nb.cells if assignments.is_autograded_test(cell)]
    for name, question in ASSIGNMENTS[key].questions.items():
        assert re.search(rf"^(def|class) {question.answer_name}\b", answers, re.M), question.answer_name
        call = f"{key}.{name}.check({question.answer_name})"
        assert sum(source.startswith(call) for source in checks) == 1, call
        assert any(f"{key}.{name}.assert_correct({question.answer_name})" in source for source in checks)


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_solution_notebook_is_stored_with_outputs_of_one_run(path):
    cells = json.loads(path.read_text())["cells"]
    counts = [cell["execution_count"] for cell in cells if cell["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1)), "run `make refresh`"
    for cell in cells:
        if cell["cell_type"] == "code":
            raised = any(output["output_type"] == "error" for output in cell["outputs"])
            assert raised == ("raises-exception" in cell["metadata"].get("tags", [])), cell["source"]
    printed = ["".join(output.get("text", "")) for cell in cells
               if assignments.is_autograded_test(nbformat.from_dict(cell)) for output in cell["outputs"]]
    assert printed and all(text.startswith("Correct:") for text in printed)


# ------------------------------------------------------------------------------------------------
# Student versions
# ------------------------------------------------------------------------------------------------


def solution_regions(source):
    """The lines strictly inside each BEGIN/END SOLUTION pair, and the indentation of its BEGIN line."""
    regions, current = [], None
    for line in source.split("\n"):
        if line.strip() == "### BEGIN SOLUTION":
            current = (re.match(r"\s*", line).group(0), [])
        elif line.strip() == "### END SOLUTION":
            regions.append(current)
            current = None
        elif current is not None:
            current[1].append(line)
    return regions


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_no_line_of_any_solution_region_survives_in_the_student_version(path, student_dir):
    """Each line of a solution region may appear in the student version only as often as it appears
    OUTSIDE the regions in the solution (e.g. the buggy code a question shows on purpose)."""
    solution, student = read(path), read(student_dir / path.name)
    student_lines = Counter(line.strip() for cell in student.cells for line in cell.source.split("\n"))
    region_lines, outside_lines = [], Counter()
    for cell in solution.cells:
        inside = [line.strip() for _, region in solution_regions(cell.source) for line in region]
        region_lines += [line for line in inside if line]
        outside_lines.update(line.strip() for line in cell.source.split("\n"))
        outside_lines.subtract(inside)
    assert len(region_lines) > 20
    for line in region_lines:
        assert student_lines[line] <= outside_lines[line], f"solution line left in {path.name}: {line!r}"


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_student_version_has_stubs_no_hidden_tests_and_no_outputs(path, student_dir):
    solution, student = read(path), read(student_dir / path.name)
    assert len(solution.cells) == len(student.cells)
    for teacher, cell in zip(solution.cells, student.cells, strict=True):
        assert cell.metadata.get("nbgrader", {}).get("grade_id") == teacher.metadata.get("nbgrader", {}).get("grade_id")
        assert "BEGIN SOLUTION" not in cell.source and "HIDDEN TESTS" not in cell.source
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        regions = solution_regions(teacher.source)
        if teacher.cell_type == "code" and regions:
            for indent, _ in regions:
                assert f"{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError()" in cell.source
            assert cell.source.count("raise NotImplementedError()") == len(regions)
        elif regions:
            assert cell.source.count("YOUR ANSWER HERE") == len(regions)
        if assignments.is_autograded_test(teacher):
            hidden = teacher.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
            assert all(line not in cell.source for line in hidden.strip().split("\n"))
            assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False
        if not regions:
            assert assignments.remove_hidden_tests(teacher.source) == cell.source


def test_stub_keeps_the_indentation_of_the_region():
    source = "class A:\n    def f(self):\n        ### BEGIN SOLUTION\n        return 1\n        ### END SOLUTION\n"
    assert assignments.clear_solutions(source, "code") == (
        "class A:\n    def f(self):\n        # YOUR CODE HERE\n        raise NotImplementedError()\n")
    assert assignments.clear_solutions("Answer:\n### BEGIN SOLUTION\nyes\n### END SOLUTION", "markdown") == (
        "Answer:\nYOUR ANSWER HERE")


@pytest.mark.parametrize("source, problem", [
    ("x = 1\n### BEGIN SOLUTION\nx = 2\n", "has no"),
    ("### END SOLUTION\n", "without"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "nested"),
])
def test_unbalanced_markers_are_refused(source, problem):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.cells[0].metadata["nbgrader"] = {"schema_version": 3, "grade": False, "solution": True, "locked": False,
                                        "grade_id": "q"}
    with pytest.raises(ValueError, match=problem):
        assignments.make_student_notebook(nb)


def test_invalid_metadata_is_reported():
    nb = read(SOLUTIONS[0])
    broken = copy.deepcopy(nb)
    checks = [cell for cell in broken.cells if assignments.is_autograded_test(cell)]
    checks[1].metadata.nbgrader["grade_id"] = checks[0].metadata.nbgrader["grade_id"]
    del checks[2].metadata.nbgrader["points"]
    checks[3].metadata.nbgrader["schema_version"] = 2
    problems = "\n".join(assignments.validate_solution_notebook(broken))
    assert "duplicate grade_id" in problems and "needs points" in problems and "schema_version" in problems
    broken.cells[0].source += "\n### BEGIN SOLUTION\nx\n### END SOLUTION"
    assert "outside a solution cell" in "\n".join(assignments.validate_solution_notebook(broken))


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "course_utils.assignments", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_generator_refuses_to_overwrite_student_work_unless_forced(tmp_path, capsys):
    assert assignments.main(["student", str(SOLUTION_DIR), "-o", str(tmp_path)]) == 0
    assert capsys.readouterr().out.count("wrote") == 3
    work = tmp_path / SOLUTIONS[0].name
    work.write_text(work.read_text().replace("# YOUR CODE HERE", "# my own work"))
    before = work.read_text()

    result = run_cli("student", SOLUTION_DIR, "-o", tmp_path)  # once through the real command line
    assert result.returncode == 1 and "refusing to overwrite" in result.stderr and "--force" in result.stderr
    assert work.read_text() == before
    with pytest.raises(FileExistsError):
        assignments.write_student_versions([SOLUTIONS[1]], tmp_path)

    assert assignments.main(["student", str(SOLUTION_DIR), "-o", str(tmp_path), "--force"]) == 0
    assert "# my own work" not in work.read_text() and "# YOUR CODE HERE" in work.read_text()


# ------------------------------------------------------------------------------------------------
# The checks, called directly
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key, name, question", QUESTIONS, ids=[q.number for _, _, q in QUESTIONS])
def test_check_says_not_done_yet_on_the_stub_and_correct_on_the_solution(key, name, question, namespaces, capsys):
    solution_names, student_names = namespaces[key]
    stub = student_names[question.answer_name]
    assert question.evaluate(stub).status == NOT_DONE
    question.check(stub)
    assert capsys.readouterr().out.startswith(f"Not done yet: {question.number}")
    with pytest.raises(AssertionError, match="Not done yet"):
        question.assert_correct(stub)

    assert question.evaluate(solution_names[question.answer_name]).message.startswith("Correct:")
    question.check(solution_names[question.answer_name])
    assert capsys.readouterr().out.startswith(f"Correct: {question.number}")


@pytest.mark.parametrize("key, name, question", QUESTIONS, ids=[q.number for _, _, q in QUESTIONS])
def test_the_printed_solution_passes_its_own_check(key, name, question, namespaces):
    solution_names, _ = namespaces[key]
    namespace = {"torch": torch, "tokenize": solution_names.get("tokenize"),
                 "build_vocab": solution_names.get("build_vocab")}
    exec(textwrap.dedent(question.solution_code), namespace)
    assert question.evaluate(namespace[question.answer_name]).status == CORRECT


@pytest.mark.parametrize("answer", [None, 42, "text", lambda *args: 1 / 0, lambda *args: None],
                         ids=["None", "int", "str", "raises", "returns-None"])
@pytest.mark.parametrize("key, name, question", QUESTIONS, ids=[q.number for _, _, q in QUESTIONS])
def test_a_wrong_answer_gets_feedback_and_never_crashes(key, name, question, answer, capsys):
    verdict = question.evaluate(answer)
    assert verdict.status == INCORRECT and verdict.message.startswith("Not quite")
    assert "Hint:" in verdict.message
    question.check(answer)
    assert "Not quite" in capsys.readouterr().out


def test_hint_and_solution_print(capsys):
    ASSIGNMENTS["a1"].q3.hint()
    ASSIGNMENTS["a1"].q3.solution()
    out = capsys.readouterr().out
    assert out.startswith("Hint (A1.3):") and "def pairwise_distances" in out


# The classic bugs of the source lectures, each written the way a student might, and what the check says.


def mse_broadcasting(predictions, targets):
    return ((predictions - targets) ** 2).mean()


def mse_in_place(predictions, targets):
    if predictions.numel() != targets.numel():
        raise ValueError("sizes differ")
    return ((predictions.squeeze_(-1) - targets) ** 2).mean()


def mse_detached(predictions, targets):
    if predictions.numel() != targets.numel():
        raise ValueError("sizes differ")
    return torch.tensor(((predictions.reshape(-1) - targets) ** 2).mean().item())


def distances_with_loops(a, b):
    return torch.stack([torch.cdist(a[k:k + 1], b[k:k + 1])[0] for k in range(a.shape[0])])


def distances_unclamped(a, b):
    squared = (a * a).sum(-1)[:, :, None] + (b * b).sum(-1)[:, None, :] - 2 * a @ b.transpose(1, 2)
    return squared.sqrt()


def mask_on_the_cpu(lengths, max_len=None):
    max_len = int(lengths.max()) if max_len is None else max_len
    return torch.arange(max_len).unsqueeze(0) < lengths.unsqueeze(1)


def vocab_with_strict_min_freq(token_lists, min_freq=1):
    counts = {}
    for tokens in token_lists:
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
    vocab = {"<PAD>": 0, "<UNK>": 1}
    for token, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if count > min_freq:
            vocab[token] = len(vocab)
    return vocab


def mean_over_padding(embeddings, mask):
    return embeddings.mean(dim=1)


def masked_mean_nan_on_empty_rows(embeddings, mask):
    weights = mask.unsqueeze(-1).to(embeddings.dtype)
    return (embeddings * weights).sum(dim=1) / weights.sum(dim=1)


def collate_padding_in_place(batch, pad_index=0):
    longest = max(len(ids) for ids, _ in batch)
    for ids, _ in batch:
        ids.extend([pad_index] * (longest - len(ids)))
    lengths = [len(ids) for ids, _ in batch]
    return torch.tensor([ids for ids, _ in batch]), torch.tensor(lengths), torch.tensor([y for _, y in batch])


def lstm_cell_sigmoid_candidate(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.sigmoid(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def avg_pool_over_all_steps(outputs, lengths):
    return outputs.mean(dim=1)


class EarlyStoppingWithoutCounter:
    """The lecture's version: counter is only set after an improvement."""

    def __init__(self, patience=5, min_delta=0.0):
        self.patience, self.min_delta, self.best_loss = patience, min_delta, None

    def step(self, val_loss):
        if self.best_loss is None:
            self.best_loss = val_loss
        elif val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.counter = val_loss, 0
        else:
            self.counter += 1
        return getattr(self, "counter", 0) >= self.patience


def make_encode_splits_on_all_texts(namespace):
    build_vocab, tokenize = namespace["build_vocab"], namespace["tokenize"]

    def encode_splits(train_texts, val_texts, min_freq=1):
        vocab = build_vocab([tokenize(text) for text in train_texts + val_texts], min_freq)
        encode = [[vocab.get(token, 1) for token in tokenize(text)] for text in train_texts + val_texts]
        return vocab, encode[:len(train_texts)], encode[len(train_texts):]

    return encode_splits


CLASSIC_BUGS = [
    ("a1", "q2", mse_broadcasting, "broadcast to [4, 4]"),
    ("a1", "q2", mse_in_place, "in place"),
    ("a1", "q2", mse_detached, "backward"),
    ("a1", "q3", distances_with_loops, "Python loop"),
    ("a1", "q3", distances_unclamped, "to itself"),
    ("a1", "q4", mask_on_the_cpu, "another device"),
    ("a2", "q2", vocab_with_strict_min_freq, "count >= min_freq"),
    ("a2", "q3", make_encode_splits_on_all_texts, "only in the validation texts"),
    ("a2", "q4", mean_over_padding, "included the padding"),
    ("a2", "q4", masked_mean_nan_on_empty_rows, "nan"),
    ("a2", "q5", collate_padding_in_place, "changed the lists"),
    ("a3", "q1", lstm_cell_sigmoid_candidate, "uses sigmoid"),
    ("a3", "q2", avg_pool_over_all_steps, "padded time steps"),
    ("a3", "q3", EarlyStoppingWithoutCounter, "counter"),
]


@pytest.mark.parametrize("key, name, buggy, says", CLASSIC_BUGS, ids=[bug[2].__name__ for bug in CLASSIC_BUGS])
def test_checks_catch_the_classic_bugs(key, name, buggy, says, namespaces):
    if buggy is make_encode_splits_on_all_texts:
        buggy = buggy(namespaces[key][0])
    verdict = ASSIGNMENTS[key].questions[name].evaluate(buggy)
    assert verdict.status == INCORRECT
    assert says in verdict.message, verdict.message


def test_the_bug_table_points_at_the_bugs_of_the_listing():
    lines = BUGGY_LISTING.splitlines()
    assert [lines[number - 1].strip() for number in sorted(BUGS)] == [
        "g = torch.sigmoid(g)",
        "outputs = torch.cat([outputs, h.unsqueeze(1)], dim=1)",
        'print("outputs", outputs.shape, "h", h.shape)',
        "self.counter += 1",
    ]
    namespace = {}
    exec(BUGGY_LISTING, namespace)  # the listing runs, so students can experiment with it
    stopper = namespace["EarlyStopping"](patience=2)
    stopper.step(1.0)
    with pytest.raises(AttributeError, match="counter"):
        stopper.step(1.5)


def test_spot_the_bug_feedback_counts_without_giving_the_answer_away():
    verdict = ASSIGNMENTS["a3"].q4.evaluate(lambda: {14, 15})
    assert "1 of 4 bugs found; line(s) [15] are fine" in verdict.message
    assert "32" not in verdict.message


# ------------------------------------------------------------------------------------------------
# Running notebooks (the slow part: one kernel per notebook run)
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def handouts_run(student_dir):
    """Each student version executed as handed out, three kernels at a time."""
    def run(path):
        return assignments.execute_notebook(read(student_dir / path.name), student_dir, timeout=120)

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(SOLUTIONS, pool.map(run, SOLUTIONS), strict=True))


@pytest.fixture(scope="module")
def grading(student_dir, tmp_path_factory):
    """One `grade` command over six submissions: each untouched stub, and each solution handed in as is."""
    folder = tmp_path_factory.mktemp("completed")
    completed = []
    for path in SOLUTIONS:  # a student who handed in the teacher's own solution
        (folder / path.name).write_text(path.read_text())
        completed.append(folder / path.name)
    stubs = [student_dir / path.name for path in SOLUTIONS]
    csv_file = folder / "grades.csv"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = assignments.main(["grade", str(SOLUTION_DIR), *map(str, completed + stubs), "--csv", str(csv_file),
                                   "--jobs", "3"])
    rows = csv_file.read_text().splitlines()
    return status, out.getvalue(), rows, completed, stubs


@pytest.mark.parametrize("path", SOLUTIONS, **BY_ID)
def test_student_version_runs_and_every_check_says_not_done_yet(path, handouts_run):
    checks = 0
    for cell in handouts_run[path].cells:
        if cell.cell_type != "code":
            continue
        errors = [output for output in cell.outputs if output.output_type == "error"]
        assert bool(errors) == ("raises-exception" in cell.metadata.get("tags", [])), cell.source
        if assignments.is_autograded_test(cell):
            text = "".join(output.get("text", "") for output in cell.outputs)
            assert text.startswith("Not done yet:") and text.count("\n") == 1, text
            checks += 1
    assert checks == len(ASSIGNMENTS[KEY_OF[path]].questions)


def test_grading_gives_the_solution_full_marks_and_the_stub_none(grading):
    status, table, rows, completed, stubs = grading
    assert status == 0
    assert rows[0] == "notebook,grade_id,earned,possible,status"
    for solution, solved, stub in zip(SOLUTIONS, completed, stubs, strict=True):
        graded = [cell.metadata.nbgrader for cell in nbgrader_cells(read(solution)) if cell.metadata.nbgrader["grade"]]
        solved_rows = [row.split(",") for row in rows if row.startswith(f"{solved},")]
        stub_rows = [row.split(",") for row in rows if row.startswith(f"{stub},")]
        assert [row[1] for row in solved_rows] == [row[1] for row in stub_rows] == [meta["grade_id"] for meta in graded]
        for row, meta in zip(solved_rows, graded, strict=True):
            if meta["solution"]:  # a written answer: a person grades it
                assert row[2:] == ["", str(float(meta["points"])), "to grade by hand"]
            else:
                assert row[2:] == [str(float(meta["points"]))] * 2 + ["passed"]
        assert all(float(row[2]) == 0.0 for row in stub_rows)
        assert {row[4] for row in stub_rows} == {"failed: not done yet", "unanswered"}

    tables = table.split("\n\n")
    assert len(tables) == 6
    assert all("(100%)" in text and "failed" not in text for text in tables[:3])
    assert all("(0%)" in text for text in tables[3:])
    assert re.search(r"^a1_q3_check\s+3 / 3\s+passed$", tables[0], re.M)
    assert re.search(r"^to grade by hand\s+1\s+point\(s\) in a1_q2_explain$", tables[0], re.M)
