import pytest
import torch
from torch import nn

from course_utils import ScratchLSTM, ScratchLSTMCell


def test_parameters_are_named_and_shaped_like_torch():
    scratch, reference = ScratchLSTM(5, 7), nn.LSTM(5, 7)
    shapes = {name: tuple(p.shape) for name, p in scratch.named_parameters()}
    assert shapes == {name.removesuffix("_l0"): tuple(p.shape) for name, p in reference.named_parameters()}


def test_scratch_lstm_matches_nn_lstm_with_copied_weights():
    reference = nn.LSTM(5, 7, batch_first=True)
    scratch = ScratchLSTM(5, 7)
    scratch.copy_weights_from(reference)
    x = torch.randn(3, 11, 5)
    h0, c0 = torch.randn(1, 3, 7), torch.randn(1, 3, 7)
    out, (h_n, c_n) = scratch(x, (h0, c0))
    ref_out, (ref_h, ref_c) = reference(x, (h0, c0))
    assert out.shape == (3, 11, 7) and h_n.shape == (1, 3, 7) and c_n.shape == (1, 3, 7)
    torch.testing.assert_close(out, ref_out, atol=1e-5, rtol=0)
    torch.testing.assert_close(h_n, ref_h, atol=1e-5, rtol=0)
    torch.testing.assert_close(c_n, ref_c, atol=1e-5, rtol=0)


def test_scratch_lstm_gradients_match_nn_lstm():
    reference = nn.LSTM(4, 6, batch_first=True)
    scratch = ScratchLSTM(4, 6)
    scratch.copy_weights_from(reference)
    x = torch.randn(2, 9, 4)
    scratch(x)[0].sum().backward()
    reference(x)[0].sum().backward()
    torch.testing.assert_close(scratch.weight_hh.grad, reference.weight_hh_l0.grad, atol=1e-5, rtol=0)


def test_scratch_cell_matches_nn_lstm_cell():
    reference, scratch = nn.LSTMCell(5, 7), ScratchLSTMCell(5, 7)
    scratch.copy_weights_from(reference)
    x, h, c = torch.randn(4, 5), torch.randn(4, 7), torch.randn(4, 7)
    for mine, theirs in zip(scratch(x, (h, c)), reference(x, (h, c)), strict=True):
        torch.testing.assert_close(mine, theirs, atol=1e-5, rtol=0)


def test_zero_state_by_default():
    scratch = ScratchLSTM(3, 4)
    x = torch.randn(2, 5, 3)
    zeros = torch.zeros(1, 2, 4)
    torch.testing.assert_close(scratch(x)[0], scratch(x, (zeros, zeros))[0])


def test_bad_shapes_and_sizes_are_explained():
    with pytest.raises(ValueError, match=r"\[batch, seq_len, input_size\]"):
        ScratchLSTM(3, 4)(torch.randn(5, 3))
    with pytest.raises(ValueError, match="must be >= 1"):
        ScratchLSTMCell(0, 4)
    with pytest.raises(ValueError, match="single-layer"):
        ScratchLSTM(3, 4).copy_weights_from(nn.LSTM(3, 4, num_layers=2))
