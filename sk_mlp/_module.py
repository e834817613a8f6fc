"""The torch module of a multilayer perceptron (plain ``nn.Module``, no sklearn)."""

import torch
from torch import nn

from ._activations import ACTIVATIONS


class InvertedDropout(nn.Module):
    """Inverted dropout drawing its masks from a given ``torch.Generator``.

    In training mode each unit is zeroed with probability ``p`` and the
    survivors are scaled by ``1 / (1 - p)``, so the expected activation is
    unchanged; in evaluation mode the layer is the identity.
    """

    def __init__(self, p=0.0):
        super().__init__()
        self.p = float(p)
        self.generator = None  # set by the trainer; None uses torch's default RNG

    def forward(self, x):
        if not self.training:
            return x
        return self.sample(x, self.generator)

    def sample(self, x, generator):
        """Apply a random mask drawn from ``generator`` whatever the mode."""
        if self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        return x * (mask < keep).to(x.dtype) / keep

    def extra_repr(self):
        return f"p={self.p}"


def _linear(fan_in, fan_out):
    # Left uninitialised: the estimator fills the weights from its own
    # generator, and torch's default init would draw from the global RNG.
    return nn.utils.skip_init(nn.Linear, fan_in, fan_out)


class MLPModule(nn.Module):
    """Fully connected network: (Linear -> activation -> dropout) * h -> Linear.

    Parameters
    ----------
    n_inputs : int
    hidden_layer_sizes : tuple of int
        ``()`` gives a single linear layer (softmax / linear regression).
    n_outputs : int
    activation : str
        Key of ``ACTIVATIONS`` used after every hidden layer.
    dropout : tuple of float
        One rate per hidden layer.
    input_dropout : float
        Dropout rate applied to the inputs (used by the perceptron).
    """

    def __init__(self, n_inputs, hidden_layer_sizes, n_outputs, activation, dropout,
                 input_dropout=0.0):
        super().__init__()
        layers = [InvertedDropout(input_dropout)] if input_dropout > 0 else []
        fan_in = n_inputs
        for width, rate in zip(hidden_layer_sizes, dropout):
            layers.append(_linear(fan_in, width))
            layers.append(ACTIVATIONS[activation]())
            if rate > 0:
                layers.append(InvertedDropout(rate))
            fan_in = width
        layers.append(_linear(fan_in, n_outputs))
        self.layers = nn.Sequential(*layers)

    def forward(self, x, dropout_generator=None):
        """Outputs (logits); with ``dropout_generator``, dropout is applied
        with masks from it even in eval mode (Monte-Carlo dropout)."""
        if dropout_generator is None:
            return self.layers(x)
        for layer in self.layers:
            if isinstance(layer, InvertedDropout):
                x = layer.sample(x, dropout_generator)
            else:
                x = layer(x)
        return x

    @property
    def linears(self):
        """The ``nn.Linear`` layers, input to output."""
        return [m for m in self.layers if isinstance(m, nn.Linear)]

    @property
    def dropouts(self):
        return [m for m in self.layers if isinstance(m, InvertedDropout)]


def load_state_dict_checked(module, tensors):
    """Copy ``tensors`` into ``module`` after checking names, shapes and values."""
    expected = module.state_dict()
    if set(expected) != set(tensors):
        raise ValueError(
            f"its tensors are {sorted(tensors)} but the architecture needs "
            f"{sorted(expected)}"
        )
    for name, tensor in tensors.items():
        if tuple(tensor.shape) != tuple(expected[name].shape):
            raise ValueError(
                f"tensor {name!r} has shape {tuple(tensor.shape)}, the architecture "
                f"needs {tuple(expected[name].shape)}"
            )
        if not tensor.is_floating_point() or not torch.isfinite(tensor).all():
            raise ValueError(f"tensor {name!r} is not a finite floating-point tensor")
    with torch.no_grad():
        for name, param in expected.items():
            param.copy_(tensors[name].to(param.dtype))
