"""Acquisition functions: pure functions of a posterior mean, std and incumbent.

Scores are *greater is better* everywhere in skbayes, so every acquisition
rewards a high mean (improvement means ``f(x) > best``) and every one is to be
**maximised**. Each function takes arrays ``mean`` and ``std`` of the same
shape (the surrogate's prediction at candidate points, in standardised units)
and returns an array of that shape; with ``return_grad=True`` it also returns
the derivatives with respect to ``mean`` and ``std``, which the optimizer
chains with a surrogate's input gradient to refine candidates.

- :func:`log_expected_improvement` is ``log E[max(f - best - xi, 0)]``,
  computed so that it neither underflows nor loses its slope far from the
  incumbent (where plain EI is exactly 0 in floating point and gives an
  optimizer nothing to follow).
- :func:`log_probability_of_improvement` is ``log P(f > best + xi)``.
- :func:`upper_confidence_bound` is ``mean + kappa * std``.

:data:`ACQUISITIONS` maps the names that ``BayesSearchCV`` and
:class:`~skbayes.optimizer.Optimizer` take (``"ei"``, ``"pi"``, ``"ucb"``) to
these functions, with the keyword arguments each accepts.
"""

import math

import numpy as np
from scipy.special import erfcx, log_ndtr, ndtr

__all__ = [
    "expected_improvement",
    "log_expected_improvement",
    "probability_of_improvement",
    "log_probability_of_improvement",
    "upper_confidence_bound",
    "ACQUISITIONS",
    "get_acquisition",
]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT_PI_OVER_2 = math.sqrt(math.pi / 2.0)
# std below this is treated as this (a point the model is sure about).
_MIN_STD = 1e-12


def _prepare(mean, std):
    mean = np.asarray(mean, dtype=float)
    std = np.maximum(np.asarray(std, dtype=float), _MIN_STD)
    return mean, std


def _log_h(z):
    """``log(phi(z) + z * Phi(z))``, accurate for every ``z``.

    ``phi(z) + z Phi(z)`` is the expected improvement of a standard normal
    over ``-z``. For ``z < -1`` it is written ``phi(z) * (1 - |z| sqrt(pi/2)
    erfcx(|z| / sqrt 2))`` so that the cancellation happens inside ``log1p``;
    beyond ``|z| > 1e6`` the asymptote ``phi(z) / z**2`` is exact in floats.
    """
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    log_phi = -0.5 * z * z - _LOG_SQRT_2PI
    big = z > -1.0
    if np.any(big):
        zb = z[big]
        out[big] = np.log(np.exp(log_phi[big]) + zb * ndtr(zb))
    mid = (~big) & (z > -1e6)
    if np.any(mid):
        a = -z[mid]
        out[mid] = log_phi[mid] + np.log1p(-a * _SQRT_PI_OVER_2 * erfcx(a / math.sqrt(2.0)))
    tail = z <= -1e6
    if np.any(tail):
        out[tail] = log_phi[tail] - 2.0 * np.log(-z[tail])
    return out


def log_expected_improvement(mean, std, best, xi=0.0, *, return_grad=False):
    """Logarithm of the expected improvement over ``best + xi``.

    ``EI(x) = E[max(f(x) - best - xi, 0)] = std * (z Phi(z) + phi(z))`` with
    ``z = (mean - best - xi) / std``, returned as its logarithm (finite even
    where EI underflows to 0).

    Parameters
    ----------
    mean, std : array-like
        Posterior mean and standard deviation at the candidates.
    best : float
        The incumbent: the value to improve on (the Optimizer passes the
        greatest posterior mean at the told points, or the greatest told
        score: its ``incumbent``).
    xi : float, default=0.0
        Minimum improvement sought; larger values explore more. 0, as in
        Optuna and BoTorch: a positive ``xi`` asks for more improvement than
        is left near a good incumbent, which stalls the refinement (see
        docs/benchmarks.md).
    return_grad : bool, default=False
        Also return the derivatives with respect to ``mean`` and ``std``.

    Returns
    -------
    value : ndarray
    d_mean, d_std : ndarray
        Only with ``return_grad=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from skbayes.acquisition import log_expected_improvement
    >>> float(np.exp(log_expected_improvement(0.0, 1.0, 0.0, xi=0.0)))  # phi(0)
    0.3989...
    """
    mean, std = _prepare(mean, std)
    z = (mean - best - xi) / std
    log_h = _log_h(z)
    value = np.log(std) + log_h
    if not return_grad:
        return value
    # d EI / d mean = Phi(z), d EI / d std = phi(z); divide by EI = std * h(z).
    d_mean = np.exp(log_ndtr(z) - value)
    d_std = np.exp(-0.5 * z * z - _LOG_SQRT_2PI - value)
    return value, d_mean, d_std


def expected_improvement(mean, std, best, xi=0.0):
    """Expected improvement over ``best + xi`` (``exp`` of the log version).

    Parameters
    ----------
    mean, std : array-like
    best : float
    xi : float, default=0.0

    Returns
    -------
    value : ndarray

    Examples
    --------
    >>> from skbayes.acquisition import expected_improvement
    >>> round(float(expected_improvement(1.0, 1e-9, 0.0, xi=0.0)), 6)
    1.0
    """
    return np.exp(log_expected_improvement(mean, std, best, xi))


def log_probability_of_improvement(mean, std, best, xi=0.01, *, return_grad=False):
    """Logarithm of the probability that ``f(x) > best + xi``.

    Parameters
    ----------
    mean, std : array-like
    best : float
    xi : float, default=0.01
        Minimum improvement sought.
    return_grad : bool, default=False

    Returns
    -------
    value : ndarray
    d_mean, d_std : ndarray
        Only with ``return_grad=True``.

    Examples
    --------
    >>> from skbayes.acquisition import log_probability_of_improvement
    >>> float(log_probability_of_improvement(0.0, 1.0, 0.0, xi=0.0))  # log(1/2)
    -0.6931...
    """
    mean, std = _prepare(mean, std)
    z = (mean - best - xi) / std
    value = log_ndtr(z)
    if not return_grad:
        return value
    ratio = np.exp(-0.5 * z * z - _LOG_SQRT_2PI - value)  # phi(z) / Phi(z)
    return value, ratio / std, -ratio * z / std


def probability_of_improvement(mean, std, best, xi=0.01):
    """Probability that ``f(x) > best + xi``.

    Parameters
    ----------
    mean, std : array-like
    best : float
    xi : float, default=0.01

    Returns
    -------
    value : ndarray

    Examples
    --------
    >>> from skbayes.acquisition import probability_of_improvement
    >>> float(probability_of_improvement(0.0, 1.0, 0.0, xi=0.0))
    0.5
    """
    mean, std = _prepare(mean, std)
    return ndtr((mean - best - xi) / std)


def upper_confidence_bound(mean, std, best=None, kappa=1.96, *, return_grad=False):
    """``mean + kappa * std``: optimism in the face of uncertainty.

    Parameters
    ----------
    mean, std : array-like
    best : float or None
        Ignored (accepted so that every acquisition has one signature).
    kappa : float, default=1.96
        Weight of the uncertainty; larger values explore more.
    return_grad : bool, default=False

    Returns
    -------
    value : ndarray
    d_mean, d_std : ndarray
        Only with ``return_grad=True``.

    Examples
    --------
    >>> from skbayes.acquisition import upper_confidence_bound
    >>> float(upper_confidence_bound(1.0, 0.5, kappa=2.0))
    2.0
    """
    mean, std = _prepare(mean, std)
    value = mean + kappa * std
    if not return_grad:
        return value
    return value, np.ones_like(value), np.full_like(value, kappa)


#: name -> (function to maximise, its keyword arguments and their defaults).
ACQUISITIONS = {
    "ei": (log_expected_improvement, {"xi": 0.0}),
    "pi": (log_probability_of_improvement, {"xi": 0.01}),
    "ucb": (upper_confidence_bound, {"kappa": 1.96}),
}


def get_acquisition(acquisition, acquisition_kwargs=None):
    """Resolve an acquisition name or callable and check its keyword arguments.

    Parameters
    ----------
    acquisition : {"ei", "pi", "ucb"} or callable
        A callable is called as ``acquisition(mean, std, best, **kwargs)`` and
        must return values to maximise (it gets no gradient, so candidates are
        then refined without one).
    acquisition_kwargs : dict or None
        Extra keyword arguments (``xi`` for ``"ei"``/``"pi"``, ``kappa`` for
        ``"ucb"``).

    Returns
    -------
    func : callable
    kwargs : dict
        The defaults updated with ``acquisition_kwargs``.
    has_grad : bool
        Whether ``func`` accepts ``return_grad=True``.

    Raises
    ------
    ValueError
        For an unknown name or an argument the acquisition does not take.
    """
    kwargs = dict(acquisition_kwargs or {})
    if callable(acquisition):
        return acquisition, kwargs, False
    if acquisition not in ACQUISITIONS:
        raise ValueError(
            f"acquisition must be one of {sorted(ACQUISITIONS)} or a callable; "
            f"got {acquisition!r}."
        )
    func, defaults = ACQUISITIONS[acquisition]
    unknown = sorted(set(kwargs) - set(defaults))
    if unknown:
        raise ValueError(
            f"acquisition_kwargs {unknown} do not apply to acquisition="
            f"{acquisition!r}, which takes {sorted(defaults)}."
        )
    for key, value in kwargs.items():
        if not isinstance(value, (int, float, np.floating, np.integer)) or not math.isfinite(value):
            raise ValueError(
                f"acquisition_kwargs[{key!r}] must be a finite number; got {value!r}."
            )
    return func, {**defaults, **kwargs}, True
