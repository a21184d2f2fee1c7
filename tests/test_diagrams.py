"""Diagrams: what is drawn (units, edges, numbers, symbols), not how it looks."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

from mlp_from_scratch import MLP  # noqa: E402
from mlp_from_scratch.book.diagrams import draw_layer_flow, draw_network, draw_worked_example  # noqa: E402


def by_gid(ax, gid):
    """Every artist of the axes (lines, patches, texts) with this gid."""
    artists = list(ax.get_lines()) + list(ax.patches) + list(ax.texts)
    return [a for a in artists if a.get_gid() == gid]


def texts(ax, gid):
    return [t.get_text() for t in by_gid(ax, gid)]


@pytest.mark.parametrize("sizes", [[3, 4, 4, 2], [2, 3, 2], [5, 1]])
def test_network_draws_one_unit_per_neuron_and_one_edge_per_weight(sizes):
    ax = Figure().subplots()
    assert draw_network(sizes, ax=ax) is ax
    assert len(by_gid(ax, "unit")) == sum(sizes)
    assert len(by_gid(ax, "edge")) == sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    assert len(by_gid(ax, "parameters")) == len(sizes) - 1
    assert len(by_gid(ax, "layer")) == len(sizes)


def test_network_labels_use_the_notation_of_the_book():
    ax = Figure().subplots()
    draw_network([3, 4, 2], ax=ax)
    params = texts(ax, "parameters")
    assert r"W^{1}, \mathbf{b}^{1}" in params[0] and r"3 \times 4" in params[0]
    assert r"W^{2}, \mathbf{b}^{2}" in params[1] and r"4 \times 2" in params[1]
    layers = texts(ax, "layer")
    assert r"\mathbf{a}^0 = \mathbf{x}" in layers[0]
    assert r"\mathbf{z}^{1}" in layers[1] and r"\mathbf{a}^{1} = f(\mathbf{z}^{1})" in layers[1]
    # the output layer: a^L = F(z^L), the network's prediction
    assert r"\mathbf{a}^{2} = F(\mathbf{z}^{2})" in layers[2] and r"\hat{\mathbf{y}}" in layers[2]
    # each edge joins two units of consecutive columns
    xs = sorted({round(float(x), 6) for line in by_gid(ax, "edge") for x in line.get_xdata()})
    assert len(xs) == 4  # two ends per gap, two gaps


@pytest.mark.parametrize("bad", [[3], [], [3, 0, 2], [2.5, 3], "abc"])
def test_network_rejects_bad_layer_sizes(bad):
    with pytest.raises(ValueError, match="layer_sizes"):
        draw_network(bad, ax=Figure().subplots())


def worked_example():
    net = MLP([2, 3, 2], hidden="sigmoid", output="softmax", seed=1)
    x = np.array([1.0, -1.0])
    activations = net.forward_pass(x[None, :]).activations
    return net, x, [a[0] for a in activations]


def test_worked_example_writes_every_weight_activation_and_bias():
    net, x, activations = worked_example()
    ax = Figure().subplots()
    assert draw_worked_example(net.weights, net.biases, activations, fmt="{:.3f}", ax=ax) is ax
    assert len(by_gid(ax, "unit")) == 7
    assert len(by_gid(ax, "edge")) == 2 * 3 + 3 * 2
    weights = [float(t) for t in texts(ax, "weight")]
    np.testing.assert_allclose(weights, np.concatenate([W.ravel() for W in net.weights]), atol=5e-4)
    values = [float(t) for t in texts(ax, "activation")]
    np.testing.assert_allclose(values, np.concatenate(activations), atol=5e-4)
    biases = [float(t.split("$")[-1]) for t in texts(ax, "bias")]
    np.testing.assert_allclose(biases, np.concatenate(net.biases), atol=5e-4)
    layers = texts(ax, "layer")
    assert len(layers) == 3 and "F(" in layers[-1] and "f(" in layers[1]


def test_worked_example_rejects_shapes_that_do_not_chain():
    net, x, activations = worked_example()
    with pytest.raises(ValueError, match="weights"):
        draw_worked_example([net.weights[1], net.weights[0]], net.biases, activations, ax=Figure().subplots())
    with pytest.raises(ValueError, match="biases"):
        draw_worked_example(net.weights, [net.biases[0], np.zeros(3)], activations, ax=Figure().subplots())
    with pytest.raises(ValueError, match="activations"):
        draw_worked_example(net.weights, net.biases, activations[:2], ax=Figure().subplots())


def test_layer_flow_has_the_forward_and_backward_quantities():
    ax = Figure().subplots()
    assert draw_layer_flow(ax=ax) is ax
    boxes = [p for p in ax.patches if p.get_gid() in ("forward", "backward", "gradient")
             and type(p).__name__ == "FancyBboxPatch"]
    assert sorted(p.get_gid() for p in boxes) == ["backward"] * 3 + ["forward"] * 3 + ["gradient"]
    arrows = [p for p in ax.patches if type(p).__name__ == "FancyArrowPatch"]
    assert sorted(a.get_gid() for a in arrows) == ["backward"] * 3 + ["forward"] * 3 + ["reuse"] * 3
    forward = " ".join(texts(ax, "forward-label"))
    backward = " ".join(texts(ax, "backward-label"))
    gradient = " ".join(texts(ax, "gradient-label"))
    assert r"\mathbf{z}^l = (W^l)^\top \mathbf{a}^{l-1} + \mathbf{b}^l" in forward
    assert r"\mathbf{a}^l = f(\mathbf{z}^l)" in forward
    assert r"\boldsymbol{\delta}^l = f'(\mathbf{z}^l) \odot W^{l+1} \boldsymbol{\delta}^{l+1}" in backward
    assert r"\nabla_{W^l} J = \mathbf{a}^{l-1} (\boldsymbol{\delta}^l)^\top" in gradient
    assert r"\nabla_{\mathbf{b}^l} J = \boldsymbol{\delta}^l" in gradient
    # forward arrows point right, backward arrows point left
    for arrow in arrows:
        (x0, _), (x1, _) = arrow._posA_posB
        if arrow.get_gid() == "forward":
            assert x1 > x0
        elif arrow.get_gid() == "backward":
            assert x1 < x0


def test_layer_flow_names_the_objective_and_rejects_an_empty_one():
    ax = Figure().subplots()
    draw_layer_flow(objective=r"\ell", ax=ax)
    gradient = " ".join(texts(ax, "gradient-label"))
    assert r"\nabla_{W^l} \ell = " in gradient and r"\nabla_{\mathbf{b}^l} \ell = " in gradient
    with pytest.raises(ValueError, match="objective"):
        draw_layer_flow(objective="", ax=Figure().subplots())
