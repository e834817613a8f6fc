"""What ``compare`` can run and score: the model registry (``MODELS``, each
with its search spaces) and the metric registry (``METRICS``)."""

from dataclasses import dataclass, field

from scipy.stats import loguniform, uniform
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor
from sklearn.svm import SVC, SVR, LinearSVC, LinearSVR

from ..linear_model import Perceptron
from ..neural_network import MLPClassifier, MLPRegressor


class CompareError(ValueError):
    """Input that ``compare`` cannot work with; the message says what to change."""


# ------------------------------------------------------------------ metrics
@dataclass(frozen=True)
class _Metric:
    scorer: str              # scikit-learn scorer name
    greater_is_better: bool
    task: str


# name -> how it is scored. Scores are reported in the metric's own units
# (RMSE as a positive number), with the direction recorded alongside.
METRICS = {
    "accuracy": _Metric("accuracy", True, "classification"),
    "balanced_accuracy": _Metric("balanced_accuracy", True, "classification"),
    "roc_auc": _Metric("roc_auc", True, "classification"),
    "rmse": _Metric("neg_root_mean_squared_error", False, "regression"),
    "mae": _Metric("neg_mean_absolute_error", False, "regression"),
    "r2": _Metric("r2", True, "regression"),
}
_DEFAULT_METRIC = {"classification": "accuracy", "regression": "rmse"}


# ------------------------------------------------------------------- models
@dataclass(frozen=True)
class _Model:
    """One entry of the model registry."""
    description: str
    classifier: object = None      # builds the classification estimator
    regressor: object = None       # builds the regression estimator
    grid: dict = field(default_factory=dict)
    distributions: dict = field(default_factory=dict)
    # the regressor's search space, where its parameters differ
    regressor_grid: dict = None
    regressor_distributions: dict = None
    # Kernel SVMs cost about n^1.8 (measured: 30k rows 20 s, 100k rows > 300 s
    # per fit): those are the fits the time budget can subsample or skip.
    superlinear: bool = False
    ours: bool = False

    def build(self, task, device, seed):
        factory = self.classifier if task == "classification" else self.regressor
        if factory is None:
            raise CompareError(
                f"{self.description} does not do {task}; leave it out of --models."
            )
        return factory(device, seed)

    def space(self, task, search):
        """Hyperparameters searched for ``task`` ({} without a search)."""
        if search == "none":
            return {}
        regression = task == "regression" and self.regressor_grid is not None
        if search == "grid":
            return self.regressor_grid if regression else self.grid
        return self.regressor_distributions if regression else self.distributions


_HIDDEN_CHOICES = [(64,), (128,), (256,), (128, 128), (256, 256), (256, 256, 256)]
_MLP_GRID = {
    "hidden_layer_sizes": [(100,), (256, 256)],
    "activation": ["relu", "tanh"],
    "init": ["sklearn", "kaiming_uniform"],
    "weight_decay": [0.0, 1e-3],
    "dropout": [0.0, 0.2],
    "learning_rate_init": [1e-3, 1e-2],
}
_MLP_DISTRIBUTIONS = {
    "hidden_layer_sizes": _HIDDEN_CHOICES,
    "activation": ["relu", "tanh", "sigmoid", "gelu", "silu"],
    "init": ["sklearn", "xavier_uniform", "kaiming_uniform", "kaiming_normal"],
    "weight_decay": loguniform(1e-6, 1e-1),
    "dropout": uniform(0.0, 0.5),
    "learning_rate_init": loguniform(1e-4, 3e-2),
    "numerical_embedding": [None, "periodic", "piecewise_linear"],
    "ensemble_size": [1, 3, 5],
}
# the classifier's: its targets may also be smoothed (the regressor has none)
_MLP_CLASSIFIER_DISTRIBUTIONS = {**_MLP_DISTRIBUTIONS, "label_smoothing": [0.0, 0.1]}
_SKLEARN_MLP_GRID = {
    "hidden_layer_sizes": [(100,), (256, 256)],
    "activation": ["relu", "tanh"],
    "alpha": [1e-4, 1e-2],
    "learning_rate_init": [1e-3, 1e-2],
}
_SKLEARN_MLP_DISTRIBUTIONS = {
    "hidden_layer_sizes": _HIDDEN_CHOICES,
    "activation": ["relu", "tanh", "logistic"],
    "alpha": loguniform(1e-6, 1e-1),
    "learning_rate_init": loguniform(1e-4, 3e-2),
}
_SVM_GRID = {"C": [0.1, 1.0, 10.0, 100.0], "gamma": ["scale", 1e-3, 1e-2, 1e-1]}
_SVM_DISTRIBUTIONS = {"C": loguniform(1e-2, 1e3), "gamma": loguniform(1e-4, 1.0)}
_C_GRID = {"C": [0.01, 0.1, 1.0, 10.0]}
_C_DISTRIBUTIONS = {"C": loguniform(1e-3, 1e2)}

# Registry: name -> model. Keys are the --models names.
MODELS = {
    "mlp": _Model(
        "sk_mlp MLPClassifier / MLPRegressor",
        classifier=lambda device, seed: MLPClassifier(device=device, random_state=seed),
        # at its defaults it fits standardised targets, as the baselines do
        # through TransformedTargetRegressor
        regressor=lambda device, seed: MLPRegressor(device=device, random_state=seed),
        grid=_MLP_GRID, distributions=_MLP_CLASSIFIER_DISTRIBUTIONS,
        regressor_grid=_MLP_GRID, regressor_distributions=_MLP_DISTRIBUTIONS, ours=True,
    ),
    "perceptron": _Model(
        "sk_mlp Perceptron",
        classifier=lambda device, seed: Perceptron(device=device, random_state=seed),
        grid={"penalty": [None, "l2"], "alpha": [1e-4, 1e-2]},
        distributions={"penalty": [None, "l2", "l1"], "alpha": loguniform(1e-6, 1e-1)},
        ours=True,
    ),
    "svm": _Model(
        "SVC / SVR (RBF kernel)",
        classifier=lambda device, seed: SVC(random_state=seed),
        regressor=lambda device, seed: SVR(),
        grid=_SVM_GRID, distributions=_SVM_DISTRIBUTIONS, superlinear=True,
    ),
    "linear-svm": _Model(
        "LinearSVC / LinearSVR",
        classifier=lambda device, seed: LinearSVC(random_state=seed),
        regressor=lambda device, seed: LinearSVR(random_state=seed),
        grid=_C_GRID, distributions=_C_DISTRIBUTIONS,
    ),
    "sklearn-mlp": _Model(
        "scikit-learn MLPClassifier / MLPRegressor",
        classifier=lambda device, seed: SklearnMLPClassifier(random_state=seed),
        regressor=lambda device, seed: SklearnMLPRegressor(random_state=seed),
        grid=_SKLEARN_MLP_GRID, distributions=_SKLEARN_MLP_DISTRIBUTIONS,
    ),
    "linear": _Model(
        "LogisticRegression / Ridge",
        classifier=lambda device, seed: LogisticRegression(max_iter=1000),
        regressor=lambda device, seed: Ridge(),
        grid=_C_GRID, distributions=_C_DISTRIBUTIONS,
        # Ridge is searched over alpha rather than C
        regressor_grid={"alpha": [0.1, 1.0, 10.0, 100.0]},
        regressor_distributions={"alpha": loguniform(1e-3, 1e3)},
    ),
}
_SEARCHES = ("none", "grid", "random")
_INNER_FOLDS = 3
