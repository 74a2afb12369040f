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
    with pytest.raises(ValueError, match=r"\[batch, seq_len >= 1, input_size\]"):
        ScratchLSTM(3, 4)(torch.randn(5, 3))
    with pytest.raises(ValueError, match="must be >= 1"):
        ScratchLSTMCell(0, 4)
    with pytest.raises(ValueError, match="single-layer"):
        ScratchLSTM(3, 4).copy_weights_from(nn.LSTM(3, 4, num_layers=2))


# Bad input (reliability review, cases SC04-SC16 and SL02-SL04): a clear error, never a silent wrong result.

def test_sizes_must_be_ints():  # SC03, SC04
    with pytest.raises(TypeError, match="must be ints"):
        ScratchLSTMCell(None, 5)
    with pytest.raises(TypeError, match="must be ints"):
        ScratchLSTM(3.0, 5)


@pytest.mark.parametrize("shape", [(3,), (2, 2, 3), ()], ids=["unbatched", "3-D", "0-d"])
def test_cell_input_must_be_batch_by_features(shape):  # SC06, SC07, SC08
    with pytest.raises(ValueError, match=r"x must be \[batch, input_size\]"):
        ScratchLSTMCell(3, 5)(torch.randn(shape))


def test_cell_state_must_be_a_pair():  # SC09
    h = c = torch.zeros(2, 5)
    with pytest.raises(ValueError, match=r"pair \(h, c\).*length 3"):
        ScratchLSTMCell(3, 5)(torch.randn(2, 3), (h, c, c))


def test_cell_state_must_match_batch_and_hidden_size():  # a [1, hidden] state would broadcast silently
    with pytest.raises(ValueError, match=r"shape \[2, 5\]"):
        ScratchLSTMCell(3, 5)(torch.randn(2, 3), (torch.zeros(1, 5), torch.zeros(1, 5)))


def test_copy_weights_only_from_lstm():  # SC16
    with pytest.raises(TypeError, match="nn.LSTM or nn.LSTMCell, got GRU"):
        ScratchLSTMCell(3, 5).copy_weights_from(nn.GRU(3, 5))
    with pytest.raises(ValueError, match="proj_size"):
        ScratchLSTM(3, 5).copy_weights_from(nn.LSTM(3, 5, proj_size=2))


def test_sequence_state_without_layer_dimension_is_refused():  # SL02: was row 0's state for every sequence
    h0 = c0 = torch.randn(4, 5)  # [batch, hidden]: nn.LSTM refuses this too
    with pytest.raises(ValueError, match=r"shape \[1, 4, 5\], got \[4, 5\]"):
        ScratchLSTM(3, 5)(torch.randn(4, 6, 3), (h0, c0))


def test_sequence_state_of_two_layers_is_refused():  # SL03: layer 1 was silently ignored
    h0 = c0 = torch.randn(2, 4, 5)
    with pytest.raises(ValueError, match=r"shape \[1, 4, 5\], got \[2, 4, 5\]"):
        ScratchLSTM(3, 5)(torch.randn(4, 6, 3), (h0, c0))


def test_empty_sequence_is_refused():  # SL04
    with pytest.raises(ValueError, match="seq_len >= 1"):
        ScratchLSTM(3, 5)(torch.randn(2, 0, 3))


def test_empty_batch_still_works():  # SL05 stays correct
    output, (h_n, c_n) = ScratchLSTM(3, 5)(torch.randn(0, 2, 3))
    assert output.shape == (0, 2, 5) and h_n.shape == (1, 0, 5) and c_n.shape == (1, 0, 5)


def test_given_state_is_used_per_sequence():  # SL02's correct use: each sequence starts from its own state
    reference, scratch = nn.LSTM(3, 5, batch_first=True), ScratchLSTM(3, 5)
    scratch.copy_weights_from(reference)
    x, h0, c0 = torch.randn(4, 6, 3), torch.randn(1, 4, 5), torch.randn(1, 4, 5)
    torch.testing.assert_close(scratch(x, (h0, c0))[0], reference(x, (h0, c0))[0], atol=1e-5, rtol=0)
