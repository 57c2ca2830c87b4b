"""End to end: BayesSearchCV.fit wall time over RandomizedSearchCV.fit's.

Both tune an SVC on the digits dataset (C and gamma, log-uniform) with the
same ``n_iter`` and 3-fold CV. The fits dominate, so the ratio of wall times
shows what the Bayesian search adds. Because the two searches fit different
candidates (and an SVC's fit time depends on C and gamma), the table also
gives the mean fit time per candidate and the time spent inside the
optimizer's ask/tell, measured directly.

    python benchmarks/bench_bayes_e2e.py            # n_iter=50, 3 seeds, n_jobs 1 and 2
    python benchmarks/bench_bayes_e2e.py --quick    # n_iter=50, 2 seeds, n_jobs=2

Writes benchmarks/results/bayes_e2e.csv.
"""

import argparse
import os
import time
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.stats import loguniform  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import RandomizedSearchCV  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from skbayes import BayesSearchCV  # noqa: E402
from skbayes.optimizer import Optimizer  # noqa: E402
from skbayes.space import Real  # noqa: E402


class TimedOptimizer(Optimizer):
    """The Optimizer, with the time spent in ask and tell added up."""

    spent = 0.0

    def ask(self, n=None):
        t0 = time.perf_counter()
        try:
            return super().ask(n)
        finally:
            TimedOptimizer.spent += time.perf_counter() - t0

    def tell(self, params, scores):
        t0 = time.perf_counter()
        try:
            return super().tell(params, scores)
        finally:
            TimedOptimizer.spent += time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds, n_jobs=2 only")
    parser.add_argument("--n-iter", type=int, default=50)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bayes_e2e.csv"))
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    seeds = range(2 if args.quick else 3)
    jobs = [2] if args.quick else [1, 2]
    rows = []
    for n_jobs in jobs:
        for seed in seeds:
            bayes = BayesSearchCV(
                SVC(), {"C": Real(1e-2, 1e3, prior="log-uniform"), "gamma": Real(1e-5, 1e-1, prior="log-uniform")},
                n_iter=args.n_iter, cv=3, n_jobs=n_jobs, random_state=seed, refit=False)
            bayes._make_strategy = lambda spaces, rng, b=bayes: TimedOptimizer(
                spaces, n_initial_points=b.n_initial_points, n_iter=b.n_iter, random_state=rng)
            rand = RandomizedSearchCV(
                SVC(), {"C": loguniform(1e-2, 1e3), "gamma": loguniform(1e-5, 1e-1)},
                n_iter=args.n_iter, cv=3, n_jobs=n_jobs, random_state=seed, refit=False)
            for name, search in [("random", rand), ("bayes", bayes)]:
                TimedOptimizer.spent = 0.0
                t0 = time.perf_counter()
                search.fit(X, y)
                wall = time.perf_counter() - t0
                res = search.cv_results_
                rows.append(dict(search=name, n_jobs=n_jobs, seed=seed, wall_s=wall,
                                 mean_fit_s=float(np.mean(res["mean_fit_time"])),
                                 optimizer_s=TimedOptimizer.spent if name == "bayes" else 0.0,
                                 best_score=float(search.best_score_)))
                print(rows[-1], flush=True)
            pd.DataFrame(rows).to_csv(args.out, index=False)
    df = pd.DataFrame(rows)
    print("| n_jobs | seed | wall Bayes (s) | wall random (s) | ratio | Bayes ask/tell (s) | mean fit Bayes (s) | "
          "mean fit random (s) | best Bayes | best random |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (n_jobs, seed), g in df.groupby(["n_jobs", "seed"]):
        b, r = g[g.search == "bayes"].iloc[0], g[g.search == "random"].iloc[0]
        print(f"| {n_jobs} | {seed} | {b.wall_s:.1f} | {r.wall_s:.1f} | {b.wall_s / r.wall_s:.2f} | "
              f"{b.optimizer_s:.1f} | {b.mean_fit_s:.3f} | {r.mean_fit_s:.3f} | {b.best_score:.4f} | {r.best_score:.4f} |")


if __name__ == "__main__":
    main()
