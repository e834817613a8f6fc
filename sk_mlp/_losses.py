"""Per-sample losses of the MLP outputs, with scikit-learn's definitions.

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
    def forward(self, logits, y):
        return nn.functional.cross_entropy(logits, y, reduction="none")


class BinaryCrossEntropy(nn.Module):
    def forward(self, logits, y):
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
