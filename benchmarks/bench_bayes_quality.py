"""Search quality on synthetic functions with a known minimum.

Every optimizer (skbayes' three surrogates, scikit-optimize GP and RF, Optuna
TPE and GP, hyperopt TPE, random search) minimises Branin, Hartmann-6, a 10-D
Ackley, a 4-D Rosenbrock and a mixed integer/categorical function, one
evaluation at a time, from several seeds. Reported: the median over seeds of
``log10(best value so far - minimum)`` (the log regret) after 20, 50 and 100
evaluations, and which optimizer is best on each function.

    python benchmarks/bench_bayes_quality.py            # 100 evaluations, 5 seeds
    python benchmarks/bench_bayes_quality.py --quick    # 50 evaluations, 5 seeds
                                                        # (3 for skopt-gp and optuna-gp, no skopt-rf)

Writes benchmarks/results/bayes_quality.csv (one row per run and checkpoint).
"""

import argparse
import os
import warnings
from concurrent.futures import ProcessPoolExecutor

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench_bayes_common import FUNCTIONS, OPTIMIZERS, log_regret  # noqa: E402


SLOW = ("skopt-gp", "skopt-rf", "optuna-gp")


def one_run(task):
    fname, oname, seed, budget, checkpoints = task
    warnings.simplefilter("ignore")
    f, space, f_min = FUNCTIONS[fname]
    try:
        values, times = OPTIMIZERS[oname]()(f, space, budget, seed)
    except ImportError as exc:
        return [dict(function=fname, optimizer=oname, seed=seed, error=str(exc))]
    regret = log_regret(values, f_min)
    return [
        dict(function=fname, optimizer=oname, seed=seed, n_evals=c, log_regret=float(regret[c - 1]),
             mean_overhead_s=float(np.mean(times[:c])))
        for c in checkpoints
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 evaluations instead of 100")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--slow-seeds", type=int, default=None,
                        help="seeds for the peers that take seconds per proposal (skopt, optuna-gp); "
                             "default: --seeds (--quick: 3)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--optimizers", nargs="*", default=list(OPTIMIZERS))
    parser.add_argument("--functions", nargs="*", default=list(FUNCTIONS))
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bayes_quality.csv"))
    args = parser.parse_args()
    budget = 50 if args.quick else 100
    slow_seeds = args.slow_seeds or (3 if args.quick else args.seeds)
    if args.quick and args.optimizers == list(OPTIMIZERS):
        args.optimizers.remove("skopt-rf")  # quick mode: the slowest and weakest peer is left out
    checkpoints = [c for c in (20, 50, 100) if c <= budget]
    tasks = [
        (f, o, s, budget, checkpoints)
        for f in args.functions
        for o in args.optimizers
        for s in range(slow_seeds if o in SLOW else args.seeds)
    ]
    rows = []
    with ProcessPoolExecutor(args.workers) as pool:
        for i, result in enumerate(pool.map(one_run, tasks)):
            rows += result
            print(f"{i + 1}/{len(tasks)} {tasks[i][:3]}", flush=True)
            pd.DataFrame(rows).to_csv(args.out, index=False)
    df = pd.DataFrame(rows).dropna(subset=["log_regret"])
    med = df.groupby(["function", "n_evals", "optimizer"])["log_regret"].median().unstack("optimizer")
    cols = [o for o in args.optimizers if o in med.columns]
    print("| function | evals | " + " | ".join(cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    for (fn, n), r in med.iterrows():
        best = r[cols].min()
        cells = [(f"**{r[c]:.2f}**" if r[c] == best else f"{r[c]:.2f}") for c in cols]
        print(f"| {fn} | {n} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
