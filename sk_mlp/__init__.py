"""sk_mlp: scikit-learn estimators for perceptrons and multilayer perceptrons,
built on skorch and PyTorch (CPU or GPU)."""

from ._classifier import MLPClassifier
from ._compare import METRICS, MODELS, compare, detect_task, fit_best, summarize
from ._base import TrainingDivergedWarning
from ._onnx import onnx_inputs, register_onnx_converters, to_onnx
from ._perceptron import Perceptron
from ._persistence import load, save
from ._plotting import plot_learning_curves
from ._regressor import MLPRegressor
from ._sklearn_defaults import sklearn_defaults

__version__ = "0.2.0"

__all__ = [
    "MLPClassifier",
    "MLPRegressor",
    "Perceptron",
    "METRICS",
    "MODELS",
    "compare",
    "detect_task",
    "fit_best",
    "summarize",
    "onnx_inputs",
    "register_onnx_converters",
    "to_onnx",
    "TrainingDivergedWarning",
    "load",
    "save",
    "plot_learning_curves",
    "sklearn_defaults",
    "__version__",
]
