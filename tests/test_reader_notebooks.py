"""Every downloadable chapter runs where readers run it: a bare Python with Colab's packages.

A fresh venv holds only what Colab ships (numpy, scipy, matplotlib, sympy, jax,
ipykernel). Each chapter's .ipynb from the built book runs there with nbclient,
its own first cell installing the rest: minigrad from a clean clone of this
repository (its git URL pointed at the clone with ``file://localhost``, since a reader's
URL is the forge's) and, where the chapter needs them, pyhf and iminuit. minigrad
is uninstalled before each chapter, so every chapter's setup cell is exercised.

Runs when BOOK_HTML names the built HTML and READER_PYTHON the bare venv's
python (``make notebooks-test`` sets both); skipped otherwise. Writes a table of
the results and the setup cells' times to ``_build/reader-notebooks.txt``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
import yaml
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from book_notebooks import SETUP_TAG  # noqa: E402
from browser_test import toc_pages  # noqa: E402

HTML = Path(os.environ["BOOK_HTML"]).resolve() if os.environ.get("BOOK_HTML") else None
READER_PYTHON = os.environ.get("READER_PYTHON")
CHAPTERS = [p for p in toc_pages(ROOT / "_toc.yml") if "kernelspec:" in (ROOT / f"{p}.md").read_text()[:1000]]
REPO_URL = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]["url"].rstrip("/")
REPORT = ROOT / "_build" / "reader-notebooks.txt"

pytestmark = pytest.mark.skipif(
    HTML is None or not READER_PYTHON, reason="set BOOK_HTML and READER_PYTHON (make notebooks-test)"
)


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A clean clone of this repository: what the setup cells install minigrad from."""
    target = tmp_path_factory.mktemp("repo") / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    return target


@pytest.fixture(scope="module")
def kernels(tmp_path_factory) -> KernelSpecManager:
    """A kernel spec that starts the bare venv's Python."""
    kernel_dir = tmp_path_factory.mktemp("kernels") / "reader"
    kernel_dir.mkdir()
    spec = {"argv": [READER_PYTHON, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "reader", "language": "python"}
    (kernel_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return KernelSpecManager(kernel_dirs=[str(kernel_dir.parent)])


def seconds(cell: nbformat.NotebookNode) -> float:
    """Wall time of an executed cell, from nbclient's timing metadata."""
    t = cell.metadata.get("execution", {})
    start, end = t.get("iopub.execute_input"), t.get("shell.execute_reply")
    if not (start and end):
        return float("nan")
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (parse(end) - parse(start)).total_seconds()


def record(line: str) -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    with REPORT.open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def test_the_bare_python_lacks_the_books_tools() -> None:
    """The reader's venv is bare: no myst-nb, no pyhf, no iminuit, no jupyter-book."""
    REPORT.unlink(missing_ok=True)
    record(f"{'chapter':28} {'result':8} {'setup cell (s)':>14} {'whole notebook (s)':>18}")
    for name in ("myst_nb", "jupyter_book", "pyhf", "iminuit"):
        probe = subprocess.run([READER_PYTHON, "-c", f"import {name}"], capture_output=True)
        assert probe.returncode != 0, f"{name} is installed in the reader's venv: it must start bare"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_on_a_bare_python(chapter: str, clone: Path, kernels: KernelSpecManager,
                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    subprocess.run([READER_PYTHON, "-m", "pip", "uninstall", "-q", "-y", "minigrad"], capture_output=True)
    nb = nbformat.read(HTML / "_sources" / f"{chapter}.ipynb", as_version=4)
    setup = nb.cells[0]
    assert SETUP_TAG in setup.metadata.get("tags", [])
    imports_minigrad = f"git+{REPO_URL}@" in setup.source  # chapters with code do; notation does not
    setup.source = setup.source.replace(f"git+{REPO_URL}@", f"git+file://localhost{clone}@")  # pip parses file://localhost/...
    monkeypatch.delenv("PYTHONPATH", raising=False)  # the kernel sees only the bare venv
    km = KernelManager(kernel_name="reader", kernel_spec_manager=kernels)
    client = NotebookClient(nb, km=km, timeout=600, resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    try:
        client.execute()  # raises CellExecutionError on the first failing cell
    except Exception:
        record(f"{chapter:28} {'FAILED':8} {seconds(setup):14.1f} {time.perf_counter() - start:18.1f}")
        raise
    record(f"{chapter:28} {'ran':8} {seconds(setup):14.1f} {time.perf_counter() - start:18.1f}")
    installed = "".join(o.get("text", "") for o in setup.outputs if o.output_type == "stream")
    assert ("minigrad" in installed) == imports_minigrad, "the setup cell installs minigrad where it is used"
