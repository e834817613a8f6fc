"""Keeping weights and optimiser moments out of float32's subnormal range.

Weights the data no longer move (the rows and columns of dead ReLU units,
say) shrink under weight decay towards zero, and Adam's moments follow them
down (a dead unit's bias keeps its value, but its first moment decays by
0.9 a step), through float32's subnormal range (below about 1.2e-38). On
x86 CPUs an operation with a subnormal operand takes a microcode assist,
many times slower than a normal one: a few thousand such weights in a
256 x 256 matrix made the default regressor's steps four times slower by the
end of its fit (``benchmarks/bench_training.py --parts defaults``, part 7b).

Every :data:`FLUSH_EVERY` steps a weight below :data:`TINY` in magnitude is
set to exactly 0 with its optimiser moments (momentum, Adam's first and
second moments), and so is any moment or moving average below it on its
own. With no gradient from the data a zero weight with zero moments stays 0
and never comes back through the subnormals; with a gradient it trains on
as any other. Nothing a model computes moves: a weight of 1e-30 times an
activation is 20 orders of magnitude below float32's resolution of the sum
it joins, and a second moment of 1e-30 changes Adam's denominator
``sqrt(v) + 1e-8`` by 1e-7 of itself. Exact zeros are left as they are
(``L1`` shrinkage holds weights at 0 on purpose, with live moments).

The processor's flush-to-zero mode (``torch.set_flush_denormal``) would do
this for every tensor, but it belongs to each thread: set inside a fit it
misses the thread pool's workers made before, and leaks into the ones made
during it.
"""

import torch

# magnitude below which a weight, moment or average is flushed to 0
TINY = 1e-30
# optimiser steps between flushes: from 1e-30 to the subnormals (1.2e-38)
# takes longer at any decay slower than 0.56 a step (Adam's first moment:
# 0.9; a dead weight under the default decay: far slower)
FLUSH_EVERY = 32


def _tiny(values):
    return values.abs().lt(TINY)


def flush_tiny_weights(params, optimizer, averages=()):
    """Flush ``params``' tiny entries to 0, with their same-shaped
    ``optimizer`` state tensors, and every tiny entry of those states and of
    ``averages`` (a list like ``params``, or empty)."""
    with torch.no_grad():
        for param in params:
            tiny = _tiny(param).logical_and_(param != 0)
            param.masked_fill_(tiny, 0.0)
            for value in optimizer.state.get(param, {}).values():
                if torch.is_tensor(value) and value.shape == param.shape:
                    value.masked_fill_(_tiny(value).logical_or_(tiny), 0.0)
        for average in averages:
            average.masked_fill_(_tiny(average), 0.0)
