"""The torch module of a multilayer perceptron (plain ``nn.Module``, no sklearn)."""

import functools

import numpy as np
import torch
from torch import nn

from .activations import ACTIVATIONS
from .embeddings import EMBEDDINGS, ColumnEmbedding
from .ensemble import ENSEMBLE_MEANS, EnsembleHeads, EnsembleInputs


# dropout masks compare uniform integers of 8 or 15 bits with the keep
# rate's share: 8 where the share of 256 gives a drop rate within
# _BYTE_RATE_TOLERANCE (relative) of the one asked for, 15 otherwise
_MASK_BITS = (8, 15)
_BYTE_RATE_TOLERANCE = 0.02
_SEED_HIGH = 2**63 - 1


def mask_source(generator):
    """Where a dropout layer's random words come from, given the torch
    ``generator`` of its stream (None: torch's global RNG).

    On the CPU, a NumPy ``SFC64`` bit generator seeded by one draw from
    ``generator``: its raw 64-bit words cost half of what torch's Mersenne
    Twister does (22 against 45 us for a 256 x 256 layer's mask), and random
    numbers are most of dropout's cost. The stream that is saved and
    continued stays ``generator``, advanced by that one draw per call. On a
    GPU, ``generator`` itself (its Philox draws are cheap there).
    """
    if generator is None or generator.device.type != "cpu":
        return generator
    seed = torch.randint(_SEED_HIGH, (), generator=generator).item()
    return np.random.SFC64(seed)


@functools.lru_cache(maxsize=64)
def mask_levels(p):
    """``(bits, threshold)`` of a dropout mask at drop rate ``0 < p < 1``:
    a unit is kept where its uniform ``bits``-bit integer is below
    ``threshold``, so the realised keep rate is ``threshold / 2**bits``.

    Bytes where the realised drop rate ``1 - threshold / 256`` is within 2 %
    of ``p`` (every rate from about 0.1 up; 0.1 gives 0.1016): eight units
    per 64-bit random word and single-byte passes, which took dropout's
    share of a CPU epoch from 0.21-0.23 to 0.16-0.19 of the bare loop
    (``bench_training.py --parts defaults``). Smaller rates use 15-bit
    integers, the rate within 2**-15 of ``p``.
    """
    for bits in _MASK_BITS:
        levels = 2**bits
        threshold = max(1, round((1.0 - p) * levels))
        if abs((1.0 - threshold / levels) - p) <= _BYTE_RATE_TOLERANCE * p:
            break
    return bits, threshold


def _random_levels(n, bits, source, device):
    """``n`` uniform ``bits``-bit integers (8: uint8, 15: int16) from a
    :func:`mask_source`."""
    if isinstance(source, np.random.BitGenerator):
        per_word = 64 // (8 if bits == 8 else 16)
        words = source.random_raw(-(-n // per_word)).view(np.int64)
        levels = torch.from_numpy(words).to(device, non_blocking=True)
        levels = levels.view(torch.uint8 if bits == 8 else torch.int16)[:n]
    else:
        # torch's int64 random_() leaves the top bit 0; a uint8 or int16
        # tensor's own random_() covers its whole range
        levels = torch.empty(n, dtype=torch.uint8 if bits == 8 else torch.int16,
                             device=device).random_(generator=source)
    return levels if bits == 8 else levels.bitwise_and_(2**bits - 1)


class InvertedDropout(nn.Module):
    """Inverted dropout drawing its masks from a given ``torch.Generator``.

    In training mode each unit is zeroed with probability ``p`` (as
    realised by :func:`mask_levels`: within 2 % of ``p``) and the survivors
    are scaled by the inverse of the keep rate, so the expected activation
    is unchanged; in evaluation mode the layer is the identity.
    """

    def __init__(self, p=0.0):
        super().__init__()
        self.p = float(p)
        # set by the trainer to a mask_source; None uses torch's global RNG
        self.generator = None

    def forward(self, x):
        if not self.training:
            return x
        return self.sample(x, self.generator)

    def sample(self, x, generator):
        """Apply a random mask drawn from ``generator`` (a
        :func:`mask_source`) whatever the mode.

        Each unit is kept where a uniform integer from the random words
        falls below a threshold (:func:`mask_levels`: bytes, eight from each
        64-bit word, for rates from about 0.1, 15-bit integers otherwise),
        and the survivors are scaled by the inverse of the realised keep
        rate, so the expected activation is exactly unchanged. A float draw
        per unit, compared, cast and divided, cost half an epoch again on
        the CPU (``bench_training.py --parts defaults``).
        """
        if self.p == 0.0:
            return x
        bits, threshold = mask_levels(self.p)
        if threshold >= 2**bits:  # p below half a level: every unit is kept
            return x
        levels = _random_levels(x.numel(), bits, generator, x.device)
        mask = levels.lt_(threshold).view(x.shape)
        return x * mask.to(x.dtype).mul_(2**bits / threshold)

    def extra_repr(self):
        return f"p={self.p}"


# input_scaling method -> whether the scaled values are smoothly clipped
INPUT_SCALINGS = {"standard": False, "robust": True}
# the smooth clip's bound: x / sqrt(1 + (x / c)^2) stays inside (-c, c)
CLIP_BOUND = 3.0


class InputScaling(nn.Module):
    """``(x - shift) * scale`` per column, then, with ``clip``, the smooth clip
    ``z / sqrt(1 + (z / 3)^2)``, which keeps ordinary values (``|z| <= 1`` moves
    by under 6 %) and bounds outliers to (-3, 3).

    ``shift`` and ``scale`` are buffers: saved with the weights, never trained.
    """

    def __init__(self, n_inputs, clip=False):
        super().__init__()
        self.clip = bool(clip)
        self.register_buffer("shift", torch.zeros(n_inputs))
        self.register_buffer("scale", torch.ones(n_inputs))

    def forward(self, x):
        z = (x - self.shift) * self.scale
        if self.clip:
            z = z * torch.rsqrt(1.0 + (z * (1.0 / CLIP_BOUND)) ** 2)
        return z

    def extra_repr(self):
        return f"{self.shift.numel()}, clip={self.clip}"


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
    input_scaling : {None, 'standard', 'robust'}
        With a method, the first layer is an :class:`InputScaling` whose
        statistics the estimator sets from its training data.
    numerical_embedding : {None, 'periodic', 'piecewise_linear'}
        With a method, the (scaled) inputs' columns ``embedded_columns`` go
        through that embedding (``embeddings.EMBEDDINGS``) before the first
        linear layer.
    embedded_columns : tuple of int
    ensemble_size : int
        Above 1, an efficient ensemble of that many members (see
        ``ensemble``): the first linear layer reads each member's copy of the
        inputs through an :class:`EnsembleInputs`, the last is an
        :class:`EnsembleHeads`. In training mode the outputs are then the
        members' (rows, k, n_outputs); in evaluation mode, the logits of the
        members' mean output (``ENSEMBLE_MEANS[output_activation]``) divided
        by the heads' ``temperature`` (1 unless a classifier calibrated).
    output_activation : str
        Key of ``losses.OUTPUTS``: how members' outputs are averaged.
    """

    def __init__(self, n_inputs, hidden_layer_sizes, n_outputs, activation, dropout,
                 input_dropout=0.0, input_scaling=None, numerical_embedding=None,
                 embedded_columns=(), ensemble_size=1, output_activation="identity"):
        super().__init__()
        layers = [InvertedDropout(input_dropout)] if input_dropout > 0 else []
        if input_scaling is not None:
            layers.append(InputScaling(n_inputs, clip=INPUT_SCALINGS[input_scaling]))
        fan_in = n_inputs
        if numerical_embedding is not None:
            layers.append(EMBEDDINGS[numerical_embedding](n_inputs, embedded_columns))
            fan_in = layers[-1].n_outputs
        self.ensemble_size = int(ensemble_size)
        # a registry key, not its function: the module stays picklable
        self.output_activation = output_activation
        if self.ensemble_size > 1:
            ENSEMBLE_MEANS[output_activation]  # an unknown output fails here
            layers.append(EnsembleInputs(self.ensemble_size, fan_in))
        for width, rate in zip(hidden_layer_sizes, dropout):
            layers.append(_linear(fan_in, width))
            layers.append(ACTIVATIONS[activation]())
            if rate > 0:
                layers.append(InvertedDropout(rate))
            fan_in = width
        layers.append(_linear(fan_in, n_outputs) if self.ensemble_size == 1
                      else EnsembleHeads(self.ensemble_size, fan_in, n_outputs))
        self.layers = nn.Sequential(*layers)

    def forward(self, x, dropout_generator=None):
        """Outputs (logits); with ``dropout_generator``, dropout is applied
        with masks from it even in eval mode (Monte-Carlo dropout). An
        ensemble's outputs are its members' in training mode, their mean's
        in evaluation mode and in a Monte-Carlo pass (a prediction, whatever
        mode a fit left the module in)."""
        if dropout_generator is None:
            x = self.layers(x)
        else:
            source = mask_source(dropout_generator)
            for layer in self.layers:
                if isinstance(layer, InvertedDropout):
                    x = layer.sample(x, source)
                else:
                    x = layer(x)
        if self.ensemble_size == 1 or (self.training and dropout_generator is None):
            return x
        return ENSEMBLE_MEANS[self.output_activation](x) / self.layers[-1].temperature

    @property
    def linears(self):
        """The ``nn.Linear`` layers, input to output (an ensemble's last:
        its :class:`EnsembleHeads`)."""
        return [m for m in self.layers if isinstance(m, (nn.Linear, EnsembleHeads))]

    @property
    def ensemble(self):
        """The :class:`EnsembleInputs` layer of an ensemble, or None."""
        return next((m for m in self.layers if isinstance(m, EnsembleInputs)), None)

    @property
    def scaling(self):
        """The :class:`InputScaling` layer, or None."""
        return next((m for m in self.layers if isinstance(m, InputScaling)), None)

    @property
    def embedding(self):
        """The numerical embedding layer, or None."""
        return next((m for m in self.layers if isinstance(m, ColumnEmbedding)), None)

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
