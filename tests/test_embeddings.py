"""numerical_embedding: which columns it encodes, what it computes, what it
learns, and how it meets warm starts, partial_fit and saved files."""

import json
import warnings
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning

from sk_mlp import MLPClassifier, MLPRegressor, load, save
from sk_mlp._torch.embeddings import EMBEDDING_DIM, N_FREQUENCIES, embedded_columns


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


def test_a_row_of_weight_0_does_not_decide_the_columns(device):
    X, y = _table()
    X[7, 2] = 5.0
    weights = np.ones(len(X))
    weights[7] = 0.0
    reg = _quiet(MLPRegressor(hidden_layer_sizes=(8,), numerical_embedding="periodic",
                              max_iter=3, random_state=0, device=device), X, y,
                 sample_weight=weights)
    assert reg.export_network().embedding["columns"].tolist() == [0, 1, 4]


@pytest.mark.parametrize("scaling", ["standard", "robust", None])
def test_the_export_states_what_predict_computes(scaling, device):
    X, y = _table()
    reg = _quiet(MLPRegressor(hidden_layer_sizes=(8,), numerical_embedding="periodic",
                              input_scaling=scaling, dtype="float64", max_iter=5,
                              ensemble_size=1,
                              random_state=0, device=device), X, y)
    net = reg.export_network()
    emb = net.embedding
    assert emb["frequencies"].shape == (3, N_FREQUENCIES)
    assert emb["weight"].shape == (3, 2 * N_FREQUENCIES, EMBEDDING_DIM)
    z = X.copy()
    if net.input_shift is not None:
        z = (z - net.input_shift) * net.input_scale
        if net.input_clip is not None:
            z = z / np.sqrt(1 + (z / net.input_clip) ** 2)
    angles = 2 * np.pi * z[:, emb["columns"], None] * emb["frequencies"]
    features = np.concatenate([np.sin(angles), np.cos(angles)], axis=2)
    codes = np.maximum(np.einsum("nmk,mkd->nmd", features, emb["weight"]) + emb["bias"], 0)
    z = np.c_[z[:, emb["passed"]], codes.reshape(len(X), -1)]
    hidden = np.maximum(z @ net.coefs[0] + net.intercepts[0], 0)
    out = (hidden @ net.coefs[1] + net.intercepts[1]) * net.target_scale + net.target_shift
    np.testing.assert_allclose(out.ravel(), reg.predict(X), rtol=1e-9, atol=1e-9)
    assert net.layer_sizes[0] == 2 + 3 * EMBEDDING_DIM
    assert reg.n_params_ == sum(w.size + b.size for w, b in zip(net.coefs, net.intercepts)) \
        + 3 * (N_FREQUENCIES + (2 * N_FREQUENCIES + 1) * EMBEDDING_DIM)


def test_the_embedding_fits_a_response_a_plain_network_smooths_over(device):
    # a fast oscillation of one column: the periodic features resolve it at
    # a budget where a plain ReLU network of the same width does not
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (1200, 1))
    y = np.sin(6 * X[:, 0])
    params = dict(hidden_layer_sizes=(32,), max_iter=60, early_stopping=False,
                  random_state=0, device=device)
    plain = _quiet(MLPRegressor(**params), X[:1000], y[:1000])
    embedded = _quiet(MLPRegressor(numerical_embedding="periodic", **params),
                      X[:1000], y[:1000])
    plain_r2, embedded_r2 = plain.score(X[1000:], y[1000:]), embedded.score(X[1000:], y[1000:])
    assert embedded_r2 > 0.9 and embedded_r2 > plain_r2 + 0.2, (plain_r2, embedded_r2)


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
