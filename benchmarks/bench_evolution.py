"""EvolutionarySearchCV against sklearn-genetic-opt's GASearchCV, Optuna's CmaEsSampler and random search.

Three parts, side by side in one run, at equal numbers of evaluations:

1. Synthetic functions with a known optimum (value 0): the strategies are run
   through ask/tell directly (ours: ``GeneticAlgorithm``, ``CMAESStrategy``;
   Optuna's ``CmaEsSampler``; uniform random search); GASearchCV, which has no
   ask/tell interface, runs on an estimator that scores the function. We report
   the median over seeds of the regret (best value found) and each strategy's
   own time per evaluation.
2. scikit-learn tuning tasks: the median best cross-validation score.
3. Overhead: wall time per evaluation of the whole search (``fit``) on an
   estimator that costs nothing to fit, so the time is the search's own (plus
   scikit-learn's cross-validation machinery, the same for every search).

Equal evaluations: GASearchCV (population P, G generations, mu + lambda with
lambda = 2P) evaluates at most P + 2PG distinct candidates and its cache skips
repeats; every other method runs P + 2PG evaluations and is scored on its first
E, where E is the number of distinct candidates GASearchCV evaluated with the
same seed.

Run: python benchmarks/bench_evolution.py [--quick] [--seeds N]
Writes benchmarks/results/evolution_{synthetic,tuning,overhead}.csv and
evolution.md (the tables of docs/benchmarks.md).
"""

import argparse
import datetime
import math
import os
import platform
import random
import subprocess
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.base import BaseEstimator, RegressorMixin, clone  # noqa: E402
from sklearn.datasets import load_diabetes, load_digits, make_classification  # noqa: E402
from sklearn.linear_model import Ridge, SGDClassifier  # noqa: E402
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import PolynomialFeatures, StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

from skbayes import EvolutionarySearchCV, LowDiscrepancySearchCV  # noqa: E402
from skbayes.evolution import CMAESStrategy, GeneticAlgorithm  # noqa: E402
from skbayes.space import Categorical, Integer, Real, compile_search_spaces  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
POP = 10  # population of every evolutionary method


# -- spaces written once, translated for each library ----------------------------


def to_gasearch(space):
    from sklearn_genetic.space import Categorical as GCat
    from sklearn_genetic.space import Continuous as GCont
    from sklearn_genetic.space import Integer as GInt

    out = {}
    for name, dim in space.items():
        if isinstance(dim, Real):
            out[name] = GCont(dim.low, dim.high, distribution=dim.prior)
        elif isinstance(dim, Integer):
            out[name] = GInt(dim.low, dim.high)
        else:
            out[name] = GCat(list(dim.categories))
    return out


def to_optuna(space):
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    out = {}
    for name, dim in space.items():
        if isinstance(dim, Real):
            out[name] = FloatDistribution(dim.low, dim.high, log=dim.prior == "log-uniform")
        elif isinstance(dim, Integer):
            out[name] = IntDistribution(dim.low, dim.high, log=dim.prior == "log-uniform")
        else:
            out[name] = CategoricalDistribution(list(dim.categories))
    return out


def is_numeric(space):
    return not any(isinstance(d, Categorical) for d in space.values())


# -- synthetic functions (minimise, optimum 0) -----------------------------------

SHIFT = np.array([1.3, -2.1, 0.7, 2.9, -0.4, 1.8])


def sphere(p):
    x = np.array([p[f"p{i}"] for i in range(6)])
    return float(np.sum((x - SHIFT) ** 2))


def rosenbrock(p):
    x = np.array([p[f"p{i}"] for i in range(4)])
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def rastrigin(p):
    x = np.array([p[f"p{i}"] for i in range(4)]) - 0.7
    return float(10 * x.size + np.sum(x**2 - 10 * np.cos(2 * np.pi * x)))


KIND_PENALTY = {"a": 2.0, "b": 1.0, "c": 0.0, "d": 1.5, "e": 3.0}


def mixed(p):
    return float(
        (math.log10(p["p0"]) + 2.3) ** 2
        + (p["p1"] - 1.1) ** 2
        + ((p["p2"] - 7) / 3) ** 2
        + ((p["p3"] - 31) / 20) ** 2
        + KIND_PENALTY[p["p4"]]
    )


FUNCTIONS = {
    "sphere (6 real)": (sphere, {f"p{i}": Real(-5.0, 5.0) for i in range(6)}),
    "rosenbrock (4 real)": (rosenbrock, {f"p{i}": Real(-2.0, 2.0) for i in range(4)}),
    "rastrigin (4 real)": (rastrigin, {f"p{i}": Real(-5.12, 5.12) for i in range(4)}),
    "mixed (2 real, 2 int, 1 cat)": (
        mixed,
        {
            "p0": Real(1e-4, 1.0, prior="log-uniform"),
            "p1": Real(-3.0, 3.0),
            "p2": Integer(1, 12),
            "p3": Integer(1, 100),
            "p4": Categorical(list(KIND_PENALTY)),
        },
    ),
}


class FunctionEstimator(RegressorMixin, BaseEstimator):
    """An estimator whose score is minus a synthetic function of its parameters."""

    def __init__(self, func="sphere (6 real)", p0=None, p1=None, p2=None, p3=None, p4=None, p5=None):
        self.func = func
        self.p0, self.p1, self.p2, self.p3, self.p4, self.p5 = p0, p1, p2, p3, p4, p5

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y=None):
        return -FUNCTIONS[self.func][0](self.get_params())


NULL_X, NULL_Y = np.zeros((4, 1)), np.zeros(4)


# -- runners: each returns the sequence of evaluated values (in order) and time ----


def run_strategy(strategy, f, budget):
    """Ask/tell a skbayes strategy; returns values (to minimise) and strategy time."""
    values, spent = [], 0.0
    while len(values) < budget:
        t = time.perf_counter()
        batch = strategy.ask(min(strategy.population_size, budget - len(values)))
        spent += time.perf_counter() - t
        if not batch:
            break
        vals = [f(p) for p in batch]
        values += vals
        t = time.perf_counter()
        strategy.tell(batch, [-v for v in vals])
        spent += time.perf_counter() - t
    return values, spent


def run_ours(algorithm, f, space, budget, seed):
    spaces = compile_search_spaces(space)
    generations = math.ceil(budget / POP)
    if algorithm == "ga":
        strategy = GeneticAlgorithm(spaces, population_size=POP, generations=generations, rng=seed)
    else:
        strategy = CMAESStrategy(spaces, population_size=POP, generations=generations, rng=seed)
    return run_strategy(strategy, f, budget)


def run_random(f, space, budget, seed):
    (sp,) = compile_search_spaces(space)
    rng = np.random.default_rng(seed)
    t = time.perf_counter()
    params = sp.from_unit(sp.sample_unit(budget, rng))
    spent = time.perf_counter() - t
    return [f(p) for p in params], spent


def run_optuna_cmaes(f, space, budget, seed):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    dists = to_optuna(space)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampler = optuna.samplers.CmaEsSampler(seed=seed, popsize=POP, warn_independent_sampling=False)
        study = optuna.create_study(direction="minimize", sampler=sampler)
        values, spent = [], 0.0
        for _ in range(budget):
            t = time.perf_counter()
            trial = study.ask(dists)
            spent += time.perf_counter() - t
            v = f(trial.params)
            t = time.perf_counter()
            study.tell(trial, v)
            spent += time.perf_counter() - t
            values.append(v)
    return values, spent


def make_gasearch(estimator, space, generations, cv, scoring=None):
    from sklearn_genetic import GASearchCV

    return GASearchCV(
        estimator,
        cv=cv,
        param_grid=to_gasearch(space),
        scoring=scoring,
        population_size=POP,
        generations=generations,
        verbose=False,
        n_jobs=1,
    )


def fit_gasearch(search, X, y, seed):
    random.seed(seed)
    np.random.seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        search.fit(X, y)
        wall = time.perf_counter() - t
    return len(search.fitness_cache), search.best_score_, wall


# -- part 1: synthetic ------------------------------------------------------------


def synthetic(seeds, ga_generations, rows):
    budget = POP + 2 * POP * ga_generations
    for name, (f, space) in FUNCTIONS.items():
        for seed in seeds:
            est = FunctionEstimator(func=name)
            ga = make_gasearch(est, space, ga_generations, KFold(2))
            n_evals, best_score, wall = fit_gasearch(ga, NULL_X, NULL_Y, seed)
            rows.append(dict(function=name, method="GASearchCV", seed=seed, n_evals=n_evals, regret=-best_score, ms_per_eval=1e3 * wall / n_evals))
            runs = {
                "skbayes GA": lambda: run_ours("ga", f, space, budget, seed),
                "skbayes CMA-ES": (lambda: run_ours("cmaes", f, space, budget, seed)) if is_numeric(space) else None,
                "Optuna CmaEsSampler": lambda: run_optuna_cmaes(f, space, budget, seed),
                "random search": lambda: run_random(f, space, budget, seed),
            }
            for method, run in runs.items():
                if run is None:
                    continue
                values, spent = run()
                rows.append(
                    dict(function=name, method=method, seed=seed, n_evals=n_evals, regret=float(np.min(values[:n_evals])), ms_per_eval=1e3 * spent / len(values))
                )
            print(f"synthetic {name} seed {seed}: done", flush=True)


# -- part 2: tuning tasks ------------------------------------------------------------


def tuning_tasks():
    digits_X, digits_y = load_digits(return_X_y=True)
    digits = (digits_X[:500] / 16.0, digits_y[:500])
    clf = make_classification(n_samples=800, n_features=20, n_informative=8, flip_y=0.05, random_state=0)
    noisy = make_classification(n_samples=400, n_features=20, n_informative=5, flip_y=0.15, class_sep=0.7, random_state=1)
    diabetes = load_diabetes(return_X_y=True)
    return {
        "SVC on digits (C, gamma)": (
            SVC(),
            {"C": Real(1e-2, 1e3, prior="log-uniform"), "gamma": Real(1e-5, 1e0, prior="log-uniform")},
            digits,
            StratifiedKFold(3, shuffle=True, random_state=0),
            "accuracy",
        ),
        "DecisionTree (4 int/real, 1 cat)": (
            DecisionTreeClassifier(random_state=0),
            {
                "max_depth": Integer(1, 20),
                "min_samples_split": Integer(2, 40),
                "min_samples_leaf": Integer(1, 20),
                "max_features": Real(0.1, 1.0),
                "criterion": Categorical(["gini", "entropy", "log_loss"]),
            },
            clf,
            StratifiedKFold(3, shuffle=True, random_state=0),
            "accuracy",
        ),
        "SVC on noisy data (C, gamma)": (
            make_pipeline(StandardScaler(), SVC()),
            {"svc__C": Real(1e-2, 1e3, prior="log-uniform"), "svc__gamma": Real(1e-5, 1e0, prior="log-uniform")},
            noisy,
            StratifiedKFold(3, shuffle=True, random_state=0),
            "accuracy",
        ),
        "SGDClassifier (3 real, 2 cat)": (
            make_pipeline(StandardScaler(), SGDClassifier(penalty="elasticnet", random_state=0)),
            {
                "sgdclassifier__alpha": Real(1e-6, 1e0, prior="log-uniform"),
                "sgdclassifier__l1_ratio": Real(0.0, 1.0),
                "sgdclassifier__eta0": Real(1e-4, 1e0, prior="log-uniform"),
                "sgdclassifier__learning_rate": Categorical(["constant", "optimal", "invscaling", "adaptive"]),
                "sgdclassifier__loss": Categorical(["hinge", "log_loss", "modified_huber"]),
            },
            noisy,
            StratifiedKFold(3, shuffle=True, random_state=0),
            "accuracy",
        ),
        "poly Ridge on diabetes (degree, alpha)": (
            make_pipeline(StandardScaler(), PolynomialFeatures(), Ridge()),
            {"polynomialfeatures__degree": Integer(1, 3), "ridge__alpha": Real(1e-4, 1e4, prior="log-uniform")},
            diabetes,
            KFold(3, shuffle=True, random_state=0),
            "r2",
        ),
    }


def best_prefix(results, n):
    scores = np.asarray(results["mean_test_score"], dtype=float)[:n]
    return float(np.nanmax(scores))


def fit_quiet(search, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        search.fit(X, y)
        return time.perf_counter() - t


def run_optuna_cv(estimator, space, X, y, cv, scoring, budget, seed):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    dists = to_optuna(space)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampler = optuna.samplers.CmaEsSampler(seed=seed, popsize=POP, warn_independent_sampling=False)
        study = optuna.create_study(direction="maximize", sampler=sampler)
        scores = []
        for _ in range(budget):
            trial = study.ask(dists)
            est = clone(estimator).set_params(**trial.params)
            s = float(np.mean(cross_val_score(est, X, y, cv=cv, scoring=scoring)))
            study.tell(trial, s)
            scores.append(s)
    return scores


def tuning(seeds, ga_generations, rows):
    budget = POP + 2 * POP * ga_generations
    generations = math.ceil(budget / POP)
    for name, (estimator, space, (X, y), cv, scoring) in tuning_tasks().items():
        for seed in seeds:
            ga = make_gasearch(estimator, space, ga_generations, cv, scoring)
            n_evals, best_score, wall = fit_gasearch(ga, X, y, seed)
            rows.append(dict(task=name, method="GASearchCV", seed=seed, n_evals=n_evals, best_cv_score=best_score, wall_s=wall))
            searches = {
                "skbayes GA": EvolutionarySearchCV(estimator, space, population_size=POP, generations=generations, cv=cv, scoring=scoring, random_state=seed),
                "skbayes CMA-ES": EvolutionarySearchCV(estimator, space, algorithm="cmaes", population_size=POP, generations=generations, cv=cv, scoring=scoring, random_state=seed)
                if is_numeric(space)
                else None,
                "random search": LowDiscrepancySearchCV(estimator, space, n_iter=budget, sampler="random", cv=cv, scoring=scoring, random_state=seed),
            }
            for method, search in searches.items():
                if search is None:
                    continue
                wall = fit_quiet(search, X, y)
                rows.append(dict(task=name, method=method, seed=seed, n_evals=n_evals, best_cv_score=best_prefix(search.cv_results_, n_evals), wall_s=wall))
            t = time.perf_counter()
            scores = run_optuna_cv(estimator, space, X, y, cv, scoring, budget, seed)
            rows.append(dict(task=name, method="Optuna CmaEsSampler", seed=seed, n_evals=n_evals, best_cv_score=float(np.max(scores[:n_evals])), wall_s=time.perf_counter() - t))
            print(f"tuning {name} seed {seed}: done", flush=True)


# -- part 3: overhead ----------------------------------------------------------------


def overhead(seeds, ga_generations, rows):
    budget = POP + 2 * POP * ga_generations
    generations = math.ceil(budget / POP)
    for name in ("sphere (6 real)", "mixed (2 real, 2 int, 1 cat)"):
        space = FUNCTIONS[name][1]
        est = FunctionEstimator(func=name)
        for seed in seeds:
            ga = make_gasearch(est, space, ga_generations, KFold(2))
            n_evals, _, wall = fit_gasearch(ga, NULL_X, NULL_Y, seed)
            rows.append(dict(function=name, method="GASearchCV", seed=seed, n_evals=n_evals, ms_per_eval=1e3 * wall / n_evals))
            searches = {
                "skbayes EvolutionarySearchCV(ga)": EvolutionarySearchCV(est, space, population_size=POP, generations=generations, cv=KFold(2), random_state=seed),
                "skbayes EvolutionarySearchCV(cmaes)": EvolutionarySearchCV(est, space, algorithm="cmaes", population_size=POP, generations=generations, cv=KFold(2), random_state=seed)
                if is_numeric(space)
                else None,
                "skbayes LowDiscrepancySearchCV(random)": LowDiscrepancySearchCV(est, space, n_iter=budget, sampler="random", cv=KFold(2), random_state=seed),
            }
            for method, search in searches.items():
                if search is None:
                    continue
                wall = fit_quiet(search, NULL_X, NULL_Y)
                n = len(search.cv_results_["params"])
                rows.append(dict(function=name, method=method, seed=seed, n_evals=n, ms_per_eval=1e3 * wall / n))
            print(f"overhead {name} seed {seed}: done", flush=True)


# -- report ----------------------------------------------------------------------------


def machine():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except Exception:  # noqa: BLE001 - lscpu missing: fall back on platform
        model = platform.processor() or platform.machine()
    return f"{os.cpu_count()}-core shared {platform.machine()} VM ({model})"


def markdown(syn, tun, ovh, args, n_seeds):
    import optuna
    import sklearn
    import sklearn_genetic

    lines = [
        f"Machine: {machine()}, Python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
        f"sklearn-genetic-opt {sklearn_genetic.__version__}, Optuna {optuna.__version__}. "
        f"Date: {datetime.date.today().isoformat()}. Median over {n_seeds} seeds; population {POP}; "
        f"GASearchCV generations {args.ga_generations} (mu + lambda, lambda = {2 * POP})"
        + (" (--quick)." if args.quick else "."),
        "",
        "### Synthetic functions (regret: best value found, optimum 0; lower is better)",
        "",
    ]
    methods = ["skbayes GA", "skbayes CMA-ES", "GASearchCV", "Optuna CmaEsSampler", "random search"]
    med = syn.groupby(["function", "method"]).agg(regret=("regret", "median"), ms=("ms_per_eval", "median"), n=("n_evals", "median"))
    lines.append("| function | evaluations | " + " | ".join(methods) + " |")
    lines.append("|---|---|" + "---|" * len(methods))
    for fname in FUNCTIONS:
        cells = [f"{med.loc[(fname, m), 'regret']:.3g}" if (fname, m) in med.index else "n/a" for m in methods]
        lines.append(f"| {fname} | {med.loc[(fname, 'GASearchCV'), 'n']:.0f} | " + " | ".join(cells) + " |")
    lines += ["", "Time per evaluation of the strategy itself (ms, median over functions and seeds; GASearchCV: its whole fit, which has no ask/tell interface):", ""]
    per = syn.groupby("method")["ms_per_eval"].median()
    lines.append("| " + " | ".join(methods) + " |")
    lines.append("|" + "---|" * len(methods))
    lines.append("| " + " | ".join(f"{per.get(m, float('nan')):.3g}" for m in methods) + " |")

    lines += ["", "### scikit-learn tuning tasks (best mean CV score; higher is better)", ""]
    medt = tun.groupby(["task", "method"]).agg(score=("best_cv_score", "median"), n=("n_evals", "median"), wall=("wall_s", "median"))
    lines.append("| task | evaluations | " + " | ".join(methods) + " |")
    lines.append("|---|---|" + "---|" * len(methods))
    for task in tun["task"].unique():
        cells = [f"{medt.loc[(task, m), 'score']:.4f}" if (task, m) in medt.index else "n/a" for m in methods]
        lines.append(f"| {task} | {medt.loc[(task, 'GASearchCV'), 'n']:.0f} | " + " | ".join(cells) + " |")
    wins = []
    for task in tun["task"].unique():
        sub = tun[tun.task == task].pivot(index="seed", columns="method", values="best_cv_score")
        wins.append(f"{task}: {int((sub['skbayes GA'] >= sub['GASearchCV']).sum())}/{len(sub)}")
    lines += ["", "Seeds where skbayes GA >= GASearchCV: " + "; ".join(wins) + "."]

    lines += ["", "### Overhead: wall time per evaluation of `fit` on an estimator that costs nothing (ms; cv=2, n_jobs=1)", ""]
    medo = ovh.groupby(["function", "method"])["ms_per_eval"].median()
    omethods = list(dict.fromkeys(ovh["method"]))
    lines.append("| space | " + " | ".join(omethods) + " |")
    lines.append("|---|" + "---|" * len(omethods))
    for fname in ovh["function"].unique():
        cells = [f"{medo.loc[(fname, m)]:.2f}" if (fname, m) in medo.index else "n/a" for m in omethods]
        lines.append(f"| {fname} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 seeds and 2 GASearchCV generations (50 evaluations)")
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds (default 7; --quick: 3)")
    parser.add_argument("--ga-generations", type=int, default=None, help="GASearchCV generations (default 4; --quick: 2)")
    parser.add_argument("--parts", default="synthetic,tuning,overhead")
    args = parser.parse_args()
    n_seeds = args.seeds or (3 if args.quick else 7)
    args.ga_generations = args.ga_generations or (2 if args.quick else 4)
    seeds = list(range(n_seeds))
    parts = set(args.parts.split(","))
    os.makedirs(RESULTS, exist_ok=True)
    syn, tun, ovh = [], [], []
    if "synthetic" in parts:
        synthetic(seeds, args.ga_generations, syn)
        pd.DataFrame(syn).to_csv(os.path.join(RESULTS, "evolution_synthetic.csv"), index=False)
    if "tuning" in parts:
        tuning(seeds, args.ga_generations, tun)
        pd.DataFrame(tun).to_csv(os.path.join(RESULTS, "evolution_tuning.csv"), index=False)
    if "overhead" in parts:
        overhead(seeds, args.ga_generations, ovh)
        pd.DataFrame(ovh).to_csv(os.path.join(RESULTS, "evolution_overhead.csv"), index=False)
    if parts >= {"synthetic", "tuning", "overhead"}:
        report = markdown(pd.DataFrame(syn), pd.DataFrame(tun), pd.DataFrame(ovh), args, n_seeds)
        with open(os.path.join(RESULTS, "evolution.md"), "w") as fh:
            fh.write(report)
        print(report)


if __name__ == "__main__":
    main()
