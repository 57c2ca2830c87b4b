"""Prototype (thirteenth session): why ``max_ordered_lengthscale="prior"`` costs batches.

Two variants for ``bench_bayesmark.py`` (docs/benchmarks.md, "The length-scale
bound: batches, more problems, and a default by the batch size"):

- ``skbayes-gp-lsordp-freelie``: the bounded GP chooses the first point of a
  batch; the lies of the later points are conditioned under an unbounded fit
  of the same told points (fitted once per batch, warm-started from the
  previous one). Tests whether a bounded length scale repels a batch's later
  points less far. One at a time it is ``skbayes-gp-lsordp`` exactly (no lies).
- ``skbayes-gp-lsord<c>``: a fixed bound ``c`` on ordered length scales, for
  bounds of 3 and 4 times the prior's centre on a given problem (2.12 and 2.83
  in 2 dimensions).

Usage: python benchmarks/results/lengthscale_batch_prototype.py <bench_bayesmark.py's arguments>
"""
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
import numpy as np  # noqa: E402

from skbayes.surrogates import GaussianProcess  # noqa: E402


class FreeLieGP(GaussianProcess):
    """The bounded fit for ``fit``; ``update`` (a batch's lies) under an unbounded fit."""

    def fit(self, X, y):
        if getattr(self, "_bounded_theta", None) is not None:
            self.theta_ = self._bounded_theta  # warm start from the bounded fit
            self._bounded_theta = None
        super().fit(X, y)
        self._told = (np.asarray(X, float), np.asarray(y, float).reshape(-1))
        self._free_ready = False
        return self

    def update(self, X, y):
        if not hasattr(self, "theta_"):
            return self.fit(X, y)
        if not self._free_ready:
            params = {k: v for k, v in self.get_params().items() if k != "max_ordered_lengthscale"}
            free = GaussianProcess(**params)
            free.__dict__.update(getattr(self, "_free_state", {}))
            free.fit(*self._told)
            self._free_state = {k: free.__dict__[k] for k in ("theta_", "n_fits_", "n_optimised_")
                                if k in free.__dict__}
            self._bounded_theta = self.theta_.copy()
            self._free_theta = free.theta_.copy()
            self._free_ready = True
        self.theta_ = self._free_theta
        return self._condition(np.asarray(X, float), np.asarray(y, float).reshape(-1))


import bench_bayesmark as bm  # noqa: E402

_variants = bm._skbayes_variants


def variants():
    d = _variants()
    d["skbayes-gp-lsordp-freelie"] = {"surrogate": FreeLieGP(max_ordered_lengthscale="prior")}
    for c in (2.12, 2.83):
        d[f"skbayes-gp-lsord{c}"] = {"surrogate": GaussianProcess(max_ordered_lengthscale=c)}
    return d


bm._skbayes_variants = variants

if __name__ == "__main__":
    bm.main()
