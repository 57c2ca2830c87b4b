"""HalvingBayesSearchCV at equal CPU time: against HalvingRandomSearchCV, BayesSearchCV, DEHB and BOHB.

Issue 13, section 3. Five tasks with a real resource, Hyperband's first
bracket of 81 candidates (factor 3, 4 rungs, resource ratio 27):

- ``hgb``: HistGradientBoostingClassifier, ``max_iter`` (boosting rounds
  2 to 54), 4 hyperparameters, 1500 x 20 synthetic classification set.
- ``sgd``: StandardScaler + SGDClassifier, ``max_iter`` (epochs 1 to 27),
  6 mixed hyperparameters, on the digits.
- ``svc``: SVC (RBF), ``n_samples`` (38 to 1050 training samples), C and gamma,
  on the synthetic set.
- ``mlp``: StandardScaler + MLPClassifier, ``max_iter`` (epochs 1 to 27),
  on the digits.
- ``net``: a skorch net (``skbayes.nets.MLPNetClassifier``, CPU, one torch
  thread), ``max_epochs`` (1 to 27), width, depth, learning rate, weight
  decay, dropout, batch size, on the standardised digits.

Methods, in one process per task and seed (``n_jobs=1``, one BLAS and one
torch thread; every fit runs in this process, so ``time.process_time()`` is
the compute spent, robust to other load on a shared machine):

- ``HalvingBayesSearchCV`` (defaults: Hyperband brackets, ``surrogate="kde"``,
  ``resume="auto"``, ``cost_aware=False``) and the same with ``cost_aware=True``;
  the CPU time of the default run is the task's budget ``B`` for this seed;
- ``HalvingRandomSearchCV`` (scikit-learn), the largest ``n_candidates`` whose
  schedule costs no more *resource* than HalvingBayesSearchCV's run;
- ``BayesSearchCV`` (GP) at full resource, stopped by a callback once its CPU
  time reaches ``B``;
- ``DEHB`` (dehb 0.1.2, ask/tell), ``BOHB`` (hpbandster 0.7.4, the engine
  of hpbandster-sklearn), ``ASHA`` and ``BOHB`` of syne-tune 0.16 (its
  asynchronous successive halving, driven one trial at a time: a trial
  reported at a rung continues to the next or stops), in the peers'
  environment behind a pipe
  (benchmarks/mf_peer_worker.py): they propose (configuration, resource),
  the fit is ours (3-fold CV with the same splits, the same estimator), and
  each is stopped once our fits plus the peer process's own CPU time reach
  ``B``.

Every run records its anytime curve: after each rung (or evaluation), the
cumulative CPU seconds and the incumbent (the best mean CV score among the
rows at the largest resource evaluated so far, the rule by which the
halving searches pick ``best_params_``). Every distinct incumbent is then
refitted at full resource on the training split and scored on a held-out
30 % split (for ``hgb10k`` and ``svc10k``, see ``tasks``, on 10,450 samples that
no search trains on); this evaluation is not charged to any method. From the curves:

- time for HalvingBayesSearchCV's median held-out curve to reach
  HalvingRandomSearchCV's median final held-out score and stay there to the
  end of the run (the first time from which it never falls below), as a fraction of
  HalvingRandomSearchCV's median CPU time (goal: <= 0.5 on 4 of 5 tasks,
  never > 1.0);
- each method's median held-out score at equal compute ``B`` (its incumbent
  at the last checkpoint within ``B``; goal: HalvingBayesSearchCV beats
  every peer on 3 of 5 tasks).

Peers' environment (DEHB pins numpy<2; hpbandster-sklearn 2.0.2 imports
``sklearn.utils.validation._check_fit_params``, gone since scikit-learn
1.4, so it cannot run beside scikit-learn 1.9, and its BOHB engine is driven
directly)::

    python -m venv /work/.venv-mf
    /work/.venv-mf/bin/pip install dehb==0.1.2 hpbandster==0.7.4 syne-tune==0.16.0

Run (``--quick``: 2 seeds, 27 candidates, for development; ``--peer-python``
names the peers' interpreter, none skips them)::

    nice -n 19 python benchmarks/bench_halving_compute.py --peer-python /work/.venv-mf/bin/python
    python benchmarks/bench_halving_compute.py --report

Writes benchmarks/results/halving_compute_<task>.json.gz (every run: curve,
held-out scores), halving_compute.csv (one row per run), halving_compute.md
(the tables) and docs/images/halving_compute.png (held-out score against CPU
time, one panel per task, medians over seeds).

``--ablation`` runs the default, HalvingRandomSearchCV and the ``VARIANTS``
of the proposal model (``surrogate="gp"``, ``"tpe"``, ``random_fraction``
0 and 1, ``model_levels="all"`` with the default model and the GP,
``brackets=4`` with and without it, a floor on the Parzen bandwidths; pick
some with ``--methods``) in the same processes instead, into
halving_ablation_<task>.json.gz, halving_ablation.csv and
halving_ablation.md (no figure); ``--ablation --report`` rebuilds those
tables. ``--prefix NAME`` writes (and reports) NAME_<task>.json.gz,
NAME.csv and NAME.md instead of the ``halving_ablation`` files, so that a
new ablation leaves the earlier one's files alone::

    python benchmarks/bench_halving_compute.py --ablation --prefix halving_levels --seeds 8 \
        --methods HalvingBayesSearchCV HalvingRandomSearchCV \
        "HalvingBayesSearchCV (model_levels=all)" "HalvingBayesSearchCV (random_fraction=1)"
"""

import argparse
import gzip
import json
import os
import subprocess
import sys
import time
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.stats import loguniform, randint, uniform  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits, make_classification  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.experimental import enable_halving_search_cv  # noqa: E402, F401
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    HalvingRandomSearchCV,
    StratifiedKFold,
    cross_validate,
    train_test_split,
)
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.utils import resample  # noqa: E402

from skbayes import BayesSearchCV, HalvingBayesSearchCV  # noqa: E402
from skbayes.space import Categorical, Integer, Real  # noqa: E402
from skbayes.strategies import ParzenProposer  # noqa: E402
from skbayes.strategies._halving import halving_plan  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
FIGURE = os.path.join(HERE, "..", "docs", "images", "halving_compute.png")
OURS, OURS_COST = "HalvingBayesSearchCV", "HalvingBayesSearchCV (cost_aware)"
HRS, BAYES = "HalvingRandomSearchCV", "BayesSearchCV (full resource)"
PEER_METHODS = {"DEHB": "dehb", "BOHB (hpbandster)": "bohb", "ASHA (syne-tune)": "asha",
                "BOHB (syne-tune)": "synebohb"}
PEERS = tuple(PEER_METHODS)
# ``--ablation``: HalvingBayesSearchCV with one setting of its proposal model changed, against the
# default and HalvingRandomSearchCV in the same process (halving_ablation_<task>.json.gz)
VARIANTS = {"HalvingBayesSearchCV (surrogate=gp)": dict(surrogate="gp"),
            "HalvingBayesSearchCV (surrogate=tpe)": dict(surrogate="tpe"),
            "HalvingBayesSearchCV (random_fraction=0)": dict(random_fraction=0.0),
            "HalvingBayesSearchCV (random_fraction=1)": dict(random_fraction=1.0),
            "HalvingBayesSearchCV (model_levels=all)": dict(model_levels="all"),
            "HalvingBayesSearchCV (surrogate=gp, model_levels=all)": dict(surrogate="gp", model_levels="all"),
            # successive-halving brackets of the first one's shape instead of Hyperband's (the same
            # total resource with 4 brackets of 4 rungs): every later bracket screens 81 proposals
            "HalvingBayesSearchCV (brackets=4)": dict(brackets=4),
            "HalvingBayesSearchCV (brackets=4, model_levels=all)": dict(brackets=4, model_levels="all"),
            # a floor on the Parzen bandwidths (unit-cube units; default 1e-3), against proposals that
            # cluster on a few close good points (svc10k: 18 % of the candidates within 0.01 of another)
            "HalvingBayesSearchCV (min_bandwidth=0.05)": dict(surrogate=ParzenProposer(min_bandwidth=0.05))}
FACTOR = 3
DEFAULT_TASKS = ("hgb", "sgd", "svc", "mlp", "net")  # the 10k variants run when named


def _digits():
    return load_digits(return_X_y=True)


def _digits_scaled():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0 - 0.5).astype(np.float32) * 2, y


def _synthetic(n_samples=1500):
    return make_classification(n_samples=n_samples, n_features=20, n_informative=8, n_redundant=4,
                               flip_y=0.05, class_sep=0.8, random_state=0)


def _synthetic_big_test():
    # the same generator with 10,000 more samples: the searches still train on 1050 of them, and the
    # held-out score of an incumbent is measured on the other 10,450 (standard error about 0.003
    # instead of 0.016 on the 30 % split of 1500)
    return _synthetic(11500)


def _net():
    import torch

    from skbayes.nets import MLPNetClassifier

    torch.set_num_threads(1)
    return MLPNetClassifier(device="cpu", random_state=0, max_epochs=27)


def tasks():
    """name -> dict(data, estimator (callable), space, dists, resource, min_r, max_r[, n_train]).

    ``hgb10k`` and ``svc10k`` are ``hgb`` and ``svc`` with the same 1050 training samples' worth of
    search and a held-out split of 10,450 samples (``n_train``): the searches cost the same, the
    held-out score is five times less noisy.
    """
    out = {
        "hgb": dict(
            data=_synthetic,
            estimator=lambda: HistGradientBoostingClassifier(early_stopping=False, random_state=0),
            space={"learning_rate": Real(0.01, 1.0, prior="log-uniform"),
                   "max_leaf_nodes": Integer(4, 32, prior="log-uniform"),
                   "min_samples_leaf": Integer(2, 100, prior="log-uniform"),
                   "l2_regularization": Real(1e-6, 10.0, prior="log-uniform")},
            dists={"learning_rate": loguniform(0.01, 1.0), "max_leaf_nodes": randint(4, 33),
                   "min_samples_leaf": randint(2, 101), "l2_regularization": loguniform(1e-6, 10.0)},
            resource="max_iter", min_r=2, max_r=54),
        "sgd": dict(
            data=_digits,
            estimator=lambda: make_pipeline(StandardScaler(), SGDClassifier(tol=None, random_state=0)),
            space={"sgdclassifier__loss": Categorical(["hinge", "log_loss", "modified_huber"]),
                   "sgdclassifier__penalty": Categorical(["l2", "l1", "elasticnet"]),
                   "sgdclassifier__alpha": Real(1e-7, 1.0, prior="log-uniform"),
                   "sgdclassifier__l1_ratio": Real(0.0, 1.0),
                   "sgdclassifier__learning_rate": Categorical(["optimal", "adaptive"]),
                   "sgdclassifier__eta0": Real(1e-4, 1.0, prior="log-uniform")},
            dists={"sgdclassifier__loss": ["hinge", "log_loss", "modified_huber"],
                   "sgdclassifier__penalty": ["l2", "l1", "elasticnet"],
                   "sgdclassifier__alpha": loguniform(1e-7, 1.0), "sgdclassifier__l1_ratio": uniform(0, 1),
                   "sgdclassifier__learning_rate": ["optimal", "adaptive"],
                   "sgdclassifier__eta0": loguniform(1e-4, 1.0)},
            resource="sgdclassifier__max_iter", min_r=1, max_r=27),
        "svc": dict(
            data=_synthetic,
            estimator=SVC,
            space={"C": Real(1e-3, 1e3, prior="log-uniform"), "gamma": Real(1e-6, 1.0, prior="log-uniform")},
            dists={"C": loguniform(1e-3, 1e3), "gamma": loguniform(1e-6, 1.0)},
            resource="n_samples", min_r=38, max_r=None),
        "mlp": dict(
            data=_digits,
            estimator=lambda: make_pipeline(StandardScaler(),
                                            MLPClassifier(random_state=0, n_iter_no_change=1000)),
            space={"mlpclassifier__learning_rate_init": Real(1e-4, 1e-1, prior="log-uniform"),
                   "mlpclassifier__alpha": Real(1e-6, 1.0, prior="log-uniform"),
                   "mlpclassifier__batch_size": Integer(32, 256, prior="log-uniform"),
                   "mlpclassifier__hidden_layer_sizes": Categorical([(16,), (32,), (64,)])},
            dists={"mlpclassifier__learning_rate_init": loguniform(1e-4, 1e-1),
                   "mlpclassifier__alpha": loguniform(1e-6, 1.0),
                   "mlpclassifier__batch_size": randint(32, 257),
                   "mlpclassifier__hidden_layer_sizes": [(16,), (32,), (64,)]},
            resource="mlpclassifier__max_iter", min_r=1, max_r=27),
        "net": dict(
            data=_digits_scaled,
            estimator=_net,
            space={"hidden_units": Integer(8, 32, prior="log-uniform"),
                   "n_layers": Integer(1, 2),
                   "lr": Real(1e-4, 1e-1, prior="log-uniform"),
                   "weight_decay": Real(1e-7, 1e-2, prior="log-uniform"),
                   "dropout": Real(0.0, 0.5),
                   "batch_size": Integer(64, 512, prior="log-uniform")},
            dists={"hidden_units": randint(8, 33), "n_layers": randint(1, 3),
                   "lr": loguniform(1e-4, 1e-1), "weight_decay": loguniform(1e-7, 1e-2),
                   "dropout": uniform(0, 0.5), "batch_size": randint(64, 513)},
            resource="max_epochs", min_r=1, max_r=27),
    }
    for name in ("hgb", "svc"):
        out[f"{name}10k"] = dict(out[name], data=_synthetic_big_test, n_train=1050)
    return out


# -- anytime curves ---------------------------------------------------------------


class Clock:
    """CPU seconds since ``start``; ``marks`` are (cpu seconds, rows evaluated so far)."""

    def __init__(self):
        self.t0 = time.process_time()
        self.marks = []

    def now(self):
        return time.process_time() - self.t0

    def mark(self, n_rows):
        self.marks.append((self.now(), int(n_rows)))


class TimedHalvingRandomSearchCV(HalvingRandomSearchCV):
    """scikit-learn's search, marking the clock after every rung (its rows are appended in order)."""

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        clock = self._bench_clock

        def timed(candidate_params, *args, **kw):
            out = evaluate_candidates(candidate_params, *args, **kw)
            clock.mark(len(out["params"]))
            return out

        return super()._run_search(timed, callback_ctx=callback_ctx)


def _rows_from_cv_results(results, max_r):
    n = len(results["params"])
    res = results["n_resources"] if "n_resources" in results else np.full(n, max_r)
    return [dict(params=results["params"][i], resource=int(res[i]),
                 score=float(results["mean_test_score"][i])) for i in range(n)]


def incumbents(rows, marks):
    """For each mark: the index of the best row among those at the largest resource so far."""
    out = []
    for _, n in marks:
        if n == 0:
            out.append(None)
            continue
        top = max(r["resource"] for r in rows[:n])
        best, best_score = None, -np.inf
        for i, r in enumerate(rows[:n]):
            if r["resource"] == top and np.isfinite(r["score"]) and r["score"] > best_score:
                best, best_score = i, r["score"]
        out.append(best)
    return out


# -- peers behind a pipe ------------------------------------------------------------


def _peer_space(space):
    out = []
    for name, dim in space.items():
        if isinstance(dim, Categorical):
            out.append({"name": name, "type": "cat", "categories": [repr(c) for c in dim.categories]})
        else:
            out.append({"name": name, "type": "int" if isinstance(dim, Integer) else "real",
                        "low": dim.low, "high": dim.high, "log": dim.prior == "log-uniform"})
    return out


def _from_peer(space, params):
    out = {}
    for name, dim in space.items():
        v = params[name]
        out[name] = dim.categories[int(v)] if isinstance(dim, Categorical) else (
            int(v) if isinstance(dim, Integer) else float(v))
    return out


def _proc_cpu(pid):
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_peer(method, python, spec, est, X, y, cv, seed, budget, max_r):
    """Ask/tell until our fits plus the peer's own CPU time reach ``budget``."""
    proc = subprocess.Popen([python, os.path.join(HERE, "mf_peer_worker.py")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1,
                            env={**os.environ, "PYTHONPATH": ""})

    def call(**msg):
        proc.stdin.write(json.dumps(msg) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{method} worker died")
        return json.loads(line)

    call(op="init", method=PEER_METHODS[method],
         space=_peer_space(spec["space"]), min_r=spec["min_r"], max_r=max_r, eta=FACTOR, seed=seed)
    peer0 = _proc_cpu(proc.pid)
    clock, rows = Clock(), []
    splits = list(cv.split(X, y))
    rng = np.random.RandomState(seed)
    try:
        while True:
            job = call(op="ask")
            params = _from_peer(spec["space"], job["params"])
            r = int(round(job["resource"]))
            model = clone(est).set_params(**params)
            if spec["resource"] == "n_samples":
                frac = r / len(X)
                folds = [(resample(tr, replace=False, n_samples=int(frac * len(tr)), random_state=rng), te)
                         for tr, te in splits]
            else:
                model.set_params(**{spec["resource"]: r})
                folds = splits
            t = time.process_time()
            out = cross_validate(model, X, y, cv=folds, n_jobs=1, error_score=np.nan)
            score = float(np.mean(out["test_score"]))
            cost = time.process_time() - t
            rows.append(dict(params=params, resource=r, score=score))
            peer_cpu = _proc_cpu(proc.pid) - peer0
            total = clock.now() + peer_cpu
            clock.marks.append((total, len(rows)))
            if total >= budget:
                break
            call(op="tell", id=job["id"], loss=-score if np.isfinite(score) else 1.0, cost=cost)
    finally:
        try:
            call(op="quit")
        except Exception:  # noqa: BLE001 - the worker may be gone already
            pass
        proc.kill()
        proc.wait()
    return rows, clock.marks, peer_cpu


# -- one task, one seed ------------------------------------------------------------------


def _split(spec, seed):
    X, y = spec["data"]()
    size = dict(train_size=spec["n_train"]) if "n_train" in spec else dict(test_size=0.3)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=seed, stratify=y, **size)
    max_r = len(X_tr) if spec["resource"] == "n_samples" else spec["max_r"]
    return X_tr, X_te, y_tr, y_te, max_r


def run(task, spec, seed, cv, n_cand, peer_python, methods, budget=None):
    """Every method on one task and seed; ``budget`` given: only the peers, at that budget."""
    X_tr, X_te, y_tr, y_te, max_r = _split(spec, seed)
    est = spec["estimator"]()
    res_kw = dict(resource=spec["resource"], factor=FACTOR, min_resources=spec["min_r"], max_resources=max_r)
    common = dict(cv=cv, n_jobs=1, random_state=seed, refit=False)
    runs = []
    if budget is not None:
        methods = [m for m in methods if m in PEERS]
        return _peers(runs, task, spec, est, X_tr, X_te, y_tr, y_te, cv, seed, budget, max_r,
                      peer_python, methods)

    def ours(name, **settings):
        clock = Clock()
        settings = {"brackets": "hyperband", **settings}
        search = HalvingBayesSearchCV(est, spec["space"], n_candidates=n_cand,
                                      callbacks=[lambda s: clock.mark(s.n_evaluated)],
                                      **settings, **res_kw, **common)
        search.fit(X_tr, y_tr)
        cpu = clock.now()
        rows = _rows_from_cv_results(search.cv_results_, max_r)
        assert clock.marks[-1][1] == len(rows), (clock.marks[-1], len(rows))
        runs.append(dict(method=name, rows=rows, marks=clock.marks, cpu_s=cpu,
                         total_resource=int(sum(r["resource"] for r in rows) * cv.get_n_splits())))

    ours(OURS)
    budget = runs[0]["cpu_s"]
    if OURS_COST in methods:
        ours(OURS_COST, cost_aware=True)
    for name, settings in VARIANTS.items():
        if name in methods:
            ours(name, **settings)

    if HRS in methods:
        per_split = runs[0]["total_resource"] / cv.get_n_splits()
        n_sk = 1
        for n in range(1, 3000):
            plan = halving_plan(n, spec["min_r"], max_r, FACTOR)
            if sum(s * r for s, r in zip(plan.rung_sizes(FACTOR), plan.n_resources)) > per_split:
                break
            n_sk = n
        clock = Clock()
        sk = TimedHalvingRandomSearchCV(est, spec["dists"], n_candidates=n_sk, return_train_score=False,
                                        **res_kw, **common)
        sk._bench_clock = clock
        sk.fit(X_tr, y_tr)
        cpu = clock.now()
        rows = _rows_from_cv_results(sk.cv_results_, max_r)
        runs.append(dict(method=HRS, rows=rows, marks=clock.marks, cpu_s=cpu,
                         total_resource=int(sum(r["resource"] for r in rows) * cv.get_n_splits())))

    if BAYES in methods:
        full = est if spec["resource"] == "n_samples" else clone(est).set_params(**{spec["resource"]: max_r})
        clock = Clock()

        def stop(state):
            clock.mark(state.n_evaluated)
            return clock.now() >= budget

        bayes = BayesSearchCV(full, spec["space"], n_iter=500, n_points=1, n_initial_points=5,
                              callbacks=[stop], **common)
        bayes.fit(X_tr, y_tr)
        cpu = clock.now()
        rows = _rows_from_cv_results(bayes.cv_results_, max_r)
        runs.append(dict(method=BAYES, rows=rows, marks=clock.marks, cpu_s=cpu,
                         total_resource=len(rows) * max_r * cv.get_n_splits()))

    return _peers(runs, task, spec, est, X_tr, X_te, y_tr, y_te, cv, seed, budget, max_r, peer_python,
                  methods)


def _peers(runs, task, spec, est, X_tr, X_te, y_tr, y_te, cv, seed, budget, max_r, peer_python, methods):
    for peer in PEERS:
        if peer not in methods or not peer_python:
            continue
        rows, marks, peer_cpu = run_peer(peer, peer_python, spec, est, X_tr, y_tr, cv, seed, budget, max_r)
        runs.append(dict(method=peer, rows=rows, marks=marks, cpu_s=marks[-1][0], peer_cpu_s=peer_cpu,
                         total_resource=int(sum(r["resource"] for r in rows) * cv.get_n_splits())))

    # held-out score of every distinct incumbent (refit at full resource; not charged)
    cache = {}
    for run_ in runs:
        inc = incumbents(run_["rows"], run_["marks"])
        run_["curve"] = []
        for (t, _), i in zip(run_["marks"], inc):
            if i is None:
                continue
            params = run_["rows"][i]["params"]
            key = repr(sorted(params.items()))
            if key not in cache:
                model = clone(est).set_params(**params)
                if spec["resource"] != "n_samples":
                    model.set_params(**{spec["resource"]: max_r})
                cache[key] = float(model.fit(X_tr, y_tr).score(X_te, y_te))
            run_["curve"].append((float(t), cache[key], float(run_["rows"][i]["score"])))
        run_.update(task=task, seed=seed, budget_s=budget, n_evals=len(run_["rows"]),
                    test_score=run_["curve"][-1][1], cv_score=run_["curve"][-1][2])
        for row in run_["rows"]:
            row["params"] = {k: (v if isinstance(v, (int, float, str)) else repr(v))
                             for k, v in row["params"].items()}
    return runs


# -- report ------------------------------------------------------------------------------------


def _score_at(curve, t):
    """Held-out score of the incumbent at CPU time ``t`` (nan before the first incumbent)."""
    s = np.nan
    for tc, score, _ in curve:
        if tc > t:
            break
        s = score
    return s


def _median_curve(curves, grid):
    return np.array([np.nanmedian([_score_at(c, t) for c in curves]) if any(
        c and c[0][0] <= t for c in curves) else np.nan for t in grid])


def _se(values):
    values = np.asarray(values, dtype=float)
    return float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("nan")


def analyse(runs):
    """Per task: summary rows, goal 1 (time to reach HRS's median) and goal 2 (equal compute)."""
    df = pd.DataFrame([{k: r[k] for k in ("task", "method", "seed", "cpu_s", "budget_s", "n_evals",
                                          "total_resource", "test_score", "cv_score")}
                       for r in runs])
    out = {}
    for task, block in df.groupby("task", sort=False):
        truns = [r for r in runs if r["task"] == task]
        B = float(block["budget_s"].median())
        summary = []
        for method, b in block.groupby("method", sort=False):
            curves = [r["curve"] for r in truns if r["method"] == method]
            at_b = [_score_at(r["curve"], r["budget_s"]) for r in truns if r["method"] == method]
            summary.append(dict(method=method, seeds=len(b), cpu_s=b["cpu_s"].median(), cpu_se=_se(b["cpu_s"]),
                                final=b["test_score"].median(), final_se=_se(b["test_score"]),
                                at_budget=float(np.nanmedian(at_b)),
                                at_budget_se=_se([v for v in at_b if np.isfinite(v)]),
                                at_budget_missing=int(np.sum(~np.isfinite(at_b))),
                                n_evals=b["n_evals"].median(), curves=curves))
        # paired by seed: in how many seeds the default's incumbent at B beats each method's
        ours_at = {r["seed"]: _score_at(r["curve"], r["budget_s"]) for r in truns if r["method"] == OURS}
        paired = {}
        for method in block["method"].unique():
            if method == OURS:
                continue
            pairs = [(ours_at[r["seed"]], _score_at(r["curve"], r["budget_s"])) for r in truns
                     if r["method"] == method and r["seed"] in ours_at]
            paired[method] = (sum(a > b or (np.isfinite(a) and not np.isfinite(b)) for a, b in pairs),
                              sum(a == b for a, b in pairs), len(pairs))
        info = dict(budget_s=B, summary=summary, paired=paired)
        hrs = [s for s in summary if s["method"] == HRS]
        if hrs:
            target, t_hrs = hrs[0]["final"], hrs[0]["cpu_s"]
            for s in summary:
                if True:
                    grid = np.linspace(0, max(t_hrs, max(c[-1][0] for c in s["curves"])), 400)
                    med = _median_curve(s["curves"], grid)
                    # the first time from which the median curve stays at or above the target
                    # to the end of the run (an incumbent's held-out score can drop again)
                    below = np.flatnonzero(~(med >= target - 1e-12))
                    first = 0 if below.size == 0 else below[-1] + 1
                    s["reach_s"] = float(grid[first]) if first < grid.size else float("nan")
                    s["reach_ratio"] = s["reach_s"] / t_hrs
        out[task] = info
    return df, out


def _summary_table(analysis, machine, date, quick, n_seeds):
    lines = [f"Machine: {machine}. Date: {date}. {'--quick, ' if quick else ''}{n_seeds} seeds, "
             "n_jobs=1, one BLAS and one torch thread, 3-fold CV, held-out 30 % split (the 10,450 "
             "samples not trained on for the 10k tasks). CPU time: "
             "`time.process_time()` of each search (proposals included; for DEHB and BOHB our fits "
             "plus the peer process's CPU). Medians over seeds (± standard error).", "",
             "| task | method | seeds | CPU time (s) | evaluations | held-out score at budget B (median over the seeds with an incumbent by then) | final held-out score "
             "| time to reach HRS's median / HRS's time |",
             "|---|---|---|---|---|---|---|---|"]
    for task, info in analysis.items():
        for s in info["summary"]:
            reach = f"{s['reach_ratio']:.2f}" if "reach_ratio" in s and np.isfinite(s["reach_ratio"]) else (
                "not reached" if "reach_ratio" in s else "")
            lines.append(f"| {task} (B = {info['budget_s']:.1f} s) | {s['method']} | {s['seeds']} "
                         f"| {s['cpu_s']:.1f} ± {s['cpu_se']:.1f} | "
                         f"{s['n_evals']:.0f} | {s['at_budget']:.4f} ± {s['at_budget_se']:.4f}"
                         + (f" ({s['at_budget_missing']} seeds: none yet)" if s["at_budget_missing"] else "")
                         + " | "
                         f"{s['final']:.4f} ± {s['final_se']:.4f} | {reach} |")
    return lines


def _fmt_ratio(r):
    return "not reached" if not np.isfinite(r) else f"{r:.2f}"


def to_markdown(analysis, machine, date, quick, n_seeds):
    lines = _summary_table(analysis, machine, date, quick, n_seeds)
    lines += ["", "Goals (default = HalvingBayesSearchCV with cost_aware=False; peers = every method but "
              "the two HalvingBayesSearchCV runs):", "",
              "| task | reach ratio, default (goal <= 0.5, never > 1.0) | reach ratio, cost_aware "
              "| HRS's own reach ratio | default at B minus best peer at B (goal > 0) | best peer at B "
              "| cost_aware minus default at B |", "|---|---|---|---|---|---|---|"]

    fmt = _fmt_ratio
    for task, info in analysis.items():
        by = {s["method"]: s for s in info["summary"]}
        peers = [s for s in info["summary"] if s["method"] not in (OURS, OURS_COST)]
        best = max(peers, key=lambda s: s["at_budget"]) if peers else None
        r0 = by.get(OURS, {}).get("reach_ratio", np.nan)
        r1 = by.get(OURS_COST, {}).get("reach_ratio", np.nan)
        rh = by.get(HRS, {}).get("reach_ratio", np.nan)
        d = by[OURS]["at_budget"] - best["at_budget"] if best else np.nan
        c = by[OURS_COST]["at_budget"] - by[OURS]["at_budget"] if OURS_COST in by else np.nan
        goal1 = "met" if r0 <= 0.5 else ("missed" if np.isfinite(r0) and r0 <= 1.0 else "missed, > 1.0")
        goal2 = "met" if d > 0 else "missed"
        lines.append(f"| {task} | {fmt(r0)} ({goal1}) | {fmt(r1)} | {fmt(rh)} | {d:+.4f} ({goal2}) "
                     f"| {best['method'] if best else ''} | {c:+.4f} |")
    methods = [m for m in [OURS_COST, HRS, BAYES, *PEERS] if any(m in i["paired"] for i in analysis.values())]
    lines += ["", "Paired by seed, at budget B: seeds where the default's incumbent scores higher / the same / "
              "lower on the held-out split than each method's (no incumbent yet counts as lower):", "",
              "| task | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    for task, info in analysis.items():
        cells = []
        for m in methods:
            w, t, n = info["paired"].get(m, (0, 0, 0))
            cells.append(f"{w} / {t} / {n - w - t}" if n else "")
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def ablation_markdown(analysis, machine, date, quick, n_seeds):
    """The summary table, then each variant of the proposal model against the default."""
    lines = _summary_table(analysis, machine, date, quick, n_seeds)
    lines += ["", "Each setting against the default, same processes: reach ratio (time for the median "
              "held-out curve to reach HalvingRandomSearchCV's median final score, over HRS's CPU time), "
              "held-out score at B minus the default's, and the seeds where the default scores higher / "
              "the same / lower at B:", "",
              "| task | method | reach ratio | at B minus default | default higher / same / lower |",
              "|---|---|---|---|---|"]
    for task, info in analysis.items():
        by = {s["method"]: s for s in info["summary"]}
        for m in [OURS, *VARIANTS]:
            if m not in by:
                continue
            w, t, n = info["paired"].get(m, (0, 0, 0))
            lines.append(f"| {task} | {m} | {_fmt_ratio(by[m].get('reach_ratio', np.nan))} "
                         f"| {by[m]['at_budget'] - by[OURS]['at_budget']:+.4f} "
                         f"| {f'{w} / {t} / {n - w - t}' if n else ''} |")
    return "\n".join(lines) + "\n"


def figure(analysis, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = [OURS, OURS_COST, HRS, BAYES, *PEERS]
    colors = dict(zip(order, plt.get_cmap("tab10").colors))
    fig, axes = plt.subplots(1, len(analysis), figsize=(3.6 * len(analysis), 3.4), squeeze=False)
    for ax, (task, info) in zip(axes[0], analysis.items()):
        for s in sorted(info["summary"], key=lambda s: order.index(s["method"])):
            tmax = max(c[-1][0] for c in s["curves"])
            grid = np.linspace(0, tmax, 300)
            ax.plot(grid, _median_curve(s["curves"], grid), label=s["method"], color=colors[s["method"]],
                    lw=2.2 if s["method"] == OURS else 1.1)
        ax.axvline(info["budget_s"], color="grey", ls=":", lw=1)
        ax.set_title(f"{task} (B = {info['budget_s']:.0f} s, dotted)", fontsize=9)
        ax.set_xlabel("CPU seconds of fit")
        lo = np.nanmin([s["final"] for s in info["summary"]])
        ax.set_ylim(lo - 0.03, None)
    axes[0][0].set_ylabel("held-out score of the incumbent\n(median over seeds)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    fig.savefig(path, dpi=80)


def machine_name():
    import platform

    try:
        cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next(ln.split(":", 1)[1].strip() for ln in cpu.splitlines() if ln.startswith("Model name"))
    except Exception:  # noqa: BLE001 - informative only
        model = platform.processor() or "unknown CPU"
    return f"2-core shared VM ({model}), Python {platform.python_version()}"


def report(ablation=False, prefix=None):
    prefix = prefix or ("halving_ablation" if ablation else "halving_compute")
    runs = []
    for f in sorted(os.listdir(RESULTS)):
        if f.startswith(prefix + "_") and f.endswith(".json.gz"):
            with gzip.open(os.path.join(RESULTS, f), "rt") as fh:
                blob = json.load(fh)
            runs += blob["runs"]
            meta = blob
    df, analysis = analyse(runs)
    df.to_csv(os.path.join(RESULTS, prefix + ".csv"), index=False)
    md = (ablation_markdown if ablation else to_markdown)(
        analysis, meta["machine"], meta["date"], meta["quick"], int(df["seed"].nunique()))
    with open(os.path.join(RESULTS, prefix + ".md"), "w") as fh:
        fh.write(md)
    if not ablation:
        figure(analysis, FIGURE)
    print(md)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds, 27 candidates")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--tasks", nargs="*", default=None)
    parser.add_argument("--methods", nargs="*", default=None)
    parser.add_argument("--peer-python", default=None, help="interpreter of the peers' venv")
    parser.add_argument("--report", action="store_true", help="only rebuild the tables and figure")
    parser.add_argument("--ablation", action="store_true",
                        help="the default, HalvingRandomSearchCV and the VARIANTS of the proposal model, "
                             "into halving_ablation_<task>.json.gz")
    parser.add_argument("--prefix", default=None,
                        help="the files' prefix instead of halving_compute (halving_ablation with --ablation)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the seeds already in halving_compute_<task>.json.gz (halving_ablation_ "
                             "with --ablation), run the others")
    parser.add_argument("--append", default=None, metavar="TAG",
                        help="run only the peers in --methods, at the budgets of the runs saved in "
                             "<prefix>_<task>.json.gz (the seeds not yet in the TAG file), into "
                             "<prefix>_<task>_<TAG>.json.gz (prefix: halving_compute, or --prefix)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    os.makedirs(RESULTS, exist_ok=True)
    if not args.report:
        n_seeds = args.seeds or (2 if args.quick else 5)
        n_cand = 27 if args.quick else 81
        methods = args.methods or ([OURS, HRS, *VARIANTS] if args.ablation
                                   else [OURS, OURS_COST, HRS, BAYES, *PEERS])
        cv = StratifiedKFold(3)
        all_tasks = tasks()
        for task in args.tasks or DEFAULT_TASKS:
            runs, budgets, seeds = [], {}, range(n_seeds)
            prefix = args.prefix or f"halving_{'ablation' if args.ablation else 'compute'}"
            path = os.path.join(RESULTS, f"{prefix}_{task}.json.gz")
            if args.append:
                # the new runs go to a file of their own, so that a run still writing ``path`` is left alone
                with gzip.open(path, "rt") as fh:
                    saved = json.load(fh)
                budgets = {r["seed"]: r["budget_s"] for r in saved["runs"] if r["method"] == OURS}
                n_cand = saved["n_candidates"]
                path = os.path.join(RESULTS, f"{prefix}_{task}_{args.append}.json.gz")
                if os.path.exists(path):
                    with gzip.open(path, "rt") as fh:
                        runs = json.load(fh)["runs"]
                done = {r["seed"] for r in runs} | {
                    seed for seed in budgets
                    if set(methods) <= {r["method"] for r in saved["runs"] if r["seed"] == seed}}
                seeds = sorted(set(budgets) - done)
            elif args.resume and os.path.exists(path):
                with gzip.open(path, "rt") as fh:
                    runs = json.load(fh)["runs"]
                seeds = sorted(set(seeds) - {r["seed"] for r in runs})
            for seed in seeds:
                t = time.perf_counter()
                new = run(task, all_tasks[task], seed, cv, n_cand, args.peer_python, methods,
                          budget=budgets.get(seed))
                runs += new
                print(f"{task} seed {seed} ({time.perf_counter() - t:.0f} s wall): " + "; ".join(
                    f"{r['method']}: {r['cpu_s']:.1f} s, {r['n_evals']} evals, test {r['test_score']:.4f}"
                    for r in new), flush=True)
                with gzip.open(path, "wt") as fh:
                    json.dump(dict(machine=machine_name(), date=time.strftime("%Y-%m-%d"), quick=args.quick,
                                   n_candidates=n_cand, runs=runs), fh)
    report(args.ablation, args.prefix)


if __name__ == "__main__":
    main()
