"""HalvingBayesSearchCV against HalvingRandomSearchCV and BayesSearchCV at equal total resource.

Three tasks with a real resource:

- ``hgb``: HistGradientBoostingClassifier, resource ``max_iter`` (boosting
  rounds), 4 hyperparameters, on a 20-feature synthetic classification set.
- ``sgd``: StandardScaler + SGDClassifier, resource ``max_iter`` (epochs),
  loss / penalty / alpha / l1_ratio / eta0 (mixed categorical and real), on the
  digits.
- ``svc``: SVC (RBF), resource ``n_samples`` (the subsample each fit sees), C
  and gamma, on the synthetic set of ``hgb``.
- ``mlp``: MLPClassifier, resource ``max_iter`` (epochs), learning rate,
  alpha, batch size and width, on the digits.

For each task and seed, HalvingBayesSearchCV (Hyperband brackets, default
``surrogate="kde"``) runs first; its *total resource* is the sum over every
fit of the resource it used (rounds, epochs or samples). Then, in the same
process, at the same total resource:

- HalvingRandomSearchCV (scikit-learn) with the largest ``n_candidates``
  whose schedule costs no more;
- BayesSearchCV (GP) at full resource with ``n_iter = total / max_resources``
  candidates (``n_initial_points`` a third of them).

Reported: the test score of the refitted best candidate on a held-out 30 %
split, the total resource actually spent, and the wall and CPU time of
``fit`` (search and refit), medians over seeds. With ``n_jobs=1`` every fit
runs in the benchmark's process, so its CPU time is the compute spent, robust
to other load on a shared machine.

    python benchmarks/bench_halving.py            # 5 seeds, all tasks
    python benchmarks/bench_halving.py --quick    # 3 seeds, smaller budgets
    python benchmarks/bench_halving.py --quick --seeds 5 --tasks hgb sgd

Writes benchmarks/results/halving_<task>.csv (one row per run) and
halving.md (the table, from every halving_<task>.csv present). Tasks can run
in separate processes (``--tasks hgb`` ...) and ``--report`` rebuilds the table.
"""

import argparse
import os
import time
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.stats import loguniform, randint, uniform  # noqa: E402
from sklearn.datasets import load_digits, make_classification  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.experimental import enable_halving_search_cv  # noqa: E402, F401
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.model_selection import HalvingRandomSearchCV, StratifiedKFold, train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from skbayes import BayesSearchCV, HalvingBayesSearchCV  # noqa: E402
from skbayes.strategies._halving import halving_plan  # noqa: E402
from skbayes.space import Categorical, Integer, Real  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def _digits():
    return load_digits(return_X_y=True)


def _synthetic():
    return make_classification(n_samples=3000, n_features=20, n_informative=8, n_redundant=4,
                               flip_y=0.05, class_sep=0.8, random_state=0)


def tasks(quick):
    """name -> (data, estimator, skbayes space, scipy space, resource, min, max, factor, n_candidates)."""
    out = {
        "hgb": (
            _synthetic,
            HistGradientBoostingClassifier(early_stopping=False, random_state=0),
            {"learning_rate": Real(0.01, 1.0, prior="log-uniform"),
             "max_leaf_nodes": Integer(4, 128, prior="log-uniform"),
             "min_samples_leaf": Integer(2, 200, prior="log-uniform"),
             "l2_regularization": Real(1e-6, 10.0, prior="log-uniform")},
            {"learning_rate": loguniform(0.01, 1.0), "max_leaf_nodes": randint(4, 129),
             "min_samples_leaf": randint(2, 201), "l2_regularization": loguniform(1e-6, 10.0)},
            "max_iter", 10, 90 if quick else 270, 3, 9 if quick else 27,
        ),
        "sgd": (
            _digits,
            make_pipeline(StandardScaler(), SGDClassifier(tol=None, random_state=0)),
            {"sgdclassifier__loss": ["hinge", "log_loss", "modified_huber"],
             "sgdclassifier__penalty": ["l2", "l1", "elasticnet"],
             "sgdclassifier__alpha": Real(1e-7, 1.0, prior="log-uniform"),
             "sgdclassifier__l1_ratio": Real(0.0, 1.0),
             "sgdclassifier__learning_rate": ["optimal", "adaptive"],
             "sgdclassifier__eta0": Real(1e-4, 1.0, prior="log-uniform")},
            {"sgdclassifier__loss": ["hinge", "log_loss", "modified_huber"],
             "sgdclassifier__penalty": ["l2", "l1", "elasticnet"],
             "sgdclassifier__alpha": loguniform(1e-7, 1.0), "sgdclassifier__l1_ratio": uniform(0, 1),
             "sgdclassifier__learning_rate": ["optimal", "adaptive"],
             "sgdclassifier__eta0": loguniform(1e-4, 1.0)},
            "sgdclassifier__max_iter", 1, 27, 3, 27,
        ),
        "svc": (
            _synthetic,
            SVC(),
            {"C": Real(1e-3, 1e3, prior="log-uniform"), "gamma": Real(1e-6, 1.0, prior="log-uniform")},
            {"C": loguniform(1e-3, 1e3), "gamma": loguniform(1e-6, 1.0)},
            "n_samples", 60, None, 3, 27,
        ),
    }
    out["mlp"] = (
            _digits,
            make_pipeline(StandardScaler(), MLPClassifier(random_state=0, n_iter_no_change=1000)),
            {"mlpclassifier__learning_rate_init": Real(1e-4, 1e-1, prior="log-uniform"),
             "mlpclassifier__alpha": Real(1e-6, 1.0, prior="log-uniform"),
             "mlpclassifier__batch_size": Integer(16, 256, prior="log-uniform"),
             "mlpclassifier__hidden_layer_sizes": Categorical([(16,), (64,), (128,)])},
            {"mlpclassifier__learning_rate_init": loguniform(1e-4, 1e-1),
             "mlpclassifier__alpha": loguniform(1e-6, 1.0),
             "mlpclassifier__batch_size": randint(16, 257),
             "mlpclassifier__hidden_layer_sizes": [(16,), (64,), (128,)]},
            "mlpclassifier__max_iter", 2, 18 if quick else 54, 3, 9 if quick else 27,
    )
    return out


def total_resource(results, n_splits):
    return int(np.sum(results["n_resources"]) * n_splits) if "n_resources" in results else None


def sklearn_candidates(budget, min_r, max_r, factor):
    """The largest n_candidates whose successive-halving schedule costs at most ``budget`` per split."""
    best = 1
    for n in range(1, 2000):
        plan = halving_plan(n, min_r, max_r, factor)
        sizes = plan.rung_sizes(factor)
        if sum(s * r for s, r in zip(sizes, plan.n_resources)) > budget:
            break
        best = n
    return best


def run(task_name, spec, seed, cv):
    make_data, est, space, dists, resource, min_r, max_r, factor, n_cand = spec
    X, y = make_data()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    if resource == "n_samples":
        max_r = len(X_tr)
    rows = []
    common = dict(cv=cv, n_jobs=1, random_state=seed)
    res_kw = dict(resource=resource, factor=factor, min_resources=min_r, max_resources=max_r)

    def record(name, search, spent, start):
        wall, cpu = time.perf_counter() - start[0], time.process_time() - start[1]
        rows.append(dict(task=task_name, search=name, seed=seed, test_score=search.score(X_te, y_te),
                         cv_score=search.best_score_, total_resource=spent,
                         n_fits=len(search.cv_results_["params"]) * cv.get_n_splits(),
                         wall_s=wall, cpu_s=cpu))

    def clock():
        return time.perf_counter(), time.process_time()

    start = clock()
    ours = HalvingBayesSearchCV(est, space, n_candidates=n_cand, brackets="hyperband", **res_kw, **common)
    ours.fit(X_tr, y_tr)
    budget = total_resource(ours.cv_results_, cv.get_n_splits())
    record("HalvingBayesSearchCV", ours, budget, start)

    start = clock()
    n_sk = sklearn_candidates(budget / cv.get_n_splits(), min_r, max_r, factor)
    sk = HalvingRandomSearchCV(est, dists, n_candidates=n_sk, return_train_score=False, **res_kw, **common)
    sk.fit(X_tr, y_tr)
    record("HalvingRandomSearchCV", sk, total_resource(sk.cv_results_, cv.get_n_splits()), start)

    start = clock()
    n_iter = max(1, round(budget / cv.get_n_splits() / max_r))
    full = est if resource == "n_samples" else _with(est, resource, max_r)
    bayes = BayesSearchCV(full, space, n_iter=n_iter, n_initial_points=max(2, n_iter // 3), **common)
    bayes.fit(X_tr, y_tr)
    record("BayesSearchCV (full resource)", bayes, n_iter * max_r * cv.get_n_splits(), start)
    return rows


def _with(est, name, value):
    from sklearn.base import clone

    return clone(est).set_params(**{name: value})


def to_markdown(df, machine, date, quick):
    med = df.groupby(["task", "search"]).agg(
        test_score=("test_score", "median"), cv_score=("cv_score", "median"),
        total_resource=("total_resource", "median"), wall_s=("wall_s", "median"),
        cpu_s=("cpu_s", "median"),
        seeds=("seed", "nunique")).reset_index()
    lines = [
        f"Machine: {machine}. Date: {date}. {'--quick, ' if quick else ''}median over "
        f"{int(med['seeds'].max())} seeds, n_jobs=1, one BLAS thread, 3-fold CV; test score "
        "on a held-out 30 % split.",
        "",
        "| task | search | test score | best CV score | total resource | wall time (s) | CPU time (s) | CPU time ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for task, block in med.groupby("task", sort=False):
        ref = block.loc[block["search"] == "HalvingBayesSearchCV", "cpu_s"].iloc[0]
        for _, r in block.iterrows():
            lines.append(
                f"| {task} | {r['search']} | {r['test_score']:.4f} | {r['cv_score']:.4f} | "
                f"{int(r['total_resource'])} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['cpu_s'] / ref:.2f} |"
            )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds, smaller budgets")
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds")
    parser.add_argument("--seed-start", type=int, default=0, help="first seed")
    parser.add_argument("--tasks", nargs="*", default=None)
    parser.add_argument("--report", action="store_true",
                        help="only rebuild halving.md from the results/halving_<task>.csv files")
    args = parser.parse_args()
    n_seeds = args.seeds or (3 if args.quick else 5)
    warnings.simplefilter("ignore")
    cv = StratifiedKFold(3)
    all_tasks = tasks(args.quick)
    results = os.path.join(HERE, "results")
    os.makedirs(results, exist_ok=True)
    for name in [] if args.report else (args.tasks or list(all_tasks)):
        rows = []
        seeds = range(args.seed_start, args.seed_start + n_seeds)
        for seed in seeds:
            rows += run(name, all_tasks[name], seed, cv)
            print(pd.DataFrame(rows[-3:])[["task", "search", "seed", "test_score", "total_resource", "wall_s"]]
                  .to_string(index=False, header=False), flush=True)
        df = pd.DataFrame(rows)
        df["quick"] = args.quick
        part = "" if args.seed_start == 0 else f"_s{seeds[0]}-{seeds[-1]}"
        df.to_csv(os.path.join(results, f"halving_{name}{part}.csv"), index=False)
    files = sorted(f for f in os.listdir(results) if f.startswith("halving_") and f.endswith(".csv"))
    df = pd.concat([pd.read_csv(os.path.join(results, f)) for f in files], ignore_index=True)
    import platform
    import subprocess

    try:
        cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next(ln.split(":", 1)[1].strip() for ln in cpu.splitlines() if ln.startswith("Model name"))
    except Exception:  # noqa: BLE001 - the machine name is informative only
        model = platform.processor() or "unknown CPU"
    machine = f"2-core shared VM ({model}), Python {platform.python_version()}"
    md = to_markdown(df, machine, time.strftime("%Y-%m-%d"), bool(df["quick"].any()))
    with open(os.path.join(results, "halving.md"), "w") as fh:
        fh.write(md)
    print(md)


if __name__ == "__main__":
    main()
