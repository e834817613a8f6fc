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

Nothing in the file is trusted for its size either. Before a byte is
decompressed, the archive's directory must list at most these two members;
the metadata member may declare at most ``MAX_METADATA_BYTES``; the declared
architecture must be within ``MAX_LAYERS`` / ``MAX_WIDTH`` / ``MAX_PARAMETERS``
and the tensor member's declared size must fit it (at least 4 bytes and at
most 8 bytes per parameter, plus a small fixed overhead); members larger than
1 MiB may not be compressed more than ``MAX_COMPRESSION_RATIO`` : 1 (what a
decompression bomb needs); every member is read with a hard cap, so a
directory that lies about sizes gains nothing; and the tensor member, itself
a ZIP written by ``torch.save``, must hold only uncompressed entries within
its own size. A file that breaks any of these is refused with the same
``ValueError`` as any other damaged file, in time and memory proportional to
the limits, not to what the file claims.
"""

import importlib
import io
import json
import os
import pickle
import struct
import sys
import tempfile
import warnings
import zipfile

import numpy as np
import torch
from sklearn.utils._param_validation import InvalidParameterError

from ..neural_network._classifier import MLPClassifier
from ..linear_model._perceptron import Perceptron
from ..neural_network._regressor import MLPRegressor

FORMAT_VERSION = 1
_META = "sk_mlp.json"
_TENSORS = "tensors.pt"
# The estimators a model file may name: the class is looked up here by name.
_REGISTRY = {cls.__name__: cls for cls in (MLPClassifier, MLPRegressor, Perceptron)}

# Size limits of a model file (see the module docstring). The metadata holds
# parameters, classes, feature names and one history row per epoch (about
# 100-300 bytes each): 64 MiB is room for a few hundred thousand epochs and
# feature names.
MAX_METADATA_BYTES = 64 * 2**20
MAX_LAYERS = 1024
MAX_WIDTH = 2**24
MAX_PARAMETERS = 2**30
MAX_COMPRESSION_RATIO = 100
_RATIO_CHECKED_ABOVE = 2**20
# torch.save's archive around the raw tensor bytes: a pickle naming each
# tensor, a few small records, ZIP headers and 64-byte alignment per tensor.
_TENSOR_ARCHIVE_OVERHEAD = 64 * 2**10
_TENSOR_ARCHIVE_OVERHEAD_PER_TENSOR = 2**10
_MAX_DIRECTORY_BYTES = 4096


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
    """Save an sk_mlp estimator, or a pipeline holding one, to ``path``.

    A bare ``MLPClassifier``, ``MLPRegressor`` or ``Perceptron`` is written in
    sk_mlp's own format (described in this module's docstring). Anything
    else built from scikit-learn parts - a ``Pipeline``, a
    ``ColumnTransformer``, a search's ``best_estimator_`` - is written with
    ``skops.io`` (``pip install "sk_mlp[deploy]"``), whose files also load
    without running code. :func:`load` reads both.

    The file is written to a temporary file beside ``path`` and renamed into
    place, so an interrupted save never leaves a half-written file under
    ``path``.

    Parameters
    ----------
    estimator : MLPClassifier, MLPRegressor, Perceptron or scikit-learn estimator
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
    name = type(estimator).__name__
    if _REGISTRY.get(name) is not type(estimator):
        if not hasattr(estimator, "get_params"):
            raise TypeError(
                f"sk_mlp.save stores sk_mlp estimators and scikit-learn estimators "
                f"or pipelines, not {name}."
            )
        _write_atomically(os.fspath(path), _skops().dumps(estimator))
        return
    params = estimator.get_params(deep=False)
    if not isinstance(params.get("random_state"), (int, type(None))):
        params["random_state"] = None  # a RandomState object is not stored
    fitted = hasattr(estimator, "net_")
    network = estimator.export_network() if fitted else None
    meta = {
        "format": "sk_mlp",
        "format_version": FORMAT_VERSION,
        "sk_mlp_version": _version(),
        "estimator": name,
        "params": encode(params),
        "fitted": fitted,
        "state": encode(network.state) if fitted else None,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_META, json.dumps(meta))
        if fitted:
            tensors = io.BytesIO()
            torch.save(network.tensors, tensors)
            # stored, not deflated: float weights barely compress, and a
            # stored member's size on disk is its size in memory
            archive.writestr(_TENSORS, tensors.getvalue(), compress_type=zipfile.ZIP_STORED)
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
    from .. import __version__

    return __version__


# ------------------------------------------------------------------- load
def _invalid(path, why):
    return ValueError(f"{os.fspath(path)!r} is not a valid sk_mlp model file: {why}")


def load(path, device=None):
    """Load an estimator or pipeline saved with :func:`save`.

    Files written by ``skops.io`` (pipelines) are loaded trusting only
    sk_mlp's own public classes on top of what skops trusts by default
    (NumPy, SciPy and scikit-learn types); a file naming any other type is
    refused with the list, to be reviewed and trusted by name with
    ``skops.io.load(path, trusted=[...])``.

    Parameters
    ----------
    path : str or os.PathLike
    device : str or None, default=None
        Device to load onto (e.g. ``'cpu'`` for a model saved on a GPU);
        None keeps the saved ``device`` parameter (``'auto'`` falls back to
        the CPU where there is no GPU).

    Returns
    -------
    estimator : MLPClassifier, MLPRegressor, Perceptron or scikit-learn estimator

    Raises
    ------
    ValueError
        If the file is not a model file, was truncated or tampered with,
        breaks the size limits of the format (see the module docstring), or
        was written by a newer format version.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_iris
    >>> from sk_mlp import Perceptron, load, save
    >>> X, y = load_iris(return_X_y=True)
    >>> path = os.path.join(tempfile.mkdtemp(), "perceptron.skmlp")
    >>> save(Perceptron(device="cpu").fit(X, y), path)
    >>> model = load(path, device="cpu")
    >>> model.predict(X[:3]), model.n_iter_ > 0
    (array([0, 0, 0]), True)
    """
    if _is_skops_file(path):
        return _load_skops(path, device)
    try:
        _check_directory_size(path)
        with zipfile.ZipFile(path) as archive:
            infos = _members(archive, path)
            meta = _parse_json(_read_member(archive, infos[_META], MAX_METADATA_BYTES,
                                            path), path)
            cls, params = _check_header(meta, path)
            if not meta.get("fitted"):
                return _construct(cls, params, device, path)
            if _TENSORS not in infos:
                raise _invalid(path, f"a fitted model needs {_TENSORS}")
            state = _decoded_mapping(meta, "state", "fitted state", path)
            n_params, n_tensors = _check_architecture(cls, state, path)
            tensor_bytes = _read_tensor_member(archive, infos[_TENSORS], n_params,
                                               n_tensors, path)
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile,
            NotImplementedError, RuntimeError, struct.error) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise _invalid(path, f"the archive cannot be read ({exc})") from exc
    estimator = _construct(cls, params, device, path)
    tensors = _load_tensors(tensor_bytes, n_tensors, path,
                            getattr(cls, "_optional_tensors", lambda state: 0)(state))
    try:
        estimator._import_state(state, tensors)
    except (KeyError, TypeError, IndexError) as exc:
        raise _invalid(path, f"its fitted state is incomplete ({exc!r})") from exc
    except ValueError as exc:
        raise _invalid(path, str(exc)) from exc
    return estimator


def _check_directory_size(path):
    """Refuse an archive whose central directory lists more entries than a
    model file has, before ``zipfile`` reads that directory into memory."""
    with open(path, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        tail_start = max(0, size - (22 + 0xFFFF + 20))
        f.seek(tail_start)
        tail = f.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            raise zipfile.BadZipFile("no end-of-central-directory record")
        entries, directory_size = struct.unpack("<HL", tail[at + 10 : at + 16])
        if entries == 0xFFFF or directory_size == 0xFFFFFFFF:
            # ZIP64: the real counts are in the record the locator points to
            locator = tail[at - 20 : at] if at >= 20 else b""
            if len(locator) != 20 or locator[:4] != b"PK\x06\x07":
                raise zipfile.BadZipFile("damaged ZIP64 end-of-directory locator")
            (record_at,) = struct.unpack("<Q", locator[8:16])
            f.seek(record_at)
            record = f.read(56)
            if len(record) != 56 or record[:4] != b"PK\x06\x06":
                raise zipfile.BadZipFile("damaged ZIP64 end-of-directory record")
            entries, directory_size = struct.unpack("<QQ", record[32:48])
    if entries > 2 or directory_size > _MAX_DIRECTORY_BYTES:
        raise _invalid(path, f"its directory lists {entries} entries in "
                             f"{directory_size} bytes; a model file has at most 2")


def _members(archive, path):
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if len(set(names)) != len(names) or not set(names) <= {_META, _TENSORS}:
        raise _invalid(path, f"it holds the members {names}; a model file holds only "
                             f"{_META} and {_TENSORS}")
    if _META not in names:
        raise _invalid(path, f"it has no {_META}")
    return {info.filename: info for info in infos}


def _read_member(archive, info, cap, path, at_least=0):
    """The bytes of one member, refused before decompressing when its
    declared size or compression ratio is out of bounds, and read with a hard
    cap so that a directory lying about the size gains nothing."""
    what = f"its member {info.filename}"
    if not at_least <= info.file_size <= cap:
        raise _invalid(path, f"{what} declares {info.file_size} bytes; the format "
                             f"allows {at_least} to {cap} here")
    if (info.file_size > _RATIO_CHECKED_ABOVE
            and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)):
        raise _invalid(path, f"{what} is compressed {info.file_size} : "
                             f"{info.compress_size}, more than "
                             f"{MAX_COMPRESSION_RATIO} : 1 (a decompression bomb)")
    with archive.open(info) as stream:
        # one byte more than declared, to catch a member longer than its
        # entry says; zipfile decompresses no more than that at a time
        data = stream.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise _invalid(path, f"{what} holds {len(data)} bytes, not the "
                             f"{info.file_size} its directory entry declares")
    return data


def _parse_json(data, path):
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise _invalid(path, f"its metadata is not valid JSON ({type(exc).__name__})") from exc


def _check_header(meta, path):
    """The estimator class and the decoded parameters the metadata names."""
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
    cls = _REGISTRY.get(meta.get("estimator"))
    if cls is None:
        raise _invalid(path, f"unknown estimator {meta.get('estimator')!r}")
    return cls, _decoded_mapping(meta, "params", "parameters", path)


def _construct(cls, params, device, path):
    try:
        # a parameter added since the file was written takes the value its
        # model computed with, not today's default (ensemble_size: 1)
        params = {**getattr(cls, "_params_added", {}), **params}
        if device is not None:
            params = {**params, "device": device}
        estimator = cls(**params)
        estimator._validate_params()
    except (KeyError, TypeError, ValueError, InvalidParameterError) as exc:
        raise _invalid(path, f"its parameters are not valid ({exc})") from exc
    return estimator


def _decoded_mapping(meta, key, what, path):
    """``decode(meta[key])``, which must be a dict; ``what`` names it in errors."""
    try:
        value = decode(meta[key])
    except (KeyError, TypeError, ValueError, RecursionError) as exc:
        raise _invalid(path, f"decoding its {what} failed ({exc!r})") from exc
    if not isinstance(value, dict):
        raise _invalid(path, f"its {what}: not a mapping of names to values")
    return value


def _check_architecture(cls, state, path):
    """Number of parameters and of tensors the recorded architecture needs,
    after checking it against the format's limits (before building it)."""
    try:
        sizes = list(cls._declared_layer_sizes(state))
    except (KeyError, TypeError, ValueError) as exc:
        raise _invalid(path, f"its architecture is not recorded ({exc!r})") from exc
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in sizes):
        raise _invalid(path, f"its layer widths {sizes!r} are not all integers")
    if not 2 <= len(sizes) <= MAX_LAYERS + 2 or not all(1 <= s <= MAX_WIDTH for s in sizes):
        raise _invalid(path, f"its architecture ({len(sizes)} layers, widths up to "
                             f"{max(sizes, default=0)}) is beyond the format's limits "
                             f"({MAX_LAYERS} hidden layers, widths 1 to {MAX_WIDTH})")
    n_params = sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))
    try:
        buffer_values, buffer_tensors = getattr(cls, "_declared_buffers",
                                                lambda state: (0, 0))(state)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _invalid(path, f"its architecture is not recorded ({exc!r})") from exc
    n_params += buffer_values
    if n_params > MAX_PARAMETERS:
        raise _invalid(path, f"its architecture has {n_params} parameters, more than "
                             f"the format's limit of {MAX_PARAMETERS}")
    return n_params, 2 * (len(sizes) - 1) + buffer_tensors


def _read_tensor_member(archive, info, n_params, n_tensors, path):
    """The tensor member's bytes: its declared size must fit the declared
    architecture, and it must be an archive of uncompressed entries."""
    overhead = _TENSOR_ARCHIVE_OVERHEAD + _TENSOR_ARCHIVE_OVERHEAD_PER_TENSOR * n_tensors
    data = _read_member(archive, info, 8 * n_params + overhead, path,
                        at_least=4 * n_params)
    with zipfile.ZipFile(io.BytesIO(data)) as inner:
        entries = inner.infolist()
        if len(entries) > n_tensors + 16 or any(
                e.compress_type != zipfile.ZIP_STORED or e.file_size != e.compress_size
                for e in entries):
            raise _invalid(path, f"its {_TENSORS} is not a plain torch archive (it has "
                                 f"{len(entries)} entries, or compressed ones)")
        if sum(e.file_size for e in entries) > len(data):
            raise _invalid(path, f"the entries of its {_TENSORS} declare more bytes "
                                 "than it holds")
    return data


def _load_tensors(tensor_bytes, n_tensors, path, optional=0):
    """The tensors of the member: ``n_tensors`` of them, or as few as
    ``n_tensors - optional`` (tensors a file written before they existed
    lacks; the estimator fills them in)."""
    try:
        with warnings.catch_warnings():
            # torch's notes about a hostile file's pickle protocol: the file is
            # refused below with a clear error instead
            warnings.simplefilter("ignore", UserWarning)
            tensors = torch.load(io.BytesIO(tensor_bytes), map_location="cpu",
                                 weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError,
            AttributeError, TypeError, RecursionError) as exc:
        raise _invalid(path, "its tensors cannot be read safely (only plain "
                             f"tensors are accepted): {exc}") from exc
    if not isinstance(tensors, dict) or not (
            n_tensors - optional <= len(tensors) <= n_tensors) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in tensors.items()
    ):
        raise _invalid(path, f"its tensors are not a mapping of {n_tensors} names to "
                             "tensors, as its architecture needs")
    return tensors


# ------------------------------------------------------------------ skops
def _skops():
    try:
        import skops.io
    except ImportError as exc:
        raise ImportError(
            "Saving a pipeline (or any estimator other than sk_mlp's own) needs "
            "skops: pip install 'sk_mlp[deploy]'."
        ) from exc
    return skops.io


# Beyond sk_mlp's classes, load trusts numpy.dtype, which skops lists as
# untrusted but whose construction from a stored name runs no user code
# (scikit-learn's imputers and encoders keep the dtypes they were fitted on).
_ALSO_TRUSTED = ("numpy.dtype",)


# Modules of the flat layout of releases up to 0.2.0, whose pickles and skops
# files name the estimator classes by them -> the modules holding the classes now.
LEGACY_MODULES = {
    "sk_mlp._classifier": "sk_mlp.neural_network._classifier",
    "sk_mlp._regressor": "sk_mlp.neural_network._regressor",
    "sk_mlp._perceptron": "sk_mlp.linear_model._perceptron",
}


def alias_legacy_modules():
    """Make every old module path of :data:`LEGACY_MODULES` import as the module
    now holding its class, so pickles written before the move still load."""
    for old, new in LEGACY_MODULES.items():
        sys.modules.setdefault(old, importlib.import_module(new))


def trusted_types():
    """Names of the types :func:`load` adds to skops's default trust: sk_mlp's
    public classes (by their public path and by the module path files of
    releases up to 0.2.0 recorded) and ``numpy.dtype``."""
    from ..preprocessing import TabularPreprocessor

    names = [f"{cls.__module__}.{cls.__name__}"
             for cls in (*_REGISTRY.values(), TabularPreprocessor)]
    for old, new in LEGACY_MODULES.items():
        names += [f"{old}.{cls.__name__}" for cls in _REGISTRY.values()
                  if getattr(sys.modules.get(new), cls.__name__, None) is cls]
    return sorted(names + list(_ALSO_TRUSTED))


def _is_skops_file(path):
    try:
        with zipfile.ZipFile(path) as archive:
            return "schema.json" in archive.namelist() and _META not in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _load_skops(path, device):
    sio = _skops()
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise _invalid(path, f"its skops schema cannot be read ({exc})") from exc
    refused = sorted(set(untrusted) - set(trusted_types()))
    if refused:
        raise _invalid(
            path, f"it names types sk_mlp does not trust: {refused}. Review them, "
            "then load with skops.io.load(path, trusted=[...]) yourself if you "
            "trust the file.")
    try:
        loaded = sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise _invalid(path, f"skops could not load it ({exc})") from exc
    if device is not None:
        for step in nested_estimators(loaded):
            if type(step) in _REGISTRY.values():
                step.set_params(device=device)
                if hasattr(step, "net_"):
                    step.__setstate__(step.__getstate__())
    return loaded


def nested_estimators(estimator):
    """``estimator`` and every estimator among its parameters (the steps of a
    pipeline, a search's estimator, ...)."""
    yield estimator
    if hasattr(estimator, "get_params"):
        for value in estimator.get_params(deep=True).values():
            if hasattr(value, "get_params"):
                yield value
