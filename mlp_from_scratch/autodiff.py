"""A small reverse-mode automatic differentiation on NumPy arrays: micrograd's design lifted to arrays.

A :class:`Tensor` holds an array ``value``, its adjoint ``grad`` (dJ/d value for the
scalar J that ``backward`` is called on), its ``parents`` and a closure passing the
adjoint on to them. Each operation writes its forward computation and its backward
closure side by side. Adjoints accumulate (``+=``): a tensor used twice receives two
contributions. Shapes follow the package's rows: ``X`` (N, n_0), ``W`` (n_in, n_out), ``b`` (n_out,).
"""

from __future__ import annotations

import numpy as np

from .activations import logsumexp, sigmoid as _sigmoid, softmax

__all__ = ["Tensor", "relu", "sigmoid", "tanh", "softmax_cross_entropy",
           "topological_order", "graph_nbytes", "mlp_objective"]


class Tensor:
    """A node of the computational graph: an array, its adjoint, and how to pass it back.

    Parameters
    ----------
    value : array_like, any shape (floats keep their dtype; anything else becomes float64)
    parents : tuple of Tensor, the tensors it was computed from (none for a leaf)
    op : str, the operation that made it ("" for a leaf)
    name : str, optional, a label such as "X", "W1", "b1"

    Attributes
    ----------
    grad : ndarray shaped like ``value`` (None before :meth:`backward`)
    saved : tuple of ndarray, arrays the backward closure keeps besides the graph's values
    """

    __array_ufunc__ = None                    # ndarray + Tensor calls Tensor.__radd__

    def __init__(self, value, parents=(), op="", name=None):
        value = np.asarray(value)
        self.value = value if value.dtype.kind == "f" else value.astype(np.float64)
        self.grad, self.parents, self.op, self.name = None, tuple(parents), op, name
        self.saved = ()
        self._backward = lambda: None

    @property
    def shape(self):                          # the shape of value
        return self.value.shape

    def __repr__(self):
        return f"Tensor({self.name or self.op or 'leaf'}, shape={self.shape}, dtype={self.value.dtype.name})"

    def _accumulate(self, g):
        """Add one contribution to the adjoint (a tensor used twice receives two)."""
        if self.grad is None:
            self.grad = np.array(g, dtype=self.value.dtype)    # a copy: g may be a view
        else:
            self.grad += g

    # ----------------------------------------------------- the operations
    def __matmul__(self, other):
        other = _operand("matmul", other, self)
        out = Tensor(self.value @ other.value, (self, other), "matmul")

        def _backward():                      # Z = A B:  A-bar = Z-bar B^T,  B-bar = A^T Z-bar
            self._accumulate(out.grad @ other.value.T)
            other._accumulate(self.value.T @ out.grad)
        out._backward = _backward
        return out

    def __add__(self, other):
        other = _operand("add", other, self)
        out = Tensor(self.value + other.value, (self, other), "add")

        def _backward():                      # both summands get Z-bar, summed over broadcast axes
            self._accumulate(_unbroadcast(out.grad, self.shape))
            other._accumulate(_unbroadcast(out.grad, other.shape))
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = _operand("mul", other, self)
        out = Tensor(self.value * other.value, (self, other), "mul")

        def _backward():                      # product rule, elementwise: A-bar = Z-bar * B
            self._accumulate(_unbroadcast(out.grad * other.value, self.shape))
            other._accumulate(_unbroadcast(out.grad * self.value, other.shape))
        out._backward = _backward
        return out

    __radd__, __rmul__ = __add__, __mul__

    def sum(self, axis=None):
        """Sum over ``axis`` (an int) or over all entries (None)."""
        out = Tensor(self.value.sum(axis=axis), (self,), "sum")

        def _backward():                      # every summand gets the adjoint of the sum
            g = out.grad if axis is None else np.expand_dims(out.grad, axis)
            self._accumulate(np.broadcast_to(g, self.shape))
        out._backward = _backward
        return out

    def mean(self, axis=None):
        """Mean over ``axis`` (an int) or over all entries (None)."""
        return self.sum(axis) * (1.0 / (self.value.size if axis is None else self.shape[axis]))

    # --------------------------------------------------- the backward pass
    def backward(self, grad=None):
        """Fill the ``grad`` of every tensor this one depends on, in one reverse sweep.

        ``grad`` (shape ``self.shape``) is this tensor's adjoint, by default dJ/dJ = 1
        for a scalar. The graph's adjoints are reset first: every call starts afresh.
        """
        if grad is None:
            if self.value.size != 1:
                raise ValueError(f"backward() without grad needs a scalar; got shape {self.shape}")
            grad = np.ones_like(self.value)
        elif np.shape(grad) != self.shape:
            raise ValueError(f"grad must have the tensor's shape {self.shape}; got {np.shape(grad)}")
        order = topological_order(self)
        for node in order:
            node.grad = None
        self._accumulate(grad)
        for node in reversed(order):          # every node after all the nodes that use it
            node._backward()


# -------------------------------------------------------------- activations
def _elementwise(x, value, op, slope):
    """out = f(x) elementwise; its backward multiplies by f'(x), written through a = f(x)."""
    out = Tensor(value, (x,), op)

    def _backward():
        x._accumulate(out.grad * slope(out.value))
    out._backward = _backward
    return out


def relu(x):
    """max(x, 0), elementwise, with slope 0 at x = 0 (as ``MLP``'s): relu' = [a > 0]."""
    return _elementwise(x, np.maximum(x.value, 0), "relu", lambda a: a > 0)


def sigmoid(x):
    """The logistic sigmoid (without overflow), elementwise: sigma' = a (1 - a)."""
    return _elementwise(x, _sigmoid(x.value), "sigmoid", lambda a: a * (1.0 - a))


def tanh(x):
    """The hyperbolic tangent, elementwise: tanh' = 1 - a^2."""
    return _elementwise(x, np.tanh(x.value), "tanh", lambda a: 1.0 - a * a)


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(``logits``), a scalar: (1/N) sum_n [logsumexp(z_n) - z_{n, y_n}].

    ``logits`` is a Tensor of shape (N, K), ``y`` an int array of shape (N,) with labels
    in 0..K-1. Computed with the log-sum-exp, finite for any finite logits.
    """
    z, y = logits.value, np.asarray(y)
    if z.ndim != 2:
        raise ValueError(f"logits must have shape (N, K); got {z.shape}")
    if y.shape != z.shape[:1] or y.dtype.kind not in "iu" or not 0 <= y.min() <= y.max() < z.shape[1]:
        raise ValueError(f"y must hold {z.shape[0]} integer labels in 0..{z.shape[1] - 1}; "
                         f"got shape {y.shape}, dtype {y.dtype}")
    rows = np.arange(len(y))
    out = Tensor(np.mean(logsumexp(z, axis=1) - z[rows, y]), (logits,), "cross-entropy")
    a = softmax(z)                            # a^L, kept for the backward pass
    out.saved = (a,)

    def _backward():                          # z-bar = J-bar (a - y) / N
        delta = a.copy()
        delta[rows, y] -= 1.0
        logits._accumulate(out.grad * delta / len(y))
    out._backward = _backward
    return out


# ------------------------------------------------------------------ helpers
def _operand(op, x, like):
    """``x`` as a Tensor (a constant gets ``like``'s dtype), its shape checked against ``like``'s."""
    x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=like.value.dtype))
    if op == "matmul":
        ok, rule = like.value.ndim == x.value.ndim == 2 and like.shape[1] == x.shape[0], "(N, n) @ (n, m)"
    else:
        ok = all(m == n or 1 in (m, n) for m, n in zip(like.shape[::-1], x.shape[::-1]))
        rule = "broadcasting: trailing axes equal or 1"
    if not ok:
        raise ValueError(f"{op}: shapes {like.shape} and {x.shape} do not fit ({rule})")
    return x


def _unbroadcast(g, shape):
    """Sum the adjoint ``g`` of a broadcast result back to ``shape``: broadcasting copied the
    operand along new leading axes and axes of length 1, and the copies' adjoints add up."""
    if g.ndim > len(shape):
        g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


def topological_order(root):
    """Every tensor ``root`` depends on, each after all of its parents (``root`` last)."""
    order, visited, stack = [], set(), [(root, False)]
    while stack:                              # depth first, without Python's recursion limit
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if id(p) not in visited)
    return order


def graph_nbytes(root, include_leaves=False):
    """``(n_arrays, n_bytes)`` the graph of ``root`` keeps for the backward pass: the values
    of its intermediate tensors (and of its leaves, if asked) and the arrays saved by closures."""
    arrays = [a for node in topological_order(root) if node.parents or include_leaves
              for a in (node.value, *node.saved)]
    return len(arrays), sum(a.nbytes for a in arrays)


def mlp_objective(net, X, y):
    """The objective ``net.loss(X, y)`` of an ``MLP`` (softmax, cross-entropy, L2) as a graph.

    Returns ``(J, weights, biases)``: the scalar Tensor J and the leaves sharing the arrays
    ``net.weights``, ``net.biases``; after ``J.backward()`` their ``grad`` are ``net.gradients(X, y)``.
    """
    if net.output != "softmax" or net.loss_name != "cross_entropy" or net.l1:
        raise ValueError(f"mlp_objective needs softmax outputs, cross-entropy and l1=0; got {net!r}")
    f = {"relu": relu, "sigmoid": sigmoid, "tanh": tanh, "identity": lambda z: z}[net.hidden]
    weights = [Tensor(W, name=f"W{l}") for l, W in enumerate(net.weights, start=1)]
    biases = [Tensor(b, name=f"b{l}") for l, b in enumerate(net.biases, start=1)]
    a = Tensor(np.asarray(X, dtype=net.dtype), name="X")
    for l, (W, b) in enumerate(zip(weights, biases), start=1):
        z = a @ W + b                         # z^l = a^{l-1} W^l + b^l, one row per example
        a = f(z) if l < net.n_layers else z
    J = softmax_cross_entropy(a, y)
    for W in weights if net.l2 else []:       # + l2 sum W^2 over the weight matrices
        J = J + (W * W).sum() * net.l2
    return J, weights, biases
