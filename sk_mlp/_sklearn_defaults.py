"""scikit-learn's defaults, for a script that wants scikit-learn's model."""

import inspect

# sk_mlp-only parameters at the value under which the model is scikit-learn's
_SKLEARN_EQUIVALENT = {
    "dropout": 0.0,
    "weight_decay": 0.0,
    "label_smoothing": 0.0,
    "standardize_target": False,
    "input_scaling": None,
    "ema_momentum": 0.0,
    "ensemble_size": 1,
    "numerical_embedding": None,
    # scikit-learn's 'auto' batch is min(200, n_samples): 200 here (a batch
    # beyond the rows takes them all)
    "batch_size": 200,
    "autocast": None,
}


def _defaults(cls):
    return {name: p.default for name, p in inspect.signature(cls.__init__).parameters.items()
            if p.default is not inspect.Parameter.empty}


def sklearn_defaults(estimator):
    """The parameters whose sk_mlp default differs from scikit-learn's, at
    scikit-learn's value.

    sk_mlp's defaults were chosen on the quality benchmark (a wider network,
    dropout, weight decay, early stopping, ...); every shared parameter keeps
    scikit-learn's meaning, so setting these back gives scikit-learn's model
    (with ``init='sklearn'``, from the same initial weights).

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor, class or instance

    Returns
    -------
    dict
        Keyword arguments for the estimator's constructor.

    Examples
    --------
    >>> from sk_mlp import MLPClassifier, sklearn_defaults
    >>> sklearn_defaults(MLPClassifier)["hidden_layer_sizes"]
    (100,)
    >>> MLPClassifier(**sklearn_defaults(MLPClassifier)).early_stopping
    False
    """
    from sklearn import neural_network

    cls = estimator if isinstance(estimator, type) else type(estimator)
    reference = next((getattr(neural_network, base.__name__) for base in cls.__mro__
                      if base.__module__.startswith("sk_mlp")
                      and hasattr(neural_network, base.__name__)), None)
    if reference is None:
        raise TypeError(f"{cls.__name__} has no counterpart in sklearn.neural_network; "
                        "pass MLPClassifier or MLPRegressor.")
    ours, theirs = _defaults(cls), _defaults(reference)
    wanted = {**theirs, **{k: v for k, v in _SKLEARN_EQUIVALENT.items() if k in ours}}
    return {name: value for name, value in wanted.items()
            if name in ours and not _same(ours[name], value)}


def _same(a, b):
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and \
            tuple(a) == tuple(b)
    return a == b  # numbers by value (0 == False)


# the PNG text key under which pictures record the defaults they show
PICTURE_KEY = "sk_mlp defaults"
# constants of rules that act on data no picture shows, with where they act:
# a change to them leaves every picture as it was
_NO_PICTURE_SHOWS = {
    # binary targets of 16,000 rows and more with under 1,000 rows of the
    # rarer class: the examples fit at most 2,000 rows (Fashion-MNIST and
    # the digits are multiclass, the house prices a regression) and the
    # scaling picture's table is balanced
    "AUTO_RARE_ROWS",
}


def defaults_fingerprint():
    """A short hash of everything that makes sk_mlp's defaults: the
    estimators' default parameters and the constants of the rules that
    resolve their ``'auto'`` values. A picture or report made with the
    defaults records it (:func:`picture_metadata`), so a test can tell one
    made before the defaults changed."""
    import hashlib

    from .linear_model import Perceptron
    from .neural_network import MLPClassifier, MLPRegressor, _settings

    def shown(cls):
        # a parameter added with a default that means what models had done
        # before it (``_params_added``: validation_split='random') changes no
        # picture
        added = getattr(cls, "_params_added", {})
        return {name: value for name, value in _defaults(cls).items()
                if not (name in added and _same(added[name], value))}

    parts = [f"{cls.__name__}: {sorted(shown(cls).items(), key=str)!r}"
             for cls in (MLPClassifier, MLPRegressor, Perceptron)]
    parts += [f"{name}={getattr(_settings, name)!r}" for name in sorted(dir(_settings))
              if name.startswith("AUTO_") and name not in _NO_PICTURE_SHOWS]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def picture_metadata(made_by, quick=False):
    """PNG text metadata (``savefig(..., metadata=...)``) saying which
    command made a picture, with which defaults, and whether it was a quick
    (sampled) run."""
    return {"Software": made_by, "Comment": "quick (sampled) run" if quick else "full run",
            "Source": f"{PICTURE_KEY} {defaults_fingerprint()}"}
