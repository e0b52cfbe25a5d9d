"""Contractions (issue 19): one new row, `einsum`, and products built from it.

    einsum(x_1, ..., x_k)   JVP: the sum over i of einsum with t_i in place of x_i (it is linear in each)
                            VJP for x_i: another einsum, of g with the other operands, to x_i's subscripts

Two details make the VJP einsum exist for any subscripts. An index repeated in
x_i ("ii", a diagonal) cannot be an output index twice, so its second copy gets
a new name and an identity matrix ties the two; an index of x_i found nowhere
else (summed out, "ij->i") gets a vector of ones. Multiplying by 1 and 0 is
exact, so the rule is exact. `tensordot`, `inner`, `outer`, `kron`, `cross` and
`vdot` are compositions of einsum, `mul` and indexing.
"""

from __future__ import annotations

import string

import numpy as np

from .batching import batch_rules
from .core import EachArg, Primitive, shape_of
from .primitives import _scalar, broadcast_to, getitem_p, reshape, stack
from .shapes import moveaxis, ravel

_LETTERS = string.ascii_letters


def _split_spec(spec):
    ins, out = spec.split("->")
    return ins.split(","), out


def _fresh(used):
    """Letters einsum accepts that `used` does not contain, in order."""
    return iter(c for c in _LETTERS if c not in used)


def _einsum_vjp(i, g, ans, *xs, spec):
    terms, out = _split_spec(spec)
    sizes = {c: n for t, x in zip(terms, xs) for c, n in zip(t, shape_of(x))}
    fresh = _fresh(set(spec))
    target, seen, extras, extra_terms = "", set(), [], []
    for c in terms[i]:
        if c in seen:  # a repeated index: a new name, tied to the first by the identity
            d = next(fresh)
            extras.append(np.eye(sizes[c]))
            extra_terms.append(c + d)
            c = d
        seen.add(c)
        target += c
    others = [t for j, t in enumerate(terms) if j != i]
    present = set(out + "".join(others + extra_terms))
    for c in dict.fromkeys(terms[i]):
        if c not in present:  # summed over in x_i alone: its cotangent is constant along it
            extras.append(np.ones(sizes[c]))
            extra_terms.append(c)
    vjp_spec = ",".join([out, *others, *extra_terms]) + "->" + target
    return einsum_p(g, *(x for j, x in enumerate(xs) if j != i), *extras, spec=vjp_spec)


einsum_p = Primitive(
    "einsum",
    lambda *xs, spec: _scalar(np.einsum(spec, *xs, optimize=len(xs) > 1)),
    jvp=EachArg(lambda i, t, ans, *xs, spec: einsum_p(*xs[:i], t, *xs[i + 1:], spec=spec)),
    vjp=EachArg(_einsum_vjp),
)


def _einsum_rule(size, vals, dims, spec):
    """Batching: the batch axis becomes one more index, kept in the output."""
    terms, out = _split_spec(spec)
    b = next(_fresh(set(spec)))
    args = [v if d is None else moveaxis(v, d, 0) for v, d in zip(vals, dims)]
    terms = [t if d is None else b + t for t, d in zip(terms, dims)]
    return einsum_p(*args, spec=",".join(terms) + "->" + b + out), 0


batch_rules[einsum_p] = _einsum_rule


def _normalize(subscripts, operands):
    """Explicit subscripts without '...': the ellipsis becomes new letters (and
    operands whose ellipsis axes have length 1 are broadcast); implicit output
    subscripts become numpy's (ellipsis axes, then indices seen once, sorted)."""
    subscripts = subscripts.replace(" ", "")
    ins, arrow, out = subscripts.partition("->")
    terms = ins.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum: {len(terms)} operand subscripts for {len(operands)} operands")
    shapes = [shape_of(x) for x in operands]
    for t in terms + [out]:
        if any(c not in _LETTERS for c in t.replace("...", "")):
            raise ValueError(f"einsum: subscripts must be letters or '...', got {subscripts!r}")
    n_ell = max([len(s) - len(t) + 3 for t, s in zip(terms, shapes) if "..." in t], default=0)
    fresh = _fresh(set(subscripts))
    ell = "".join(next(fresh) for _ in range(n_ell))
    full = []
    for t, s in zip(terms, shapes):
        if "..." in t:
            t = t.replace("...", ell[n_ell - (len(s) - len(t) + 3):])
        if len(t) != len(s):
            raise ValueError(f"einsum: subscripts {t!r} for an operand of shape {s}")
        full.append(t)
    if arrow:
        out = out.replace("...", ell)
    else:
        letters = ins.replace("...", "").replace(",", "")
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    sizes: dict = {}
    for t, s in zip(full, shapes):
        for c, n in zip(t, s):
            if c in ell and n != 1:
                sizes[c] = n
    operands = list(operands)
    for k, (t, s) in enumerate(zip(full, shapes)):
        target = tuple(sizes.get(c, n) if c in ell else n for c, n in zip(t, s))
        if target != s:
            operands[k] = broadcast_to(operands[k], target)
    return ",".join(full) + "->" + out, operands


def einsum(subscripts, *operands, optimize=None):
    """Einstein summation, like `np.einsum` (subscripts with repeated indices,
    '...' and implicit output). Its derivative in each operand is another einsum.

    >>> A = np.arange(4.0).reshape(2, 2)
    >>> mg.einsum("ii", A), mg.einsum("ij,j->i", A, np.ones(2))
    (3.0, array([1., 5.]))
    >>> mg.grad(lambda a: mg.einsum("ii->", a))(A)  # d trace / dA = identity
    array([[1., 0.],
           [0., 1.]])
    """
    spec, operands = _normalize(subscripts, operands)
    return einsum_p(*operands, spec=spec)


def _tensordot_axes(axes, na, nb):
    if isinstance(axes, (int, np.integer)):
        return list(range(na - int(axes), na)), list(range(int(axes)))
    a, b = axes
    a = [a] if isinstance(a, (int, np.integer)) else list(a)
    b = [b] if isinstance(b, (int, np.integer)) else list(b)
    if len(a) != len(b):
        raise ValueError(f"tensordot: {len(a)} axes of the first array for {len(b)} of the second")
    return [int(i) % na for i in a], [int(i) % nb for i in b]


def tensordot(a, b, axes=2):
    """Sum of products over the given axes, like `np.tensordot` (an einsum).

    >>> mg.tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
    (2, 4)
    """
    na, nb = len(shape_of(a)), len(shape_of(b))
    ax_a, ax_b = _tensordot_axes(axes, na, nb)
    ta = list(_LETTERS[:na])
    tb = list(_LETTERS[na:na + nb])
    for i, j in zip(ax_a, ax_b):
        tb[j] = ta[i]
    out = [c for k, c in enumerate(ta) if k not in ax_a] + [c for k, c in enumerate(tb) if k not in ax_b]
    return einsum_p(a, b, spec="".join(ta) + "," + "".join(tb) + "->" + "".join(out))


def inner(a, b):
    """Inner product over the last axes, like `np.inner` (a scalar operand multiplies).

    >>> mg.inner(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    11.0
    """
    if not shape_of(a) or not shape_of(b):
        return a * b
    return tensordot(a, b, axes=([-1], [-1]))


def outer(a, b):
    """Outer product of the flattened inputs, like `np.outer`.

    >>> mg.outer(np.array([1.0, 2.0]), np.array([1.0, 10.0]))
    array([[ 1., 10.],
           [ 2., 20.]])
    """
    a, b = ravel(a), ravel(b)
    return reshape(a, shape_of(a) + (1,)) * b


def vdot(a, b):
    """Dot product of the flattened inputs, like `np.vdot` (real values).

    >>> mg.vdot(np.ones((2, 2)), np.full((2, 2), 2.0))
    8.0
    """
    return einsum_p(ravel(a), ravel(b), spec="i,i->")


def kron(a, b):
    """Kronecker product, like `np.kron`: blocks `a[i, j] * b`.

    >>> mg.kron(np.array([1.0, 2.0]), np.array([1.0, 10.0]))
    array([ 1., 10.,  2., 20.])
    """
    sa, sb = shape_of(a), shape_of(b)
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    a = reshape(a, tuple(v for n in sa for v in (n, 1)))
    b = reshape(b, tuple(v for n in sb for v in (1, n)))
    return reshape(a * b, tuple(m * n for m, n in zip(sa, sb)))


def cross(a, b, axis=-1):
    """Cross product of 3-vectors (or the scalar one of 2-vectors) along `axis`,
    like `np.cross`; other axes broadcast.

    >>> mg.cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    a, b = moveaxis(a, axis, -1), moveaxis(b, axis, -1)
    n = shape_of(a)[-1]
    if n != shape_of(b)[-1] or n not in (2, 3):
        raise ValueError(f"cross: vectors of length 2 or 3 along axis {axis}, got {n} and {shape_of(b)[-1]}")
    ai = [getitem_p(a, index=(Ellipsis, i)) for i in range(n)]
    bi = [getitem_p(b, index=(Ellipsis, i)) for i in range(n)]
    if n == 2:
        return ai[0] * bi[1] - ai[1] * bi[0]
    c = [ai[(k + 1) % 3] * bi[(k + 2) % 3] - ai[(k + 2) % 3] * bi[(k + 1) % 3] for k in range(3)]
    c = stack(c, axis=-1)
    return moveaxis(c, -1, axis)
