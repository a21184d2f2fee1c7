"""Diagrams: what is drawn (units, edges, numbers, symbols), not how it looks."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

from mlp_from_scratch import MLP  # noqa: E402
from mlp_from_scratch.diagrams import (describe_dropout, draw_dropout, draw_dropout_flow,  # noqa: E402
                                       draw_layer_flow, draw_network, draw_worked_example)


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
    activations, _ = net.forward_pass(x[None, :])
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


def test_dropout_draws_the_masks_of_the_package():
    """The drawn units and weights follow masks drawn by the package's own dropout."""
    net = MLP([4, 6, 5, 3], dropout=0.5, seed=3)
    activations, _ = net.forward_pass(np.ones((1, 4)), training=True)
    keep = [activations.dropped[l][0][0] > 0 for l in (1, 2)]      # scaled masks r / (1 - p), one example
    assert not all(r.all() for r in keep), "seed 3 should drop at least one unit"
    ax = Figure().subplots()
    assert draw_dropout([4, 6, 5, 3], keep, ax=ax) is ax
    n_dropped = sum(int((~r).sum()) for r in keep)
    assert len(by_gid(ax, "dropped-unit")) == n_dropped
    assert len(by_gid(ax, "unit")) == 4 + 6 + 5 + 3 - n_dropped
    assert len(by_gid(ax, "cross")) == 2 * n_dropped
    kept = [np.ones(4, bool)] + keep + [np.ones(3, bool)]
    active = sum(int(kept[l].sum() * kept[l + 1].sum()) for l in range(3))
    assert len(by_gid(ax, "edge")) == active
    assert len(by_gid(ax, "dropped-edge")) == 4 * 6 + 6 * 5 + 5 * 3 - active
    layers = texts(ax, "layer")
    assert r"\mathbf{a}^0 = \mathbf{x}" in layers[0] and r"\mathbf{r}^{1}" in layers[1]
    assert r"\mathbf{r}^{2}" in layers[2] and r"\mathbf{a}^{3}" in layers[3]


def test_dropout_edges_touching_a_dropped_unit_are_the_dropped_ones():
    ax = Figure().subplots()
    draw_dropout([2, 3, 2], [np.array([1, 0, 1])], ax=ax)
    (dropped_unit,) = by_gid(ax, "dropped-unit")
    x, y = dropped_unit.center
    for line in by_gid(ax, "dropped-edge"):
        xs, ys = line.get_xdata(), line.get_ydata()
        # one end of every dropped edge is at the dropped unit (up to the unit's radius)
        assert min(np.hypot(xs - x, ys - y)) <= dropped_unit.radius + 1e-9
    for line in by_gid(ax, "edge"):
        xs, ys = line.get_xdata(), line.get_ydata()
        assert min(np.hypot(xs - x, ys - y)) > dropped_unit.radius + 1e-9


@pytest.mark.parametrize("sizes, keep, match", [
    ([3, 4, 2], [np.ones(3)], "shape"),                          # wrong length
    ([3, 4, 2], [np.ones(4), np.ones(4)], "one mask per hidden layer"),
    ([3, 4, 2], [np.array([1, 0, 0.5, 1])], "only 0"),          # a scaled mask, not 0/1
    ([3, 2], [], "one mask per hidden layer"),                   # no hidden layer: nothing to drop
    ([3], [], "layer_sizes"),
])
def test_dropout_rejects_masks_that_do_not_fit(sizes, keep, match):
    with pytest.raises(ValueError, match=match):
        draw_dropout(sizes, keep, ax=Figure().subplots())
    with pytest.raises(ValueError, match=match):
        describe_dropout(sizes, keep)


def test_dropout_description_is_made_from_the_masks():
    keep = [np.array([1, 0, 1, 1, 0]), np.array([0, 1, 1, 1, 1])]
    text = describe_dropout([4, 5, 5, 3], keep)
    assert "layers of 4, 5, 5 and 3 units" in text
    assert "In hidden layer 1, 2 of 5 units (units 2 and 5 from the top) are crossed out" in text
    assert "In hidden layer 2, 1 of 5 units (unit 1 from the top) is crossed out" in text
    # kept weights: 4*3 into layer 1, 3*4 between the hidden layers, 4*3 into the outputs
    assert f"{4 * 3 + 3 * 4 + 4 * 3} of the {4 * 5 + 5 * 5 + 5 * 3} weights" in text
    assert "every unit is kept" in describe_dropout([2, 3, 2], [np.ones(3)])


def test_dropout_flow_puts_one_mask_into_both_passes():
    ax = Figure().subplots()
    assert draw_dropout_flow(ax=ax) is ax
    boxes = [p for p in ax.patches if type(p).__name__ == "FancyBboxPatch"]
    assert sorted(p.get_gid() for p in boxes) == ["backward"] * 3 + ["forward"] * 3 + ["mask"]
    arrows = [p for p in ax.patches if type(p).__name__ == "FancyArrowPatch"]
    assert sorted(a.get_gid() for a in arrows) == ["backward"] * 2 + ["forward"] * 2 + ["mask"] * 2
    forward = " ".join(texts(ax, "forward-label"))
    backward = " ".join(texts(ax, "backward-label"))
    assert r"\tilde{\mathbf{a}}^l = \mathbf{r}^l \odot \mathbf{a}^l / (1 - p)" in forward
    assert r"(W^{l+1})^\top \tilde{\mathbf{a}}^l" in forward
    assert r"f'(\mathbf{z}^l) \odot \mathbf{r}^l \odot W^{l+1} \boldsymbol{\delta}^{l+1} / (1 - p)" in backward
    mask_box = next(p for p in boxes if p.get_gid() == "mask")
    centre_y = mask_box.get_y() + mask_box.get_height() / 2
    # the mask's arrows leave the mask box, one up into the forward row and one down into the backward row
    ends = sorted(a._posA_posB[1][1] - centre_y for a in arrows if a.get_gid() == "mask")
    assert ends[0] < 0 < ends[1]
    for arrow in arrows:
        (x0, _), (x1, _) = arrow._posA_posB
        if arrow.get_gid() == "forward":
            assert x1 > x0
        elif arrow.get_gid() == "backward":
            assert x1 < x0
