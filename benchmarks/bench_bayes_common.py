"""Shared pieces of the BayesSearchCV benchmarks: test functions and runners.

Every function is *minimised* and has a known minimum; optimizers get the
negated value as their (greater-is-better) score. The runners drive skbayes'
Optimizer and the peers (scikit-optimize, Optuna, hyperopt) through the same
sequential ask/tell loop, so that a run of each costs the same number of
evaluations.
"""

import math
import time

import numpy as np

from skbayes.space import Categorical, Integer, Real
from skbayes.surrogates import GaussianProcess

# -- test functions --------------------------------------------------------------


def branin(p):
    x1, x2 = p["x1"], p["x2"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_H6_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                  [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_H6_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                         [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(p):
    x = np.array([p[f"x{i}"] for i in range(6)])
    return float(-np.sum(_H6_ALPHA * np.exp(-np.sum(_H6_A * (x - _H6_P) ** 2, axis=1))))


def ackley10(p):
    x = np.array([p[f"x{i}"] for i in range(10)])
    d = len(x)
    return float(-20 * math.exp(-0.2 * math.sqrt(np.sum(x**2) / d))
                 - math.exp(np.sum(np.cos(2 * math.pi * x)) / d) + 20 + math.e)


def rosenbrock4(p):
    x = np.array([p[f"x{i}"] for i in range(4)])
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def mixed(p):
    """A tuning-like function: log-scaled real, an integer, two categoricals."""
    lr, depth, booster, loss = p["lr"], p["depth"], p["booster"], p["loss"]
    value = (math.log10(lr) + 2.0) ** 2 + 0.1 * (depth - 7) ** 2
    value += {"gbtree": 0.0, "dart": 0.3, "linear": 1.5}[booster]
    value += {"l2": 0.0, "l1": 0.5, "huber": 0.2}[loss]
    return value


FUNCTIONS = {
    "branin": (branin, {"x1": Real(-5.0, 10.0), "x2": Real(0.0, 15.0)}, 0.397887357729738),
    "hartmann6": (hartmann6, {f"x{i}": Real(0.0, 1.0) for i in range(6)}, -3.32236801141551),
    "ackley10": (ackley10, {f"x{i}": Real(-32.768, 32.768) for i in range(10)}, 0.0),
    "rosenbrock4": (rosenbrock4, {f"x{i}": Real(-2.0, 2.0) for i in range(4)}, 0.0),
    "mixed": (mixed, {"lr": Real(1e-5, 1.0, prior="log-uniform"), "depth": Integer(1, 15),
                      "booster": Categorical(["gbtree", "dart", "linear"]),
                      "loss": Categorical(["l2", "l1", "huber"])}, 0.0),
}


def log_regret(trace, f_min):
    """``log10(best so far - f_min)`` after each evaluation (floored at 1e-8)."""
    best = np.minimum.accumulate(np.asarray(trace, dtype=float))
    return np.log10(np.maximum(best - f_min, 1e-8))


# -- optimizers behind one interface: run(f, space, n, seed) -> (values, times) --------


def run_skbayes(surrogate, acquisition="ei", **kwargs):
    from skbayes.optimizer import Optimizer

    def run(f, space, n, seed):
        opt = Optimizer(space, surrogate=surrogate, acquisition=acquisition, random_state=seed, **kwargs)
        values, times = [], []
        for _ in range(n):
            t0 = time.perf_counter()
            p = opt.ask()
            t1 = time.perf_counter()
            v = f(p)
            t2 = time.perf_counter()
            opt.tell(p, -v)
            times.append(t1 - t0 + time.perf_counter() - t2)
            values.append(v)
        return values, times

    return run


def run_random():
    def run(f, space, n, seed):
        from skbayes.sampling import make_engine
        from skbayes.space import Space

        sp = Space(space)
        U = make_engine("random", sp.n_dims, rng=seed).random(n)
        return [f(p) for p in sp.from_unit(U)], [0.0] * n

    return run


def _skopt_dims(space):
    from skopt.space import Categorical as SC, Integer as SI, Real as SR

    dims = []
    for name, d in space.items():
        if isinstance(d, Real):
            dims.append(SR(d.low, d.high, prior=d.prior, name=name))
        elif isinstance(d, Integer):
            dims.append(SI(d.low, d.high, prior=d.prior, name=name))
        else:
            dims.append(SC(list(d.categories), name=name))
    return dims


def run_skopt(base_estimator):
    def run(f, space, n, seed):
        from skopt import Optimizer as SkOpt

        names = list(space)
        opt = SkOpt(_skopt_dims(space), base_estimator=base_estimator, random_state=seed,
                    n_initial_points=10, acq_optimizer="auto")
        values, times = [], []
        for _ in range(n):
            t0 = time.perf_counter()
            x = opt.ask()
            t1 = time.perf_counter()
            v = f(dict(zip(names, x)))
            t2 = time.perf_counter()
            opt.tell(x, v)
            times.append(t1 - t0 + time.perf_counter() - t2)
            values.append(v)
        return values, times

    return run


def _optuna_suggest(trial, space):
    p = {}
    for name, d in space.items():
        if isinstance(d, Real):
            p[name] = trial.suggest_float(name, d.low, d.high, log=d.prior == "log-uniform")
        elif isinstance(d, Integer):
            p[name] = trial.suggest_int(name, d.low, d.high, log=d.prior == "log-uniform")
        else:
            p[name] = trial.suggest_categorical(name, list(d.categories))
    return p


def run_optuna(sampler_name):
    def run(f, space, n, seed):
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        if sampler_name == "tpe":
            sampler = optuna.samplers.TPESampler(seed=seed)
        else:
            sampler = optuna.samplers.GPSampler(seed=seed)
        study = optuna.create_study(sampler=sampler, direction="minimize")
        values, times = [], []
        for _ in range(n):
            t0 = time.perf_counter()
            trial = study.ask()
            p = _optuna_suggest(trial, space)
            t1 = time.perf_counter()
            v = f(p)
            t2 = time.perf_counter()
            study.tell(trial, v)
            times.append(t1 - t0 + time.perf_counter() - t2)
            values.append(v)
        return values, times

    return run


def _hyperopt_space(space):
    """hyperopt's space for a dict of skbayes dimensions (priors kept)."""
    from hyperopt import hp

    hspace = {}
    for name, d in space.items():
        if isinstance(d, Real):
            if d.prior == "log-uniform":
                hspace[name] = hp.loguniform(name, math.log(d.low), math.log(d.high))
            else:
                hspace[name] = hp.uniform(name, d.low, d.high)
        elif isinstance(d, Integer):
            if d.prior == "log-uniform":
                hspace[name] = hp.qloguniform(name, math.log(d.low), math.log(d.high), 1)
            else:
                hspace[name] = hp.uniformint(name, d.low, d.high)
        else:
            hspace[name] = hp.choice(name, list(d.categories))
    return hspace


def run_hyperopt():
    def run(f, space, n, seed):
        import hyperopt

        hspace = _hyperopt_space(space)
        values, stamps = [], []

        def objective(p):
            stamps.append(time.perf_counter())
            p = {k: (int(v) if isinstance(space[k], Integer) else v) for k, v in p.items()}
            v = f(p)
            values.append(v)
            stamps.append(time.perf_counter())
            return v

        trials = hyperopt.Trials()
        t0 = time.perf_counter()
        hyperopt.fmin(objective, hspace, algo=hyperopt.tpe.suggest, max_evals=n, trials=trials,
                      rstate=np.random.default_rng(seed), show_progressbar=False)
        total = time.perf_counter() - t0
        spent = sum(stamps[i + 1] - stamps[i] for i in range(0, len(stamps), 2))
        return values, [(total - spent) / n] * n

    return run


OPTIMIZERS = {
    "skbayes-gp": lambda: run_skbayes("gp"),
    "skbayes-rf": lambda: run_skbayes("rf"),
    "skbayes-tpe": lambda: run_skbayes("tpe"),
    # ablation: the GP on standardised scores only (no Yeo-Johnson warping)
    "skbayes-gp-raw": lambda: run_skbayes("gp", y_transform=None),
    # ablations of EI's incumbent: the best posterior mean at the told points (the
    # default since 2026-12-01) or the best told score (the default before)
    "skbayes-gp-meaninc": lambda: run_skbayes("gp", incumbent="mean"),
    "skbayes-gp-obsinc": lambda: run_skbayes("gp", incumbent="observed"),
    "skbayes-gp-meaninc-xi01": lambda: run_skbayes("gp", incumbent="mean", acquisition_kwargs={"xi": 0.01}),
    # ablation: half the default design of 10 points (2026-12-01, sixth session)
    "skbayes-gp-init5": lambda: run_skbayes("gp", n_initial_points=5),
    # ablation: a larger xi of EI, the strongest lever one at a time on Bayesmark (eleventh session)
    "skbayes-gp-xi10": lambda: run_skbayes("gp", acquisition_kwargs={"xi": 0.1}),
    "skbayes-gp-init15": lambda: run_skbayes("gp", n_initial_points=15),
    # ablations of the GP's length scales: narrower priors, or no length scale beyond the box
    "skbayes-gp-ps05": lambda: run_skbayes(GaussianProcess(prior_scale=0.5)),
    "skbayes-gp-lsmax1": lambda: run_skbayes(GaussianProcess(lengthscale_bounds=(0.01, 1.0))),
    "skbayes-gp-lsordp": lambda: run_skbayes(GaussianProcess(max_ordered_lengthscale="prior")),
    "skbayes-gp-unbounded": lambda: run_skbayes(GaussianProcess(max_ordered_lengthscale=None)),
    "skopt-gp": lambda: run_skopt("GP"),
    "skopt-rf": lambda: run_skopt("RF"),
    "optuna-tpe": lambda: run_optuna("tpe"),
    "optuna-gp": lambda: run_optuna("gp"),
    "hyperopt-tpe": run_hyperopt,
    "random": run_random,
}


# -- small-budget additions (bench_small_budget.py) --------------------------------------


def camel(p):
    """Six-hump camel (2-D, smooth, two global minima)."""
    x, y = p["x1"], p["x2"]
    return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2


_STEPS_CENTRE = (7, 29, 18, 33)


def steps(p):
    """A plateau-shaped integer function: flat terraces, like a decision tree's response.

    Four integers in ``[0, 40]``; the value is the sum over them of
    ``floor(|x - c| / 3)``, so it changes only every 3 steps and is 0 on a
    5 x 5 x 5 x 5 box.
    """
    return float(sum(abs(p[f"k{i}"] - c) // 3 for i, c in enumerate(_STEPS_CENTRE)))


FUNCTIONS_SMALL = {
    "camel": (camel, {"x1": Real(-3.0, 3.0), "x2": Real(-2.0, 2.0)}, -1.0316284534898774),
    "steps": (steps, {f"k{i}": Integer(0, 40) for i in range(4)}, 0.0),
}
