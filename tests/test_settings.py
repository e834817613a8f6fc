"""The fit settings: one table of rules (sk_mlp.neural_network._settings), resolved once per
fit into ``settings_``, and the four cases where settings that meet in the
fit path used to break each other."""

import pickle
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.linear_model import Perceptron as SklearnPerceptron
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sk_mlp
from sk_mlp import MLPClassifier, MLPRegressor, Perceptron
from sk_mlp.neural_network._settings import RULES, FitSettings, rules_table

ROOT = Path(__file__).resolve().parent.parent


def _fit(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y, **kwargs)


# ------------------------------------------------------------ one place
def test_the_auto_constants_and_rules_live_in_the_settings_module_only():
    """A grep for the rules' constants, or for a rule parameter compared with
    'auto', finds them in sk_mlp/_settings.py and nowhere else."""
    read = {name for rule in RULES.values() for name in rule.reads}
    offenders = []
    for path in (ROOT / "sk_mlp").glob("*.py"):
        if path.name == "_settings.py":
            continue
        text = path.read_text()
        offenders += [f"{path.name}: {m.group(0)}"
                      for m in re.finditer(r"^\s*AUTO_\w+\s*=", text, re.M)]
        for m in re.finditer(r"self\.(\w+)\s*[!=]=\s*['\"]auto['\"]", text):
            if m.group(1) in read:
                offenders.append(f"{path.name}: {m.group(0)}")
    assert not offenders, offenders


def test_the_user_guide_states_the_rules_from_the_settings_module():
    guide = (ROOT / "docs" / "user_guide" / "estimators.md").read_text()
    assert rules_table() in guide, "the user guide's table of rules differs from rules_table()"


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_docstrings_quote_each_rule(cls):
    doc = " ".join(cls.__doc__.split())
    for name, rule in RULES.items():
        if name == "label_smoothing" and cls is MLPRegressor:
            continue  # the regressor has no label smoothing
        assert " ".join(rule.doc.split()) in doc, name


# ---------------------------------------------------- the fitted record
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_settings_are_resolved_values_visible_after_fit(cls):
    X, y = make_classification(n_samples=300, n_features=5, random_state=0)
    # alpha=0: alpha's per-batch share of the coupled decay stays out of the group
    est = _fit(cls(hidden_layer_sizes=(8,), max_iter=3, alpha=0, random_state=0,
                   device="cpu"), X, y)
    settings = est.settings_
    assert isinstance(settings, FitSettings)
    assert "auto" not in settings.as_dict().values()
    assert settings.n_samples == 300 and settings.early_stopping is True
    assert settings.dropout == (0.1,) and settings.hidden_layer_sizes == (8,)
    # the net trains with them: its optimiser's weight group, its first rate
    assert est.net_.optimizer_.param_groups[-1]["weight_decay"] == settings.weight_decay
    assert est.history_[0]["lr"] == settings.learning_rate
    with pytest.raises(dataclasses_error()):
        settings.weight_decay = 0.5  # immutable


def dataclasses_error():
    import dataclasses

    return dataclasses.FrozenInstanceError


def test_zero_weight_rows_count_as_dropped_for_the_rules():
    X, y = make_classification(n_samples=2400, n_features=5, random_state=0)
    weights = np.ones(len(y))
    weights[:1200] = 0.0
    est = _fit(MLPClassifier((4,), max_iter=1, random_state=0, device="cpu"), X, y,
               sample_weight=weights)
    assert est.settings_.n_samples == 1200
    assert est.settings_.weight_decay == 1e-3  # the rule for 1,200 rows, not 2,400


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_settings_survive_save_load_pickle_and_skops(cls, tmp_path):
    skops_io = pytest.importorskip("skops.io")  # in the test extra: never skips there
    X, y = make_classification(n_samples=2400, n_features=5, random_state=0)
    est = _fit(cls(hidden_layer_sizes=(4,), max_iter=2, random_state=0, device="cpu"),
               X, y)
    path = tmp_path / "m.skmlp"
    sk_mlp.save(est, path)
    copies = [sk_mlp.load(path), pickle.loads(pickle.dumps(est)),
              skops_io.loads(skops_io.dumps(est), trusted=[type(est).__module__ + "."
                                                          + type(est).__name__])]
    for copy in copies:
        assert copy.settings_ == est.settings_


# ------------------------------------------------------ the four cases
@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(n_samples=3000, n_features=20, weights=[0.95, 0.05],
                               class_sep=0.6, flip_y=0.02, random_state=0)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


@pytest.mark.parametrize("early_stopping", ["auto", True, False])
@pytest.mark.parametrize("weighting", ["class_weight", "sample_weight"])
def test_weighting_the_rare_class_raises_its_recall_under_early_stopping(
        imbalanced, early_stopping, weighting):
    """Case 1: the validation loss and score early stopping watches are
    weighted, so the restored epoch serves the weighted loss (on 574df60
    recall stayed 0.068 with and without weights under 'auto')."""
    X_train, X_test, y_train, y_test = imbalanced
    # without the embedding 'auto' gives these 2,250 rows: with it the
    # unweighted network already recalls two thirds of the rare class, and
    # the weights' way into early stopping is what this case is about
    params = dict(hidden_layer_sizes=(32,), max_iter=40, random_state=0, device="cpu",
                  early_stopping=early_stopping, numerical_embedding=None)
    plain = _fit(MLPClassifier(**params), X_train, y_train)
    if weighting == "class_weight":
        weighted = _fit(MLPClassifier(class_weight="balanced", **params), X_train, y_train)
    else:
        weighted = _fit(MLPClassifier(**params), X_train, y_train,
                        sample_weight=np.where(y_train == 1, 19.0, 1.0))
    recall = recall_score(y_test, plain.predict(X_test))
    recall_weighted = recall_score(y_test, weighted.predict(X_test))
    assert recall_weighted >= recall + 0.4, (recall, recall_weighted)


def test_a_warm_start_applies_a_new_weight_decay():
    """Case 2: on 574df60 the second fit ignored weight_decay=0.5 (a net
    built without decay had a single parameter group)."""
    X, y = make_classification(n_samples=500, n_features=20, random_state=0)

    def norm_after(second_decay):
        est = _fit(MLPClassifier((32,), weight_decay=0, alpha=0, warm_start=True,
                                 max_iter=20, random_state=0, device="cpu"), X, y)
        _fit(est.set_params(weight_decay=second_decay), X, y)
        assert est.settings_.weight_decay == second_decay
        return np.sqrt(sum((w ** 2).sum() for w in est.coefs_))

    assert norm_after(0.5) < 0.9 * norm_after(0.0)


def test_partial_fit_keeps_the_settings_fit_resolved():
    """Case 3: after fit on 20,000 rows (decay 1e-4) partial_fit on chunks
    of 100 rows trains with 1e-4, not the 1e-3 of a 100-row fit; a value set
    with set_params is used from the next call on."""
    X, y = make_classification(n_samples=20000, n_features=20, random_state=0)

    def chunks(set_decay=None):
        est = _fit(MLPClassifier((16,), max_iter=1, random_state=0, device="cpu"), X, y)
        if set_decay is not None:
            est.set_params(weight_decay=set_decay)
        for start in range(0, 2000, 100):
            est.partial_fit(X[start:start + 100], y[start:start + 100])
        return est

    kept, at_small, at_large = chunks(), chunks(1e-3), chunks(1e-4)
    assert kept.settings_.weight_decay == pytest.approx(1e-4)
    assert at_small.settings_.weight_decay == 1e-3
    for a, b in zip(kept.coefs_, at_large.coefs_):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(kept.coefs_, at_small.coefs_))


def test_the_swapped_perceptron_import_does_as_well_as_scikit_learns():
    """Case 4: scikit-learn's own usage; on 574df60 ours reached 0.673
    training accuracy on iris (fixed sample order), scikit-learn's 0.920."""
    X, y = load_iris(return_X_y=True)
    ours = make_pipeline(StandardScaler(), Perceptron(tol=1e-3, random_state=0,
                                                      device="cpu")).fit(X, y)
    theirs = make_pipeline(StandardScaler(),
                           SklearnPerceptron(tol=1e-3, random_state=0)).fit(X, y)
    assert ours.score(X, y) >= theirs.score(X, y)
    # with every default, too
    ours = make_pipeline(StandardScaler(), Perceptron(device="cpu")).fit(X, y)
    theirs = make_pipeline(StandardScaler(), SklearnPerceptron()).fit(X, y)
    assert ours.score(X, y) >= theirs.score(X, y)


def test_a_file_saved_before_a_setting_existed_gets_it_from_its_rule(tmp_path):
    """Files of 0.2.0 hold a settings record without ``n_iter_no_change``
    (added in 0.3): load fills it in from its rule, the saved parameters and
    the saved row count, and the model goes on training with it."""
    import json
    import zipfile

    from sk_mlp import load, save
    from sk_mlp.io._format import _META, decode, encode

    X, y = make_regression(n_samples=300, n_features=4, random_state=0)
    est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, device="cpu",
                       random_state=0).fit(X, y)
    save(est, tmp_path / "new.skmlp")
    with zipfile.ZipFile(tmp_path / "new.skmlp") as source, \
            zipfile.ZipFile(tmp_path / "old.skmlp", "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == _META:
                meta = json.loads(data)
                state = decode(meta["state"])
                del state["settings"]["n_iter_no_change"]
                meta["state"] = encode(state)
                data = json.dumps(meta).encode()
            target.writestr(item, data)
    loaded = load(tmp_path / "old.skmlp")
    assert loaded.settings_ == est.settings_
    assert loaded.settings_.n_iter_no_change == 10  # 'auto' on 300 rows
    loaded.partial_fit(X[:50], y[:50])
    assert dict(loaded.net_.callbacks_)["monitor"].n_iter_no_change == 10
