"""Rosenblatt's perceptron: ``Perceptron``, its step-rule net and the array-speed
epoch kernels of the mistake-driven update."""

from ._perceptron import Perceptron

# Pickles and skops files name the class by this public path.
Perceptron.__module__ = __name__

__all__ = ["Perceptron"]
