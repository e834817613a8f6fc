"""What every estimator's fit and predict share: rolling a failed fit back,
seeded local generators, class weights per row, early stopping's validation
split, chunked prediction sizes, and output checks."""

import copy
import math

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight


class TrainingDivergedWarning(RuntimeWarning):
    """Training stopped because the loss or the weights became non-finite.

    The estimator keeps the last finite weights (the best ones under early
    stopping) and says so with this warning instead of returning NaN
    predictions; lower ``learning_rate_init``, scale the inputs or clip the
    gradients (``max_grad_norm``).

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sk_mlp import MLPRegressor, TrainingDivergedWarning
    >>> X = np.random.default_rng(0).normal(size=(200, 5))
    >>> y = X @ np.arange(5.0)
    >>> reg = MLPRegressor(hidden_layer_sizes=(64,), solver="sgd", learning_rate_init=50.0,
    ...                    momentum=0.0, input_scaling=None, early_stopping=False, max_iter=20,
    ...                    device="cpu", random_state=0)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = reg.fit(X, y)
    >>> any(issubclass(w.category, TrainingDivergedWarning) for w in caught)
    True
    >>> bool(np.isfinite(reg.predict(X)).all())  # the last finite weights
    True
    """


_SEED_HIGH = np.iinfo(np.int32).max
# Largest finite float32: inputs beyond it overflow a float32 network.
FLOAT32_MAX = float(np.finfo(np.float32).max)
# Rows converted to tensors and pushed through the network at a time when
# predicting: bounds the extra memory of predicting on millions of rows. On
# the CPU, chunks whose activations stay in cache are fastest; a GPU wants
# large ones.
PREDICT_CHUNK = {"cpu": 2048, "cuda": 65536}


def make_generators(random_state, devices):
    """One torch generator per entry of ``devices``, seeded from ``random_state``,
    plus one integer seed for NumPy-side draws (the validation split).

    A local generator per purpose (weights, shuffling, dropout) keeps fits
    reproducible without touching torch's global RNG.
    """
    rng = check_random_state(random_state)
    seeds = rng.randint(_SEED_HIGH, size=len(devices) + 1)
    generators = [
        torch.Generator(device=device).manual_seed(int(seed))
        for device, seed in zip(devices, seeds)
    ]
    return generators + [int(seeds[-1])]


def check_finite_outputs(out):
    """Return ``out``, or raise ValueError if any value is NaN or infinite."""
    if not np.isfinite(out).all():
        raise ValueError(
            "The model's outputs are not finite for some rows: their inputs are "
            "too large for the network (or the model diverged). Scale the inputs "
            "the way the training data were scaled."
        )
    return out


def log_of_proba(proba):
    """``log(proba)``, with log(0) = -inf and no warning."""
    with np.errstate(divide="ignore"):
        return np.log(proba)


def fit_or_roll_back(estimator, fit):
    """Run ``fit()``; if it raises, leave ``estimator`` as it was.

    A fresh fit that fails leaves the previous model (or an unfitted
    estimator) in place; a warm start or ``partial_fit`` that fails puts the
    weights, optimiser state and history of the shared net back as they were.
    Ctrl-C inside the training loop is not a failure: skorch stops training
    and the model keeps what it learned.
    """
    saved = dict(estimator.__dict__)
    net = saved.get("net_")
    snapshot = None
    if net is not None:
        snapshot = (
            torch.nn.utils.parameters_to_vector(net.module_.parameters()).detach().clone(),
            copy.deepcopy(net.optimizer_.state_dict()),
            len(net.history),
        )
    try:
        return fit()
    except BaseException:
        if snapshot is not None:
            params, optimizer_state, n_epochs = snapshot
            with torch.no_grad():
                torch.nn.utils.vector_to_parameters(params, net.module_.parameters())
            net.optimizer_.load_state_dict(optimizer_state)
            del net.history[n_epochs:]
        estimator.__dict__.clear()
        estimator.__dict__.update(saved)
        raise


def class_weight_per_sample(class_weight, y, sample_weight, *, count_weight):
    """Each row's loss (or update) weight: its class's weight times its
    ``sample_weight``, or ``sample_weight`` itself without ``class_weight``.

    ``'balanced'`` gives class c the weight ``total / (n_classes * total_c)``;
    with ``count_weight`` the totals add up ``sample_weight`` (a row of weight
    0 counts as dropped, as the MLPs count), without it they count rows
    (scikit-learn's linear models).
    """
    if class_weight is None:
        return sample_weight
    present, index = np.unique(y, return_inverse=True)
    if class_weight == "balanced" and count_weight:
        totals = np.bincount(index, weights=sample_weight,
                             minlength=len(present)).astype(np.float64)
        weights = np.divide(totals.sum(), np.count_nonzero(totals) * totals,
                            out=np.zeros_like(totals), where=totals > 0)
    else:
        weights = compute_class_weight(class_weight, classes=present, y=y)
    per_sample = weights[index]
    return per_sample if sample_weight is None else per_sample * sample_weight


def check_partial_fit_classes(estimator, classes, first, *, required=True):
    """The ``classes`` argument of a classifier's ``partial_fit``: needed on
    the first call (where ``required``: a multilabel target names its
    columns itself), and the same set of classes on every later one."""
    if first and classes is None and required:
        raise ValueError(
            "classes must be passed on the first call to partial_fit: the model "
            "needs one output per class it will ever see."
        )
    if not first and classes is not None and not np.array_equal(
            np.unique(classes), estimator.classes_):
        raise ValueError(
            f"classes={np.unique(classes).tolist()} differs from the classes of "
            f"the first partial_fit call, {estimator.classes_.tolist()}."
        )


# How early stopping's validation rows are chosen (the ``validation_split``
# parameter of the MLPs): drawn at random (stratified for classifiers), the
# last rows in the order given (rows ordered in time), or whole groups.
VALIDATION_SPLITS = ("random", "last", "group")


def validation_split(rows, fraction, seed, *, stratify=None, weights=None,
                     how="random", groups=None):
    """``(training rows, validation rows)`` of early stopping's split of
    ``rows``: ``how='random'`` draws ``fraction`` of them (stratified by
    ``stratify`` when given), ``'last'`` takes the last ``ceil(fraction *
    n)`` in their order (time order: the model validates on rows later than
    every row it trains on), ``'group'`` draws ``fraction`` of the distinct
    ``groups`` (no group on both sides). A clear ValueError where no usable
    split exists (too few rows or groups, or a side whose ``weights`` are
    all 0)."""
    if how == "last":
        n_valid = math.ceil(fraction * len(rows))
        train, valid = rows[:len(rows) - n_valid], rows[len(rows) - n_valid:]
    elif how == "group":
        train, valid = _group_split(rows, fraction, seed, groups)
    else:
        try:
            train, valid = train_test_split(rows, test_size=fraction, random_state=seed,
                                            stratify=stratify)
        except ValueError as exc:
            if stratify is None:
                raise
            raise ValueError(
                f"{exc} The validation split for early_stopping is stratified: "
                "increase validation_fraction or the number of samples of the "
                "rare classes, or set early_stopping=False."
            ) from exc
    if len(valid) < 2 or len(train) < 1:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    if weights is not None and not weights[valid].max(initial=0.0) > 0:
        raise ValueError(
            "Every sample of the validation split has sample_weight 0, so the "
            "weighted validation loss is undefined; give more samples a positive "
            "weight, change validation_fraction or set early_stopping=False."
        )
    check_training_weights(weights, train)
    return train, valid


def _group_split(rows, fraction, seed, groups):
    """``validation_split(how='group')``: ``fraction`` of the groups (at
    least one, and at least one left for training), drawn with ``seed``."""
    if groups is None:
        raise ValueError(
            "validation_split='group' holds out whole groups: pass them to fit "
            "as fit(X, y, groups=...), one label per row."
        )
    labels, index = np.unique(groups, return_inverse=True)
    if len(labels) < 2:
        raise ValueError(
            f"validation_split='group' needs at least 2 groups to hold one out; "
            f"groups has {len(labels)}. Pass more groups, use another "
            "validation_split or set early_stopping=False."
        )
    n_valid = min(max(math.ceil(fraction * len(labels)), 1), len(labels) - 1)
    held = np.zeros(len(labels), dtype=bool)
    held[check_random_state(seed).permutation(len(labels))[:n_valid]] = True
    in_valid = held[index]
    return rows[~in_valid], rows[in_valid]


def check_groups(groups, n_samples):
    """``groups`` as a 1-D array of ``n_samples`` labels, or a clear
    ValueError."""
    groups = np.asarray(groups)
    if groups.ndim != 1 or len(groups) != n_samples:
        raise ValueError(
            f"groups must hold one label per row of X ({n_samples}); got an array "
            f"of shape {groups.shape}."
        )
    if groups.dtype.kind == "f" and not np.isfinite(groups).all():
        raise ValueError("groups contains NaN or infinity: give every row a group.")
    if groups.dtype.kind == "O" and any(g is None for g in groups):
        raise ValueError("groups contains None: give every row a group.")
    return groups


def check_training_weights(weights, rows):
    """ValueError when every training row has weight 0."""
    if weights is not None and not weights[rows].max(initial=0.0) > 0:
        raise ValueError(
            "Every sample left for training after the validation split has "
            "sample_weight 0; give more samples a positive weight or set "
            "early_stopping=False."
        )
