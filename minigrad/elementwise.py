"""More elementwise primitives (issue 19): the table of `primitives.py`, continued.

Each row names a value rule and the partial derivative(s) d(ans)/d(x_i), written
with minigrad's own operations so that derivatives of derivatives work. Forward
mode multiplies a tangent by them, reverse mode a cotangent (see
`primitives.elementwise`). `a` is the output, `x`, `y` the inputs.

Piecewise-constant functions (`sign`, `floor`, `ceil`, `round`, `trunc`,
`floor_divide`) have
derivative 0 everywhere, also at their jumps, as in JAX: their rules return an
exact zero (not 0 * tangent, which would be nan for an infinite tangent).
"""

from __future__ import annotations

import math
from math import comb, factorial

import numpy as np

from . import primitives as P
from .batching import batch_rules, elementwise_rule
from .core import EachArg, Primitive, concrete
from .primitives import _on, _on2, _scalar, divide, elementwise, exp, sqrt, zeros_like

_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _exp2(x):
    return 2.0**x if type(x) is float else np.exp2(x)


def _floats(np_fn):
    """`np_fn` with Python floats out for Python floats in."""
    return lambda x, y: _scalar(np_fn(x, y))


def _mask(condition):
    """A float 0/1 mask of a condition on concrete values (a constant)."""
    return _scalar(np.where(condition, 1.0, 0.0))


def _fmax_wins(x, y):
    """Where np.fmax picks x (as jnp.fmax: x > y, or y is nan; ties go to y)."""
    x, y = concrete(x), concrete(y)
    return _mask((x > y) | np.isnan(y))


def _fmin_wins(x, y):
    x, y = concrete(x), concrete(y)
    return _mask((x < y) | np.isnan(y))


def _sinc_derivative(x, k):
    """The k-th derivative of sinc(x) = sin(pi x) / (pi x), u = pi x: for |u| < 1
    its Maclaurin series sum_n (-1)^n u^(2n) / (2n+1)!, differentiated k times
    (exact at 0, no cancellation near it); elsewhere Leibniz's rule on sin(u) * (1/u)."""
    u = np.pi * np.asarray(x, dtype=float)
    small = np.abs(u) < 1.0
    us = np.where(small, u, 0.0)
    series = np.zeros_like(u)
    for n in range((k + 1) // 2, (k + 1) // 2 + 20):  # terms with 2n >= k
        coefficient = (-1) ** n * factorial(2 * n) / (factorial(2 * n - k) * factorial(2 * n + 1))
        series = series + coefficient * us ** (2 * n - k)
    safe = np.where(small, 1.0, u)
    leibniz = np.zeros_like(u)
    for j in range(k + 1):  # d^j sin(u) = sin(u + j pi/2);  d^i (1/u) = (-1)^i i! / u^(i+1)
        i = k - j
        leibniz = leibniz + comb(k, j) * np.sin(safe + j * np.pi / 2) * (-1) ** i * factorial(i) / safe ** (
            i + 1)
    return _scalar(np.pi**k * np.where(small, series, leibniz))


def _quotient(a, x, y):
    """The integer q with x = q y + mod(x, y): rounded from (x - a) / y, so that it
    agrees with the remainder `a` numpy computed (floor(x / y) can be off by one
    where x / y rounds to an integer)."""
    return round_p(divide(x - a, y))


def constant(name, impl, n_args=1):
    """A piecewise-constant primitive: derivative exactly 0 in every mode."""
    return Primitive(name, impl,
                     jvp=EachArg(lambda i, t, ans, *xs, **params: zeros_like(ans)),
                     vjp=EachArg(lambda i, g, ans, *xs, **params: zeros_like(xs[i])))


# --- the table -------------------------------------------------------------------
# name                      value rule                        partial derivative(s)
tan = elementwise("tan", _on(math.tan, np.tan),               lambda a, x: 1.0 + a * a)
sinh = elementwise("sinh", _on(math.sinh, np.sinh),           lambda a, x: cosh(x))
cosh = elementwise("cosh", _on(math.cosh, np.cosh),           lambda a, x: sinh(x))
arcsin = elementwise("arcsin", _on(math.asin, np.arcsin),     lambda a, x: divide(1.0, sqrt(1.0 - x * x)))
arccos = elementwise("arccos", _on(math.acos, np.arccos),     lambda a, x: -divide(1.0, sqrt(1.0 - x * x)))
arctan = elementwise("arctan", _on(math.atan, np.arctan),     lambda a, x: divide(1.0, 1.0 + x * x))
arcsinh = elementwise("arcsinh", _on(math.asinh, np.arcsinh), lambda a, x: divide(1.0, sqrt(x * x + 1.0)))
arccosh = elementwise("arccosh", _on(math.acosh, np.arccosh), lambda a, x: divide(1.0, sqrt(x * x - 1.0)))
arctanh = elementwise("arctanh", _on(math.atanh, np.arctanh), lambda a, x: divide(1.0, 1.0 - x * x))
arctan2 = elementwise("arctan2", _on2(math.atan2, np.arctan2),lambda a, y, x: divide(x, x * x + y * y),
                                                              lambda a, y, x: -divide(y, x * x + y * y))
hypot = elementwise("hypot", _on2(math.hypot, np.hypot),      lambda a, x, y: divide(x, a),
                                                              lambda a, x, y: divide(y, a))
log2 = elementwise("log2", _on(math.log2, np.log2),           lambda a, x: divide(1.0 / _LN2, x))
log10 = elementwise("log10", _on(math.log10, np.log10),       lambda a, x: divide(1.0 / _LN10, x))
exp2 = elementwise("exp2", _on(_exp2, np.exp2),               lambda a, x: a * _LN2)
logaddexp = elementwise("logaddexp", _floats(np.logaddexp),   lambda a, x, y: exp(x - a),
                                                              lambda a, x, y: exp(y - a))
logaddexp2 = elementwise("logaddexp2", _floats(np.logaddexp2),lambda a, x, y: exp2(x - a),
                                                              lambda a, x, y: exp2(y - a))
fmax = elementwise("fmax", _floats(np.fmax),                  lambda a, x, y: _fmax_wins(x, y),
                                                              lambda a, x, y: 1.0 - _fmax_wins(x, y))
fmin = elementwise("fmin", _floats(np.fmin),                  lambda a, x, y: _fmin_wins(x, y),
                                                              lambda a, x, y: 1.0 - _fmin_wins(x, y))
mod = elementwise("mod", _on2(lambda x, y: x % y, np.mod),    1, lambda a, x, y: -_quotient(a, x, y))
sinc_p = Primitive("sinc", lambda x, k=0: _sinc_derivative(x, k), # the k-th derivative of sinc
                   jvp=(lambda t, a, x, k=0: t * sinc_p(x, k=k + 1),),
                   vjp=(lambda g, a, x, k=0: g * sinc_p(x, k=k + 1),))
# piecewise constant: derivative 0
sign = constant("sign", lambda x: _scalar(np.sign(x)))
floor = constant("floor", _on(lambda x: float(math.floor(x)), np.floor))
ceil = constant("ceil", _on(lambda x: float(math.ceil(x)), np.ceil))
trunc = constant("trunc", _on(lambda x: float(math.trunc(x)), np.trunc))
round_p = constant("round", lambda x, decimals=0: _scalar(np.round(x, decimals)))
floor_divide = constant("floor_divide", _on2(lambda x, y: x // y, np.floor_divide), 2)

for _p in (tan, sinh, cosh, arcsin, arccos, arctan, arcsinh, arccosh, arctanh, arctan2, hypot, log2, log10,
           exp2, logaddexp, logaddexp2, fmax, fmin, mod, sinc_p, sign, floor, ceil, trunc, round_p,
           floor_divide):
    batch_rules[_p] = elementwise_rule(_p)


# --- compositions of rows (exact, and as fast as a row of their own) ---------------


def square(x):
    """`x * x`, elementwise (the integer power rule: derivative `2 x`).

    >>> mg.square(3.0), mg.grad(mg.square)(3.0)
    (9.0, 6.0)
    """
    return P.power(x, 2)


def reciprocal(x):
    """`1 / x`, elementwise. Derivative `-1 / x**2`.

    >>> mg.reciprocal(4.0), mg.grad(mg.reciprocal)(2.0)
    (0.25, -0.25)
    """
    return P.div(1.0, x)


def fabs(x):
    """Absolute value, elementwise: `minigrad.abs` (same derivative).

    >>> mg.fabs(-2.0), mg.grad(mg.fabs)(-2.0)
    (2.0, -1.0)
    """
    return P.abs(x)


def deg2rad(x):
    """Degrees to radians, `x * pi / 180`.

    >>> mg.deg2rad(180.0) == np.pi, mg.grad(mg.deg2rad)(1.0) == np.pi / 180
    (True, True)
    """
    return x * (np.pi / 180.0)


def rad2deg(x):
    """Radians to degrees, `x * 180 / pi`.

    >>> mg.rad2deg(np.pi), mg.grad(mg.rad2deg)(1.0) == 180 / np.pi
    (180.0, True)
    """
    return x * (180.0 / np.pi)


def sinc(x):
    """Normalized sinc, `sin(pi x) / (pi x)` and 1 at 0, like `np.sinc`.

    Its rule gives every derivative exactly, also at 0 (from the Maclaurin series):

    >>> mg.sinc(0.0), mg.grad(mg.sinc)(0.0), bool(np.isclose(mg.grad(mg.grad(mg.sinc))(0.0), -np.pi**2 / 3))
    (1.0, 0.0, True)
    """
    return sinc_p(x, k=0)


def round(x, decimals=0):  # noqa: A001  (np.round)
    """Round to `decimals` digits (halves to even, like `np.round`); derivative 0.

    >>> mg.round(2.5), mg.round(1.26, 1), mg.grad(mg.round)(1.3)
    (2.0, 1.3, 0.0)
    """
    return round_p(x, decimals=int(decimals))


remainder = mod


# numpy's ufuncs on traced values: `array % x` runs `mod`; np.tan(x) etc. raise an
# error that names the minigrad function (see `primitives._ufunc`)
P._UFUNC_OPS[np.remainder] = mod
P._UFUNC_OPS[np.floor_divide] = floor_divide
P._USER_FUNCTIONS.update({
    "tan", "sinh", "cosh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "arctan2",
    "hypot", "log2", "log10", "exp2", "square", "reciprocal", "sign", "floor", "ceil", "trunc", "fabs",
    "sinc", "deg2rad", "rad2deg", "logaddexp", "logaddexp2", "fmax", "fmin", "remainder", "minimum",
    "log1p", "expm1", "floor_divide",
})
