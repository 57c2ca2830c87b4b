"""Proposal overhead: the optimizer's own time per ask + tell.

Each optimizer is given ``n`` random observations of a cheap function on a
``d``-dimensional box, then timed over a few ask + tell cycles (the first,
untimed, lets it fit its model once). The objective costs nothing, so the time
is the optimizer's alone: model fit, acquisition optimisation, bookkeeping.

    python benchmarks/bench_bayes_overhead.py            # 25..400 obs, 2/6/20 dims, 10 cycles
    python benchmarks/bench_bayes_overhead.py --quick    # 25/100/400 obs, 3 cycles

An optimizer slower than ``--skip-above`` seconds per cycle is not run at
the larger sizes of the same dimension (it only gets slower there).
The figure is the mean over the cycles. skbayes' GP re-optimises its
hyperparameters only when the data has grown by 5% since the last time, so
its cycles are as many as it takes to include one re-optimisation
(``ceil(0.05 n) + 1``): the mean is the amortised cost.

Run it with one BLAS thread per process (set below) on an otherwise idle
machine if you can; writes benchmarks/results/bayes_overhead.csv and prints
the table with ratios against skbayes' GP.
"""

import argparse
import math
import os
import time
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from skbayes.space import Real  # noqa: E402


def objective(x):
    x = np.asarray(x, dtype=float)
    return float(np.sum((x - 0.3) ** 2) + 0.1 * np.sum(np.sin(7 * x)))


def points(n, d, seed):
    return np.random.default_rng(seed).random((n, d))


def time_skbayes(surrogate, n, d, cycles, seed):
    from skbayes.optimizer import Optimizer

    names = [f"x{i}" for i in range(d)]
    # the told points are the design
    opt = Optimizer({k: Real(0.0, 1.0) for k in names}, surrogate=surrogate, n_initial_points=0, random_state=seed)
    X = points(n, d, seed)
    opt.tell([dict(zip(names, map(float, x))) for x in X], [-objective(x) for x in X])
    # the GP re-optimises its hyperparameters when the data has grown by 5%:
    # time enough cycles to include one such re-optimisation in the mean
    cycles = max(cycles, math.ceil(0.05 * n) + 1)
    out = []
    for i in range(cycles + 1):
        t0 = time.perf_counter()
        p = opt.ask()
        opt.tell(p, -objective([p[k] for k in names]))
        if i:
            out.append(time.perf_counter() - t0)
    return out


def time_skopt(base, n, d, cycles, seed):
    from skopt import Optimizer as SkOpt

    opt = SkOpt([(0.0, 1.0)] * d, base_estimator=base, n_initial_points=1, random_state=seed)
    X = points(n, d, seed)
    opt.tell([list(map(float, x)) for x in X], [objective(x) for x in X])
    out = []
    for i in range(cycles + 1):
        t0 = time.perf_counter()
        x = opt.ask()
        opt.tell(x, objective(x))
        if i:
            out.append(time.perf_counter() - t0)
    return out


def time_optuna(kind, n, d, cycles, seed):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed) if kind == "tpe" else optuna.samplers.GPSampler(seed=seed)
    study = optuna.create_study(sampler=sampler)
    dists = {f"x{i}": optuna.distributions.FloatDistribution(0.0, 1.0) for i in range(d)}
    X = points(n, d, seed)
    study.add_trials([
        optuna.trial.create_trial(params={f"x{i}": float(v) for i, v in enumerate(x)}, distributions=dists,
                                  value=objective(x))
        for x in X
    ])
    out = []
    for i in range(cycles + 1):
        t0 = time.perf_counter()
        trial = study.ask(dists)
        x = [trial.params[f"x{j}"] for j in range(d)]
        study.tell(trial, objective(x))
        if i:
            out.append(time.perf_counter() - t0)
    return out


def time_hyperopt(n, d, cycles, seed):
    import hyperopt
    from hyperopt import hp

    space = [hp.uniform(f"x{i}", 0.0, 1.0) for i in range(d)]
    trials = hyperopt.Trials()
    rstate = np.random.default_rng(seed)
    # hyperopt cannot be told points: it runs its own first n evaluations
    hyperopt.fmin(objective, space, algo=hyperopt.tpe.suggest, max_evals=n, trials=trials,
                  rstate=rstate, show_progressbar=False)
    out = []
    for k in range(cycles):
        t0 = time.perf_counter()
        hyperopt.fmin(objective, space, algo=hyperopt.tpe.suggest, max_evals=n + k + 1, trials=trials,
                      rstate=rstate, show_progressbar=False)
        out.append(time.perf_counter() - t0)
    return out


OPTIMIZERS = {
    "skbayes-gp": lambda n, d, c, s: time_skbayes("gp", n, d, c, s),
    "skbayes-rf": lambda n, d, c, s: time_skbayes("rf", n, d, c, s),
    "skbayes-tpe": lambda n, d, c, s: time_skbayes("tpe", n, d, c, s),
    "skopt-gp": lambda n, d, c, s: time_skopt("GP", n, d, c, s),
    "skopt-rf": lambda n, d, c, s: time_skopt("RF", n, d, c, s),
    "optuna-tpe": lambda n, d, c, s: time_optuna("tpe", n, d, c, s),
    "optuna-gp": lambda n, d, c, s: time_optuna("gp", n, d, c, s),
    "hyperopt-tpe": time_hyperopt,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="25/100/400 observations, 3 timed cycles")
    parser.add_argument("--optimizers", nargs="*", default=list(OPTIMIZERS))
    parser.add_argument("--skip-above", type=float, default=1.0,
                        help="seconds per ask+tell above which an optimizer is not run at larger n "
                             "(same d); its cell reads 'skipped'")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bayes_overhead.csv"))
    args = parser.parse_args()
    sizes = [25, 100, 400] if args.quick else [25, 50, 100, 200, 400]
    dims = [2, 6, 20]
    cycles = 3 if args.quick else 10
    rows = []
    warnings.simplefilter("ignore")
    for d in dims:
        too_slow = set()
        for n in sizes:
            for name in args.optimizers:
                if name in too_slow:
                    rows.append(dict(optimizer=name, d=d, n=n, mean_s=float("inf")))
                    continue
                try:
                    times = OPTIMIZERS[name](n, d, cycles, 0)
                except ImportError as exc:
                    print(f"skip {name}: {exc}")
                    continue
                rows.append(dict(optimizer=name, d=d, n=n, mean_s=float(np.mean(times))))
                if np.mean(times) > args.skip_above:
                    too_slow.add(name)
                print(f"d={d} n={n} {name}: {1000 * np.mean(times):.1f} ms", flush=True)
                pd.DataFrame(rows).to_csv(args.out, index=False)
    df = pd.DataFrame(rows)
    table = df.pivot_table(index=["d", "n"], columns="optimizer", values="mean_s")
    cols = [c for c in OPTIMIZERS if c in table.columns]
    print("| d | n | " + " | ".join(cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    for (d, n), r in table.iterrows():
        cells = [
            "-" if math.isnan(r[c]) else "skipped" if math.isinf(r[c]) else f"{1000 * r[c]:.0f}" for c in cols
        ]
        print(f"| {d} | {n} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
