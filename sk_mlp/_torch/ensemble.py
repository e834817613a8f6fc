"""Efficient ensembles (``ensemble_size``): k networks trained in one pass.

Written from the description of TabM's "mini" variant (Gorishniy, Kotelnikov
and Babenko, "TabM: Advancing Tabular Deep Learning with Parameter-Efficient
Ensembling", ICLR 2025), a BatchEnsemble (Wen, Tran and Ba, ICLR 2020) with
one adapter: every row is copied k times, member ``i``'s copy is multiplied
column by column by its own scales ``r_i`` (drawn as random signs, so the
members differ from the first step), the copies go through the hidden
layers, whose weights all members share, and member ``i`` ends in its own
output layer. Training minimises the mean of the k members' losses; at
prediction the members' outputs are averaged (probabilities for a
classifier, the outputs themselves for a regressor), which
:data:`ENSEMBLE_MEANS` writes back as logits so that everything reading the
network's logits (prediction, the validation loss and score, ONNX) sees the
ensemble's mean.

The k copies make an epoch cost up to k times a single network's compute;
what the ensemble buys is the variance a mean of k members removes.
"""

import math

import torch
from torch import nn


class EnsembleInputs(nn.Module):
    """``(rows, n) -> (rows, k, n)``: member ``i``'s copy of each row times
    its scales ``member_scales[i]``."""

    def __init__(self, n_members, n_inputs):
        super().__init__()
        self.member_scales = nn.Parameter(torch.ones(n_members, n_inputs))

    def reset(self, generator):
        """Random signs (+-1), drawn on the CPU from ``generator``."""
        signs = torch.randint(2, self.member_scales.shape, generator=generator) * 2 - 1
        with torch.no_grad():
            self.member_scales.copy_(signs)

    def forward(self, x):
        return x.unsqueeze(-2) * self.member_scales

    def extra_repr(self):
        k, n = self.member_scales.shape
        return f"members={k}, inputs={n}"


class EnsembleHeads(nn.Module):
    """One output layer per member: ``(rows, k, in) -> (rows, k, out)``,
    member ``i``'s values through ``weight[i]`` (out, in) and ``bias[i]``.

    ``in_features`` and ``out_features`` are one member's, as in
    ``nn.Linear``, whose place it takes.
    """

    def __init__(self, n_members, in_features, out_features):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = nn.Parameter(torch.empty(n_members, out_features, in_features))
        self.bias = nn.Parameter(torch.empty(n_members, out_features))
        # divides the logits of the members' mean (a classifier's calibration:
        # see calibration.py); 1 until a fit calibrates
        self.register_buffer("temperature", torch.ones(()))

    def forward(self, x):
        # (k, rows, in) @ (k, in, out): one product per member
        out = torch.baddbmm(self.bias.unsqueeze(1), x.transpose(0, 1),
                            self.weight.transpose(1, 2))
        return out.transpose(0, 1)

    def __setstate__(self, state):
        super().__setstate__(state)
        if "temperature" not in self._buffers:  # pickled before calibration existed
            self.register_buffer("temperature", torch.ones((), dtype=self.weight.dtype,
                                                           device=self.weight.device))

    def extra_repr(self):
        return (f"members={self.weight.shape[0]}, in_features={self.in_features}, "
                f"out_features={self.out_features}")


def _log_mean_exp(values):
    """``log(mean(exp(values)))`` over the members' axis (1), stably."""
    return torch.logsumexp(values, dim=1) - math.log(values.shape[1])


def _mean_sigmoid_logit(z):
    """The logit of the members' mean sigmoid: log p - log(1 - p)."""
    logsigmoid = nn.functional.logsigmoid
    return _log_mean_exp(logsigmoid(z)) - _log_mean_exp(logsigmoid(-z))


# output activation (``losses.OUTPUTS``'s keys) -> members' logits (rows, k,
# outputs) -> the logits whose output activation is the members' mean output
ENSEMBLE_MEANS = {
    "softmax": lambda z: _log_mean_exp(torch.log_softmax(z, dim=-1)),
    "logistic": _mean_sigmoid_logit,
    "identity": lambda z: z.mean(dim=1),
    "exp": _log_mean_exp,
}
