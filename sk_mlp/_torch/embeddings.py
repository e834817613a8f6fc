"""Embeddings of numerical features: each column becomes a small vector
before the first linear layer (``numerical_embedding``).

``'periodic'`` is the PLR embedding of Gorishniy, Rubachev and Babenko, "On
Embeddings for Numerical Features in Tabular Deep Learning" (NeurIPS 2022),
written from the paper's description: column ``j``'s value ``x`` becomes
``v = 2 pi c_j x`` for ``k`` trained frequencies ``c_j`` (drawn from
``N(0, sigma^2)``), then ``[sin v, cos v]``, then a linear map of its own to
``d`` values, then ReLU. A network can then bend its response to one
column at many scales before columns mix, which a plain first layer does
only through its ReLUs. Columns whose training values are all 0 or 1
(one-hot codes, indicators) pass through as they are: an embedding adds
nothing to two values and would multiply the first layer's width.
"""

import math

import numpy as np
import torch
from torch import nn

# frequencies per column, values per embedded column, and the frequencies'
# scale for standardised inputs (a period of 2 pi / sigma standard deviations)
N_FREQUENCIES = 16
EMBEDDING_DIM = 16
FREQUENCY_SCALE = 0.1
# trained values per embedded column: frequencies, its map and bias
PARAMETERS_PER_COLUMN = N_FREQUENCIES + (2 * N_FREQUENCIES + 1) * EMBEDDING_DIM
# rows per block when scanning X for 0/1 columns
_SCAN_ROWS = 65536


def embedded_width(n_inputs, n_embedded):
    """Width of the embedding's output: the passed columns plus
    ``EMBEDDING_DIM`` values for each of the ``n_embedded`` columns."""
    return n_inputs + n_embedded * (EMBEDDING_DIM - 1)


def embedded_columns(X):
    """Indices of the columns of ``X`` (dense or CSR) holding a value other
    than 0 and 1: the columns an embedding encodes."""
    n_features = X.shape[1]
    if hasattr(X, "tocsc"):
        data = X.tocsc()
        return tuple(j for j in range(n_features)
                     if np.any(data.data[data.indptr[j]:data.indptr[j + 1]] != 1))
    other = np.zeros(n_features, dtype=bool)
    for start in range(0, X.shape[0], _SCAN_ROWS):
        block = X[start:start + _SCAN_ROWS]
        other |= np.any((block != 0) & (block != 1), axis=0)
    return tuple(int(j) for j in np.flatnonzero(other))


class PeriodicEmbedding(nn.Module):
    """PLR embedding of the columns ``embedded`` of an ``n_inputs``-column
    input; the others pass through. The output holds the passed columns,
    then ``EMBEDDING_DIM`` values per embedded column."""

    def __init__(self, n_inputs, embedded):
        super().__init__()
        self.n_inputs = int(n_inputs)
        self.embedded_columns = tuple(int(j) for j in embedded)
        passed = sorted(set(range(self.n_inputs)) - set(self.embedded_columns))
        # index tensors move with the module but are no part of its saved
        # state (which holds floating-point tensors only): the column list is
        # a constructor argument, saved with the architecture
        self.register_buffer("embedded", torch.tensor(self.embedded_columns,
                                                      dtype=torch.long), persistent=False)
        self.register_buffer("passed", torch.tensor(passed, dtype=torch.long),
                             persistent=False)
        m = len(self.embedded_columns)
        self.frequencies = nn.Parameter(torch.empty(m, N_FREQUENCIES))
        self.weight = nn.Parameter(torch.empty(m, 2 * N_FREQUENCIES, EMBEDDING_DIM))
        self.bias = nn.Parameter(torch.empty(m, EMBEDDING_DIM))

    @property
    def n_outputs(self):
        """Width of the output: passed columns plus the embeddings."""
        return embedded_width(self.n_inputs, len(self.embedded_columns))

    def reset(self, generator):
        """Frequencies from ``N(0, FREQUENCY_SCALE^2)``; each column's linear
        map uniform in +-1/sqrt(fan_in), as torch's ``nn.Linear``."""
        with torch.no_grad():
            self.frequencies.normal_(0.0, FREQUENCY_SCALE, generator=generator)
            bound = 1.0 / math.sqrt(2 * N_FREQUENCIES)
            self.weight.uniform_(-bound, bound, generator=generator)
            self.bias.uniform_(-bound, bound, generator=generator)

    def forward(self, x):
        angles = (2 * math.pi) * x[:, self.embedded].unsqueeze(-1) * self.frequencies
        features = torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)
        # (columns, rows, 2k) @ (columns, 2k, d): one small product per column
        mapped = torch.bmm(features.transpose(0, 1), self.weight).transpose(0, 1)
        codes = torch.relu(mapped + self.bias)
        return torch.cat([x[:, self.passed], codes.flatten(1)], dim=1)

    def extra_repr(self):
        return (f"{self.n_inputs}, embedded={len(self.embedded_columns)} columns, "
                f"frequencies={N_FREQUENCIES}, dim={EMBEDDING_DIM}")


# numerical_embedding name -> module class
EMBEDDINGS = {"periodic": PeriodicEmbedding}
