"""Embeddings of numerical features: each column becomes a small vector
before the first linear layer (``numerical_embedding``).

Both kinds follow Gorishniy, Rubachev and Babenko, "On Embeddings for
Numerical Features in Tabular Deep Learning" (NeurIPS 2022), written from
the paper's description: column ``j``'s value ``x`` becomes a few features
of its own, then a linear map of its own to ``d`` values, then ReLU. A
network can then bend its response to one column before columns mix, which
a plain first layer does only through its ReLUs.

- ``'periodic'`` (PLR): ``v = 2 pi c_j x`` for ``k`` trained frequencies
  ``c_j`` (drawn from ``N(0, sigma^2)``), the features ``[sin v, cos v]``;
- ``'piecewise_linear'`` (PLE): ``T`` bins between quantiles ``b_0 < ... <
  b_T`` of the column's training values (fewer where it has fewer distinct
  values), the feature of bin ``t`` the position of ``x`` in it, ``(x -
  b_t) / (b_(t+1) - b_t)`` clipped to [0, 1], except that the first bin
  is not clipped below nor the last above (values beyond the training range
  extrapolate). The bins are fitted statistics, set by the first ``fit``
  like ``input_scaling``'s, never trained.

Columns whose training values are all 0 or 1 (one-hot codes, indicators)
pass through as they are: an embedding adds nothing to two values and would
multiply the first layer's width.
"""

import math

import numpy as np
import torch
from torch import nn

# frequencies per column, bins per column, values per embedded column, and
# the frequencies' scale for standardised inputs (a period of 2 pi / sigma
# standard deviations)
N_FREQUENCIES = 16
N_BINS = 16
EMBEDDING_DIM = 16
FREQUENCY_SCALE = 0.1
# rows per block when scanning X for 0/1 columns
_SCAN_ROWS = 65536


def embedded_width(n_inputs, n_embedded):
    """Width of the embedding's output: the passed columns plus
    ``EMBEDDING_DIM`` values for each of the ``n_embedded`` columns."""
    return n_inputs + n_embedded * (EMBEDDING_DIM - 1)


def embedded_columns(X, rows=None):
    """Indices of the columns of ``X`` (dense or CSR) holding a value other
    than 0 and 1 in the ``rows`` (a boolean mask; None: all): the columns an
    embedding encodes. ``X`` is read a block at a time, never copied whole."""
    n_features = X.shape[1]
    if hasattr(X, "tocsc"):
        data = X.tocsc()
        found = []
        for j in range(n_features):
            part = slice(data.indptr[j], data.indptr[j + 1])
            values = data.data[part]
            if rows is not None:
                values = values[rows[data.indices[part]]]
            if np.any(values != 1):
                found.append(j)
        return tuple(found)
    other = np.zeros(n_features, dtype=bool)
    for start in range(0, X.shape[0], _SCAN_ROWS):
        block = X[start:start + _SCAN_ROWS]
        if rows is not None:
            block = block[rows[start:start + _SCAN_ROWS]]
        other |= np.any((block != 0) & (block != 1), axis=0)
    return tuple(int(j) for j in np.flatnonzero(other))


def _column(X, j):
    """Column ``j`` of ``X`` (dense or CSC) as a dense float64 vector."""
    if hasattr(X, "indptr"):
        values = np.zeros(X.shape[0])
        rows = slice(X.indptr[j], X.indptr[j + 1])
        values[X.indices[rows]] = X.data[rows]
        return values
    return np.asarray(X[:, j], dtype=np.float64)


def quantile_edges(X, columns, n_bins=N_BINS):
    """``(len(columns), n_bins + 1)`` bin edges: the distinct quantiles of
    each column at ``0, 1/n_bins, ..., 1``, padded with the largest (a
    padded bin has width 0 and is unused)."""
    X = X.tocsc() if hasattr(X, "tocsc") else X
    levels = np.linspace(0.0, 1.0, n_bins + 1)
    edges = np.empty((len(columns), n_bins + 1))
    for row, j in enumerate(columns):
        distinct = np.unique(np.quantile(_column(X, j), levels))
        edges[row] = np.r_[distinct, np.full(n_bins + 1 - len(distinct), distinct[-1])]
    return edges


class ColumnEmbedding(nn.Module):
    """What both embeddings share: the columns ``embedded`` of an
    ``n_inputs``-column input become ``n_features`` features each
    (``features``: the ``(columns, rows)`` values in, ``(columns, rows,
    n_features)`` out), then ``relu(features @ weight[i] + bias[i])``; the
    others pass through. The output holds the passed columns, then
    ``EMBEDDING_DIM`` values per embedded column."""

    kind = None  # the numerical_embedding name
    n_features = 0  # features per column before its linear map

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
        self.weight = nn.Parameter(torch.empty(m, self.n_features, EMBEDDING_DIM))
        self.bias = nn.Parameter(torch.empty(m, EMBEDDING_DIM))

    @property
    def _embeds_all(self):
        """Every column embedded, in order: the input needs no gather. (A
        property, not an attribute: modules pickled before it existed.)"""
        return self.embedded_columns == tuple(range(self.n_inputs))

    @classmethod
    def values_per_column(cls):
        """Saved values per embedded column: the map, its bias and the
        kind's own (``_own_values``)."""
        return (cls.n_features + 1) * EMBEDDING_DIM + cls._own_values

    @property
    def n_outputs(self):
        """Width of the output: passed columns plus the embeddings."""
        return embedded_width(self.n_inputs, len(self.embedded_columns))

    def reset(self, generator):
        """Each column's linear map uniform in +-1/sqrt(fan_in), as torch's
        ``nn.Linear``."""
        with torch.no_grad():
            bound = 1.0 / math.sqrt(self.n_features)
            self.weight.uniform_(-bound, bound, generator=generator)
            self.bias.uniform_(-bound, bound, generator=generator)

    def prepare(self, X, scaling):
        """Statistics of the training rows ``X`` (raw inputs; ``scaling``
        the network's ``InputScaling`` or None): none by default."""

    def forward(self, x):
        # column-major throughout: (columns, rows) values, (columns, rows, f)
        # features, one small product per column with its bias fused in;
        # the codes are laid out row-major once, by the final copy (no
        # gather where every column is embedded, no concatenation where
        # none passes)
        values = x.T if self._embeds_all else x[:, self.embedded].T
        features = self.features(values)
        codes = torch.relu(torch.baddbmm(self.bias.unsqueeze(1), features, self.weight))
        codes = codes.transpose(0, 1).reshape(x.shape[0], -1)
        if not len(self.passed):
            return codes
        return torch.cat([x[:, self.passed], codes], dim=1)

    def export(self, numpy):
        """The embedding as ``FittedNetwork.embedding`` describes it."""
        return dict(kind=self.kind,
                    columns=np.array(self.embedded_columns, dtype=np.int64),
                    passed=self.passed.cpu().numpy().astype(np.int64),
                    weight=numpy(self.weight), bias=numpy(self.bias),
                    **{name: numpy(getattr(self, name)) for name in self._own})

    def extra_repr(self):
        return (f"{self.n_inputs}, embedded={len(self.embedded_columns)} columns, "
                f"features={self.n_features}, dim={EMBEDDING_DIM}")


class PeriodicEmbedding(ColumnEmbedding):
    """PLR embedding: ``[sin(2 pi c x), cos(2 pi c x)]`` for ``N_FREQUENCIES``
    trained frequencies ``c`` per column."""

    kind = "periodic"
    n_features = 2 * N_FREQUENCIES
    _own = ("frequencies",)
    _own_values = N_FREQUENCIES

    def __init__(self, n_inputs, embedded):
        super().__init__(n_inputs, embedded)
        self.frequencies = nn.Parameter(torch.empty(len(self.embedded_columns),
                                                    N_FREQUENCIES))
        # cos v = sin(v + pi/2): one sine over [v, v + pi/2] makes both
        # halves (4 % of a fit on noisy regression against sin, cos and a
        # concatenation); a constant, no part of the saved state
        phase = torch.zeros(2 * N_FREQUENCIES)
        phase[N_FREQUENCIES:] = math.pi / 2
        self.register_buffer("phase", phase, persistent=False)

    def reset(self, generator):
        """Frequencies from ``N(0, FREQUENCY_SCALE^2)``, then the maps."""
        with torch.no_grad():
            self.frequencies.normal_(0.0, FREQUENCY_SCALE, generator=generator)
        super().reset(generator)

    def features(self, values):
        frequencies = (2 * math.pi) * self.frequencies.repeat(1, 2).unsqueeze(1)
        return torch.sin(torch.addcmul(self.phase, values.unsqueeze(-1), frequencies))


class PiecewiseLinearEmbedding(ColumnEmbedding):
    """PLE embedding: the position of ``x`` in each of ``N_BINS`` quantile
    bins of its column (``edges``, a fitted buffer)."""

    kind = "piecewise_linear"
    n_features = N_BINS
    _own = ("edges",)
    _own_values = N_BINS + 1

    def __init__(self, n_inputs, embedded):
        super().__init__(n_inputs, embedded)
        edges = torch.arange(N_BINS + 1, dtype=torch.float32).repeat(
            len(self.embedded_columns), 1)
        self.register_buffer("edges", edges)

    def prepare(self, X, scaling):
        """Quantile edges of the rows ``X``, brought to the scale the
        embedding sees (``scaling`` is increasing in every column, so edges
        stay in order)."""
        edges = quantile_edges(X, self.embedded_columns)
        full = np.zeros((edges.shape[1], self.n_inputs))
        full[:, list(self.embedded_columns)] = edges.T
        with torch.no_grad():
            values = torch.from_numpy(full).to(self.edges.device, self.edges.dtype)
            if scaling is not None:
                values = scaling(values)
            self.edges.copy_(values[:, self.embedded].T)

    def features(self, values):
        left = self.edges[:, :-1].unsqueeze(1)
        width = self.edges.diff(dim=1).unsqueeze(1)
        used = width > 0  # padded bins have width 0
        last = used.sum(dim=-1, keepdim=True) - 1  # each column's last bin
        t = torch.arange(N_BINS, device=values.device)
        z = (values.unsqueeze(-1) - left) / torch.where(used, width, torch.ones_like(width))
        z = torch.where(t > 0, z.clamp_min(0.0), z)  # the first bin extends below
        z = torch.where(t < last, z.clamp_max(1.0), z)  # the last above
        return z * used


# numerical_embedding name -> module class
EMBEDDINGS = {cls.kind: cls for cls in (PeriodicEmbedding, PiecewiseLinearEmbedding)}
