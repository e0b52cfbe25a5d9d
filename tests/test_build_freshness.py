"""`make book` never shows outputs of old code, and stays incremental for prose edits.

In a copy of the repository, a two-page book (a probe chapter that prints what a
minigrad helper returns, and the build report) is built with `make book TOC=...`;
then the helper changes, and the page must show the new text. A prose edit must
re-use the execution cache, and a cell error must fail the build.

It builds the book four times (about a minute), so it runs only with
BOOK_FRESHNESS=1: `make freshness-test`, which .ci/run runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    os.environ.get("BOOK_FRESHNESS") != "1", reason="builds the book: set BOOK_FRESHNESS=1"
)

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""

PROBE = HEADER + """
# Probe

{prose}

```{{code-cell}} ipython3
from minigrad import _probe

print(_probe.message())
```
"""

TOC = """format: jb-book
root: book/probe
chapters:
  - file: book/build_report
"""


def copy_repository(target: Path) -> None:
    """The working tree's files (tracked and untracked, not ignored), with .venv and _vendor linked."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if name.split("/")[0] in {".venv", "_vendor"} or not source.is_file():
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)
    for link in (".venv", "_vendor"):
        if (ROOT / link).exists():
            (target / link).symlink_to((ROOT / link).resolve())


def make_book(repo: Path) -> subprocess.CompletedProcess:
    """`make book` on the small TOC, importing the copy's minigrad; never reinstalls the venv."""
    env = {**os.environ, "PYTHONPATH": str(repo)}
    return subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "book", f"TOC={repo / 'toc.yml'}"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900,
    )


def html(repo: Path, page: str) -> str:
    return (repo / "_build" / "html" / "book" / f"{page}.html").read_text(encoding="utf-8")


def built(result: subprocess.CompletedProcess) -> str:
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    return log


def test_outputs_follow_the_package_and_prose_edits_stay_incremental(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    copy_repository(repo)
    helper = repo / "minigrad" / "_probe.py"
    chapter = repo / "book" / "probe.md"
    (repo / "toc.yml").write_text(TOC, encoding="utf-8")
    helper.write_text('def message() -> str:\n    return "probe-old-output"\n', encoding="utf-8")
    chapter.write_text(PROBE.format(prose="First prose."), encoding="utf-8")

    log = built(make_book(repo))
    assert "executing every chapter" in log
    assert "probe-old-output" in html(repo, "probe")
    report = html(repo, "build_report")  # the nb-exec-table lists the chapter and its status
    assert "book/probe" in report and "✅" in report

    # A prose edit: the chapter is read again but not executed, and nothing else is re-read.
    chapter.write_text(PROBE.format(prose="Second prose."), encoding="utf-8")
    log = built(make_book(repo))
    assert "executing every chapter" not in log and "Executing notebook" not in log
    assert "Using cached notebook" in log
    assert "Second prose." in html(repo, "probe") and "probe-old-output" in html(repo, "probe")

    # A change to the package only: every chapter is executed again with the new code.
    helper.write_text('def message() -> str:\n    return "probe-new-output"\n', encoding="utf-8")
    log = built(make_book(repo))
    page = html(repo, "probe")
    assert "probe-new-output" in page and "probe-old-output" not in page
    assert "executing every chapter" in log and "Executing notebook" in log

    # The build stays strict: a cell error fails it.
    chapter.write_text(
        PROBE.format(prose="Broken.") + '\n```{code-cell} ipython3\nraise RuntimeError("deliberate")\n```\n',
        encoding="utf-8",
    )
    result = make_book(repo)
    assert result.returncode != 0
    assert "deliberate" in result.stdout + result.stderr
