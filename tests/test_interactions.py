"""Settings that meet in the fit path, combined pairwise.

Each row of a covering array (every pair of values of any two factors
appears in some row) is one scenario a user can write: an estimator with
these settings is fitted, maybe changed with ``set_params``, maybe saved and
loaded (or pickled), then fitted again or ``partial_fit``; each row is
checked against the invariants that hold for its settings:

- the resolved settings are used by the net, survive the round trip, and a
  value set with ``set_params`` is the value the next call uses;
- ``partial_fit`` keeps the record fit resolved (the 100-row chunk would
  resolve other 'auto' values than the 2,400 rows of the fit);
- a pickle round trip between two calls changes nothing;
- a row of weight 0 equals a dropped row, where nothing random differs;
- a weighted rare class is recalled better, under every early-stopping
  setting;
- validation rows given to fit (``X_val``) are counted with the training
  rows, turn 'auto' early stopping on and leave every row of ``X`` to
  train; a split by time (``'last'``) or by groups holds out its tenth.

The array is built by a deterministic greedy generator (no randomness), so
CI runs the same rows every time.
"""

import itertools
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import recall_score

import torch

import sk_mlp
from sk_mlp import MLPClassifier, MLPRegressor
from sk_mlp._torch.embeddings import EMBEDDING_DIM

FACTORS = {
    "task": ["classifier", "regressor"],
    "class_weight": [None, "balanced"],
    "sample_weight": [None, "with_zeros"],
    "early_stopping": ["auto", True, False],
    "warm_start": [False, True],
    "second_call": ["fit", "partial_fit"],
    "set_params": [None, "weight_decay", "learning_rate_init"],
    "solver": ["adam", "adamw", "sgd", "lbfgs"],
    "learning_rate": ["constant", "adaptive"],
    "dropout": ["auto", 0.0, 0.2],
    "ema_momentum": [0.0, 0.9],
    "standardize_target": [True, False],
    "input_scaling": ["standard", "robust", None],
    "sparse": [False, True],
    "round_trip": [None, "pickle", "save_load"],
    "n_iter_no_change": ["auto", 2],
    "numerical_embedding": [None, "periodic", "piecewise_linear"],
    "ensemble_size": [1, 3, "auto"],
    "label_smoothing": ["auto", 0.1],
    "tol": ["auto", 1e-3],
    "autocast": ["auto", "bfloat16"],
    "validation": ["random", "last", "group", "X_val"],
}


def _pair_allowed(a, va, b, vb):
    """Whether values ``va`` of factor ``a`` and ``vb`` of ``b`` can meet."""
    pair = {a: va, b: vb}
    if pair.get("task") == "regressor" and (pair.get("class_weight") == "balanced"
                                            or pair.get("label_smoothing") == 0.1):
        return False  # classifier only
    if pair.get("standardize_target") is False and (
            pair.get("task") == "classifier" or pair.get("class_weight") == "balanced"
            or pair.get("label_smoothing") == 0.1):
        return False  # regressor only (True stands for "not applicable")
    if pair.get("solver") == "lbfgs" and (pair.get("second_call") == "partial_fit"
                                          or pair.get("dropout") == 0.2):
        return False  # no partial_fit, deterministic loss only
    if pair.get("early_stopping") is True and pair.get("second_call") == "partial_fit":
        return False  # refused by partial_fit
    if pair.get("solver") == "lbfgs" and pair.get("autocast") == "bfloat16":
        return False  # refused: L-BFGS computes in float64
    if pair.get("validation") == "X_val" and (pair.get("solver") == "lbfgs"
                                              or pair.get("early_stopping") is False):
        return False  # refused: nothing would validate on them
    return True


def _allowed(row):
    return all(_pair_allowed(a, row[a], b, row[b])
               for a, b in itertools.combinations(row, 2))


def covering_array(factors, allowed_pair):
    """Rows (dicts) covering every allowed pair of values of two factors.

    Greedy and deterministic: each new row starts from the first uncovered
    pair and fills the other factors one at a time with the value that
    covers the most uncovered pairs with the values already chosen (ties:
    the first value), keeping every pair of the row allowed.
    """
    names = list(factors)
    uncovered = {
        (a, va, b, vb)
        for a, b in itertools.combinations(names, 2)
        for va in factors[a] for vb in factors[b]
        if allowed_pair(a, va, b, vb)
    }
    rows = []
    while uncovered:
        a, va, b, vb = min(uncovered, key=lambda p: (names.index(p[0]), names.index(p[2]),
                                                    factors[p[0]].index(p[1]),
                                                    factors[p[2]].index(p[3])))
        row = {a: va, b: vb}
        for name in names:
            if name in row:
                continue
            candidates = [v for v in factors[name]
                          if all(allowed_pair(*sorted_pair(name, v, other, row[other],
                                                           names))
                                 for other in row)]
            row[name] = max(candidates, key=lambda v: sum(
                sorted_pair(name, v, other, row[other], names) in uncovered
                for other in row))
        ordered = {name: row[name] for name in names}
        uncovered -= {(x, ordered[x], y, ordered[y])
                      for x, y in itertools.combinations(names, 2)}
        rows.append(ordered)
    return rows


def sorted_pair(a, va, b, vb, names):
    """The pair in the factors' order, as the uncovered set stores it."""
    if names.index(a) < names.index(b):
        return a, va, b, vb
    return b, vb, a, va


ROWS = covering_array(FACTORS, _pair_allowed)


def test_the_covering_array_covers_every_allowed_pair():
    assert all(_allowed(row) for row in ROWS)
    for a, b in itertools.combinations(FACTORS, 2):
        for va in FACTORS[a]:
            for vb in FACTORS[b]:
                if _pair_allowed(a, va, b, vb):
                    assert any(row[a] == va and row[b] == vb for row in ROWS), (a, va, b, vb)
    assert len(ROWS) <= 30  # pairwise, not the 286,654,464 combinations


# ------------------------------------------------------------------ data
N_ROWS = 2400  # beyond the 2,000 where 'auto' decay and rate change


def _data(task):
    if task == "classifier":
        X, y = make_classification(n_samples=N_ROWS + 600, n_features=6, n_informative=4,
                                   weights=[0.9, 0.1], flip_y=0.0, random_state=0)
    else:
        X, y = make_regression(n_samples=N_ROWS + 600, n_features=6, noise=5.0,
                               random_state=0)
        y = y * 30 + 500  # far from unit scale
    return X[:N_ROWS], y[:N_ROWS], X[N_ROWS:], y[N_ROWS:]


def _weights(y, kind):
    if kind is None:
        return None
    rng = np.random.RandomState(1)
    weights = rng.uniform(0.5, 2.0, size=len(y))
    weights[rng.rand(len(y)) < 0.1] = 0.0
    return weights


def _estimator(row, **overrides):
    params = dict(hidden_layer_sizes=(8,), max_iter=6, random_state=0, device="cpu",
                  early_stopping=row["early_stopping"], warm_start=row["warm_start"],
                  solver=row["solver"], learning_rate=row["learning_rate"],
                  dropout=row["dropout"],
                  ema_momentum=row["ema_momentum"], input_scaling=row["input_scaling"],
                  n_iter_no_change=row["n_iter_no_change"],
                  numerical_embedding=row["numerical_embedding"],
                  ensemble_size=row["ensemble_size"], tol=row["tol"],
                  autocast=row["autocast"],
                  validation_split=row["validation"] if row["validation"] != "X_val"
                  else "random")
    if row["task"] == "classifier":
        params["class_weight"] = row["class_weight"]
        params["label_smoothing"] = row["label_smoothing"]
        cls = MLPClassifier
    else:
        params["standardize_target"] = row["standardize_target"]
        cls = MLPRegressor
    params.update(overrides)
    return cls(**params)


def _quiet(call, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


def _round_trip(est, kind, tmp_path):
    if kind == "pickle":
        return pickle.loads(pickle.dumps(est))
    if kind == "save_load":
        path = tmp_path / "model.skmlp"
        sk_mlp.save(est, path)
        return sk_mlp.load(path)
    return est


def _coefs(est):
    return np.concatenate([w.ravel() for w in est.coefs_ + est.intercepts_])


SET_VALUES = {"weight_decay": 0.05, "learning_rate_init": 0.0123}


def _validation_kwargs(row, X, y, X_test, y_test):
    """What fit is told about its validation rows: the rows' groups (40 of
    60 rows each) or a validation set of 300 rows."""
    if row["validation"] == "group":
        return {"groups": np.arange(X.shape[0]) // 60}
    if row["validation"] == "X_val":
        return {"X_val": X_test[:300], "y_val": y_test[:300]}
    return {}


def _scenario(row, tmp_path, round_trip=None, **overrides):
    """First fit, set_params, round trip, second call; returns the
    estimator after each step and the data."""
    X, y, X_test, y_test = _data(row["task"])
    if row["sparse"]:
        X, X_test = sp.csr_matrix(X), sp.csr_matrix(X_test)
    weights = _weights(y, row["sample_weight"])
    est = _estimator(row, **overrides)
    validation = _validation_kwargs(row, X, y, X_test, y_test)
    _quiet(est.fit, X, y, sample_weight=weights, **validation)
    first = est.settings_
    if row["set_params"] is not None:
        est.set_params(**{row["set_params"]: SET_VALUES[row["set_params"]]})
    est = _round_trip(est, row["round_trip"] if round_trip is None else round_trip,
                      tmp_path)
    chunk = slice(0, 100)
    if row["second_call"] == "partial_fit":
        _quiet(est.partial_fit, X[chunk], y[chunk],
               sample_weight=None if weights is None else weights[chunk])
    else:
        _quiet(est.fit, X, y, sample_weight=weights, **validation)
    return est, first, (X, y, X_test, y_test, weights)


def _ids(rows):
    return ["-".join(f"{v}" for v in row.values()) for row in rows]


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_settings_that_meet_work_together(row, tmp_path):
    est, first, (X, y, X_test, y_test, weights) = _scenario(row, tmp_path)
    settings = est.settings_
    changed = row["set_params"]
    # the record holds no 'auto', and the net trains with it
    assert "auto" not in settings.as_dict().values()
    assert est.net_.base_weight_decay == settings.weight_decay
    assert est.net_.batch_size == settings.batch_size
    assert dict(est.net_.callbacks_)["monitor"].n_iter_no_change == \
        settings.n_iter_no_change
    if row["n_iter_no_change"] != "auto":
        assert settings.n_iter_no_change == row["n_iter_no_change"]
    # the stopping rule's tolerance: relative for the regressor's 'auto' only
    monitor = dict(est.net_.callbacks_)["monitor"]
    assert (monitor.tol, monitor.relative) == (settings.tol, settings.tol_relative)
    # 'auto': 1e-3 on a validation loss, 1e-4 on the training loss
    assert settings.tol == (1e-3 if row["tol"] != "auto" or settings.early_stopping
                            else 1e-4)
    assert settings.tol_relative == (row["tol"] == "auto" and row["task"] == "regressor")
    # a value set with set_params is the value the next call uses
    if changed == "weight_decay" and row["solver"] != "lbfgs":
        assert settings.weight_decay == SET_VALUES["weight_decay"]
    if changed == "learning_rate_init":
        assert settings.learning_rate == SET_VALUES["learning_rate_init"]
        if row["solver"] != "lbfgs":
            # the first epoch of the second call ran at the new rate
            assert est.history_[-est.n_iter_]["lr"] == SET_VALUES["learning_rate_init"]
    if row["second_call"] == "partial_fit":
        # partial_fit keeps fit's record (the 100-row chunk resolves nothing)
        unchanged = {"weight_decay": "weight_decay",
                     "learning_rate_init": "learning_rate"}.get(changed)
        for name, value in first.as_dict().items():
            if name != unchanged:
                assert getattr(settings, name) == value, name
    elif not changed:
        assert settings == first  # the same data resolve the same record
    # validation rows given to fit are counted with the training rows, turn
    # 'auto' early stopping on, and are what the validation loss is of
    given = row["validation"] == "X_val"
    assert settings.validation_given == given
    counted = N_ROWS if weights is None else int(np.count_nonzero(weights))
    assert settings.n_samples == counted + (300 if given else 0)
    if given:
        assert settings.early_stopping
    # the rarer class of the binary target is counted over the same rows
    # (the rule it feeds only acts from 16,000 rows; tests/test_defaults.py)
    if row["task"] == "classifier":
        labels = y if weights is None else y[weights > 0]
        labels = np.concatenate([labels, y_test[:300]]) if given else labels
        assert settings.n_minority == np.bincount(labels).min()
    else:
        assert settings.n_minority == 0
    if row["second_call"] == "fit" and settings.early_stopping and not row["warm_start"]:
        # every row of X trains when the validation rows are given, else the
        # split's complement: a tenth held out (of the 40 groups for 'group')
        assert "valid_loss" in est.history_[-1]
        assert est.t_ == est.n_iter_ * (N_ROWS if given else N_ROWS - 240)
    predictions = est.predict(X_test)
    assert np.isfinite(np.asarray(predictions, dtype=float)).all()
    # the export describes the network the settings built, whatever happened
    network = est.export_network()
    embedded = 0 if network.embedding is None else len(network.embedding["columns"])
    assert (network.embedding is None) == (row["numerical_embedding"] is None)
    assert network.layer_sizes == [X.shape[1] + embedded * (EMBEDDING_DIM - 1),
                                   *settings.hidden_layer_sizes, est.n_outputs_]
    assert network.dtype == settings.dtype
    # bfloat16 products where asked ('auto': never on batches of 200), the
    # weights in the network's dtype whatever the products ran in
    assert settings.autocast == (None if row["autocast"] == "auto" else "bfloat16")
    assert est.net_.autocast_dtype == (None if settings.autocast is None
                                       else torch.bfloat16)
    assert all(p.dtype == getattr(torch, settings.dtype)
               for p in est.net_.module_.parameters())
    assert (network.input_shift is None) == (row["input_scaling"] is None)
    # 'auto': 3 members, 2 with an embedding (this array never embeds by
    # 'auto', so the embedding is the row's), whatever the second call did
    members = row["ensemble_size"]
    if members == "auto":
        members = 3 if row["numerical_embedding"] is None else 2
    assert settings.ensemble_size == members
    assert (network.ensemble_scales is None) == (members == 1)
    assert est.coefs_[-1].shape == (() if members == 1 else (members,)) + (
        settings.hidden_layer_sizes[-1], est.n_outputs_)
    if row["task"] == "classifier":
        # the loss smooths as the settings say ('auto': never on this binary
        # target), and a fit that smoothed with a validation split calibrated
        assert est.net_.criterion_.label_smoothing == settings.label_smoothing
        assert settings.label_smoothing == (0.0 if row["label_smoothing"] == "auto" else 0.1)
        calibrated = row["second_call"] == "fit" and settings.early_stopping \
            and settings.label_smoothing > 0
        assert ("temperature" in est.history_[-1]) == calibrated


@pytest.mark.parametrize("row", [r for r in ROWS if r["round_trip"] is not None],
                         ids=_ids([r for r in ROWS if r["round_trip"] is not None]))
def test_a_round_trip_between_two_calls(row, tmp_path):
    """The resolved settings after a load equal those before; a pickle round
    trip (which keeps the optimiser's state and the random streams) changes
    nothing at all; sk_mlp's file keeps the weights and settings."""
    kept, _, data = _scenario(row, tmp_path, round_trip="none")
    moved, _, _ = _scenario(row, tmp_path)
    assert moved.settings_ == kept.settings_
    X_test = data[2]
    if row["round_trip"] == "pickle":
        np.testing.assert_array_equal(_coefs(moved), _coefs(kept))
        np.testing.assert_array_equal(moved.predict(X_test), kept.predict(X_test))
        for a, b in zip(moved.export_network().coefs, kept.export_network().coefs):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("row", [r for r in ROWS if r["sample_weight"] is not None],
                         ids=_ids([r for r in ROWS if r["sample_weight"] is not None]))
def test_a_zero_weight_equals_a_dropped_row(row):
    """Where nothing random differs (one batch holding every row, no
    dropout, no validation split), a row of weight 0 is a dropped row:
    input scaling, target scaling, class weights, the rules and the loss all
    count weights."""
    X, y, X_test, _ = _data(row["task"])
    if row["sparse"]:
        X, X_test = sp.csr_matrix(X), sp.csr_matrix(X_test)
    weights = _weights(y, "with_zeros")
    kept = weights > 0
    overrides = dict(batch_size=10 * N_ROWS, dropout=0.0, early_stopping=False,
                     dtype="float64", autocast=None)
    if row["solver"] == "sgd" and not row["standardize_target"]:
        # SGD with momentum on the raw targets (about 500 +- 3,000) diverges
        # at the default rate, and a diverging fit turns rounding into
        # different weights: this test is about weights, not divergence
        overrides["learning_rate_init"] = 1e-4
    zero = _quiet(_estimator(row, **overrides).fit, X, y, sample_weight=weights)
    dropped = _quiet(_estimator(row, **overrides).fit, X[kept], y[kept],
                     sample_weight=weights[kept])
    assert zero.settings_ == dropped.settings_
    np.testing.assert_allclose(_coefs(zero), _coefs(dropped), rtol=1e-7, atol=1e-9)


CLASS_WEIGHT_ROWS = [r for r in ROWS if r["class_weight"] == "balanced"]


@pytest.fixture(scope="module")
def rare_class():
    """A 95/5 table whose rare class an unweighted network mostly misses."""
    X, y = make_classification(n_samples=3000, n_features=20, weights=[0.95, 0.05],
                               class_sep=0.6, flip_y=0.02, random_state=0)
    return X[:2250], y[:2250], X[2250:], y[2250:]


@pytest.mark.parametrize("early_stopping", ["auto", True, False])
@pytest.mark.parametrize("row", CLASS_WEIGHT_ROWS, ids=_ids(CLASS_WEIGHT_ROWS))
def test_a_weighted_rare_class_is_recalled_better(row, early_stopping, rare_class):
    X, y, X_test, y_test = rare_class
    if row["sparse"]:
        X, X_test = sp.csr_matrix(X), sp.csr_matrix(X_test)
    # a small network at a rate every solver reaches in 40 epochs: one that
    # can interpolate the training rows (L-BFGS run to convergence on 32
    # units) fits the rare class there with or without weights
    # (the embedding and the ensemble are off: 16 inputs per column, or
    # three output layers, let 4 units interpolate the rows too; the weights
    # reach the loss and the validation the same way behind any first layer
    # and for every member, as the zero-weight test checks with both on)
    overrides = dict(early_stopping=early_stopping, max_iter=40, hidden_layer_sizes=(4,),
                     learning_rate_init=0.01, numerical_embedding=None, ensemble_size=1)
    # (validation rows of its own would be the fixture's; groups are drawn)
    groups = {"groups": np.arange(len(y)) // 50} if row["validation"] == "group" else {}
    plain = _quiet(_estimator(row, class_weight=None, **overrides).fit, X, y, **groups)
    weighted = _quiet(_estimator(row, **overrides).fit, X, y, **groups)
    recall = recall_score(y_test, plain.predict(X_test))
    assert recall_score(y_test, weighted.predict(X_test)) > recall + 0.2, recall
