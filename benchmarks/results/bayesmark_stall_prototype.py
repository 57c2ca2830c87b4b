"""Prototype: one random proposal when the best score has not improved for N told candidates."""
import os, sys
for v in ("OMP_NUM_THREADS","OPENBLAS_NUM_THREADS","MKL_NUM_THREADS"): os.environ[v]="1"
sys.path.insert(0, "/work/main/benchmarks")
import numpy as np
import bench_bayesmark as BM
from skbayes.optimizer import Optimizer

class StallOptimizer(Optimizer):
    _stall_n = 10
    def _n_explorations(self):
        base = super()._n_explorations()
        if base or not self.explore_on_ties or self._next_initial < len(self._initial):
            return base
        scores = np.asarray(self.history["score"], dtype=float)
        n, N = len(scores), self._stall_n
        start = getattr(self, "_n_told_at_exploration", 0)
        if n - max(start, len(self._initial)) < N:
            return 0
        before, recent = scores[: n - N], scores[n - N:]
        if np.any(np.isfinite(before)) and not (np.nanmax(recent) > np.nanmax(before)):
            return 1
        return 0

orig_variants = BM._skbayes_variants
STALL = {f"skbayes-stall{k}": k for k in (8, 12, 16, 24)}
def variants():
    v = orig_variants(); v.update({k: {} for k in STALL}); return v
BM._skbayes_variants = variants
orig_init = BM._SkBayes.__init__
def init(self, space, seed, budget, variant="skbayes"):
    if variant in STALL:
        cls = type("S", (StallOptimizer,), {"_stall_n": STALL[variant]})
        self.opt = cls(space, n_iter=budget, random_state=seed)
    else:
        orig_init(self, space, seed, budget, variant)
BM._SkBayes.__init__ = init
if __name__ == "__main__":
    sys.argv = ["bench_bayesmark.py"] + sys.argv[1:]
    BM.main()
