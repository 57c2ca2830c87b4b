"""skbayes' GaussianProcess against scikit-learn's GaussianProcessRegressor.

Both fit a Matérn 5/2 kernel with one length scale per input, a signal
variance and a learned noise, on points of the unit cube with standardised
targets (Hartmann-6 and a 2-D Branin, rescaled), by maximising the log
marginal likelihood with L-BFGS-B from 2 starting points. Reported per
setting: median fit time over seeds, and the accuracy on 500 held-out points
(RMSE of the mean and mean negative log predictive density, NLPD).

    python benchmarks/bench_bayes_gp.py            # full: 5 seeds
    python benchmarks/bench_bayes_gp.py --quick    # 3 seeds, fewer sizes

Writes benchmarks/results/bayes_gp.csv and prints a markdown table.
"""

import argparse
import os
import platform
import time
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench_bayes_common import FUNCTIONS  # noqa: E402
from skbayes.space import Space  # noqa: E402
from skbayes.surrogates import GaussianProcess  # noqa: E402


def sample(name, n, rng):
    f, space, _ = FUNCTIONS[name]
    sp = Space(space)
    U = rng.random((n, sp.n_dims))
    return U, np.array([f(p) for p in sp.from_unit(U)])


def fit_ours(X, y, seed):
    gp = GaussianProcess(n_restarts=1, random_state=seed)
    gp.fit(X, y)
    return lambda Z: gp.predict(Z, return_std=True), gp.noise_


def fit_sklearn(X, y, seed):
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    d = X.shape[1]
    kernel = ConstantKernel(1.0, (0.05, 20.0)) * Matern(np.full(d, 0.5), (0.01, 100.0), nu=2.5) + WhiteKernel(
        1e-2, (1e-6, 0.5)
    )
    gpr = GaussianProcessRegressor(kernel, n_restarts_optimizer=1, random_state=seed, normalize_y=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gpr.fit(X, y)
    noise = gpr.kernel_.k2.noise_level

    def predict(Z):
        mean, std = gpr.predict(Z, return_std=True)
        # sklearn's std includes the WhiteKernel noise: remove it, as ours is of f
        return mean, np.sqrt(np.maximum(std**2 - noise, 1e-12))

    return predict, noise


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds, sizes 25/100/200")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bayes_gp.csv"))
    args = parser.parse_args()
    seeds = range(3 if args.quick else 5)
    sizes = [25, 100, 200] if args.quick else [25, 50, 100, 200, 400]
    rows = []
    for name in ["branin", "hartmann6"]:
        for n in sizes:
            for seed in seeds:
                rng = np.random.default_rng(seed)
                X, y = sample(name, n, rng)
                Xt, yt = sample(name, 500, rng)
                mu, sd = y.mean(), y.std()
                y, yt = (y - mu) / sd, (yt - mu) / sd
                for label, fit in [("skbayes", fit_ours), ("sklearn", fit_sklearn)]:
                    t0 = time.perf_counter()
                    predict, noise = fit(X, y, seed)
                    elapsed = time.perf_counter() - t0
                    mean, std = predict(Xt)
                    var = std**2 + noise
                    nlpd = np.mean(0.5 * np.log(2 * np.pi * var) + 0.5 * (yt - mean) ** 2 / var)
                    rmse = np.sqrt(np.mean((yt - mean) ** 2))
                    rows.append(dict(function=name, n=n, seed=seed, gp=label, fit_s=elapsed, rmse=rmse, nlpd=nlpd))
                print(name, n, seed, flush=True)
    df = pd.DataFrame(rows)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    df.to_csv(args.out, index=False)
    med = df.groupby(["function", "n", "gp"])[["fit_s", "rmse", "nlpd"]].median().unstack("gp")
    print(f"\nmachine: {platform.processor() or platform.machine()}, seeds: {len(seeds)}")
    print("| function | n | fit skbayes (s) | fit sklearn (s) | speed-up | RMSE skbayes | RMSE sklearn | NLPD skbayes | NLPD sklearn |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (fn, n), r in med.iterrows():
        print(f"| {fn} | {n} | {r[('fit_s', 'skbayes')]:.3f} | {r[('fit_s', 'sklearn')]:.3f} | "
              f"{r[('fit_s', 'sklearn')] / r[('fit_s', 'skbayes')]:.1f}x | {r[('rmse', 'skbayes')]:.3f} | "
              f"{r[('rmse', 'sklearn')]:.3f} | {r[('nlpd', 'skbayes')]:.2f} | {r[('nlpd', 'sklearn')]:.2f} |")


if __name__ == "__main__":
    main()
