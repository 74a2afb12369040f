"""A2 · The text pipeline: the checks of its six questions."""

from __future__ import annotations

import contextlib
import copy
from collections import Counter
from collections.abc import Sequence

import torch

from course_utils.assignments.core import (
    Assignment,
    Mismatch,
    Question,
    _call,
    _close,
    _expect_tensor,
    _generator,
    _rounded,
    reference,
)
from course_utils.text import tokenize

TOKENIZER_FEEDBACK = {
    "A": "A (str.split) keeps 'happy', 'happy!!!' and 'Happy' as three different tokens, so the model has to "
         "learn the same word three times.",
    "B": "B (lower-case letters only) loses the emoticons ':(' and '<3', often the clearest emotion signal in a "
         "tweet, and cuts \"don't\" into 'don' and 't'.",
}


@reference
def _reference_vocab(token_lists, min_freq: int = 1) -> dict[str, int]:
    counts = Counter(token for tokens in token_lists for token in tokens)
    ranked = sorted(sorted(counts), key=lambda token: -counts[token])  # by count, ties alphabetically
    kept = [token for token in ranked if counts[token] >= min_freq]
    return {"<PAD>": 0, "<UNK>": 1} | {token: index for index, token in enumerate(kept, start=2)}


def _test_tokenizer_choice(chosen_tokenizer) -> str:
    choice = _call(chosen_tokenizer)
    if not isinstance(choice, str) or choice.strip().upper() not in ("A", "B", "C"):
        raise Mismatch("`chosen_tokenizer()` should return one letter", expected='"A", "B" or "C"', got=repr(choice))
    choice = choice.strip().upper()
    if choice != "C":
        raise Mismatch(TOKENIZER_FEEDBACK[choice], expected="the tokenizer that fixes both problems", got=choice)
    return "C keeps emoticons and contractions whole and maps 'Happy', 'happy' and 'happy!!!' to one word."


def _vocab_case(build_vocab, token_lists: list, min_freq: int = 1) -> None:
    original = copy.deepcopy(token_lists)
    vocab = _call(build_vocab, token_lists, min_freq)
    expected = _reference_vocab(original, min_freq)
    if vocab != expected:
        raise Mismatch(f"wrong vocabulary with min_freq={min_freq}", expected=expected, got=vocab)
    if token_lists != original:
        raise Mismatch("`build_vocab` changed the token lists it was given", got=token_lists)


def _test_build_vocab(build_vocab) -> str:
    token_lists = [["i", "am", "happy"], ["i", "am", "sad"], ["so", "happy", "happy"]]
    original = copy.deepcopy(token_lists)
    vocab = _call(build_vocab, token_lists, 2)
    if not isinstance(vocab, dict):
        raise Mismatch("`build_vocab` should return a dict from token to id", got=type(vocab).__name__)
    if vocab.get("<PAD>") != 0 or vocab.get("<UNK>") != 1:
        raise Mismatch("the special tokens must come first", expected="'<PAD>' -> 0 and '<UNK>' -> 1",
                       got=f"'<PAD>' -> {vocab.get('<PAD>')}, '<UNK>' -> {vocab.get('<UNK>')}")
    expected = _reference_vocab(original, 2)
    if set(vocab) != set(expected):
        got_extra, got_missing = sorted(set(vocab) - set(expected)), sorted(set(expected) - set(vocab))
        hint = ("a token seen exactly min_freq times is kept: use count >= min_freq"
                if "am" in got_missing or "i" in got_missing else None)
        raise Mismatch("wrong tokens kept with min_freq=2 (counts: happy 3, i 2, am 2, sad 1, so 1)",
                       expected=sorted(expected), got=f"{sorted(vocab)} (extra {got_extra}, missing {got_missing})",
                       hint=hint)
    if vocab != expected:
        raise Mismatch("right tokens, but the ids are not in the required order", expected=expected, got=vocab,
                       hint="sort by count (highest first), then alphabetically, so the same data always "
                            "gives the same ids")
    if token_lists != original:
        raise Mismatch("`build_vocab` changed the token lists it was given", got=token_lists)
    for min_freq in (1, 3):
        _vocab_case(build_vocab, original, min_freq)
    _vocab_case(build_vocab, [], 1)
    return "Specials first, min_freq is a lower bound (count >= min_freq), ids ordered by count then alphabet."


def _build_vocab_for_a2_3(token_lists, min_freq=1):
    return _reference_vocab(token_lists, min_freq)


@contextlib.contextmanager
def _reference_build_vocab(encode_splits):
    """While checking A2.3, the ``build_vocab`` it calls is the reference one: a slip in A2.2 costs A2.2 only."""
    namespace = getattr(encode_splits, "__globals__", {})
    had = "build_vocab" in namespace
    saved = namespace.get("build_vocab")
    if had:
        namespace["build_vocab"] = _build_vocab_for_a2_3
    try:
        yield
    finally:
        if had:
            namespace["build_vocab"] = saved


def _as_id_lists(ids, name: str) -> list[list[int]]:
    try:
        return [[int(i) for i in row] for row in ids]
    except (TypeError, ValueError) as error:
        raise Mismatch(f"{name} should be a list of lists of ids", got=repr(ids)[:80]) from error


def _splits_case(encode_splits, train_texts: Sequence[str], val_texts: Sequence[str], min_freq: int = 1) -> None:
    with _reference_build_vocab(encode_splits):
        result = _call(encode_splits, list(train_texts), list(val_texts), min_freq)
    if not (isinstance(result, (tuple, list)) and len(result) == 3):
        raise Mismatch("`encode_splits` should return a tuple (vocab, train_ids, val_ids)", got=type(result).__name__)
    vocab, train_ids, val_ids = result
    expected_vocab = _reference_vocab([tokenize(text) for text in train_texts], min_freq)
    only_in_val = {token for text in val_texts for token in tokenize(text)} - set(expected_vocab)
    leaked = sorted(token for token in vocab if token in only_in_val)
    if leaked:
        raise Mismatch("the vocabulary contains words that appear only in the validation texts",
                       expected="a vocabulary built from the training texts only", got=f"it also holds {leaked}",
                       hint="building the vocabulary on all splits leaks validation data into training; at "
                            "prediction time unseen words become <UNK>, so validation must see them that way too")
    if vocab != expected_vocab:
        split = {token for text in train_texts for token in text.lower().split()}
        hint = "tokenize with the course's tokenize(text), not str.split()" if split & set(vocab) - set(
            expected_vocab) else None
        raise Mismatch(f"wrong vocabulary for the training texts with min_freq={min_freq} "
                       "(tokenized with the course's tokenize)", expected=expected_vocab, got=vocab, hint=hint)
    expected_train = [[expected_vocab.get(t, 1) for t in tokenize(text)] for text in train_texts]
    expected_val = [[expected_vocab.get(t, 1) for t in tokenize(text)] for text in val_texts]
    if _as_id_lists(train_ids, "train_ids") != expected_train:
        raise Mismatch("wrong ids for the training texts", expected=expected_train, got=train_ids)
    if _as_id_lists(val_ids, "val_ids") != expected_val:
        raise Mismatch("wrong ids for the validation texts", expected=expected_val, got=val_ids,
                       hint="unknown tokens get the id of '<UNK>' (1): vocab.get(token, 1)")


def _test_encode_splits(encode_splits) -> str:
    train = ["I am happy :)", "so HAPPY today", "i am tired", "Happy!!! don't"]
    _splits_case(encode_splits, train, ["I am worried :(", "happy today"], 1)
    _splits_case(encode_splits, train, ["happy:) i am", "tired?"], 2)
    return "The vocabulary comes from the training texts only; unseen validation words become <UNK>."


@reference
def _pool_reference(embeddings: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask.unsqueeze(-1).to(embeddings.dtype)
    return (embeddings * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1)


def _masked_mean_case(masked_mean, lengths: list[int], seq_len: int, dim: int, seed: int,
                      dtype: str = "float32") -> None:
    embeddings = torch.randn(len(lengths), seq_len, dim, generator=_generator(seed), dtype=getattr(torch, dtype))
    mask = torch.arange(seq_len).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
    got = _expect_tensor(_call(masked_mean, embeddings, mask), f"the result for lengths {lengths}",
                         (len(lengths), dim))
    if not _close(got, _pool_reference(embeddings, mask)):
        raise Mismatch(f"wrong mean for lengths {lengths}", expected=_rounded(_pool_reference(embeddings, mask)[0]),
                       got=_rounded(got[0]))


def _test_masked_mean(masked_mean) -> str:
    embeddings = torch.randn(3, 4, 2, generator=_generator(1), dtype=torch.float64)  # [batch, seq_len, dim]
    mask = torch.tensor([[True, True, True, True], [True, True, False, False], [True, False, False, False]])
    embeddings[~mask] = 1000.0  # padding positions hold junk: it must not count
    original = embeddings.clone()
    leaf = original.clone().requires_grad_(True)
    embeddings = leaf * 1.0  # like an embedding layer's output: not a leaf
    expected = torch.stack([original[row, mask[row]].mean(dim=0) for row in range(3)])  # [batch, dim]
    pooled = _expect_tensor(_call(masked_mean, embeddings, mask), "the result for [3, 4, 2]", (3, 2))
    if _close(pooled, original.mean(dim=1)):
        raise Mismatch("the mean included the padding positions", expected=_rounded(expected[1]),
                       got=_rounded(pooled[1]), hint="zero the padding out (multiply by the mask), then divide by "
                                                     "the number of REAL tokens, mask.sum(dim=1)")
    if not _close(pooled, expected):
        hint = "divide by the number of real tokens, not by seq_len" if _close(
            pooled, (original * mask.unsqueeze(-1)).sum(dim=1) / 4) else None
        raise Mismatch("wrong mean for row 1 (2 real tokens of 4)", expected=_rounded(expected[1]),
                       got=_rounded(pooled[1]), hint=hint)
    if not torch.equal(embeddings.detach(), original):
        raise Mismatch("`masked_mean` changed the embeddings it was given",
                       hint="use masked_fill or a multiplication, not masked_fill_")
    if not pooled.requires_grad:
        raise Mismatch("the result is not connected to the embeddings, so no gradient reaches them",
                       hint="stay with tensor operations: no .detach(), .numpy() or torch.tensor(...) inside")
    (gradient,) = torch.autograd.grad(pooled.sum(), leaf)
    if not _close(gradient, mask.unsqueeze(-1).double().expand(3, 4, 2) / mask.sum(dim=1).view(3, 1, 1)):
        raise Mismatch("the gradient reaching the embeddings is wrong: padding should get none, real tokens 1/count")
    empty = _call(masked_mean, torch.ones(1, 3, 2), torch.zeros(1, 3, dtype=torch.bool))
    if not isinstance(empty, torch.Tensor) or torch.isnan(empty).any() or not _close(empty, torch.zeros(1, 2)):
        raise Mismatch("a row with no real token should pool to zeros", expected=[[0.0, 0.0]],
                       got=getattr(empty, "tolist", lambda: empty)(),
                       hint="0 / 0 is nan: divide by the count clamped to at least 1")
    return "Padding is ignored, gradients flow, the input is untouched, and an empty row gives zeros."


def _collate_case(collate, batch: list, pad_index: int | None = None) -> None:
    original = copy.deepcopy(batch)
    result = _call(collate, batch) if pad_index is None else _call(collate, batch, pad_index=pad_index)
    if not (isinstance(result, (tuple, list)) and len(result) == 3):
        raise Mismatch("`collate` should return a tuple (padded, lengths, labels)", got=type(result).__name__)
    if batch != original:
        raise Mismatch("`collate` changed the lists in the batch it was given (padding appended in place)",
                       expected=original, got=batch, hint="build new lists: ids + [pad_index] * (longest - len(ids))")
    padded, lengths, labels = result
    pad = 0 if pad_index is None else pad_index
    longest = max(len(ids) for ids, _ in original)
    expected = torch.tensor([list(ids) + [pad] * (longest - len(ids)) for ids, _ in original])
    _expect_tensor(padded, "padded", tuple(expected.shape), torch.long)
    if not torch.equal(padded, expected):
        hint = f"pad with pad_index ({pad}), not 0" if pad and torch.equal(
            padded, torch.tensor([list(ids) + [0] * (longest - len(ids)) for ids, _ in original])) else None
        problem = f"pad_index={pad} was not used for padding" if hint else "wrong padded batch"
        raise Mismatch(problem, expected=expected.tolist(), got=padded.tolist(), hint=hint)
    _expect_tensor(lengths, "lengths", (len(batch),), torch.long)
    if lengths.tolist() != [len(ids) for ids, _ in original]:
        raise Mismatch("wrong lengths", expected=[len(ids) for ids, _ in original], got=lengths.tolist(),
                       hint="lengths are the lengths BEFORE padding")
    _expect_tensor(labels, "labels", (len(batch),), torch.long)
    if labels.tolist() != [label for _, label in original]:
        raise Mismatch("wrong labels", expected=[label for _, label in original], got=labels.tolist())


def _test_collate(collate) -> str:
    _collate_case(collate, [([5, 6, 7], 1), ([8], 0), ([9, 10], 2)])
    _collate_case(collate, [([4], 0), ([4, 4], 1)], pad_index=9)
    _collate_case(collate, [([3, 1], 2)])  # a batch of one
    return "Padded to the longest sequence with pad_index, true lengths, labels, and the batch is untouched."


def _dataset_case(dataset_class, texts: list[str], labels: list[int], vocab: dict[str, int]) -> None:
    dataset = _call(dataset_class, list(texts), list(labels), dict(vocab), name="TweetDataset")
    length = _call(len, dataset, name="len(dataset)")
    if length != len(texts):
        raise Mismatch("wrong len(dataset)", expected=len(texts), got=length)
    for index, text in enumerate(texts):
        wanted = [vocab.get(token, vocab["<UNK>"]) for token in tokenize(text)] or [vocab["<UNK>"]]
        item = _call(dataset.__getitem__, index, name=f"dataset[{index}]", owner=dataset_class)
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise Mismatch(f"dataset[{index}] should be a pair (ids, label)", got=repr(item)[:80])
        ids, label = item
        empty_hint = "an empty text becomes [<UNK>] so that no sequence has length 0" if not tokenize(text) else None
        if isinstance(ids, torch.Tensor) and ids.dim() == 1 and ids.numel() != len(wanted) and empty_hint:
            raise Mismatch(f"dataset[{index}] is the empty text {text!r}: wrong ids", expected=wanted,
                           got=ids.tolist(), hint=empty_hint)
        _expect_tensor(ids, f"the ids of dataset[{index}] ({text!r})", (len(wanted),), torch.long)
        if ids.tolist() != wanted:
            split = [vocab.get(token, vocab["<UNK>"]) for token in text.lower().split()]
            hint = empty_hint or ("tokenize with the course's tokenize(text), not str.split()"
                                  if ids.tolist() == split else None)
            raise Mismatch(f"wrong ids for {text!r}", expected=wanted, got=ids.tolist(), hint=hint)
        if int(label) != labels[index]:
            raise Mismatch(f"wrong label for dataset[{index}]", expected=labels[index], got=label)


def _test_tweet_dataset(dataset_class) -> str:
    vocab = {"<PAD>": 0, "<UNK>": 1, "happy": 2, "i": 3, "am": 4, ":)": 5, "!!!": 6}
    _dataset_case(dataset_class, ["I am happy :)", "I am worried", "", "Happy!!! happy:)"], [2, 1, 0, 2], vocab)
    return "Texts are tokenized and encoded, unknown words become <UNK>, and no item is empty."


a2 = Assignment(
    "A2 The text pipeline",
    q1=Question(
        "A2.1", "choosing a tokenizer", "chosen_tokenizer", _test_tokenizer_choice,
        hint_text="Look at what each tokenizer does to 'Happy', 'happy!!!', ':(' and \"don't\" in the table above.",
    ),
    q2=Question(
        "A2.2", "a vocabulary with min_freq", "build_vocab", _test_build_vocab,
        hint_text="Count with collections.Counter, sort by (-count, token), keep counts >= min_freq, and "
                  "number the tokens after '<PAD>' (0) and '<UNK>' (1).",
        extra_case=_vocab_case,
    ),
    q3=Question(
        "A2.3", "encoding the splits", "encode_splits", _test_encode_splits,
        hint_text="Tokenize, build the vocabulary from the TRAINING texts only, then encode both splits with "
                  "vocab.get(token, vocab['<UNK>']).",
        extra_case=_splits_case,
    ),
    q4=Question(
        "A2.4", "masked mean pooling", "masked_mean", _test_masked_mean,
        hint_text="mask.unsqueeze(-1) is [batch, seq_len, 1]: multiply, sum over dim 1, divide by the number "
                  "of real tokens (at least 1).",
        extra_case=_masked_mean_case,
    ),
    q5=Question(
        "A2.5", "a collate function with lengths", "collate", _test_collate,
        hint_text="Find the longest sequence, build NEW padded lists (never append to the given ones), and "
                  "turn padded ids, lengths and labels into LongTensors.",
        extra_case=_collate_case,
    ),
    q6=Question(
        "A2.6", "a Dataset class", "TweetDataset", _test_tweet_dataset,
        hint_text="Encode every text once in __init__ (tokenize, then vocab.get(token, unk)); use [unk] for "
                  "a text with no tokens; __getitem__ returns (torch.tensor(ids), label).",
        extra_case=_dataset_case,
    ),
)

__all__ = ["a2"]
