"""The cases of issue 18, side by side: minigrad before the fix, minigrad now, JAX (x64).

    PYTHONPATH=$PWD .venv/bin/python tools/issue18_cases.py [--before COMMIT]

"Before" runs the same cases in a subprocess on minigrad as of COMMIT (default
77c027f, the commit the fix started from), extracted with `git archive` into a
temporary directory; "now" runs them on the working tree. Each cell is the
result (rounded) or the class of the error raised.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def show(v) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {show(v[k])}" for k in sorted(v)) + "}"
    if isinstance(v, (tuple, list)):
        return "(" + ", ".join(show(x) for x in v) + ")"
    if isinstance(v, (bool, np.bool_)):
        return repr(bool(v))
    try:
        a = np.asarray(v)
    except Exception:  # noqa: BLE001
        return type(v).__name__
    if a.dtype == object:
        return type(v).__name__
    if a.ndim == 0:
        return f"{a.item():.7g}" if a.dtype.kind != "c" else f"{a.item():.4g}"
    if a.size > 6:
        return f"shape {a.shape} {a.dtype}"
    body = np.array2string(a, precision=6, separator=",", suppress_small=True).replace("\n", "")
    return f"{body} {a.dtype}" if a.dtype != np.float64 else body


def cases(mg, jnp, jax, lib: str) -> dict:
    """name -> thunk; `lib` is "mg" or "jax" (the same case, written in each)."""
    J = lib == "jax"
    sin, cos, tanh, exp, summ = (
        (jnp.sin, jnp.cos, jnp.tanh, jnp.exp, jnp.sum) if J else (mg.sin, mg.cos, mg.tanh, mg.exp, mg.sum)
    )
    grad, jvp, vjp, vmap, checkpoint = (
        (jax.grad, jax.jvp, jax.vjp, jax.vmap, jax.checkpoint)
        if J
        else (mg.grad, mg.jvp, mg.vjp, mg.vmap, mg.checkpoint)
    )
    linearize = jax.linearize if J else mg.linearize
    custom_jvp, custom_vjp = (jax.custom_jvp, jax.custom_vjp) if J else (mg.custom_jvp, mg.custom_vjp)
    c = {}

    def ck_closure():
        def f(w, x):
            return checkpoint(lambda x: w * sin(x))(x)

        return grad(f, argnums=(0, 1))(2.0, 0.5)

    c["1 checkpoint closing over w: grad (w, x)"] = ck_closure

    W = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [0.3, 0.2, 0.1]])
    x0 = np.array([0.3, -0.2, 0.5])

    def ck_layers(argnum):
        def f(W, x):
            layer = checkpoint(lambda h: tanh(W @ h))
            return summ(layer(layer(x)))

        return lambda: np.ravel(grad(f, argnums=argnum)(W, x0))[:3]

    c["1 two checkpointed tanh layers: grad W"] = ck_layers(0)
    c["1 two checkpointed tanh layers: grad x"] = ck_layers(1)

    def ck_second():
        def f(w, x):
            return checkpoint(lambda x: w * sin(x))(x)

        return grad(grad(f, argnums=1), argnums=0)(2.0, 0.5)

    c["1 checkpoint closure: d2/dw dx"] = ck_second

    def cvjp_closure():
        def f(w, x):
            @custom_vjp
            def g(x):
                return w * sin(x)

            g.defvjp(lambda x: (g(x), x), lambda x, gbar: (gbar * w * cos(x),))
            return g(x)

        return grad(f, argnums=(0, 1))(2.0, 0.5)

    c["2 custom_vjp closing over w: grad (w, x)"] = cvjp_closure

    def cjvp_closure():
        def f(w, x):
            @custom_jvp
            def g(x):
                return w * sin(x)

            g.defjvp(lambda p, t: (g(p[0]), w * cos(p[0]) * t[0]))
            return g(x)

        return jvp(f, (2.0, 0.5), (1.0, 1.0))

    c["3 custom_jvp closing over w: jvp (w, x) along (1, 1)"] = cjvp_closure

    def lin_cvjp():
        @custom_vjp
        def g(x):
            return sin(x)

        g.defvjp(lambda x: (sin(x), x), lambda x, gbar: (gbar * cos(x),))
        return linearize(g, 0.5)[1](1.0)

    c["4 linearize through custom_vjp: tangent"] = lin_cvjp
    c["4 linearize through checkpoint: tangent"] = lambda: linearize(checkpoint(sin), 0.5)[1](1.0)

    x4 = np.arange(2 * 3 * 4 * 5 * 6.0).reshape(2, 3, 4, 5, 6)[0]
    c["5 vmap x[0, :, [0, 1]] shape (3,4,5,6)"] = lambda: np.shape(
        vmap(lambda x: x[0, :, np.array([0, 1])])(x4)
    )
    c["5 vmap x[[0, 1], :, 0] shape (3,4,5,6)"] = lambda: np.shape(
        vmap(lambda x: x[np.array([0, 1]), :, 0])(x4)
    )
    x2 = x4[:2]
    c["5 vmap x[0, :, [0, 1]] values, batch 2"] = lambda: float(
        np.abs(
            np.asarray(vmap(lambda x: x[0, :, np.array([0, 1])])(x2)) - x2[:, 0, :, [0, 1]].swapaxes(0, 1)
        ).max()
    )

    lse = jax.nn.logsumexp if J else mg.logsumexp
    big = np.array([1e12, 1e12])
    huge = np.array([1e300, 1e300])
    c["6 grad logsumexp [1e12, 1e12]"] = lambda: grad(lse)(big)
    c["6 hessian logsumexp [1e12, 1e12]"] = lambda: (jax.hessian if J else mg.hessian)(lse)(big)
    c["6 grad logsumexp [1e300, 1e300]"] = lambda: grad(lse)(huge)
    c["6 hessian logsumexp [1e300, 1e300]"] = lambda: (jax.hessian if J else mg.hessian)(lse)(huge)

    c["7 sum([1+2j, 3j])"] = lambda: summ(np.array([1 + 2j, 3j]))
    c["7 grad |exp(1j x)| at 0.3"] = lambda: grad(lambda x: (jnp.abs if J else mg.abs)(exp(1j * x)))(0.3)

    c["8 linearize float32 tangent dtype"] = lambda: (
        np.asarray(linearize(sin, np.float32([0.5]))[1](np.float32([1.0]))).dtype.name
    )
    c["9 grad of a bool output"] = lambda: grad(lambda x: x > 0)(1.0)
    a, b = np.ones((2, 2, 3)), np.ones((2, 3, 4))
    c["10 dot (2,2,3) (2,3,4) shape"] = lambda: np.shape((jnp.dot if J else mg.dot)(a, b))

    # crashes and missing pieces
    xv = np.arange(12.0).reshape(3, 4)
    iv = np.array([2, 0, 1])
    # a numpy x is not traced by vmap(in_axes=None): numpy indexing meets a tracer (JAX raises too);
    # a jnp array in JAX, a traced value in minigrad (here under grad) give the gather
    c["C vmap x[i], in_axes=(None, 0), x numpy"] = lambda: vmap(lambda x, i: x[i], in_axes=(None, 0))(
        xv[0], iv
    )
    xj = jnp.asarray(xv[0]) if J else xv[0]
    c["C vmap grad of x[i] ** 2, in_axes=(None, 0)"] = lambda: vmap(
        grad(lambda x, i: x[i] ** 2), in_axes=(None, 0)
    )(xj, iv)
    c["C vmap x[i], both batched"] = lambda: vmap(lambda x, i: x[i])(xv, iv)
    c["C vmap grad sum x[i]**2, both batched"] = lambda: vmap(grad(lambda x, i: x[i] ** 2))(xv, iv)
    relu = lambda x: summ((jnp.maximum if J else mg.maximum)(x, 0.0))  # noqa: E731
    c["C vmap grad relu on (0, 3)"] = lambda: np.shape(vmap(grad(relu))(np.zeros((0, 3))))
    c["C vmap keyword argument"] = lambda: vmap(lambda x, y: x * y)(np.ones(3), y=np.arange(3.0))
    c["C vmap axis_size=3"] = lambda: vmap(lambda x: x * 2.0, in_axes=None, axis_size=3)(1.5)

    def cjvp_dict():
        @custom_jvp
        def g(x):
            return {"a": sin(x), "b": x}

        g.defjvp(lambda p, t: (g(p[0]), {"a": cos(p[0]) * t[0], "b": t[0]}))
        return grad(lambda x: g(x)["a"] + g(x)["b"])(0.5)

    c["C custom_jvp returning a dict: grad"] = cjvp_dict

    def defjvps():
        @custom_jvp
        def g(x, y):
            return x * y

        g.defjvps(lambda t, ans, x, y: t * y, lambda t, ans, x, y: t * x)
        return grad(g, argnums=(0, 1))(2.0, 3.0)

    c["C custom_jvp.defjvps"] = defjvps

    def kwargs():
        @custom_vjp
        def g(x, y):
            return x * y

        g.defvjp(lambda x, y: (g(x, y), (x, y)), lambda r, gb: (gb * r[1], gb * r[0]))
        return grad(lambda x: g(x, y=3.0))(2.0)

    c["C custom_vjp called with a keyword"] = kwargs
    c["C checkpoint called with a keyword"] = lambda: grad(
        lambda x: checkpoint(lambda x, y: x * y)(x, y=3.0)
    )(2.0)

    def lin_aux():
        y, f_jvp, aux = (
            linearize(lambda x: (sin(x), cos(x)), 0.5, has_aux=True)
            if not J
            else jax.linearize(lambda x: (sin(x), cos(x)), 0.5, has_aux=True)
        )
        return y, f_jvp(1.0), aux

    c["C linearize has_aux"] = lin_aux
    sp = jax.nn.softplus if J else getattr(mg, "softplus", None)
    c["C softplus(1000), grad at 1000, -1000"] = lambda: (sp(1000.0), grad(sp)(1000.0), grad(sp)(-1000.0))

    # errors that were not raised
    def cjvp_scalar_tangent():
        @custom_jvp
        def g(x):
            return x * np.ones(3)

        g.defjvp(lambda p, t: (g(p[0]), t[0]))
        return jvp(g, (1.0,), (1.0,))

    c["E custom_jvp scalar tangent for a (3,) output"] = cjvp_scalar_tangent

    def cvjp_structure():
        @custom_vjp
        def g(p):
            return p["a"] * p["b"]

        g.defvjp(lambda p: (g(p), p), lambda p, gb: ({"a": gb, "c": gb},))
        return grad(g)({"a": 1.0, "b": 2.0})

    c["E custom_vjp bwd returns the wrong dict keys"] = cvjp_structure

    def cvjp_shape():
        @custom_vjp
        def g(x):
            return 2.0 * x

        g.defvjp(lambda x: (g(x), None), lambda r, gb: (gb * np.ones(3),))
        return grad(g)(1.0)

    c["E custom_vjp bwd returns (3,) for a scalar"] = cvjp_shape
    c["E grad of a complex output"] = lambda: grad(lambda x: exp(1j * x))(0.3)
    c["E abs'(0)"] = lambda: grad(jnp.abs if J else mg.abs)(0.0)
    return c


def run(lib: str) -> dict:
    if lib == "jax":
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_platforms", "cpu")
        mg = None
    else:
        jax = jnp = None
        import minigrad as mg
    out = {}
    for name, thunk in cases(mg, jnp, jax, lib).items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[name] = show(thunk())
        except Exception as e:  # noqa: BLE001
            out[name] = f"{type(e).__name__}"
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", default="77c027f")
    p.add_argument("--json", choices=["mg", "jax"], help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.json:
        print(json.dumps(run(a.json)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", a.before, "minigrad"], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        env = dict(os.environ, PYTHONPATH=tmp)
        res = subprocess.run(
            [sys.executable, __file__, "--json", "mg"], env=env, capture_output=True, text=True
        )
        if res.returncode:
            raise SystemExit(res.stderr)
        before = json.loads(res.stdout)
    now = run("mg")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, __file__, "--json", "jax"], env=env, capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(res.stderr)
    ref = json.loads(res.stdout)
    print("| case | minigrad before | minigrad now | JAX x64 |")
    print("|---|---|---|---|")
    for k in now:
        print(f"| {k} | {before.get(k, '')} | {now[k]} | {ref[k]} |")


if __name__ == "__main__":
    main()
