"""What a candidate is expected to cost: the cost model of cost-aware proposals.

With ``Optimizer(cost_aware=True)`` a proposal maximises the log acquisition
minus the predicted ``log`` seconds of the candidate (expected improvement
per second, Snoek, Larochelle and Adams, 2012). :class:`LogCostModel`
predicts those seconds: for each subspace, a regression of ``log(seconds)``
on the candidates' encoded points.

The regression is the library's own
:class:`~skbayes.surrogates.GaussianProcess`, fitted to standardised log
seconds, for three reasons: fit times of hyperparameters are smooth,
mostly monotone functions of a few coordinates (``C``, ``n_estimators``,
``max_depth``) that a GP with one length scale per input learns from a
handful of points, and it learns how noisy the timings are; it gives
gradients, so the L-BFGS-B refinement of the acquisition maximiser keeps
working with the cost term chained in; and, with ``warm_start``, a refit on
one more point mostly refactorises, so the cost model adds little to the
time of a proposal. The dispatch order's kernel mean
(``skbayes.search._dispatch``) has no gradient and no learned width, and a
random forest would be neither smooth nor differentiable.

The log seconds are standardised over every subspace together, so that
predictions of different subspaces compare, and a subspace with no timed
candidate predicts the mean of the others. A failed candidate's time is
kept, but it is never modelled as cheaper than the median successful one:
a fit that fails at once says nothing about what a fit there costs, and
cheap failures must not draw proposals into the region where fits fail
(the model of the scores already steers away from it).
"""

import math

import numpy as np

from ..space import Categorical
from ..surrogates._base import _encode, _for_space
from ..surrogates.gp import GaussianProcess

__all__ = ["LogCostModel"]

#: seconds below this are taken as this (a timer's resolution; log(0) is -inf)
MIN_SECONDS = 1e-6


class LogCostModel:
    """A regression of ``log(seconds)`` per subspace, refitted as costs are told.

    Parameters
    ----------
    spaces : list of skbayes.space.Space
        The subspaces.
    rng : numpy.random.Generator
        Seeds each subspace's GP (once, when it is first fitted).

    Attributes
    ----------
    models_ : dict of int -> GaussianProcess
        The GP of each subspace, on standardised log seconds.
    n_known_ : int
        How many told costs the last :meth:`fit` used.
    """

    def __init__(self, spaces, rng):
        self.spaces = list(spaces)
        self.rng = rng
        self.models_ = {}
        self.n_known_ = 0
        self._centre, self._scale = 0.0, 1.0

    def fit(self, subspaces, units, seconds, failed):
        """Refit on the told candidates; return False if fewer than two costs are known.

        Parameters
        ----------
        subspaces : array-like of int
        units : list of ndarray
            The told candidates' unit points.
        seconds : array-like of float
            Their costs (``nan``: unknown, left out).
        failed : array-like of bool
            Whether the candidate's evaluation failed.
        """
        subspaces = np.asarray(subspaces, dtype=int)
        seconds = np.asarray(seconds, dtype=float)
        failed = np.asarray(failed, dtype=bool)
        known = np.isfinite(seconds)
        self.n_known_ = int(known.sum())
        if self.n_known_ < 2:
            return False
        log_s = np.full(seconds.shape, np.nan)
        log_s[known] = np.log(np.maximum(seconds[known], MIN_SECONDS))
        good = known & ~failed
        if good.any():
            floor = float(np.median(log_s[good]))
            log_s = np.where(known & failed, np.maximum(log_s, floor), log_s)
        self._centre = float(np.mean(log_s[known]))
        spread = float(np.std(log_s[known]))
        self._scale = spread if spread > 1e-9 else 1.0
        z = (log_s - self._centre) / self._scale
        for s, space in enumerate(self.spaces):
            rows = np.flatnonzero(known & (subspaces == s))
            U = np.asarray([units[i] for i in rows], dtype=float).reshape(rows.size, space.n_dims)
            model = self.models_.get(s)
            if model is None:
                seed = int(self.rng.integers(np.iinfo(np.int32).max))
                model = self.models_[s] = _for_space(GaussianProcess(warm_start=True, random_state=seed), space)
            model.fit(_encode(model, space, U), z[rows])
        return True

    def predict(self, s, U, return_grad=False):
        """Predicted log seconds at unit points ``U`` of subspace ``s``.

        With ``return_grad``, also their derivatives with respect to the unit
        coordinates, shape ``U.shape`` (0 for categorical coordinates, which
        are not moved by gradient).
        """
        space, model = self.spaces[s], self.models_[s]
        U = space.as_points(U)
        X = _encode(model, space, U)
        if not return_grad:
            return self._centre + self._scale * model.predict(X)
        mean, _, d_mean, _ = model.predict(X, return_std=True, return_grad=True)
        grad = np.zeros(U.shape)
        col = 0
        for j, dim in enumerate(space.dimensions):
            if isinstance(dim, Categorical):
                col += dim.cardinality
                continue
            grad[:, j] = d_mean[:, col]
            col += 1
        return self._centre + self._scale * mean, self._scale * grad

    def for_subspace(self, s):
        """``log_cost(U, return_grad=False)`` of subspace ``s``, as the maximiser takes it."""

        def log_cost(U, return_grad=False):
            return self.predict(s, U, return_grad=return_grad)

        return log_cost


def tpe_log_ei(log_ratio, gamma):
    """TPE's density ratio ``log l(x) - log g(x)`` as a log expected improvement.

    For TPE, expected improvement is proportional to
    ``1 / (gamma + (1 - gamma) g(x) / l(x))`` (Bergstra et al., 2011), where
    ``gamma`` is the fraction of good observations: a monotone map of the
    ratio, which saturates where ``l`` dominates, so that the cost decides
    between candidates that are all clearly good.
    """
    gamma = min(max(float(gamma), 1e-12), 1.0)
    log_bad = math.log1p(-gamma) if gamma < 1.0 else -math.inf
    return -np.logaddexp(math.log(gamma), log_bad - np.asarray(log_ratio, dtype=float))
