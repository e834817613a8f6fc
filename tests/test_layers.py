"""The package's layers, read from its import graph: a module imports only
modules of its own layer or of the layers below, lazily (inside functions)
included, so the layering cannot erode without this test failing.

Lowest first:
- ``torch``: modules, losses, activations, initialisers, optimisers, data,
  the training net and its callbacks, the perceptron's epoch kernels, and the
  rules that resolve a fit's settings (no scikit-learn estimator);
- ``estimators``: the public estimators, their shared base and its mixins;
- ``tools``: what uses the estimators from above (comparison, preprocessing,
  persistence, ONNX, plotting, diagnostics, the command line);
- ``entry``: the package's ``__init__`` and ``__main__``.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "sk_mlp"

LAYERS = {
    "torch": {"_activations", "_data", "_device", "_init", "_lbfgs", "_losses",
              "_mistake_driven", "_module", "_net", "_optim", "_safe_math", "_scaling",
              "_settings"},
    "estimators": {"_base", "_classifier", "_docs", "_fitted", "_perceptron",
                   "_regressor", "_sklearn_defaults", "_state"},
    "tools": {"_cli", "_compare", "_onnx", "_persistence", "_plotting", "diagnostics",
              "preprocessing"},
    "entry": {"__init__", "__main__"},
}
RANK = {module: rank for rank, modules in enumerate(LAYERS.values()) for module in modules}


def _imported_modules(path):
    """sk_mlp modules imported anywhere in ``path`` (module level or inside
    functions), by their name in the package."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                target = node.module
            elif node.level == 0 and (node.module or "").startswith("sk_mlp"):
                target = node.module[len("sk_mlp."):] if "." in node.module else None
            else:
                continue
            if target is None:  # from . import x / from sk_mlp import x
                found.update(alias.name for alias in node.names
                             if (PACKAGE / f"{alias.name}.py").exists())
            else:
                found.add(target.split(".")[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sk_mlp."):
                    found.add(alias.name.split(".")[1])
    return found


def test_every_module_has_a_layer():
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    assert modules == set(RANK), (
        f"modules without a layer: {sorted(modules - set(RANK))}; "
        f"layers naming no module: {sorted(set(RANK) - modules)}")


def test_imports_point_down_the_layers():
    upward = []
    for path in PACKAGE.glob("*.py"):
        for target in _imported_modules(path):
            if RANK[target] > RANK[path.stem]:
                upward.append(f"{path.stem} ({_layer(path.stem)}) imports {target} "
                              f"({_layer(target)})")
    assert not upward, upward


def test_the_reader_finds_imports_inside_functions(tmp_path):
    """The check itself: relative, absolute and lazy imports are all found."""
    source = tmp_path / "example.py"
    source.write_text(
        "from ._module import MLPModule\n"
        "import sk_mlp._net\n"
        "def f():\n"
        "    from ._compare import compare\n"
        "    from sk_mlp._onnx import to_onnx\n"
        "    from . import preprocessing\n")
    assert _imported_modules(source) == {"_module", "_net", "_compare", "_onnx",
                                         "preprocessing"}


def _layer(module):
    return next(name for name, modules in LAYERS.items() if module in modules)
