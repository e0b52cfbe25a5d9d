"""Every chapter of the built book is downloadable as .ipynb and matches its source.

(That each one runs on a reader's bare Python is tests/test_reader_notebooks.py.)

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
