"""Write the intersphinx inventories the docs link through, from the
installed packages, so the build never downloads anything.

Each inventory lists the public classes and functions of a package with the
address its documentation site gives them (scikit-learn's
``modules/generated/NAME.html``, NumPy's ``reference/generated/NAME.html``,
PyTorch's ``generated/NAME.html``, skorch's page per module). Run again after
upgrading one of them: ``python docs/make_inventories.py``.
"""

import importlib
import inspect
import pkgutil
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent / "_inventories"


def _public(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")]
    for name in names:
        try:
            obj = getattr(module, name, None)
        except ImportError:  # experimental names that need an enabling import
            continue
        if inspect.isclass(obj):
            yield name, "py:class"
        elif inspect.isfunction(obj) or inspect.isbuiltin(obj) or callable(obj):
            yield name, "py:function"


def _write(project, version, entries, path):
    entries = sorted(set(entries))
    lines = "".join(f"{name} {role} 1 {uri} -\n" for name, role, uri in entries)
    header = (f"# Sphinx inventory version 2\n# Project: {project}\n# Version: {version}\n"
              "# The remainder of this file is compressed using zlib.\n")
    path.write_bytes(header.encode() + zlib.compress(lines.encode()))
    print(f"{path.name}: {len(entries)} entries")


def sklearn_entries():
    import sklearn

    for info in pkgutil.iter_modules(sklearn.__path__):
        if info.name.startswith("_") or info.name in ("tests", "externals"):
            continue
        module = importlib.import_module(f"sklearn.{info.name}")
        for name, role in _public(module):
            full = f"sklearn.{info.name}.{name}"
            yield full, role, f"modules/generated/{full}.html#$"
    from sklearn.utils import metadata_routing

    for name, role in _public(metadata_routing):
        full = f"sklearn.utils.metadata_routing.{name}"
        yield full, role, f"modules/generated/{full}.html#$"
    for label, uri in SKLEARN_LABELS.items():
        yield label, "std:label", uri


# Labels that scikit-learn's own docstrings (of the methods our estimators
# inherit: score, set_output, get_metadata_routing) refer to.
SKLEARN_LABELS = {
    "metadata_routing": "metadata_routing.html",
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
    "df_output_transform": "auto_examples/miscellaneous/plot_set_output.html",
    "sphx_glr_auto_examples_miscellaneous_plot_set_output.py":
        "auto_examples/miscellaneous/plot_set_output.html",
}


def numpy_entries():
    import numpy

    for name, role in _public(numpy):
        yield f"numpy.{name}", role, f"reference/generated/numpy.{name}.html#$"
    yield "numpy.ndarray", "py:class", "reference/generated/numpy.ndarray.html#$"
    yield "numpy.random.RandomState", "py:class", \
        "reference/random/legacy.html#numpy.random.RandomState"


def torch_entries():
    import torch
    import torch.nn
    import torch.optim

    for module in (torch, torch.nn, torch.optim):
        for name, role in _public(module):
            full = f"{module.__name__}.{name}"
            yield full, role, f"generated/{full}.html#$"
    yield "torch.Tensor", "py:class", "tensors.html#$"
    yield "torch.device", "py:class", "tensor_attributes.html#$"
    yield "torch.Generator", "py:class", "generated/torch.Generator.html#$"


def skorch_entries():
    for page in ("net", "callbacks", "dataset", "history", "helper"):
        module = importlib.import_module(f"skorch.{page}")
        for name, role in _public(module):
            if getattr(getattr(module, name), "__module__", "").startswith("skorch"):
                yield f"skorch.{page}.{name}", role, f"{page}.html#$"
    yield "skorch.NeuralNet", "py:class", "net.html#skorch.net.NeuralNet"


def main():
    import numpy
    import skorch
    import sklearn
    import torch

    OUT.mkdir(exist_ok=True)
    _write("scikit-learn", sklearn.__version__, sklearn_entries(), OUT / "sklearn.inv")
    _write("NumPy", numpy.__version__, numpy_entries(), OUT / "numpy.inv")
    _write("PyTorch", torch.__version__.split("+")[0], torch_entries(), OUT / "torch.inv")
    _write("skorch", skorch.__version__, skorch_entries(), OUT / "skorch.inv")


if __name__ == "__main__":
    main()
