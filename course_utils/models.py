"""The two text classifiers of the course: a bag of embeddings and an LSTM."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def _real_token_mask(x: torch.Tensor, lengths: torch.Tensor | None, pad_index: int) -> torch.Tensor:
    """BoolTensor ``[batch, seq_len]``: True at real tokens (from ``lengths`` if given, else from pad ids)."""
    if lengths is None:
        return x != pad_index
    positions = torch.arange(x.size(1), device=x.device)  # [seq_len]
    return positions.unsqueeze(0) < lengths.to(x.device).unsqueeze(1)  # [batch, seq_len]


def _check_batch(x: torch.Tensor, lengths: torch.Tensor | None, vocab_size: int) -> None:
    """Raise a clear error unless ``x`` is ids ``[batch, seq_len]`` in ``0..vocab_size-1`` and ``lengths`` fits it."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"token ids must be a LongTensor [batch, seq_len], got {type(x).__name__}")
    if x.dim() != 2:
        raise ValueError(f"token ids must have shape [batch, seq_len], got {tuple(x.shape)}; "
                         "for a single sequence pass x.unsqueeze(0)")
    if x.numel() and not x.is_meta and not x.is_floating_point():
        bad = x[(x < 0) | (x >= vocab_size)]
        if bad.numel():
            raise ValueError(f"token id {int(bad[0])} is outside the vocabulary: ids must be in "
                             f"0..{vocab_size - 1} (vocab_size={vocab_size})")
    if lengths is None:
        return
    if not isinstance(lengths, torch.Tensor) or lengths.is_floating_point() or lengths.dim() != 1:
        got = f"{lengths.dtype} of shape {tuple(lengths.shape)}" if isinstance(lengths, torch.Tensor) \
            else type(lengths).__name__
        raise TypeError(f"lengths must be an integer tensor [batch] (e.g. torch.tensor([...])), got {got}")
    if len(lengths) != x.size(0):
        raise ValueError(f"lengths has {len(lengths)} entries for a batch of {x.size(0)} sequences")
    if lengths.numel() and not lengths.is_meta and int(lengths.max()) > x.size(1):
        raise ValueError(f"a length of {int(lengths.max())} exceeds seq_len {x.size(1)} (the width of x)")


class BagOfEmbeddingsClassifier(nn.Module):
    """Embed every token, pool the embeddings (ignoring padding), then a small feed-forward net.

    Word order is thrown away by the pooling: "not happy" and "happy, not" look the same.

    Args:
        vocab_size: number of token ids (``len(vocab)``).
        embed_dim: size of each token's vector.
        hidden_dim: size of the hidden layer.
        num_classes: number of output logits.
        pad_index: id of ``<PAD>``; its embedding row stays zero and is never trained.
        pooling: ``"sum"`` or ``"mean"`` (mean divides by the number of REAL tokens).
    """

    POOLINGS = ("sum", "mean")

    def __init__(self, vocab_size: int, embed_dim: int, hidden_dim: int, num_classes: int,
                 pad_index: int = 0, pooling: str = "sum") -> None:
        super().__init__()
        if pooling not in self.POOLINGS:
            raise ValueError(f"pooling must be one of {self.POOLINGS}, got {pooling!r}")
        if vocab_size < 1 or num_classes < 1:
            raise ValueError(f"vocab_size and num_classes must be >= 1, got {vocab_size} and {num_classes}")
        self.pad_index = pad_index
        self.pooling = pooling
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_index)
        self.hidden = nn.Linear(embed_dim, hidden_dim)
        self.classifier = nn.Linear(hidden_dim, num_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """``x``: LongTensor ``[batch, seq_len]``; returns logits ``[batch, num_classes]``."""
        _check_batch(x, lengths, self.embedding.num_embeddings)
        mask = _real_token_mask(x, lengths, self.pad_index).unsqueeze(-1)  # [batch, seq_len, 1]
        embedded = self.embedding(x) * mask  # [batch, seq_len, embed_dim]
        pooled = embedded.sum(dim=1)  # [batch, embed_dim]
        if self.pooling == "mean":
            pooled = pooled / mask.sum(dim=1).clamp(min=1)  # divide by the true lengths
        hidden = torch.relu(self.hidden(pooled))  # [batch, hidden_dim]
        return self.classifier(hidden)  # [batch, num_classes]


class LSTMClassifier(nn.Module):
    """Embedding -> (packed) LSTM -> pooling over time -> linear layer.

    Args:
        vocab_size, embed_dim: as for ``nn.Embedding``.
        hidden_size: LSTM state size per direction.
        num_outputs: 1 gives logits ``[batch]`` for ``BCEWithLogitsLoss``;
            more gives ``[batch, num_outputs]`` for ``CrossEntropyLoss``.
        pooling: how the sequence of LSTM outputs becomes one vector:
            ``"last"`` the final hidden state (both directions concatenated when bidirectional),
            ``"avg"`` the mean over the REAL time steps, ``"max"`` the maximum over them.
        bidirectional, num_layers: as for ``nn.LSTM``.
        dropout: applied to the embeddings, between LSTM layers, and to the pooled vector.
        pad_index: id of ``<PAD>``.

    The sequences are packed with ``pack_padded_sequence``, so the LSTM never reads padding:
    a sequence's logits do not depend on how much padding its batch added. (Packing is what makes
    ``h_n`` and the backward direction right; a forward LSTM's outputs at real positions would be
    the same without it.)
    """

    POOLINGS = ("last", "avg", "max")

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, num_outputs: int = 1,
                 pooling: str = "last", bidirectional: bool = False, num_layers: int = 1,
                 dropout: float = 0.0, pad_index: int = 0) -> None:
        super().__init__()
        if pooling not in self.POOLINGS:
            raise ValueError(f"pooling must be one of {self.POOLINGS}, got {pooling!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        if num_outputs < 1:
            raise ValueError(f"num_outputs must be >= 1, got {num_outputs}")
        self.pooling = pooling
        self.pad_index = pad_index
        self.num_directions = 2 if bidirectional else 1
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_index)
        self.lstm = nn.LSTM(embed_dim, hidden_size, num_layers=num_layers, batch_first=True,
                            bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size * self.num_directions, num_outputs)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """``x``: LongTensor ``[batch, seq_len]``; ``lengths``: true lengths ``[batch]``
        (computed from the padding if ``None``). Returns logits ``[batch]`` or ``[batch, num_outputs]``."""
        _check_batch(x, lengths, self.embedding.num_embeddings)
        if lengths is None:
            lengths = (x != self.pad_index).sum(dim=1)
        lengths = lengths.cpu()  # pack_padded_sequence wants the lengths on the CPU
        if lengths.numel() and int(lengths.min()) < 1:
            raise ValueError(f"every sequence needs length >= 1; found a length of {int(lengths.min())}")
        embedded = self.dropout(self.embedding(x))  # [batch, seq_len, embed_dim]
        packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        packed_out, (h_n, _) = self.lstm(packed)  # h_n: [layers * directions, batch, hidden]

        if self.pooling == "last":
            # the last layer's final state for each direction, side by side
            pooled = torch.cat(list(h_n[-self.num_directions:]), dim=1)  # [batch, hidden * directions]
        else:
            out, _ = pad_packed_sequence(packed_out, batch_first=True)  # [batch, longest, hidden * dirs]
            mask = _real_token_mask(out[..., 0], lengths, self.pad_index).unsqueeze(-1)  # [batch, longest, 1]
            if self.pooling == "avg":
                pooled = (out * mask).sum(dim=1) / lengths.to(out.device).unsqueeze(1)
            else:
                pooled = out.masked_fill(~mask, float("-inf")).max(dim=1).values
        logits = self.head(self.dropout(pooled))  # [batch, num_outputs]
        return logits.squeeze(-1) if logits.size(-1) == 1 else logits
