"""Sphinx configuration of sk_mlp's documentation site.

Build (the ``docs`` extra): ``python -m sphinx -W -b html docs docs/_build/html``.
The gallery runs ``examples/plot_*.py`` in quick mode unless
``SK_MLP_DOCS_FULL=1``. Nothing is downloaded: the intersphinx inventories of
scikit-learn, NumPy, PyTorch and skorch are local files written by
``docs/make_inventories.py`` from the installed packages.
"""

import os
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))  # the examples import _example

import sk_mlp  # noqa: E402

project = "sk_mlp"
author = "the sk_mlp developers"
copyright = "2026, the sk_mlp developers"
release = version = sk_mlp.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "images/README*"]
templates_path = ["_templates"]
myst_heading_anchors = 3
# every cross-reference must resolve: with -W a broken one fails the build
nitpicky = True
# the gallery configuration holds a function (the examples' argv), which
# Sphinx cannot cache between builds: every build reads it afresh
suppress_warnings = ["myst.header", "config.cache"]

# ------------------------------------------------------------- API pages
autosummary_generate = True
autodoc_default_options = {}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# numpydoc checks every public docstring it renders: a section it cannot
# parse is a warning, and the build runs with -W
numpydoc_validation_checks = {"GL08"}  # every rendered object has a docstring

# ------------------------------------------------------------- the gallery
FULL = os.environ.get("SK_MLP_DOCS_FULL") == "1"
_OUTPUT = tempfile.mkdtemp(prefix="sk_mlp_gallery_")
_SHARED = Path(os.environ.get("SK_MLP_SHARED_DATA", ROOT.parent / "shared" / "data"))
# examples on real data run only where it is (else listed, not executed)
_NEEDS_DATA = {"plot_house_prices.py": "kaggle_house_prices",
               "plot_fashion_mnist.py": "fashion_mnist"}
_missing = [name for name, folder in _NEEDS_DATA.items() if not (_SHARED / folder).exists()]


def _argv(gallery_conf, script_vars):
    return ([] if FULL else ["--quick"]) + ["--output", _OUTPUT]


sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"(_example|make_gallery|quickstart)\.py",
    "reset_argv": _argv,
    "doc_module": ("sk_mlp",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"sk_mlp": None},
    "plot_gallery": "True",
    "abort_on_example_error": True,
    "remove_config_comments": True,
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
    "write_computation_times": False,
    "capture_repr": (),  # a cell's last value (the path save() returns) is not output
}
if _missing:
    print(f"sk_mlp docs: {', '.join(_missing)} not run: no data in {_SHARED}")
    sphinx_gallery_conf["filename_pattern"] = (
        r"/plot_(?!" + "|".join(n[5:-3] for n in _missing) + r")")

# ------------------------------------------------------------- links out
_INV = DOCS / "_inventories"
intersphinx_mapping = {
    "sklearn": ("https://scikit-learn.org/stable/", str(_INV / "sklearn.inv")),
    "numpy": ("https://numpy.org/doc/stable/", str(_INV / "numpy.inv")),
    "torch": ("https://docs.pytorch.org/docs/stable/", str(_INV / "torch.inv")),
    "skorch": ("https://skorch.readthedocs.io/en/stable/", str(_INV / "skorch.inv")),
}

# ------------------------------------------------------------- HTML
html_theme = "pydata_sphinx_theme"
html_title = f"sk_mlp {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"index": []}
