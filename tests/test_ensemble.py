"""ensemble_size: what an efficient ensemble computes (the members' mean),
what it trains (the mean of the members' losses), how its members start,
and how it meets early stopping, partial_fit, MC dropout and saved files.
(Weights, class weights, warm starts, solvers, sparse inputs and round trips
meet it in test_interactions; ONNX export in test_deploy.)"""

import pickle
import warnings
import zipfile

import numpy as np
import pytest
import torch
from scipy.special import expit, softmax
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.utils._param_validation import InvalidParameterError

from sk_mlp import MLPClassifier, MLPRegressor, load, save
from sk_mlp._common.fitting import make_generators, validation_split

K = 4


def _fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def _members(net, X):
    """Each member's outputs, from the exported arrays: (k, rows, outputs)."""
    z = X if net.input_shift is None else (X - net.input_shift) * net.input_scale
    outputs = []
    for i, scales in enumerate(net.ensemble_scales):
        h = z * scales
        for W, b in zip(net.coefs[:-1], net.intercepts[:-1]):
            h = np.maximum(h @ W + b, 0.0)  # relu
        logits = h @ net.coefs[-1][i] + net.intercepts[-1][i]
        outputs.append({"softmax": lambda v: softmax(v, axis=1), "logistic": expit,
                        "identity": lambda v: v, "exp": np.exp}[net.output_activation](logits))
    return np.array(outputs)


@pytest.mark.parametrize("task", ["multiclass", "binary", "multilabel"])
def test_a_classifier_predicts_the_members_mean_probability(task, device):
    X, y = load_iris(return_X_y=True)
    if task == "binary":
        y = (y == 2).astype(int)
    elif task == "multilabel":
        y = np.c_[y == 2, X[:, 0] > 5.8].astype(int)
    clf = _fit(MLPClassifier((16,), ensemble_size=K, max_iter=30, random_state=0,
                             device=device), X, y)
    members = _members(clf.export_network(), X)
    assert members.shape[0] == K
    proba = clf.predict_proba(X)
    mean = members.mean(axis=0)
    if task == "binary":
        mean = np.c_[1 - mean, mean]
    elif task == "multilabel":
        # predict_proba of a multilabel classifier: each label's probability
        np.testing.assert_allclose(proba, mean, atol=2e-6)
        np.testing.assert_array_equal(clf.predict(X), (mean > 0.5).astype(int))
        return
    np.testing.assert_allclose(proba, mean, atol=2e-6)
    assert np.array_equal(clf.predict(X), clf.classes_[np.argmax(mean, axis=1)])
    # the members differ: an ensemble of copies would average nothing away
    assert np.abs(members[0] - members[1]).max() > 1e-2


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_a_regressor_predicts_the_members_mean(loss, device):
    X, y = load_diabetes(return_X_y=True)
    y = y if loss == "squared_error" else np.round(y / 25)
    reg = _fit(MLPRegressor(hidden_layer_sizes=(16,), ensemble_size=K, loss=loss, max_iter=30,
                            random_state=0, device=device), X, y)
    net = reg.export_network()
    members = _members(net, X)[..., 0] * net.target_scale[0] + net.target_shift[0]
    np.testing.assert_allclose(reg.predict(X), members.mean(axis=0), rtol=1e-5, atol=1e-4)
    assert reg.coefs_[-1].shape == (K, 16, 1) and reg.intercepts_[-1].shape == (K, 1)
    assert reg.n_params_ == (10 + 1) * 16 + K * 10 + K * (16 + 1)


def test_training_minimises_the_mean_of_the_members_losses(device):
    X, y = load_iris(return_X_y=True)
    clf = _fit(MLPClassifier((8,), ensemble_size=K, max_iter=3, random_state=0,
                             device=device), X, y)
    net, module = clf.net_, clf.net_.module_
    inputs = torch.as_tensor(X, dtype=torch.float32, device=net.device)
    targets = torch.as_tensor(y, device=net.device)
    module.train()
    with torch.no_grad():
        members = module(inputs)  # (rows, k, classes) in training
        loss = net.get_loss(members, targets)
    module.eval()
    assert members.shape == (len(X), K, 3)
    each = [torch.nn.functional.cross_entropy(members[:, i], targets) for i in range(K)]
    assert float(loss) == pytest.approx(float(torch.stack(each).mean()), rel=1e-5)


def test_the_members_start_from_random_signs_reproducibly(device):
    X, y = load_iris(return_X_y=True)
    params = dict(hidden_layer_sizes=(8,), ensemble_size=K, max_iter=1, random_state=3,
                  device=device)
    clf = _fit(MLPClassifier(**params), X, y)
    again = _fit(MLPClassifier(**params), X, y)
    for a, b in zip(clf.coefs_ + clf.intercepts_, again.coefs_ + again.intercepts_):
        np.testing.assert_array_equal(a, b)
    start = MLPClassifier(**{**params, "max_iter": 1})
    start._prepare_fit(X, y, None, False, None)  # the network fit starts from
    scales = start.net_.module_.ensemble.member_scales.detach().cpu().numpy()
    assert set(np.unique(scales)) == {-1.0, 1.0} and scales.shape == (K, 4)
    assert len({tuple(row) for row in scales}) == K


@pytest.mark.parametrize("init", ["xavier_uniform", "sklearn"])
def test_each_members_output_layer_is_initialised_as_one_layer(init, device):
    """Each member's (8 -> 3) layer gets a single layer's scale: a stack of
    k layers initialised as one tensor would get a k-times smaller one."""
    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier((8,), ensemble_size=16, init=init, random_state=0, device=device)
    clf._prepare_fit(X, y, None, False, None)
    heads = clf.net_.module_.linears[-1].weight.detach().cpu().numpy()
    bound = np.sqrt(6.0 / (8 + 3))
    assert heads.shape == (16, 3, 8)
    assert np.abs(heads).max() <= bound
    assert np.abs(heads).max() > 0.9 * bound
    assert np.abs(heads[0] - heads[1]).max() > 0  # each member its own draw


def test_early_stopping_judges_the_ensembles_mean(device):
    """The validation loss is the log loss of the members' mean
    probability, not the (larger) mean of the members' log losses."""
    X, y = make_classification(n_samples=600, n_features=8, n_informative=4,
                               flip_y=0.1, random_state=0)
    clf = _fit(MLPClassifier((16,), ensemble_size=K, early_stopping=True, max_iter=1,
                             n_iter_no_change=5, ema_momentum=0.0, random_state=0,
                             device=device), X, y)
    seed = make_generators(0, ["cpu", device, device])[-1]
    _, valid = validation_split(np.arange(len(y)), clf.validation_fraction, seed,
                                stratify=y)
    ensemble_loss = log_loss(y[valid], clf.predict_proba(X[valid]))
    members = _members(clf.export_network(), X[valid])
    members_loss = np.mean([log_loss(y[valid], p) for p in members])
    assert clf.validation_loss_curve_[0] == pytest.approx(ensemble_loss, rel=1e-4)
    assert members_loss > ensemble_loss * (1 + 1e-3)


def test_partial_fit_calls_train_as_fit_does(device):
    X, y = load_breast_cancer(return_X_y=True)
    params = dict(hidden_layer_sizes=(16,), ensemble_size=K, early_stopping=False,
                  random_state=0, device=device, dropout=0.1)
    fitted = _fit(MLPClassifier(max_iter=3, n_iter_no_change=np.inf, **params), X, y)
    stepped = MLPClassifier(**params)
    for _ in range(3):
        stepped.partial_fit(X, y, classes=[0, 1])
    for a, b in zip(fitted.coefs_, stepped.coefs_):
        np.testing.assert_array_equal(a, b)


def test_monte_carlo_dropout_averages_the_ensemble(device):
    X, y = load_diabetes(return_X_y=True)
    # without early stopping the fit ends on a training epoch: the passes
    # must still be the ensemble's predictions, one per row
    reg = _fit(MLPRegressor(hidden_layer_sizes=(32,), ensemble_size=K, dropout=0.3,
                            early_stopping=False, max_iter=20, random_state=0,
                            device=device), X, y)
    mean, std = reg.predict_mc(X[:50], n_samples=20)
    assert mean.shape == std.shape == (50,)
    again, _ = reg.predict_mc(X[:50], n_samples=20)
    np.testing.assert_array_equal(mean, again)  # masks from random_state
    assert (std > 0).all()
    # the passes scatter around the ensemble's prediction without dropout
    spread = np.abs(mean - reg.predict(X[:50])) / std
    assert np.median(spread) < 1.0


@pytest.mark.parametrize("round_trip", ["save", "pickle"])
def test_a_saved_ensemble_predicts_as_before_and_keeps_training(round_trip, tmp_path,
                                                                device):
    X, y = load_iris(return_X_y=True)
    clf = _fit(MLPClassifier((8,), ensemble_size=K, max_iter=5, random_state=0,
                             device=device), X, y)
    if round_trip == "save":
        save(clf, tmp_path / "model.skmlp")
        back = load(tmp_path / "model.skmlp")
    else:
        back = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    assert back.ensemble_size == K
    back.partial_fit(X, y)
    assert back.coefs_[-1].shape == (K, 8, 3)


def test_a_file_claiming_another_ensemble_size_is_refused(tmp_path):
    """A file whose record claims another ensemble size than its tensors
    hold is refused with the format's error, not a crash in torch."""
    X, y = load_iris(return_X_y=True)
    clf = _fit(MLPClassifier((8,), ensemble_size=K, max_iter=2, random_state=0,
                             device="cpu"), X, y)
    path = tmp_path / "model.skmlp"
    save(clf, path)
    with zipfile.ZipFile(path) as archive:
        meta, tensors = archive.read("sk_mlp.json").decode(), archive.read("tensors.pt")
    claim = f'["ensemble_size", {K}]'
    assert claim in meta
    for tampered in (meta.replace(claim, '["ensemble_size", 2]'),  # params and network
                     meta.replace(claim, '["ensemble_size", 2]', 1),  # one of them
                     meta.replace(claim, '["ensemble_size", 0]')):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("sk_mlp.json", tampered)
            archive.writestr("tensors.pt", tensors)
        with pytest.raises(ValueError, match="not a valid sk_mlp model file"):
            load(path)


def test_bad_sizes_and_switching_the_size_are_refused(device):
    X, y = load_iris(return_X_y=True)
    with pytest.raises(InvalidParameterError, match="ensemble_size"):
        MLPClassifier(ensemble_size=0, device=device).fit(X, y)
    clf = _fit(MLPClassifier((8,), ensemble_size=K, max_iter=2, warm_start=True,
                             random_state=0, device=device), X, y)
    clf.set_params(ensemble_size=2)
    with pytest.raises(ValueError, match="ensemble size 4.*ensemble_size=2"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match="ensemble size 4.*ensemble_size=2"):
        clf.partial_fit(X, y)


def test_weight_decay_leaves_the_member_scales_alone(device):
    X, y = load_iris(return_X_y=True)
    clf = _fit(MLPClassifier((8,), ensemble_size=K, solver="adamw", weight_decay=0.1,
                             max_iter=2, random_state=0, device=device), X, y)
    module, optimizer = clf.net_.module_, clf.net_.optimizer_
    group_of = {id(p): group["weight_decay"] for group in optimizer.param_groups
                for p in group["params"]}
    assert group_of[id(module.ensemble.member_scales)] == 0.0
    assert group_of[id(module.linears[-1].bias)] == 0.0
    assert group_of[id(module.linears[-1].weight)] > 0.0


def _table(n_rows, n_columns=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_columns))
    return X, X[:, 0] + np.sin(2 * X[:, 1])


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("n_rows, embedding, size, expected", [
    (300, None, "auto", 3),
    (300, "periodic", "auto", 2),
    (300, "piecewise_linear", "auto", 2),
    (1600, "auto", "auto", 2),  # the rule embeds from 1,500 rows: 2 members
    (300, "auto", "auto", 3),  # too few rows to embed: 3
    (300, "periodic", 4, 4),  # a number is used as given
    (300, None, 1, 1),
])
def test_auto_is_three_members_and_two_with_an_embedding(cls, n_rows, embedding, size,
                                                         expected, device):
    X, y = _table(n_rows)
    if cls is MLPClassifier:
        y = (y > 0).astype(int)
    est = _fit(cls(hidden_layer_sizes=(8,), numerical_embedding=embedding,
                   ensemble_size=size, max_iter=1, random_state=0, device=device), X, y)
    assert est.ensemble_size == size  # the parameter is left as given
    assert est.settings_.ensemble_size == expected
    assert (est.settings_.numerical_embedding is None) == (
        embedding is None or (embedding == "auto" and n_rows < 1500))
    scales = est.export_network().ensemble_scales
    assert (scales is None) == (expected == 1)
    if expected > 1:
        assert len(scales) == expected
        assert est.coefs_[-1].shape[0] == expected


@pytest.mark.parametrize("call", ["warm_start", "partial_fit", "save_load"])
def test_auto_keeps_the_fitted_networks_size(call, tmp_path, device):
    """A network of 3 members with an embedding, where 'auto' would pick 2:
    after ``set_params(ensemble_size='auto')`` a warm start or partial_fit
    continues the 3 members instead of refusing or rebuilding."""
    X, y = _table(300)
    reg = _fit(MLPRegressor(hidden_layer_sizes=(8,), numerical_embedding="periodic",
                            ensemble_size=3,
                            max_iter=2, warm_start=True, random_state=0, device=device),
               X, y)
    reg.set_params(ensemble_size="auto")
    if call == "save_load":
        save(reg, tmp_path / "m.skmlp")
        reg = load(tmp_path / "m.skmlp")
    before = reg.predict(X)
    if call == "partial_fit":
        reg.partial_fit(X, y)
    else:
        _fit(reg, X, y)
    assert reg.settings_.ensemble_size == 3
    assert reg.coefs_[-1].shape[0] == 3
    assert not np.allclose(reg.predict(X), before)  # it trained on
    # a fresh fit applies the rule
    reg.set_params(warm_start=False)
    assert _fit(reg, X, y).settings_.ensemble_size == 2
