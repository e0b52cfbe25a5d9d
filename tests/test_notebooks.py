"""Every chapter of the built book is downloadable as .ipynb, matches its source, and runs.

Needs a built book: runs when BOOK_HTML names its HTML directory (``make
notebooks-test`` sets it after ``make book``), and is skipped otherwise, so that
``make test`` does not execute the whole book a second time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from browser_test import toc_pages  # noqa: E402

HTML = Path(os.environ["BOOK_HTML"]).resolve() if os.environ.get("BOOK_HTML") else None
CHAPTERS = [p for p in toc_pages(ROOT / "_toc.yml") if "kernelspec:" in (ROOT / f"{p}.md").read_text()[:1000]]

pytestmark = pytest.mark.skipif(HTML is None, reason="set BOOK_HTML to a built book (make notebooks-test)")


def notebook(chapter: str) -> nbformat.NotebookNode:
    """The chapter's .ipynb as the book offers it for download."""
    path = HTML / "_sources" / f"{chapter}.ipynb"
    assert path.is_file(), f"the build wrote no notebook for {chapter}"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


def test_chapters_are_found() -> None:
    assert "book/intro" in CHAPTERS and len(CHAPTERS) >= 2


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_notebook_matches_its_chapter(chapter: str) -> None:
    nb = notebook(chapter)
    assert "minigrad-setup" in nb.cells[0].metadata.get("tags", [])
    source = jupytext.read(ROOT / f"{chapter}.md")
    expected = [c.source for c in source.cells if c.cell_type == "code"]
    got = [c.source for c in nb.cells[1:] if c.cell_type == "code"]
    assert got == expected


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_notebook_executes(chapter: str) -> None:
    nb = notebook(chapter)
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "book")}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
