"""`minigrad.linalg`: matrix functions and their derivative rules (issue 19).

The rules are the standard matrix-calculus results; the reference in brackets
names the result in M. B. Giles, "Collected matrix derivative results for
forward and reverse mode algorithmic differentiation" (2008; its subsections
"Inverse", "Determinant", "Matrix inverse product", "Eigenvalues and
eigenvectors"), or I. Murray, "Differentiation of the Cholesky decomposition"
(2016). A dot is a tangent, a bar a cotangent, `C = A^-1`.

    inv        C' = -C A' C                          A_bar = -C^T C_bar C^T           [Giles: inverse]
    solve      X = A^-1 B:  X' = A^-1 (B' - A' X)    B_bar = A^-T X_bar,
                                                     A_bar = -B_bar X^T               [Giles: inverse product]
    det        d' = d tr(C A')                       A_bar = d_bar d C^T              [Giles: determinant]
    log|det|   l' = tr(C A')                         A_bar = l_bar C^T
    cholesky   L' = L Phi(L^-1 A' L^-T)              A_bar = L^-T Phi(L^T L_bar) L^-1 [Murray]
    eigvalsh   w' = diag(V^T A' V)                   A_bar = V diag(w_bar) V^T        [Giles: eigenvalues]
    eigvecs    V' = V (F o (V^T A' V))               A_bar = V (F o (V^T V_bar)) V^T  [Giles: eigenvectors]
               F_ij = 1 / (w_j - w_i) for i != j, F_ii = 0; o is the elementwise product

The reverse rules are the transposes of the forward ones (for the Cholesky
factor: Phi is its own transpose), which is how they can be checked.

Phi takes the lower triangle and halves the diagonal. Matrices may carry
leading (batch) axes, as in numpy. `cholesky` and `eigh` read a symmetric
matrix: like JAX they use `(A + A^T) / 2`, so their derivatives are symmetric.
Where eigenvalues repeat, F divides by zero: the eigenvector derivatives are
inf or nan there (as in JAX); the eigenvalue derivatives stay finite.

All rules are written with minigrad's operations (the rules of `solve` call
`solve`), so derivatives of derivatives work.
"""

from __future__ import annotations

import numpy as np

from .batching import _front, batch_rules
from .core import Primitive, shape_of
from .primitives import _scalar, abs, amax, amin, matmul, power, reshape, sqrt, where, zeros_like
from .primitives import sum as _sum
from .shapes import swapaxes

__all__ = ["inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "norm", "matrix_power",
           "multi_dot"]


def _T(x):
    """The transpose of the last two axes (a stack of matrices)."""
    return swapaxes(x, -1, -2)


def _mat(v):
    """A (stack of) scalars as (stack of) 1 x 1 matrices, to scale matrices."""
    return reshape(v, shape_of(v) + (1, 1))


def _tr(x, y):
    """tr(x y) for stacks of matrices: sum(x^T * y)."""
    return _sum(_T(x) * y, axis=(-2, -1))


def _phi(x):
    """Murray's Phi: the lower triangle with the diagonal halved."""
    n = shape_of(x)[-1]
    return x * (np.tril(np.ones((n, n))) - 0.5 * np.eye(n))


def _diag_of_quadratic(v, t):
    """diag(V^T T V), as sum_j V_ji (T V)_ji."""
    return _sum(v * (t @ v), axis=-2)


def _scaled_outer(v, g):
    """V diag(g) V^T."""
    return (v * reshape(g, shape_of(g)[:-1] + (1, shape_of(g)[-1]))) @ _T(v)


def _eigvec_factor(x):
    """F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it (w: the eigenvalues of x)."""
    w = eigvalsh_p(x)
    n = shape_of(w)[-1]
    gaps = reshape(w, shape_of(w)[:-1] + (1, n)) - reshape(w, shape_of(w) + (1,))
    eye = np.eye(n, dtype=bool)
    return where(eye, 0.0, 1.0 / where(eye, 1.0, gaps))  # the inner where: no 1/0 on the diagonal


# --- the table ----------------------------------------------------------------------
inv_p = Primitive("inv", np.linalg.inv,
                  jvp=(lambda t, c, a: -(c @ t @ c),),
                  vjp=(lambda g, c, a: -(_T(c) @ g @ _T(c)),))
solve_p = Primitive("solve", np.linalg.solve,
                    jvp=(lambda t, x, a, b: -solve_p(a, t @ x),
                         lambda t, x, a, b: solve_p(a, t)),
                    vjp=(lambda g, x, a, b: -(solve_p(_T(a), g) @ _T(x)),
                         lambda g, x, a, b: solve_p(_T(a), g)))
det_p = Primitive("det", lambda a: _scalar(np.linalg.det(a)),
                  jvp=(lambda t, d, a: d * _tr(inv_p(a), t),),
                  vjp=(lambda g, d, a: _mat(g * d) * _T(inv_p(a)),))
logabsdet_p = Primitive("logabsdet", lambda a: _scalar(np.linalg.slogdet(a)[1]),
                        jvp=(lambda t, ld, a: _tr(inv_p(a), t),),
                        vjp=(lambda g, ld, a: _mat(g) * _T(inv_p(a)),))
det_sign_p = Primitive("det_sign", lambda a: _scalar(np.linalg.slogdet(a)[0]),  # piecewise constant
                       jvp=(lambda t, s, a: zeros_like(s),),
                       vjp=(lambda g, s, a: zeros_like(a),))
cholesky_p = Primitive("cholesky", np.linalg.cholesky,
                       jvp=(lambda t, c, a: c @ _phi(solve_p(c, _T(solve_p(c, _T(t))))),),
                       vjp=(lambda g, c, a: _T(solve_p(_T(c), _T(solve_p(_T(c), _phi(_T(c) @ g))))),))
eigvalsh_p = Primitive("eigvalsh", np.linalg.eigvalsh,
                       jvp=(lambda t, w, a: _diag_of_quadratic(eigvecs_p(a), t),),
                       vjp=(lambda g, w, a: _scaled_outer(eigvecs_p(a), g),))
eigvecs_p = Primitive("eigvecs", lambda a: np.linalg.eigh(a)[1],
                      jvp=(lambda t, v, a: v @ (_eigvec_factor(a) * (_T(v) @ t @ v)),),
                      vjp=(lambda g, v, a: v @ (_eigvec_factor(a) * (_T(v) @ g)) @ _T(v),))


def _front_rule(prim):
    """Batching for functions of stacks of matrices: batch axes first (unbatched
    operands broadcast along them); numpy's linalg maps over leading axes."""

    def rule(size, vals, dims):
        return prim(*(_front(v, d, size) for v, d in zip(vals, dims))), 0

    return rule


for _p in (inv_p, solve_p, det_p, logabsdet_p, det_sign_p, cholesky_p, eigvalsh_p, eigvecs_p):
    batch_rules[_p] = _front_rule(_p)


# --- the functions users call ----------------------------------------------------------


def _square(a, name):
    s = shape_of(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"minigrad.linalg.{name} needs square matrices (shape (..., n, n)), got shape {s}")


def _symmetric(a):
    return (a + _T(a)) * 0.5


def inv(a):
    """Inverse of a square matrix (or of each in a stack), like `np.linalg.inv`.

    >>> mg.linalg.inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    >>> mg.grad(lambda a: mg.linalg.inv(a)[0, 0])(np.array([[2.0]]))  # -1 / a**2
    array([[-0.25]])
    """
    _square(a, "inv")
    return inv_p(a)


def solve(a, b):
    """The solution `x` of `a @ x = b`, like `np.linalg.solve`: `b` of shape
    (n,) or (..., n, k). Its rules solve with `a` again (no inverse is formed).

    >>> a, b = np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([1.0, 1.0])
    >>> mg.linalg.solve(a, b)
    array([0.5 , 0.25])
    >>> mg.grad(lambda b: mg.sum(mg.linalg.solve(a, b)))(b)  # a^-T 1
    array([0.5 , 0.25])
    """
    _square(a, "solve")
    if len(shape_of(b)) == 1:
        x = solve_p(a, reshape(b, shape_of(b) + (1,)))
        return reshape(x, shape_of(x)[:-1])
    return solve_p(a, b)


def det(a):
    """Determinant, like `np.linalg.det`. Its derivative `det(a) inv(a)^T` is
    inf or nan where `a` is singular (JAX's rule uses cofactors there).

    >>> mg.linalg.det(np.array([[2.0, 1.0], [1.0, 3.0]]))
    5.000000000000001
    >>> mg.grad(mg.linalg.det)(np.array([[2.0, 1.0], [1.0, 3.0]]))  # the cofactors
    array([[ 3., -1.],
           [-1.,  2.]])
    """
    _square(a, "det")
    return det_p(a)


def slogdet(a):
    """`(sign, log|det a|)`, like `np.linalg.slogdet`; the sign has derivative 0.

    >>> sign, logdet = mg.linalg.slogdet(np.array([[-2.0, 0.0], [0.0, 3.0]]))
    >>> sign, bool(np.isclose(logdet, np.log(6.0)))
    (-1.0, True)
    >>> a = np.array([[-2.0, 1.0], [1.0, 3.0]])
    >>> np.allclose(mg.grad(lambda a: mg.linalg.slogdet(a)[1])(a), np.linalg.inv(a).T)
    True
    """
    _square(a, "slogdet")
    return det_sign_p(a), logabsdet_p(a)


def cholesky(a):
    """Lower-triangular `L` with `L @ L.T = a`, for a symmetric positive definite
    `a`, like `np.linalg.cholesky` (it reads `(a + a.T) / 2`, as JAX does).

    >>> mg.linalg.cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
    array([[2., 0.],
           [1., 1.]])
    >>> mg.grad(lambda a: mg.linalg.cholesky(a)[0, 0])(np.array([[4.0, 2.0], [2.0, 2.0]]))
    array([[0.25, 0.  ],
           [0.  , 0.  ]])
    """
    _square(a, "cholesky")
    return cholesky_p(_symmetric(a))


def eigh(a):
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix,
    like `np.linalg.eigh`; it reads `(a + a.T) / 2`, as JAX does. Eigenvector
    derivatives divide by eigenvalue gaps: they are inf or nan where
    eigenvalues repeat.

    >>> w, v = mg.linalg.eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> w
    array([1., 3.])
    >>> mg.grad(lambda a: mg.linalg.eigh(a)[0][1])(np.array([[2.0, 1.0], [1.0, 2.0]]))  # v1 v1^T
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    _square(a, "eigh")
    s = _symmetric(a)
    return eigvalsh_p(s), eigvecs_p(s)


def eigvalsh(a):
    """Eigenvalues (ascending) of a symmetric matrix, like `np.linalg.eigvalsh`.

    >>> mg.linalg.eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    array([1., 3.])
    """
    _square(a, "eigvalsh")
    return eigvalsh_p(_symmetric(a))


def matrix_power(a, n):
    """`a` multiplied by itself `n` times (`inv(a)` for negative `n`, the identity
    for 0), like `np.linalg.matrix_power`: products by repeated squaring.

    >>> mg.linalg.matrix_power(np.array([[1.0, 1.0], [0.0, 1.0]]), 3)
    array([[1., 3.],
           [0., 1.]])
    """
    _square(a, "matrix_power")
    n = int(n)
    if n == 0:
        return zeros_like(a) + np.eye(shape_of(a)[-1])
    if n < 0:
        a, n = inv_p(a), -n
    result = None
    while n:
        if n & 1:
            result = a if result is None else result @ a
        n >>= 1
        if n:
            a = a @ a
    return result


def multi_dot(arrays):
    """The product of several matrices (the first and last may be vectors), like
    `np.linalg.multi_dot`, multiplied left to right.

    >>> mg.linalg.multi_dot([np.ones(2), np.eye(2), np.ones(2)])
    2.0
    """
    out = arrays[0]
    for x in arrays[1:]:
        out = matmul(out, x)
    return out


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002  (numpy's name)
    """Vector or matrix norm, like `np.linalg.norm`.

    Vectors (a 1-D `x`, or an int `axis`): `ord` None or 2 (Euclidean), 1, inf,
    -inf or any p. Matrices (a 2-D `x`, or a pair `axis`): `ord` None or 'fro'
    (Frobenius), 1, -1, inf, -inf. With `axis=None` and `ord=None`, the
    Euclidean norm of all elements. The Euclidean norm's derivative `x / |x|` is
    nan at x = 0 (0 / 0), as in JAX.

    >>> mg.linalg.norm(np.array([3.0, 4.0])), mg.grad(mg.linalg.norm)(np.array([3.0, 4.0]))
    (5.0, array([0.6, 0.8]))
    """
    nd = len(shape_of(x))
    if axis is None:
        if ord is None:
            return _euclid(x, tuple(range(nd)) if nd else None, keepdims)
        axis = tuple(range(nd))
    axes = (int(axis),) if isinstance(axis, (int, np.integer)) else tuple(int(a) for a in axis)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError(f"norm: axis must be an int or a pair, got {axis!r}")


def _euclid(x, axis, keepdims):
    return sqrt(_sum(x * x, axis=axis, keepdims=keepdims))


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == 2:
        return _euclid(x, axis, keepdims)
    if ord == np.inf:
        return amax(abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return amin(abs(x), axis=axis, keepdims=keepdims)
    if ord == 1:
        return _sum(abs(x), axis=axis, keepdims=keepdims)
    if isinstance(ord, str) or ord == 0:
        raise ValueError(f"norm: ord {ord!r} is not a differentiable vector norm")
    return power(_sum(power(abs(x), float(ord)), axis=axis, keepdims=keepdims), 1.0 / ord)


def _matrix_norm(x, ord, axes, keepdims):
    nd = len(shape_of(x))
    row, col = (a % nd for a in axes)
    if ord is None or ord == "fro":
        return _euclid(x, (row, col), keepdims)
    if ord in (1, -1, np.inf, -np.inf):
        inner, outer = (row, col) if ord in (1, -1) else (col, row)  # 1: largest column sum
        sums = _sum(abs(x), axis=inner, keepdims=True)
        pick = amax if ord > 0 else amin
        out = pick(sums, axis=outer, keepdims=True)
        if keepdims:
            return out
        return reshape(out, tuple(n for i, n in enumerate(shape_of(out)) if i not in (row, col)))
    raise NotImplementedError(f"minigrad.linalg.norm: matrix ord {ord!r} (2, -2, 'nuc': singular values)")
