"""Deploying fitted models: the ``.skmlp`` model file (``save``, ``load``),
skops for pipelines, and ONNX export (``to_onnx``)."""

from ._format import load, save, trusted_types
from ._onnx import onnx_inputs, register_onnx_converters, to_onnx

__all__ = ["load", "save", "trusted_types", "onnx_inputs", "register_onnx_converters",
           "to_onnx"]
