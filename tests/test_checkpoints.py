import os
import zipfile

import numpy as np
import pytest
import torch
from torch import nn

from course_utils import History, LSTMClassifier, Vocabulary, load_checkpoint, save_checkpoint


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


# --- reliability cases (review-reliability.md, ids K..): each pins one behaviour ---

@pytest.mark.parametrize("name, value, expected", [
    ("val_loss", np.float64(0.41), 0.41),  # K11
    ("epoch", np.int64(3), 3),  # K12
    ("scores", {"a": [np.float32(0.5), 2]}, {"a": [0.5, 2]}),
])
def test_numpy_numbers_are_saved_as_python_numbers_and_load_back(tmp_path, name, value, expected):
    path = save_checkpoint(tmp_path / "np.pt", nn.Linear(1, 1), **{name: value})
    loaded = load_checkpoint(path, nn.Linear(1, 1))[name]
    assert loaded == expected and type(loaded) is type(expected)


def test_objects_that_cannot_be_loaded_back_are_refused_on_save(tmp_path):  # K13, K14
    vocab = Vocabulary()
    vocab.build([["happy", "now"]])
    with pytest.raises(TypeError, match="'vocab' is a Vocabulary.*index_to_token"):
        save_checkpoint(tmp_path / "v.pt", nn.Linear(1, 1), vocab=vocab)
    with pytest.raises(TypeError, match="'history' is a History"):
        save_checkpoint(tmp_path / "h.pt", nn.Linear(1, 1), history=History())
    assert list(tmp_path.iterdir()) == []  # nothing was written


def test_an_extra_may_not_reuse_a_reserved_name(tmp_path):  # K16
    with pytest.raises(ValueError, match="'model_state' is written by save_checkpoint itself"):
        save_checkpoint(tmp_path / "r.pt", nn.Linear(1, 1), model_state={})


@pytest.mark.parametrize("function", [save_checkpoint, load_checkpoint])
def test_a_missing_model_is_named(tmp_path, function):  # K26, K27
    with pytest.raises(TypeError, match="model must be an nn.Module.*NoneType"):
        function(tmp_path / "x.pt", None)


def test_temporary_files_of_a_killed_save_are_cleaned_up(tmp_path):  # K03
    path = tmp_path / "model.pt"
    (tmp_path / "model.ptab12cd34.tmp").write_bytes(b"half a checkpoint")  # what SIGKILL leaves
    (tmp_path / "notes.tmp").write_text("not ours")
    save_checkpoint(path, nn.Linear(1, 1))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt", "notes.tmp"]


@pytest.mark.parametrize("content", [b"", b"\x00garbage" * 250])  # K05 (empty file), K06 (random bytes)
def test_a_file_that_is_not_a_checkpoint_is_named_as_such(tmp_path, content):
    path = tmp_path / "broken.pt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="is not a complete checkpoint"):
        load_checkpoint(path, nn.Linear(1, 1))


def test_a_checkpoint_cut_short_is_named_as_such(tmp_path):  # K04
    path = save_checkpoint(tmp_path / "cut.pt", nn.Linear(50, 50))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match="is not a complete checkpoint"):
        load_checkpoint(path, nn.Linear(50, 50))


def test_corrupted_weights_are_detected_by_the_checksum(tmp_path):  # K07
    path = save_checkpoint(tmp_path / "flip.pt", nn.Embedding(100, 16))
    with zipfile.ZipFile(path) as archive:
        record = next(info for info in archive.infolist() if info.filename.endswith("/data/0"))
    data = bytearray(path.read_bytes())
    start = record.header_offset + 30 + len(record.filename) + len(record.extra) + 64
    data[start:start + 32] = bytes(b ^ 0xFF for b in data[start:start + 32])
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="is damaged"):
        load_checkpoint(path, nn.Embedding(100, 16))


def test_a_failed_optimizer_load_leaves_the_model_untouched(tmp_path):  # K19
    path = save_checkpoint(tmp_path / "model_only.pt", nn.Linear(2, 2))
    model = nn.Linear(2, 2)
    before = model.weight.detach().clone()
    with pytest.raises(ValueError, match="no optimizer state"):
        load_checkpoint(path, model, torch.optim.SGD(model.parameters(), lr=0.1))
    assert torch.equal(model.weight, before)


def test_saving_through_a_symlink_updates_the_file_it_points_to(tmp_path):  # K30
    (tmp_path / "run").mkdir()
    real = save_checkpoint(tmp_path / "run" / "real.pt", nn.Linear(1, 1), epoch=1)
    link = tmp_path / "latest.pt"
    link.symlink_to(real)
    save_checkpoint(link, nn.Linear(1, 1), epoch=2)
    assert link.is_symlink() and load_checkpoint(real, nn.Linear(1, 1))["epoch"] == 2


def test_saving_onto_something_that_is_not_a_file_is_refused(tmp_path):  # K23, K29
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in (fifo, tmp_path):
        with pytest.raises(ValueError, match="is not a regular file"):
            save_checkpoint(target, nn.Linear(1, 1))
    assert fifo.is_fifo()


def test_a_checkpoint_gets_ordinary_file_permissions(tmp_path):  # K28
    old_umask = os.umask(0o022)
    try:
        fresh = save_checkpoint(tmp_path / "fresh.pt", nn.Linear(1, 1))
        assert fresh.stat().st_mode & 0o777 == 0o644  # what open() gives under umask 022, not mkstemp's 0600
        shared = tmp_path / "shared.pt"
        save_checkpoint(shared, nn.Linear(1, 1))
        shared.chmod(0o664)
        save_checkpoint(shared, nn.Linear(1, 1), epoch=2)
        assert shared.stat().st_mode & 0o777 == 0o664  # overwriting keeps the old file's mode
    finally:
        os.umask(old_umask)
