"""scikit-learn's own test modules, run against sk_mlp with the import swapped.

The modules are read from the installed scikit-learn at test time (never
copied into this project), their import of scikit-learn's estimator is
pointed at sk_mlp, and they run in a pytest subprocess. A script written for
scikit-learn's estimators is held to exactly what scikit-learn holds itself
to.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import sklearn

SKLEARN = Path(sklearn.__file__).parent


def _run_swapped(tmp_path, relative, original_import, swapped_import, extra_args=()):
    source = (SKLEARN / relative).read_text()
    assert original_import in source, f"{relative} no longer imports {original_import!r}"
    module = tmp_path / ("sk_mlp_swapped_" + Path(relative).name)
    module.write_text(source.replace(original_import, swapped_import))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(module), "-q", "-p", "no:cacheprovider",
         "-p", "no:randomly", "-W", "ignore::sklearn.exceptions.ConvergenceWarning",
         "--rootdir", str(tmp_path), *extra_args],
        capture_output=True, text=True, cwd=tmp_path, timeout=900,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    return result, summary


def test_sklearn_perceptron_suite_passes_on_sk_mlp(tmp_path):
    result, summary = _run_swapped(
        tmp_path, "linear_model/tests/test_perceptron.py",
        "from sklearn.linear_model import Perceptron", "from sk_mlp import Perceptron")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    passed = int(re.search(r"(\d+) passed", summary).group(1))
    assert passed >= 6 and "failed" not in summary and "skipped" not in summary, summary


# Tests of scikit-learn's test_mlp.py that read its private internals; the
# public behaviour each checks is tested in tests/test_mlp_sklearn.py. Listed
# with the reason in the README's "Differences from scikit-learn".
MLP_PRIVATE = {
    "test_fit": "sets and reads coefs_/intercepts_ and _backprop by hand",
    "test_gradient": "checks _loss_grad_lbfgs against numerical gradients",
    "test_learning_rate_warmstart": "reads _optimizer.learning_rate",
    "test_adaptive_learning_rate": "reads _optimizer.learning_rate",
    "test_n_iter_no_change": "reads _no_improvement_count",
    "test_n_iter_no_change_inf": "reads _no_improvement_count",
}

_SEED_FIXTURE = '''
import pytest


@pytest.fixture
def global_random_seed():
    return 42
'''


# sk_mlp's classes with scikit-learn's defaults put back
# (sk_mlp.sklearn_defaults, the README's recipe): the suite constructs estimators with scikit-learn's defaults in
# mind (e.g. a 100-unit layer trained for exactly max_iter epochs). The
# classes are the real ones; only the defaults of their signature change.
_SKLEARN_DEFAULTS_MODULE = '''
import inspect
import types

import sk_mlp


def _with_defaults(cls):
    init = cls.__init__
    params = inspect.signature(init).parameters
    changed = sk_mlp.sklearn_defaults(cls)
    positional = tuple(changed.get(p.name, p.default) for p in params.values()
                       if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is not p.empty)
    new_init = types.FunctionType(init.__code__, init.__globals__, "__init__",
                                  positional, init.__closure__)
    new_init.__kwdefaults__ = {k: changed.get(k, v) for k, v in init.__kwdefaults__.items()}
    new_init.__qualname__ = cls.__name__ + ".__init__"
    return type(cls.__name__, (cls,), {"__init__": new_init, "__module__": __name__})


MLPClassifier = _with_defaults(sk_mlp.MLPClassifier)
MLPRegressor = _with_defaults(sk_mlp.MLPRegressor)
'''


def test_sklearn_mlp_suite_passes_on_sk_mlp(tmp_path):
    # scikit-learn's conftest provides global_random_seed; set to 42 here
    (tmp_path / "conftest.py").write_text(_SEED_FIXTURE)
    (tmp_path / "sk_mlp_sklearn_defaults.py").write_text(_SKLEARN_DEFAULTS_MODULE)
    deselect = " and ".join(f"not {name}" for name in MLP_PRIVATE)
    result, summary = _run_swapped(
        tmp_path, "neural_network/tests/test_mlp.py",
        "from sklearn.neural_network import MLPClassifier, MLPRegressor",
        "from sk_mlp_sklearn_defaults import MLPClassifier, MLPRegressor",
        extra_args=("-k", deselect))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    passed = int(re.search(r"(\d+) passed", summary).group(1))
    deselected = int(re.search(r"(\d+) deselected", summary).group(1))
    assert passed >= 53 and deselected == len(MLP_PRIVATE), summary
    assert "failed" not in summary and "skipped" not in summary, summary
