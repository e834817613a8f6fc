"""The sk-mlp command, run as a user runs it: in a subprocess."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sk_mlp

from .conftest import shared_data



def sk_mlp_cli(*args, timeout=300):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "sk_mlp", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env)


def test_bundled_dataset_end_to_end(tmp_path):
    out = tmp_path / "out"
    run = sk_mlp_cli("compare", "iris", "--models", "mlp,linear,svm", "--cv", "3",
                     "--output", out, "--device", "cpu", "--no-progress")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "task: classification (the target holds 3 distinct integers" in run.stdout
    header = next(i for i, line in enumerate(lines) if line.startswith("model "))
    assert "accuracy (mean ± std)" in lines[header]
    table = [line.split()[0] for line in lines[header + 1:header + 4]]
    assert sorted(table) == ["linear", "mlp", "svm"]
    assert sorted(p.name for p in out.iterdir()) == [
        "best_model.skops", "comparison.png", "results.csv", "results.json",
        "summary.csv"]
    folds = pd.read_csv(out / "results.csv")
    assert len(folds) == 9 and folds["score"].between(0.8, 1).all()
    payload = json.loads((out / "results.json").read_text())
    assert payload["task"] == "classification" and len(payload["folds"]) == 9
    assert (out / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    best = pd.read_csv(out / "summary.csv").iloc[0]["model"]
    assert f"best model {best!r} refitted on all rows" in run.stdout
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    assert sk_mlp.load(out / "best_model.skops").score(X, y) > 0.9


def test_house_prices_log_target(tmp_path):
    house_prices = shared_data("kaggle_house_prices/train.csv")
    run = sk_mlp_cli("compare", house_prices, "--target", "SalePrice", "--log-target",
                     "--models", "mlp,linear", "--cv", "2", "--device", "cpu",
                     "--output", tmp_path, "--no-progress")
    assert run.returncode == 0, run.stderr
    assert "task: regression" in run.stdout
    assert "dropped 1 column(s): 'Id' (an identifier (unique per row))" in run.stdout
    assert "log-rmse (mean ± std)" in run.stdout
    summary = pd.read_csv(tmp_path / "summary.csv", index_col="model")
    # log-RMSE of a sensible model is far below the target's own spread (0.40)
    assert summary["score_mean"].max() < 0.25
    pipeline = sk_mlp.load(tmp_path / "best_model.skops")
    test = pd.read_csv(house_prices.with_name("test.csv"))
    prices = np.exp(pipeline.predict(test))
    assert np.isfinite(prices).all() and 30_000 < np.median(prices) < 500_000


def test_csv_and_parquet_files_and_the_default_target(tmp_path):
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"x1": rng.normal(size=60), "colour": rng.choice(["r", "g"], 60)})
    table["label"] = np.where(table["x1"] > 0, "high", "low")
    table.to_csv(tmp_path / "t.csv", index=False)
    table.to_parquet(tmp_path / "t.parquet")
    for name in ("t.csv", "t.parquet"):
        run = sk_mlp_cli("compare", tmp_path / name, "--models", "linear", "--cv", "3",
                         "--no-progress")
        assert run.returncode == 0, run.stderr
        assert "target 'label'" in run.stdout and "(the target holds 2 classes" in run.stdout


def _bad_inputs(tmp_path):
    (tmp_path / "garbage.csv").write_bytes(b"\x00\xff\xfe" * 50)
    (tmp_path / "empty.csv").write_text("a,b\n")
    pd.DataFrame({"x": range(10), "y": ["one"] * 10}).to_csv(tmp_path / "one.csv",
                                                            index=False)
    pd.DataFrame({"x": range(10), "y": list("ab") * 5}).to_csv(tmp_path / "text.csv",
                                                              index=False)
    pd.DataFrame({"x": range(12), "y": [0] * 9 + [1] * 3}).to_csv(tmp_path / "rare.csv",
                                                                 index=False)
    return [
        (["missing.csv"], "missing.csv: no such file, and not a bundled dataset"),
        (["garbage.csv"], "cannot read"),
        (["one.csv", "--target", "price"], "--target 'price' is not a column of"),
        (["one.csv"], "one class only ('one')"),
        (["empty.csv"], "is empty: it has a header but no rows"),
        (["text.csv", "--task", "regression"], "regression target must be numeric"),
        (["rare.csv", "--cv", "5"], "cv=5 is larger than the smallest class (1 has 3 rows)"),
        (["iris", "--models", "forest"], "Unknown model(s) 'forest'"),
    ]


def test_every_bad_input_gets_one_error_line_and_exit_code_2(tmp_path):
    for args, message in _bad_inputs(tmp_path):
        run = subprocess.run([sys.executable, "-m", "sk_mlp", "compare", *args,
                              "--no-progress"], capture_output=True, text=True,
                             cwd=tmp_path, timeout=120)
        assert run.returncode == 2, (args, run.stderr)
        assert "Traceback" not in run.stderr
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("sk-mlp: error: "), lines
        assert message in lines[0], (message, lines[0])


def test_console_script_is_installed():
    script = shutil.which("sk-mlp", path=str(Path(sys.executable).parent))
    assert script is not None
    run = subprocess.run([script, "compare", "--help"], capture_output=True, text=True)
    assert run.returncode == 0 and "--time-budget" in run.stdout


def test_ctrl_c_prints_and_writes_what_finished(tmp_path):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    # only networks: Ctrl-C lands inside a network's training, which (as in
    # skorch) ends gracefully with the model it has; compare must still stop
    proc = subprocess.Popen(
        [sys.executable, "-m", "sk_mlp", "compare", "digits", "--models", "mlp",
         "--cv", "10", "--n-jobs", "1", "--device", "cpu", "--output", tmp_path],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    # wait until the progress bar says a first fit finished, then press Ctrl-C
    seen, deadline = b"", time.monotonic() + 240
    while b"1/10" not in seen and time.monotonic() < deadline:
        chunk = os.read(proc.stderr.fileno(), 256)
        if not chunk:
            break
        seen += chunk
    assert b"1/10" in seen, seen[-500:]
    time.sleep(0.5)  # into the next fit's training
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr[-2000:]
    assert b"Traceback" not in stderr
    assert b"interrupted:" in stdout
    finished = pd.read_csv(tmp_path / "results.csv")
    assert 1 <= len(finished) < 10
    assert not (tmp_path / "best_model.skops").exists()


def test_dask_cluster_runs_the_fits(tmp_path):
    # in the test extra, so the README's test command never skips this
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        run = sk_mlp_cli("compare", "iris", "--models", "linear,svm", "--cv", "3",
                         "--dask", cluster.scheduler_address, "--no-progress",
                         "--output", tmp_path)
        assert run.returncode == 0, run.stderr
        assert f"dask: 1 worker(s) at {cluster.scheduler_address}" in run.stdout
        # the six fold fits ran as tasks on the cluster
        with distributed.Client(cluster) as client:
            names = client.run_on_scheduler(
                lambda dask_scheduler: [key for key in dask_scheduler.task_prefixes])
        assert any("fit_fold" in name for name in names), names
    assert len(pd.read_csv(tmp_path / "results.csv")) == 6
    unreachable = sk_mlp_cli("compare", "iris", "--dask", "tcp://127.0.0.1:9",
                             "--no-progress")
    assert unreachable.returncode == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in unreachable.stderr


def test_a_time_column_orders_the_folds_and_is_not_a_feature(tmp_path):
    rng = np.random.default_rng(0)
    n = 200
    table = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    table["date"] = pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d")
    table["shop"] = rng.integers(0, 20, size=n)
    table["y"] = table.a + rng.normal(scale=0.3, size=n)
    table = table.sample(frac=1.0, random_state=0)  # the file is not in time order
    table.to_csv(tmp_path / "sales.csv", index=False)
    out = tmp_path / "out"
    run = sk_mlp_cli("compare", tmp_path / "sales.csv", "--target", "y", "--time-column",
                     "date", "--models", "linear,mlp", "--cv", "3", "--no-progress",
                     "--output", out)
    assert run.returncode == 0, run.stderr
    assert "rows ordered by 'date'; 200 rows, 4 feature columns" in run.stdout
    assert "3-fold time-ordered cross-validation" in run.stdout
    assert "validation_split='last'" in run.stdout
    folds = pd.read_csv(out / "results.csv")
    # TimeSeriesSplit(3) on 200 rows: training folds of 50, 100, 150 rows
    assert folds[folds.model == "linear"].n_train.tolist() == [50, 100, 150]
    model = sk_mlp.load(out / "best_model.skops")
    assert "date" not in model.feature_names_in_
    run = sk_mlp_cli("compare", tmp_path / "sales.csv", "--target", "y", "--group-column",
                     "shop", "--models", "linear", "--cv", "3", "--no-progress")
    assert run.returncode == 0, run.stderr
    assert "3-fold grouped cross-validation" in run.stdout
    assert "by group (20 groups)" in run.stdout
    for args, message in [
            (["--time-column", "when"], "--time-column 'when' is not a feature column"),
            (["--time-column", "date", "--group-column", "shop"], "not both"),
            (["--group-column", "y"], "--group-column 'y' is not a feature column")]:
        run = sk_mlp_cli("compare", tmp_path / "sales.csv", "--target", "y", *args,
                         "--no-progress")
        assert run.returncode == 2 and message in run.stderr, run.stderr
