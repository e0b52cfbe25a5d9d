"""The engine stands apart from the book's teaching helpers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "minigrad"


def test_importing_minigrad_loads_no_helper_and_no_matplotlib() -> None:
    code = ("import sys, minigrad; print(sorted(m for m in sys.modules "
            "if m.startswith(('matplotlib', 'minigrad.teaching', 'IPython'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_engine_modules_never_import_the_helpers() -> None:
    offenders = []
    for path in sorted(ENGINE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            offenders += [f"{path.name}: {n}" for n in names if "teaching" in n or "matplotlib" in n]
    assert offenders == []


def test_importing_glue_is_free() -> None:
    """A downloaded chapter's `from minigrad.teaching import glue` loads no IPython or myst-nb."""
    code = ("import sys; from minigrad.teaching import glue; "
            "print(sorted(m for m in sys.modules if m.startswith(('IPython', 'myst_nb', 'matplotlib'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
