"""Per-sample losses of the MLP outputs, with scikit-learn's definitions,
and the ``OUTPUTS`` registry: each output activation's loss, its transform
of the logits and the (weighted) validation score early stopping reads.

Each loss is a plain ``nn.Module`` mapping (outputs before the output
activation, targets) to one loss per sample, so that sample weights and the
L2 penalty are applied in one place (``TrainingNet.get_loss``):

- softmax: cross-entropy;
- logistic (binary and multilabel): binary cross-entropy summed over labels;
- identity: half the squared error, averaged over outputs (optionally
  weighted per output);
- exp (Poisson): the half Poisson deviance ``exp(z) - y z + y log y - y``,
  summed over outputs (the log link: the output is ``exp(z)``).
"""

import torch
from torch import nn


class CrossEntropy(nn.Module):
    """Cross-entropy; with ``label_smoothing`` e the target puts 1 - e on
    the true class and e spread evenly over all classes."""

    def __init__(self, label_smoothing=0.0):
        super().__init__()
        self.label_smoothing = float(label_smoothing)

    def forward(self, logits, y):
        return nn.functional.cross_entropy(logits, y, reduction="none",
                                           label_smoothing=self.label_smoothing)


class BinaryCrossEntropy(nn.Module):
    """Binary cross-entropy summed over labels; ``label_smoothing`` e moves
    each 0/1 target e/2 towards 1/2."""

    def __init__(self, label_smoothing=0.0):
        super().__init__()
        self.label_smoothing = float(label_smoothing)

    def forward(self, logits, y):
        if self.label_smoothing:
            y = y * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        per_label = nn.functional.binary_cross_entropy_with_logits(logits, y,
                                                                   reduction="none")
        return per_label.sum(dim=1)


class HalfSquaredError(nn.Module):
    """``0.5 * mean_j(w_j (y_j - z_j)^2)``; ``output_weights`` w (default 1)
    let standardised targets carry each output's share of the loss on the
    user's scale."""

    def __init__(self, output_weights=None):
        super().__init__()
        self.output_weights = output_weights

    def forward(self, z, y):
        squares = (z - y) ** 2
        if self.output_weights is not None:
            squares = squares * torch.as_tensor(self.output_weights, dtype=z.dtype,
                                                device=z.device)
        return 0.5 * squares.mean(dim=1)


class HalfPoissonDeviance(nn.Module):
    def forward(self, z, y):
        return (torch.exp(z) - y * z + torch.xlogy(y, y) - y).sum(dim=1)


def _weighted_mean(values, weight):
    """Mean of ``values``, weighted by ``weight`` (None: equal weights)."""
    if weight is None:
        return values.mean()
    return (values * weight).sum() / weight.sum().clamp_min(1e-30)


# Validation scores of early stopping: functions of (logits, targets, sample
# weights or None), weighted as the loss training minimises.
def _accuracy(logits, y, weight=None):
    return _weighted_mean((logits.argmax(dim=1) == y).to(logits.dtype), weight)


def _subset_accuracy(logits, y, weight=None):
    return _weighted_mean(((logits > 0) == (y > 0.5)).all(dim=1).to(logits.dtype), weight)


def _r2(pred, y, weight=None):
    w = (torch.ones_like(y[:, :1]) if weight is None else weight[:, None]).to(pred.dtype)
    total_weight = w.sum().clamp_min(1e-30)
    mean = (w * y).sum(dim=0) / total_weight
    residual = (w * (y - pred) ** 2).sum(dim=0)
    total = (w * (y - mean) ** 2).sum(dim=0)
    r2 = torch.where(total > 0, 1 - residual / total.clamp_min(1e-30),
                     (residual == 0).to(pred.dtype))
    return r2.mean()


# Output activation -> (per-sample loss, logits -> outputs, validation score).
# The keys are scikit-learn's ``out_activation_`` names.
OUTPUTS = {
    "softmax": (CrossEntropy, lambda z: torch.softmax(z, dim=1), _accuracy),
    "logistic": (BinaryCrossEntropy, torch.sigmoid, _subset_accuracy),
    "identity": (HalfSquaredError, lambda z: z, _r2),
    "exp": (HalfPoissonDeviance, torch.exp, lambda z, y, w=None: _r2(torch.exp(z), y, w)),
}
