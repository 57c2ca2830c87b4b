"""Proposal overhead of two checkouts of skbayes, side by side in one run.

A change to the bookkeeping of ask/tell (matching candidates, validating what
is told) must not slow the optimizer down. This times skbayes' own ask + tell
(``bench_bayes_overhead.time_skbayes``) with the package of each checkout,
alternating the two in fresh subprocesses, repeat after repeat, so that both
see the same machine load; it reports each one's median and the ratio of
medians.

    git worktree add /tmp/skbayes-base HEAD~5
    python benchmarks/bench_commits.py /tmp/skbayes-base .            # 100 obs, 6-D
    python benchmarks/bench_commits.py A B --n 25 100 --d 2 6 --repeats 5

One BLAS thread per process (set below).
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(1, sys.argv[2])
import skbayes
from bench_bayes_overhead import time_skbayes
surrogate, n, d, cycles, seed = sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
times = time_skbayes(surrogate, n, d, cycles, seed)
print(json.dumps({"file": skbayes.__file__, "times": times}))
"""


def run_one(checkout, surrogate, n, d, cycles, seed):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, os.path.abspath(checkout), HERE, surrogate, str(n), str(d), str(cycles), str(seed)],
        capture_output=True, text=True, env=env, check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    expected = os.path.join(os.path.abspath(checkout), "skbayes")
    if not result["file"].startswith(expected):
        raise RuntimeError(f"{checkout}: imported {result['file']}, not its own skbayes")
    return float(np.mean(result["times"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="checkout of the reference commit")
    parser.add_argument("new", help="checkout of the commit to compare")
    parser.add_argument("--surrogates", nargs="*", default=["gp", "tpe", "rf"])
    parser.add_argument("--n", nargs="*", type=int, default=[100])
    parser.add_argument("--d", nargs="*", type=int, default=[6])
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    print("| surrogate | n | d | base ms (median) | new ms (median) | new / base |")
    print("|---|---|---|---|---|---|")
    for surrogate in args.surrogates:
        for d in args.d:
            for n in args.n:
                base, new = [], []
                for r in range(args.repeats):
                    pair = [(args.base, base), (args.new, new)]
                    for checkout, out in pair if r % 2 == 0 else pair[::-1]:
                        out.append(run_one(checkout, surrogate, n, d, args.cycles, seed=r))
                mb, mn = np.median(base) * 1e3, np.median(new) * 1e3
                print(f"| {surrogate} | {n} | {d} | {mb:.1f} | {mn:.1f} | {mn / mb:.2f} |", flush=True)


if __name__ == "__main__":
    main()
