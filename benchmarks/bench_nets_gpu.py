"""The same search over a net on the GPU and on the CPU: wall time and best score.

For each task and seed, one ``LowDiscrepancySearchCV`` (same seed, hence the
very same candidates on every device) tunes an ``MLPNetClassifier`` with 3-fold
CV, once per device, side by side in the same run. We record the search's
wall time, its best CV score and the refitted net's held-out score, then give
medians over seeds and the CPU/GPU time ratio.

Tasks:
- ``digits``: the 8x8 digits (1,797 x 64), small nets (the GPU's launch
  overhead dominates: the CPU may well win).
- ``synthetic``: ``make_classification`` with 20,000 x 256 and wider nets,
  batch 256 (where a GPU starts to pay).

Without CUDA only the CPU half runs, and the table says so. Run on a GPU
machine to fill in the GPU column::

    OMP_NUM_THREADS=1 python benchmarks/bench_nets_gpu.py            # full
    OMP_NUM_THREADS=1 python benchmarks/bench_nets_gpu.py --quick    # smaller budgets

Results: ``benchmarks/results/nets_gpu.csv`` (one row per run) and
``benchmarks/results/nets_gpu.md`` (the summary table).
"""

import argparse
import csv
import datetime
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits, make_classification
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skbayes
from skbayes import LowDiscrepancySearchCV
from skbayes.nets import MLPNetClassifier
from skbayes.space import Categorical, Integer, Real

RESULTS = Path(__file__).parent / "results"


def load_task(name, quick):
    if name == "digits":
        X, y = load_digits(return_X_y=True)
        widths, batch = (16, 256), 64
    elif name == "synthetic":
        n = 5_000 if quick else 20_000
        X, y = make_classification(n_samples=n, n_features=256, n_informative=64,
                                   n_classes=4, n_clusters_per_class=2, random_state=0)
        widths, batch = (64, 1024), 256
    else:
        raise ValueError(f"unknown task {name!r}; use 'digits' or 'synthetic'")
    return X.astype(np.float32), y, widths, batch


def make_search(widths, batch, device, seed, n_iter, max_epochs, n_jobs):
    net = MLPNetClassifier(batch_size=batch, max_epochs=max_epochs, device=device,
                           random_state=seed)
    space = {
        "mlpnetclassifier__hidden_units": Integer(*widths, prior="log-uniform"),
        "mlpnetclassifier__n_layers": Integer(1, 3),
        "mlpnetclassifier__dropout": Real(0.0, 0.5),
        "mlpnetclassifier__activation": Categorical(["relu", "gelu"]),
        "mlpnetclassifier__lr": Real(1e-4, 1e-2, prior="log-uniform"),
    }
    return LowDiscrepancySearchCV(make_pipeline(StandardScaler(), net), space, n_iter=n_iter,
                                  cv=3, n_jobs=n_jobs, random_state=seed)


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        return platform.processor() or "unknown CPU"
    for line in out.splitlines():
        if line.startswith("Model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller data and budgets")
    parser.add_argument("--tasks", nargs="+", default=["digits", "synthetic"])
    parser.add_argument("--seeds", type=int, default=None, help="default 3 (quick: 2)")
    parser.add_argument("--n-iter", type=int, default=None, help="default 8 (quick: 4)")
    parser.add_argument("--max-epochs", type=int, default=None, help="default 20 (quick: 5)")
    parser.add_argument("--devices", nargs="+", default=None,
                        help="default: cpu, and cuda when available")
    parser.add_argument("--cpu-threads", type=int, default=1,
                        help="torch intra-op threads for the CPU runs (recorded in the table)")
    parser.add_argument("--out", default="nets_gpu", help="file stem under benchmarks/results")
    args = parser.parse_args(argv)

    seeds = args.seeds or (2 if args.quick else 3)
    n_iter = args.n_iter or (4 if args.quick else 8)
    max_epochs = args.max_epochs or (5 if args.quick else 20)
    devices = args.devices or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    torch.set_num_threads(args.cpu_threads)
    gpu_name = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None

    rows = []
    for task in args.tasks:
        X, y, widths, batch = load_task(task, args.quick)
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y,
                                                  random_state=0)
        if "cuda" in devices:  # one untimed fit: CUDA context and kernels
            make_search(widths, batch, "cuda", 0, 1, 1, 1).fit(X_tr[:256], y_tr[:256])
        make_search(widths, batch, "cpu", 0, 1, 1, 1).fit(X_tr[:256], y_tr[:256])
        for seed in range(seeds):
            for device in devices:
                search = make_search(widths, batch, device, seed, n_iter, max_epochs, 1)
                start = time.perf_counter()
                search.fit(X_tr, y_tr)
                wall = time.perf_counter() - start
                row = dict(task=task, seed=seed, device=device,
                           trained_on=search.best_estimator_[-1].device_,
                           n_samples=len(X_tr), n_iter=n_iter, max_epochs=max_epochs,
                           wall_s=round(wall, 3), best_cv=round(search.best_score_, 4),
                           test=round(search.score(X_te, y_te), 4))
                rows.append(row)
                print(row, flush=True)

    RESULTS.mkdir(exist_ok=True)
    with open(RESULTS / f"{args.out}.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    lines = [
        f"Machine: {cpu_model()}, {os.cpu_count()} logical CPUs; GPU: {gpu_name or 'none'}. "
        f"torch {torch.__version__}, skbayes {skbayes.__version__}, "
        f"{args.cpu_threads} torch thread(s) for CPU runs. "
        f"Date: {datetime.date.today().isoformat()}. "
        f"{'--quick, ' if args.quick else ''}{seeds} seeds, n_iter={n_iter}, "
        f"max_epochs={max_epochs}, cv=3, n_jobs=1.",
        "",
        "| task | n_samples | device | wall time (s, median) | best CV score (median) "
        "| held-out score (median) | CPU time / GPU time |",
        "|---|---|---|---|---|---|---|",
    ]
    for task in args.tasks:
        task_rows = [r for r in rows if r["task"] == task]
        cpu_wall = np.median([r["wall_s"] for r in task_rows if r["device"] == "cpu"] or [np.nan])
        for device in devices:
            sel = [r for r in task_rows if r["device"] == device]
            wall = np.median([r["wall_s"] for r in sel])
            ratio = f"{cpu_wall / wall:.2f}" if device != "cpu" else "1 (reference)"
            lines.append(
                f"| {task} | {sel[0]['n_samples']} | {device} | {wall:.1f} | "
                f"{np.median([r['best_cv'] for r in sel]):.4f} | "
                f"{np.median([r['test'] for r in sel]):.4f} | {ratio} |"
            )
    if "cuda" not in devices:
        lines += ["", "No CUDA device on this machine: the GPU rows are still to be measured."]
    (RESULTS / f"{args.out}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
