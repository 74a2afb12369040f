"""The slow ways the benchmarks compare against: the source lecture's LSTM style, and an unpacked classifier.

Both are correct models (the tests check them against ``nn.LSTM`` and ``LSTMClassifier``), so the
benchmarks compare speed and nothing else.
"""

from __future__ import annotations

import torch
from torch import nn

from course_utils import LSTMClassifier


class SourceStyleLSTM(nn.Module):
    """An LSTM in the source lecture's style: one ``nn.Linear`` per gate, applied to ``[h, x_t]``, and an
    output tensor grown with ``torch.cat`` at every step.

    Growing the output copies everything computed so far at every step, so forward and backward are
    quadratic in the sequence length. The source's two bugs are fixed here (its cell candidate used a
    sigmoid instead of tanh, and it added a Linear + ReLU after each step), so this computes exactly
    what ``nn.LSTM`` computes: only the style is the source's.

    ``forward(x)``: ``x`` is ``[batch, seq_len, input_size]``; returns ``(output, (h_n, c_n))`` like
    ``nn.LSTM(batch_first=True)``.
    """

    GATES = ("input_gate", "forget_gate", "cell_gate", "output_gate")  # PyTorch's order: i, f, g, o

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.input_gate = nn.Linear(hidden_size + input_size, hidden_size)
        self.forget_gate = nn.Linear(hidden_size + input_size, hidden_size)
        self.cell_gate = nn.Linear(hidden_size + input_size, hidden_size)
        self.output_gate = nn.Linear(hidden_size + input_size, hidden_size)

    def forward(self, x: torch.Tensor):
        batch, steps, _ = x.shape
        h = x.new_zeros(batch, self.hidden_size)
        c = x.new_zeros(batch, self.hidden_size)
        output = x.new_zeros(batch, 0, self.hidden_size)  # grows by one step each time
        for t in range(steps):
            joined = torch.cat([h, x[:, t, :]], dim=1)  # [batch, hidden + input]
            i = torch.sigmoid(self.input_gate(joined))
            f = torch.sigmoid(self.forget_gate(joined))
            g = torch.tanh(self.cell_gate(joined))
            o = torch.sigmoid(self.output_gate(joined))
            c = f * c + i * g
            h = o * torch.tanh(c)
            output = torch.cat([output, h.unsqueeze(1)], dim=1)  # [batch, t + 1, hidden]: copies it all
        return output, (h.unsqueeze(0), c.unsqueeze(0))

    def copy_weights_from(self, lstm: nn.LSTM) -> None:
        """Take the weights of a one-layer, one-direction ``nn.LSTM`` (to check both compute the same)."""
        hidden = self.hidden_size
        with torch.no_grad():
            for k, name in enumerate(self.GATES):
                rows = slice(k * hidden, (k + 1) * hidden)
                gate = getattr(self, name)
                gate.weight.copy_(torch.cat([lstm.weight_hh_l0[rows], lstm.weight_ih_l0[rows]], dim=1))
                gate.bias.copy_(lstm.bias_hh_l0[rows] + lstm.bias_ih_l0[rows])


class UnpackedLSTMClassifier(LSTMClassifier):
    """``LSTMClassifier`` as the source lecture ran it: the LSTM reads the padded batch, padding included.

    Same parameters and arguments as ``LSTMClassifier``; ``lengths`` is only used to mask "avg"/"max"
    pooling. With right-padding, "last" pooling reads the final state AFTER the padding, so a short
    tweet's representation depends on how much padding its batch needed.
    """

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        embedded = self.dropout(self.embedding(x))  # [batch, seq_len, embed_dim]
        out, (h_n, _) = self.lstm(embedded)  # every position, padding included
        if self.pooling == "last":
            pooled = torch.cat(list(h_n[-self.num_directions:]), dim=1)  # the state after the padding
        else:
            if lengths is None:
                lengths = (x != self.pad_index).sum(dim=1)
            positions = torch.arange(x.size(1), device=x.device)
            mask = (positions.unsqueeze(0) < lengths.to(x.device).unsqueeze(1)).unsqueeze(-1)  # [batch, seq, 1]
            if self.pooling == "avg":
                pooled = (out * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
            else:
                pooled = out.masked_fill(~mask, float("-inf")).max(dim=1).values
        logits = self.head(self.dropout(pooled))
        return logits.squeeze(-1) if logits.size(-1) == 1 else logits
