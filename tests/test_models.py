import pytest
import torch

from course_utils import BagOfEmbeddingsClassifier, LSTMClassifier, collate_batch


def make_batch(extra_padding=0):
    sequences = [[3, 4, 5, 6, 2], [2, 7], [9, 8, 7]]
    padded, lengths, _ = collate_batch([(s, 0) for s in sequences])
    if extra_padding:
        padded = torch.cat([padded, torch.zeros(len(sequences), extra_padding, dtype=torch.long)], dim=1)
    return padded, lengths


@pytest.mark.parametrize("pooling", ["sum", "mean"])
def test_bag_of_embeddings_shapes_and_padding_invariance(pooling):
    model = BagOfEmbeddingsClassifier(vocab_size=10, embed_dim=8, hidden_dim=16, num_classes=3, pooling=pooling)
    x, lengths = make_batch()
    logits = model(x, lengths)
    assert logits.shape == (3, 3)
    x_longer, _ = make_batch(extra_padding=6)
    assert torch.allclose(model(x_longer, lengths), logits, atol=1e-6)
    assert torch.allclose(model(x_longer), logits, atol=1e-6)  # lengths from the padding


def test_bag_mean_divides_by_true_length():
    model = BagOfEmbeddingsClassifier(10, 4, 4, 2, pooling="mean")
    with torch.no_grad():
        model.embedding.weight.fill_(1.0)
        model.embedding.weight[0].zero_()
    x = torch.tensor([[3, 0, 0, 0]])
    pooled_hidden = torch.relu(model.hidden(torch.ones(1, 4)))
    assert torch.allclose(model(x), model.classifier(pooled_hidden))


def test_bag_pad_row_is_zero_and_gets_no_gradient():
    model = BagOfEmbeddingsClassifier(10, 4, 4, 2)
    x, lengths = make_batch()
    model(x, lengths).sum().backward()
    assert model.embedding.weight[0].abs().sum() == 0
    assert model.embedding.weight.grad[0].abs().sum() == 0


@pytest.mark.parametrize("pooling", ["last", "avg", "max"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_logits_do_not_depend_on_extra_padding(pooling, bidirectional):
    model = LSTMClassifier(10, 8, 6, num_outputs=3, pooling=pooling, bidirectional=bidirectional, num_layers=2)
    model.eval()
    x, lengths = make_batch()
    x_longer, _ = make_batch(extra_padding=7)
    logits = model(x, lengths)
    assert logits.shape == (3, 3)
    assert torch.allclose(model(x_longer, lengths), logits, atol=1e-6)


@pytest.mark.parametrize("pooling", ["last", "avg", "max"])
def test_lstm_logits_of_a_sequence_do_not_depend_on_its_batch(pooling):
    model = LSTMClassifier(10, 8, 6, pooling=pooling).eval()
    x, lengths = make_batch()
    alone = model(x[1:2, :2], lengths[1:2])
    assert torch.allclose(model(x, lengths)[1], alone[0], atol=1e-6)


def test_lstm_single_output_gives_one_logit_per_sequence():
    model = LSTMClassifier(10, 8, 6)
    x, lengths = make_batch()
    assert model(x, lengths).shape == (3,)


def test_lstm_last_pooling_uses_final_states_of_both_directions():
    model = LSTMClassifier(10, 8, 6, num_outputs=2, bidirectional=True).eval()
    x, lengths = make_batch()
    with torch.no_grad():
        _, (h_n, _) = model.lstm(model.embedding(x[1:2, :2]))
        expected = model.head(torch.cat([h_n[0], h_n[1]], dim=1))
        assert torch.allclose(model(x, lengths)[1], expected[0], atol=1e-6)


def test_lstm_accepts_lengths_on_any_device_and_computes_missing_lengths():
    model = LSTMClassifier(10, 8, 6, pooling="avg").eval()
    x, lengths = make_batch()
    assert torch.allclose(model(x), model(x, lengths), atol=1e-6)


def test_unknown_pooling_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"\('last', 'avg', 'max'\)"):
        LSTMClassifier(10, 8, 6, pooling="mean")
    with pytest.raises(ValueError, match=r"\('sum', 'mean'\)"):
        BagOfEmbeddingsClassifier(10, 8, 6, 2, pooling="max")


def test_lstm_rejects_zero_lengths_and_bad_dropout():
    model = LSTMClassifier(10, 8, 6)
    with pytest.raises(ValueError, match="length of 0"):
        model(torch.tensor([[1, 2], [0, 0]]), torch.tensor([2, 0]))
    with pytest.raises(ValueError, match="dropout must be in"):
        LSTMClassifier(10, 8, 6, dropout=1.5)
