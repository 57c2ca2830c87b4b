"""Warm-started rungs: one successive-halving bracket, continued against retrained.

For each schedule and seed, one bracket of HalvingBayesSearchCV
(``brackets=1``: the candidates come from the low-discrepancy design, so both
runs evaluate the same ones) is fitted twice in this process with
``n_jobs=1``: with ``resume=True`` (promoted candidates continue their fold
models) and with ``resume=False`` (every rung retrains from scratch, as
scikit-learn's halving does). Reported per schedule, medians over seeds:

- the CPU time of ``fit`` (``refit=False``; with one job and one BLAS thread
  every fit runs in this process, so its CPU time is the compute spent, and
  it is robust to other load on a shared machine), and its ratio
  continued / retrained;
- the ratio of the summed fit times of ``cv_results_`` (wall clock);
- the ratio that counts resource only, ``1 + (K-1)(1 - 1/factor)`` over
  ``K`` for ``K`` rungs of equal cost: what continuing saves when a fit
  costs nothing but its rounds;
- whether both runs evaluated the same candidates at every rung, and the
  largest difference of their per-fold test scores (0 where continuing is
  exact);
- the most fold models kept at once, and their size on disk, from runs of
  seed 0 with ``n_jobs=2`` (loky: the models go through the search's
  temporary folder), with their wall time and fit-time ratios (medians of
  ``--loky-repeats`` runs each way).

Tasks: ``hgb`` (HistGradientBoostingClassifier over ``max_iter``, no early
stopping), ``rf`` (RandomForestClassifier over ``n_estimators``), ``gb``
(GradientBoostingClassifier over ``n_estimators``), on a 20-feature
synthetic classification set.

    python benchmarks/bench_halving_resume.py                 # hgb, 5 seeds
    python benchmarks/bench_halving_resume.py --quick         # 3 seeds, 2 schedules
    python benchmarks/bench_halving_resume.py --tasks hgb rf gb

Writes benchmarks/results/halving_resume.csv (one row per run) and
halving_resume.md (the table, with the machine's load from ``uptime``).
"""

import argparse
import os
import platform
import subprocess
import time
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)

from skbayes import HalvingBayesSearchCV  # noqa: E402
from skbayes.space import Integer, Real  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

TASKS = {
    "hgb": (
        lambda: HistGradientBoostingClassifier(early_stopping=False, random_state=0),
        "max_iter",
        {
            "learning_rate": Real(0.02, 0.5, prior="log-uniform"),
            "max_leaf_nodes": Integer(8, 64),
            "min_samples_leaf": Integer(5, 50),
            "l2_regularization": Real(1e-4, 10.0, prior="log-uniform"),
        },
    ),
    "rf": (
        lambda: RandomForestClassifier(random_state=0),
        "n_estimators",
        {"max_depth": Integer(3, 20), "max_features": Real(0.1, 0.9), "min_samples_leaf": Integer(1, 20)},
    ),
    "gb": (
        lambda: GradientBoostingClassifier(random_state=0),
        "n_estimators",
        {"learning_rate": Real(0.02, 0.5, prior="log-uniform"), "max_depth": Integer(2, 5),
         "subsample": Real(0.5, 1.0)},
    ),
}

#: name -> (factor, n_candidates, min_resources, max_resources)
SCHEDULES = {
    "hgb": {
        "f3-k4": (3, 27, 20, 540),
        "f3-k5": (3, 81, 4, 324),
        "f2-k6": (2, 32, 20, 640),
    },
    "rf": {"f3-k4": (3, 27, 4, 108), "f2-k5": (2, 16, 4, 64)},
    "gb": {"f3-k4": (3, 27, 4, 108), "f2-k5": (2, 16, 4, 64)},
}
QUICK = {"hgb": ("f3-k4", "f2-k6"), "rf": ("f3-k4",), "gb": ("f3-k4",)}


def uptime():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=5).stdout.strip()
    except Exception:  # noqa: BLE001
        return "n/a"


def resource_ratio(factor, n_rungs):
    return (1 + (n_rungs - 1) * (1 - 1 / factor)) / n_rungs


def run(task, schedule, seed, resume, n_jobs, X, y):
    make, resource, space = TASKS[task]
    factor, n_candidates, min_r, max_r = SCHEDULES[task][schedule]
    search = HalvingBayesSearchCV(
        make(), space, resource=resource, factor=factor, n_candidates=n_candidates,
        min_resources=min_r, max_resources=max_r, brackets=1, cv=3, refit=False,
        resume=resume, n_jobs=n_jobs, random_state=seed,
    )
    wall, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    res = search.cv_results_
    kept = getattr(search, "_fold_models_kept", {}) or {}
    return search, {
        "task": task, "schedule": schedule, "seed": seed, "resume": resume, "n_jobs": n_jobs,
        "factor": factor, "n_rungs": len(search.n_resources_),
        "n_resources": " ".join(map(str, search.n_resources_)),
        "n_candidates": " ".join(map(str, search.n_candidates_)),
        "wall_s": wall, "cpu_s": cpu,
        "fit_time_s": float(np.sum(res["mean_fit_time"]) * search.n_splits_),
        "n_continued": int(np.sum(res["continued"])),
        "peak_models": kept.get("peak_models"), "peak_bytes": kept.get("peak_bytes"),
    }


def compare(a, b):
    ra, rb = a.cv_results_, b.cv_results_
    same = ra["params"] == rb["params"] and list(ra["n_resources"]) == list(rb["n_resources"])
    diff = max(
        float(np.nanmax(np.abs(np.asarray(ra[k], float) - np.asarray(rb[k], float))))
        for k in ra if k.startswith("split") and k.endswith("_test_score")
    ) if same else np.nan
    return same, diff


def report(df, loads, path):
    lines = [
        f"Machine: {os.cpu_count()}-core shared VM, Python {platform.python_version()}. "
        f"Date: {time.strftime('%Y-%m-%d')}. One BLAS/OpenMP thread, 3-fold CV, one bracket "
        f"(brackets=1), refit=False; medians over {df['seed'].nunique()} seeds (min-max in brackets).",
        "",
        f"Load (`uptime`) before: `{loads[0]}`; after: `{loads[1]}`.",
        "",
        "| task | schedule (factor, rungs, resources) | resource-only ratio | CPU ratio (n_jobs=1) "
        "| fit-time ratio | CPU s continued / retrained | same candidates | max score diff "
        "| loky n_jobs=2: wall / fit-time ratio | peak fold models kept | peak MB on disk |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    seq = df[df.n_jobs == 1]
    for (task, schedule), g in seq.groupby(["task", "schedule"], sort=False):
        on = g[g.resume].set_index("seed")
        off = g[~g.resume].set_index("seed")
        cpu = on.cpu_s / off.cpu_s
        fit = on.fit_time_s / off.fit_time_s
        par = df[(df.n_jobs == 2) & (df.task == task) & (df.schedule == schedule)]
        p_on, p_off = par[par.resume], par[~par.resume]
        if len(p_on) and len(p_off):
            loky = p_on.wall_s.median() / p_off.wall_s.median()
            loky_fit = p_on.fit_time_s.median() / p_off.fit_time_s.median()
        else:
            loky = loky_fit = np.nan
        factor = int(on.factor.iloc[0])
        n_rungs = int(on.n_rungs.iloc[0])
        peak = p_on.peak_models.max() if len(p_on) else on.peak_models.max()
        mb = p_on.peak_bytes.max() / 2**20 if len(p_on) and p_on.peak_bytes.notna().any() else np.nan
        lines.append(
            f"| {task} | {schedule} ({factor}, {n_rungs}, {on.n_resources.iloc[0]}) "
            f"| {resource_ratio(factor, n_rungs):.3f} "
            f"| **{cpu.median():.3f}** ({cpu.min():.3f}-{cpu.max():.3f}) "
            f"| {fit.median():.3f} ({fit.min():.3f}-{fit.max():.3f}) "
            f"| {on.cpu_s.median():.1f} / {off.cpu_s.median():.1f} "
            f"| {'yes' if on.same.all() else 'NO'} | {on.max_score_diff.max():.2g} "
            f"| {loky:.2f} / {loky_fit:.2f} | {peak:.0f} | {mb:.1f} |"
        )
    lines += [
        "",
        "CPU ratio: CPU time of the whole `fit` continued / retrained from scratch (the "
        "design proposes the same candidates; scoring and the search's own work included). "
        "Fit-time ratio: the same for the summed `mean_fit_time` x folds (wall clock). The "
        "resource-only ratio is what continuing would save if a fit cost only its rounds; "
        "each fit's fixed cost (checks, binning, and for a continued "
        "HistGradientBoosting the predictions of its earlier trees, recomputed at every "
        "`fit`) is paid by both, and keeps the measured ratio above it. loky: seed 0 with "
        "`n_jobs=2` (fold models through the search's temporary folder), medians of the "
        "repeats; wall time on 2 shared cores is noisy. Peak fold models kept and their "
        "size: from the loky runs (the store's count after each rung, before the promotion "
        "prunes it).",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds, fewer schedules")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--tasks", nargs="*", default=["hgb"], choices=sorted(TASKS))
    parser.add_argument("--loky-repeats", type=int, default=3,
                        help="runs of seed 0 with n_jobs=2 (loky), each way; 0 skips them")
    args = parser.parse_args()
    n_seeds = args.seeds or (3 if args.quick else 5)
    X, y = make_classification(n_samples=4000, n_features=20, n_informative=10, random_state=0)
    loads = [uptime()]
    print(loads[0], flush=True)
    rows = []
    for task in args.tasks:
        names = QUICK[task] if args.quick else tuple(SCHEDULES[task])
        for schedule in names:
            for seed in range(n_seeds):
                # alternate the order, so that a change of load hits both alike
                order = (True, False) if seed % 2 == 0 else (False, True)
                done = {}
                for resume in order:
                    search, row = run(task, schedule, seed, resume, 1, X, y)
                    done[resume] = search
                    rows.append(row)
                same, diff = compare(done[True], done[False])
                for row in rows[-2:]:
                    row["same"], row["max_score_diff"] = same, diff
                print(task, schedule, seed, f"cpu {rows[-2]['cpu_s']:.2f} {rows[-1]['cpu_s']:.2f}",
                      "same" if same else "DIFFERENT", flush=True)
            for rep in range(args.loky_repeats):
                for resume in ((True, False) if rep % 2 else (False, True)):
                    _, row = run(task, schedule, 0, resume, 2, X, y)
                    row["same"], row["max_score_diff"], row["rep"] = np.nan, np.nan, rep
                    rows.append(row)
    loads.append(uptime())
    print(loads[1])
    df = pd.DataFrame(rows)
    results = os.path.join(HERE, "results")
    os.makedirs(results, exist_ok=True)
    df.to_csv(os.path.join(results, "halving_resume.csv"), index=False)
    report(df, loads, os.path.join(results, "halving_resume.md"))


if __name__ == "__main__":
    main()
