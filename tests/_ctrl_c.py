"""A search interrupted by Ctrl-C while a batch runs, on a given joblib backend.

Run by the tests (:func:`interrupt_search`) as ``python -m tests._ctrl_c
BACKEND FLAG_FILE`` in a process group of its own, which is sent SIGINT, as a
terminal does on Ctrl-C.
A callback writes ``FLAG_FILE`` after the first batch; the fits of the second
batch are slow, so that the signal arrives while they run. Prints one line:
``kept N`` (candidates in ``cv_results_`` after the KeyboardInterrupt) or
``finished`` (the signal came too late).
"""

import os
import signal
import subprocess
import sys
import tempfile
import time

import joblib
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from skbayes import LowDiscrepancySearchCV
from skbayes.space import Real


class SlowAfterFlag(ClassifierMixin, BaseEstimator):
    """Fits at once until ``flag`` exists, then takes ``delay`` seconds per fit."""

    def __init__(self, a=0.0, flag="", delay=20.0):
        self.a = a
        self.flag = flag
        self.delay = delay

    def fit(self, X, y):
        if self.flag and os.path.exists(self.flag):
            time.sleep(self.delay)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def main(backend, flag):
    # a process started in the background by a non-interactive shell (CI run
    # with `&`, nohup) inherits SIGINT ignored, and Python then installs no
    # KeyboardInterrupt handler: restore it, as an interactive session has it
    signal.signal(signal.SIGINT, signal.default_int_handler)
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = np.arange(40) % 2

    def first_batch_done(state):
        if state.n_batches == 1:
            with open(flag, "w") as f:
                f.write("1")

    search = LowDiscrepancySearchCV(
        SlowAfterFlag(flag=flag), {"a": Real(0.0, 1.0)}, n_iter=6, cv=2, n_jobs=2, callbacks=[first_batch_done]
    )
    if backend == "dask":
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
        client = Client(cluster)
    elif backend == "ray":
        import ray
        from ray.util.joblib import register_ray

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        register_ray()
    context = joblib.parallel_backend(backend, n_jobs=2)
    start = time.perf_counter()
    try:
        with context:
            search.fit(X, y)
        print("finished", flush=True)
    except KeyboardInterrupt:
        print(f"kept {len(search.cv_results_['params'])} after {time.perf_counter() - start:.1f} s", flush=True)
    if backend == "dask":
        client.close()
        cluster.close()


def interrupt_search(backend, timeout=120):
    """Run :func:`main` in a new process group, Ctrl-C it in its 2nd batch, return its line.

    Parameters
    ----------
    backend : str
        A joblib backend name: "loky", "dask" or "ray".
    timeout : float
        Seconds to wait for the first batch, and again for the exit.

    Returns
    -------
    line : str
        The interrupted process's own last line ("kept N after T s", or
        "finished"), whatever else its engine printed.
    """
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        flag = os.path.join(tmp, "first-batch-done")
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests._ctrl_c", backend, flag],
            cwd=root,
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while not os.path.exists(flag) and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1.0)  # the second batch's slow fits are running
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
            out, err = proc.communicate(timeout=timeout)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
    # only the script's own line: an engine may print to stdout too, in any
    # order (Ray's raylet reports the workers the same SIGINT ended)
    lines = [line for line in out.splitlines() if line.startswith(("kept ", "finished"))]
    if proc.returncode != 0 or not lines:
        raise AssertionError(
            f"the interrupted search exited with {proc.returncode}:\n{out[-2000:]}\n{err[-3000:]}"
        )
    return lines[-1]


if __name__ == "__main__":
    main(*sys.argv[1:3])
