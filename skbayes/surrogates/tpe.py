"""Tree-structured Parzen estimator (TPE).

TPE splits the observations into the ``gamma`` best ("good") and the rest
("bad", failed candidates included), fits a Parzen density to each, ``l(x)``
and ``g(x)``, draws candidates from ``l`` and keeps the one with the greatest
``log l(x) - log g(x)``: under TPE's model that ratio ranks candidates as
expected improvement does. It works in the unit cube with one coordinate per
dimension and handles categoricals natively (a categorical kernel, not a
one-hot encoding); with conditional subspaces the optimizer adds the ratio of
each subspace's share of good and bad points, which makes the whole
``l / g`` the TPE of the tree of subspaces.

The densities are multivariate: each observation is the centre of a product
kernel over all dimensions (so correlated good regions are kept together),
plus a uniform prior component:

- numeric dimensions (real, integer, distributions): a normal kernel truncated
  to ``[0, 1]``, bandwidth ``bandwidth * n ** (-1 / (d + 4))`` (Scott's rule
  shape), never narrower than half an integer's cell;
- categorical dimensions: the observed category with probability
  ``1 - categorical_smoothing``, any category uniformly otherwise.
"""

import math

import numpy as np
from scipy.special import log_ndtr, logsumexp, ndtr, ndtri

from ..space import Categorical
from ._base import SamplingSurrogate

__all__ = ["TPE"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


class TPE(SamplingSurrogate):
    """Tree-structured Parzen estimator surrogate.

    Parameters
    ----------
    gamma : float, default=0.15
        Fraction of the observations counted as good (at least 1, at most
        ``max_good``).
    max_good : int, default=25
        Cap on the number of good observations.
    n_candidates : int, default=24
        Candidates drawn from ``l(x)`` per proposal; more exploits harder.
    bandwidth : float, default=0.15
        Kernel width scale for numeric dimensions, in unit-cube units.
    prior_weight : float, default=1.0
        Weight of the uniform prior component, in observations.
    categorical_smoothing : float, default=0.2
        Probability that a categorical kernel moves away from its category.

    Attributes
    ----------
    X_ : ndarray of shape (n_samples, n_dims)
    good_ : ndarray of bool of shape (n_samples,)
        Which observations count as good.

    Examples
    --------
    >>> import numpy as np
    >>> from skbayes.space import Space, Real
    >>> from skbayes.surrogates import TPE
    >>> space = Space({"x": Real(0.0, 1.0)})
    >>> X = np.linspace(0, 1, 20)[:, None]
    >>> tpe = TPE().fit(X, -abs(X[:, 0] - 0.3))
    >>> U, values = tpe.propose(space, 24, np.random.default_rng(0))
    >>> bool(abs(U[np.argmax(values), 0] - 0.3) < 0.15)
    True
    """

    def __init__(
        self,
        *,
        gamma=0.15,
        max_good=25,
        n_candidates=24,
        bandwidth=0.15,
        prior_weight=1.0,
        categorical_smoothing=0.2,
    ):
        self.gamma = gamma
        self.max_good = max_good
        self.n_candidates = n_candidates
        self.bandwidth = bandwidth
        self.prior_weight = prior_weight
        self.categorical_smoothing = categorical_smoothing

    def n_good(self, n):
        """Number of good observations among ``n``."""
        if n <= 0:
            return 0
        return int(min(max(1, math.ceil(self.gamma * n)), self.max_good))

    def threshold(self, y):
        """The score a point needs to count as good among scores ``y``."""
        y = np.sort(np.asarray(y, dtype=float))[::-1]
        k = self.n_good(len(y))
        return y[k - 1] if k > 0 else np.inf

    def fit(self, X, y, threshold=None):
        """Split the observations into good and bad.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_dims)
            Unit-cube points (one coordinate per dimension).
        y : ndarray of shape (n_samples,)
            Scores, greater is better (failed candidates imputed as the worst).
        threshold : float or None, default=None
            Points scoring at least this are good; by default the top
            ``gamma`` fraction. The optimizer passes a threshold computed over
            all subspaces.

        Returns
        -------
        self
        """
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float).reshape(-1)
        self.X_ = X
        if threshold is None:
            good = np.zeros(len(y), dtype=bool)
            good[np.argsort(-y, kind="stable")[: self.n_good(len(y))]] = True
        else:
            good = y >= threshold
        self.good_ = good
        return self

    # -- Parzen densities ------------------------------------------------------
    def _widths(self, space, n_centres):
        d = max(space.n_dims, 1)
        base = self.bandwidth * max(n_centres, 1) ** (-1.0 / (d + 4))
        out = np.full(space.n_dims, min(base, 1.0))
        for j, dim in enumerate(space.dimensions):
            if dim.is_finite and not isinstance(dim, Categorical):
                out[j] = max(out[j], 0.5 / dim.cardinality)
        return out

    def _log_density(self, space, centres, U):
        """Log density at ``U`` of the Parzen mixture on ``centres`` (+ prior)."""
        m, n = U.shape[0], centres.shape[0]
        log_k = np.zeros((m, n))
        log_prior = np.zeros(m)
        widths = self._widths(space, n)
        a = self.categorical_smoothing
        for j, dim in enumerate(space.dimensions):
            if isinstance(dim, Categorical):
                k = dim.cardinality
                iu = dim.indices_from_unit(U[:, j])
                ic = dim.indices_from_unit(centres[:, j])
                same = iu[:, None] == ic[None, :]
                log_k += np.where(same, math.log(1.0 - a + a / k), math.log(a / k))
                log_prior += -math.log(k)
            else:
                s = widths[j]
                c = centres[:, j][None, :]
                z = (U[:, j][:, None] - c) / s
                mass = ndtr((1.0 - c) / s) - ndtr(-c / s)
                log_k += -0.5 * z * z - _LOG_SQRT_2PI - math.log(s) - np.log(mass)
        w = self.prior_weight
        total = math.log(n + w)
        parts = [log_k] if n else []
        if w > 0:
            parts.append((log_prior + math.log(w))[:, None])
        return logsumexp(np.hstack(parts), axis=1) - total

    def _sample(self, space, centres, n_samples, rng):
        n = centres.shape[0]
        w = self.prior_weight
        probs = np.append(np.ones(n), w) / (n + w)
        comp = rng.choice(n + 1, size=n_samples, p=probs)
        from_prior = comp == n
        widths = self._widths(space, n)
        a = self.categorical_smoothing
        U = rng.random((n_samples, space.n_dims))  # prior draws, kept where from_prior
        idx = np.minimum(comp, max(n - 1, 0))
        for j, dim in enumerate(space.dimensions):
            if n == 0:
                break
            c = centres[idx, j]
            if isinstance(dim, Categorical):
                k = dim.cardinality
                keep = rng.random(n_samples) >= a
                centre_table = dim.to_unit(dim.values())
                cat = np.where(keep, dim.indices_from_unit(c), rng.integers(0, k, n_samples))
                x = centre_table[cat]
            else:
                s = widths[j]
                lo, hi = ndtr(-c / s), ndtr((1.0 - c) / s)
                p = lo + rng.random(n_samples) * (hi - lo)
                x = np.clip(c + s * ndtri(np.clip(p, 1e-15, 1 - 1e-15)), 0.0, 1.0)
            U[:, j] = np.where(from_prior, U[:, j], x)
        return U

    def propose(self, space, n_candidates, rng):
        """Candidates drawn from ``l(x)`` and their ``log l(x) - log g(x)``.

        Parameters
        ----------
        space : skbayes.space.Space
        n_candidates : int or None
            How many to draw; None uses ``self.n_candidates``.
        rng : numpy.random.Generator

        Returns
        -------
        U : ndarray of shape (n_candidates, space.n_dims)
        values : ndarray of shape (n_candidates,)
        """
        n_candidates = self.n_candidates if n_candidates is None else n_candidates
        good, bad = self.X_[self.good_], self.X_[~self.good_]
        U = self._sample(space, good, n_candidates, rng)
        values = self._log_density(space, good, U) - self._log_density(space, bad, U)
        return U, values
