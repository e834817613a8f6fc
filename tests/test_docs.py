"""The documentation site's promises that hold without building it: every
public name has a runnable example (the build itself, ``python -m sphinx -W``,
runs in ``.ci/run`` after the test command), the examples written in the API
page run, and the README stays a front page that points into the site."""

import doctest
import re
import inspect
from pathlib import Path

import pytest

import sk_mlp
import sk_mlp.diagnostics
import sk_mlp.preprocessing

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _api_entries():
    """(qualified name, object) of every entry of docs/api.rst."""
    entries, module = [], "sk_mlp"
    for line in (DOCS / "api.rst").read_text().splitlines():
        if line.startswith(".. currentmodule::"):
            module = line.split("::")[1].strip()
        elif line.startswith(".. data::"):
            entries.append((f"{module}.{line.split('::')[1].strip()}", None))
        elif line.startswith("   ") and line.strip() and not line.strip().startswith(
                (":", ">>>", "...")) and line.strip().isidentifier():
            name = line.strip()
            entries.append((f"{module}.{name}",
                            getattr(__import__(module, fromlist=[name]), name)))
    return entries


def test_every_public_name_has_an_api_entry():
    listed = {name for name, _ in _api_entries()}
    public = {f"sk_mlp.{name}" for name in sk_mlp.__all__ if name != "__version__"}
    public |= {f"sk_mlp.preprocessing.{n}" for n in ("TabularPreprocessor", "column_kinds")}
    public |= {f"sk_mlp.diagnostics.{n}" for n in sk_mlp.diagnostics.__all__}
    assert public - listed == set(), "public names without an API page"


@pytest.mark.parametrize("name, obj", [e for e in _api_entries() if e[1] is not None],
                         ids=[e[0] for e in _api_entries() if e[1] is not None])
def test_every_api_entry_has_a_runnable_example(name, obj):
    """The docstring's Examples section holds doctest lines (which the
    suite's --doctest-modules runs)."""
    doc = inspect.getdoc(obj) or ""
    assert re.search(r"^\s*Examples\n\s*--------", doc, re.M) and ">>>" in doc, \
        f"{name}: no example"


def test_the_examples_written_in_the_api_page_run():
    failed, attempted = doctest.testfile(str(DOCS / "api.rst"), module_relative=False,
                                         optionflags=doctest.ELLIPSIS)
    assert attempted >= 4 and failed == 0


def test_the_readme_is_a_front_page_that_links_into_the_site():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < 200
    for page in ("user_guide/estimators.md", "user_guide/quality.md", "api.rst",
                 "user_guide/compare.md", "user_guide/persistence.md"):
        assert f"docs/{page}" in readme, page
        assert (DOCS / page).exists(), page
