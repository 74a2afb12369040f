"""An LSTM written from its equations, with the same parameters as ``torch.nn.LSTM``.

For one time step, with input ``x_t`` and the previous state ``(h, c)``::

    i = sigmoid(W_ii x_t + b_ii + W_hi h + b_hi)    input gate: how much new content to write
    f = sigmoid(W_if x_t + b_if + W_hf h + b_hf)    forget gate: how much of c to keep
    g =    tanh(W_ig x_t + b_ig + W_hg h + b_hg)    cell candidate: the new content (tanh, not sigmoid!)
    o = sigmoid(W_io x_t + b_io + W_ho h + b_ho)    output gate: how much of c to show
    c' = f * c + i * g                              the cell state: an ADDITIVE path through time
    h' = o * tanh(c')

The four gates are fused: one ``[4 * hidden, input]`` matrix ``weight_ih`` and one
``[4 * hidden, hidden]`` matrix ``weight_hh`` (rows in the order i, f, g, o, as in PyTorch), so
each step costs one matrix product for the hidden state instead of four.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class ScratchLSTMCell(nn.Module):
    """One LSTM step. Parameters are named and shaped like ``nn.LSTMCell``'s.

    ``forward(x, state=None)``: ``x`` is ``[batch, input_size]`` (one example: ``x.unsqueeze(0)``),
    ``state`` is ``(h, c)``, each ``[batch, hidden_size]`` (zeros when ``None``). Returns the new
    ``(h, c)``. Input or state of any other shape raises a ``ValueError`` that says what was expected.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        if not all(isinstance(size, int) for size in (input_size, hidden_size)):
            raise TypeError(f"input_size and hidden_size must be ints, got {input_size!r} and {hidden_size!r}")
        if input_size < 1 or hidden_size < 1:
            raise ValueError(f"input_size and hidden_size must be >= 1, got {input_size} and {hidden_size}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Initialise like PyTorch: uniform in [-1/sqrt(hidden_size), 1/sqrt(hidden_size)]."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for parameter in self.parameters():
            nn.init.uniform_(parameter, -bound, bound)

    def copy_weights_from(self, lstm: nn.Module) -> None:
        """Copy the weights of an ``nn.LSTMCell`` or a one-layer, one-direction ``nn.LSTM``."""
        if not isinstance(lstm, (nn.LSTM, nn.LSTMCell)):
            raise TypeError(f"can only copy from an nn.LSTM or nn.LSTMCell, got {type(lstm).__name__}")
        suffix = "_l0" if isinstance(lstm, nn.LSTM) else ""
        if isinstance(lstm, nn.LSTM) and (lstm.num_layers != 1 or lstm.bidirectional or lstm.proj_size):
            raise ValueError("can only copy from a single-layer, unidirectional nn.LSTM without proj_size")
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(self, name).copy_(getattr(lstm, name + suffix))

    def _zero_state(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        zeros = x.new_zeros(x.size(0), self.hidden_size)
        return zeros, zeros

    def _checked_state(self, state, shape: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``state`` as ``(h, c)`` if it is a pair of tensors of ``shape``; raise otherwise."""
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            length = f" of length {len(state)}" if isinstance(state, (tuple, list)) else ""
            raise ValueError(f"state must be a pair (h, c), got {type(state).__name__}{length}")
        h, c = state
        if tuple(h.shape) != shape or tuple(c.shape) != shape:
            raise ValueError(f"h and c must each have shape {list(shape)}, got {list(h.shape)} and {list(c.shape)}")
        return h, c

    def _update(self, gates: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Turn the fused pre-activations ``[batch, 4 * hidden]`` into the new ``(h, c)``."""
        i, f, g, o = gates.chunk(4, dim=1)  # each [batch, hidden]
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None):
        if x.dim() != 2 or x.size(1) != self.input_size:
            raise ValueError(f"x must be [batch, input_size], input_size={self.input_size}, got shape {list(x.shape)}")
        h, c = self._zero_state(x) if state is None else self._checked_state(state, (x.size(0), self.hidden_size))
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh  # [batch, 4 * hidden]
        return self._update(gates, c)


class ScratchLSTM(ScratchLSTMCell):
    """A one-layer LSTM over whole sequences (``batch_first``), built from the cell above.

    ``forward(x, state=None)``: ``x`` is ``[batch, seq_len, input_size]``; ``state`` is
    ``(h_0, c_0)``, each ``[1, batch, hidden_size]`` like ``nn.LSTM``'s. Returns
    ``(output [batch, seq_len, hidden], (h_n [1, batch, hidden], c_n [1, batch, hidden]))``.

    Two speed details:

    * the input projection of ALL steps is one big matrix product before the loop;
    * its steps are taken with ``unbind(1)``, not ``gx[:, t]``: the backward pass of each
      ``gx[:, t]`` slice builds a full-size gradient tensor, which makes backward quadratic in
      the sequence length. Outputs are collected in a list and stacked once at the end
      (growing a tensor with ``torch.cat`` every step is quadratic too).
    """

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None):
        if x.dim() != 3 or x.size(1) == 0 or x.size(2) != self.input_size:
            raise ValueError(f"x must be [batch, seq_len >= 1, input_size], input_size={self.input_size}, "
                             f"got shape {list(x.shape)}")
        if state is None:
            h, c = self._zero_state(x)
        else:
            h, c = self._checked_state(state, (1, x.size(0), self.hidden_size))
            h, c = h[0], c[0]  # drop the leading "layers" dimension: [batch, hidden]
        gx = x @ self.weight_ih.T + (self.bias_ih + self.bias_hh)  # [batch, seq_len, 4 * hidden]
        outputs = []
        for gx_t in gx.unbind(1):  # each [batch, 4 * hidden]
            h, c = self._update(gx_t + h @ self.weight_hh.T, c)
            outputs.append(h)
        output = torch.stack(outputs, dim=1)  # [batch, seq_len, hidden]
        return output, (h.unsqueeze(0), c.unsqueeze(0))
