"""Parallel hyperparameter search: thread shares per worker, and the same
search on a Dask cluster through joblib."""

import os

import numpy as np
import pytest
import torch
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_mlp import MLPClassifier

GRID = {"mlpclassifier__dropout": [0.0, 0.5], "mlpclassifier__weight_decay": [0.0, 1.0]}


def _search(n_jobs, device, scoring=None):
    pipe = make_pipeline(StandardScaler(), MLPClassifier((8,), learning_rate_init=0.003,
                                                         max_iter=10, random_state=0,
                                                         device=device))
    return GridSearchCV(pipe, GRID, cv=3, n_jobs=n_jobs, scoring=scoring, refit=False)


def _torch_threads(estimator, X, y):
    """A 'score' that reports how many compute threads the fitting process uses."""
    return torch.get_num_threads()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_each_parallel_fit_uses_only_its_share_of_the_cores(device):
    X, y = load_iris(return_X_y=True)
    search = _search(2, device, scoring={"acc": "accuracy", "threads": _torch_threads})
    search.fit(X, y)
    share = max(1, (os.cpu_count() or 1) // 2)
    assert (search.cv_results_["mean_test_threads"] <= share).all()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_search_on_a_dask_cluster_matches_the_local_search(device):
    # the distributed extra is optional for users but in the test extra,
    # so the README's test command never skips this
    distributed = pytest.importorskip("distributed")
    import joblib

    X, y = load_iris(return_X_y=True)
    local = _search(1, device).fit(X, y)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        with distributed.Client(cluster):
            remote = _search(-1, device)
            with joblib.parallel_backend("dask"):
                remote.fit(X, y)
    np.testing.assert_array_equal(remote.cv_results_["mean_test_score"],
                                  local.cv_results_["mean_test_score"])
    for split in range(3):
        key = f"split{split}_test_score"
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    assert len(set(local.cv_results_["mean_test_score"])) > 1  # a meaningful comparison
