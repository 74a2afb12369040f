import pytest
import torch
from torch import nn

from course_utils import LSTMClassifier, load_checkpoint, save_checkpoint


def test_round_trip_restores_model_optimizer_epoch_and_extras(tmp_path):
    model = nn.Linear(3, 2)
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.randn(4, 3)).sum().backward()
    optimizer.step()
    path = save_checkpoint(tmp_path / "ckpt" / "best.pt", model, optimizer, epoch=7, val_loss=0.25)

    fresh = nn.Linear(3, 2)
    fresh_optimizer = torch.optim.Adam(fresh.parameters())
    checkpoint = load_checkpoint(path, fresh, fresh_optimizer)
    assert checkpoint["epoch"] == 7 and checkpoint["val_loss"] == 0.25
    assert torch.equal(fresh.weight, model.weight)
    assert fresh_optimizer.state_dict()["state"][0]["step"] == optimizer.state_dict()["state"][0]["step"]


def test_mismatched_architecture_names_the_parameters(tmp_path):
    path = save_checkpoint(tmp_path / "small.pt", LSTMClassifier(10, 8, 6))
    with pytest.raises(ValueError) as info:
        load_checkpoint(path, LSTMClassifier(10, 8, 12))
    message = str(info.value)
    assert "lstm.weight_hh_l0" in message and "(24, 6)" in message and "(48, 12)" in message
    with pytest.raises(ValueError, match="missing from the checkpoint: lstm.weight_ih_l0_reverse"):
        load_checkpoint(path, LSTMClassifier(10, 8, 6, bidirectional=True))


def test_an_interrupted_save_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    model = nn.Linear(2, 2)
    path = save_checkpoint(tmp_path / "last.pt", model, epoch=1)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, model, epoch=2)
    monkeypatch.undo()
    assert load_checkpoint(path, nn.Linear(2, 2))["epoch"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]  # no temporary file left behind


def test_missing_file_and_missing_optimizer_state(tmp_path):
    with pytest.raises(FileNotFoundError, match="No checkpoint at"):
        load_checkpoint(tmp_path / "nope.pt", nn.Linear(1, 1))
    path = save_checkpoint(tmp_path / "model_only.pt", nn.Linear(1, 1))
    with pytest.raises(ValueError, match="no optimizer state"):
        load_checkpoint(path, nn.Linear(1, 1), torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1))


def test_load_refuses_arbitrary_pickled_objects(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"model_state": {}, "payload": object()}, path)
    with pytest.raises(Exception, match="Weights only load failed"):
        load_checkpoint(path, nn.Linear(1, 1))
