"""What checkpointing costs, and what resuming saves.

For LowDiscrepancySearchCV and BayesSearchCV (logistic regression on a
synthetic problem, 3-fold CV, one candidate per batch so that a checkpoint is
written after every candidate: the worst case), measures, as medians over
seeds:

- the fit time without and with ``CheckpointSaver`` (ratio; also with
  ``fsync=False``), the time of one checkpoint write (fsync included), the
  share of the checkpointed fit spent writing (measured inside the same run,
  so robust to a noisy machine) and the final file size;
- the time to "resume" the finished checkpoint (nothing is refitted: only the
  best candidate is refitted on the whole data) against the full fit.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_checkpoint.py          # n_iter=60, 3 seeds
    python benchmarks/bench_checkpoint.py --quick                    # n_iter=15, 1 seed

Writes benchmarks/results/checkpoint.csv and checkpoint.md.
"""

import argparse
import os
import platform
import subprocess
import tempfile
import time
import warnings
from datetime import datetime, timezone

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from skbayes import BayesSearchCV, LowDiscrepancySearchCV
from skbayes.callbacks import _checkpoint
from skbayes.callbacks import CheckpointSaver
from skbayes.space import Real

HERE = os.path.dirname(os.path.abspath(__file__))
SPACE = {
    "C": Real(1e-4, 1e2, prior="log-uniform"),
    "tol": Real(1e-6, 1e-2, prior="log-uniform"),
    "fit_intercept": [True, False],
}


def _cpu():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _make(name, n_iter, seed, callbacks=None):
    common = dict(cv=3, n_jobs=1, random_state=seed, callbacks=callbacks)
    if name == "LowDiscrepancySearchCV":
        return LowDiscrepancySearchCV(LogisticRegression(max_iter=200), SPACE, n_iter=n_iter, **common)
    return BayesSearchCV(LogisticRegression(max_iter=200), SPACE, n_iter=n_iter, n_points=1, **common)


def run_one(name, n_iter, seed, X, y):
    t0 = time.perf_counter()
    plain = _make(name, n_iter, seed).fit(X, y)
    t_plain = time.perf_counter() - t0

    saves = []
    real_save = _checkpoint.save

    def timed_save(path, snapshot, **kwargs):
        s0 = time.perf_counter()
        real_save(path, snapshot, **kwargs)
        saves.append(time.perf_counter() - s0)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "search.ckpt")
        _checkpoint.save = timed_save
        try:
            t0 = time.perf_counter()
            saved = _make(name, n_iter, seed, [CheckpointSaver(path)]).fit(X, y)
            t_ckpt = time.perf_counter() - t0
        finally:
            _checkpoint.save = real_save
        size = os.path.getsize(path)
        t0 = time.perf_counter()
        _make(name, n_iter, seed, [CheckpointSaver(os.path.join(tmp, "nosync.ckpt"), fsync=False)]).fit(X, y)
        t_nosync = time.perf_counter() - t0
        t0 = time.perf_counter()
        resumed = _make(name, n_iter, seed, [CheckpointSaver(path)]).fit(X, y)
        t_resume = time.perf_counter() - t0
    assert plain.cv_results_["params"] == saved.cv_results_["params"] == resumed.cv_results_["params"]
    assert np.array_equal(plain.cv_results_["mean_test_score"], resumed.cv_results_["mean_test_score"])
    return {
        "search": name,
        "n_iter": n_iter,
        "seed": seed,
        "fit_s": t_plain,
        "fit_checkpointed_s": t_ckpt,
        "overhead_ratio": t_ckpt / t_plain,
        "fit_checkpointed_nofsync_s": t_nosync,
        "nofsync_ratio": t_nosync / t_plain,
        "save_ms_median": 1e3 * float(np.median(saves)),
        "writes_share": float(np.sum(saves)) / t_ckpt,
        "save_ms_last": 1e3 * saves[-1],
        "file_kib": size / 1024,
        "resume_finished_s": t_resume,
        "resume_ratio": t_resume / t_plain,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n_iter=15, one seed")
    parser.add_argument("--n-iter", type=int, default=None)
    parser.add_argument("--seeds", type=int, default=None)
    args = parser.parse_args(argv)
    n_iter = args.n_iter or (15 if args.quick else 60)
    seeds = range(args.seeds or (1 if args.quick else 3))
    X, y = make_classification(n_samples=1000, n_features=20, n_informative=8, random_state=0)
    warnings.simplefilter("ignore")
    rows = []
    for name in ("LowDiscrepancySearchCV", "BayesSearchCV"):
        for seed in seeds:
            row = run_one(name, n_iter, seed, X, y)
            rows.append(row)
            print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}, flush=True)

    out = os.path.join(HERE, "results")
    os.makedirs(out, exist_ok=True)
    keys = list(rows[0])
    with open(os.path.join(out, "checkpoint.csv"), "w") as f:
        f.write(",".join(keys) + "\n")
        for r in rows:
            f.write(",".join(f"{r[k]:.6g}" if isinstance(r[k], float) else str(r[k]) for k in keys) + "\n")
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Machine: {_cpu()}, 2-core shared CPU, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; {when}.",
        f"LogisticRegression on make_classification(1000, 20), cv=3, n_jobs=1 (a checkpoint after every candidate), "
        f"n_iter={n_iter}; medians over {len(seeds)} seed(s).",
        "",
        "| search | fit (s) | with checkpoints (s) | ratio | with checkpoints, fsync=False (s) | ratio | one write (ms, median / last) | writes / fit time | file (KiB) | resume a finished checkpoint (s) | ratio to fit |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("LowDiscrepancySearchCV", "BayesSearchCV"):
        sel = [r for r in rows if r["search"] == name]

        def med(k, sel=sel):
            return float(np.median([r[k] for r in sel]))

        lines.append(
            f"| {name} | {med('fit_s'):.2f} | {med('fit_checkpointed_s'):.2f} | {med('overhead_ratio'):.2f} "
            f"| {med('fit_checkpointed_nofsync_s'):.2f} | {med('nofsync_ratio'):.2f} "
            f"| {med('save_ms_median'):.1f} / {med('save_ms_last'):.1f} | {100 * med('writes_share'):.1f} % "
            f"| {med('file_kib'):.0f} "
            f"| {med('resume_finished_s'):.2f} | {med('resume_ratio'):.3f} |"
        )
    with open(os.path.join(out, "checkpoint.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
