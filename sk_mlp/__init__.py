"""sk_mlp: scikit-learn estimators for perceptrons and multilayer perceptrons,
built on skorch and PyTorch (CPU or GPU).

The public names below are the API; the subpackages mirror the layers
(the user guide's "Layout", docs/user_guide/development.md): ``_torch`` (modules, losses, training net), ``_common``
(what the estimators share), ``neural_network`` and ``linear_model`` (the
estimators), and above them ``io``, ``comparison``, ``preprocessing``,
``diagnostics`` and ``plotting``.
"""

from ._common.fitting import TrainingDivergedWarning
from ._common.network import FittedNetwork
from .comparison import METRICS, MODELS, compare, detect_task, fit_best, summarize
from .io._format import alias_legacy_modules
from .io import load, onnx_inputs, register_onnx_converters, save, to_onnx
from .linear_model import Perceptron
from .neural_network import MLPClassifier, MLPRegressor
from .plotting import plot_learning_curves
from ._sklearn_defaults import sklearn_defaults

__version__ = "0.2.0"

alias_legacy_modules()

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
    "FittedNetwork",
    "load",
    "save",
    "plot_learning_curves",
    "sklearn_defaults",
    "__version__",
]
