"""The package's layers, read from its import graph and its source: a module
imports only modules of its own layer or of the layers below, lazily (inside
functions) included, so the layering cannot erode without this test failing;
and every module and class stays small enough to read, or says why not.

Lowest first (the "Layout" section of docs/user_guide/development.md describes
the same tree):
- ``torch``: ``sk_mlp._torch`` (modules, losses, activations, initialisers,
  optimisers, data, the training net and its callbacks; no scikit-learn
  estimator);
- ``common``: ``sk_mlp._common``, what the estimators share;
- ``estimators``: ``sk_mlp.neural_network`` (the MLPs, their base and the
  rules resolving their settings) and ``sk_mlp.linear_model`` (the
  perceptron), which never import each other;
- ``tools``: what uses the estimators from above (``io``, ``comparison``,
  ``preprocessing``, ``plotting``, ``diagnostics``, ``sklearn_defaults``);
- ``entry``: the package's ``__init__`` and ``__main__``.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sk_mlp"

# first component of a module's path inside sk_mlp -> its layer
LAYERS = {
    "torch": {"_torch"},
    "common": {"_common"},
    "estimators": {"neural_network", "linear_model"},
    "tools": {"io", "comparison", "preprocessing", "plotting", "diagnostics",
              "_sklearn_defaults"},
    "entry": {"__init__", "__main__"},
}
RANK = {top: rank for rank, tops in enumerate(LAYERS.values()) for top in tops}

# Estimator subpackages that must not import each other (what both need lives
# in ``_common``).
SIBLINGS = {"neural_network", "linear_model"}

MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 300
# A module or class beyond the limits says why in its docstring with this phrase.
ONE_PIECE = "one piece"


def _modules():
    """Every module of the package, as (dotted name inside sk_mlp, path)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        yield ".".join(parts), path


def _resolve(module, node):
    """Dotted name inside sk_mlp that an ``ImportFrom`` node of ``module``
    imports from, or None for a module outside the package."""
    if node.level == 0:
        name = node.module or ""
        if name == "sk_mlp":
            return ""
        return name[len("sk_mlp."):] if name.startswith("sk_mlp.") else None
    path = Path(*module.split("."))
    is_package = (PACKAGE / path / "__init__.py").exists()
    base = list(module.split(".")) if is_package else list(module.split(".")[:-1])
    if module in ("__init__", "__main__"):
        base = []
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imported_modules(module, path):
    """sk_mlp modules (dotted, inside sk_mlp) imported anywhere in ``path``,
    at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            if target is None:
                continue
            for alias in node.names:  # from . import x: x may be a module
                candidate = f"{target}.{alias.name}" if target else alias.name
                if (PACKAGE / Path(*candidate.split("."))).with_suffix(".py").exists() or (
                        PACKAGE / Path(*candidate.split("."))).is_dir():
                    found.add(candidate)
                    break
            else:
                if target:
                    found.add(target)
        elif isinstance(node, ast.Import):
            found.update(alias.name[len("sk_mlp."):] for alias in node.names
                         if alias.name.startswith("sk_mlp."))
    return found


def _top(module):
    return module.split(".")[0]


def _layer(module):
    return next(name for name, tops in LAYERS.items() if _top(module) in tops)


def test_every_module_has_a_layer():
    tops = {_top(module) for module, _ in _modules()}
    assert tops == set(RANK), (
        f"modules without a layer: {sorted(tops - set(RANK))}; "
        f"layers naming no module: {sorted(set(RANK) - tops)}")


def test_imports_point_down_the_layers():
    upward = []
    for module, path in _modules():
        for target in _imported_modules(module, path):
            if target and RANK[_top(target)] > RANK[_top(module)]:
                upward.append(f"{module} ({_layer(module)}) imports {target} "
                              f"({_layer(target)})")
    assert not upward, upward


def test_the_estimator_subpackages_do_not_import_each_other():
    crossing = [f"{module} imports {target}"
                for module, path in _modules() if _top(module) in SIBLINGS
                for target in _imported_modules(module, path)
                if _top(target) in SIBLINGS - {_top(module)}]
    assert not crossing, crossing


def test_the_reader_finds_imports_inside_functions(tmp_path):
    """The check itself: relative (one or two levels), absolute and lazy
    imports are all found, as modules or as the package they name."""
    source = tmp_path / "example.py"
    source.write_text(
        "from .._torch.module import MLPModule\n"
        "import sk_mlp._torch.training\n"
        "def f():\n"
        "    from ._onnx import to_onnx\n"
        "    from ..comparison import compare\n"
        "    from .. import preprocessing\n"
        "    from sk_mlp.neural_network._base import BaseMLP\n")
    assert _imported_modules("io._format", source) == {
        "_torch.module", "_torch.training", "io._onnx", "comparison", "preprocessing",
        "neural_network._base"}


def _docstring_lines(node_or_source):
    """Numbers of the lines that hold docstrings (not counted as code)."""
    tree = node_or_source if isinstance(node_or_source, ast.AST) else ast.parse(
        node_or_source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                             ast.AsyncFunctionDef)) and ast.get_docstring(node):
            first = node.body[0]
            docstrings.update(range(first.lineno, first.end_lineno + 1))
    return docstrings


def _count_code(source_lines, first, last, docstrings):
    return sum(1 for number in range(first, last + 1)
               if number not in docstrings
               and source_lines[number - 1].strip()
               and not source_lines[number - 1].strip().startswith("#"))


def test_modules_and_classes_stay_readable_or_say_why():
    """No module over ~500 lines of code and no class over ~300 without a
    sentence in its docstring saying why it must be one piece."""
    too_long = []
    for module, path in _modules():
        source = path.read_text()
        lines = source.splitlines()
        tree = ast.parse(source)
        docstrings = _docstring_lines(tree)
        n_module = _count_code(lines, 1, len(lines), docstrings)
        if n_module > MAX_MODULE_LINES and ONE_PIECE not in (ast.get_docstring(tree) or ""):
            too_long.append(f"module {module}: {n_module} lines of code")
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                n_class = _count_code(lines, node.lineno, node.end_lineno, docstrings)
                if n_class > MAX_CLASS_LINES and ONE_PIECE not in (
                        ast.get_docstring(node) or ""):
                    too_long.append(f"class {module}.{node.name}: {n_class} lines")
    assert not too_long, too_long


@pytest.mark.parametrize("module", [module for module, _ in _modules()])
def test_every_module_opens_with_its_job(module):
    path = dict(_modules())[module]
    docstring = ast.get_docstring(ast.parse(path.read_text()))
    assert docstring and docstring.strip(), f"{module} has no docstring"


def test_the_torch_layer_imports_no_scikit_learn_estimator():
    """``_torch`` holds torch pieces only: from scikit-learn at most its
    exceptions and utilities, never an estimator or its base classes."""
    allowed = ("sklearn.exceptions", "sklearn.utils")
    found = []
    for module, path in _modules():
        if _top(module) != "_torch":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import)
                     else [])
            found += [f"{module}: {name}" for name in names
                      if name.startswith("sklearn") and not name.startswith(allowed)]
    assert not found, found
