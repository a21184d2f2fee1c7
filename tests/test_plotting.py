"""Plots: what is drawn, not how it looks (data of the lines and images, labels)."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

from mlp_from_scratch import History  # noqa: E402
from mlp_from_scratch.plotting import plot_history, show_images, show_weight_images  # noqa: E402


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
