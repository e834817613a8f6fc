"""Learning curves of a fitted estimator (needs the ``plot`` extra: matplotlib)."""

from sklearn.utils.validation import check_is_fitted


def plot_learning_curves(estimator, ax=None):
    """Plot training and validation loss per epoch of a fitted estimator.

    The gap between the curves shows overfitting (validation loss rising
    while training loss falls); two high, flat curves show underfitting.
    The validation curve is there when the estimator was fitted with
    ``early_stopping=True``.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        A fitted estimator.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure is made when None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes, with one line per curve and a legend.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sk_mlp import MLPClassifier, plot_learning_curves
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier((32,), early_stopping=True, max_iter=20, device="cpu",
    ...                     random_state=0).fit(X / 16, y)
    >>> ax = plot_learning_curves(clf)
    >>> [line.get_label() for line in ax.get_lines()]
    ['training loss', 'validation loss']
    """
    check_is_fitted(estimator)
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plot_learning_curves needs matplotlib: pip install 'sk_mlp[plot]'."
        ) from exc
    if ax is None:
        _, ax = plt.subplots()
    epochs = range(1, len(estimator.loss_curve_) + 1)
    ax.plot(epochs, estimator.loss_curve_, label="training loss")
    if estimator.validation_loss_curve_ is not None:
        valid = [row.get("valid_loss") for row in estimator.history_]
        ax.plot(epochs, [float("nan") if v is None else v for v in valid],
                label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(f"{type(estimator).__name__} learning curves")
    ax.legend()
    return ax
