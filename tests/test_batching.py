import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader

from course_utils import SequenceDataset, TextDataset, Vocabulary, collate_batch, pad_or_truncate, padding_mask
from course_utils.batching import BucketBatchSampler

id_lists = st.lists(st.integers(1, 50), max_size=20)
# deadline=None on the property tests: on a shared, busy machine one example can exceed hypothesis's 200 ms


@settings(deadline=None)
@given(id_lists, st.integers(1, 25))
def test_pad_or_truncate_has_exact_length_and_keeps_the_prefix(ids, max_len):
    result = pad_or_truncate(ids, max_len)
    assert len(result) == max_len
    kept = min(len(ids), max_len)
    assert result[:kept] == ids[:kept]
    assert result[kept:] == [0] * (max_len - kept)


@settings(deadline=None)
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


@settings(deadline=None)
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


@settings(deadline=None)
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


# --- bad input: each test names the case of review-reliability.md it covers ---


@pytest.mark.parametrize("ids", [[1.9, 2.2], torch.tensor([1.9, 2.2]), np.array([1.0, 2.0]), [float("nan"), 2]])
def test_collate_and_sequence_dataset_refuse_float_ids(ids):  # C04, S01, S02, S08
    with pytest.raises(TypeError, match="must hold int token ids, got torch.float.* cast them with .long"):
        collate_batch([(ids, 0)])
    with pytest.raises(TypeError, match="sequence 0 must hold int token ids"):
        SequenceDataset([ids], [0])


def test_sequence_dataset_refuses_text_and_negative_ids():  # S03, S05
    with pytest.raises(TypeError, match="sequence 0 must be a sequence of int token ids, got the string 'abc'"):
        SequenceDataset(["abc"], [0])
    with pytest.raises(ValueError, match=r"negative token id \(-3\)"):
        SequenceDataset([[-3, 2]], [0])


def test_sequence_dataset_accepts_whole_number_arrays():
    dataset = SequenceDataset(np.array([[1, 2], [3, 4]], dtype=np.int32), [0, 1])
    assert dataset[1][0].dtype == torch.long and dataset[1][0].tolist() == [3, 4]


def test_collate_refuses_fractional_labels_for_class_indices():  # C05
    with pytest.raises(ValueError, match="whole class indices .* use label_dtype=torch.float"):
        collate_batch([([1], 0.7), ([2], 1.6)])
    _, _, labels = collate_batch([([1], 0.7), ([2], 1.0)], label_dtype=torch.float)
    assert labels.tolist() == pytest.approx([0.7, 1.0])
    _, _, labels = collate_batch([([1], 1.0), ([2], 0.0)])  # whole floats (a float column) are fine
    assert labels.dtype == torch.long and labels.tolist() == [1, 0]


def test_collate_refuses_nan_and_text_labels():  # C06, C17, D12
    with pytest.raises(ValueError, match="label 1 is nan; every item needs a finite label"):
        collate_batch([([1], 0), ([2], float("nan"))])
    with pytest.raises(ValueError, match="label 0 is inf"):
        collate_batch([([1], float("inf"))], label_dtype=torch.float)
    with pytest.raises(TypeError, match="label 0 must be a number .* got str 'pos'"):
        collate_batch([([1], "pos")])
    with pytest.raises(TypeError, match="label 0 must be a number .* got NoneType"):  # C07 stays clear
        collate_batch([([1], None)])


def test_collate_labels_as_numpy_numbers_and_one_element_tensors():  # C16
    _, _, labels = collate_batch([([1], np.int64(2)), ([2], torch.tensor([0]))])
    assert labels.tolist() == [2, 0]


def test_collate_refuses_items_that_are_not_pairs_and_odd_pad_index():  # C03, C14
    with pytest.raises(ValueError, match=r"must be an \(ids, label\) pair"):
        collate_batch([([1], 0, "extra")])
    with pytest.raises(TypeError, match="pad_index must be an int, got float"):
        collate_batch([([1], 0), ([2, 3], 1)], pad_index=0.5)


def test_pad_or_truncate_refuses_a_string_and_a_none_pad_index():  # P02, P11
    with pytest.raises(TypeError, match="got the string 'abc'"):
        pad_or_truncate("abc", 5)
    with pytest.raises(TypeError, match="pad_index must be an int, got NoneType"):
        pad_or_truncate([1], 3, pad_index=None)


def test_padding_mask_refuses_a_none_pad_index():  # M06
    with pytest.raises(TypeError, match="pad_index must be an int, got NoneType"):
        padding_mask(torch.tensor([[1, 0]]), pad_index=None)


def test_text_dataset_refuses_one_string_and_a_missing_vocabulary(vocab):  # D02, D05, D06
    with pytest.raises(TypeError, match="got one string"):
        TextDataset("hello", [0, 1, 2, 3, 4], vocab)
    for not_a_vocab in ({}, None):
        with pytest.raises(TypeError, match="vocab must be a built Vocabulary"):
            TextDataset(["ok"], [0], not_a_vocab)


# --- bucketing ---


def bucket_epoch(lengths, batch_size=4, chunk_batches=3, seed=0):
    sampler = BucketBatchSampler(lengths, batch_size, chunk_batches, generator=torch.Generator().manual_seed(seed))
    return list(sampler)


LENGTHS = [(7 * i) % 23 + 1 for i in range(101)]  # 101 items, lengths 1..23 in a scrambled order


def test_bucketing_yields_every_index_exactly_once_per_epoch():
    batches = bucket_epoch(LENGTHS)
    assert sorted(i for batch in batches for i in batch) == list(range(len(LENGTHS)))


def test_bucketing_batch_sizes():
    sampler = BucketBatchSampler(LENGTHS, 4, chunk_batches=3)
    sizes = [len(batch) for batch in sampler]
    assert len(sizes) == len(sampler) == 26  # ceil(101 / 4)
    assert sizes.count(4) == 25 and sizes.count(1) == 1  # only the epoch's last chunk leaves a short batch


def test_bucketing_puts_similar_lengths_together():
    spread = [max(LENGTHS[i] for i in b) - min(LENGTHS[i] for i in b) for b in bucket_epoch(LENGTHS, chunk_batches=26)]
    assert max(spread) <= 1  # one sorted chunk holds everything: neighbours differ by at most 1
    random_batches = torch.randperm(101, generator=torch.Generator().manual_seed(0)).split(4)
    random_spread = [max(LENGTHS[i] for i in b.tolist()) - min(LENGTHS[i] for i in b.tolist()) for b in random_batches]
    assert sum(spread) < sum(random_spread) / 5


def test_bucketing_is_reproducible_with_a_seed_and_changes_across_epochs():
    assert bucket_epoch(LENGTHS, seed=3) == bucket_epoch(LENGTHS, seed=3)
    sampler = BucketBatchSampler(LENGTHS, 4, 3, generator=torch.Generator().manual_seed(3))
    first, second = list(sampler), list(sampler)
    assert first != second and sorted(map(sorted, first)) != sorted(map(sorted, second))


def test_bucketing_with_a_dataloader_reduces_padding():
    dataset = SequenceDataset([[1] * n for n in LENGTHS], [0] * len(LENGTHS))
    sampler = BucketBatchSampler(LENGTHS, 8, generator=torch.Generator().manual_seed(0))
    bucketed = DataLoader(dataset, batch_sampler=sampler, collate_fn=collate_batch)
    plain = DataLoader(dataset, batch_size=8, shuffle=True, collate_fn=collate_batch,
                       generator=torch.Generator().manual_seed(0))
    bucketed_positions = sum(padded.numel() for padded, _, _ in bucketed)
    plain_positions = sum(padded.numel() for padded, _, _ in plain)
    assert sum(LENGTHS) <= bucketed_positions < plain_positions


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "batch_size must be an int >= 1, got 0"),
    ({"batch_size": 2.0}, "batch_size must be an int >= 1"),
    ({"chunk_batches": 0}, "chunk_batches must be an int >= 1"),
    ({"lengths": [1.5, 2.0]}, "lengths must be a 1-D list of ints"),
])
def test_bucketing_rejects_bad_settings(kwargs, message):
    settings = {"lengths": [1, 2, 3], "batch_size": 2} | kwargs
    with pytest.raises(ValueError, match=message):
        BucketBatchSampler(**settings)
