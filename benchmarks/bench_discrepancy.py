"""Discrepancy of the points LowDiscrepancySearchCV evaluates, against random search.

Fits each search (every sampler of LowDiscrepancySearchCV) on a cheap estimator with ``d`` parameters uniform on [0, 1]
(so parameter values are the unit-cube points themselves), takes the points it
evaluated from ``cv_results_`` and measures their centred L2 discrepancy with
``scipy.stats.qmc.discrepancy`` (lower is more uniform). Median over seeds.

Run: python benchmarks/bench_discrepancy.py [--quick]
"""

import argparse
import datetime
import os
import platform
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402
from scipy.stats import qmc  # noqa: E402
from sklearn.base import BaseEstimator, RegressorMixin  # noqa: E402
from sklearn.model_selection import RandomizedSearchCV  # noqa: E402

from skbayes import LowDiscrepancySearchCV  # noqa: E402
from skbayes.space import Real  # noqa: E402

D_MAX = 6


class Cheap(RegressorMixin, BaseEstimator):
    """Scores instantly; six parameters in [0, 1]."""

    def __init__(self, x0=0.5, x1=0.5, x2=0.5, x3=0.5, x4=0.5, x5=0.5):
        self.x0, self.x1, self.x2, self.x3, self.x4, self.x5 = x0, x1, x2, x3, x4, x5

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y):
        return -sum(getattr(self, f"x{i}") for i in range(D_MAX))


def evaluated_points(search, X, y, d):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    return np.array([[p[f"x{i}"] for i in range(d)] for p in search.cv_results_["params"]])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5 seeds instead of 20")
    parser.add_argument("--n", type=int, default=64)
    args = parser.parse_args()
    seeds = range(5 if args.quick else 20)
    X, y = np.zeros((4, 1)), np.zeros(4)
    rows = []
    for d in (2, 6):
        space = {f"x{i}": Real(0.0, 1.0) for i in range(d)}
        dists = {f"x{i}": stats.uniform(0, 1) for i in range(d)}
        searches = {
            f"LowDiscrepancySearchCV(sampler={s!r})": (
                lambda seed, s=s: LowDiscrepancySearchCV(Cheap(), space, n_iter=args.n, sampler=s, cv=2, random_state=seed)
            )
            for s in ("sobol", "halton", "hammersley", "lhs", "poisson-disk", "random")
        }
        searches["RandomizedSearchCV"] = lambda seed: RandomizedSearchCV(
            Cheap(), dists, n_iter=args.n, cv=2, random_state=seed
        )
        medians = {}
        for name, make in searches.items():
            values = [qmc.discrepancy(evaluated_points(make(seed), X, y, d)) for seed in seeds]
            medians[name] = float(np.median(values))
        ref = medians["RandomizedSearchCV"]
        for name, med in medians.items():
            rows.append((d, name, med, med / ref))
    header = (
        f"n={args.n} points, median over {len(seeds)} seeds, centred L2 discrepancy "
        f"(lower is better); ratio = ours / RandomizedSearchCV in the same run.\n"
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"date: {datetime.date.today().isoformat()}.\n\n"
    )
    table = "| d | search | discrepancy (median) | ratio to random search |\n|---|---|---|---|\n"
    table += "\n".join(f"| {d} | {name} | {med:.3e} | {ratio:.3f} |" for d, name, med, ratio in rows)
    os.makedirs("benchmarks/results", exist_ok=True)
    with open("benchmarks/results/discrepancy.md", "w") as f:
        f.write(header + table + "\n")
    print(header + table)


if __name__ == "__main__":
    main()
