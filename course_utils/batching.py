"""From lists of ids to padded batches: padding, masks, datasets and the collate function."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import Dataset

from course_utils.text import Vocabulary, tokenize


def pad_or_truncate(ids: Sequence[int], max_len: int, pad_index: int = 0) -> list[int]:
    """Return a NEW list of exactly ``max_len`` ids: cut off the end, or pad it with ``pad_index``.

    The input is never modified (a padding routine that appends to the caller's list
    silently changes their data: notebook 04 shows that bug).

    >>> pad_or_truncate([5, 6, 7], 5)
    [5, 6, 7, 0, 0]
    >>> pad_or_truncate([5, 6, 7], 2)
    [5, 6]
    """
    if isinstance(max_len, bool) or not isinstance(max_len, int):
        raise TypeError(f"max_len must be an int, got {type(max_len).__name__}")
    if max_len < 1:
        raise ValueError(f"max_len must be >= 1, got {max_len}")
    kept = list(ids[:max_len])
    return kept + [pad_index] * (max_len - len(kept))


def padding_mask(batch: torch.Tensor, pad_index: int = 0) -> torch.Tensor:
    """Return a BoolTensor shaped like ``batch``: True at real tokens, False at padding.

    ``batch``: LongTensor ``[batch, seq_len]`` of token ids.
    """
    if not isinstance(batch, torch.Tensor):
        raise TypeError(f"batch must be a torch.Tensor of token ids, got {type(batch).__name__}")
    return batch != pad_index


class TextDataset(Dataset):
    """Texts and labels as a PyTorch ``Dataset`` of ``(LongTensor ids, label)`` items.

    Texts are tokenized and encoded once, up front. A text that tokenizes to nothing becomes
    a single ``<UNK>`` id, so no item has length 0. With ``max_len`` set, longer texts are cut.

    Args:
        texts: the raw strings.
        labels: one label per text (an int class index, or a float for binary targets).
        vocab: a built ``Vocabulary`` (built from the training texts only).
        max_len: keep at most this many tokens per text (``None``: keep all).
    """

    def __init__(self, texts: Sequence[str], labels: Sequence, vocab: Vocabulary, max_len: int | None = None):
        texts, labels = list(texts), list(labels)
        if len(texts) != len(labels):
            raise ValueError(f"texts and labels must have the same length, got {len(texts)} and {len(labels)}")
        if max_len is not None and (isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1):
            raise ValueError(f"max_len must be None or an int >= 1, got {max_len!r}")
        self.labels = labels
        self.ids = []
        for text in texts:
            ids = vocab.encode(tokenize(text))[:max_len] or [vocab.unk_index]
            self.ids.append(torch.tensor(ids, dtype=torch.long))

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int):
        return self.ids[index], self.labels[index]


class SequenceDataset(Dataset):
    """Already-encoded sequences (lists of ids) and their labels, as a ``Dataset``."""

    def __init__(self, sequences: Sequence[Sequence[int]], labels: Sequence):
        sequences, labels = list(sequences), list(labels)
        if len(sequences) != len(labels):
            raise ValueError(
                f"sequences and labels must have the same length, got {len(sequences)} and {len(labels)}"
            )
        self.sequences = [torch.as_tensor(sequence, dtype=torch.long) for sequence in sequences]
        self.labels = labels

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, index: int):
        return self.sequences[index], self.labels[index]


def collate_batch(batch, pad_index: int = 0, label_dtype: torch.dtype = torch.long):
    """Turn a list of ``(ids, label)`` items into one padded batch (use as a DataLoader's ``collate_fn``).

    Pads every sequence to the longest one IN THIS BATCH ("dynamic padding"), which wastes far
    less computation than padding everything to a fixed ``max_len``.

    Returns:
        ``padded``: LongTensor ``[batch, longest]``;
        ``lengths``: LongTensor ``[batch]`` of true lengths, on the CPU (``pack_padded_sequence`` needs that);
        ``labels``: tensor ``[batch]`` of ``label_dtype`` (``torch.float`` for ``BCEWithLogitsLoss``).

    Use ``functools.partial(collate_batch, label_dtype=torch.float)`` to change the defaults.
    """
    if len(batch) == 0:
        raise ValueError("collate_batch got an empty batch; expected a list of (ids, label) pairs")
    sequences = [torch.as_tensor(ids, dtype=torch.long) for ids, _ in batch]
    for position, sequence in enumerate(sequences):
        if sequence.dim() != 1:
            raise ValueError(f"sequence {position} of the batch must be 1-D, got shape {tuple(sequence.shape)}")
        if len(sequence) == 0:
            raise ValueError(f"sequence {position} of the batch has length 0; every sequence needs >= 1 token")
    lengths = torch.tensor([len(sequence) for sequence in sequences], dtype=torch.long)
    padded = pad_sequence(sequences, batch_first=True, padding_value=pad_index)  # [batch, longest]
    labels = torch.tensor([label for _, label in batch], dtype=label_dtype)
    return padded, lengths, labels
