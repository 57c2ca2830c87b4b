"""The ready multilayer perceptrons: MLPNetClassifier and MLPNetRegressor.

Their architecture (width, depth, dropout, activation) is made of the net's own
parameters, so a search space over it is one flat dict; the input and output
sizes come from the data at fit. Everything else is ``NetClassifier`` and
``NetRegressor``'s.
"""

from numbers import Integral, Real

import numpy as np
import torch
from skorch.utils import is_dataset
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints
from sklearn.utils.validation import check_consistent_length, validate_data

from ._docs import _doc
from ._modules import ACTIVATIONS, MLP
from ._net import NetClassifier, NetRegressor


_MLP_PARAMS = """    hidden_units : int, default=64
        Width of every hidden layer.

    n_layers : int, default=2
        Number of hidden layers (0: a linear model).

    dropout : float, default=0.0
        Dropout probability after each hidden layer.

    activation : str or torch.nn.Module class, default="relu"
        One of "relu", "leaky_relu", "elu", "selu", "gelu", "silu", "tanh",
        "sigmoid", or a module class.

    module : torch.nn.Module class, default=skbayes.nets.MLP
        Built as ``module(n_features=..., n_outputs=..., hidden_units=...,
        n_layers=..., dropout=..., activation=..., **module__kwargs)``.
"""


class _MLPNet:
    """Builds the MLP from the net's own parameters and the data's shape."""

    _module_supplied = ("n_features", "n_outputs", "hidden_units", "n_layers", "dropout",
                        "activation")
    _mlp_constraints = {
        "hidden_units": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS)), type],
    }

    def _validate_tunable_params(self):
        params = {name: getattr(self, name) for name in self._mlp_constraints}
        validate_parameter_constraints(self._mlp_constraints, params, type(self).__name__)
        super()._validate_tunable_params()

    def _n_outputs(self):
        raise AttributeError  # defined by the classifier and the regressor

    def initialize_module(self):
        if not hasattr(self, "n_features_in_"):
            raise AttributeError(
                f"{type(self).__name__} builds its module from the data: call fit first."
            )
        kwargs = self.get_params_for("module")
        kwargs.update(
            n_features=self.n_features_in_,
            n_outputs=self._n_outputs(),
            hidden_units=self.hidden_units,
            n_layers=self.n_layers,
            dropout=self.dropout,
            activation=self.activation,
        )
        self.module_ = self.module(**kwargs)
        return self

    def _validate_X(self, X, y=None, reset=False):
        if is_dataset(X) or torch.is_tensor(X):
            return X
        X = validate_data(self, X, dtype=np.float32, reset=reset)
        if y is not None:
            check_consistent_length(X, y)
        return X

    def get_dataset(self, X, y=None):
        if not self.__dict__.get("_in_session_"):  # in fit, X was validated on entry
            X = self._validate_X(X)
        return super().get_dataset(X, y)

    def fit(self, X, y, **fit_params):
        X = self._validate_X(X, y, reset=True)
        return super().fit(X, y, **fit_params)

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        if not self.__dict__.get("_in_session_"):
            X = self._validate_X(X, y, reset=not self.initialized_)
        return super().partial_fit(X, y, classes=classes, **fit_params)


class MLPNetClassifier(_MLPNet, NetClassifier):
    __doc__ = _doc(
        """A multilayer-perceptron classifier whose architecture and training are parameters.

    Width, depth, dropout, activation, optimizer, learning rate, weight
    decay, batch size and epochs are ordinary constructor parameters, so a
    search space over them is one dict. Input and output sizes come from the
    data at fit. A skorch ``NeuralNetClassifier`` underneath: every skorch
    parameter and callback works.

    Parameters
    ----------
{mlp_params}{shared_params}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit``.

    n_features_in_ : int
        Number of features seen in ``fit``.

    feature_names_in_ : ndarray of shape (n_features,)
        Names of the features seen in ``fit`` (pandas input only).
{shared_attributes}
    See Also
    --------
    NetClassifier : The same for any PyTorch module.
    sklearn.neural_network.MLPClassifier : scikit-learn's own MLP (no GPU).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skbayes import LowDiscrepancySearchCV
    >>> from skbayes.space import Integer, Real
    >>> from skbayes.nets import MLPNetClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> pipe = make_pipeline(StandardScaler(), MLPNetClassifier(max_epochs=10, random_state=0))
    >>> search = LowDiscrepancySearchCV(pipe, {
    ...     "mlpnetclassifier__hidden_units": Integer(8, 64, prior="log-uniform"),
    ...     "mlpnetclassifier__lr": Real(1e-3, 1e-1, prior="log-uniform"),
    ...     "mlpnetclassifier__dropout": Real(0.0, 0.3)}, n_iter=4, cv=3, random_state=0)
    >>> bool(search.fit(X, y).best_score_ > 0.8)
    True
    """.replace("{mlp_params}", _MLP_PARAMS)
    )

    def __init__(self, hidden_units=64, n_layers=2, dropout=0.0, activation="relu", *,
                 module=MLP, criterion=torch.nn.CrossEntropyLoss, optimizer="adam", lr=1e-3,
                 weight_decay=0.0, momentum=0.9, batch_size=32, max_epochs=20,
                 early_stopping=False, validation_fraction=0.1, patience=5,
                 train_split=None, device="auto", max_fits_per_gpu=1, random_state=None,
                 verbose=0, **kwargs):
        super().__init__(module, criterion=criterion, optimizer=optimizer, lr=lr,
                         weight_decay=weight_decay, momentum=momentum, batch_size=batch_size,
                         max_epochs=max_epochs, early_stopping=early_stopping,
                         validation_fraction=validation_fraction, patience=patience,
                         train_split=train_split, device=device,
                         max_fits_per_gpu=max_fits_per_gpu, random_state=random_state,
                         verbose=verbose, **kwargs)
        self.hidden_units = hidden_units
        self.n_layers = n_layers
        self.dropout = dropout
        self.activation = activation

    def _n_outputs(self):
        return len(self.classes_)


class MLPNetRegressor(_MLPNet, NetRegressor):
    __doc__ = _doc(
        """A multilayer-perceptron regressor whose architecture and training are parameters.

    Width, depth, dropout, activation, optimizer, learning rate, weight
    decay, batch size and epochs are ordinary constructor parameters, so a
    search space over them is one dict. Input and output sizes come from the
    data at fit. Scale the target (e.g. with
    :class:`~sklearn.compose.TransformedTargetRegressor`) when it is far from
    unit scale. A skorch ``NeuralNetRegressor`` underneath.

    Parameters
    ----------
{mlp_params}{shared_params}
    Attributes
    ----------
    n_features_in_ : int
        Number of features seen in ``fit``.

    feature_names_in_ : ndarray of shape (n_features,)
        Names of the features seen in ``fit`` (pandas input only).
{shared_attributes}
    See Also
    --------
    NetRegressor : The same for any PyTorch module.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.preprocessing import scale
    >>> from skbayes.nets import MLPNetRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> net = MLPNetRegressor(hidden_units=16, lr=1e-2, max_epochs=30, random_state=0)
    >>> bool(net.fit(scale(X), scale(y)).score(scale(X), scale(y)) > 0.4)
    True
    """.replace("{mlp_params}", _MLP_PARAMS)
    )

    def __init__(self, hidden_units=64, n_layers=2, dropout=0.0, activation="relu", *,
                 module=MLP, criterion=torch.nn.MSELoss, optimizer="adam", lr=1e-3,
                 weight_decay=0.0, momentum=0.9, batch_size=32, max_epochs=20,
                 early_stopping=False, validation_fraction=0.1, patience=5,
                 train_split=None, device="auto", max_fits_per_gpu=1, random_state=None,
                 verbose=0, **kwargs):
        super().__init__(module, criterion=criterion, optimizer=optimizer, lr=lr,
                         weight_decay=weight_decay, momentum=momentum, batch_size=batch_size,
                         max_epochs=max_epochs, early_stopping=early_stopping,
                         validation_fraction=validation_fraction, patience=patience,
                         train_split=train_split, device=device,
                         max_fits_per_gpu=max_fits_per_gpu, random_state=random_state,
                         verbose=verbose, **kwargs)
        self.hidden_units = hidden_units
        self.n_layers = n_layers
        self.dropout = dropout
        self.activation = activation

    def _n_outputs(self):
        return getattr(self, "target_width_", 1)
