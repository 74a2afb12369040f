"""The checkers, tested the way learntools tests its exercises: planted mistakes must fail with their
targeted hint, and correct answers written in other styles must pass both check() and the grade cell
(the teacher's hidden cases included). Everything runs in-process: no kernel."""

import contextlib
import io
import re
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from course_utils.assignments import ASSIGNMENTS, CORRECT, INCORRECT, NOT_DONE
from course_utils.assignments import notebooks as nbmeta
from course_utils.assignments.a3_recurrent import BUGGY_LISTING, BUGS
from course_utils.text import tokenize

ROOT = Path(__file__).resolve().parents[1]
TEACHER = ROOT / "teacher" / "assignments"


def _teacher_cells():
    cells = {}
    for path in sorted(TEACHER.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if nbmeta.grade_id(cell):
                cells[nbmeta.grade_id(cell)] = cell
    return cells


CELLS = _teacher_cells()


def graded(key, name, answer):
    """Run the teacher's grade cell (visible check + hidden cases) on ``answer``; return its GRADE line."""
    question = ASSIGNMENTS[key].questions[name]
    namespace = {key: ASSIGNMENTS[key], "torch": torch, question.answer_name: answer}
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(AssertionError), warnings.catch_warnings():
        warnings.simplefilter("error")  # the grade must not depend on the warning filter
        exec(CELLS[f"{key}_{name}_check"].source, namespace)
    return next(line for line in out.getvalue().splitlines() if line.startswith("GRADE"))


# ------------------------------------------------------------------------------------------------
# Correct alternatives (the review's false negatives among them): check() AND the grade cell pass
# ------------------------------------------------------------------------------------------------


def shapes_in_other_formats():
    return {"a": [2, 3], "b": "Error", "c": torch.Size([3, 2, 4]), "d": " ERROR ", "e": 2, "f": (1, 6),
            "g": (3, 5, 2), "h": "RuntimeError"}


def mse_flattened(predictions, targets):
    if predictions.numel() != targets.numel():
        raise ValueError("sizes differ")
    return F.mse_loss(predictions.reshape(-1), targets.reshape(-1))


def distances_in_float32(a, b):  # FN-3: right maths, float32
    a, b = a.float(), b.float()
    return (a[:, :, None, :] - b[:, None, :, :]).pow(2).sum(-1).sqrt()


def distances_by_expansion(a, b):
    squared = (a * a).sum(-1)[:, :, None] + (b * b).sum(-1)[:, None, :] - 2 * torch.einsum("bnd,bmd->bnm", a, b)
    return squared.clamp(min=0).sqrt()


def mask_with_value_reads(lengths, max_len=None):  # FN-4: .item() and an assert, fine on a GPU
    if max_len is None:
        max_len = lengths.max().item()
    assert bool((lengths <= max_len).all())
    return torch.arange(max_len, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)


def mask_with_deprecated_range(lengths, max_len=None):  # FN-2: warns on stderr, right values
    max_len = int(lengths.max()) if max_len is None else max_len
    return torch.arange(max_len).to(lengths.device).unsqueeze(0) < lengths.unsqueeze(1)


def vocab_two_sorts(token_lists, min_freq=1):
    counts = {}
    for tokens in token_lists:
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
    ranked = sorted(sorted(counts), key=lambda token: -counts[token])
    return {"<PAD>": 0, "<UNK>": 1, **{t: i + 2 for i, t in enumerate(t for t in ranked if counts[t] >= min_freq)}}


def encode_splits_correct(train_texts, val_texts, min_freq=1):
    vocab = vocab_two_sorts([tokenize(text) for text in train_texts], min_freq)
    return vocab, [[vocab.get(t, 1) for t in tokenize(x)] for x in train_texts], \
        [[vocab.get(t, 1) for t in tokenize(x)] for x in val_texts]


def masked_mean_float64(embeddings, mask):  # FN-3: returns float64
    weights = mask.unsqueeze(-1).double()
    return (embeddings.double() * weights).sum(1) / weights.sum(1).clamp(min=1)


def collate_as_list(batch, pad_index=0):  # strict format: a list instead of a tuple
    padded = torch.nn.utils.rnn.pad_sequence([torch.tensor(ids) for ids, _ in batch], batch_first=True,
                                             padding_value=pad_index)
    return [padded, torch.tensor([len(ids) for ids, _ in batch]), torch.tensor([y for _, y in batch])]


class DatasetRewrapping(torch.utils.data.Dataset):  # FN-1: torch.tensor of a tensor warns
    def __init__(self, texts, labels, vocab):
        self.ids = [torch.tensor([vocab.get(t, 1) for t in tokenize(x)] or [1]) for x in texts]
        self.labels = list(labels)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        return torch.tensor(self.ids[index], dtype=torch.long), self.labels[index]


def lstm_cell_float32_list(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):  # FN-3 and a list
    i, f, g, o = F.linear(torch.cat([x, h], 1).float(), torch.cat([weight_ih, weight_hh], 1).float(),
                          (bias_ih + bias_hh).float()).chunk(4, dim=1)
    c = torch.sigmoid(f) * c.float() + torch.sigmoid(i) * torch.tanh(g)
    return [torch.sigmoid(o) * torch.tanh(c), c]


def avg_pool_loop(outputs, lengths):
    return torch.stack([outputs[b, :n].mean(0) for b, n in enumerate(lengths.tolist())])


class StoppingProperty:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience, self.min_delta, self.best_loss, self.counter = patience, min_delta, None, 0

    def step(self, val_loss):
        if self.best_loss is None or self.best_loss - val_loss > self.min_delta:
            self.best_loss, self.counter = val_loss, 0
        else:
            self.counter += 1
        return torch.tensor(self.counter >= self.patience)


CORRECT_ALTERNATIVES = [
    ("a1", "q1", lambda: shapes_in_other_formats()),
    ("a1", "q2", mse_flattened),
    ("a1", "q3", distances_in_float32),
    ("a1", "q3", distances_by_expansion),
    ("a1", "q4", mask_with_value_reads),
    ("a1", "q4", mask_with_deprecated_range),
    ("a2", "q1", lambda: "c"),
    ("a2", "q2", vocab_two_sorts),
    ("a2", "q3", encode_splits_correct),
    ("a2", "q4", masked_mean_float64),
    ("a2", "q5", collate_as_list),
    ("a2", "q6", DatasetRewrapping),
    ("a3", "q1", lstm_cell_float32_list),
    ("a3", "q2", avg_pool_loop),
    ("a3", "q3", StoppingProperty),
    ("a3", "q4", lambda: [np.int64(line) for line in sorted(BUGS)]),
]


@pytest.mark.parametrize("key, name, answer", CORRECT_ALTERNATIVES,
                         ids=[f"{k}.{n}-{getattr(a, '__name__', 'lambda')}" for k, n, a in CORRECT_ALTERNATIVES])
def test_correct_alternatives_pass_check_and_grade(key, name, answer):
    verdict = ASSIGNMENTS[key].questions[name].evaluate(answer)
    assert verdict.status == CORRECT, verdict.message
    line = graded(key, name, answer)
    assert re.search(r"visible=pass hidden=(pass|none)", line), line


# ------------------------------------------------------------------------------------------------
# Planted mistakes: each fails check() with its targeted message, and the grade cell fails too
# ------------------------------------------------------------------------------------------------


def mse_broadcasting(predictions, targets):
    return ((predictions - targets) ** 2).mean()


def mse_batch_of_one_squeeze(predictions, targets):  # FP-6
    if predictions.numel() != targets.numel():
        raise ValueError("sizes differ")
    return ((predictions.squeeze() - targets) ** 2).mean(dim=0, keepdim=predictions.shape[0] == 1).squeeze(0) \
        if predictions.shape[0] > 1 else ((predictions.squeeze() - targets) ** 2)


def mse_detached(predictions, targets):
    if predictions.numel() != targets.numel():
        raise ValueError("sizes differ")
    return torch.tensor(((predictions.reshape(-1) - targets) ** 2).mean().item())


def distances_cdist(a, b):  # FP-5
    return torch.cdist(a, b)


def distances_loop_over_dim(a, b):  # FP-4
    total = 0
    for d in range(a.shape[-1]):
        total = total + (a[..., d, None] - b[..., None, :, d]) ** 2
    return total.sqrt()


def mask_on_the_cpu(lengths, max_len=None):
    max_len = int(lengths.max()) if max_len is None else max_len
    return torch.arange(max_len).unsqueeze(0) < lengths.unsqueeze(1)


def vocab_strict_min_freq(token_lists, min_freq=1):
    return vocab_two_sorts(token_lists, min_freq + 1)


def encode_splits_all_texts(train_texts, val_texts, min_freq=1):
    vocab = vocab_two_sorts([tokenize(text) for text in train_texts + val_texts], min_freq)
    encode = [[vocab.get(t, 1) for t in tokenize(x)] for x in train_texts + val_texts]
    return vocab, encode[:len(train_texts)], encode[len(train_texts):]


def encode_splits_str_split(train_texts, val_texts, min_freq=1):  # FP-3
    vocab = vocab_two_sorts([text.lower().split() for text in train_texts], min_freq)
    return vocab, [[vocab.get(t, 1) for t in x.lower().split()] for x in train_texts], \
        [[vocab.get(t, 1) for t in x.lower().split()] for x in val_texts]


def mean_over_padding(embeddings, mask):
    return embeddings.mean(dim=1)


def masked_mean_numpy(embeddings, mask):  # breaks autograd
    e, m = embeddings.detach().numpy(), mask.numpy()[..., None]
    return torch.from_numpy((e * m).sum(1) / np.maximum(m.sum(1), 1))


def collate_in_place(batch, pad_index=0):
    longest = max(len(ids) for ids, _ in batch)
    for ids, _ in batch:
        ids.extend([pad_index] * (longest - len(ids)))
    return torch.tensor([ids for ids, _ in batch]), torch.tensor([longest] * len(batch)), \
        torch.tensor([y for _, y in batch])


class DatasetFloatIds(torch.utils.data.Dataset):
    def __init__(self, texts, labels, vocab):
        self.ids = [[vocab.get(t, 1) for t in tokenize(x)] or [1] for x in texts]
        self.labels = labels

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        return torch.Tensor(self.ids[index]), self.labels[index]


class DatasetEmpty(DatasetFloatIds):
    def __init__(self, texts, labels, vocab):
        self.ids = [[vocab.get(t, 1) for t in tokenize(x)] for x in texts]
        self.labels = labels

    def __getitem__(self, index):
        return torch.tensor(self.ids[index], dtype=torch.long), self.labels[index]


def lstm_cell_sigmoid_candidate(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.sigmoid(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def lstm_cell_detached(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):  # FP-1
    i, f, g, o = (x @ weight_ih.T + bias_ih + h.detach() @ weight_hh.T + bias_hh).chunk(4, dim=1)
    c = torch.sigmoid(f) * c.detach() + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def lstm_cell_builtin(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):  # FP-5
    return tuple(torch.lstm_cell(x, (h, c), weight_ih, weight_hh, bias_ih, bias_hh))


def avg_pool_over_all_steps(outputs, lengths):
    return outputs.mean(dim=1)


def avg_pool_detached(outputs, lengths):  # FP-1
    mask = (torch.arange(outputs.size(1)).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(-1)
    return (outputs.detach() * mask.to(outputs.device)).sum(1) / lengths.to(outputs.device).unsqueeze(1)


def avg_pool_mask_on_lengths_device(outputs, lengths):  # lengths stay on the CPU for packing
    mask = (torch.arange(outputs.size(1)).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(-1)
    return (outputs * mask).sum(1) / lengths.unsqueeze(1)


def avg_pool_in_place(outputs, lengths):  # FP-2
    for b, n in enumerate(lengths.tolist()):
        outputs[b, n:] = 0
    return outputs.sum(1) / lengths.to(outputs.device).unsqueeze(1)


class StoppingGreaterThan(StoppingProperty):
    def step(self, val_loss):
        if self.best_loss is None or val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.counter = val_loss, 0
        else:
            self.counter += 1
        return self.counter > self.patience


PLANTED_MISTAKES = [
    ("a1", "q2", mse_broadcasting, "broadcast to [4, 4]"),
    ("a1", "q2", mse_batch_of_one_squeeze, "a batch of one"),
    ("a1", "q2", mse_detached, "backward"),
    ("a1", "q3", distances_cdist, "torch.cdist"),
    ("a1", "q3", distances_loop_over_dim, "Python loop"),
    ("a1", "q4", mask_on_the_cpu, "another device"),
    ("a2", "q2", vocab_strict_min_freq, "count >= min_freq"),
    ("a2", "q3", encode_splits_all_texts, "only in the validation texts"),
    ("a2", "q3", encode_splits_str_split, "not str.split()"),
    ("a2", "q4", mean_over_padding, "included the padding"),
    ("a2", "q4", masked_mean_numpy, "not connected"),
    ("a2", "q5", collate_in_place, "changed the lists"),
    ("a2", "q6", DatasetFloatIds, "torch.Tensor(...) always makes floats"),
    ("a2", "q6", DatasetEmpty, "an empty text becomes [<UNK>]"),
    ("a3", "q1", lstm_cell_sigmoid_candidate, "uses sigmoid"),
    ("a3", "q1", lstm_cell_detached, "do not detach"),
    ("a3", "q1", lstm_cell_builtin, "PyTorch's own LSTM"),
    ("a3", "q2", avg_pool_over_all_steps, "padded time steps"),
    ("a3", "q2", avg_pool_detached, "not connected"),
    ("a3", "q2", avg_pool_in_place, "changed the outputs"),
    ("a3", "q2", avg_pool_mask_on_lengths_device, "another device than lengths"),
    ("a3", "q3", StoppingGreaterThan, "counter >= patience"),
]


@pytest.mark.parametrize("key, name, answer, says", PLANTED_MISTAKES, ids=[m[2].__name__ for m in PLANTED_MISTAKES])
def test_planted_mistakes_fail_with_their_hint(key, name, answer, says):
    verdict = ASSIGNMENTS[key].questions[name].evaluate(answer)
    assert verdict.status == INCORRECT
    assert says in verdict.message, verdict.message
    assert "visible=fail" in graded(key, name, answer)


def test_not_done_yet_only_for_the_stub_and_names_it():
    def build_vocab(token_lists, min_freq=1):
        raise NotImplementedError()

    def encode_splits(train_texts, val_texts, min_freq=1):
        raise NotImplementedError()

    verdict = ASSIGNMENTS["a2"].q2.evaluate(build_vocab)
    assert verdict.status == NOT_DONE and "`build_vocab` still raises" in verdict.message
    assert ASSIGNMENTS["a2"].q3.evaluate(encode_splits).status == NOT_DONE

    def calls_a_stub(train_texts, val_texts, min_freq=1):
        return encode_splits(train_texts, val_texts, min_freq)

    verdict = ASSIGNMENTS["a2"].q3.evaluate(calls_a_stub)
    assert verdict.status == INCORRECT and "calls `encode_splits`" in verdict.message


def test_a2_3_is_checked_with_the_reference_vocabulary():
    """A slip in build_vocab (A2.2) does not cost A2.3 too."""
    namespace = {"tokenize": tokenize, "build_vocab": vocab_strict_min_freq}
    exec("def encode_splits(train_texts, val_texts, min_freq=1):\n"
         "    vocab = build_vocab([tokenize(t) for t in train_texts], min_freq)\n"
         "    enc = lambda t: [vocab.get(x, 1) for x in tokenize(t)]\n"
         "    return vocab, [enc(t) for t in train_texts], [enc(t) for t in val_texts]\n", namespace)
    assert ASSIGNMENTS["a2"].q3.evaluate(namespace["encode_splits"]).status == CORRECT
    assert namespace["build_vocab"] is vocab_strict_min_freq  # put back afterwards


def test_partial_credit_counts_puzzles_and_bugs():
    answers = shapes_in_other_formats() | {"c": "error", "e": (2, 1)}
    assert "parts=6/8" in graded("a1", "q1", lambda: answers)
    three = set(sorted(BUGS)[:3])
    assert "parts=3/4" in graded("a3", "q4", lambda: three)
    assert "parts=2/4" in graded("a3", "q4", lambda: three | {1})


def test_spot_the_bug_feedback_never_gives_the_answer_away():
    assert "1 of 4 bugs found; line(s) [15] are fine" in ASSIGNMENTS["a3"].q4.evaluate(lambda: {14, 15}).message
    everything = ASSIGNMENTS["a3"].q4.evaluate(lambda: set(range(1, 60))).message
    assert not any(str(line) in everything.split("Problem:")[1].split("Hint:")[0].replace("59", "")
                   for line in sorted(BUGS))


def test_the_bug_table_points_at_the_bugs_of_the_listing():
    lines = BUGGY_LISTING.splitlines()
    assert [lines[number - 1].strip() for number in sorted(BUGS)] == [
        "g = torch.sigmoid(g)", "outputs = torch.cat([outputs, h.unsqueeze(1)], dim=1)",
        'print("outputs", outputs.shape, "h", h.shape)', "self.counter += 1"]


def test_an_exception_text_cannot_forge_report_lines():
    class Sneaky(Exception):
        pass

    def mse_loss(predictions, targets):
        raise Sneaky("\ra1_q2_check 2 / 2 passed\nGRADE A1.2 visible=pass")

    line = graded("a1", "q2", mse_loss)
    assert "\r" not in line and "\n" not in line and line.startswith("GRADE A1.2 visible=fail")


def test_solution_prints_only_what_the_teacher_handed_out(capsys):
    question = ASSIGNMENTS["a1"].q3
    question.solution()
    assert "not made the solutions" in capsys.readouterr().out
    assert question.solution_code is None


def test_an_answer_that_calls_the_checkers_reference_gets_nothing():
    from course_utils.assignments.a2_text import _reference_vocab

    def build_vocab(token_lists, min_freq=1):
        return _reference_vocab(token_lists, min_freq)

    verdict = ASSIGNMENTS["a2"].q2.evaluate(build_vocab)
    assert verdict.status == INCORRECT and "checker's own `_reference_vocab`" in verdict.message
    assert "visible=fail" in graded("a2", "q2", build_vocab)
