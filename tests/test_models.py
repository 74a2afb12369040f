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


# Bad input: a clear error that names what was wrong (cases of review-reliability.md in brackets).
MODELS = {
    "bag": lambda: BagOfEmbeddingsClassifier(10, 4, 5, 3, pooling="mean"),
    "lstm": lambda: LSTMClassifier(10, 4, 5, num_outputs=3, pooling="avg"),
}
THREE_ROWS = torch.tensor([[2, 3, 0, 0], [4, 5, 6, 0], [7, 8, 9, 1]])


@pytest.mark.parametrize("model_name", MODELS)
@pytest.mark.parametrize("x", [torch.tensor([2, 3, 4, 5]), torch.tensor([2, 3, 4]), torch.tensor(3)],
                         ids=["1-D, len == embed_dim", "1-D", "0-D"])
def test_unbatched_token_ids_are_refused(model_name, x):  # B10, B11, B21, L07, L08
    with pytest.raises(ValueError, match=r"\[batch, seq_len\].*unsqueeze\(0\)"):
        MODELS[model_name]()(x)


@pytest.mark.parametrize("model_name", MODELS)
def test_token_ids_must_be_a_tensor(model_name):
    with pytest.raises(TypeError, match="LongTensor"):
        MODELS[model_name]()([[2, 3]])


@pytest.mark.parametrize("model_name", MODELS)
@pytest.mark.parametrize("bad_id", [10, -1])
def test_out_of_vocabulary_id_is_named_with_vocab_size(model_name, bad_id):  # B07, B08, L19
    x = THREE_ROWS.clone()
    x[1, 1] = bad_id
    with pytest.raises(ValueError, match=rf"token id {bad_id} .*0\.\.9 \(vocab_size=10\)"):
        MODELS[model_name]()(x)


@pytest.mark.parametrize("model_name", MODELS)
@pytest.mark.parametrize("lengths", [torch.tensor([2]), torch.tensor([2, 3]), torch.tensor([2, 3, 4, 4])],
                         ids=["1 for 3 rows", "2 for 3 rows", "4 for 3 rows"])
def test_lengths_must_have_one_entry_per_row(model_name, lengths):  # B12, L03
    with pytest.raises(ValueError, match=f"lengths has {len(lengths)} entries for a batch of 3"):
        MODELS[model_name]()(THREE_ROWS, lengths)


@pytest.mark.parametrize("model_name", MODELS)
@pytest.mark.parametrize("lengths", [[2, 3, 4], torch.tensor([[2], [3], [4]]), torch.tensor([2.7, 3.0, 4.0])],
                         ids=["list", "2-D", "float"])
def test_lengths_must_be_a_1d_integer_tensor(model_name, lengths):  # B13, B14, L02, L04
    with pytest.raises(TypeError, match=r"lengths must be an integer tensor \[batch\]"):
        MODELS[model_name]()(THREE_ROWS, lengths)


@pytest.mark.parametrize("model_name", MODELS)
def test_length_longer_than_the_batch_is_refused(model_name):  # L01 (and B20, now an error too)
    with pytest.raises(ValueError, match="a length of 5 exceeds seq_len 4"):
        MODELS[model_name]()(THREE_ROWS, torch.tensor([5, 3, 4]))


def test_lstm_names_a_negative_length():  # L17: the message used to say "0" for -1
    with pytest.raises(ValueError, match="found a length of -1"):
        MODELS["lstm"]()(THREE_ROWS, torch.tensor([-1, 3, 4]))


def test_zero_sizes_are_refused_at_construction():  # B01, B06, L12
    with pytest.raises(ValueError, match="vocab_size and num_classes must be >= 1, got 0 and 3"):
        BagOfEmbeddingsClassifier(0, 4, 5, 3)
    with pytest.raises(ValueError, match="vocab_size and num_classes must be >= 1, got 10 and 0"):
        BagOfEmbeddingsClassifier(10, 4, 5, 0)
    with pytest.raises(ValueError, match="num_outputs must be >= 1, got 0"):
        LSTMClassifier(10, 4, 5, num_outputs=0)


@pytest.mark.parametrize("model_name", MODELS)
def test_checks_do_not_stop_meta_tensors_or_empty_sequences(model_name):  # B15, L06, B17
    with torch.device("meta"):  # "last" pooling: PyTorch's own pad_packed_sequence cannot run on meta
        model = BagOfEmbeddingsClassifier(10, 4, 5, 3) if model_name == "bag" else LSTMClassifier(10, 4, 5, 3)
        x = torch.zeros(3, 4, dtype=torch.long)
    assert model(x, torch.tensor([1, 2, 3])).device.type == "meta"
    if model_name == "bag":
        assert MODELS["bag"]()(torch.zeros(2, 0, dtype=torch.long)).shape == (2, 3)
