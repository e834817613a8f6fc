"""Running a comparison: validate the arguments, plan folds and fits, run them.

A layer above the estimators (no estimator imports it): ``compare`` scores
every model on the same outer folds, each inside one ``Pipeline`` behind its
own ``TabularPreprocessor``, with an optional hyperparameter search nested
in each outer fold. ``summarize`` condenses the per-fold results and
``fit_best`` refits the winner on all rows (``_report``). The ``sk-mlp compare`` command
(``sk_mlp.comparison._cli``) is a thin layer over these three.
"""

import json
import math
import signal
import threading
import time
import warnings
from collections import namedtuple

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer
from sklearn.model_selection import (GridSearchCV, GroupKFold, KFold,
                                     RandomizedSearchCV, StratifiedGroupKFold,
                                     StratifiedKFold, TimeSeriesSplit)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .._torch.device import resolve_device
from ..preprocessing import TabularPreprocessor, column_kinds
from ._registry import (_DEFAULT_METRIC, _INNER_FOLDS, _SEARCHES, METRICS, MODELS, CompareError,
                        _Model)

__all__ = ["compare", "detect_task"]


# ------------------------------------------------------------- task and data
def detect_task(y):
    """Say whether ``y`` is a classification or a regression target, and why.

    Text, categorical and boolean targets are classes; numbers are a
    regression target unless they are integers with at most 20 distinct
    values (digit labels, counts of a few levels).

    Parameters
    ----------
    y : array-like of shape (n_samples,)

    Returns
    -------
    task : {"classification", "regression"}
    reason : str

    Examples
    --------
    >>> from sk_mlp import detect_task
    >>> detect_task(["cat", "dog", "cat"])
    ('classification', 'the target holds 2 classes (text)')
    >>> detect_task([1.5, 2.25, 3.0, 4.5])
    ('regression', 'the target is numeric with 4 distinct values')
    """
    series = pd.Series(np.asarray(y) if not isinstance(y, pd.Series) else y)
    series = series.dropna()
    n_distinct = series.nunique()
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return "classification", f"the target holds {n_distinct} classes (text)"
    values = series.to_numpy(dtype=float)
    if np.all(values == np.round(values)) and n_distinct <= 20:
        return ("classification",
                f"the target holds {n_distinct} distinct integers (at most 20)")
    return "regression", f"the target is numeric with {n_distinct} distinct values"


def _check_target(y, task, cv, log_target):
    """Raise CompareError for a target the comparison cannot use."""
    if len(y) == 0:
        raise CompareError("The table is empty: there are no rows to compare on.")
    if task == "classification":
        if log_target:
            raise CompareError("--log-target is for regression targets; this one is "
                               "a classification target.")
        counts = pd.Series(y).value_counts()
        labels = [label.item() if isinstance(label, np.generic) else label
                  for label in counts.index]
        if len(counts) < 2:
            raise CompareError(
                f"The target has one class only ({labels[0]!r}): there is "
                "nothing to classify."
            )
        if cv > counts.min():
            raise CompareError(
                f"cv={cv} is larger than the smallest class ({labels[-1]!r} "
                f"has {counts.min()} rows): use cv={max(2, counts.min())} or fewer, "
                "or drop that class."
            )
        return np.asarray(y)
    try:
        values = pd.to_numeric(pd.Series(y), errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError):
        example = next(v for v in y if pd.isna(pd.to_numeric(v, errors="coerce")))
        raise CompareError(
            f"A regression target must be numeric; it holds {str(example)!r}. For "
            "a label column use task='classification' (--task classification)."
        ) from None
    if not np.all(np.isfinite(values)):
        raise CompareError("The regression target holds infinite values; drop or "
                           "fix those rows.")
    if log_target:
        if np.any(values <= 0):
            raise CompareError(
                f"--log-target needs a positive target; its minimum is "
                f"{values.min():g}."
            )
        values = np.log(values)
    if np.ptp(values) == 0:
        raise CompareError(f"The target is constant ({values[0]:g}): there is "
                           "nothing to predict.")
    if cv > len(values):
        raise CompareError(f"cv={cv} is more folds than the {len(values)} rows.")
    return values


# -------------------------------------------------------------- the folds
def _take(X, rows):
    return X.iloc[rows] if isinstance(X, pd.DataFrame) else X[rows]


def _prefix(estimator):
    """Parameter prefix of the model inside the pipeline."""
    return ("model__regressor__" if isinstance(estimator, TransformedTargetRegressor)
            else "model__")


def _seeded(estimator, seed):
    """A clone of the user's ``estimator`` with every unset ``random_state``
    (its own and its nested estimators') set to ``seed``, so that a
    comparison is reproducible; seeds the user chose are kept."""
    estimator = clone(estimator)
    unset = {key: seed for key, value in estimator.get_params().items()
             if key.split("__")[-1] == "random_state" and value is None}
    return estimator.set_params(**unset)


# How the rows are split (compare's ``time`` or ``groups``): the networks'
# early stopping holds out rows the same way as the folds (validation_split)
_NETWORK_SPLIT = {"time": "last", "groups": "group"}


def _splits_by_group(estimator):
    """Whether the model of a pipeline (or search) is a network whose early
    stopping holds out whole groups, so its fit needs them."""
    if isinstance(estimator, (GridSearchCV, RandomizedSearchCV)):
        estimator = estimator.estimator
    return estimator.get_params().get("model__validation_split") == "group"


def _pipeline(model, task, device, seed, split_by=None):
    estimator = model.build(task, device, seed) if isinstance(model, _Model) \
        else _seeded(model, seed)
    if split_by is not None and estimator.get_params().get("validation_split") == "random":
        # rows in time order validate on their last rows, rows in groups on
        # whole groups, as the folds do
        estimator.set_params(validation_split=_NETWORK_SPLIT[split_by])
    if task == "regression" and isinstance(model, _Model) and not model.ours:
        # Baselines get standardised targets, as their authors advise.
        estimator = TransformedTargetRegressor(estimator, transformer=StandardScaler())
    return Pipeline([("preprocess", TabularPreprocessor()), ("model", estimator)])


def _space(model, task, search):
    """Search space of a registered model; estimators of the user's own are
    not searched."""
    return model.space(task, search) if isinstance(model, _Model) else {}


def _n_candidates(space, search, n_iter):
    if not space:
        return 0
    if search == "grid":
        return math.prod(len(values) for values in space.values())
    return n_iter


def _inner_cv(task, seed, split_by=None):
    if split_by == "time":
        return TimeSeriesSplit(_INNER_FOLDS)
    if split_by == "groups":
        return (StratifiedGroupKFold(_INNER_FOLDS, shuffle=True, random_state=seed)
                if task == "classification" else GroupKFold(_INNER_FOLDS))
    splitter = StratifiedKFold if task == "classification" else KFold
    return splitter(_INNER_FOLDS, shuffle=True, random_state=seed)


def _fit_params(estimator, groups):
    """What ``estimator.fit`` is given besides ``X`` and ``y``: the groups,
    for a search's splitter and a network that splits by them."""
    if groups is None:
        return {}
    params = {}
    if isinstance(estimator, (GridSearchCV, RandomizedSearchCV)):
        params["groups"] = groups
    if _splits_by_group(estimator):
        params["model__groups"] = groups
    return params


def _search(pipeline, space, search, n_iter, task, scorer, seed, split_by=None):
    prefix = _prefix(pipeline.named_steps["model"])
    space = {prefix + key: value for key, value in space.items()}
    common = dict(cv=_inner_cv(task, seed, split_by), scoring=scorer, n_jobs=1,
                  error_score="raise")
    if search == "grid":
        return GridSearchCV(pipeline, space, **common)
    return RandomizedSearchCV(pipeline, space, n_iter=n_iter, random_state=seed,
                              **common)


def _plain(value):
    """JSON-able form of a hyperparameter value."""
    if isinstance(value, (np.floating, float)):
        return float(f"{float(value):.4g}")
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _fit_fold(name, pipeline, space, search, n_iter, task, scorer_name, sign,
              X, y, train, test, fold, rows_allowed, seed, groups=None, split_by=None):
    """Fit one model on one outer fold and score it; never raises."""
    row = dict(model=name, fold=fold, score=np.nan, fit_time=np.nan,
               predict_time=np.nan, n_train=len(train), n_test=len(test),
               best_params="{}", note="")
    if rows_allowed is not None and rows_allowed < len(train):
        train = np.sort(np.random.default_rng([seed, fold]).choice(
            train, rows_allowed, replace=False))
        row["n_train"] = len(train)
        row["note"] = (f"time budget: fitted on {len(train)} random rows of each "
                       "training fold")
    scorer = get_scorer(scorer_name)
    estimator = _search(pipeline, space, search, n_iter, task, scorer_name, seed,
                        split_by) if space else clone(pipeline)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            estimator.fit(_take(X, train), y[train], **_fit_params(
                estimator, None if groups is None else groups[train]))
            row["fit_time"] = time.perf_counter() - start
            start = time.perf_counter()
            row["score"] = sign * scorer(estimator, _take(X, test), y[test])
            row["predict_time"] = time.perf_counter() - start
    except Exception as exc:  # reported in the table, the other models go on
        row["note"] = f"failed: {type(exc).__name__}: {exc}".splitlines()[0][:300]
        return row
    if space:
        prefix = _prefix(estimator.best_estimator_.named_steps["model"])
        row["best_params"] = json.dumps(
            {key[len(prefix):]: _plain(value)
             for key, value in sorted(estimator.best_params_.items())})
    return row


def _probe_rows(name, pipeline, space, search, n_iter, task, X, y, folds,
                time_budget, seed, messages):
    """Rows per training fold that keep a superlinear model within the budget.

    Times one default fit on ``probe`` rows and extrapolates with cost
    ~ n^2 (a little above the n^1.8 measured for kernel SVMs, to stay
    inside the budget). Returns None (all rows), an int, or 0 (skip).
    """
    n_train = max(len(train) for train, _ in folds)
    probe = min(n_train, 1000)
    if n_train <= probe:
        return None
    train = folds[0][0]
    rows = np.random.default_rng(seed).choice(train, probe, replace=False)
    seconds = _probe_seconds(pipeline, _take(X, rows), y[rows])
    candidates = _n_candidates(space, search, n_iter)
    # Fits per outer fold, in units of one fit on all its training rows.
    per_fold = 1 + candidates * _INNER_FOLDS * ((_INNER_FOLDS - 1) / _INNER_FOLDS) ** 2
    projected = seconds * (n_train / probe) ** 2 * per_fold * len(folds)
    if projected <= time_budget:
        return None
    allowed = int(probe * math.sqrt(time_budget / (seconds * per_fold * len(folds))))
    if allowed < 500:
        messages.append(
            f"{name}: skipped; a fit on all {n_train} training rows is projected to "
            f"take {projected:.0f} s in total, beyond --time-budget {time_budget:g} "
            "s, and fewer than 500 rows would fit in it.")
        return 0
    messages.append(
        f"{name}: projected {projected:.0f} s on all {n_train} training rows, beyond "
        f"--time-budget {time_budget:g} s: fitted on {allowed} random rows of each "
        "training fold instead.")
    return allowed


def _probe_seconds(pipeline, X, y):
    """Seconds one default fit of ``pipeline`` takes on ``(X, y)``."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clone(pipeline).fit(X, y)
    return time.perf_counter() - start


# ---------------------------------------------------------------- compare
def _resolve_models(models, task):
    if models is None:
        return {name: model for name, model in MODELS.items()
                if (model.classifier if task == "classification" else model.regressor)}
    if isinstance(models, str):
        models = [part.strip() for part in models.split(",") if part.strip()]
    if isinstance(models, dict):
        resolved = {}
        for name, model in models.items():
            resolved[name] = MODELS[model] if isinstance(model, str) else model
            if not isinstance(model, str):
                fits_task = is_classifier(model) if task == "classification" \
                    else is_regressor(model)
                if not fits_task:
                    raise CompareError(f"Model {name!r} is not a {task} estimator.")
        return resolved
    unknown = [name for name in models if name not in MODELS]
    if unknown:
        raise CompareError(
            f"Unknown model(s) {', '.join(map(repr, unknown))}: choose from "
            f"{', '.join(MODELS)}.")
    if not models:
        raise CompareError("No models to compare.")
    for name in models:
        MODELS[name].build(task, "cpu", 0)   # raises for a task it cannot do
    return {name: MODELS[name] for name in models}


def compare(X, y, *, models=None, task="auto", metric=None, cv=5, search="none",
            n_iter=10, log_target=False, time_budget=None, device="auto",
            n_jobs=None, random_state=0, progress=False, time=None, groups=None):
    """Cross-validate neural networks against SVM and linear baselines.

    Every model is scored on the same outer folds (stratified for a
    classification target), inside one ``Pipeline`` behind its own
    :class:`~sk_mlp.preprocessing.TabularPreprocessor`, so each fold fits its
    own imputation, scaling and categories. With ``search="grid"`` or
    ``"random"``, hyperparameters are tuned by a 3-fold search nested inside
    each outer fold, so no reported score is tuned on its own test rows.

    Parameters
    ----------
    X : pandas.DataFrame or array-like of shape (n_samples, n_features)
        Features; mixed numeric and categorical columns are fine.
    y : array-like of shape (n_samples,)
        Target.
    models : list of str, comma-separated str, dict or None, default=None
        Names from ``sk_mlp.MODELS`` (``mlp``, ``perceptron``, ``svm``,
        ``linear-svm``, ``sklearn-mlp``, ``linear``), or a dict mapping
        display names to registry names or to estimators of your own (these
        get the preprocessing but no search). None means every registered
        model that handles the task.
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"`` decides with :func:`detect_task`.
    metric : str, default=None
        A key of ``sk_mlp.METRICS``; None means accuracy for classification
        and RMSE for regression.
    cv : int or list of (train, test) index arrays, default=5
        Number of outer folds, or the splits themselves (for instance one
        official train/test split).
    search : {"none", "grid", "random"}, default="none"
        Nested hyperparameter search inside each outer fold: over
        ``hidden_layer_sizes``, ``activation``, ``init``, ``weight_decay``,
        ``dropout`` and ``learning_rate_init`` for sk_mlp's MLPs (the random
        search also over ``numerical_embedding``, ``ensemble_size`` and the
        classifier's ``label_smoothing``),
        ``C`` and ``gamma`` for SVMs (the grid has 64 MLP candidates; mind
        the cost).
    n_iter : int, default=10
        Candidates per random search.
    log_target : bool, default=False
        Fit and score on ``log(y)`` (regression only; RMSE then is the
        log-RMSE of the Kaggle house prices).
    time_budget : float, default=None
        Seconds allowed for each kernel-SVM model over all folds. Kernel SVMs
        cost about n^1.8; when a timed probe fit projects more than this,
        they are fitted on a stated random subsample of each training fold,
        or skipped when under 500 rows would fit. Other models grow
        linearly with the rows and are never cut. None: no limit.
    device : str, default="auto"
        ``device`` of sk_mlp's estimators.
    n_jobs : int, default=None
        Fits run in parallel through joblib (under
        ``joblib.parallel_backend("dask")`` they go to a Dask cluster).
    random_state : int, default=0
        Seeds the folds, the searches and every model.
    progress : bool, default=False
        Show a progress bar (tqdm) on stderr.
    time : array-like of shape (n_samples,), default=None
        When each row happened (numbers, datetimes, or strings that sort in
        time order): the rows are put in time order, the outer folds are
        scikit-learn's ``TimeSeriesSplit`` (every test fold later than the
        rows its models train on; the first fold trains on the earliest
        ``1 / (cv + 1)`` of the rows), searches use it too, and sk_mlp's
        networks stop early on the last rows of their training fold
        (``validation_split='last'``). The results' folds index the rows in
        time order.
    groups : array-like of shape (n_samples,), default=None
        Group of each row (patient, shop, user): no group is on both sides
        of an outer fold (``GroupKFold``, ``StratifiedGroupKFold`` for
        classification), of a search's inner folds, or of the networks'
        early-stopping split (``validation_split='group'``).

    Returns
    -------
    results : pandas.DataFrame
        One row per model and fold: ``model``, ``fold``, ``score``,
        ``fit_time``, ``predict_time`` (seconds), ``n_train``, ``n_test``,
        ``best_params`` (JSON) and ``note``. ``results.attrs`` holds
        ``task``, ``metric``, ``greater_is_better``, ``messages`` (what was
        detected, dropped, subsampled or skipped), ``interrupted`` (True when
        Ctrl-C stopped the run: the rows are the fits that finished) and
        ``config``. :func:`summarize` condenses it per model.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sk_mlp import compare, summarize
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> results = compare(X, y, models=["linear", "svm"], cv=3)
    >>> results[["model", "fold", "score"]].round(3)
        model  fold  score
    0  linear     0   0.96
    1  linear     1   0.96
    2  linear     2   0.94
    3     svm     0   0.96
    4     svm     1   0.94
    5     svm     2   0.94
    >>> summarize(results)[["score_mean", "score_std"]].round(3)
            score_mean  score_std
    model
    linear       0.953      0.009
    svm          0.947      0.009
    """
    problem = _validate(X, y, models=models, task=task, metric=metric, cv=cv,
                        search=search, n_iter=n_iter, log_target=log_target,
                        time_budget=time_budget, device=device, time=time, groups=groups)
    folds = _plan_folds(problem, random_state)
    jobs = _plan_fits(problem, folds, search=search, n_iter=n_iter,
                      time_budget=time_budget, device=device, random_state=random_state)
    rows, interrupted = _run(jobs, problem.messages, n_jobs=n_jobs, progress=progress)
    return _summarise(rows, problem, interrupted, config=dict(
        models=problem.models, search=search, n_iter=n_iter, log_target=log_target,
        device=device, random_state=random_state, cv=len(folds),
        split_by=problem.split_by))


# compare() in steps, in the spirit of cross_validate -> _fit_and_score:
# validate the arguments and the table (_validate), plan the folds and the
# fits within the time budget (_plan_folds, _plan_fits), run the fits
# (_run), assemble the results (_summarise). Each step is tested alone.
_Problem = namedtuple("_Problem", ["X", "y", "task", "metric", "models", "splits",
                                   "n_folds", "messages", "groups", "split_by"],
                      defaults=(None, None))


def order_rows(X, y, time=None, groups=None):
    """``(X, y, groups, split_by)``: the rows in time order where ``time``
    is given (a stable sort), checked ``groups``, and how the rows are split
    (``'time'``, ``'groups'`` or None). Used by :func:`compare` and
    ``fit_best`` alike."""
    if time is not None and groups is not None:
        raise CompareError("Give time or groups, not both: the folds follow one of "
                           "them.")
    n_rows = len(y)
    if time is not None:
        time = _one_per_row(time, "time", "one value", n_rows,
                            "every row needs one to be put in time order")
        try:
            order = np.argsort(time, kind="stable")
        except TypeError:
            raise CompareError("time mixes values that cannot be ordered (numbers "
                               "and strings?): give one kind.") from None
        X = _take(X, order)
        X = X.reset_index(drop=True) if isinstance(X, pd.DataFrame) else X
        y = np.asarray(y)[order]
        return X, y, None, "time"
    if groups is not None:
        groups = _one_per_row(groups, "groups", "one label", n_rows,
                              "give every row a group")
        return X, y, groups, "groups"
    return X, y, None, None


def _one_per_row(values, name, what, n_rows, advice):
    """``values`` (``time`` or ``groups``) as a 1-D array of ``n_rows``
    entries with none missing, or a CompareError saying what to change."""
    values = np.asarray(values)
    if values.ndim != 1 or len(values) != n_rows:
        raise CompareError(f"{name} must hold {what} per row ({n_rows}); got "
                           f"shape {values.shape}.")
    missing = int(pd.isna(values).sum())
    if missing:
        raise CompareError(f"{name} is missing for {missing} rows: {advice}.")
    return values


def _validate(X, y, *, models, task, metric, cv, search, n_iter, log_target,
              time_budget, device, time=None, groups=None):
    """Check every argument and the table; return the :data:`_Problem`
    (task detected, target checked, models resolved, what was noted)."""
    if task not in ("auto", "classification", "regression"):
        raise CompareError(f"task={task!r}: use 'auto', 'classification' or "
                           "'regression'.")
    if search not in _SEARCHES:
        raise CompareError(f"search={search!r}: use one of {', '.join(_SEARCHES)}.")
    splits = None
    if not isinstance(cv, (int, np.integer)):
        try:
            splits = [(np.asarray(train), np.asarray(test)) for train, test in cv]
        except (TypeError, ValueError):
            raise CompareError(f"cv={cv!r}: use an integer of at least 2 folds, or "
                               "a list of (train, test) index arrays.") from None
        if not splits:
            raise CompareError("cv is an empty list of splits.")
        cv = 2  # only the per-class check below; the splits are used as given
    elif cv < 2:
        raise CompareError(f"cv={cv!r}: use an integer of at least 2 folds, or a "
                           "list of (train, test) index arrays.")
    if not isinstance(n_iter, (int, np.integer)) or n_iter < 1:
        raise CompareError(f"n_iter={n_iter!r}: use a positive integer.")
    if time_budget is not None and not time_budget > 0:
        raise CompareError(f"time_budget={time_budget!r}: use a positive number of "
                           "seconds, or None for no limit.")
    if not isinstance(X, pd.DataFrame):
        X = np.asarray(X)
        if X.ndim != 2:
            raise CompareError(f"X must be a 2-D table; got shape {X.shape}.")
    if len(X) != len(y):
        raise CompareError(f"X has {len(X)} rows but y has {len(y)}.")
    X, y, groups, split_by = order_rows(X, y, time, groups)
    try:
        resolve_device(device)
    except ValueError as exc:
        raise CompareError(str(exc)) from None
    messages = []
    if task == "auto":
        if len(y) == 0:
            raise CompareError("The table is empty: there are no rows to compare on.")
        task, reason = detect_task(y)
        messages.append(f"task: {task} ({reason}).")
    metric = metric or _DEFAULT_METRIC[task]
    if metric not in METRICS or METRICS[metric].task != task:
        choices = [name for name, m in METRICS.items() if m.task == task]
        raise CompareError(f"metric={metric!r} does not score {task}: use one of "
                           f"{', '.join(choices)}.")
    y = _check_target(y, task, cv, log_target)
    resolved = _resolve_models(models, task)
    dropped = column_report(X)
    if dropped:
        messages.append(dropped)
    if split_by == "time":
        if splits is None and cv + 1 > len(y):
            raise CompareError(f"cv={cv} time-ordered folds need more than {cv + 1} "
                               "rows.")
        messages.append(
            "folds: rows in time order; each test fold is later than every row its "
            "models train on (TimeSeriesSplit), and sk_mlp's networks stop early on "
            "the last rows of their training fold (validation_split='last').")
    elif split_by == "groups":
        n_groups = len(np.unique(groups))
        if splits is None and cv > n_groups:
            raise CompareError(f"cv={cv} is more folds than the {n_groups} groups.")
        messages.append(
            f"folds: by group ({n_groups} groups); no group is on both sides of a "
            "fold, and sk_mlp's networks stop early on whole held-out groups "
            "(validation_split='group').")
    return _Problem(X, y, task, metric, resolved, splits, cv, messages, groups, split_by)


def _plan_folds(problem, random_state):
    """The outer folds: the splits given, or shuffled (stratified) k-fold."""
    if problem.splits is not None:
        return problem.splits
    if problem.split_by == "time":
        return list(TimeSeriesSplit(problem.n_folds).split(problem.X))
    if problem.split_by == "groups":
        splitter = (StratifiedGroupKFold(problem.n_folds, shuffle=True,
                                         random_state=random_state)
                    if problem.task == "classification" else
                    GroupKFold(problem.n_folds, shuffle=True, random_state=random_state))
        return list(splitter.split(problem.X, problem.y, problem.groups))
    splitter = StratifiedKFold if problem.task == "classification" else KFold
    return list(splitter(problem.n_folds, shuffle=True,
                         random_state=random_state).split(problem.X, problem.y))


def _plan_fits(problem, folds, *, search, n_iter, time_budget, device, random_state):
    """One delayed fit per model and fold; a kernel SVM projected past the
    time budget is subsampled or skipped (said in ``problem.messages``)."""
    spec = METRICS[problem.metric]
    sign = 1.0 if spec.greater_is_better else -1.0
    X, y, task = problem.X, problem.y, problem.task
    jobs = []
    for name, model in problem.models.items():
        pipeline = _pipeline(model, task, device, random_state, problem.split_by)
        space = _space(model, task, search)
        rows_allowed = None
        if time_budget is not None and isinstance(model, _Model) and model.superlinear:
            rows_allowed = _probe_rows(name, pipeline, space, search, n_iter, task, X,
                                       y, folds, time_budget, random_state,
                                       problem.messages)
            if rows_allowed == 0:
                continue
        for fold, (train, test) in enumerate(folds):
            jobs.append(delayed(_fit_fold)(
                name, pipeline, space, search, n_iter, task, spec.scorer, sign, X, y,
                train, test, fold, rows_allowed, random_state, problem.groups,
                problem.split_by))
    return jobs


def _run(jobs, messages, *, n_jobs, progress):
    """Run the fits through joblib; returns ``(rows, interrupted)``: Ctrl-C
    keeps the fits that finished and says so in ``messages``."""
    rows, interrupted = [], False
    bar = _progress_bar(len(jobs), progress)
    try:
        with _interrupt_watch() as stop:
            for row in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs):
                if stop.requested:  # a fit cut short by Ctrl-C: not a result
                    raise KeyboardInterrupt
                rows.append(row)
                bar.update(1)
    except KeyboardInterrupt:
        interrupted = True
        messages.append(f"interrupted: {len(rows)} of {len(jobs)} fits finished.")
    finally:
        bar.close()
    return rows, interrupted


def _summarise(rows, problem, interrupted, config):
    """The results table, one row per model and fold in the models' order,
    with what describes the run in ``attrs``."""
    columns = ["model", "fold", "score", "fit_time", "predict_time", "n_train",
               "n_test", "best_params", "note"]
    order = {name: i for i, name in enumerate(problem.models)}
    results = pd.DataFrame(rows, columns=columns)
    results = results.sort_values(["model", "fold"], key=lambda s: s.map(order)
                                  if s.name == "model" else s).reset_index(drop=True)
    results.attrs.update(
        task=problem.task, metric=problem.metric,
        greater_is_better=METRICS[problem.metric].greater_is_better,
        messages=problem.messages, interrupted=interrupted, config=config)
    return results


class _interrupt_watch:
    """Notes Ctrl-C during the fits (SIGINT in the main thread), then raises
    KeyboardInterrupt as usual.

    sk_mlp's networks, like skorch's, end training gracefully on Ctrl-C and
    return the model they have; the flag lets ``compare`` tell that fit from
    a finished one and stop instead of going on to the next.
    """

    requested = False

    def __enter__(self):
        self._previous = None
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.getsignal(signal.SIGINT)
            signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        self.requested = True
        raise KeyboardInterrupt

    def __exit__(self, *exc_info):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


def column_report(X):
    """One line naming the columns the preprocessing drops, or ''."""
    dropped = column_kinds(X)["dropped"]
    if not dropped:
        return ""
    listed = ", ".join(f"{column!r} ({reason})" for column, reason in
                       list(dropped.items())[:10])
    more = f" and {len(dropped) - 10} more" if len(dropped) > 10 else ""
    return f"dropped {len(dropped)} column(s): {listed}{more}."


def _progress_bar(total, enabled):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="fits", unit="fit", disable=not enabled,
                mininterval=0.2, leave=False)
