"""Mutation check for minigrad's derivative rules (not run in CI).

Each mutant is a small, plausible bug in `primitives.py`, `forward.py`,
`reverse.py`, `core.py`, `custom.py`, `batching.py` or `linearize.py`. For each
one the package and the tests are copied to a temporary directory (the working
tree is never touched), the bug is applied there, and the tests aimed at that
rule run; a mutant is *killed* when they fail.
Prints kills/total. (The whole suite kills each of them too, only slower.)

    PYTHONPATH=$PWD .venv/bin/python tools/mutants.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
S, E = "tests/test_structural.py", "tests/test_semantics.py"
P = "tests/test_primitives.py"
CK, CU, V = "tests/test_issue18_checkpoint.py", "tests/test_issue18_custom.py", "tests/test_issue18_vmap.py"

# name: (file, original text, mutated text, the relevant tests: pytest arguments)
MUTANTS = {
    "transpose VJP without the inverse permutation": (
        "primitives.py", "transpose(g, _inverse_permutation(axes, len(shape_of(x))))", "transpose(g, axes)",
        [S, "-k", "transpose"]),
    "tangents not broadcast to the output": (
        "forward.py", "out = fit_tangent(out, ans, prim)", "pass", [S, "-k", "scalar_meets"]),
    "x ** 0 gives 0": (
        "primitives.py", "return zeros_like(x) + 1.0", "return zeros_like(x)", [E, "-k", "edge"]),
    "integer_pow rule wrong for negative n": (
        "primitives.py", "lambda a, x, n: n * power(x, n - 1)",
        "lambda a, x, n: n * power(x, n - 1 if n > 0 else n + 1)", [E, "-k", "edge"]),
    "two outputs on one tape slot overwrite each other's seed": (
        "reverse.py",
        "adjoint[slot] = g if adjoint[slot] is None else adjoint[slot] + g", "adjoint[slot] = g",
        [S, "-k", "outputs"]),
    "batched matmul VJP forgets to transpose": (
        "primitives.py", "(n - 1, n - 2))", "(n - 2, n - 1))", [S, "-k", "matmul"]),
    "sum VJP ignores negative axes": (
        "primitives.py", "axes = {a % len(shape) for a in axes}", "axes = set(axes)",
        [S, "-k", "reductions"]),
    "unbroadcast forgets size-1 axes": (
        "primitives.py", "if n == 1 and gshape[lead + i] != 1", "if False", [P, "-k", "binary"]),
    "getitem VJP drops repeated indices": (
        "primitives.py",
        "return _scalar(np.bincount(np.ravel(flat), weights=np.ravel(g), minlength=size).reshape(shape))",
        "out = np.zeros(size)\n    out[np.ravel(flat)] = np.ravel(g)\n    return _scalar(out.reshape(shape))",
        [S, "-k", "indexing"]),
    "abs derivative 0 at 0 (np.sign)": (
        "primitives.py", "np.where(concrete(x) >= 0, 1.0, -1.0)", "np.sign(concrete(x))", [E, "-k", "abs"]),
    "maximum gives the whole derivative to x on ties": (
        "primitives.py", "np.where(x == y, 0.5, 0.0)", "np.where(x == y, 1.0, 0.0)", [E, "-k", "edge"]),
    "d(x**y)/dy = log(x) * x**y taken literally at x = 0": (
        "primitives.py", "log(_nonzero(x)) * a", "log(x) * a", [E, "-k", "edge"]),
    "division by zero on floats returns 0 instead of inf": (
        "primitives.py", "except ZeroDivisionError:\n        return _ieee(np.divide, x, y)",
        "except ZeroDivisionError:\n        return 0.0", [E, "-k", "edge"]),
    "LINEAR JVP uses a constant argument's value as its tangent": (
        "forward.py", "zeros_like(p) if t is None else t", "p if t is None else t", [S, "-k", "stack"]),
    # issue 18: custom rules, checkpoint, vmap, linearize
    "checkpoint records its closures on the tape (no capture)": (
        "custom.py", "with substitute(trace, capture), _no_closures(",
        "with contextlib.nullcontext(), _no_closures(",
        [CK, "-k", "issue_cases"]),
    "custom_vjp does not look for closed-over values": (
        "custom.py", "with _no_closures([trace], \"custom_vjp\", name, funcs, above=[trace]):",
        "with _no_closures([], \"custom_vjp\", name, funcs, above=[trace]):",
        [CU, "-k", "custom_vjp_closing"]),
    "custom_jvp tangent shapes not checked (broadcast silently)": (
        "custom.py", "            if shape_of(p) != shape_of(t):", "            if False:",
        [CU, "-k", "wrong_tangent_shape"]),
    "custom_vjp cotangent shapes not checked (summed silently)": (
        "custom.py", "            if shape_of(ct) != shape_of(x):", "            if False:",
        [CU, "-k", "cotangent_structure_or_shape"]),
    "checkpoint reuses the cotangents of another output": (
        "custom.py", "if cache[0] is not g or cache[1] is None or cache[1][0] != k:", "if cache[1] is None:",
        [CK, "-k", "one_point"]),
    "ended traces keep their level (replays mix up levels)": (
        "core.py", "        self.trace.level = _ENDED", "        pass", [CK, "-k", "one_point"]),
    "vmap keeps the batch axis first for separated advanced indices": (
        "batching.py", "        return new, len(np.broadcast_shapes(",
        "        return new, 0 * len(np.broadcast_shapes(", [V, "-k", "issue_indexing"]),
    "vmap: integers not counted as advanced indices": (
        "batching.py", "isinstance(ix, (list, np.ndarray, int, np.integer)) and not isinstance(ix, bool)]",
        "isinstance(ix, (list, np.ndarray))]", [V, "-k", "issue_indexing"]),
    "vmap: batched gather without moving the advanced axes into place": (
        "batching.py", "    return (out if perm is None else P.transpose(out, perm)), 0", "    return out, 0",
        [V, "-k", "batched_index"]),
    "vmap: keyword arguments not mapped": (
        "batching.py", "axes += [0] * (len(leaves) - len(axes))",
        "axes += [None] * (len(leaves) - len(axes))", [V, "-k", "keyword"]),
    "vmap: an empty batch loses the per-example shape": (
        "batching.py", "np.moveaxis(np.zeros((0, *shape_of(o))), 0, ax)", "np.zeros((0,))",
        [V, "-k", "keyword"]),
    "vmap: a custom body's closure sees the whole batch, not its example": (
        "batching.py", "lambda c, b=b: _take(c.val, c.bdim, b)", "lambda c, b=b: c.val",
        [CU, "-k", "batched_values"]),
    "linearize gives float64 tangents for float32 inputs": (
        "linearize.py", "else dots[s], dtype) for v, s", "else dots[s], None) for v, s",
        [CK, "-k", "float32"]),
    "linearize follows only one tangent per entry": (
        "linearize.py", "for i, t in ts.items():", "for i, t in list(ts.items())[:1]:",
        ["tests/test_custom_api.py", "-k", "linearize"]),
}


def run_mutant(name: str, spec: tuple, verbose: bool) -> bool:
    """Apply one mutant in a temporary copy and run its tests: True if killed."""
    file, old, new, pytest_args = spec
    with tempfile.TemporaryDirectory(prefix="minigrad-mutant-") as tmp:
        tmp = Path(tmp)
        shutil.copytree(ROOT / "minigrad", tmp / "minigrad")
        shutil.copytree(ROOT / "tests", tmp / "tests")
        shutil.copy(ROOT / "pyproject.toml", tmp / "pyproject.toml")
        path = tmp / "minigrad" / file
        src = path.read_text()
        if src.count(old) != 1:
            raise SystemExit(f"mutant {name!r}: the text to mutate is not found exactly once in {file}")
        path.write_text(src.replace(old, new))
        env = dict(os.environ, PYTHONPATH=str(tmp))
        cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *pytest_args]
        proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        tail = proc.stdout[-2000:] + proc.stderr[-2000:]
        raise SystemExit(f"mutant {name!r}: pytest did not run the tests\n{tail}")
    killed = proc.returncode == 1
    if verbose and killed:
        failed = [ln for ln in proc.stdout.splitlines() if ln.startswith("FAILED")]
        print("    " + (failed[0] if failed else "failed"))
    return killed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="*", help="run only mutants whose name contains one of these")
    parser.add_argument("-v", "--verbose", action="store_true", help="show the first failing test")
    args = parser.parse_args()
    chosen = {k: v for k, v in MUTANTS.items() if not args.only or any(o in k for o in args.only)}
    kills = 0
    for name, spec in chosen.items():
        t0 = time.perf_counter()
        killed = run_mutant(name, spec, args.verbose)
        kills += killed
        status = "killed  " if killed else "SURVIVED"
        print(f"{status}  {name}  ({time.perf_counter() - t0:.0f} s)", flush=True)
    print(f"{kills}/{len(chosen)} mutants killed")
    sys.exit(0 if kills == len(chosen) else 1)


if __name__ == "__main__":
    main()
