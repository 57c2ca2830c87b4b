"""BayesSearchCV with cost_aware=False against cost_aware=True, at equal CPU time of fit.

Issue 13, section 2: does expected improvement per second (Snoek et al.
2012) reach a better score for the same compute than expected improvement?
Three tasks whose fit time varies by one to two orders of magnitude across
the space:

- ``svc``: SVC (RBF), ``C`` in [1e-2, 1e3] and ``gamma`` in [1e-5, 1e0]
  (log), on 900 digits (fit time grows with C and with gamma);
- ``hgb``: HistGradientBoostingClassifier (no early stopping),
  ``max_iter`` in [5, 300] and ``max_leaf_nodes`` in [4, 64] (log),
  ``learning_rate`` in [0.01, 1] (log), on a 1200 x 20 synthetic set;
- ``rf``: RandomForestClassifier, ``n_estimators`` in [5, 300] and
  ``max_depth`` in [2, 30] (log), ``max_features`` in [0.1, 1], on the same
  synthetic set.

Each run is ``BayesSearchCV`` (GP, log-EI, 8 initial points by default, 3-fold CV,
``n_jobs=1``, ``refit=False``) with a large ``n_iter``, stopped by a callback
once the CPU seconds spent in the estimators' ``fit`` (measured inside
``fit`` with ``time.thread_time()``, so another load on a shared machine does
not inflate them) reach the task's budget ``B``. Both arms of a seed get the
same seed, hence the same initial design. What the optimizer is told as a
cost is what a user's search sees: ``mean_fit_time + mean_score_time``
(wall clock). The trace of a run is, after each candidate, the cumulative
fit CPU seconds and the best mean CV accuracy so far.

Reported, per task, over the seeds (median and standard error of the
median, ``1.2533 * std / sqrt(n)``): the best CV score reached at 25 %,
50 % and 100 % of ``B``; candidates evaluated within ``B``; and two
same-seed ratios: the CPU time cost_aware needed to reach the score
cost_aware=False ended with, as a fraction of ``B`` (``> 1``: not reached
within ``B``), and the difference of the final scores (aware minus blind).
The optimizer's own CPU time (GP fits) is recorded, not charged.

Run: ``python benchmarks/bench_cost_aware.py`` (5 seeds) or ``--quick``
(3 seeds, half the budgets); ``--budget-scale``, ``--n-initial`` and
``--seeds`` size a run, ``--jobs N`` runs N searches at once (one process
each), ``--report`` rebuilds the tables from the raw results. Writes benchmarks/results/cost_aware.jsonl (one line per run) and
benchmarks/results/cost_aware.md (the tables).
"""

import argparse
import json
import os
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits, make_classification  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from skbayes import BayesSearchCV  # noqa: E402
from skbayes.exceptions import BoundaryWarning  # noqa: E402
from skbayes.space import Integer, Real  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
FRACTIONS = (0.25, 0.5, 1.0)

# CPU seconds of every fit of the running search, appended by the estimators
# below (n_jobs=1: they run in this process)
_FIT_CPU = []


def _timed_fit(cls):
    """``cls`` whose ``fit`` notes its CPU seconds in ``_FIT_CPU``."""

    def fit(self, X, y, **kwargs):
        start = time.thread_time()
        try:
            return cls.fit(self, X, y, **kwargs)
        finally:
            _FIT_CPU.append(time.thread_time() - start)

    return type(f"Timed{cls.__name__}", (cls,), {"fit": fit, "__module__": __name__})


TimedSVC = _timed_fit(SVC)
TimedHGB = _timed_fit(HistGradientBoostingClassifier)
TimedRF = _timed_fit(RandomForestClassifier)


def _digits():
    X, y = load_digits(return_X_y=True)
    return X[:900] / 16.0, y[:900]


def _synthetic():
    return make_classification(n_samples=1200, n_features=20, n_informative=10,
                               n_redundant=4, flip_y=0.03, random_state=0)


# name -> (data, estimator, space, budget B in CPU seconds of fit)
TASKS = {
    "svc": (_digits, lambda: TimedSVC(), {
        "C": Real(1e-2, 1e3, prior="log-uniform"),
        "gamma": Real(1e-5, 1e0, prior="log-uniform"),
    }, 8.0),
    "hgb": (_synthetic, lambda: TimedHGB(early_stopping=False, random_state=0), {
        "max_iter": Integer(5, 300, prior="log-uniform"),
        "max_leaf_nodes": Integer(4, 64, prior="log-uniform"),
        "learning_rate": Real(1e-2, 1.0, prior="log-uniform"),
    }, 25.0),
    "rf": (_synthetic, lambda: TimedRF(random_state=0), {
        "n_estimators": Integer(5, 300, prior="log-uniform"),
        "max_depth": Integer(2, 30, prior="log-uniform"),
        "max_features": Real(0.1, 1.0),
    }, 25.0),
}


class _CPUBudget:
    """Stop the search once the fits' CPU seconds reach ``budget``."""

    def __init__(self, budget):
        self.budget = budget

    def __call__(self, state):
        return sum(_FIT_CPU) >= self.budget


def run_one(task, seed, cost_aware, budget, n_initial=8):
    load, make, space, _ = TASKS[task]
    X, y = load()
    _FIT_CPU.clear()
    search = BayesSearchCV(
        make(), space, n_iter=400, n_initial_points=n_initial, n_points=1,
        cv=StratifiedKFold(3, shuffle=True, random_state=seed), n_jobs=1, refit=False,
        random_state=seed, cost_aware=cost_aware, callbacks=[_CPUBudget(budget)],
    )
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    search.fit(X, y)
    total_cpu = time.process_time() - cpu0
    n_splits = 3
    fit_cpu = np.asarray(_FIT_CPU, dtype=float)
    # n_splits fits per candidate, in the order evaluated (n_points=1, n_jobs=1)
    per_candidate = fit_cpu[: len(fit_cpu) // n_splits * n_splits].reshape(-1, n_splits).sum(1)
    scores = np.asarray(search.cv_results_["mean_test_score"], dtype=float)
    n = min(len(scores), len(per_candidate))
    return {
        "task": task, "seed": seed, "cost_aware": bool(cost_aware), "budget": budget,
        "n_initial": n_initial,
        "cum_cpu": np.cumsum(per_candidate[:n]).tolist(),
        "best": np.fmax.accumulate(np.where(np.isnan(scores[:n]), -np.inf, scores[:n])).tolist(),
        "wall_seconds": np.add(search.cv_results_["mean_fit_time"],
                               search.cv_results_["mean_score_time"])[:n].tolist(),
        "total_cpu": total_cpu, "fit_cpu": float(fit_cpu.sum()),
        "wall": time.perf_counter() - wall0,
        "params": [{k: (v if isinstance(v, (int, float, str)) else float(v)) for k, v in p.items()}
                   for p in search.cv_results_["params"][:n]],
    }


def _run_quietly(job):
    with warnings.catch_warnings():
        # the best candidate at a bound of the range (BoundaryWarning) is
        # not news in a benchmark
        warnings.simplefilter("ignore", BoundaryWarning)
        return run_one(*job)


def best_at(run, cpu):
    """The best score reached by ``cpu`` fit seconds (nan before the first candidate)."""
    cum, best = np.asarray(run["cum_cpu"]), np.asarray(run["best"])
    k = np.searchsorted(cum, cpu, side="right")
    return float(best[k - 1]) if k > 0 else float("nan")


def reach(run, target):
    """Fit CPU seconds at which ``run`` first reached ``target`` (inf: never)."""
    cum, best = np.asarray(run["cum_cpu"]), np.asarray(run["best"])
    hit = np.flatnonzero(best >= target - 1e-12)
    return float(cum[hit[0]]) if hit.size else float("inf")


def _med_se(values):
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    if v.size == 0:
        return "n/a"
    se = 1.2533 * v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else float("nan")
    return f"{np.median(v):.4f} ± {se:.4f}"


def report(runs):
    lines = [
        "| task (B, fit CPU s) | cost_aware | seeds | "
        + " | ".join(f"best CV at {int(f * 100)} % of B" for f in FRACTIONS)
        + " | candidates in B | optimizer CPU s |",
        "|---" * (5 + len(FRACTIONS)) + "|",
    ]
    pairs = []
    for task in TASKS:
        by_arm = {a: {r["seed"]: r for r in runs if r["task"] == task and r["cost_aware"] == a}
                  for a in (False, True)}
        if not by_arm[False] and not by_arm[True]:
            continue
        budget = next(iter((by_arm[False] or by_arm[True]).values()))["budget"]
        for arm in (False, True):
            rs = list(by_arm[arm].values())
            if not rs:
                continue
            cells = [_med_se([best_at(r, f * budget) for r in rs]) for f in FRACTIONS]
            n_cand = [float(np.searchsorted(r["cum_cpu"], budget, side="right")) for r in rs]
            overhead = [r["total_cpu"] - r["fit_cpu"] for r in rs]
            lines.append(f"| {task} (B = {budget:g}) | {arm} | {len(rs)} | " + " | ".join(cells)
                         + f" | {np.median(n_cand):.0f} | {np.median(overhead):.1f} |")
        for seed in sorted(set(by_arm[False]) & set(by_arm[True])):
            blind, aware = by_arm[False][seed], by_arm[True][seed]
            target = best_at(blind, budget)
            pairs.append((task, seed, reach(aware, target) / budget,
                          best_at(aware, budget) - target))
    lines += ["", "Same-seed comparisons (cost_aware=True against False):", "",
              "| task | pairs | reach ratio: CPU for aware to reach blind's final best / B (median; "
              "share reached within B) | final best, aware minus blind (median ± SE) | aware better / "
              "equal / worse |",
              "|---|---|---|---|---|"]
    for task in TASKS:
        p = [q for q in pairs if q[0] == task]
        if not p:
            continue
        ratios = np.array([q[2] for q in p])
        diffs = np.array([q[3] for q in p])
        reached = np.isfinite(ratios) & (ratios <= 1.0)
        med = np.median(ratios)
        med_s = f"{med:.2f}" if np.isfinite(med) else "not reached"
        lines.append(
            f"| {task} | {len(p)} | {med_s} ({reached.sum()}/{len(p)}) | {_med_se(diffs)} | "
            f"{(diffs > 1e-12).sum()} / {(np.abs(diffs) <= 1e-12).sum()} / {(diffs < -1e-12).sum()} |"
        )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds, half the budgets")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--tasks", nargs="*", default=list(TASKS))
    parser.add_argument("--budget-scale", type=float, default=None,
                        help="multiply every task's budget B (default 1, --quick 0.5)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="runs in parallel, one process each (fit CPU is measured per "
                             "thread, so the budgets hold; the wall-clock costs told to the "
                             "optimizer get noisier)")
    parser.add_argument("--n-initial", type=int, default=8,
                        help="n_initial_points of both arms (default 8)")
    parser.add_argument("--report", action="store_true", help="only rebuild the tables")
    parser.add_argument("--out", default=str(RESULTS / "cost_aware"),
                        help="results path without extension")
    args = parser.parse_args()
    out = Path(args.out)
    raw = out.with_suffix(".jsonl")
    if not args.report:
        seeds = args.seeds or (3 if args.quick else 5)
        scale = args.budget_scale or (0.5 if args.quick else 1.0)
        out.parent.mkdir(parents=True, exist_ok=True)
        jobs = [(task, seed, arm, TASKS[task][3] * scale, args.n_initial)
                for task in args.tasks for seed in range(seeds) for arm in (False, True)]
        with open(raw, "w") as f, ProcessPoolExecutor(max_workers=args.jobs) as pool:
            for done in as_completed([pool.submit(_run_quietly, job) for job in jobs]):
                r = done.result()
                f.write(json.dumps(r) + "\n")
                f.flush()
                print(f"{r['task']} seed {r['seed']} cost_aware={r['cost_aware']}: "
                      f"{len(r['best'])} candidates, best {best_at(r, r['budget']):.4f}, "
                      f"fit CPU {r['fit_cpu']:.1f} s, all CPU {r['total_cpu']:.1f} s, "
                      f"wall {r['wall']:.0f} s", flush=True)
    runs = [json.loads(line) for line in open(raw)]
    table = report(runs)
    out.with_suffix(".md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
