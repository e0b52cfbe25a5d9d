"""The API reference page (book/api.md) covers every public name, and its examples run."""

from __future__ import annotations

import doctest
import importlib
import inspect
import re
from pathlib import Path

import numpy as np
import pytest

import minigrad

PAGE = Path(__file__).resolve().parent.parent / "book" / "api.md"
HELPER_MODULES = [f"teaching.{m}" for m in ("finite_diff", "linear", "graph", "dag", "timing", "glue")]
# `.. autofunction:: minigrad.grad`, `.. py:function:: minigrad.exp(x)`,
# `.. automodule:: minigrad.teaching.linear`
ENTRY = re.compile(r"^\s*\.\. (?:auto|py:)(function|class|data|module):: minigrad\.([\w.]+)", re.M)


def page_entries() -> dict[str, str]:
    """Names documented on the page (`minigrad.NAME`), mapped to the kind of entry."""
    return {name: kind for kind, name in ENTRY.findall(PAGE.read_text(encoding="utf-8"))}


# public namespaces of the engine, documented name by name (minigrad.linalg.inv, ...)
NAMESPACES = ["linalg"]


def public_names() -> list[str]:
    names = list(minigrad.__all__)
    for ns in NAMESPACES:
        names += [f"{ns}.{n}" for n in getattr(minigrad, ns).__all__]
    return names


def test_every_public_name_has_an_entry():
    entries = page_entries()
    missing = [name for name in public_names() if name not in entries]
    assert not missing, f"book/api.md has no entry for minigrad.{missing}: add one to its group"


def test_every_entry_is_public():
    public = set(public_names())
    stale = [
        name for name, kind in page_entries().items()
        if name not in (HELPER_MODULES + NAMESPACES if kind == "module" else public)
    ]
    assert not stale, f"book/api.md documents names that are not public: {stale}"


def test_every_helper_module_is_documented():
    entries = page_entries()
    assert [m for m in HELPER_MODULES if entries.get(m) != "module"] == []


@pytest.mark.parametrize("module", HELPER_MODULES)
def test_helper_functions_have_examples(module):
    """Each public function and class of a helper module shows a doctest example."""
    mod = importlib.import_module(f"minigrad.{module}")
    public = [
        obj for name, obj in vars(mod).items()
        if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == mod.__name__ and obj.__doc__
    ]
    assert public
    without = [obj.__name__ for obj in public if ">>>" not in obj.__doc__]
    assert not without, f"minigrad.{module}: no example in the docstring of {without}"


def markdown_doctest(path: Path) -> tuple[int, str]:
    """Run the `>>>` examples of a Markdown file with `mg` and `np` defined:
    (number of examples, report of the failures, empty if none failed)."""
    # A closing code fence ends an example's expected output, like a blank line.
    text = re.sub(r"^\s*```.*$", "", path.read_text(encoding="utf-8"), flags=re.M)
    test = doctest.DocTestParser().get_doctest(text, {"mg": minigrad, "np": np}, path.name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    report: list[str] = []
    runner.run(test, out=report.append)
    return len(test.examples), "".join(report)


def test_page_examples_run():
    """The examples written on the page itself (entries without a docstring) pass as doctests."""
    count, failures = markdown_doctest(PAGE)
    assert count > 0, "no examples found on the page"
    assert not failures, failures
