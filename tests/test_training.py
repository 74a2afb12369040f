import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from course_utils import EarlyStopping, History, SequenceDataset, collate_batch, evaluate, fit
from course_utils.training import progress_enabled


def test_early_stopping_on_a_scripted_loss_sequence():
    stopper = EarlyStopping(patience=2)
    decisions = [stopper.step(v) for v in [1.0, 0.8, 0.9, 0.7, 0.75, 0.72]]
    assert decisions == [False, False, False, False, False, True]
    assert stopper.best == 0.7 and stopper.best_epoch == 4 and stopper.counter == 2 and stopper.should_stop


def test_early_stopping_first_call_always_improves():
    stopper = EarlyStopping(patience=1)
    assert stopper.step(float("inf")) is False
    assert stopper.best_epoch == 1 and stopper.counter == 0


def test_min_delta_ignores_tiny_improvements():
    stopper = EarlyStopping(patience=2, min_delta=0.1)
    assert [stopper.step(v) for v in [1.0, 0.95, 0.91]] == [False, False, True]
    assert stopper.best == 1.0


def test_mode_max_for_accuracies():
    stopper = EarlyStopping(patience=1, mode="max")
    assert [stopper.step(v) for v in [0.5, 0.6, 0.55]] == [False, False, True]
    assert stopper.best == 0.6 and stopper.best_epoch == 2


def test_best_weights_are_copied_and_restored():
    model = nn.Linear(2, 1)
    stopper = EarlyStopping(patience=3)
    stopper.step(1.0, model)
    best = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        model.weight.add_(5.0)  # training goes on; the saved copy must not change
    stopper.step(2.0, model)
    assert torch.equal(stopper.best_state["weight"], best["weight"])
    stopper.restore(model)
    assert torch.equal(model.weight, best["weight"])


def test_restore_without_saved_weights_is_explained():
    with pytest.raises(ValueError, match="no weights were saved"):
        EarlyStopping().restore(nn.Linear(1, 1))


@pytest.mark.parametrize("kwargs, message", [
    ({"patience": 0}, "patience must be an int >= 1"),
    ({"min_delta": -1}, "min_delta must be a number >= 0"),
    ({"mode": "lowest"}, "mode must be 'min' or 'max'"),
])
def test_early_stopping_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EarlyStopping(**kwargs)


class FirstTokenClassifier(nn.Module):
    """A tiny model for fit(): the class is a function of the first token."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(5, 3)

    def forward(self, x, lengths=None):
        return self.embedding(x[:, 0])


def loaders():
    sequences = [[token % 3 + 1, 4, 4][: 1 + i % 3] for i, token in enumerate(range(60))]
    labels = [s[0] - 1 for s in sequences]
    dataset = SequenceDataset(sequences, labels)
    train = DataLoader(dataset, batch_size=8, shuffle=True, collate_fn=collate_batch)
    val = DataLoader(dataset, batch_size=16, collate_fn=collate_batch)
    return train, val


def test_fit_records_history_and_learns():
    torch.manual_seed(0)
    model = FirstTokenClassifier()
    train, val = loaders()
    history = fit(model, train, val, nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=0.1), epochs=8)
    assert isinstance(history, History)
    assert len(history.train_loss) == len(history.val_loss) == len(history.val_accuracy) == 8
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.val_accuracy[-1] == 1.0
    assert history.stopped_epoch == 8 and history.best_epoch == history.val_loss.index(min(history.val_loss)) + 1


def test_fit_stops_early_and_restores_the_best_weights():
    torch.manual_seed(0)
    model = FirstTokenClassifier()
    train, val = loaders()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    # min_delta is so large that no epoch after the first counts as an improvement
    stopper = EarlyStopping(patience=2, min_delta=10.0)
    history = fit(model, train, val, nn.CrossEntropyLoss(), optimizer, epochs=30, early_stopping=stopper)
    assert history.stopped_epoch == 3 and history.best_epoch == 1
    assert history.val_loss[2] < history.val_loss[0]  # the last weights differ from the restored ones
    restored = evaluate(model, val, nn.CrossEntropyLoss())["loss"]
    assert restored == pytest.approx(history.val_loss[0], rel=1e-5)


def test_fit_clips_gradients():
    model = FirstTokenClassifier()
    train, val = loaders()
    norms = []
    original_step = torch.optim.SGD.step

    class RecordingSGD(torch.optim.SGD):
        def step(self, closure=None):
            norms.append(torch.cat([p.grad.flatten() for p in model.parameters()]).norm().item())
            return original_step(self, closure)

    fit(model, train, val, nn.CrossEntropyLoss(), RecordingSGD(model.parameters(), lr=0.1), epochs=1,
        clip_grad_norm=0.01)
    assert max(norms) <= 0.01 + 1e-6


def test_evaluate_reports_loss_accuracy_and_predictions():
    model = FirstTokenClassifier()
    _, val = loaders()
    result = evaluate(model, val, nn.CrossEntropyLoss())
    assert set(result) == {"loss", "accuracy", "y_true", "y_pred"}
    assert len(result["y_true"]) == len(result["y_pred"]) == 60
    assert result["accuracy"] == sum(t == p for t, p in zip(result["y_true"], result["y_pred"], strict=True)) / 60
    assert evaluate(model, val)["loss"] is None


def test_evaluate_thresholds_single_logits_at_zero():
    class Fixed(nn.Module):
        def __init__(self):
            super().__init__()
            self.dummy = nn.Parameter(torch.zeros(1))

        def forward(self, x, lengths=None):
            return torch.tensor([2.0, -1.0, 0.5, -3.0])[: len(x)]

    dataset = SequenceDataset([[1]] * 4, [1.0, 0.0, 0.0, 0.0])
    loader = DataLoader(dataset, batch_size=4, collate_fn=lambda b: collate_batch(b, label_dtype=torch.float))
    result = evaluate(Fixed(), loader, nn.BCEWithLogitsLoss())
    assert result["y_pred"] == [1, 0, 1, 0] and result["y_true"] == [1, 0, 0, 0] and result["accuracy"] == 0.75


def test_progress_can_be_switched_off_by_environment(monkeypatch):
    monkeypatch.setenv("COURSE_UTILS_PROGRESS", "0")
    assert not progress_enabled(True)
    monkeypatch.setenv("COURSE_UTILS_PROGRESS", "1")
    assert progress_enabled(True) and not progress_enabled(False)


def test_fit_rejects_bad_epochs():
    model = FirstTokenClassifier()
    train, val = loaders()
    with pytest.raises(ValueError, match="epochs must be an int >= 1"):
        fit(model, train, val, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), epochs=0)


# --- reliability cases (review-reliability.md, ids E.., F.., HY12): each pins one behaviour ---

@pytest.mark.parametrize("min_delta", [float("nan"), None, "0.1"])
def test_min_delta_must_be_a_number(min_delta):  # E05, E06
    with pytest.raises(ValueError, match="min_delta must be a number >= 0"):
        EarlyStopping(min_delta=min_delta)


def test_a_nan_first_value_is_not_kept_as_best():  # E11, HY12
    stopper = EarlyStopping(patience=2)
    decisions = [stopper.step(v) for v in [float("nan"), 0.5, 0.2, 0.1]]
    assert decisions == [False, False, False, False]
    assert stopper.best == 0.1 and stopper.best_epoch == 4


def test_nan_values_count_as_epochs_without_improvement():  # E12 stays as it was
    stopper = EarlyStopping(patience=2)
    assert [stopper.step(v) for v in [0.5, float("nan"), float("nan")]] == [False, False, True]
    assert stopper.best == 0.5 and stopper.best_epoch == 1


def test_a_nan_stopper_restores_a_real_epoch_not_the_nan_one():  # E11: restore() loads the best real epoch
    model = nn.Linear(1, 1)
    stopper = EarlyStopping(patience=3)
    with torch.no_grad():
        model.weight.fill_(float("nan"))
    stopper.step(float("nan"), model)
    with torch.no_grad():
        model.weight.fill_(1.0)
    stopper.step(0.3, model)
    stopper.restore(model)
    assert model.weight.item() == 1.0


class NanLossOnFirstEpoch(nn.Module):
    """Wraps a loss: NaN for every batch of epoch 1's validation, real afterwards (counts evaluate calls)."""

    def __init__(self, batches_per_validation: int):
        super().__init__()
        self.loss, self.calls, self.batches = nn.CrossEntropyLoss(), 0, batches_per_validation

    def forward(self, logits, y):
        loss = self.loss(logits, y)
        if not torch.is_grad_enabled():  # inside evaluate
            self.calls += 1
            if self.calls <= self.batches:
                return loss * float("nan")
        return loss


def test_best_epoch_is_never_a_nan_epoch():  # F09
    torch.manual_seed(0)
    model = FirstTokenClassifier()
    train, val = loaders()
    loss_fn = NanLossOnFirstEpoch(batches_per_validation=len(val))
    history = fit(model, train, val, loss_fn, torch.optim.Adam(model.parameters(), lr=0.1), epochs=3)
    assert history.val_loss[0] != history.val_loss[0]  # NaN
    assert history.best_epoch == 1 + history.val_loss[1:].index(min(history.val_loss[1:])) + 1


def test_best_epoch_is_none_when_every_validation_loss_is_nan():
    model = FirstTokenClassifier()
    train, val = loaders()
    loss_fn = NanLossOnFirstEpoch(batches_per_validation=10**6)
    history = fit(model, train, val, loss_fn, torch.optim.SGD(model.parameters(), lr=0.1), epochs=2)
    assert history.best_epoch is None


@pytest.mark.parametrize("clip", [-1.0, 0.0, float("nan")])
def test_clip_grad_norm_must_be_positive(clip):  # F10, F11
    model = FirstTokenClassifier()
    before = model.embedding.weight.detach().clone()
    train, val = loaders()
    with pytest.raises(ValueError, match="clip_grad_norm must be a number > 0"):
        fit(model, train, val, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), epochs=1,
            clip_grad_norm=clip)
    assert torch.equal(model.embedding.weight, before)  # not a single step was taken


def test_fit_refuses_a_stopper_that_maximises():  # F17: fit feeds it the loss
    model = FirstTokenClassifier()
    train, val = loaders()
    with pytest.raises(ValueError, match="validation loss .* use mode='min'"):
        fit(model, train, val, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), epochs=1,
            early_stopping=EarlyStopping(mode="max"))


def test_fit_with_an_empty_training_loader_says_so():  # F03
    model = FirstTokenClassifier()
    _, val = loaders()
    empty = DataLoader(SequenceDataset([], []), batch_size=4, collate_fn=collate_batch)
    with pytest.raises(ValueError, match="the training loader gave no batches"):
        fit(model, empty, val, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), epochs=1)


def test_batches_without_lengths_are_explained():  # F05
    model = FirstTokenClassifier()
    pairs = [(torch.tensor([1, 4]), 0), (torch.tensor([2, 4]), 1)]
    loader = DataLoader(pairs, batch_size=2)  # default collate: (x, y) pairs
    with pytest.raises(ValueError, match=r"\(token_ids, lengths, labels\).*got 2 items.*collate_fn=collate_batch"):
        fit(model, loader, loader, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), epochs=1)
    with pytest.raises(ValueError, match="got 2 items"):
        evaluate(model, loader)


def test_fit_refuses_the_meta_device_before_moving_the_model():  # F12
    model = FirstTokenClassifier()
    train, val = loaders()
    with pytest.raises(ValueError, match="'meta' device"):
        fit(model, train, val, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), epochs=1,
            device="meta")
    assert model.embedding.weight.device.type == "cpu"


def test_soft_float_labels_count_as_their_nearest_class():  # F15
    class Fixed(nn.Module):
        def __init__(self):
            super().__init__()
            self.dummy = nn.Parameter(torch.zeros(1))

        def forward(self, x, lengths=None):
            return torch.tensor([2.0, -1.0, 0.5])[: len(x)]

    dataset = SequenceDataset([[1]] * 3, [0.7, 0.2, 0.9])
    loader = DataLoader(dataset, batch_size=3, collate_fn=lambda b: collate_batch(b, label_dtype=torch.float))
    result = evaluate(Fixed(), loader, nn.BCEWithLogitsLoss())
    assert result["y_true"] == [1, 0, 1] and result["accuracy"] == 1.0
