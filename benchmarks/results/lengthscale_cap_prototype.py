"""Prototype: the GP's length scales of ordered inputs at most ``max_ordered`` (unit-cube widths).

One-hot columns of categoricals keep the default bound (0.01, 100): a long
length scale there means "the categories score alike", a belief the data
can support; a length scale many times the box along an ordered input makes
the GP nearly flat along it from few points, which is what hides the
unsampled notch of linear-wine-nll (docs/benchmarks.md). A column counts as
one-hot when all its values are 0 or 1 (ordered inputs are encoded strictly
inside the unit cube). ``max_ordered="prior"`` bounds them at twice the
prior's centre instead (``2 x lengthscale_prior x sqrt(n_columns)``), which
grows with the dimension as the prior does. Registers skbayes-gp-lsord1 and
skbayes-gp-lsordp in both benchmark scripts.

Usage: python benchmarks/results/lengthscale_cap_prototype.py quality|bayesmark <the script's arguments>
"""
import math
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
import numpy as np  # noqa: E402

from skbayes.surrogates import GaussianProcess  # noqa: E402


class OrderedCapGP(GaussianProcess):
    def __init__(self, *, max_ordered=1.0, n_restarts=1, noise_bounds=(1e-6, 0.5),
                 lengthscale_bounds=(0.01, 100.0), amplitude_bounds=(0.05, 20.0), lengthscale_prior=0.5,
                 prior_scale=1.0, max_iter=60, warm_start=False, recentre_every=5, refit_fraction=0.05,
                 noise_check=0.05, random_state=None):
        super().__init__(n_restarts=n_restarts, noise_bounds=noise_bounds, lengthscale_bounds=lengthscale_bounds,
                         amplitude_bounds=amplitude_bounds, lengthscale_prior=lengthscale_prior,
                         prior_scale=prior_scale, max_iter=max_iter, warm_start=warm_start,
                         recentre_every=recentre_every, refit_fraction=refit_fraction,
                         noise_check=noise_check, random_state=random_state)
        self.max_ordered = max_ordered

    def _set_columns(self, X):
        X = np.asarray(X, dtype=float)
        self._one_hot = np.all((X == 0.0) | (X == 1.0), axis=0)

    def fit(self, X, y):
        self._set_columns(X)
        return super().fit(X, y)

    def update(self, X, y):
        self._set_columns(X)
        return super().update(X, y)

    def _bounds(self, d):
        bounds = super()._bounds(d)
        one_hot = getattr(self, "_one_hot", np.zeros(d, dtype=bool))
        cap = 2.0 * self.lengthscale_prior * math.sqrt(max(d, 1)) if self.max_ordered == "prior" else self.max_ordered
        for j in range(d):
            if not one_hot[j]:
                lo, hi = bounds[1 + j]
                bounds[1 + j] = (lo, min(hi, math.log(cap)))
        return bounds


import bench_bayes_common as bc  # noqa: E402
import bench_bayesmark as bm  # noqa: E402

bc.OPTIMIZERS["skbayes-gp-lsord1"] = lambda: bc.run_skbayes(OrderedCapGP(max_ordered=1.0))
bc.OPTIMIZERS["skbayes-gp-lsordp"] = lambda: bc.run_skbayes(OrderedCapGP(max_ordered="prior"))
_variants = bm._skbayes_variants


def variants():
    d = _variants()
    d["skbayes-gp-lsord1"] = {"surrogate": OrderedCapGP(max_ordered=1.0)}
    d["skbayes-gp-lsordp"] = {"surrogate": OrderedCapGP(max_ordered="prior")}
    return d


bm._skbayes_variants = variants

if __name__ == "__main__":
    which = sys.argv[1]
    sys.argv = [sys.argv[0]] + sys.argv[2:]
    if which == "quality":
        import bench_bayes_quality as q

        q.main()
    else:
        bm.main()
