"""Ready PyTorch modules whose architecture is a handful of tunable numbers."""

import torch
from torch import nn

#: Activation names accepted by :class:`MLP` (and the nets' ``activation``).
ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "selu": nn.SELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}


def activation_class(activation):
    """The ``nn.Module`` class of an activation given by name or class."""
    if isinstance(activation, type) and issubclass(activation, nn.Module):
        return activation
    try:
        return ACTIVATIONS[activation]
    except (KeyError, TypeError):
        raise ValueError(
            f"activation={activation!r} is not supported; use one of "
            f"{sorted(ACTIVATIONS)} or a torch.nn.Module class."
        ) from None


class MLP(nn.Module):
    """A multilayer perceptron: ``n_layers`` blocks of Linear, activation, dropout.

    Parameters
    ----------
    n_features : int
        Width of the input.
    n_outputs : int
        Width of the output (classes for a classifier, targets for a
        regressor). The output is linear: logits or values.
    hidden_units : int, default=64
        Width of every hidden layer.
    n_layers : int, default=2
        Number of hidden layers; 0 gives a linear model.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    activation : str or torch.nn.Module class, default="relu"
        One of :data:`ACTIVATIONS` or a module class built without arguments.

    Examples
    --------
    >>> import torch
    >>> from skbayes.nets import MLP
    >>> MLP(4, 3, hidden_units=8, n_layers=1)(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    """

    def __init__(self, n_features, n_outputs, hidden_units=64, n_layers=2, dropout=0.0,
                 activation="relu"):
        super().__init__()
        act = activation_class(activation)
        layers = []
        width = n_features
        for _ in range(n_layers):
            layers += [nn.Linear(width, hidden_units), act()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = hidden_units
        layers.append(nn.Linear(width, n_outputs))
        self.layers = nn.Sequential(*layers)

    def forward(self, X):
        return self.layers(X)


#: Optimizer names accepted by the nets' ``optimizer`` parameter.
OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}


def optimizer_class(optimizer):
    """The ``torch.optim.Optimizer`` class of an optimizer given by name or class."""
    if isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer):
        return optimizer
    try:
        return OPTIMIZERS[optimizer]
    except (KeyError, TypeError):
        raise ValueError(
            f"optimizer={optimizer!r} is not supported; use one of "
            f"{sorted(OPTIMIZERS)} or a torch.optim.Optimizer class."
        ) from None
