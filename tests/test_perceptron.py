"""The Perceptron against the textbook loop, and its convergence theorem."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris, make_blobs
from sklearn.exceptions import ConvergenceWarning

from sk_mlp import MLPClassifier, Perceptron

# The textbook rule (samples in order, stop at the first mistake-free epoch),
# which these tests of the chapter's perceptron ask for explicitly: the
# defaults are scikit-learn's (shuffle=True, tol=1e-3).
TEXTBOOK = dict(shuffle=False, tol=None)


def textbook_perceptron(X, y, max_iter, eta=1.0, decay=0.0, scale=None,
                        fit_intercept=True):
    """The oracle: Rosenblatt's loop, one sample at a time, y in {-1, +1}."""
    w, b, updates = np.zeros(X.shape[1]), 0.0, 0
    for epoch in range(1, max_iter + 1):
        mistakes = 0
        for i in range(len(X)):
            if y[i] * (np.dot(w, X[i]) + b) <= 0:
                step = eta * (1.0 if scale is None else scale[i])
                w = (1.0 - eta * decay) * w + step * y[i] * X[i]
                b = b + step * y[i] if fit_intercept else b
                mistakes += 1
        updates += mistakes
        if mistakes == 0:
            break
    return w, b, epoch, updates


def separable(n, d, seed, gap=0.05):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    w = rng.randn(d)
    s = X @ w / np.linalg.norm(w) + rng.uniform(-0.5, 0.5)
    keep = np.abs(s) > gap
    return X[keep], np.where(s[keep] > 0, 1, -1)


def _iris_setosa():
    X, y = load_iris(return_X_y=True)
    return X, np.where(y == 0, 1, -1)


def _digits_0_vs_1():
    X, y = load_digits(return_X_y=True)
    keep = y < 2
    return X[keep], np.where(y[keep] == 1, 1, -1)


def _integers(n=300):
    # integer data: margins of exactly 0 occur, and must count as mistakes
    rng = np.random.RandomState(1)
    X = rng.randint(-5, 6, size=(n, 4)).astype(float)
    y = np.where(X @ [1, -2, 3, 0.5] + 1 > 0, 1, -1)
    return X, y


BINARY_SETS = {
    "separable-2d": lambda: separable(200, 2, 0),
    "separable-20d": lambda: separable(2000, 20, 1),
    "separable-5d-big-gap": lambda: separable(500, 5, 2, gap=0.5),
    "iris-setosa": _iris_setosa,
    "digits-0-vs-1": _digits_0_vs_1,
    "integers": _integers,
    # large enough for the float32-screened blocks of the fast epoch
    "separable-20000x10": lambda: separable(20_000, 10, 12, gap=0.02),
    "integers-20000": lambda: _integers(20_000),
}


def _fit_quietly(clf, X, y):
    """Fit where stopping at max_iter is expected and not under test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X, y)


def _assert_matches_oracle(clf, X, y, max_iter, row=0, **oracle_kwargs):
    w, b, epochs, updates = textbook_perceptron(X, y, max_iter, **oracle_kwargs)
    np.testing.assert_allclose(clf.coef_[row], w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(clf.intercept_[row], b, rtol=1e-12, atol=1e-12)
    return epochs, updates


@pytest.mark.parametrize("name", list(BINARY_SETS))
def test_binary_equals_the_textbook_loop(name, device):
    X, y = BINARY_SETS[name]()
    clf = Perceptron(**TEXTBOOK, max_iter=200, device=device).fit(X, y)
    epochs, updates = _assert_matches_oracle(clf, X, y, 200)
    assert clf.n_iter_ == epochs
    assert clf.n_updates_ == updates
    assert clf.converged_ == (epochs < 200 or updates == 0)
    assert clf.coef_.shape == (1, X.shape[1]) and clf.intercept_.shape == (1,)


@pytest.mark.parametrize(
    "make",
    [
        lambda: load_iris(return_X_y=True),
        lambda: make_blobs(n_samples=400, centers=4, n_features=3, random_state=0),
        lambda: (lambda d: (d[0][d[1] < 5], d[1][d[1] < 5]))(load_digits(return_X_y=True)),
    ],
    ids=["iris", "blobs-4", "digits-0-4"],
)
def test_multiclass_one_vs_rest_equals_the_textbook_loop(make, device):
    X, y = make()
    max_iter = 40
    clf = _fit_quietly(Perceptron(**TEXTBOOK, max_iter=max_iter, device=device), X, y)
    epochs, total = [], 0
    for row, label in enumerate(clf.classes_):
        e, u = _assert_matches_oracle(clf, X, np.where(y == label, 1, -1), max_iter, row)
        epochs.append(e)
        total += u
    assert clf.n_iter_ == max(epochs)
    assert clf.n_updates_ == total
    assert clf.decision_function(X).shape == (len(X), len(clf.classes_))
    np.testing.assert_array_equal(
        clf.predict(X), clf.classes_[clf.decision_function(X).argmax(axis=1)])


def test_eta0_and_no_intercept_match_the_textbook_loop(device):
    X, y = separable(300, 6, 3)
    clf = _fit_quietly(Perceptron(**TEXTBOOK, eta0=0.25, fit_intercept=False, max_iter=300,
                                  device=device), X, y)
    epochs, updates = _assert_matches_oracle(clf, X, y, 300, eta=0.25, fit_intercept=False)
    assert clf.intercept_[0] == 0.0
    assert (clf.n_iter_, clf.n_updates_) == (epochs, updates)


def test_weight_decay_and_class_weight_follow_their_definitions(device):
    X, y = separable(300, 4, 4, gap=0.3)
    weights = {-1: 0.5, 1: 2.0}
    clf = Perceptron(**TEXTBOOK, weight_decay=0.01, class_weight=weights, max_iter=100,
                     device=device).fit(X, y)
    scale = np.where(y == 1, 2.0, 0.5)
    epochs, updates = _assert_matches_oracle(clf, X, y, 100, decay=0.01, scale=scale)
    assert (clf.n_iter_, clf.n_updates_) == (epochs, updates)
    assert clf.mistake_bound_ is None  # the theorem is for the plain rule


def test_balanced_class_weight(device):
    X, y = separable(400, 3, 5, gap=0.2)
    y = np.where(y == 1, "pos", "neg")
    clf = Perceptron(**TEXTBOOK, class_weight="balanced", max_iter=100, device=device).fit(X, y)
    n_pos = (y == "pos").sum()
    scale = np.where(y == "pos", len(y) / (2 * n_pos), len(y) / (2 * (len(y) - n_pos)))
    _assert_matches_oracle(clf, X, np.where(y == "pos", 1, -1), 100, scale=scale)


def test_too_much_weight_decay_is_rejected(device):
    X, y = separable(50, 2, 0)
    with pytest.raises(ValueError, match="below 1"):
        Perceptron(**TEXTBOOK, eta0=1.0, weight_decay=1.0, device=device).fit(X, y)


# ------------------------------------------------------- convergence theorem
@pytest.mark.parametrize("seed", range(25))
def test_updates_never_exceed_the_mistake_bound(seed, device):
    rng = np.random.RandomState(seed)
    X, y = separable(int(rng.randint(20, 400)), int(rng.randint(2, 12)), seed,
                     gap=float(rng.uniform(0.02, 0.5)))
    X = X * rng.uniform(0.2, 5.0)
    clf = Perceptron(**TEXTBOOK, max_iter=10_000, device=device).fit(X, y)
    assert clf.converged_
    assert clf.radius_ == pytest.approx(np.linalg.norm(X, axis=1).max())
    w, b = clf.coef_[0], clf.intercept_[0]
    assert clf.margin_ == pytest.approx((y * (X @ w + b)).min() / np.hypot(np.linalg.norm(w), b))
    assert clf.margin_ > 0
    assert clf.mistake_bound_ == pytest.approx((clf.radius_**2 + 1) / clf.margin_**2)
    assert clf.n_updates_ <= clf.mistake_bound_
    assert (clf.predict(X) == y).all()


def test_theorem_quantities_are_none_where_they_do_not_apply(device):
    X, y = load_iris(return_X_y=True)
    clf = Perceptron(**TEXTBOOK, max_iter=5, device=device)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf.radius_ is None and clf.margin_ is None and clf.mistake_bound_ is None


XOR_X = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
XOR_Y = np.array([-1, 1, 1, -1])


def test_xor_never_converges_and_warns(device):
    clf = Perceptron(**TEXTBOOK, max_iter=100, device=device)
    with pytest.warns(ConvergenceWarning, match="not converged"):
        clf.fit(XOR_X, XOR_Y)
    assert not clf.converged_ and clf.n_iter_ == 100
    assert (clf.predict(XOR_X) == XOR_Y).mean() < 1.0
    assert clf.mistake_bound_ is None


def test_an_mlp_with_one_hidden_layer_fits_xor(device):
    # four units and four rows: no room for the default dropout
    mlp = MLPClassifier((4,), activation="tanh", learning_rate_init=0.05, max_iter=500,
                        tol=0.0, dropout=0.0, random_state=0, device=device).fit(XOR_X, XOR_Y)
    np.testing.assert_array_equal(mlp.predict(XOR_X), XOR_Y)


# ------------------------------------------------------------- behaviour
def test_labels_of_any_type_and_binary_scores(device):
    X, y = separable(200, 3, 6)
    labels = np.where(y == 1, "spam", "ham")
    clf = Perceptron(**TEXTBOOK, device=device).fit(X, labels)
    scores = clf.decision_function(X)
    assert scores.shape == (len(X),)
    np.testing.assert_array_equal(clf.predict(X), np.where(scores > 0, "spam", "ham"))
    assert clf.score(X, labels) == 1.0


def test_shuffle_is_reproducible_and_still_converges(device):
    X, y = separable(500, 5, 7)
    a = Perceptron(shuffle=True, random_state=0, device=device).fit(X, y)
    b = Perceptron(shuffle=True, random_state=0, device=device).fit(X, y)
    c = Perceptron(shuffle=True, random_state=1, device=device).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.converged_ and c.converged_
    assert not np.array_equal(a.coef_, c.coef_)


def test_dropout_changes_training_only(device):
    X, y = separable(300, 8, 8, gap=0.3)
    plain = Perceptron(**TEXTBOOK, device=device).fit(X, y)
    dropped = _fit_quietly(Perceptron(**TEXTBOOK, dropout=0.3, random_state=0, max_iter=200,
                                      device=device), X, y)
    assert not np.allclose(plain.coef_, dropped.coef_)
    np.testing.assert_array_equal(dropped.decision_function(X), dropped.decision_function(X))
    np.testing.assert_allclose(dropped.decision_function(X),
                               X @ dropped.coef_[0] + dropped.intercept_[0])


def test_random_init_starts_elsewhere(device):
    X, y = separable(300, 4, 9)
    clf = Perceptron(**TEXTBOOK, init="normal", random_state=0, device=device).fit(X, y)
    w, b, _, _ = textbook_perceptron(X, y, 1000)
    assert clf.converged_ and not np.allclose(clf.coef_[0], w)
    assert clf.mistake_bound_ is None


def test_warm_start_continues_from_the_fitted_weights(device):
    X, y = separable(300, 4, 10)
    clf = Perceptron(**TEXTBOOK, warm_start=True, device=device).fit(X, y)
    coef = clf.coef_.copy()
    clf.fit(X, y)
    assert clf.n_iter_ == 1 and clf.n_updates_ == 0
    np.testing.assert_array_equal(clf.coef_, coef)


def test_sigmoid_activation_gives_probabilities(device):
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    clf = _fit_quietly(Perceptron(**TEXTBOOK, activation="sigmoid", eta0=0.5, max_iter=300,
                                  device=device), X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, y) > 0.85
    assert clf.n_updates_ is None
    assert not hasattr(_fit_quietly(Perceptron(**TEXTBOOK, max_iter=5), X, y), "predict_proba")


def test_verbose_shows_a_progress_bar_with_updates(capsys, recwarn, device):
    X, y = separable(100, 2, 11)
    Perceptron(**TEXTBOOK, device=device).fit(X, y)
    assert capsys.readouterr() == ("", "")
    clf = Perceptron(**TEXTBOOK, verbose=1, device=device).fit(X, y)
    final = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert f"{clf.n_iter_}/1000" in final and "train_updates=0" in final


@pytest.mark.parametrize("shuffled", [False, True])
def test_float32_screening_gives_the_float64_decisions(shuffled):
    import torch

    from sk_mlp.linear_model._mistake_driven import make_screen, mistake_driven_epoch

    X, y = separable(30_000, 30, 13, gap=0.0)  # many near-zero margins
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(float))
    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(0))
    results = []
    for screen in (None, make_screen(X)):
        w, b = torch.zeros(X.shape[1], dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
        counts = [mistake_driven_epoch(Xt, yt, w, b, eta=1.0, screen=screen,
                                       order=order if shuffled else None).updates
                  for _ in range(5)]
        results.append((counts, w.numpy().copy(), b.item()))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert results[0][2] == results[1][2]


def test_screen_refuses_data_that_overflow_float32():
    from sk_mlp.linear_model._mistake_driven import make_screen

    assert make_screen(np.array([[1e300, 1.0]])) is None
    assert make_screen(np.ones((3, 2))) is not None


def test_a_warm_logistic_unit_follows_parameters_changed_since_the_first_fit():
    """The logistic unit's trainer applies the current tol and shuffle to the
    net it continues: after set_params(tol=None) a warm fit runs every epoch
    of max_iter instead of stopping on the old tol."""
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    clf = Perceptron(activation="sigmoid", tol=10.0, n_iter_no_change=1, max_iter=30,
                     warm_start=True, device="cpu").fit(X, y)
    assert clf.n_iter_ < 30  # the loose tol stopped it
    clf.set_params(tol=None, shuffle=False)
    clf.fit(X, y)
    assert clf.n_iter_ == 30 and clf.net_.shuffle is False


def test_the_step_rule_trains_on_the_callers_array_without_copying_it():
    """Without weights or a validation split every row trains, and the fit
    reads X itself (a copy of a 1M-row X once made the step rule 2.6x
    slower there, caught by benchmarks/bench_perceptron.py): the NumPy memory
    the fit allocates stays below the size of X."""
    import tracemalloc

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100_000, 20))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        Perceptron(shuffle=False, tol=None, max_iter=1, device="cpu").fit(X[:100], y[:100])
        tracemalloc.start()
        try:
            Perceptron(shuffle=False, tol=None, max_iter=2, device="cpu").fit(X, y)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < X.nbytes, f"the fit allocated {peak / X.nbytes:.2f} x X"
