"""Tune PyTorch models through skorch like any scikit-learn estimator.

Importing :mod:`skbayes` never imports torch; this subpackage does, and needs
the ``nets`` extra (``pip install "skbayes[nets]"``: PyTorch and skorch).

- :class:`MLPNetClassifier`, :class:`MLPNetRegressor`: ready multilayer
  perceptrons whose width, depth, dropout, activation, optimizer, learning
  rate, weight decay, batch size and epochs are constructor parameters.
- :class:`NetClassifier`, :class:`NetRegressor`: the same mechanics for any
  PyTorch module (``module__*`` parameters).
- All of them: ``device="auto"`` resolved at fit, one GPU per parallel fit,
  ``random_state`` for reproducible searches, early stopping inside the
  training fold, and a Ctrl-C that stops the search.
"""

try:
    import skorch  # noqa: F401
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised without torch only
    raise ImportError(
        "skbayes.nets needs PyTorch and skorch, which are not installed: "
        'pip install "skbayes[nets]"'
    ) from exc

from ._devices import GPUSlots, check_parallel_fits, resolve_device
from ._modules import ACTIVATIONS, MLP, OPTIMIZERS
from ._mlp import MLPNetClassifier, MLPNetRegressor
from ._net import NetClassifier, NetRegressor

__all__ = [
    "MLPNetClassifier",
    "MLPNetRegressor",
    "NetClassifier",
    "NetRegressor",
    "MLP",
    "ACTIVATIONS",
    "OPTIMIZERS",
    "GPUSlots",
    "check_parallel_fits",
    "resolve_device",
]
