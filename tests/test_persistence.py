"""Model files: round trips, tampered files, atomic writes, pickling."""

import io
import json
import os
import pickle
import struct
import subprocess
import sys
import warnings
import zipfile

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_diabetes, load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning

from sk_mlp import MLPClassifier, MLPRegressor, Perceptron, load, save


def _fitted(kind, device):
    X, y = load_iris(return_X_y=True)
    if kind == "classifier":
        return MLPClassifier((8, 4), dropout=(0.1, 0.0), max_iter=5, random_state=0,
                             device=device).fit(X, y), X
    if kind == "strings":
        names = np.array(["setosa", "versicolor", "virginica"])[y]
        frame = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
        return MLPClassifier((8,), class_weight={"setosa": 2.0, "versicolor": 1.0,
                                                 "virginica": 1.0},
                             max_iter=5, device=device).fit(frame, names), frame
    if kind == "multilabel":
        Y = np.column_stack([y == 0, y == 2]).astype(int)
        return MLPClassifier((8,), max_iter=5, device=device).fit(X, Y), X
    if kind == "regressor":
        Xr, yr = make_regression(n_samples=100, n_features=4, n_targets=2, random_state=0)
        return MLPRegressor(hidden_layer_sizes=(8,), dtype="float64", early_stopping=True, max_iter=5,
                            device=device).fit(Xr, 1e5 * yr), Xr
    if kind == "perceptron":
        return Perceptron(max_iter=5, device=device).fit(X, y), X
    if kind == "perceptron-sigmoid":
        return Perceptron(activation="sigmoid", eta0=0.01, max_iter=5,
                          device=device).fit(X, y == 0), X
    raise AssertionError(kind)


KINDS = ["classifier", "strings", "multilabel", "regressor", "perceptron",
         "perceptron-sigmoid"]


def _outputs(est, X):
    methods = ["predict", "predict_proba", "decision_function"]
    return {m: getattr(est, m)(X) for m in methods if hasattr(est, m)}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_gives_identical_predictions(kind, tmp_path, device):
    est, X = _fitted(kind, device)
    path = tmp_path / "model.skmlp"
    save(est, path)
    restored = load(path)
    assert type(restored) is type(est)
    assert restored.get_params() == est.get_params()
    for name, value in _outputs(est, X).items():
        np.testing.assert_array_equal(_outputs(restored, X)[name], value)
    for attr in ["classes_", "n_features_in_", "feature_names_in_", "n_iter_", "t_"]:
        if hasattr(est, attr):
            np.testing.assert_array_equal(getattr(restored, attr), getattr(est, attr))
    if hasattr(est, "loss_curve_"):
        assert restored.loss_curve_ == est.loss_curve_


def test_unfitted_round_trip(tmp_path):
    est = MLPClassifier(hidden_layer_sizes=(3, 2), dropout=0.2, class_weight={0: 2, 1: 1})
    save(est, tmp_path / "m")
    restored = load(tmp_path / "m")
    assert restored.get_params() == est.get_params()
    assert not hasattr(restored, "net_")


def test_loaded_model_keeps_training(tmp_path, device):
    est, X = _fitted("classifier", device)
    save(est, tmp_path / "m")
    restored = load(tmp_path / "m").set_params(warm_start=True, max_iter=3)
    _, y = load_iris(return_X_y=True)
    restored.fit(X, y)
    assert restored.n_iter_ == 3 and len(restored.loss_curve_) == est.n_iter_ + 3


def test_loaded_model_goes_on_at_the_rate_it_stopped_at(tmp_path, device):
    # the plain format keeps no optimiser: partial_fit after load must still
    # use the rate of the last epoch, here the regressor's resolved 'auto'
    # (0.003 on more than 2,000 rows, not the 0.005 of a small fit)
    X, y = load_diabetes(return_X_y=True)
    X, y = np.tile(X, (5, 1)), np.tile(y, 5)
    est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0, device=device)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    save(est, tmp_path / "m")
    restored = load(tmp_path / "m", device=device).partial_fit(X, y)
    assert {row["lr"] for row in restored.history_} == {0.003}


def test_save_rejects_what_is_not_an_estimator(tmp_path):
    with pytest.raises(TypeError, match="not dict"):
        save({"weights": [1, 2]}, tmp_path / "m")


# ------------------------------------------------------------ tampered files
def _write_archive(path, meta, tensors=None):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("sk_mlp.json", json.dumps(meta) if isinstance(meta, dict) else meta)
        if tensors is not None:
            archive.writestr("tensors.pt", tensors)


def _saved_parts(kind, path):
    """Fit a model of ``kind``, save it to ``path``; return its metadata dict
    and the bytes of its tensor file, ready to be tampered with."""
    save(_fitted(kind, "cpu")[0], path)
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("sk_mlp.json")), archive.read("tensors.pt")


class _Payload:
    """Unpickling this runs a shell command: what a hostile file would do."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_payload_is_refused_and_not_executed(tmp_path):
    meta, _ = _saved_parts("classifier", tmp_path / "good.skmlp")
    marker = tmp_path / "pwned"
    for payload in (pickle.dumps(_Payload(marker)), _torch_save({"x": _Payload(marker)})):
        bad = tmp_path / "bad.skmlp"
        _write_archive(bad, meta, payload)
        with pytest.raises(ValueError, match="not a valid sk_mlp model file"):
            load(bad)
        assert not marker.exists()


def _torch_save(obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def test_wrong_shapes_are_refused(tmp_path):
    meta, tensor_bytes = _saved_parts("classifier", tmp_path / "good.skmlp")
    tensors = torch.load(io.BytesIO(tensor_bytes), weights_only=True)
    name = next(iter(tensors))
    tensors[name] = torch.zeros(tensors[name].shape[0] + 1, *tensors[name].shape[1:])
    bad = tmp_path / "bad.skmlp"
    _write_archive(bad, meta, _torch_save(tensors))
    with pytest.raises(ValueError, match="has shape"):
        load(bad)


def test_truncated_file_is_refused(tmp_path):
    est, _ = _fitted("regressor", "cpu")
    path = tmp_path / "m.skmlp"
    save(est, path)
    data = path.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 5):
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="not a valid sk_mlp model file"):
            load(path)


def test_newer_format_version_is_refused(tmp_path):
    path = tmp_path / "m.skmlp"
    meta, tensors = _saved_parts("perceptron", path)
    meta["format_version"] = 99
    _write_archive(path, meta, tensors)
    with pytest.raises(ValueError, match="format version 99.*upgrade"):
        load(path)


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m.update(estimator="os.system"),
        lambda m: m.update(format="pickle"),
        lambda m: m["params"]["__dict__"].append([["activation"], "rm -rf"]),
        lambda m: m["params"]["__dict__"].__setitem__(0, ["activation", "exec"]),
        lambda m: m["state"]["__dict__"].pop(),
    ],
    ids=["estimator", "format", "param-key", "param-value", "state"],
)
def test_tampered_metadata_is_refused(edit, tmp_path):
    path = tmp_path / "m.skmlp"
    meta, tensors = _saved_parts("classifier", path)
    edit(meta)
    _write_archive(path, meta, tensors)
    with pytest.raises(ValueError, match="not a valid sk_mlp model file"):
        load(path)


def test_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps(_Payload(tmp_path / "pwned")))
    with pytest.raises(ValueError, match="not a valid sk_mlp model file"):
        load(path)
    assert not (tmp_path / "pwned").exists()


# ------------------------------------------------------------ atomic writes
def test_interrupted_save_leaves_no_partial_file(tmp_path, monkeypatch):
    est, _ = _fitted("classifier", "cpu")
    path = tmp_path / "m.skmlp"
    save(est, path)
    before = path.read_bytes()

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        save(est.set_params(max_iter=7), path)
    assert path.read_bytes() == before  # the old file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.skmlp"]  # no temp left


# ------------------------------------------------------------------ pickle
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", KINDS)
def test_pickle_and_joblib_keep_working(kind, tmp_path, device):
    est, X = _fitted(kind, device)
    expected = _outputs(est, X)
    for restored in (pickle.loads(pickle.dumps(est)),
                     joblib.load(joblib.dump(est, tmp_path / "m.joblib")[0])):
        for name, value in _outputs(restored, X).items():
            np.testing.assert_array_equal(value, expected[name])


def test_fitted_models_hold_no_generators_or_data_copies(device):
    X, y = load_iris(return_X_y=True)
    for est in (MLPClassifier((8,), dropout=0.2, max_iter=3, device=device),
                Perceptron(shuffle=True, dropout=0.1, max_iter=3, device=device)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X, y)
        held = [v for v in vars(est.net_).values() if isinstance(v, torch.Generator)]
        held += [m.generator for m in est.net_.module_.modules()
                 if getattr(m, "generator", None) is not None]
        assert held == []
        assert getattr(est.net_, "rule_", {}).get("screen") is None
        assert len(pickle.dumps(est)) < 100_000


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_model_pickled_on_cuda_predicts_without_cuda(tmp_path):
    est, X = _fitted("classifier", "cuda")
    path = tmp_path / "gpu.pkl"
    path.write_bytes(pickle.dumps(est))
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "p.npy", est.predict_proba(X))
    script = (
        "import pickle, numpy as np, torch; assert not torch.cuda.is_available();"
        f"m = pickle.load(open({str(path)!r}, 'rb'));"
        f"p = m.predict_proba(np.load({str(tmp_path / 'X.npy')!r}));"
        f"np.testing.assert_allclose(p, np.load({str(tmp_path / 'p.npy')!r}), rtol=1e-5)"
    )
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr


# -------------------------------------------------------------- size bombs
MiB = 2**20


def _stream_member(archive, name, head, filler, n_chunks):
    """Write member ``name``: ``head`` then ``n_chunks`` MiB of ``filler``."""
    with archive.open(name, "w", force_zip64=True) as member:
        member.write(head)
        chunk = filler * MiB
        for _ in range(n_chunks):
            member.write(chunk)


def _deflated(path):
    return zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9)


def _json_bomb(meta, tensors, path):
    # valid JSON: the metadata, then 256 MiB of spaces (deflated to ~260 kB)
    with _deflated(path) as archive:
        _stream_member(archive, "sk_mlp.json", json.dumps(meta).encode(), b" ", 256)
        archive.writestr("tensors.pt", tensors)


def _tensor_bomb(meta, tensors, path):
    # a small model whose tensor member inflates to 128 MiB of zeros
    with _deflated(path) as archive:
        archive.writestr("sk_mlp.json", json.dumps(meta))
        _stream_member(archive, "tensors.pt", tensors, b"\0", 128)


def _lying_directory(meta, tensors, path):
    # the metadata inflates to 128 MiB, but both headers declare 4,000 bytes
    with _deflated(path) as archive:
        _stream_member(archive, "sk_mlp.json", json.dumps(meta).encode(), b" ", 128)
        archive.writestr("tensors.pt", tensors)
    data = bytearray(path.read_bytes())
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(signature)  # the first entry of each kind is sk_mlp.json
        extra = 30 if signature == b"PK\x03\x04" else 46
        name_len, extra_len = struct.unpack("<HH", data[at + extra - 4 : at + extra])
        data[at + size_at : at + size_at + 4] = struct.pack("<L", 4000)
        # the ZIP64 extra field carries the real sizes: make it lie as well
        field = at + extra + name_len
        end = field + extra_len
        while field < end:
            tag, length = struct.unpack("<HH", data[field : field + 4])
            if tag == 1:
                data[field + 4 : field + 12] = struct.pack("<Q", 4000)
            field += 4 + length
    path.write_bytes(bytes(data))


def _wide_architecture(width):
    def craft(meta, tensors, path):
        state = dict(meta["state"]["__dict__"])
        module = dict(state["module"]["__dict__"])
        module["hidden_layer_sizes"] = {"__tuple__": [width]}
        state["module"] = {"__dict__": [[k, v] for k, v in module.items()]}
        meta = {**meta, "state": {"__dict__": [[k, v] for k, v in state.items()]}}
        _write_archive(path, meta, tensors)
    return craft


def _nested_zip_bomb(meta, tensors, path):
    # tensors.pt: the real torch archive with its entries deflated, plus one
    # that inflates to 48 MiB; small enough to pass the outer size check
    inner = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(tensors)) as real, _deflated(inner) as bomb:
        for info in real.infolist():
            bomb.writestr(info.filename, real.read(info))
        _stream_member(bomb, "archive/data/bomb", b"", b"\0", 48)
    _write_archive(path, meta, inner.getvalue())


def _many_entries(meta, tensors, path):
    # 20,000 empty entries: a central directory that costs memory to parse
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("sk_mlp.json", json.dumps(meta))
        archive.writestr("tensors.pt", tensors)
        for i in range(20_000):
            archive.writestr(f"x{i}", b"")


BOMBS = {
    "json-bomb": _json_bomb,
    "tensor-bomb": _tensor_bomb,
    "lying-directory": _lying_directory,
    "width-1e8": _wide_architecture(10**8),
    "width-1e6": _wide_architecture(10**6),  # within the limits, not the tensors
    "nested-zip-bomb": _nested_zip_bomb,
    "20k-entries": _many_entries,
}

_MEASURE = r"""
import json, resource, sys, time
import sk_mlp
good, bombs = sys.argv[1], json.loads(sys.argv[2])
sk_mlp.load(good)  # warm up: imports and torch.load's first call
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
results = {}
for name, path in bombs.items():
    start = time.perf_counter()
    try:
        sk_mlp.load(path)
        error = None
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results[name] = {"error": error, "seconds": seconds,
                     "extra_mib": (peak - baseline) / 1024}
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def bomb_results(tmp_path_factory):
    """Craft every bomb from a real model file; load each in one fresh
    interpreter that measures time and peak memory (ru_maxrss) per load."""
    folder = tmp_path_factory.mktemp("bombs")
    good = folder / "good.skmlp"
    meta, tensors = _saved_parts("classifier", good)
    paths = {}
    for name, craft in BOMBS.items():
        paths[name] = str(folder / f"{name}.skmlp")
        craft(meta, tensors, folder / f"{name}.skmlp")
    result = subprocess.run([sys.executable, "-c", _MEASURE, str(good), json.dumps(paths)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_size_bombs_are_refused_fast_in_bounded_memory(bomb, bomb_results):
    result = bomb_results[bomb]
    assert result["error"] is not None and result["error"].startswith(
        "ValueError: "), result
    assert "not a valid sk_mlp model file" in result["error"]
    assert result["seconds"] < 1.0, result
    assert result["extra_mib"] < 200, result


def test_saved_tensors_are_stored_uncompressed_within_the_limits(tmp_path):
    from sk_mlp.io._format import _TENSOR_ARCHIVE_OVERHEAD

    est = MLPClassifier((64, 32), max_iter=2, random_state=0).fit(*load_iris(return_X_y=True))
    save(est, tmp_path / "m")
    with zipfile.ZipFile(tmp_path / "m") as archive:
        info = archive.getinfo("tensors.pt")
    assert info.compress_type == zipfile.ZIP_STORED
    assert 4 * est.n_params_ <= info.file_size <= 4 * est.n_params_ + _TENSOR_ARCHIVE_OVERHEAD
    assert load(tmp_path / "m").n_params_ == est.n_params_


# ------------------------------------------- files written by the last release
RELEASE = os.path.join(os.path.dirname(__file__), "fixtures", "release_574df60")


@pytest.mark.parametrize("fmt", ["skmlp", "pkl", "skops"])
@pytest.mark.parametrize("name", ["classifier", "regressor", "perceptron",
                                  "perceptron_sigmoid"])
def test_model_files_of_the_last_release_load_and_predict_as_they_did(name, fmt):
    """Files written by sk_mlp 0.1.0 (commit 574df60, before the one fit path
    and settings_; made by make_fixtures.py there) load with sk_mlp's own
    load, pickle and skops, and predict what they predicted then."""
    with open(os.path.join(RELEASE, "expected.json")) as f:
        expected = np.asarray(json.load(f)[name])
    path = os.path.join(RELEASE, f"{name}.{fmt}")
    if fmt == "pkl":
        with open(path, "rb") as f:
            model = pickle.load(f)
    else:
        model = load(path, device="cpu")  # skops files through sk_mlp's trust list
    X, _ = load_iris(return_X_y=True)
    if name == "regressor":
        X, _ = make_regression(n_samples=300, n_features=5, noise=5.0, random_state=0)
    out = model.predict_proba(X[:10]) if hasattr(model, "predict_proba") \
        else model.predict(X[:10])
    np.testing.assert_allclose(np.asarray(out, dtype=float), expected, rtol=1e-6,
                               atol=1e-9)
    if name in ("classifier", "regressor"):
        # the settings come from the rules applied to the saved parameters,
        # the saved architecture and dtype; a later partial_fit keeps them
        assert model.settings_.hidden_layer_sizes == (8,)
        assert model.settings_.dropout == (0.1,) and model.settings_.dtype == "float32"
        settings = model.settings_
        model.partial_fit(X[:20], model.predict(X[:20]))
        assert model.settings_ == settings


def test_a_pickle_of_the_flat_layout_loads_in_a_fresh_interpreter():
    """A pickle of 0.1.0 names ``sk_mlp._classifier``, a module the subpackage
    layout moved: ``pickle.load`` alone (nothing imported before it) still
    finds the class through the package's legacy module aliases, and a new
    pickle names the public path, which later moves leave alone."""
    script = (
        "import pickle, sys\n"
        f"model = pickle.load(open({os.path.join(RELEASE, 'classifier.pkl')!r}, 'rb'))\n"
        "print(type(model).__module__, type(model).__name__)\n"
        "print(pickle.dumps(model).count(b'sk_mlp.neural_network'))\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=os.path.dirname(RELEASE))
    assert run.returncode == 0, run.stderr
    name, count = run.stdout.split("\n")[:2]
    assert name == "sk_mlp.neural_network MLPClassifier" and int(count) >= 1
