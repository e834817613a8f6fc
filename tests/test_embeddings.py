"""numerical_embedding ('periodic', 'piecewise_linear'): which columns it
encodes, what it computes, what it learns, and how it meets warm starts,
partial_fit and saved files."""

import json
import warnings
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning

from sk_mlp import MLPClassifier, MLPRegressor, load, save
from sk_mlp._torch.embeddings import (EMBEDDING_DIM, EMBEDDINGS, N_BINS, N_FREQUENCIES,
                                      PiecewiseLinearEmbedding, embedded_columns)


def _quiet(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def _table(n=300, seed=0):
    """Two numeric columns, an indicator, an all-zero column, a count."""
    rng = np.random.default_rng(seed)
    X = np.c_[rng.normal(size=n), rng.uniform(-3, 3, n), rng.random(n) < 0.3,
              np.zeros(n), rng.poisson(0.5, n)].astype(float)
    return X, X[:, 0] + np.sin(2 * X[:, 1]) + X[:, 2]


@pytest.mark.parametrize("sparse", [False, True])
def test_columns_holding_only_0_and_1_are_not_embedded(sparse):
    X, _ = _table()
    assert embedded_columns(sp.csr_matrix(X) if sparse else X) == (0, 1, 4)
    X[5, 2] = 0.5  # one value besides 0 and 1
    assert embedded_columns(sp.csr_matrix(X) if sparse else X) == (0, 1, 2, 4)


@pytest.mark.parametrize("sparse", [False, True])
def test_a_row_mask_reads_the_columns_of_those_rows_only(sparse):
    X, _ = _table()
    X[7, 2] = 5.0  # the indicator's one other value, in a masked-out row
    rows = np.ones(len(X), dtype=bool)
    rows[7] = False
    data = sp.csr_matrix(X) if sparse else X
    assert embedded_columns(data, rows) == embedded_columns(X[rows]) == (0, 1, 4)
    assert embedded_columns(data) == (0, 1, 2, 4)


def test_a_row_of_weight_0_does_not_decide_the_columns(device):
    X, y = _table()
    X[7, 2] = 5.0
    weights = np.ones(len(X))
    weights[7] = 0.0
    reg = _quiet(MLPRegressor(hidden_layer_sizes=(8,), numerical_embedding="periodic",
                              max_iter=3, random_state=0, device=device), X, y,
                 sample_weight=weights)
    assert reg.export_network().embedding["columns"].tolist() == [0, 1, 4]


def _features(emb, values):
    """The embedding's features of ``values`` (n, m), as FittedNetwork says."""
    if emb["kind"] == "periodic":
        angles = 2 * np.pi * values[:, :, None] * emb["frequencies"]
        return np.concatenate([np.sin(angles), np.cos(angles)], axis=2)
    edges = emb["edges"]
    features = np.zeros((len(values), *edges.shape))[:, :, :-1]
    for i, e in enumerate(edges):
        bins = [t for t in range(len(e) - 1) if e[t + 1] > e[t]]
        for t in bins:
            f = (values[:, i] - e[t]) / (e[t + 1] - e[t])
            if t != bins[0]:
                f = np.maximum(f, 0)
            if t != bins[-1]:
                f = np.minimum(f, 1)
            features[:, i, t] = f
    return features


@pytest.mark.parametrize("kind", list(EMBEDDINGS))
@pytest.mark.parametrize("scaling", ["standard", "robust", None])
def test_the_export_states_what_predict_computes(scaling, kind, device):
    X, y = _table()
    reg = _quiet(MLPRegressor(hidden_layer_sizes=(8,), numerical_embedding=kind,
                              input_scaling=scaling, dtype="float64", max_iter=5,
                              ensemble_size=1,
                              random_state=0, device=device), X, y)
    net = reg.export_network()
    emb = net.embedding
    assert emb["kind"] == kind
    n_features = 2 * N_FREQUENCIES if kind == "periodic" else N_BINS
    assert emb["weight"].shape == (3, n_features, EMBEDDING_DIM)
    # new rows beyond the training range too: the outer bins extrapolate
    X_all = np.r_[X, 3 * X[:20]]
    z = X_all.copy()
    if net.input_shift is not None:
        z = (z - net.input_shift) * net.input_scale
        if net.input_clip is not None:
            z = z / np.sqrt(1 + (z / net.input_clip) ** 2)
    features = _features(emb, z[:, emb["columns"]])
    codes = np.maximum(np.einsum("nmk,mkd->nmd", features, emb["weight"]) + emb["bias"], 0)
    z = np.c_[z[:, emb["passed"]], codes.reshape(len(z), -1)]
    hidden = np.maximum(z @ net.coefs[0] + net.intercepts[0], 0)
    out = (hidden @ net.coefs[1] + net.intercepts[1]) * net.target_scale + net.target_shift
    # float64 throughout; the network makes cos v as sin(v + pi/2), whose
    # rounding grows with |v| (unscaled columns: angles in the hundreds)
    np.testing.assert_allclose(out.ravel(), reg.predict(X_all), rtol=1e-7, atol=1e-7)
    assert net.layer_sizes[0] == 2 + 3 * EMBEDDING_DIM
    own = N_FREQUENCIES if kind == "periodic" else N_BINS + 1
    assert reg.n_params_ == sum(w.size + b.size for w, b in zip(net.coefs, net.intercepts)) \
        + 3 * ((n_features + 1) * EMBEDDING_DIM + (own if kind == "periodic" else 0))


@pytest.mark.parametrize("scaling", ["standard", None])
def test_the_bins_are_quantiles_of_the_rows_that_count(scaling, device):
    X, y = _table(n=400)
    X[:, 4] = np.round(X[:, 4]).clip(0, 2)  # a count of three values: two bins
    weights = np.ones(len(X))
    weights[:10] = 0.0
    X[:10, 0] = 1e6  # rows of weight 0 move no edge
    reg = _quiet(MLPRegressor(hidden_layer_sizes=(8,), numerical_embedding="piecewise_linear",
                              input_scaling=scaling, dtype="float64", max_iter=2,
                              random_state=0, device=device), X, y, sample_weight=weights)
    net = reg.export_network()
    edges = net.embedding["edges"]
    assert edges.shape == (3, N_BINS + 1)  # columns 0, 1 and 4
    raw = np.quantile(X[10:, 0], np.linspace(0, 1, N_BINS + 1))
    if scaling is not None:
        raw = (raw - net.input_shift[0]) * net.input_scale[0]
    np.testing.assert_allclose(edges[0], raw, rtol=1e-9, atol=1e-12)
    widths = np.diff(edges[2])
    assert (widths > 0).sum() == 2 and (widths[2:] == 0).all()


def test_a_value_is_placed_in_its_bins():
    emb = PiecewiseLinearEmbedding(1, (0,))
    with torch.no_grad():
        emb.edges.copy_(torch.tensor([[0.0, 1.0, 3.0] + [3.0] * (N_BINS - 2)]))
    x = torch.tensor([[-1.0], [0.5], [2.0], [5.0]])
    f = emb.features(x[:, emb.embedded].T).numpy()[0, :, :2]
    # below the range the first bin goes negative, above it the last passes 1
    np.testing.assert_allclose(f, [[-1.0, 0.0], [0.5, 0.0], [1.0, 0.5], [1.0, 2.0]])
    assert (emb.features(x[:, emb.embedded].T)[0, :, 2:] == 0).all()  # unused bins


def _held_out_r2(X, y, kind, device):
    """R^2 on rows 1000: of a 32-unit network with ``numerical_embedding=kind``
    fitted on the first 1,000 for 60 epochs."""
    reg = _quiet(MLPRegressor(hidden_layer_sizes=(32,), max_iter=60, early_stopping=False,
                              numerical_embedding=kind, random_state=0, device=device),
                 X[:1000], y[:1000])
    return reg.score(X[1000:], y[1000:])


def test_the_embedding_fits_a_response_a_plain_network_smooths_over(device):
    # a fast oscillation of one column: the periodic features resolve it at
    # a budget where a plain ReLU network of the same width does not
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (1200, 1))
    y = np.sin(6 * X[:, 0])
    plain_r2, embedded_r2 = (_held_out_r2(X, y, kind, device) for kind in (None, "periodic"))
    assert embedded_r2 > 0.9 and embedded_r2 > plain_r2 + 0.2, (plain_r2, embedded_r2)


def test_the_bins_follow_a_skewed_column_a_plain_network_cannot(device):
    # a log-normal column: standardised, most rows crowd near its minimum;
    # quantile bins spread them out again
    rng = np.random.default_rng(0)
    X = np.exp(rng.normal(0, 2, (1200, 1)))
    y = np.sin(2 * np.log(X[:, 0]))
    plain_r2, binned_r2 = (_held_out_r2(X, y, kind, device)
                           for kind in (None, "piecewise_linear"))
    assert binned_r2 > 0.85 and binned_r2 > plain_r2 + 0.5, (plain_r2, binned_r2)


@pytest.mark.parametrize("round_trip", ["warm_start", "partial_fit", "save"])
def test_the_bins_are_kept_once_fitted(round_trip, tmp_path, device):
    X, y = _table()
    reg = _quiet(MLPRegressor(hidden_layer_sizes=(8,), numerical_embedding="piecewise_linear",
                              max_iter=3, warm_start=True, random_state=0,
                              device=device), X, y)
    edges = reg.export_network().embedding["edges"]
    shifted = X + 10.0  # data whose quantiles differ everywhere
    if round_trip == "warm_start":
        _quiet(reg, shifted, y)
    elif round_trip == "partial_fit":
        reg.partial_fit(shifted, y)
    else:
        save(reg, tmp_path / "m.skmlp")
        reg = load(tmp_path / "m.skmlp")
        np.testing.assert_array_equal(reg.export_network().embedding["edges"], edges)
        reg.partial_fit(shifted, y)
    np.testing.assert_array_equal(reg.export_network().embedding["edges"], edges)
    with pytest.raises(ValueError, match="numerical_embedding='periodic'"):
        reg.set_params(numerical_embedding="periodic").fit(X, y)


def test_warm_start_and_partial_fit_keep_the_embedding(device):
    X, y = _table()
    reg = _quiet(MLPRegressor(hidden_layer_sizes=(8,), numerical_embedding="periodic",
                              max_iter=3, warm_start=True, random_state=0,
                              device=device), X, y)
    before = reg.export_network().embedding["frequencies"]
    reg.partial_fit(X, y)
    _quiet(reg, X, y)
    after = reg.export_network()
    assert after.embedding["columns"].tolist() == [0, 1, 4]
    assert not np.array_equal(after.embedding["frequencies"], before)  # it trains
    for value in (None,):
        reg.set_params(numerical_embedding=value)
        with pytest.raises(ValueError, match="numerical_embedding=None"):
            reg.fit(X, y)
    # the first partial_fit's chunk decides the columns, later ones keep them
    clf = MLPClassifier((8,), numerical_embedding="periodic", random_state=0, device=device)
    labels = (y > 0).astype(int)
    clf.partial_fit(X[:50], labels[:50], classes=[0, 1])
    clf.partial_fit(X[50:], labels[50:])
    assert clf.export_network().embedding["columns"].tolist() == \
        list(embedded_columns(X[:50]))


def test_a_saved_embedding_predicts_the_same_and_keeps_training(tmp_path, device):
    X, y = load_iris(return_X_y=True)
    clf = _quiet(MLPClassifier((8,), numerical_embedding="periodic", max_iter=5,
                               random_state=0, device=device), X, y)
    save(clf, tmp_path / "m.skmlp")
    loaded = load(tmp_path / "m.skmlp")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    # Monte-Carlo dropout runs through the embedding, reproducibly
    mean, std = loaded.predict_proba_mc(X, n_samples=5)
    np.testing.assert_array_equal(mean, clf.predict_proba_mc(X, n_samples=5)[0])
    assert (std > 0).any() and np.allclose(mean.sum(axis=1), 1)
    # the plain format keeps no optimiser state: training goes on from the
    # saved weights, embedding included
    before = loaded.export_network().embedding["frequencies"]
    loaded.partial_fit(X, y)
    assert loaded.export_network().embedding["columns"].tolist() == [0, 1, 2, 3]
    assert not np.array_equal(loaded.export_network().embedding["frequencies"], before)
    assert np.isfinite(loaded.predict_proba(X)).all()


@pytest.mark.parametrize("columns", [[0, 0, 1], [3, 1], [0, 9], [-1], ["0"]])
def test_a_file_whose_embedded_columns_are_not_its_inputs_is_refused(columns, tmp_path):
    X, y = load_iris(return_X_y=True)
    clf = _quiet(MLPClassifier((8,), numerical_embedding="periodic", max_iter=2,
                               random_state=0, device="cpu"), X, y)
    path = tmp_path / "m.skmlp"
    save(clf, path)
    with zipfile.ZipFile(path) as archive:
        meta, tensors = archive.read("sk_mlp.json").decode(), archive.read("tensors.pt")
    meta = meta.replace('["embedded_columns", {"__tuple__": [0, 1, 2, 3]}]',
                        f'["embedded_columns", {{"__tuple__": {json.dumps(columns)}}}]')
    assert str(columns) in meta.replace('"', "'")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("sk_mlp.json", meta)
        archive.writestr("tensors.pt", tensors)
    with pytest.raises(ValueError, match="not a valid sk_mlp model file"):
        load(path)


def _wide_or_long(n_rows, n_columns, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_columns))
    return X, X[:, 0] + np.sin(2 * X[:, 1])


@pytest.mark.parametrize("n_rows, n_columns, indicators, weight_zero, expected", [
    (1500, 8, 0, 0, "periodic"),
    (1499, 8, 0, 0, None),  # too few rows
    (1600, 8, 0, 200, None),  # rows of weight 0 do not count
    (1500, 33, 0, 0, None),  # too many numeric columns
    (1500, 32, 10, 0, "periodic"),  # 0/1 columns are not counted
])
def test_auto_embeds_from_enough_rows_on_few_numeric_columns(n_rows, n_columns, indicators,
                                                            weight_zero, expected, device):
    X, y = _wide_or_long(n_rows, n_columns)
    X = np.c_[X, np.random.default_rng(1).random((n_rows, indicators)) < 0.5]
    weights = np.ones(n_rows)
    weights[:weight_zero] = 0.0
    reg = _quiet(MLPRegressor(hidden_layer_sizes=(8,), max_iter=1, random_state=0,
                              device=device), X, y, sample_weight=weights)
    assert reg.numerical_embedding == "auto"
    assert reg.settings_.numerical_embedding == expected
    embedding = reg.export_network().embedding
    assert (embedding is None) == (expected is None)
    if embedding is not None:
        assert embedding["kind"] == expected
        assert embedding["columns"].tolist() == list(range(n_columns))


@pytest.mark.parametrize("call", ["warm_start", "partial_fit", "save_load"])
def test_auto_keeps_the_fitted_networks_embedding(call, tmp_path, device):
    X, y = _wide_or_long(1600, 4)
    reg = _quiet(MLPRegressor(hidden_layer_sizes=(8,), max_iter=2, warm_start=True,
                              random_state=0, device=device), X, y)
    assert reg.settings_.numerical_embedding == "periodic"
    if call == "save_load":
        save(reg, tmp_path / "m.skmlp")
        reg = load(tmp_path / "m.skmlp")
        assert reg.settings_.numerical_embedding == "periodic"
    # 100 rows alone would resolve 'auto' to None: the network keeps its own
    if call == "warm_start":
        _quiet(reg, X[:100], y[:100])
    else:
        reg.set_params(learning_rate_init=0.01)  # partial_fit resolves again
        reg.partial_fit(X[:100], y[:100])
    assert reg.settings_.numerical_embedding == "periodic"
    assert reg.export_network().embedding["kind"] == "periodic"
