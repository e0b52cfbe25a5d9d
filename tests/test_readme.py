"""Every ```python block of README.md runs, in order, in one namespace.

A line `expression  # value` whose comment is a Python literal (or `about
literal ...`) must evaluate to that value (to rounding, or to 1e-6 for
"about"), so the README's claimed results are checked too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def python_blocks() -> list[str]:
    return BLOCK.findall(README.read_text(encoding="utf-8"))


def claimed_value(comment: str) -> tuple[object, float] | None:
    """The value a trailing comment claims and its relative tolerance, or None for prose."""
    text, rtol = comment.strip(), 1e-12
    if text.startswith("about "):
        text, rtol = text.removeprefix("about ").split(" ")[0], 1e-6
    try:
        return ast.literal_eval(text), rtol
    except (ValueError, SyntaxError):
        return None


def run_block(source: str, namespace: dict) -> int:
    """Execute one block statement by statement; return how many claimed values were checked."""
    lines = source.splitlines()
    checked = 0
    for stmt in ast.parse(source).body:
        code = compile(ast.Module([stmt], []), str(README), "exec")
        if not isinstance(stmt, ast.Expr):
            exec(code, namespace)
            continue
        value = eval(compile(ast.Expression(stmt.value), str(README), "eval"), namespace)
        line = lines[stmt.end_lineno - 1]
        tail = line[stmt.end_col_offset :]
        claim = claimed_value(tail.split("#", 1)[1]) if "#" in tail else None
        if claim is not None:
            expected, rtol = claim
            np.testing.assert_allclose(np.asarray(value, dtype=float), np.asarray(expected, dtype=float),
                                       rtol=rtol, err_msg=f"README: {line.strip()}")
            checked += 1
    return checked


def test_readme_has_python_examples():
    assert len(python_blocks()) >= 2


def test_readme_python_blocks_run():
    namespace: dict = {"__name__": "readme"}
    checked = sum(run_block(block, namespace) for block in python_blocks())
    assert checked >= 3, f"only {checked} commented results were checked"


@pytest.mark.parametrize(
    "source", ["1.0 + 1.0  # 3.0", "x = 1.0\n(x, 2 * x)  # (1.0, 3.0)", "2.0  # about 2.1"]
)
def test_a_wrong_claim_fails(source):
    """The checker itself: a wrong commented value is caught."""
    with pytest.raises(AssertionError):
        run_block(source + "\n", {})


def test_prose_comments_are_not_claims():
    assert run_block("f = '#'  # a string\n1.0  # one, as a float\n2.0  # 2.0\n", {}) == 1
