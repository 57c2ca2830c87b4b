"""skorch nets that tune like any scikit-learn estimator.

What the classes here add to skorch's ``NeuralNetClassifier`` and
``NeuralNetRegressor``, each in one small piece:

- ``random_state`` seeds torch, numpy, Python's ``random`` and the training
  DataLoader for the duration of ``fit`` (the global generators are restored
  afterwards), so the same search picks the same winner run to run.
- ``device="auto"`` and GPU slots (``_devices.py``): the device is chosen in
  the process that trains, at fit, one GPU per parallel fit.
- ``optimizer`` by name, ``weight_decay``/``momentum`` as plain parameters.
- ``early_stopping``: a validation split carved from the data given to
  ``fit`` (the training fold under cross-validation), patience, and the best
  epoch's weights restored in memory (no checkpoint files that parallel fits
  would overwrite).
- A real Ctrl-C stops training *and* propagates (skorch swallows every
  ``KeyboardInterrupt`` raised during training, which would let a search go
  on to its next candidate).
- ``module__*`` and ``optimizer__*`` names are checked against the module's
  and optimizer's signatures when set, and their defaults are listed by
  ``get_params(deep=True)``: a misspelt search dimension fails at once, with
  a suggestion, not after every fit of the search.
"""

import contextlib
import inspect
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import EarlyStopping
from skorch.dataset import ValidSplit
from skorch.utils import is_dataset, to_numpy
from sklearn.base import is_classifier
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, column_or_1d

from .._suggest import did_you_mean, hint_for
from ._devices import (
    GPUSlots,
    check_parallel_fits,
    cuda_device_count,
    is_pooled_cuda,
    resolve_device,
)
from ._docs import _doc
from ._modules import OPTIMIZERS, optimizer_class
from ._params import _RESOLVED, _ResolvedAtFit, _init_parameters
from ._session import _seed_worker, _seeded, _watch_interrupts

# -- helpers ---------------------------------------------------------------------


def _as_float32(X):
    """Floating numpy input as float32, the dtype of torch's default weights."""
    if isinstance(X, np.ndarray) and X.dtype.kind == "f" and X.dtype != np.float32:
        return X.astype(np.float32)
    return X


# -- the shared behaviour --------------------------------------------------------


class _TunableNet:
    """What every skbayes net adds to a skorch net (see the module docstring)."""

    device = _ResolvedAtFit()
    optimizer = _ResolvedAtFit()
    train_split = _ResolvedAtFit()

    #: ``module__*`` names the net sets itself (the MLP's architecture).
    _module_supplied = ()

    _tunable_constraints = {
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1})],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device, None],
        "max_fits_per_gpu": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    # -- parameters --------------------------------------------------------------
    def get_params(self, deep=True, **kwargs):
        params = super().get_params(deep=deep, **kwargs)
        for name in _RESOLVED:
            if name in self.__dict__:
                params[name] = self.__dict__[name]
        if deep:
            for key, value in self._routed_defaults().items():
                params.setdefault(key, value)
        return params

    def set_params(self, **kwargs):
        self._check_routed_names(kwargs)
        return super().set_params(**kwargs)

    def _routed_targets(self, params):
        """(prefix, class, names the net supplies) for the routed prefixes we check."""
        module = params.get("module", self.__dict__.get("module"))
        opt = params.get("optimizer", self.__dict__.get("optimizer"))
        try:
            opt = optimizer_class(opt)
        except ValueError:
            opt = None
        criterion = params.get("criterion", self.__dict__.get("criterion"))
        return [
            ("module", module, set(self._module_supplied)),
            ("optimizer", opt, {"params", "lr", "weight_decay", "momentum"}),
            ("criterion", criterion, set()),
        ]

    def _routed_defaults(self):
        """``prefix__name -> default`` for the module's and optimizer's parameters."""
        out = {}
        for prefix, target, supplied in self._routed_targets({}):
            if prefix == "criterion":
                continue
            for name, default in (_init_parameters(target) or {}).items():
                if name not in supplied and default is not inspect.Parameter.empty:
                    out[f"{prefix}__{name}"] = default
        return out

    def _check_routed_names(self, params):
        """Refuse ``module__x``/``optimizer__x``/``criterion__x`` that the target does not take.

        Also ``module_x`` (one underscore), which skorch would accept here and
        refuse only when the net is initialised.
        """
        prefixes = sorted(set(self.prefixes_) | {"module", "criterion", "optimizer"},
                          key=len, reverse=True)
        for key in params:
            for prefix in prefixes:
                if key == prefix or key.startswith(prefix + "__") or not key.startswith(prefix):
                    continue
                suggestion = prefix + "__" + key[len(prefix) :].lstrip("_")
                raise ValueError(
                    f"{key!r} is not a parameter of {type(self).__name__}{hint_for(suggestion)}."
                )
        for prefix, target, supplied in self._routed_targets(params):
            accepted = _init_parameters(target)
            for key in params:
                if not key.startswith(prefix + "__"):
                    continue
                name = key[len(prefix) + 2 :]
                if "__" in name or (prefix == "optimizer" and name == "param_groups"):
                    continue
                if name in supplied and prefix == "module":
                    raise ValueError(
                        f"{key!r}: {type(self).__name__} sets the module's {name!r} itself; "
                        f"tune the net's own parameter {name!r} instead."
                    )
                if accepted is None or name in accepted:
                    continue
                legal = sorted(set(accepted) - supplied)
                hint = did_you_mean(name, {n: f"{prefix}__{n}" for n in legal})
                raise ValueError(
                    f"{key!r} is not a parameter of {prefix} {target.__name__}{hint}. "
                    f"Its parameters are {[f'{prefix}__{n}' for n in legal]}."
                )

    def _validate_tunable_params(self):
        params = {name: self.__dict__.get(name) for name in self._tunable_constraints}
        validate_parameter_constraints(self._tunable_constraints, params, type(self).__name__)
        device = self.__dict__.get("device")
        if isinstance(device, str) and device != "auto":
            try:
                torch.device(device)
            except RuntimeError:
                raise ValueError(
                    f"The 'device' parameter of {type(self).__name__} must be 'auto', "
                    f"'cpu', 'cuda', 'cuda:<index>' or None; got {device!r}."
                ) from None
        self._check_routed_names(self.get_params(deep=False))

    # -- what fit resolves -------------------------------------------------------
    def _draw_seed(self):
        if self.random_state is None:
            return None
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _resolve_train_split(self, seed):
        split = self.__dict__.get("train_split")
        if split is not None or not self.early_stopping:
            return split
        return ValidSplit(
            self.validation_fraction, stratified=is_classifier(self), random_state=seed
        )

    def _resolve(self, seed, *, keep_device, hold_slot):
        """Fill ``resolved_params_``; return the GPU lease to release after fit (or None)."""
        previous = self.__dict__.get("resolved_params_") or {}
        optimizer = optimizer_class(self.__dict__.get("optimizer"))
        train_split = self._resolve_train_split(seed)
        lease = None
        if keep_device and "device" in previous:
            device = previous["device"]
        else:
            device = resolve_device(self.__dict__.get("device"))
        if device is not None and torch.device(device).type == "cuda":
            n_gpus = cuda_device_count()
            if n_gpus == 0:
                raise RuntimeError(
                    f"{type(self).__name__}(device={self.__dict__.get('device')!r}) asks "
                    f"for CUDA, but torch sees no GPU here; use device='auto' to fall "
                    f"back to the CPU."
                )
            limit = self.max_fits_per_gpu if hold_slot else None
            index = None if is_pooled_cuda(device) else torch.device(device).index
            lease = GPUSlots(n_gpus, limit).acquire(only=index)
            device = lease.device
            if lease.waited > 0:
                warnings.warn(
                    f"This fit waited {lease.waited:.1f} s for a free GPU: more nets train "
                    f"in parallel than {n_gpus if index is None else 1} GPU(s) x "
                    f"max_fits_per_gpu={limit} allow. Lower n_jobs, or raise "
                    f"max_fits_per_gpu if several nets fit in one GPU's memory.",
                    UserWarning,
                    stacklevel=2,
                )
        self.__dict__["resolved_params_"] = {
            "device": device,
            "optimizer": optimizer,
            "train_split": train_split,
        }
        self.random_seed_ = seed
        return lease

    @contextlib.contextmanager
    def _training_session(self, *, keep_device):
        """Validation, device, seeds and Ctrl-C handling around one training."""
        if self.__dict__.get("_in_session_"):
            yield
            return
        self._validate_tunable_params()
        seed = self._draw_seed()
        lease = self._resolve(seed, keep_device=keep_device, hold_slot=True)
        with contextlib.ExitStack() as stack:
            if lease is not None:
                stack.callback(lease.release)
            generator = stack.enter_context(_seeded(seed, self.device))
            watch = stack.enter_context(_watch_interrupts())
            self.__dict__["_in_session_"] = True
            self.__dict__["_loader_generator_"] = generator
            try:
                yield
            finally:
                self.__dict__.pop("_in_session_", None)
                self.__dict__.pop("_loader_generator_", None)
        if watch.fired:
            raise KeyboardInterrupt

    @property
    def device_(self):
        """The device the net trained on (``"cpu"``, ``"cuda:0"``, ...)."""
        resolved = self.__dict__.get("resolved_params_")
        if resolved is None:
            raise AttributeError(f"This {type(self).__name__} is not fitted yet: no device_.")
        return resolved["device"]

    # -- skorch hooks -------------------------------------------------------------
    def initialize(self):
        if not self.__dict__.get("_in_session_"):
            # initialize() called directly: resolve, without holding a GPU slot
            self._validate_tunable_params()
            self._resolve(self._draw_seed(), keep_device=False, hold_slot=False)
        return super().initialize()

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        with self._training_session(keep_device=self.initialized_):
            return super().partial_fit(X, y, classes=classes, **fit_params)

    @property
    def _default_callbacks(self):
        callbacks = list(super()._default_callbacks)
        if self.early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(monitor="valid_loss", patience=self.patience, load_best=True),
                )
            )
        return callbacks

    def get_params_for(self, prefix):
        params = super().get_params_for(prefix)
        if prefix == "iterator_train":
            params.setdefault("shuffle", True)
            generator = self.__dict__.get("_loader_generator_")
            if generator is not None:
                params.setdefault("generator", generator)
                if params.get("num_workers", 0) > 0:
                    params.setdefault("worker_init_fn", _seed_worker)
        return params

    def get_params_for_optimizer(self, prefix, named_parameters):
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        if prefix == "optimizer":
            accepted = _init_parameters(self.optimizer) or {}
            if "weight_decay" in accepted:
                kwargs.setdefault("weight_decay", self.weight_decay)
            if "momentum" in accepted:
                kwargs.setdefault("momentum", self.momentum)
        return args, kwargs

    def get_dataset(self, X, y=None):
        return super().get_dataset(_as_float32(X), y)

    # -- searches ------------------------------------------------------------------
    def _check_parallel_fits(self, n_workers):
        """Called by skbayes searches before dispatching: warn on GPU oversubscription."""
        return check_parallel_fits(
            n_workers, self.__dict__.get("device"), self.max_fits_per_gpu
        )

    # -- pickling ------------------------------------------------------------------
    def __setstate__(self, state):
        raw = state.get("device")
        resolved = state.get("resolved_params_")
        if resolved is not None:
            state["device"] = resolved["device"]
        elif isinstance(raw, str) and raw == "auto":
            state["device"] = "cpu"
        super().__setstate__(state)
        if resolved is not None:  # skorch may have mapped a missing GPU to the CPU
            resolved["device"] = self.__dict__["device"]
        self.__dict__["device"] = raw


def _init_tunable(net, *, weight_decay, momentum, early_stopping, validation_fraction, patience,
                  max_fits_per_gpu, random_state):
    """Store the parameters skbayes adds to skorch's (skorch stores its own)."""
    net.weight_decay = weight_decay
    net.momentum = momentum
    net.early_stopping = early_stopping
    net.validation_fraction = validation_fraction
    net.patience = patience
    net.max_fits_per_gpu = max_fits_per_gpu
    net.random_state = random_state


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


# -- any module -----------------------------------------------------------------------


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
