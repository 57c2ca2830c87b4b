"""Proposers: models that turn the scores of one rung into new candidates.

A proposer has one method::

    propose(space, U, scores, n, rng) -> ndarray of shape (n, space.n_dims)

``U`` holds the unit-cube points evaluated at one resource level and
``scores`` their finite scores (greater is better); the result is ``n`` new
points of the unit cube. :class:`HalvingBayesSearchCV` fits a proposer on the
highest rung with enough observations each time a bracket starts.

- :class:`ParzenProposer`: BOHB's multivariate kernel density estimator
  (Falkner, Klein and Hutter, 2018): a Parzen density ``l`` over the best
  points and ``g`` over the others; each proposal is the best of a few draws
  from a widened ``l`` by the ratio ``l / g``.
- :class:`RegressorProposer`: any scikit-learn regressor fitted on the
  one-hot encoding of the points; proposals maximise expected improvement
  (with ``predict(X, return_std=True)`` or the spread of an ensemble's
  members) over random points and perturbations of the best ones.
"""

import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm

from .space import Categorical

__all__ = ["ParzenProposer", "RegressorProposer"]


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
    categorical ones. Each proposal is the best of ``n_samples`` draws from
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

    def _bandwidths(self, centres, cat):
        n, d = centres.shape
        bw = np.empty(d)
        for j in range(d):
            if j in cat:
                k = cat[j]
                # Aitchison-Aitken: probability of leaving the centre's category
                bw[j] = np.clip(n ** (-1 / 5), self.min_bandwidth, (k - 1) / k)
            else:
                bw[j] = max(1.06 * np.std(centres[:, j]) * n ** (-1 / 5), self.min_bandwidth)
        return bw

    def _log_density(self, X, centres, bw, cat, space):
        """``log`` of the product-kernel density of ``centres`` at ``X``."""
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
        return logsumexp(log_k, axis=1) - np.log(centres.shape[0])

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

    def propose(self, space, U, scores, n, rng):
        """``n`` new unit-cube points (see the module docstring)."""
        U = np.asarray(U, dtype=float).reshape(-1, space.n_dims)
        scores = np.asarray(scores, dtype=float)
        if space.n_dims == 0:
            return np.empty((n, 0))
        cat = _categorical_columns(space)
        good, bad = self._split(U, scores)
        bw_good, bw_bad = self._bandwidths(good, cat), self._bandwidths(bad, cat)
        draws = self._sample(good, bw_good, cat, space, n * self.n_samples, rng)
        ratio = self._log_density(draws, good, bw_good, cat, space) - self._log_density(
            draws, bad, bw_bad, cat, space
        )
        ratio = ratio.reshape(n, self.n_samples)
        best = np.argmax(ratio, axis=1)
        return draws.reshape(n, self.n_samples, -1)[np.arange(n), best]


class RegressorProposer:
    """Expected-improvement proposals from a scikit-learn regressor.

    The regressor (cloned at each call) is fitted on ``space.one_hot(U)`` and
    standardised scores. Its uncertainty is ``predict(X, return_std=True)``
    when it supports it (a Gaussian process), else the spread of the
    predictions of its ``estimators_`` (a random forest), else zero (pure
    exploitation of the mean). Candidates are ``n_candidates`` uniform points
    and as many Gaussian perturbations (scale 0.1) of the best observations;
    the ``n`` proposals are the distinct best by expected improvement.

    Parameters
    ----------
    regressor : regressor object
    n_candidates : int, default=512
    xi : float, default=0.01
        Exploration margin of expected improvement (in standard deviations of
        the scores).
    """

    def __init__(self, regressor, n_candidates=512, xi=0.01):
        self.regressor = regressor
        self.n_candidates = n_candidates
        self.xi = xi

    def _mean_std(self, model, X):
        try:
            mean, std = model.predict(X, return_std=True)
            return np.asarray(mean, float), np.asarray(std, float)
        except TypeError:
            pass
        members = getattr(model, "estimators_", None)
        if members is not None and len(np.ravel(members)) > 1:
            preds = np.array([m.predict(X) for m in np.ravel(members)])
            return preds.mean(axis=0), preds.std(axis=0)
        return np.asarray(model.predict(X), float), np.zeros(X.shape[0])

    def propose(self, space, U, scores, n, rng):
        """``n`` new unit-cube points (see the module docstring)."""
        from sklearn.base import clone

        U = np.asarray(U, dtype=float).reshape(-1, space.n_dims)
        y = np.asarray(scores, dtype=float)
        y = (y - y.mean()) / (y.std() or 1.0)
        model = clone(self.regressor)
        if hasattr(model, "random_state") and "random_state" in model.get_params():
            model.set_params(random_state=int(rng.integers(2**31 - 1)))
        model.fit(space.one_hot(U), y)
        top = U[np.argsort(-y, kind="stable")[: max(1, len(y) // 4)]]
        local = top[rng.integers(len(top), size=self.n_candidates)]
        local = np.clip(local + 0.1 * rng.standard_normal(local.shape), 0.0, 1.0)
        C = np.vstack([space.sample_unit(self.n_candidates, rng), local])
        mean, std = self._mean_std(model, space.one_hot(C))
        best = y.max()
        z = (mean - best - self.xi) / np.maximum(std, 1e-12)
        ei = np.where(std > 1e-12, (mean - best - self.xi) * norm.cdf(z) + std * norm.pdf(z), np.maximum(mean - best, 0))
        out, seen = [], set()
        for i, key in zip(np.argsort(-ei, kind="stable"), space.keys(C[np.argsort(-ei, kind="stable")])):
            if key in seen:
                continue
            seen.add(key)
            out.append(C[i])
            if len(out) == n:
                break
        while len(out) < n:
            out.append(space.sample_unit(1, rng)[0])
        return np.asarray(out)
