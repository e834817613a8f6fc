"""Model files that load without running code: ``save`` and ``load``.

Format (version 1): a ZIP archive holding

- ``sk_mlp.json``: ``{"format": "sk_mlp", "format_version": 1,
  "sk_mlp_version", "estimator": class name, "params": constructor
  parameters, "fitted": bool, "state": fitted metadata}``, in a typed JSON
  where tuples, dicts with non-string keys and NumPy arrays are tagged;
- ``tensors.pt`` (fitted models only): the network's ``state_dict`` written by
  ``torch.save`` and read back with ``torch.load(weights_only=True)``, which
  only rebuilds tensors and refuses any other object.

Nothing in the file is executed: the estimator class is looked up in a fixed
registry by name, parameters go through the estimator's own validation, and
every tensor's shape is checked against the architecture recorded in the
metadata before it is used.
"""

import io
import json
import os
import pickle
import tempfile
import warnings
import zipfile

import numpy as np
import torch
from sklearn.utils._param_validation import InvalidParameterError

FORMAT_VERSION = 1
_META = "sk_mlp.json"
_TENSORS = "tensors.pt"


def _registry():
    from ._classifier import MLPClassifier
    from ._perceptron import Perceptron
    from ._regressor import MLPRegressor

    return {cls.__name__: cls for cls in (MLPClassifier, MLPRegressor, Perceptron)}


# ------------------------------------------------------------- typed JSON
def encode(value):
    """Python/NumPy value -> JSON-able value with type tags."""
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.str
                if value.dtype != object else "object"}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store a value of type {type(value).__name__} in a model file")


def decode(value):
    """Inverse of :func:`encode`; only builds plain data."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__ndarray__" in value:
            dtype = value.get("dtype")
            if dtype != "object" and np.dtype(dtype).kind not in "biufcUS":
                raise ValueError(f"unsupported array dtype {dtype!r}")
            return np.array(value["__ndarray__"], dtype=object if dtype == "object" else dtype)
        if "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {decode(k): decode(v) for k, v in value["__dict__"]}
        raise ValueError(f"unknown tagged value with keys {sorted(value)}")
    return value


# ------------------------------------------------------------------- save
def save(estimator, path):
    """Save an sk_mlp estimator (fitted or not) to ``path``.

    The file is written to a temporary file beside ``path`` and renamed into
    place, so an interrupted save never leaves a half-written file under
    ``path``.

    Parameters
    ----------
    estimator : MLPClassifier, MLPRegressor or Perceptron
    path : str or os.PathLike

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_iris
    >>> from sk_mlp import MLPClassifier, save, load
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier((8,), max_iter=5, device="cpu", random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "iris.skmlp")
    >>> save(clf, path)
    >>> bool((load(path).predict_proba(X) == clf.predict_proba(X)).all())
    True
    """
    registry = _registry()
    name = type(estimator).__name__
    if registry.get(name) is not type(estimator):
        raise TypeError(
            f"sk_mlp.save stores MLPClassifier, MLPRegressor and Perceptron, not "
            f"{name}. For a Pipeline use joblib or pickle, and load such files "
            "only from sources you trust."
        )
    params = estimator.get_params(deep=False)
    if not isinstance(params.get("random_state"), (int, type(None))):
        params["random_state"] = None  # a RandomState object is not stored
    fitted = hasattr(estimator, "net_")
    meta = {
        "format": "sk_mlp",
        "format_version": FORMAT_VERSION,
        "sk_mlp_version": _version(),
        "estimator": name,
        "params": encode(params),
        "fitted": fitted,
        "state": encode(estimator._export_state()) if fitted else None,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_META, json.dumps(meta))
        if fitted:
            tensors = io.BytesIO()
            state = {k: v.detach().cpu() for k, v in estimator.net_.module_.state_dict().items()}
            torch.save(state, tensors)
            archive.writestr(_TENSORS, tensors.getvalue())
    _write_atomically(os.fspath(path), buffer.getvalue())


def _write_atomically(path, data):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".sk_mlp-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _version():
    from . import __version__

    return __version__


# ------------------------------------------------------------------- load
def _invalid(path, why):
    return ValueError(f"{os.fspath(path)!r} is not a valid sk_mlp model file: {why}")


def load(path, device=None):
    """Load an estimator saved with :func:`save`.

    Parameters
    ----------
    path : str or os.PathLike
    device : str or None, default=None
        Device to load onto (e.g. ``'cpu'`` for a model saved on a GPU);
        None keeps the saved ``device`` parameter (``'auto'`` falls back to
        the CPU where there is no GPU).

    Returns
    -------
    estimator : MLPClassifier, MLPRegressor or Perceptron

    Raises
    ------
    ValueError
        If the file is not a model file, was truncated or tampered with, or
        was written by a newer format version.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if _META not in names:
                raise _invalid(path, f"it has no {_META}")
            meta = json.loads(archive.read(_META))
            tensor_bytes = archive.read(_TENSORS) if _TENSORS in names else None
    except (zipfile.BadZipFile, EOFError, OSError, json.JSONDecodeError,
            UnicodeDecodeError, zipfile.LargeZipFile) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise _invalid(path, f"the archive cannot be read ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != "sk_mlp":
        raise _invalid(path, "its metadata does not name the sk_mlp format")
    version = meta.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise _invalid(path, f"unknown format_version {version!r}")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{os.fspath(path)!r} was written in sk_mlp model format version "
            f"{version}, newer than this sk_mlp ({_version()}) reads "
            f"(version {FORMAT_VERSION}): upgrade sk_mlp to load it."
        )
    cls = _registry().get(meta.get("estimator"))
    if cls is None:
        raise _invalid(path, f"unknown estimator {meta.get('estimator')!r}")
    try:
        params = decode(meta["params"])
        if device is not None:
            params["device"] = device
        estimator = cls(**params)
        estimator._validate_params()
    except (KeyError, TypeError, ValueError, InvalidParameterError) as exc:
        raise _invalid(path, f"its parameters are not valid ({exc})") from exc
    if not meta.get("fitted"):
        return estimator
    if tensor_bytes is None:
        raise _invalid(path, f"a fitted model needs {_TENSORS}")
    try:
        with warnings.catch_warnings():
            # torch's notes about a hostile file's pickle protocol: the file is
            # refused below with a clear error instead
            warnings.simplefilter("ignore", UserWarning)
            tensors = torch.load(io.BytesIO(tensor_bytes), map_location="cpu",
                                 weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError,
            AttributeError, TypeError) as exc:
        raise _invalid(path, "its tensors cannot be read safely (only plain "
                             f"tensors are accepted): {exc}") from exc
    if not isinstance(tensors, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in tensors.items()
    ):
        raise _invalid(path, "its tensors are not a mapping of names to tensors")
    try:
        estimator._import_state(decode(meta["state"]), tensors)
    except (KeyError, TypeError, IndexError) as exc:
        raise _invalid(path, f"its fitted state is incomplete ({exc!r})") from exc
    except ValueError as exc:
        raise _invalid(path, str(exc)) from exc
    return estimator


def load_state_dict_checked(module, tensors):
    """Copy ``tensors`` into ``module`` after checking names, shapes and values."""
    expected = module.state_dict()
    if set(expected) != set(tensors):
        raise ValueError(
            f"its tensors are {sorted(tensors)} but the architecture needs "
            f"{sorted(expected)}"
        )
    for name, tensor in tensors.items():
        if tuple(tensor.shape) != tuple(expected[name].shape):
            raise ValueError(
                f"tensor {name!r} has shape {tuple(tensor.shape)}, the architecture "
                f"needs {tuple(expected[name].shape)}"
            )
        if not tensor.is_floating_point() or not torch.isfinite(tensor).all():
            raise ValueError(f"tensor {name!r} is not a finite floating-point tensor")
    with torch.no_grad():
        for name, param in expected.items():
            param.copy_(tensors[name].to(param.dtype))
