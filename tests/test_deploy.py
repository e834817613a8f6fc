"""Deployment: skops files of estimators and pipelines, and ONNX graphs."""

import json
import pickle
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris, make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sk_mlp import (MLPClassifier, MLPRegressor, Perceptron, load, onnx_inputs, save,
                    to_onnx)
from sk_mlp.preprocessing import TabularPreprocessor

from .conftest import DEVICE, shared_data

# the deploy extra is optional for users but in the test extra, so the
# README's test command never skips these
sio = pytest.importorskip("skops.io")
ort = pytest.importorskip("onnxruntime")

# the public paths files name the classes by (not the private modules, free to move)
OURS = {"sk_mlp.neural_network.MLPClassifier", "sk_mlp.neural_network.MLPRegressor",
        "sk_mlp.linear_model.Perceptron"}
X, Y = load_iris(return_X_y=True)


def _quiet_fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


def _estimators():
    return [
        (MLPClassifier((8,), max_iter=20, dropout=0.1, device=DEVICE, random_state=0), Y),
        (MLPRegressor(hidden_layer_sizes=(8,), max_iter=20, standardize_target=True,
                      device=DEVICE, random_state=0), X[:, 0] * 10),
        (Perceptron(max_iter=10, device=DEVICE), Y),
        (MLPClassifier((8,), max_iter=20, ensemble_size=3, device=DEVICE, random_state=0),
         Y),
    ]


def _outputs(est, X):
    names = [n for n in ("predict", "predict_proba", "decision_function") if hasattr(est, n)]
    return {n: getattr(est, n)(X) for n in names}


# ------------------------------------------------------------------ skops
@pytest.mark.parametrize("index", range(4))
def test_skops_round_trip_of_each_estimator_fitted_or_not(index):
    est, y = _estimators()[index]
    data = sio.dumps(est)
    assert set(sio.get_untrusted_types(data=data)) <= OURS
    unfitted = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    assert unfitted.get_params() == est.get_params()
    _quiet_fit(est, X, y)
    data = sio.dumps(est)
    untrusted = sio.get_untrusted_types(data=data)
    assert untrusted == [f"{type(est).__module__}.{type(est).__name__}"]
    restored = sio.loads(data, trusted=untrusted)
    for name, value in _outputs(est, X).items():
        np.testing.assert_array_equal(getattr(restored, name)(X), value)
    # nothing of torch or skorch is in the file
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as archive:
        schema = archive.read("schema.json").decode()
    assert "torch" not in schema and "skorch" not in schema


def test_skops_pipeline_column_transformer_and_search_best_estimator(tmp_path):
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"a": rng.normal(size=90), "town": rng.choice(["n", "s"], 90)})
    y = (table["a"] > 0).astype(int) + (table["town"] == "n")
    ct = ColumnTransformer([("num", StandardScaler(), ["a"]),
                            ("cat", OneHotEncoder(), ["town"])])
    search = GridSearchCV(make_pipeline(ct, MLPClassifier(
        (8,), max_iter=30, device=DEVICE, random_state=0)),
        {"mlpclassifier__alpha": [1e-4, 1e-2]}, cv=2)
    _quiet_fit(search, table, y)
    best = search.best_estimator_
    save(best, tmp_path / "pipe.skops")
    assert set(sio.get_untrusted_types(file=tmp_path / "pipe.skops")) <= OURS | {
        "numpy.dtype"}
    restored = load(tmp_path / "pipe.skops")
    np.testing.assert_array_equal(restored.predict_proba(table), best.predict_proba(table))


def test_tampered_skops_file_is_refused(tmp_path):
    pipe = _quiet_fit(make_pipeline(StandardScaler(), MLPClassifier(
        (4,), max_iter=5, device=DEVICE, random_state=0)), X, Y)
    save(pipe, tmp_path / "p.skops")
    with zipfile.ZipFile(tmp_path / "p.skops") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(members["schema.json"])
    text = json.dumps(schema).replace('"__module__": "sk_mlp.neural_network"',
                                      '"__module__": "os"').replace(
        '"__class__": "MLPClassifier"', '"__class__": "system"')
    members["schema.json"] = text.encode()
    with zipfile.ZipFile(tmp_path / "bad.skops", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match=r"does not trust: \['os.system'\]"):
        load(tmp_path / "bad.skops")
    with pytest.raises(Exception, match="os.system"):
        sio.load(tmp_path / "bad.skops", trusted=sorted(OURS))


def test_plain_state_keeps_warm_start_and_partial_fit_exact():
    est = _quiet_fit(MLPClassifier((8,), max_iter=5, dropout=0.2, device=DEVICE,
                                   random_state=0), X, Y)
    copy = pickle.loads(pickle.dumps(est))
    assert set(vars(copy)) == set(vars(est))
    est.partial_fit(X, Y)
    copy.partial_fit(X, Y)
    np.testing.assert_array_equal(copy.predict_proba(X), est.predict_proba(X))


# ------------------------------------------------------------------- ONNX
def _session(model, X_sample, dtype):
    return ort.InferenceSession(to_onnx(model, X_sample, dtype=dtype).SerializeToString(),
                                providers=["CPUExecutionProvider"])


ACTIVATIONS = ["relu", "tanh", "sigmoid", "identity", "leaky_relu", "elu", "gelu", "silu"]
TARGETS = {
    "multiclass": Y,
    "text classes": np.array(["setosa", "versicolor", "virginica"])[Y],
    "binary": (Y == 1).astype(int),
    "multilabel": np.c_[Y == 1, Y == 2].astype(int),
}


def test_every_activation_has_an_onnx_form():
    from sk_mlp._torch.activations import ACTIVATIONS as REGISTRY
    from sk_mlp.io._onnx import ONNX_ACTIVATIONS

    assert set(ONNX_ACTIVATIONS) == set(REGISTRY)


def test_every_ensemble_mean_has_an_onnx_form():
    from sk_mlp._torch.ensemble import ENSEMBLE_MEANS
    from sk_mlp.io._onnx import ONNX_ENSEMBLE_MEANS

    assert set(ONNX_ENSEMBLE_MEANS) == set(ENSEMBLE_MEANS)


def test_every_numerical_embedding_has_an_onnx_form():
    from sk_mlp._torch.embeddings import EMBEDDINGS
    from sk_mlp.io._onnx import ONNX_EMBEDDING_FEATURES

    assert set(ONNX_EMBEDDING_FEATURES) == set(EMBEDDINGS)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_onnx_matches_the_classifier(activation, dtype):
    rng = np.random.default_rng(1)
    X_new = rng.normal(X.mean(0), X.std(0) * 2, size=(200, 4))
    for kind, y in TARGETS.items():
        clf = _quiet_fit(MLPClassifier((8, 5), activation=activation, max_iter=30,
                                       device=DEVICE, random_state=0), X, y)
        labels, proba = _session(clf, X[:1], dtype).run(None, onnx_inputs(X_new, dtype))
        np.testing.assert_array_equal(labels, clf.predict(X_new), err_msg=kind)
        np.testing.assert_allclose(proba, clf.predict_proba(X_new), rtol=1e-5,
                                   atol=1e-7, err_msg=kind)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_onnx_matches_the_regressor(activation, dtype):
    X_new = np.random.default_rng(2).normal(X.mean(0), X.std(0) * 2, size=(200, 4))
    for standardize, loss, y in ((True, "squared_error", X[:, :2] * 100),
                                 (False, "squared_error", X[:, 0]),
                                 (False, "poisson", np.round(X[:, 0]))):
        reg = _quiet_fit(MLPRegressor(loss, hidden_layer_sizes=(8,), activation=activation,
                                      standardize_target=standardize, max_iter=30,
                                      device=DEVICE, random_state=0), X, y)
        values, = _session(reg, X[:1], dtype).run(None, onnx_inputs(X_new, dtype))
        expected = reg.predict(X_new)
        # relative to the target's scale: float32 outputs near 0 carry the
        # rounding of values of the target's size (torch and onnxruntime sum
        # in different orders)
        np.testing.assert_allclose(values.reshape(expected.shape), expected, rtol=1e-5,
                                   atol=1e-5 * np.std(y))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scaling", ["standard", "robust", None])
def test_onnx_applies_the_input_scaling(scaling, dtype):
    # raw columns, one heavy-tailed, and new rows far beyond the training range
    # (where the robust scaling's clip bends)
    rng = np.random.default_rng(3)
    X_raw = np.c_[X[:, :2] * 1000, np.where(rng.random(len(X)) < 0.8, 0, rng.pareto(1, len(X))),
                  X[:, 3] > 1]
    X_new = X_raw[::3] * rng.uniform(0.5, 20, (50, 4))
    clf = _quiet_fit(MLPClassifier((8,), input_scaling=scaling, max_iter=30, device=DEVICE,
                                   random_state=0), X_raw, Y)
    labels, proba = _session(clf, X_raw[:1], dtype).run(None, onnx_inputs(X_new, dtype))
    np.testing.assert_array_equal(labels, clf.predict(X_new))
    np.testing.assert_allclose(proba, clf.predict_proba(X_new), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["periodic", "piecewise_linear"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scaling", ["standard", None])
def test_onnx_applies_the_numerical_embedding(scaling, dtype, kind):
    # a 0/1 column passes the embedding as it is; new rows beyond the range
    X_bin = np.c_[X, X[:, 3] > 1]
    X_new = np.c_[X * np.random.default_rng(4).uniform(0.5, 3, X.shape), X[:, 2] > 4]
    clf = _quiet_fit(MLPClassifier((8,), numerical_embedding=kind,
                                   input_scaling=scaling, max_iter=30, device=DEVICE,
                                   random_state=0), X_bin, Y)
    assert clf.export_network().embedding["passed"].tolist() == [4]
    labels, proba = _session(clf, X_bin[:1], dtype).run(None, onnx_inputs(X_new, dtype))
    np.testing.assert_array_equal(labels, clf.predict(X_new))
    np.testing.assert_allclose(proba, clf.predict_proba(X_new), rtol=1e-5, atol=1e-6)
    reg = _quiet_fit(MLPRegressor(hidden_layer_sizes=(8,), numerical_embedding=kind,
                                  input_scaling=scaling, max_iter=30, device=DEVICE,
                                  random_state=0), X_bin, X[:, 0] * 10)
    values, = _session(reg, X_bin[:1], dtype).run(None, onnx_inputs(X_new, dtype))
    np.testing.assert_allclose(values.ravel(), reg.predict(X_new), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("target", ["multiclass", "binary", "multilabel", "regression",
                                    "poisson", "no hidden layer"])
def test_onnx_averages_an_ensembles_members(target, dtype):
    X_new = X * np.random.default_rng(5).uniform(0.5, 2, X.shape)
    params = dict(hidden_layer_sizes=() if target == "no hidden layer" else (8,),
                  ensemble_size=3, max_iter=30, device=DEVICE, random_state=0,
                  numerical_embedding="periodic" if target == "binary" else None)
    if target in ("regression", "poisson"):
        y = X[:, 0] * 10 if target == "regression" else np.round(X[:, 0])
        reg = _quiet_fit(MLPRegressor(
            loss="squared_error" if target == "regression" else "poisson", **params), X, y)
        values, = _session(reg, X[:1], dtype).run(None, onnx_inputs(X_new, dtype))
        np.testing.assert_allclose(values.ravel(), reg.predict(X_new), rtol=1e-5, atol=1e-4)
        return
    y = {"binary": Y == 1, "multilabel": np.c_[Y == 1, X[:, 0] > 5.8]}.get(target, Y)
    clf = _quiet_fit(MLPClassifier(**params), X, np.asarray(y).astype(int))
    labels, proba = _session(clf, X[:1], dtype).run(None, onnx_inputs(X_new, dtype))
    np.testing.assert_array_equal(labels, clf.predict(X_new))
    np.testing.assert_allclose(proba, clf.predict_proba(X_new), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("target", ["multiclass", "binary"])
@pytest.mark.parametrize("ensemble_size", [1, 3])
def test_onnx_applies_the_calibrating_temperature(target, ensemble_size, dtype):
    X_big, y_big = make_classification(n_samples=600, n_features=5, n_informative=4,
                                       n_redundant=0, n_classes=3, random_state=0)
    y_big = y_big if target == "multiclass" else y_big % 2
    clf = _quiet_fit(MLPClassifier((8,), label_smoothing=0.1, ensemble_size=ensemble_size,
                                   max_iter=20, device=DEVICE, random_state=0),
                     X_big, y_big)
    assert clf.history_[-1]["temperature"] != 1.0
    labels, proba = _session(clf, X_big[:1], dtype).run(None, onnx_inputs(X_big, dtype))
    np.testing.assert_array_equal(labels, clf.predict(X_big))
    np.testing.assert_allclose(proba, clf.predict_proba(X_big), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("activation", ["step", "sigmoid"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rule", ["textbook", "defaults"])
def test_onnx_matches_the_perceptron(activation, dtype, rule):
    params = dict(shuffle=False, tol=None) if rule == "textbook" else {}
    for y in (Y, (Y == 1).astype(int)):
        p = _quiet_fit(Perceptron(activation=activation, max_iter=20, device=DEVICE,
                                  **params), X, y)
        labels, second = _session(p, X[:1], dtype).run(None, onnx_inputs(X, dtype))
        np.testing.assert_array_equal(labels, p.predict(X))
        expected = p.predict_proba(X) if activation == "sigmoid" else p.decision_function(X)
        if expected.ndim == 1:
            expected = np.c_[-expected, expected]
        # a float32 graph rounds each product w_i x_i to ~6e-8 of its size:
        # scores that cancel terms of size ~200 (the shuffled rule's weights
        # here) are exact to ~1e-5 absolute, not 1e-6
        scale = np.abs(expected).max() if dtype == np.float32 else 1.0
        np.testing.assert_allclose(second, expected, rtol=1e-5, atol=1e-6 * max(scale, 1.0))


@pytest.mark.parametrize("prep", ["column_transformer", "standard", "robust", "none"])
def test_onnx_pipeline_on_a_mixed_type_table(prep):
    rng = np.random.default_rng(0)
    n = 200
    table = pd.DataFrame({"Id": np.arange(n), "area": rng.normal(70, 20, n),
                          "rooms": rng.integers(1, 6, n),
                          "town": rng.choice(["n", "s", "e"], n),
                          "garden": rng.choice([True, False], n)})
    y = (table["area"] > 70).astype(int) + (table["town"] == "n")
    if prep == "column_transformer":
        first = ColumnTransformer([("num", StandardScaler(), ["area", "rooms"]),
                                   ("cat", OneHotEncoder(handle_unknown="ignore"),
                                    ["town"])])
    else:
        # missing values, a rare level (grouped as infrequent), an id column
        table.loc[:2, "town"] = "harbour"
        table.loc[3:5, "town"] = None
        table.loc[6:9, "area"] = np.nan
        first = TabularPreprocessor(numeric_scaling=prep)
    pipe = _quiet_fit(make_pipeline(first, MLPClassifier((16,), max_iter=50,
                                                         device=DEVICE,
                                                         random_state=0)), table, y)
    new = table.copy()
    if prep != "column_transformer":
        new.loc[10:12, "town"] = "a level never seen"
        assert "town_infrequent_sklearn" in first.get_feature_names_out()
    labels, proba = _session(pipe, table[:1], np.float32).run(None, onnx_inputs(new))
    np.testing.assert_array_equal(labels, pipe.predict(new))
    np.testing.assert_allclose(proba, pipe.predict_proba(new), rtol=1e-5, atol=1e-6)


def test_onnx_house_prices_pipeline_from_compare():
    data = shared_data("kaggle_house_prices")
    train = pd.read_csv(data / "train.csv")
    X, y = train.drop(columns="SalePrice"), np.log(train["SalePrice"])
    pipe = _quiet_fit(make_pipeline(TabularPreprocessor(), MLPRegressor(
        max_iter=20, device=DEVICE, random_state=0)), X, y)
    test = pd.read_csv(data / "test.csv")
    for dtype in (np.float32, np.float64):
        values, = _session(pipe, X[:1], dtype).run(None, onnx_inputs(test, dtype))
        np.testing.assert_allclose(values.ravel(), pipe.predict(test), rtol=1e-5,
                                   atol=1e-5 * np.std(y))


def test_to_onnx_refuses_other_float_types():
    clf = _quiet_fit(MLPClassifier((4,), max_iter=3, device=DEVICE), X, Y)
    with pytest.raises(ValueError, match="np.float32 or np.float64"):
        to_onnx(clf, X[:1], dtype=np.float16)
