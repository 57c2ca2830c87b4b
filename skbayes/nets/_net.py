"""The nets for any PyTorch module: NetClassifier and NetRegressor.

Each is skorch's net with what ``_TunableNet`` adds (``_tunable.py``). The
classifier takes labels of any kind (strings, gaps) and gives them back; the
regressor takes a 1-D ``y`` and predicts 1-D, as scikit-learn's regressors do.
"""

import numpy as np
import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.utils import is_dataset, to_numpy
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, column_or_1d

from ._docs import _doc
from ._tunable import _TunableNet, _init_tunable


class _ClassifierLabels:
    """Any labels (strings, gaps) for skorch, which wants ``0..n_classes-1``."""

    def _encode_labels(self, y, known=None):
        if y is None or is_dataset(y):
            return y
        y = np.asarray(to_numpy(y) if torch.is_tensor(y) else y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.ndim != 1:
            return y
        check_classification_targets(y)
        if known is None and self.classes is not None and len(self.classes):
            known = np.asarray(self.classes)
        if known is not None:
            lookup = {c: i for i, c in enumerate(known.tolist())}
            unknown = sorted({v for v in y.tolist() if v not in lookup}, key=str)
            if unknown:
                raise ValueError(
                    f"y has labels {unknown[:5]} that are not among the classes {list(known)}."
                )
            classes = known
            encoded = np.array([lookup[v] for v in y.tolist()], dtype=np.int64)
        else:
            classes, encoded = np.unique(y, return_inverse=True)
        self.classes_fitted_ = classes
        return encoded.astype(np.int64)

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Go on training the net (initialising it first if needed).

        Parameters
        ----------
        X : array-like, tensor, dict or skorch Dataset
            Training input.
        y : array-like of shape (n_samples,)
            Labels; after the first call, only labels seen then (or given in
            ``classes``) are allowed.
        classes : array-like, optional
            All the labels, for a first call that may not see each of them.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
        """
        if not self.__dict__.get("_in_session_"):
            known = self.__dict__.get("classes_fitted_") if self.initialized_ else None
            if known is None and classes is not None:
                known = np.asarray(classes)
            y = self._encode_labels(y, known)
        return super().partial_fit(X, y, classes=classes, **fit_params)

    @property
    def classes_(self):
        classes = self.__dict__.get("classes_fitted_")
        if classes is not None:
            return classes
        return super().classes_

    def predict(self, X):
        """Class labels for the samples in ``X`` (the labels given to ``fit``).

        Parameters
        ----------
        X : array-like or skorch-compatible input
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        index = self.predict_proba(X).argmax(axis=1)
        classes = self.__dict__.get("classes_fitted_")
        return classes[index] if classes is not None else index


class NetClassifier(_ClassifierLabels, _TunableNet, NeuralNetClassifier):
    __doc__ = _doc(
        """A skorch classifier for any PyTorch module, ready to be tuned.

    The module returns logits (one per class). Labels may be any values
    (strings, gaps); ``classes_`` holds them and ``predict`` returns them.
    Tune the module's arguments as ``module__<name>`` (checked against its
    signature, listed by ``get_params()`` with their defaults).

    Parameters
    ----------
    module : torch.nn.Module class or instance
        The network. Its constructor arguments are set as ``module__<name>``.

    criterion : torch.nn.Module class, default=torch.nn.CrossEntropyLoss
        The loss (logits in, class indices as targets).
{shared_params}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit`` (or ``classes`` when given).
{shared_attributes}
    See Also
    --------
    MLPNetClassifier : A ready multilayer perceptron for tabular data.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skbayes.nets import NetClassifier
    >>> class Linear(torch.nn.Module):
    ...     def __init__(self, n_in=4, n_out=2):
    ...         super().__init__()
    ...         self.lin = torch.nn.Linear(n_in, n_out)
    ...     def forward(self, X):
    ...         return self.lin(X)
    >>> X = np.random.RandomState(0).randn(40, 4)
    >>> y = np.where(X[:, 0] > 0, "yes", "no")
    >>> net = NetClassifier(Linear, max_epochs=5, random_state=0).fit(X, y)
    >>> net.predict(X[:2]).dtype.kind
    'U'
    """
    )

    def __init__(self, module, *, criterion=torch.nn.CrossEntropyLoss, optimizer="adam",
                 lr=1e-3, weight_decay=0.0, momentum=0.9, batch_size=32, max_epochs=20,
                 early_stopping=False, validation_fraction=0.1, patience=5,
                 train_split=None, device="auto", max_fits_per_gpu=1, random_state=None,
                 verbose=0, **kwargs):
        super().__init__(module, criterion=criterion, optimizer=optimizer, lr=lr,
                         batch_size=batch_size, max_epochs=max_epochs,
                         train_split=train_split, device=device, verbose=verbose, **kwargs)
        _init_tunable(self, weight_decay=weight_decay, momentum=momentum,
                      early_stopping=early_stopping, validation_fraction=validation_fraction,
                      patience=patience, max_fits_per_gpu=max_fits_per_gpu,
                      random_state=random_state)

    def fit(self, X, y, **fit_params):
        """Train the net from scratch (unless ``warm_start``) on ``X``, ``y``.

        Parameters
        ----------
        X : array-like, tensor, dict or skorch Dataset
            Training input, as skorch takes it; floating numpy arrays are cast
            to float32.
        y : array-like of shape (n_samples,)
            Labels, of any type.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
        """
        y = self._encode_labels(y)
        with self._training_session(keep_device=self.warm_start and self.initialized_):
            super().fit(X, y, **fit_params)
        return self


class NetRegressor(_TunableNet, NeuralNetRegressor):
    __doc__ = _doc(
        """A skorch regressor for any PyTorch module, ready to be tuned.

    The module returns one column per target. ``y`` may be 1-D (then
    ``predict`` returns 1-D, as scikit-learn's regressors do) and of any
    floating dtype.

    Parameters
    ----------
    module : torch.nn.Module class or instance
        The network. Its constructor arguments are set as ``module__<name>``.

    criterion : torch.nn.Module class, default=torch.nn.MSELoss
        The loss.
{shared_params}
    Attributes
    ----------
{shared_attributes}
    See Also
    --------
    MLPNetRegressor : A ready multilayer perceptron for tabular data.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skbayes.nets import NetRegressor
    >>> X = np.random.RandomState(0).randn(40, 3)
    >>> y = X @ [1.0, -2.0, 0.5]
    >>> net = NetRegressor(torch.nn.Linear, module__in_features=3, module__out_features=1,
    ...                    lr=0.05, max_epochs=30, random_state=0).fit(X, y)
    >>> net.predict(X).shape
    (40,)
    """
    )

    def __init__(self, module, *, criterion=torch.nn.MSELoss, optimizer="adam", lr=1e-3,
                 weight_decay=0.0, momentum=0.9, batch_size=32, max_epochs=20,
                 early_stopping=False, validation_fraction=0.1, patience=5,
                 train_split=None, device="auto", max_fits_per_gpu=1, random_state=None,
                 verbose=0, **kwargs):
        super().__init__(module, criterion=criterion, optimizer=optimizer, lr=lr,
                         batch_size=batch_size, max_epochs=max_epochs,
                         train_split=train_split, device=device, verbose=verbose, **kwargs)
        _init_tunable(self, weight_decay=weight_decay, momentum=momentum,
                      early_stopping=early_stopping, validation_fraction=validation_fraction,
                      patience=patience, max_fits_per_gpu=max_fits_per_gpu,
                      random_state=random_state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _prepare_target(self, y):
        if y is None or is_dataset(y) or torch.is_tensor(y):
            return y
        y = check_array(y, ensure_2d=False, dtype=np.float32, input_name="y")
        self.target_ndim_ = y.ndim
        self.target_width_ = 1 if y.ndim == 1 else y.shape[1]
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Go on training the net (initialising it first if needed).

        Parameters
        ----------
        X : array-like, tensor, dict or skorch Dataset
            Training input.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        classes : None
            Unused, for the scikit-learn API.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
        """
        if not self.__dict__.get("_in_session_"):
            y = self._prepare_target(y)
        return super().partial_fit(X, y, classes=classes, **fit_params)

    def fit(self, X, y, **fit_params):
        """Train the net from scratch (unless ``warm_start``) on ``X``, ``y``.

        Parameters
        ----------
        X : array-like, tensor, dict or skorch Dataset
            Training input; floating numpy arrays are cast to float32.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
        """
        y = self._prepare_target(y)
        with self._training_session(keep_device=self.warm_start and self.initialized_):
            super().fit(X, y, **fit_params)
        return self

    def predict(self, X):
        """Predicted targets, 1-D when ``fit`` was given a 1-D ``y``.

        Parameters
        ----------
        X : array-like or skorch-compatible input
            Samples.

        Returns
        -------
        y_pred : ndarray of float64, shape (n_samples,) or (n_samples, n_targets)
        """
        y_pred = np.asarray(super().predict(X), dtype=np.float64)
        if getattr(self, "target_ndim_", 2) == 1 and y_pred.ndim == 2 and y_pred.shape[1] == 1:
            return y_pred.ravel()
        return y_pred
