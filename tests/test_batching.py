import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course_utils import SequenceDataset, TextDataset, Vocabulary, collate_batch, pad_or_truncate, padding_mask

id_lists = st.lists(st.integers(1, 50), max_size=20)


@given(id_lists, st.integers(1, 25))
def test_pad_or_truncate_has_exact_length_and_keeps_the_prefix(ids, max_len):
    result = pad_or_truncate(ids, max_len)
    assert len(result) == max_len
    kept = min(len(ids), max_len)
    assert result[:kept] == ids[:kept]
    assert result[kept:] == [0] * (max_len - kept)


@given(id_lists, st.integers(1, 25))
def test_pad_or_truncate_never_mutates_its_input(ids, max_len):
    before = list(ids)
    pad_or_truncate(ids, max_len, pad_index=9)
    assert ids == before


def test_pad_or_truncate_rejects_max_len_below_one():
    with pytest.raises(ValueError, match="max_len must be >= 1, got 0"):
        pad_or_truncate([1, 2], 0)
    with pytest.raises(TypeError, match="max_len must be an int"):
        pad_or_truncate([1, 2], 2.5)


@given(st.lists(st.lists(st.integers(1, 9), min_size=1, max_size=10), min_size=1, max_size=6))
def test_padding_mask_marks_exactly_the_real_tokens(sequences):
    batch, lengths, _ = collate_batch([(s, 0) for s in sequences])
    mask = padding_mask(batch)
    assert mask.dtype == torch.bool and mask.shape == batch.shape
    assert mask.sum(dim=1).tolist() == lengths.tolist()


def test_padding_mask_with_another_pad_index():
    assert padding_mask(torch.tensor([[5, 7, 7]]), pad_index=7).tolist() == [[True, False, False]]
    with pytest.raises(TypeError, match="torch.Tensor"):
        padding_mask([[1, 0]])


@given(st.lists(st.lists(st.integers(1, 9), min_size=1, max_size=10), min_size=1, max_size=6))
def test_collate_pads_to_the_longest_and_keeps_every_sequence(sequences):
    padded, lengths, labels = collate_batch([(s, i % 3) for i, s in enumerate(sequences)])
    assert padded.shape == (len(sequences), max(len(s) for s in sequences))
    assert padded.dtype == torch.long and lengths.dtype == torch.long and lengths.device.type == "cpu"
    for row, length, sequence in zip(padded, lengths, sequences, strict=True):
        assert row[:length].tolist() == sequence and row[length:].eq(0).all()
    assert labels.tolist() == [i % 3 for i in range(len(sequences))]


def test_collate_label_dtype_and_pad_index():
    padded, _, labels = collate_batch([([1], 1), ([2, 3], 0)], pad_index=-1, label_dtype=torch.float)
    assert labels.dtype == torch.float and padded.tolist() == [[1, -1], [2, 3]]


def test_collate_rejects_empty_batches_and_empty_sequences():
    with pytest.raises(ValueError, match="empty batch"):
        collate_batch([])
    with pytest.raises(ValueError, match="sequence 1 of the batch has length 0"):
        collate_batch([([1, 2], 0), ([], 1)])


@pytest.fixture
def vocab():
    vocab = Vocabulary()
    vocab.build([["i", "am", "happy"], ["so", "worried"]])
    return vocab


def test_text_dataset_items_are_ids_and_labels(vocab):
    dataset = TextDataset(["I am happy!", "so WORRIED"], [2, 1], vocab)
    ids, label = dataset[0]
    assert len(dataset) == 2 and label == 2
    assert ids.dtype == torch.long
    assert vocab.decode(ids.tolist()) == ["i", "am", "happy", "<UNK>"]


def test_text_dataset_truncates_and_never_yields_empty_sequences(vocab):
    dataset = TextDataset(["i am happy", "", "   "], [0, 1, 2], vocab, max_len=2)
    assert dataset[0][0].tolist() == [vocab.get_index("i"), vocab.get_index("am")]
    assert dataset[1][0].tolist() == [vocab.unk_index] and dataset[2][0].tolist() == [vocab.unk_index]


def test_text_dataset_rejects_mismatched_lengths(vocab):
    with pytest.raises(ValueError, match="same length, got 2 and 1"):
        TextDataset(["a", "b"], [0], vocab)


def test_sequence_dataset_with_a_dataloader():
    dataset = SequenceDataset([[1, 2, 3], [4], [5, 6]], [0, 1, 0])
    loader = torch.utils.data.DataLoader(dataset, batch_size=3, collate_fn=collate_batch)
    padded, lengths, labels = next(iter(loader))
    assert padded.tolist() == [[1, 2, 3], [4, 0, 0], [5, 6, 0]]
    assert lengths.tolist() == [3, 1, 2] and labels.tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match="same length"):
        SequenceDataset([[1]], [0, 1])
