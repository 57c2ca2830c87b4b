"""What every skbayes net adds to a skorch net, in the mixin ``_TunableNet``.

Each addition to skorch's ``NeuralNetClassifier`` and ``NeuralNetRegressor``
is one small piece:

- ``random_state`` seeds torch, numpy, Python's ``random`` and the training
  DataLoader for the duration of ``fit`` (the global generators are restored
  afterwards, ``_session.py``), so the same search picks the same winner run
  to run.
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
from skorch.callbacks import EarlyStopping
from skorch.dataset import ValidSplit
from sklearn.base import is_classifier
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)

from .._suggest import did_you_mean, hint_for
from ._devices import (
    GPUSlots,
    check_parallel_fits,
    cuda_device_count,
    is_pooled_cuda,
    resolve_device,
)
from ._modules import OPTIMIZERS, optimizer_class
from ._params import _RESOLVED, _ResolvedAtFit, _init_parameters
from ._session import _seed_worker, _seeded, _watch_interrupts


def _as_float32(X):
    """Floating numpy input as float32, the dtype of torch's default weights."""
    if isinstance(X, np.ndarray) and X.dtype.kind == "f" and X.dtype != np.float32:
        return X.astype(np.float32)
    return X


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
