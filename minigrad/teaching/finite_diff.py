"""Numerical derivatives: finite differences, the complex step, and call counting.

These are the baselines automatic differentiation is measured against. They
need nothing but the ability to evaluate `f`, so they work on any black box,
but they are approximate (finite differences) and their cost grows with the
number of inputs.

::

    forward_difference(f, x, h)   (f(x + h) - f(x)) / h
    central_difference(f, x, h)   (f(x + h) - f(x - h)) / (2 h)
    complex_step(f, x, h)         Im f(x + i h) / h
    fd_gradient(f, x, h, method)  gradient of f: R^n -> R, one input at a time
    CallCounter(f)                f, counting its calls
    OpCounter().run(f, *args)     f(*args), counting its arithmetic operations
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

EPS = float(np.finfo(np.float64).eps)
"""Machine epsilon of float64: the gap between 1.0 and the next float."""

METHODS = ("forward", "central")


def forward_difference(f: Callable, x: Any, h: float) -> Any:
    """One-sided difference quotient `(f(x + h) - f(x)) / h`; error O(h).

    Works elementwise when `f` is a vectorized function and `x` an array.

    For x**2 at 3 it is 6 + h:

    >>> round(forward_difference(lambda x: x**2, 3.0, 1e-4), 6)
    6.0001
    """
    return (f(x + h) - f(x)) / h


def central_difference(f: Callable, x: Any, h: float) -> Any:
    """Central difference quotient `(f(x + h) - f(x - h)) / (2 h)`.

    Error O(h**2). Works elementwise like `forward_difference`.

    Exact (up to rounding) for a quadratic:

    >>> round(central_difference(lambda x: x**2, 3.0, 1e-4), 8)
    6.0
    """
    return (f(x + h) - f(x - h)) / (2.0 * h)


def complex_step(f: Callable, x: Any, h: float = 1e-20) -> Any:
    """Complex-step derivative `Im f(x + i h) / h`.

    Exact to rounding for a real-analytic `f` written with complex-capable
    operations (numpy, not `math`): there is no subtraction, so `h` can be tiny.

    >>> complex_step(np.sin, np.array([0.0, np.pi]))  # cos(0), cos(pi)
    array([ 1., -1.])
    """
    return np.imag(f(x + 1j * h)) / h


def default_step(method: str = "forward") -> float:
    """The step that balances truncation against round-off for unit-size x and f:
    sqrt(eps) for forward differences, eps**(1/3) for central ones.

    >>> default_step("forward") == EPS**0.5
    True
    >>> f"{default_step('central'):.1e}"
    '6.1e-06'
    """
    if method == "forward":
        return EPS**0.5
    if method == "central":
        return EPS ** (1.0 / 3.0)
    raise ValueError(f"method must be one of {METHODS}, got {method!r}")


def fd_gradient(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    h: float | None = None,
    method: str = "forward",
) -> np.ndarray:
    """Gradient of a scalar function `f: R^n -> R` at `x` by finite differences.

    Perturbs one coordinate at a time, with step `h * max(1, |x_i|)`
    (`h` defaults to `default_step(method)`). Costs n + 1 calls of `f`
    (forward) or 2 n calls (central). `x` has shape (n,) (or any shape: the
    gradient has the shape of `x`).

    The running example, whose gradient is (x2, x1 + 1):

    >>> f = lambda x: x[0] * x[1] + x[1]
    >>> fd_gradient(f, np.array([2.0, 4.0]), method="central").round(6)
    array([4., 3.])
    """
    if h is None:
        h = default_step(method)
    elif method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    x = np.asarray(x, dtype=np.float64)
    grad = np.empty(x.shape)
    f0 = f(x) if method == "forward" else None
    for i in np.ndindex(x.shape):
        step = h * max(1.0, abs(x[i]))
        up = x.copy()
        up[i] += step
        step = up[i] - x[i]  # the step actually taken, after rounding
        if method == "forward":
            grad[i] = (f(up) - f0) / step
        else:
            down = x.copy()
            down[i] -= step
            grad[i] = (f(up) - f(down)) / (up[i] - down[i])
    return grad


class CallCounter:
    """Wrap `f` and count how often it is called.

    >>> g = CallCounter(lambda x: x[0] * x[1] + x[1])
    >>> _ = fd_gradient(g, np.array([2.0, 4.0]))  # n = 2 inputs
    >>> g.calls  # n + 1
    3
    """

    def __init__(self, f: Callable):
        self.f = f
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.f(*args, **kwargs)

    def reset(self) -> None:
        """Set the count back to zero."""
        self.calls = 0

    def __repr__(self) -> str:
        return f"CallCounter({getattr(self.f, '__name__', self.f)!r}, calls={self.calls})"


class OpCounter:
    """Run a function on numbers that count the arithmetic done with them.

    `run(f, *args)` calls `f` on wrapped copies of `args` whose `+`, `-`, `*`,
    `/` and `**` (and unary minus) each add one to `ops`; it returns `f`'s
    result with the numbers unwrapped (also inside tuples and lists). Any
    value works (ints stay exact). Arithmetic between plain numbers, such as
    constants the function folds, is not counted.

    The running example y = x1 x2 + x2 does two operations:

    >>> counter = OpCounter()
    >>> counter.run(lambda x1, x2: x1 * x2 + x2, 2.0, 4.0)
    12.0
    >>> counter.ops
    2
    """

    def __init__(self) -> None:
        self.ops = 0

    def run(self, f: Callable, *args: Any) -> Any:
        """`f(*args)` on counting numbers; `ops` holds the count afterwards."""
        self.ops = 0
        return _unwrap(f(*[_Counted(a, self) for a in args]))

    def __repr__(self) -> str:
        return f"OpCounter(ops={self.ops})"


def _unwrap(value: Any) -> Any:
    if isinstance(value, _Counted):
        return value.value
    if isinstance(value, (tuple, list)):
        return type(value)(_unwrap(v) for v in value)
    return value


class _Counted:
    """A number that adds one to its counter for every arithmetic operation."""

    __slots__ = ("value", "counter")

    def __init__(self, value: Any, counter: OpCounter):
        self.value, self.counter = value, counter

    def _op(self, fn: Callable, a: Any, b: Any) -> _Counted:
        self.counter.ops += 1
        return _Counted(fn(_unwrap(a), _unwrap(b)), self.counter)

    def __add__(self, o): return self._op(lambda a, b: a + b, self, o)
    def __radd__(self, o): return self._op(lambda a, b: a + b, o, self)
    def __sub__(self, o): return self._op(lambda a, b: a - b, self, o)
    def __rsub__(self, o): return self._op(lambda a, b: a - b, o, self)
    def __mul__(self, o): return self._op(lambda a, b: a * b, self, o)
    def __rmul__(self, o): return self._op(lambda a, b: a * b, o, self)
    def __truediv__(self, o): return self._op(lambda a, b: a / b, self, o)
    def __rtruediv__(self, o): return self._op(lambda a, b: a / b, o, self)
    def __pow__(self, o): return self._op(lambda a, b: a**b, self, o)
    def __rpow__(self, o): return self._op(lambda a, b: a**b, o, self)

    def __neg__(self):
        self.counter.ops += 1
        return _Counted(-self.value, self.counter)

    def __repr__(self) -> str:
        return f"_Counted({self.value!r})"
