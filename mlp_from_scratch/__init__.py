"""mlp_from_scratch: the NumPy multilayer perceptron of the book *MLP from Scratch*.

>>> from mlp_from_scratch import MLP
>>> net = MLP([64, 32, 10], hidden="relu", seed=0)
"""

from ._version import __version__
from .network import MLP
from .optimizers import SGD, Adam, AdamW, Momentum, Nesterov, RMSProp
from .schedules import Constant, Cosine, LossRatio, StepDecay, Warmup
from .training import EarlyStopping, History, TrainingDivergedError, train
from . import online

__all__ = ["__version__", "MLP", "train", "online", "History", "TrainingDivergedError", "EarlyStopping",
           "SGD", "Momentum", "Nesterov", "RMSProp", "Adam", "AdamW",
           "Constant", "StepDecay", "Cosine", "Warmup", "LossRatio", "MLPClassifier"]


def __getattr__(name):
    # scikit-learn is optional: import the estimator only when it is asked for
    if name == "MLPClassifier":
        from .estimator import MLPClassifier
        return MLPClassifier
    raise AttributeError(f"module 'mlp_from_scratch' has no attribute {name!r}")
