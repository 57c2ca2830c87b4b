"""Does the model of later brackets pick better candidates than chance? Read off an ablation's runs.

Reads the runs of ``bench_halving_compute.py --ablation`` (``--prefix``,
default ``halving_ablation``) and prints, per task and setting of
HalvingBayesSearchCV, the mean and the best CV score of the first rung of
each later Hyperband bracket (whose candidates the model proposes), mean
over seeds, and the paired difference (mean +- standard error over seeds)
against ``random_fraction=1``, whose later brackets are drawn at random.
Those first rungs are evaluated at the same resource with the same splits in
every setting, so the difference measures the proposals alone, free of the
noise of the held-out split.

    python benchmarks/halving_first_rungs.py --prefix halving_levels
"""

import argparse
import glob
import gzip
import json
import os

import numpy as np

from skbayes.strategies._halving import halving_plan, hyperband_plans

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
RANDOM = "HalvingBayesSearchCV (random_fraction=1)"
FACTOR = 3


def first_rungs(rows, n_candidates, max_r):
    """Scores of the first rung of each bracket after the first, from a run's rows in order."""
    min_r = min(r["resource"] for r in rows)
    plans = hyperband_plans(halving_plan(n_candidates, min_r, max_r, FACTOR), FACTOR)
    out, i = [], 0
    for b, plan in enumerate(plans):
        sizes = plan.rung_sizes(FACTOR)
        if b:
            out.append(np.array([r["score"] for r in rows[i:i + sizes[0]]], dtype=float))
        i += sum(sizes)
    if i != len(rows):
        raise ValueError(f"{len(rows)} rows, but the schedule has {i}")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default="halving_ablation")
    args = parser.parse_args()
    for path in sorted(glob.glob(os.path.join(RESULTS, f"{args.prefix}_*.json.gz"))):
        with gzip.open(path, "rt") as fh:
            blob = json.load(fh)
        runs = [r for r in blob["runs"] if r["method"].startswith("HalvingBayesSearchCV")]
        if not runs:
            continue
        max_r = max(x["resource"] for r in runs for x in r["rows"])
        stats = {}
        for r in runs:
            firsts = first_rungs(r["rows"], blob["n_candidates"], max_r)
            stats.setdefault(r["method"], {})[r["seed"]] = [(np.nanmean(f), np.nanmax(f)) for f in firsts]
        if RANDOM not in stats:
            continue
        print(f"## {runs[0]['task']}: first rung of each later bracket, mean | best CV score "
              f"(minus {RANDOM}, mean +- SE over seeds)")
        for method, by in stats.items():
            seeds = sorted(set(by) & set(stats[RANDOM]))
            a = np.array([by[s] for s in seeds])
            d = a - np.array([stats[RANDOM][s] for s in seeds])
            se = d.std(axis=0, ddof=1) / np.sqrt(len(seeds)) if len(seeds) > 1 else np.full(d.shape[1:], np.nan)
            cells = [f"bracket {b + 1}: mean {a[:, b, 0].mean():.4f} ({d[:, b, 0].mean():+.4f} +- {se[b, 0]:.4f}), "
                     f"best {a[:, b, 1].mean():.4f} ({d[:, b, 1].mean():+.4f} +- {se[b, 1]:.4f})"
                     for b in range(a.shape[1])]
            print(f"- {method} ({len(seeds)} seeds): " + "; ".join(cells))


if __name__ == "__main__":
    main()
