"""Proposers: models that turn the scores of one rung into new candidates.

A proposer has one method::

    propose(space, U, scores, n, rng) -> ndarray of shape (n, space.n_dims)

``U`` holds the unit-cube points evaluated at one resource level and
``scores`` their finite scores (greater is better); the result is ``n`` new
points of the unit cube. A proposer that trades improvement against cost
also takes ``log_costs`` (the log of the seconds each point took to fit,
``nan`` where unknown), passed only when the search is cost aware.
:class:`HalvingBayesSearchCV` fits a proposer each time a bracket starts, on
the highest rung with enough observations or, with ``model_levels="all"``, on
every configuration so far, whose ``scores`` are then ranks (the index of the
highest resource level it reached plus its score's quantile there).

- :class:`ParzenProposer`: BOHB's multivariate kernel density estimator
  (Falkner, Klein and Hutter, 2018): a Parzen density ``l`` over the best
  points and ``g`` over the others; each proposal is the best of a few draws
  from a widened ``l`` by the ratio ``l / g``.
- :class:`SurrogateProposer`: a :mod:`skbayes.surrogates` model (GP, random
  forest, TPE or the user's own) through the
  :class:`~skbayes.optimizer.Optimizer`, which proposes the ``n`` points as one
  batch.
"""

import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm

from ..space import Categorical

__all__ = ["ParzenProposer", "SurrogateProposer"]


def _categorical_columns(space):
    """Index and number of categories of each categorical dimension."""
    return {j: d.cardinality for j, d in enumerate(space.dimensions) if isinstance(d, Categorical)}


class ParzenProposer:
    """Tree-structured Parzen proposals with a multivariate KDE, as in BOHB.

    The observations are split into the best ``max(min_points, gamma * n)``
    (density ``l``) and the worst ``max(min_points, (1 - gamma) * n)``
    (density ``g``), ``min_points`` being the number of dimensions plus one.
    Both densities are products of one kernel per dimension: a normal kernel
    truncated to ``[0, 1]`` with Scott's bandwidth for numeric dimensions (the
    unit cube makes log priors linear), an Aitchison-Aitken kernel for
    categorical ones (its bandwidth by the same rule on the spread of the
    categories). Each proposal is the best of ``n_samples`` draws from
    ``l`` with bandwidths multiplied by ``bandwidth_factor``, ranked by
    ``log l - log g``.

    Parameters
    ----------
    gamma : float, default=0.15
        Fraction of the observations that are "good".
    n_samples : int, default=64
        Draws from ``l`` per proposal.
    bandwidth_factor : float, default=3.0
        Widening of ``l`` when drawing (exploration around the good points).
    min_bandwidth : float, default=1e-3
        Floor of every bandwidth (in unit-cube coordinates), so that equal
        points still spread.

    Notes
    -----
    With ``log_costs`` (cost-aware proposals), draws are ranked by expected
    improvement per second instead (Snoek, Larochelle and Adams, 2012): the
    log of TPE's expected improvement, ``-log(gamma + (1 - gamma) g / l)``
    (Bergstra et al., 2011), minus the expected log cost at the draw, a
    kernel regression (Nadaraya-Watson, the same product kernel over every
    point with a known cost) of the observed log costs. Without two known
    costs, the ranking is TPE's.
    """

    def __init__(self, gamma=0.15, n_samples=64, bandwidth_factor=3.0, min_bandwidth=1e-3):
        self.gamma = gamma
        self.n_samples = n_samples
        self.bandwidth_factor = bandwidth_factor
        self.min_bandwidth = min_bandwidth

    def _split(self, U, scores):
        n, d = U.shape
        min_points = d + 1
        order = np.argsort(-scores, kind="stable")
        n_good = min(n, max(min_points, int(self.gamma * n)))
        n_bad = min(n, max(min_points, n - int(self.gamma * n)))
        return U[order[:n_good]], U[order[n - n_bad :]]

    def _bandwidths(self, centres, cat, space):
        n, d = centres.shape
        bw = np.empty(d)
        for j in range(d):
            if j in cat:
                k = cat[j]
                # Aitchison-Aitken: probability of leaving the centre's
                # category; the normal reference rule on the categories'
                # spread (0 when the centres agree), as BOHB's KDE does
                idx = space.dimensions[j].indices_from_unit(centres[:, j])
                p = np.bincount(idx, minlength=k) / n
                spread = np.sqrt(max(0.0, 1.0 - np.sum(p**2)))
                bw[j] = np.clip(1.06 * spread * n ** (-1 / 5), self.min_bandwidth, (k - 1) / k)
            else:
                bw[j] = max(1.06 * np.std(centres[:, j]) * n ** (-1 / 5), self.min_bandwidth)
        return bw

    def _log_density(self, X, centres, bw, cat, space):
        """``log`` of the product-kernel density of ``centres`` at ``X``."""
        log_k = self._log_kernels(X, centres, bw, cat, space)
        return logsumexp(log_k, axis=1) - np.log(centres.shape[0])

    def _expected_log_cost(self, X, U, log_costs, cat, space):
        """Kernel regression of ``log_costs`` (observed at ``U``) at ``X``; None if too few."""
        known = np.isfinite(log_costs)
        if known.sum() < 2:
            return None
        centres, values = U[known], log_costs[known]
        log_k = self._log_kernels(X, centres, self._bandwidths(centres, cat, space), cat, space)
        weights = np.exp(log_k - logsumexp(log_k, axis=1, keepdims=True))
        return weights @ values

    def _log_kernels(self, X, centres, bw, cat, space):
        """``log`` of each centre's kernel at each row of ``X``: shape (len(X), len(centres))."""
        log_k = np.zeros((X.shape[0], centres.shape[0]))
        for j in range(X.shape[1]):
            if j in cat:
                dim = space.dimensions[j]
                xi = dim.indices_from_unit(X[:, j])[:, None]
                ci = dim.indices_from_unit(centres[:, j])[None, :]
                k = cat[j]
                log_k += np.where(xi == ci, np.log1p(-bw[j]), np.log(bw[j] / (k - 1)))
            else:
                c, h = centres[None, :, j], bw[j]
                mass = norm.cdf((1 - c) / h) - norm.cdf(-c / h)
                log_k += norm.logpdf((X[:, j : j + 1] - c) / h) - np.log(h) - np.log(mass)
        return log_k

    def _sample(self, centres, bw, cat, space, m, rng):
        idx = rng.integers(centres.shape[0], size=m)
        X = centres[idx].copy()
        for j in range(X.shape[1]):
            if j in cat:
                dim, k = space.dimensions[j], cat[j]
                cur = dim.indices_from_unit(X[:, j])
                leave = rng.random(m) < bw[j]
                other = (cur + rng.integers(1, k, size=m)) % k
                new = np.where(leave, other, cur)
                X[:, j] = dim.to_unit(dim.values())[new]  # cell centres
            else:
                h = min(self.bandwidth_factor * bw[j], 1.0)
                # truncated normal around the centre, by inversion
                lo, hi = norm.cdf(-X[:, j] / h), norm.cdf((1 - X[:, j]) / h)
                q = lo + rng.random(m) * (hi - lo)
                X[:, j] = np.clip(X[:, j] + h * norm.ppf(np.clip(q, 1e-12, 1 - 1e-12)), 0.0, 1.0)
        return X

    def propose(self, space, U, scores, n, rng, log_costs=None):
        """``n`` new unit-cube points (see the module docstring).

        ``log_costs`` (optional, aligned with ``U``): rank the draws by
        expected improvement per second (see Notes).
        """
        U = np.asarray(U, dtype=float).reshape(len(U), space.n_dims)
        scores = np.asarray(scores, dtype=float)
        if space.n_dims == 0:
            return np.empty((n, 0))
        cat = _categorical_columns(space)
        good, bad = self._split(U, scores)
        bw_good, bw_bad = self._bandwidths(good, cat, space), self._bandwidths(bad, cat, space)
        draws = self._sample(good, bw_good, cat, space, n * self.n_samples, rng)
        ratio = self._log_density(draws, good, bw_good, cat, space) - self._log_density(
            draws, bad, bw_bad, cat, space
        )
        if log_costs is not None:
            cost = self._expected_log_cost(draws, U, np.asarray(log_costs, dtype=float), cat, space)
            if cost is not None:
                # log EI of TPE (monotone in the ratio), per expected second
                ratio = -np.logaddexp(np.log(self.gamma), np.log1p(-self.gamma) - ratio) - cost
        ratio = ratio.reshape(n, self.n_samples)
        best = np.argmax(ratio, axis=1)
        return draws.reshape(n, self.n_samples, -1)[np.arange(n), best]


class SurrogateProposer:
    """Proposals from a :mod:`skbayes.surrogates` model through the :class:`~skbayes.optimizer.Optimizer`.

    The optimizer is told the rung's points and scores, then asked for ``n``
    candidates at once: a regression surrogate (GP, random forest) maximises
    the acquisition with the constant-liar rule between the points of the
    batch (the worst told score as the lie), a sampling surrogate (TPE)
    proposes by its own rule; points already evaluated at that level are
    never proposed again.

    Parameters
    ----------
    surrogate : {"gp", "rf", "tpe"} or object
        As :class:`~skbayes.optimizer.Optimizer` takes it.
    acquisition : str or callable, default="ei"
    """

    def __init__(self, surrogate, acquisition="ei"):
        self.surrogate = surrogate
        self.acquisition = acquisition

    def propose(self, space, U, scores, n, rng):
        """``n`` new unit-cube points (see the module docstring)."""
        from ._bayes import Optimizer

        opt = Optimizer(
            [space],
            surrogate=self.surrogate,
            acquisition=self.acquisition,
            n_initial_points=0,  # the rung's observations are the design
            # a bracket is a wide batch that halving then prunes: it keeps the
            # worst lie, which spreads it, as in every halving benchmark so far
            # (the Optimizer's default, the mean, was measured on batches of 8)
            liar="worst",
            random_state=np.random.default_rng(rng.integers(2**63 - 1)),
        )
        U = np.asarray(U, dtype=float).reshape(len(U), space.n_dims)
        opt.tell(space.from_unit(U), np.asarray(scores, dtype=float))
        params = opt.ask(n)
        out = space.to_unit(params) if params else np.empty((0, space.n_dims))
        if len(out) < n:  # a finite space with fewer new candidates
            out = np.vstack([out, space.sample_unit(n - len(out), rng)])
        return out
