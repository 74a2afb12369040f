"""From lists of ids to padded batches: padding, masks, datasets, the collate function and bucketing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from numbers import Integral, Number

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import Dataset, Sampler

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
    if isinstance(ids, str):
        raise TypeError(f"ids must be a list of int token ids, got the string {ids!r}")
    if isinstance(max_len, bool) or not isinstance(max_len, int):
        raise TypeError(f"max_len must be an int, got {type(max_len).__name__}")
    if max_len < 1:
        raise ValueError(f"max_len must be >= 1, got {max_len}")
    if isinstance(pad_index, bool) or not isinstance(pad_index, Integral):
        raise TypeError(f"pad_index must be an int, got {type(pad_index).__name__}")
    kept = list(ids[:max_len])
    return kept + [pad_index] * (max_len - len(kept))


def padding_mask(batch: torch.Tensor, pad_index: int = 0) -> torch.Tensor:
    """Return a BoolTensor shaped like ``batch``: True at real tokens, False at padding.

    ``batch``: LongTensor ``[batch, seq_len]`` of token ids.
    """
    if not isinstance(batch, torch.Tensor):
        raise TypeError(f"batch must be a torch.Tensor of token ids, got {type(batch).__name__}")
    if isinstance(pad_index, bool) or not isinstance(pad_index, Integral):
        raise TypeError(f"pad_index must be an int, got {type(pad_index).__name__}")
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
        if isinstance(texts, str):
            raise TypeError("texts must be a list of strings, got one string (wrap it in a list: [text])")
        if not hasattr(vocab, "encode"):
            raise TypeError(f"vocab must be a built Vocabulary, got {type(vocab).__name__}")
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


def as_token_ids(ids, name: str = "ids") -> torch.Tensor:
    """Return ``ids`` (a list, array or tensor of whole-number token ids) as a 1-D LongTensor.

    ``torch.as_tensor(ids, dtype=torch.long)`` alone would silently cut ``1.9`` to ``1``, so
    float, bool and text ids are refused, as are negative ids (no embedding row has one).
    ``name`` says which sequence was wrong in the error message.
    """
    if isinstance(ids, str):
        raise TypeError(f"{name} must be a sequence of int token ids, got the string {ids!r}")
    try:
        ids = torch.as_tensor(ids)
    except (TypeError, ValueError) as error:  # e.g. a list of token strings, not yet encoded
        raise TypeError(f"{name} must be a flat sequence of int token ids, got {ids!r:.60}") from error
    if ids.dim() != 1:
        raise ValueError(f"{name} must be 1-D, got shape {tuple(ids.shape)}")
    if len(ids) > 0 and (ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool):
        shown = [round(value, 4) for value in ids[:5].tolist()]
        raise TypeError(f"{name} must hold int token ids, got {ids.dtype} values {shown} "
                        "(if they are whole numbers, cast them with .long() on purpose)")
    if len(ids) > 0 and not ids.is_meta and ids.min() < 0:
        raise ValueError(f"{name} holds a negative token id ({int(ids.min())}); ids index a vocabulary from 0")
    return ids.long()


def as_labels(labels: Sequence, dtype: torch.dtype = torch.long) -> torch.Tensor:
    """Return a batch's labels as a 1-D tensor of ``dtype``; refuses text, NaN, and fractions for an int ``dtype``."""
    for position, label in enumerate(labels):
        if not isinstance(label, Number | torch.Tensor):
            raise TypeError(f"label {position} must be a number (a class index), got {type(label).__name__} {label!r}")
    values = torch.tensor(labels)  # the dtype the values need: int64 for ints, float32 for fractions
    if values.is_floating_point() and not values.isfinite().all():
        position = int((~values.isfinite()).nonzero()[0])
        raise ValueError(f"label {position} is {values[position].item()}; every item needs a finite label")
    if values.is_floating_point() and not dtype.is_floating_point and not torch.equal(values, values.round()):
        shown = [round(value, 4) for value in values[:5].tolist()]
        raise ValueError(f"labels must be whole class indices for {dtype}, got {shown}; "
                         "for float targets (BCEWithLogitsLoss) use label_dtype=torch.float")
    return values.to(dtype)


class SequenceDataset(Dataset):
    """Already-encoded sequences (lists of ids) and their labels, as a ``Dataset``."""

    def __init__(self, sequences: Sequence[Sequence[int]], labels: Sequence):
        sequences, labels = list(sequences), list(labels)
        if len(sequences) != len(labels):
            raise ValueError(
                f"sequences and labels must have the same length, got {len(sequences)} and {len(labels)}"
            )
        self.sequences = [as_token_ids(sequence, f"sequence {i}") for i, sequence in enumerate(sequences)]
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
    if any(not isinstance(item, tuple | list) or len(item) != 2 for item in batch):
        raise ValueError("every item of the batch must be an (ids, label) pair, as a Dataset returns it")
    if isinstance(pad_index, bool) or not isinstance(pad_index, Integral):
        raise TypeError(f"pad_index must be an int, got {type(pad_index).__name__}")
    sequences = [as_token_ids(ids, f"sequence {position} of the batch") for position, (ids, _) in enumerate(batch)]
    for position, sequence in enumerate(sequences):
        if len(sequence) == 0:
            raise ValueError(f"sequence {position} of the batch has length 0; every sequence needs >= 1 token")
    lengths = torch.tensor([len(sequence) for sequence in sequences], dtype=torch.long)
    padded = pad_sequence(sequences, batch_first=True, padding_value=pad_index)  # [batch, longest]
    labels = as_labels([label for _, label in batch], label_dtype)  # [batch]
    return padded, lengths, labels


class BucketBatchSampler(Sampler[list[int]]):
    """Batches of dataset indices whose sequences have similar lengths ("bucketing").

    Each epoch: shuffle all indices, cut them into chunks of ``chunk_batches * batch_size``,
    sort each chunk by length, cut it into batches, then shuffle the order of the batches.
    Tweets of similar length share a batch, so dynamic padding adds little; the shuffles keep
    the batches different from epoch to epoch. Every index appears exactly once per epoch.

    Args:
        lengths: the length of every item of the dataset, e.g. ``[len(ids) for ids, _ in dataset]``.
        batch_size: items per batch (the last batch of the epoch may be smaller).
        chunk_batches: how many batches one sorted chunk holds (bigger: less padding, less randomness).
        generator: a seeded ``torch.Generator`` for a reproducible order (``None``: PyTorch's global one).

    Use as ``DataLoader(dataset, batch_sampler=BucketBatchSampler(lengths, 32), collate_fn=collate_batch)``.
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, chunk_batches: int = 50,
                 generator: torch.Generator | None = None):
        for name, value in (("batch_size", batch_size), ("chunk_batches", chunk_batches)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        lengths = torch.as_tensor(lengths)  # [num_items]
        if lengths.dim() != 1 or lengths.is_floating_point() or lengths.dtype == torch.bool:
            raise ValueError(f"lengths must be a 1-D list of ints, got {lengths.dtype} of shape {tuple(lengths.shape)}")
        self.lengths, self.batch_size, self.chunk_batches = lengths, batch_size, chunk_batches
        self.generator = generator

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)  # ceil(num_items / batch_size) batches

    def __iter__(self) -> Iterator[list[int]]:
        order = torch.randperm(len(self.lengths), generator=self.generator)  # [num_items], a new order each epoch
        batches = []
        for chunk in order.split(self.chunk_batches * self.batch_size):
            chunk = chunk[self.lengths[chunk].argsort(stable=True)]  # similar lengths side by side
            batches += chunk.split(self.batch_size)
        for b in torch.randperm(len(batches), generator=self.generator).tolist():
            yield batches[b].tolist()
