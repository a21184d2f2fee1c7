"""Plots: what is drawn, not how it looks (data of the lines and images, labels)."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

from mlp_from_scratch import History  # noqa: E402
from mlp_from_scratch.plotting import (plot_history, plot_layer_histograms, plot_trajectories,  # noqa: E402
                                      show_images, show_weight_images)


@pytest.fixture
def history():
    return History(loss=[2.0, 1.0, 0.5], accuracy=[0.3, 0.6, 0.9],
                   val_loss=[2.1, 1.2, 0.8], val_accuracy=[0.25, 0.55, 0.8])


@pytest.mark.parametrize("metric, train, val", [("loss", [2.0, 1.0, 0.5], [2.1, 1.2, 0.8]),
                                                ("accuracy", [0.3, 0.6, 0.9], [0.25, 0.55, 0.8])])
def test_plot_history_draws_training_and_validation_curves(history, metric, train, val):
    ax = Figure().subplots()
    assert plot_history(history, ax=ax, metric=metric) is ax
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["training", "validation"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[0].get_ydata(), train)
    np.testing.assert_array_equal(lines[1].get_ydata(), val)
    assert ax.get_xlabel() == "epoch"
    assert metric in ax.get_ylabel()


def test_plot_history_without_validation_and_from_a_dict():
    ax = Figure().subplots()
    plot_history({"loss": [3.0, 2.0]}, ax=ax, label="run A")
    assert [line.get_label() for line in ax.get_lines()] == ["run A: training"]


def test_plot_history_makes_its_own_axes(history):
    import matplotlib.pyplot as plt
    ax = plot_history(history)
    try:
        assert ax.figure is not None and len(ax.get_lines()) == 2
    finally:
        plt.close(ax.figure)


def test_plot_history_bad_input(history):
    with pytest.raises(ValueError, match="metric must be one of 'loss', 'accuracy'"):
        plot_history(history, metric="f1")
    with pytest.raises(ValueError, match="no 'loss' values"):
        plot_history(History())
    with pytest.raises(ValueError, match="must be a History"):
        plot_history([1, 2, 3])


def test_weight_images_show_each_column_as_an_image():
    W = np.arange(28 * 28 * 3, dtype=float).reshape(28 * 28, 3) - 1000.0
    fig = show_weight_images(W, n_cols=2, titles=["a", "b", "c"], fig=Figure())
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 3 and len(fig.axes) == 4  # a 2 x 2 grid, one cell empty
    np.testing.assert_array_equal(shown[1].images[0].get_array(), W[:, 1].reshape(28, 28))
    assert [ax.get_title() for ax in shown] == ["a", "b", "c"]
    low, high = shown[0].images[0].get_clim()
    assert low == -high  # a diverging colour map centred at zero


def test_weight_images_of_planar_colour_weights():
    """CIFAR layout: 1024 red values, then 1024 green, then 1024 blue."""
    column = np.concatenate([np.full(1024, 1.0), np.full(1024, 0.0), np.full(1024, 0.5)])
    column[0] = 0.0  # pixel (0, 0) has no red
    fig = show_weight_images(column[:, None], image_shape=(32, 32, 3), fig=Figure())
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (32, 32, 3)
    np.testing.assert_allclose(image[5, 5], [1.0, 0.0, 0.5])
    np.testing.assert_allclose(image[0, 0], [0.0, 0.0, 0.5])


def test_interleaved_colour_layout():
    rgb = np.zeros((2, 2, 3))
    rgb[..., 0] = 1.0
    rgb[0, 0] = [0.0, 1.0, 0.0]
    fig = show_images(rgb.reshape(1, -1), [0], layout="interleaved", fig=Figure())
    np.testing.assert_allclose(fig.axes[0].images[0].get_array()[0, 0], [0.0, 1.0, 0.0])
    np.testing.assert_allclose(fig.axes[0].images[0].get_array()[1, 1], [1.0, 0.0, 0.0])


def test_show_images_titles_wrong_predictions_in_red():
    X = np.random.default_rng(0).integers(0, 256, (4, 64)).astype(np.uint8)
    fig = show_images(X, labels=[1, 2, 3, 4], predictions=[1, 2, 0, 4],
                      class_names=list("abcdefghij"), n_cols=4, fig=Figure())
    titles = [ax.title for ax in fig.axes]
    assert [t.get_text() for t in titles] == ["b", "c", "a (d)", "e"]
    assert matplotlib.colors.same_color(titles[2].get_color(), "red")
    assert matplotlib.colors.same_color(titles[0].get_color(), "black")
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), X[0].reshape(8, 8))


def test_show_images_labels_only_and_unflattened_input():
    X = np.zeros((3, 5, 7))
    fig = show_images(X, labels=[7, 8, 9], fig=Figure())
    assert [ax.get_title() for ax in fig.axes] == ["7", "8", "9"]
    assert fig.axes[0].images[0].get_array().shape == (5, 7)


def test_show_images_bad_input():
    with pytest.raises(ValueError, match="X has 2 images but labels has 3"):
        show_images(np.zeros((2, 4)), labels=[1, 2, 3])
    with pytest.raises(ValueError, match="cannot guess the shape of images of 10 values"):
        show_images(np.zeros((2, 10)))
    with pytest.raises(ValueError, match=r"image_shape \(3, 3\) holds 9 values but each image has 10"):
        show_weight_images(np.zeros((10, 2)), image_shape=(3, 3))
    with pytest.raises(ValueError, match="layout must be"):
        show_images(np.zeros((1, 4)), layout="chunky")


def _one_layer_graph():
    from mlp_from_scratch.autodiff import Tensor, relu, softmax_cross_entropy
    X = Tensor(np.zeros((8, 5)), name="X")
    W = Tensor(np.zeros((5, 3)), name="W")
    b = Tensor(np.zeros(3), name="b")
    return softmax_cross_entropy(relu(X @ W + b), np.zeros(8, dtype=int))


def test_plot_graph_draws_one_box_per_tensor_and_one_arrow_per_use():
    from mlp_from_scratch.book.diagrams import plot_graph
    ax = Figure().subplots()
    assert plot_graph(_one_layer_graph(), ax=ax) is ax
    boxes = [p for p in ax.patches if p.get_gid() == "graph-node"]
    arrows = [p for p in ax.patches if p.get_gid() == "graph-edge"]
    labels = {t.get_text() for t in ax.texts}
    assert labels == {"X\n(8, 5)", "W\n(5, 3)", "b\n(3)", "matmul\n(8, 3)", "add\n(8, 3)",
                      "relu\n(8, 3)", "cross-entropy\nscalar"}
    assert len(boxes) == 7
    assert len(arrows) == 6                   # X, W -> matmul; matmul, b -> add; -> relu; -> loss
    centre = {t.get_text().split("\n")[0]: t.get_position() for t in ax.texts}
    assert centre["X"][0] < centre["matmul"][0] < centre["add"][0] < centre["relu"][0] \
        < centre["cross-entropy"][0]
    assert centre["b"][0] == centre["add"][0] - 1          # a leaf stands next to its user


def test_plot_graph_routes_a_long_edge_below_the_boxes():
    from mlp_from_scratch.autodiff import Tensor, tanh
    from mlp_from_scratch.book.diagrams import plot_graph
    x = Tensor(np.ones(3), name="x")
    ax = Figure().subplots()
    plot_graph((tanh(tanh(x)) + x).sum(), ax=ax)          # x is used twice, three columns apart
    arrows = [p for p in ax.patches if p.get_gid() == "graph-edge"]
    boxes = [p for p in ax.patches if p.get_gid() == "graph-node"]
    assert len(arrows) == 5 and len(boxes) == 5
    chain = Figure().subplots()
    plot_graph(tanh(tanh(x)).sum(), ax=chain)             # a chain: every edge is short
    assert ax.get_ylim()[0] < chain.get_ylim()[0]         # room for the lane below the boxes


def test_plot_graph_labels_constants_and_rejects_arrays():
    from mlp_from_scratch.autodiff import Tensor
    from mlp_from_scratch.book.diagrams import plot_graph
    ax = Figure().subplots()
    plot_graph((Tensor(np.ones(2), name="w") * 0.5).sum(), ax=ax)
    assert {t.get_text() for t in ax.texts} == {"w\n(2)", "0.5\nscalar", "mul\n(2)", "sum\nscalar"}
    with pytest.raises(ValueError, match="Tensor"):
        plot_graph(np.ones(3))


# ----------------------------------------------------------------- decision regions
from mlp_from_scratch.plotting import plot_decision_regions  # noqa: E402


class HalfPlanes:
    """A fixed classifier: class 1 right of x_1 = 0, class 2 above x_2 = 1, else 0."""

    def predict(self, X):
        X = np.asarray(X)
        return np.where(X[:, 1] > 1, 2, np.where(X[:, 0] > 0, 1, 0))


def test_decision_regions_colour_each_grid_point_by_the_prediction():
    X = np.array([[-2.0, -1.0], [2.0, 0.0], [0.5, 3.0]])
    y = np.array([0, 1, 2])
    ax = Figure().subplots()
    assert plot_decision_regions(HalfPlanes(), X, y, ax=ax, resolution=50, margin=0.5) is ax
    (image,) = [im for im in ax.images if im.get_gid() == "regions"]
    regions = np.asarray(image.get_array())
    assert regions.shape == (50, 50)
    x1, x2 = np.linspace(-2.5, 2.5, 50), np.linspace(-1.5, 3.5, 50)
    for i in (0, 17, 30, 49):             # row i: the i-th value of x_2, from the bottom
        for j in (0, 24, 25, 49):
            assert regions[i, j] == HalfPlanes().predict([[x1[j], x2[i]]])[0]
    assert image.get_extent() == [-2.5, 2.5, -1.5, 3.5]
    scatters = [c for c in ax.collections if c.get_gid() == "examples"]
    assert len(scatters) == 3
    np.testing.assert_array_equal(np.concatenate([s.get_offsets() for s in scatters]), X)


def test_decision_regions_of_a_fitted_mlp():
    from mlp_from_scratch import MLP

    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-2, 0.5, (20, 2)), rng.normal(2, 0.5, (20, 2))])
    y = np.repeat([0, 1], 20)
    net = MLP([2, 2], output="softmax", seed=0)
    net.fit(X, y, epochs=20, learning_rate=0.5, batch_size=10)
    ax = Figure().subplots()
    plot_decision_regions(net, X, ax=ax, resolution=20)
    regions = np.asarray(ax.images[0].get_array())
    assert regions[0, 0] == 0 and regions[-1, -1] == 1     # bottom left, top right
    import io
    ax.figure.savefig(io.BytesIO(), format="png")          # the labels render (mathtext)


@pytest.mark.parametrize("X, y, model, resolution, match", [
    (np.zeros((3, 3)), None, HalfPlanes(), 10, "shape"),
    (np.zeros((3, 2)), np.zeros(2), HalfPlanes(), 10, "labels"),
    (np.zeros((3, 2)), None, object(), 10, "predict"),
    (np.zeros((3, 2)), None, HalfPlanes(), 1, "resolution")])
def test_decision_regions_reject_bad_input(X, y, model, resolution, match):
    with pytest.raises(ValueError, match=match):
        plot_decision_regions(model, X, y, ax=Figure().subplots(), resolution=resolution)


def _filled_tops(ax):
    """The upper edge of each filled histogram, as (x, y) arrays, in layer order."""
    patches = [c for c in ax.collections if c.get_gid() == "layer-histogram"]
    tops = []
    for patch in patches:
        vertices = patch.get_paths()[0].vertices
        tops.append(vertices)
    return patches, tops


def test_layer_histograms_one_ridge_per_layer_at_its_height():
    rng = np.random.default_rng(0)
    values = [rng.normal(0, 1, 500), rng.normal(3, 1, 500), 5 * np.ones(10)]
    ax = Figure().subplots()
    assert plot_layer_histograms(values, ax=ax, bins=20, value_range=(-5, 6), first_layer=2) is ax
    patches, tops = _filled_tops(ax)
    assert len(patches) == 3
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2", "3", "4"]
    for i, vertices in enumerate(tops):
        assert vertices[:, 1].min() == pytest.approx(i)              # each ridge stands on its own baseline
        assert vertices[:, 1].max() == pytest.approx(i + 0.85)        # the tallest bin reaches the height
    # the constant layer: all its mass in the one bin containing 5, i.e. [4.9, 5.45)
    line = ax.get_lines()[2]
    x, y = line.get_xdata(), line.get_ydata()
    assert set(np.round(x[y > 2 + 1e-9], 2)) == {4.9, 5.45}
    # the second layer's histogram peaks near its mean
    line = ax.get_lines()[1]
    assert abs(line.get_xdata()[np.argmax(line.get_ydata())] - 3) < 1.2


def test_layer_histograms_of_log_abs_leave_out_zeros():
    ax = Figure().subplots()
    plot_layer_histograms([np.array([0.0, 1e-3, -1e-3, 0.0]), np.array([10.0, -100.0])], ax=ax, log_abs=True)
    assert ax.get_xlim() == (-3.0, 2.0)                          # log10 of 1e-3 .. 100; zeros ignored
    assert "log" in ax.get_xlabel()


@pytest.mark.parametrize("values, message", [
    ([], "one array per layer"),
    ([np.array([1.0, np.nan])], "layer 1 must be finite"),
    ([np.zeros(3)], "layer 1 has no values to show"),
])
def test_layer_histograms_bad_input(values, message):
    with pytest.raises(ValueError, match=message):
        plot_layer_histograms(values, ax=Figure().subplots(), log_abs=True)


def test_trajectories_draw_every_path_over_the_contours():
    J = lambda w1, w2: 0.5 * (w1 ** 2 + 10 * w2 ** 2)
    paths = {"GD": [[1.0, 1.0], [0.5, -0.5], [0.25, 0.25]], "momentum": [[1.0, 1.0], [0.2, 0.1]]}
    ax = Figure().subplots()
    assert plot_trajectories(J, paths, ax=ax, xlim=(-1.5, 1.5), ylim=(-1.2, 1.2)) is ax
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert [line.get_label() for line in lines] == ["GD", "momentum"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1.0, 0.5, 0.25])
    np.testing.assert_array_equal(lines[0].get_ydata(), [1.0, -0.5, 0.25])
    start = [line for line in ax.get_lines() if line.get_gid() == "trajectory-start"]
    assert len(start) == 1 and list(start[0].get_xdata()) == [1.0]
    assert len(ax.collections) >= 1                             # the contour set
    assert ax.get_xlim() == (-1.5, 1.5)


@pytest.mark.parametrize("J, paths, message", [
    (lambda a, b: a + b, {}, "at least one path"),
    (lambda a, b: a + b, {"p": [1.0, 2.0]}, r"must have shape \(T \+ 1, 2\)"),
    (lambda a, b: a + b, {"p": [[1.0, np.inf]]}, "must be finite"),
    (lambda a, b: 1.0, {"p": [[0.0, 0.0], [1.0, 1.0]]}, "grid's shape"),
])
def test_trajectories_bad_input(J, paths, message):
    with pytest.raises(ValueError, match=message):
        plot_trajectories(J, paths, ax=Figure().subplots())
