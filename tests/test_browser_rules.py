"""The rules of tools/browser_test.py that need no browser: reading order and required outputs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from browser_test import must_have_output, toc_pages  # noqa: E402


def test_toc_pages_in_reading_order(tmp_path: Path) -> None:
    toc = tmp_path / "_toc.yml"
    toc.write_text(
        "format: jb-book\nroot: book/intro\nparts:\n"
        "  - caption: A\n    chapters:\n      - file: book/a\n        sections:\n          - file: book/a1\n"
        "  - caption: B\n    chapters:\n      - file: book/b.md\n",
        encoding="utf-8",
    )
    assert toc_pages(toc) == ["book/intro", "book/a", "book/a1", "book/b"]


def test_toc_of_this_book_lists_existing_chapters() -> None:
    pages = toc_pages(ROOT / "_toc.yml")
    assert pages[0] == "book/intro"
    assert all((ROOT / f"{page}.md").is_file() for page in pages)


@pytest.mark.parametrize(
    "source",
    [
        "x = 1\nx",
        "mg.grad(f)(4.0) + 1",
        "a, b",
        "print('hi')",
        "for i in range(3):\n    print(i)",
        "fig, ax = plt.subplots()\nax.plot([1, 2])\nplt.show()",
        "%timeit f(1)\nx",
    ],
)
def test_cells_that_must_show_output(source: str) -> None:
    assert must_have_output(source)


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np",
        "x = 1\nx;",
        "def f(x):\n    print(x)",
        "if False:\n    print('never')",
        "fig.tight_layout()",
        "",
        "this is not python(",
    ],
)
def test_cells_that_may_print_nothing(source: str) -> None:
    assert not must_have_output(source)
