"""Diagrams: what is drawn (units, edges, numbers, symbols), not how it looks."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

from mlp_from_scratch import MLP  # noqa: E402
from mlp_from_scratch.book.diagrams import (describe_dropout, draw_dropout, draw_dropout_flow,  # noqa: E402
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


def test_dropout_draws_the_masks_of_the_package():
    """The drawn units and weights follow masks drawn by the package's own dropout."""
    net = MLP([4, 6, 5, 3], dropout=0.5, seed=3)
    cache = net.forward_pass(np.ones((1, 4)), training=True)
    keep = [cache.dropout[l][0][0] > 0 for l in (1, 2)]      # scaled masks r / (1 - p), one example
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


# ----------------------------------------------------------------- L1 and L2 balls
import io  # noqa: E402

from scipy.optimize import minimize  # noqa: E402

from mlp_from_scratch.book.diagrams import draw_norm_ball, draw_prior_posterior, norm_ball_minimum  # noqa: E402

H_TILTED = np.array([[2.0, 0.6], [0.6, 1.0]])


def loss(w, w_star, H):
    d = np.asarray(w) - w_star
    return 0.5 * d @ H @ d


@pytest.mark.parametrize("norm", [1, 2])
@pytest.mark.parametrize("w_star", [[2.0, 0.5], [-1.5, 2.5], [0.3, -2.0]])
def test_norm_ball_minimum_agrees_with_a_general_constrained_solver(norm, w_star):
    """SciPy's SLSQP, given only the loss and the constraint, finds the same point."""
    w_star, rho = np.array(w_star), 1.0
    w = norm_ball_minimum(w_star, H_TILTED, rho, norm)
    assert np.linalg.norm(w, ord=norm) == pytest.approx(rho, abs=1e-9)   # on the boundary
    constraint = {"type": "ineq", "fun": lambda v: rho - np.linalg.norm(v, ord=norm)}
    best = min((minimize(loss, start, args=(w_star, H_TILTED), constraints=[constraint], method="SLSQP",
                         options={"ftol": 1e-14, "maxiter": 500})
                for start in ([0.1, 0.1], [-0.1, 0.2], [0.2, -0.1])), key=lambda r: r.fun)
    assert loss(w, w_star, H_TILTED) <= best.fun + 1e-6   # SLSQP may overstep the corner slightly
    np.testing.assert_allclose(w, best.x, atol=1e-4)


def test_l1_minimum_sits_on_a_corner_with_an_exact_zero_and_l2_does_not():
    # round loss, w* far along w_1: the L1 ball is touched at its corner (rho, 0)
    w_star = np.array([3.0, 1.0])
    w1 = norm_ball_minimum(w_star, np.eye(2), 1.0, 1)
    assert w1[1] == 0.0 and w1[0] == 1.0
    w2 = norm_ball_minimum(w_star, np.eye(2), 1.0, 2)
    np.testing.assert_allclose(w2, w_star / np.linalg.norm(w_star))    # the radial projection
    assert np.all(w2 != 0)


def test_norm_ball_minimum_inside_the_ball_is_w_star():
    np.testing.assert_array_equal(norm_ball_minimum([0.2, 0.1], H_TILTED, 1.0, 1), [0.2, 0.1])


@pytest.mark.parametrize("kwargs, match", [
    (dict(w_star=[1.0, 2.0, 3.0]), "shape"), (dict(H=np.eye(3)), "shape"),
    (dict(H=np.array([[1.0, 2.0], [0.0, 1.0]])), "symmetric"), (dict(H=-np.eye(2)), "positive definite"),
    (dict(radius=0.0), "radius"), (dict(norm=3), "norm"), (dict(w_star=[np.nan, 1.0]), "finite")])
def test_norm_ball_minimum_rejects_bad_input(kwargs, match):
    args = dict(w_star=[2.0, 1.0], H=np.eye(2), radius=1.0, norm=1) | kwargs
    with pytest.raises(ValueError, match=match):
        norm_ball_minimum(**args)


@pytest.mark.parametrize("norm", [1, 2])
def test_draw_norm_ball_draws_the_touching_contour_and_both_minimisers(norm):
    w_star = np.array([2.0, 0.7])
    ax = Figure().subplots()
    assert draw_norm_ball(w_star, H_TILTED, 1.0, norm, ax=ax, n_contours=3) is ax
    contours = by_gid(ax, "contour")
    assert len(contours) == 3
    w_min = norm_ball_minimum(w_star, H_TILTED, 1.0, norm)
    (minimum,) = by_gid(ax, "minimum")
    np.testing.assert_allclose([minimum.get_xdata()[0], minimum.get_ydata()[0]], w_min)
    (star,) = by_gid(ax, "w-star")
    np.testing.assert_allclose([star.get_xdata()[0], star.get_ydata()[0]], w_star)
    # the first contour is the level set of the loss through the constrained minimiser
    points = np.column_stack([contours[0].get_xdata(), contours[0].get_ydata()])
    levels = [loss(p, w_star, H_TILTED) for p in points]
    np.testing.assert_allclose(levels, loss(w_min, w_star, H_TILTED), rtol=1e-9)
    # ... and never enters the ball: the minimiser is the lowest loss the ball reaches
    assert np.min(np.linalg.norm(points, ord=norm, axis=1)) >= 1.0 - 1e-6
    ax.figure.savefig(io.BytesIO(), format="png")    # the labels render (mathtext)
    (ball,) = by_gid(ax, "ball")
    corners = ball.get_xy() if norm == 1 else None
    if norm == 1:
        assert {tuple(np.round(c, 9)) for c in corners} >= {(1, 0), (0, 1), (-1, 0), (0, -1)}
    else:
        assert ball.get_radius() == 1.0


# ----------------------------------------------------------------- prior and posterior
def test_prior_posterior_draws_normalised_densities_and_the_product():
    theta = np.linspace(-3, 3, 601)
    log_prior = -theta ** 2 / 2                       # N(0, 1), unnormalised
    log_likelihood = -(theta - 1.0) ** 2 / (2 * 0.5 ** 2) + 17.0  # any constant
    ax = Figure().subplots()
    assert draw_prior_posterior(theta, log_prior, log_likelihood, ax=ax, symbol="d") is ax
    curves = {gid: by_gid(ax, gid)[0].get_ydata() for gid in ("prior", "likelihood", "posterior")}
    for values in curves.values():
        assert np.trapezoid(values, theta) == pytest.approx(1.0)
    # the posterior of two Gaussians: precision 1 + 4, mean (0 * 1 + 1 * 4) / 5
    expected = np.exp(-(theta - 0.8) ** 2 * 5 / 2) / np.sqrt(2 * np.pi / 5)
    np.testing.assert_allclose(curves["posterior"], expected, atol=1e-6)
    (mode,) = by_gid(ax, "mode")
    assert mode.get_xdata()[0] == pytest.approx(0.8, abs=0.01)
    ax.figure.savefig(io.BytesIO(), format="png")    # the labels render (mathtext)


def test_prior_posterior_laplace_prior_can_put_the_mode_at_exactly_zero():
    """A Laplace prior steeper than the likelihood's slope at 0 keeps the MAP at 0."""
    theta = np.linspace(-2, 2, 401)                   # 0 is a grid point
    ax = Figure().subplots()
    draw_prior_posterior(theta, -np.abs(theta) / 0.1, -(theta - 0.3) ** 2 / 2, ax=ax)
    (mode,) = by_gid(ax, "mode")
    assert mode.get_xdata()[0] == 0.0


@pytest.mark.parametrize("theta, prior, likelihood, match", [
    (np.linspace(0, 1, 5), np.zeros(4), np.zeros(5), "log_prior"),
    (np.linspace(0, 1, 5), np.zeros(5), np.full(5, np.nan), "log_likelihood"),
    (np.linspace(0, 1, 5), np.full(5, -np.inf), np.zeros(5), "log_prior"),
    (np.linspace(1, 0, 5), np.zeros(5), np.zeros(5), "increasing"),
    (np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 2)), "increasing")])
def test_prior_posterior_rejects_bad_input(theta, prior, likelihood, match):
    with pytest.raises(ValueError, match=match):
        draw_prior_posterior(theta, prior, likelihood, ax=Figure().subplots())
