"""Tuning scikit-learn models: best cross-validated score after 32 evaluations.

Each optimizer tunes each model on a dataset bundled with scikit-learn with
3-fold cross-validation (the same shuffled folds for everyone), 32
evaluations, from several seeds. Reported per task: the mean over seeds of
the best mean CV score found; overall: the mean rank of each optimizer (1 =
best) over all (task, seed) pairs.

    python benchmarks/bench_bayes_sklearn.py            # 4 tasks, 5 seeds
    python benchmarks/bench_bayes_sklearn.py --quick    # 3 tasks, 3 seeds

Writes benchmarks/results/bayes_sklearn.csv.
"""

import argparse
import os
import warnings
from concurrent.futures import ProcessPoolExecutor

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench_bayes_common import OPTIMIZERS  # noqa: E402
from skbayes.space import Categorical, Integer, Real  # noqa: E402


def _tasks():
    from sklearn import datasets
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import ElasticNet
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return {
        "svc/breast_cancer": (
            lambda: make_pipeline(StandardScaler(), SVC()),
            datasets.load_breast_cancer,
            {"svc__C": Real(1e-3, 1e3, prior="log-uniform"), "svc__gamma": Real(1e-5, 1e0, prior="log-uniform"),
             "svc__kernel": Categorical(["rbf", "sigmoid"])},
        ),
        "elasticnet/diabetes": (
            lambda: make_pipeline(StandardScaler(), ElasticNet(max_iter=5000)),
            datasets.load_diabetes,
            {"elasticnet__alpha": Real(1e-4, 1e2, prior="log-uniform"), "elasticnet__l1_ratio": Real(0.0, 1.0)},
        ),
        "random_forest/wine": (
            lambda: RandomForestClassifier(n_estimators=30, random_state=0),
            datasets.load_wine,
            {"max_depth": Integer(1, 12), "max_features": Real(0.05, 1.0), "min_samples_leaf": Integer(1, 20),
             "criterion": Categorical(["gini", "entropy"])},
        ),
        "hist_gradient_boosting/breast_cancer": (
            lambda: HistGradientBoostingClassifier(max_iter=40, random_state=0),
            datasets.load_breast_cancer,
            {"learning_rate": Real(1e-3, 1.0, prior="log-uniform"), "max_leaf_nodes": Integer(2, 64),
             "min_samples_leaf": Integer(1, 50), "l2_regularization": Real(1e-6, 10.0, prior="log-uniform")},
        ),
    }


def one_run(task):
    tname, oname, seed, n_evals = task
    warnings.simplefilter("ignore")
    from sklearn.model_selection import KFold, cross_val_score

    make, load, space = _tasks()[tname]
    X, y = load(return_X_y=True)
    cv = KFold(3, shuffle=True, random_state=0)

    def f(p):
        return -float(np.mean(cross_val_score(make().set_params(**p), X, y, cv=cv)))

    try:
        values, _ = OPTIMIZERS[oname]()(f, space, n_evals, seed)
    except ImportError as exc:
        return dict(task=tname, optimizer=oname, seed=seed, error=str(exc))
    return dict(task=tname, optimizer=oname, seed=seed, best_score=-float(np.nanmin(values)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 tasks, 3 seeds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--optimizers", nargs="*",
                        default=["skbayes-gp", "skbayes-rf", "skbayes-tpe", "skopt-gp", "skopt-rf",
                                 "optuna-tpe", "optuna-gp", "hyperopt-tpe", "random"])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bayes_sklearn.csv"))
    args = parser.parse_args()
    names = list(_tasks())[: 3 if args.quick else 4]
    seeds = range(3 if args.quick else 5)
    tasks = [(t, o, s, 32) for t in names for s in seeds for o in args.optimizers]
    rows = []
    with ProcessPoolExecutor(args.workers) as pool:
        for i, row in enumerate(pool.map(one_run, tasks)):
            rows.append(row)
            print(f"{i + 1}/{len(tasks)} {row}", flush=True)
            pd.DataFrame(rows).to_csv(args.out, index=False)
    df = pd.DataFrame(rows).dropna(subset=["best_score"])
    df["rank"] = df.groupby(["task", "seed"])["best_score"].rank(ascending=False, method="average")
    means = df.pivot_table(index="task", columns="optimizer", values="best_score", aggfunc="mean")
    cols = [o for o in args.optimizers if o in means.columns]
    print("| task | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for task, r in means.iterrows():
        best = r[cols].max()
        print(f"| {task} | " + " | ".join(f"**{r[c]:.4f}**" if r[c] == best else f"{r[c]:.4f}" for c in cols) + " |")
    ranks = df.groupby("optimizer")["rank"].mean()
    print("| mean rank | " + " | ".join(f"{ranks[c]:.2f}" for c in cols) + " |")


if __name__ == "__main__":
    main()
