"""What a comparison's per-fold results become: one row per model
(``summarize``) and the winner refitted on all rows (``fit_best``)."""

import warnings
from collections import Counter

import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from ._compare import _check_target, _fit_params, _pipeline, _search, _space, order_rows
from ._registry import METRICS, CompareError


def summarize(results):
    """Condense per-fold results into one row per model, best first.

    Parameters
    ----------
    results : pandas.DataFrame
        What :func:`compare` returned.

    Returns
    -------
    summary : pandas.DataFrame
        Indexed by model: ``score_mean``, ``score_std`` (over folds),
        ``fit_time`` and ``predict_time`` (mean seconds per fold), ``folds``
        (folds scored), ``best_params`` (the per-fold choice seen most often)
        and ``note``. Sorted best first by ``score_mean``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sk_mlp import compare, summarize
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> results = compare(X, y, models="linear,svm", cv=3)
    >>> len(results)  # one row per model and fold
    6
    >>> table = summarize(results)
    >>> bool(table["score_mean"].is_monotonic_decreasing)  # best first
    True
    """
    greater = results.attrs.get("greater_is_better", True)
    rows = {}
    for name, group in results.groupby("model", sort=False):
        scored = group.dropna(subset=["score"])
        params = Counter(scored["best_params"]).most_common(1)
        # (a results.csv read back has NaN for empty notes)
        notes = sorted(set(note for note in group["note"] if isinstance(note, str)
                           and note))
        rows[name] = dict(
            score_mean=scored["score"].mean(), score_std=scored["score"].std(ddof=0),
            fit_time=scored["fit_time"].mean(), predict_time=scored["predict_time"].mean(),
            folds=len(scored), best_params=params[0][0] if params else "{}",
            note="; ".join(notes))
    summary = pd.DataFrame.from_dict(rows, orient="index")
    summary.index.name = "model"
    if len(summary):
        summary = summary.sort_values("score_mean", ascending=not greater,
                                      na_position="last")
    return summary


def fit_best(results, X, y, *, time=None, groups=None):
    """Refit the best model of a comparison on all rows, searched as compared.

    Parameters
    ----------
    results : pandas.DataFrame
        What :func:`compare` returned for ``(X, y)``.
    X, y :
        The data given to :func:`compare`.
    time, groups : array-like of shape (n_samples,), default=None
        The ``time`` or ``groups`` given to :func:`compare`: the refit
        orders and splits its rows the same way (a network's early stopping
        on the last rows, or on whole groups).

    Returns
    -------
    name : str
        The winning model's name.
    pipeline : sklearn.pipeline.Pipeline
        Preprocessing and model fitted on all rows (the best candidate of its
        search when a search was run); with ``log_target`` it predicts log(y).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sk_mlp import compare, fit_best
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> results = compare(X, y, models="linear,svm", cv=3)
    >>> name, pipeline = fit_best(results, X, y)
    >>> name in ("linear", "svm"), pipeline.predict(X.head(2)).shape
    (True, (2,))
    """
    summary = summarize(results).dropna(subset=["score_mean"])
    if summary.empty:
        raise CompareError("No model finished a fold: there is nothing to refit.")
    config = results.attrs["config"]
    task = results.attrs["task"]
    name = summary.index[0]
    model = config["models"][name]
    split_by = config.get("split_by")
    X, y, groups, given = order_rows(X, y, time, groups)
    if given != split_by:
        needed = {"time": "time", "groups": "groups"}.get(split_by)
        raise CompareError(
            f"The comparison split its rows by {needed}: pass the same {needed} to "
            "fit_best." if needed else
            "The comparison was run without time or groups: leave them out of "
            "fit_best, or compare again with them.")
    y = _check_target(y, task, 2, config["log_target"])
    pipeline = _pipeline(model, task, config["device"], config["random_state"], split_by)
    space = _space(model, task, config["search"])
    scorer = METRICS[results.attrs["metric"]].scorer
    estimator = _search(pipeline, space, config["search"], config["n_iter"], task,
                        scorer, config["random_state"], split_by) if space else pipeline
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y, **_fit_params(estimator, groups))
    return name, (estimator.best_estimator_ if space else estimator)
