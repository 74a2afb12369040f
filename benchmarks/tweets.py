"""The three-class tweets, set up as the course does, and the ways to batch them: padded to a fixed
``max_len``, dynamically (each batch to its longest tweet), or bucketed (tweets of similar length together)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from course_utils import TextDataset, Vocabulary, collate_batch, load_emotion_tweets, split_dataframe, tokenize
from course_utils.batching import BucketBatchSampler
from course_utils.data import THREE_CLASSES


@dataclass
class TweetData:
    vocab: Vocabulary
    train: TextDataset
    val: TextDataset


def load_tweet_data(train_limit: int | None = None, val_limit: int | None = None,
                    path: str | Path | None = None) -> TweetData:
    """Three classes, stratified split, a vocabulary from the training split (min_freq=2), tokenized.

    ``path``: a tweet CSV; ``None`` reads what ``load_emotion_tweets()`` reads (``COURSE_TWEETS`` or the bundled file).
    """
    df = load_emotion_tweets(path, labels=list(THREE_CLASSES))
    train_df, val_df, _ = split_dataframe(df, stratify="sentiment")
    train_df, val_df = train_df.iloc[:train_limit], val_df.iloc[:val_limit]
    vocab = Vocabulary()
    vocab.build([tokenize(text) for text in train_df["content"]], min_freq=2)
    label_of = {name: index for index, name in enumerate(THREE_CLASSES)}

    def dataset(frame) -> TextDataset:
        return TextDataset(frame["content"], [label_of[s] for s in frame["sentiment"]], vocab)

    return TweetData(vocab, dataset(train_df), dataset(val_df))


def collate_fixed(batch, max_len: int = 300, pad_index: int = 0):
    """Like ``collate_batch``, but every batch padded (or cut) to exactly ``max_len``: the source's way.

    ``lengths`` stays the true lengths (capped at ``max_len``), so a packed model still skips the padding.
    """
    padded, lengths, labels = collate_batch(batch, pad_index=pad_index)  # [batch, longest]
    fixed = torch.full((padded.size(0), max_len), pad_index, dtype=padded.dtype)  # [batch, max_len]
    keep = min(max_len, padded.size(1))
    fixed[:, :keep] = padded[:, :keep]
    return fixed, lengths.clamp(max=max_len), labels


def make_loader(dataset, padding: str, batch_size: int, max_len: int = 300, shuffle: bool = True,
                seed: int = 0, chunk_batches: int = 50) -> DataLoader:
    """``padding="fixed"``: every batch ``max_len`` long; ``"dynamic"``: as long as its longest tweet;
    ``"bucketing"``: dynamic padding of batches from ``BucketBatchSampler`` (always shuffled)."""
    generator = torch.Generator().manual_seed(seed)
    if padding == "bucketing":
        sampler = BucketBatchSampler([len(ids) for ids, _ in dataset], batch_size, chunk_batches, generator=generator)
        return DataLoader(dataset, batch_sampler=sampler, collate_fn=collate_batch)
    if padding == "fixed":
        collate = functools.partial(collate_fixed, max_len=max_len)
    elif padding == "dynamic":
        collate = collate_batch
    else:
        raise ValueError(f"padding must be 'fixed', 'dynamic' or 'bucketing', got {padding!r}")
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, collate_fn=collate, generator=generator)
