"""Scale-out measured: one search sequentially, on loky, on Dask and on Ray.

The parts, each chosen with ``--part``:

``backends``
    A fits-dominated search (BayesSearchCV over an SVC's ``C`` in 1e-2..1e3
    and ``gamma``, whose fit times vary about 10x across that range; 48
    candidates, 5-fold CV, ``n_points=2``, ``refit=False``, same seed)
    sequentially, with loky ``n_jobs=2``, on a 2-worker Dask ``LocalCluster``
    (processes, one thread each) and on a local 2-CPU Ray, side by side in one
    run, ``--repeats`` times. Each parallel backend is started fresh in every
    repeat and the search fitted twice on it: the first fit on the fresh
    workers ("cold") and a second one ("warm"). Per fit: wall time, the share
    of the workers' time they spent idle (1 - busy / (workers x loop time),
    busy being the fits' and scorings' own times), split into the time the
    workers wait for a batch's last fits and for dispatch ("in batches") and
    the time they wait for the next proposal ("between batches"), the best
    score, and every Python warning and every WARNING line of Dask's logs.
``data``
    The 200 MB ``X`` under Dask (``--data-mb``): LowDiscrepancySearchCV over a
    RidgeClassifier, 8 candidates in 4 batches, 3-fold CV, as this version
    runs it, as joblib's backend alone runs it (the search's own scatter
    switched off: the behaviour before it) and with the documented
    ``parallel_backend("dask", scatter=[X, y])``. Per run: the bytes that
    crossed from this process to the cluster (``client.scatter``) and from
    worker to worker (the workers' transfer logs), the bytes of each task
    as submitted (the data futures aside), wall time and warnings.
``task-bytes``
    Bytes that the search itself ships with each fit task (the pickled task
    with the data and split indices left out) after 50 and after 300
    evaluated candidates, for BayesSearchCV and LowDiscrepancySearchCV, and
    in a second, warm-started fit.
``dispatch``
    What one batch costs when its fits take no time (DummyClassifier, batches
    of 2 and 8 candidates x 5 folds) on each backend, and the CPU seconds of
    this process, of the workers and of the cluster's other processes during
    a 16-candidate SVC search, next to the fits' own time.
``order``
    What handing a batch's candidates over slowest first gains (the
    default, ``skbayes.search._dispatch``) against handing them over as
    proposed, on 2, 4 and 8 workers: an estimator whose fit *sleeps* for a
    time set by its parameter ``cost`` (10x and 100x spreads, plus an
    irrelevant parameter), LowDiscrepancySearchCV (40 candidates, a batch
    per worker count, 5-fold CV) on joblib's threading backend. Sleeping
    fits take no CPU, so this part measures the schedule on any machine,
    however loaded, and with more workers than cores.
``floor``
    What the machine itself gives two workers: the sequential search of
    ``backends`` alone, then two copies of it at once in two processes (no
    joblib backend, nothing shared), ``--repeats`` times. Two copies that
    take as long as one alone mean the machine runs two fits at full speed,
    so whatever slows the fits under a backend is the backend's.
``overhead``
    BayesSearchCV's proposal time for a batch of ``n`` candidates (``ask(n)``
    and ``tell``, GP surrogate, after 48 observations), for the workers-per-
    search figure: a batch keeps ``W`` workers busy while its proposal takes
    less than a quarter of the time its fits take (idle share under 20 %).

Usage::

    python benchmarks/bench_scaleout.py                   # all parts, 3 repeats (~25 min, idle 2 cores)
    python benchmarks/bench_scaleout.py --quick           # small sizes, 1 repeat
    python benchmarks/bench_scaleout.py --part backends --repeats 3

One BLAS thread per process (set here, inherited by every worker). Ray rows
need the extra ``ray``; they are left out, with a note, without it. Writes
``benchmarks/results/scaleout.json`` and ``scaleout.md``.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy is imported: inherited by every worker

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import pickle  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

import joblib  # noqa: E402
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.linear_model import LogisticRegression, RidgeClassifier  # noqa: E402
from sklearn.model_selection import _search as sklearn_search  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from skbayes import BayesSearchCV, LowDiscrepancySearchCV  # noqa: E402
from skbayes.optimizer import Optimizer  # noqa: E402
from skbayes.search._base import BaseSearch  # noqa: E402
from skbayes.space import Integer, Real  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SVC_SPACE = {
    "C": Real(1e-2, 1e3, prior="log-uniform"),
    "gamma": Real(3e-3, 3e-2, prior="log-uniform"),
}
N_WORKERS = 2


# -- the machine ---------------------------------------------------------------


def _cpu():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _load():
    return tuple(round(v, 2) for v in os.getloadavg())


def _versions():
    out = {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "joblib": joblib.__version__}
    for name in ("dask", "distributed", "ray"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            out[name] = None
    return out


# -- measuring one fit ---------------------------------------------------------


@contextlib.contextmanager
def _batch_clock():
    """Record the wall time of every batch's fits (in this process only).

    A batch's ``evaluate_candidates`` call runs its fits, then formats all
    the results so far (``_format_results``, in this process): that second
    part is counted apart, as time between batches.
    """
    spans, formatting = [], []
    evaluate, format_results = BaseSearch._evaluate_batch, BaseSearch._format_results

    def timed(self, *args, **kwargs):
        start, before = time.perf_counter(), sum(formatting)
        try:
            return evaluate(self, *args, **kwargs)
        finally:
            spans.append(time.perf_counter() - start - (sum(formatting) - before))

    def timed_format(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return format_results(self, *args, **kwargs)
        finally:
            formatting.append(time.perf_counter() - start)

    BaseSearch._evaluate_batch, BaseSearch._format_results = timed, timed_format
    try:
        yield spans
    finally:
        BaseSearch._evaluate_batch, BaseSearch._format_results = evaluate, format_results


@contextlib.contextmanager
def _warnings_seen():
    """Python warnings and WARNING records of distributed's and ray's loggers in this process."""
    seen = []

    class Handler(logging.Handler):
        def emit(self, record):
            seen.append(f"{record.name}: {record.getMessage()[:160]}")

    handler = Handler(level=logging.WARNING)
    loggers = [logging.getLogger(name) for name in ("distributed", "ray")]
    for logger in loggers:
        logger.addHandler(handler)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield seen
        finally:
            for logger in loggers:
                logger.removeHandler(handler)
            seen[:0] = [f"{w.category.__name__}: {str(w.message)[:160]}" for w in caught]


def _utilisation(search, spans, loop_time, n_workers):
    """Idle share of the workers over the search loop, and where it went."""
    res = search.cv_results_
    k = search.n_splits_
    per_fold = np.asarray(res["mean_fit_time"]) + np.asarray(res["mean_score_time"])
    busy = float(per_fold.sum() * k)
    capacity = n_workers * loop_time
    in_batches = n_workers * sum(spans) - busy
    # the least a batch could take on n_workers, its folds as they came:
    # its longest fold, or its fits spread evenly
    sizes = search._batch_sizes_
    bounds, start = [], 0
    for size in sizes:
        folds = per_fold[start : start + size]
        bounds.append(max(folds.max(), folds.sum() * k / n_workers))
        start += size
    return {
        "idle_share": 1 - busy / capacity,
        "idle_in_batches": in_batches / capacity,
        "idle_between_batches": 1 - sum(spans) / loop_time,
        "idle_unavoidable_in_batches": (n_workers * sum(bounds) - busy) / capacity,
        "busy_s": busy,
        "loop_s": loop_time,
        "evaluate_s": sum(spans),
        "n_batches": len(spans),
        "median_fold_s": float(np.median(per_fold)),
        "fold_s_range": [float(per_fold.min()), float(per_fold.max())],
    }


def _svc_search(seed, **kwargs):
    return BayesSearchCV(
        SVC(), SVC_SPACE, n_iter=kwargs.pop("n_iter", 48), n_points=2, n_initial_points=8,
        cv=5, refit=False, random_state=seed, **kwargs,
    )


def _fit_measured(make, X, y, n_workers, context=contextlib.nullcontext):
    sizes, last = [], {}

    def watch(state):
        sizes.append(state.batch_size)
        last["elapsed"] = state.elapsed

    search = make(callbacks=[watch])
    with _batch_clock() as spans, _warnings_seen() as seen, context():
        start = time.perf_counter()
        search.fit(X, y)
        wall = time.perf_counter() - start
    search._batch_sizes_ = sizes
    out = {"wall_s": wall, **_utilisation(search, spans, last["elapsed"], n_workers)}
    out["best_score"] = float(np.nanmax(search.cv_results_["mean_test_score"]))
    out["params"] = [sorted(p.items()) for p in search.cv_results_["params"]]
    out["warnings"] = seen
    return out


# -- part 1: backends side by side ---------------------------------------------


def _svc_problem(n_samples):
    X, y = make_classification(n_samples=n_samples, n_features=20, n_informative=8, flip_y=0.05, random_state=0)
    return StandardScaler().fit_transform(X), y


def _dask_logs(client):
    lines = []
    try:
        for who, logs in [("scheduler", client.get_scheduler_logs())] + list(client.get_worker_logs().items()):
            lines += [f"{who}: {msg[:160]}" for level, msg in logs if level in ("WARNING", "ERROR", "CRITICAL")]
    except Exception as exc:  # noqa: BLE001 - a report, not a failure
        lines.append(f"(logs not read: {exc!r})")
    return lines


def part_backends(args):
    X, y = _svc_problem(args.n_samples)
    n_iter = args.n_iter
    rows = []
    try:
        import ray
        from ray.util.joblib import register_ray
    except ImportError:
        ray = None
    for repeat in range(args.repeats):
        print(f"repeat {repeat + 1}/{args.repeats}, load {_load()}", flush=True)

        def make(**kw):
            return _svc_search(0, n_iter=n_iter, **kw)

        row = _fit_measured(lambda **kw: make(n_jobs=1, **kw), X, y, 1)
        rows.append({"repeat": repeat, "backend": "sequential", "fit": "-", **row, "load": _load()})
        print(f"  sequential {row['wall_s']:.1f} s", flush=True)

        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=True)  # fresh loky workers: a cold start
        for which in args.fits:
            row = _fit_measured(lambda **kw: make(n_jobs=N_WORKERS, **kw), X, y, N_WORKERS)
            rows.append({"repeat": repeat, "backend": "loky", "fit": which, **row, "load": _load()})
            print(f"  loky {which} {row['wall_s']:.1f} s", flush=True)

        from distributed import Client, LocalCluster

        start = time.perf_counter()
        with LocalCluster(
            n_workers=N_WORKERS, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster, Client(cluster) as client:
            started = time.perf_counter() - start
            for which in args.fits:
                row = _fit_measured(make, X, y, N_WORKERS, lambda: joblib.parallel_backend("dask"))
                row["warnings"] += _dask_logs(client)
                rows.append({"repeat": repeat, "backend": "dask", "fit": which, "start_s": started, **row, "load": _load()})
                print(f"  dask {which} {row['wall_s']:.1f} s (cluster started in {started:.1f} s)", flush=True)

        if ray is not None:
            start = time.perf_counter()
            ray.init(num_cpus=N_WORKERS, include_dashboard=False, log_to_driver=False, configure_logging=False)
            register_ray()
            started = time.perf_counter() - start
            try:
                for which in args.fits:
                    row = _fit_measured(make, X, y, N_WORKERS, lambda: joblib.parallel_backend("ray"))
                    rows.append({"repeat": repeat, "backend": "ray", "fit": which, "start_s": started, **row, "load": _load()})
                    print(f"  ray {which} {row['wall_s']:.1f} s (ray.init in {started:.1f} s)", flush=True)
            finally:
                ray.shutdown()
    return {"rows": rows, "ray_installed": ray is not None, "n_samples": args.n_samples, "n_iter": n_iter}


def _child_sequential(n_samples, n_iter):
    """Run in a child process (``--child-sequential``): print the sequential search's wall time."""
    X, y = _svc_problem(n_samples)
    search = _svc_search(0, n_iter=n_iter, n_jobs=1)
    start = time.perf_counter()
    search.fit(X, y)
    print(json.dumps(time.perf_counter() - start))


def part_floor(args):
    cmd = [sys.executable, os.path.abspath(__file__), "--child-sequential", "--n-samples", str(args.n_samples),
           "--n-iter", str(args.n_iter)]

    def spawn():
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    rows = []
    for repeat in range(args.repeats):
        alone = json.loads(spawn().communicate()[0])
        pair = [spawn(), spawn()]
        both = [json.loads(p.communicate()[0]) for p in pair]
        rows.append({"repeat": repeat, "alone_s": alone, "two_at_once_s": both, "slowdown": float(np.mean(both)) / alone,
                     "load": _load()})
        print(f"  alone {alone:.1f} s, two at once {both[0]:.1f} and {both[1]:.1f} s", flush=True)
    return {"rows": rows, "n_samples": args.n_samples, "n_iter": args.n_iter}


# -- part 2: the 200 MB X under Dask -------------------------------------------


class _Traffic:
    """Bytes this process scatters and workers fetch from each other; bytes per submitted task."""

    def __init__(self, client):
        self.client = client
        self.scatter_calls, self.scatter_bytes, self.delivered, self.task_bytes = 0, 0, 0, []

    def __enter__(self):
        from dask.sizeof import sizeof
        from distributed import Future

        scatter, submit = self.client.scatter, self.client.submit

        def counted_scatter(data, *a, **k):
            # through the scheduler (direct=False, the default outside a
            # worker), which sends a copy to every worker with broadcast=True
            self.scatter_calls += 1
            self.scatter_bytes += sizeof(data)
            copies = len(self.client.scheduler_info()["workers"]) if k.get("broadcast") else 1
            self.delivered += sizeof(data) * copies
            return scatter(data, *a, **k)

        def measured_submit(func, *a, **k):
            for _, targs, tkwargs in k.get("tasks") or ():
                strip = lambda v: "<future>" if isinstance(v, Future) else v  # noqa: E731
                self.task_bytes.append(len(pickle.dumps(([strip(v) for v in targs], {n: strip(v) for n, v in tkwargs.items()}))))
            return submit(func, *a, **k)

        self._before = self._peer()
        self.client.scatter, self.client.submit = counted_scatter, measured_submit
        return self

    def __exit__(self, *exc):
        del self.client.scatter, self.client.submit
        time.sleep(0.5)
        self.peer_bytes = self._peer() - self._before

    def _peer(self):
        logs = self.client.run(lambda dask_worker: sum(e.get("total", 0) for e in dask_worker.transfer_incoming_log))
        return sum(logs.values())


def part_data(args):
    from distributed import Client, LocalCluster

    from skbayes.search import _backends

    n_features = 100
    n = int(args.data_mb * 1e6 / 8 / n_features)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, n_features))
    y = (X[:, :5].sum(axis=1) + rng.normal(size=n) > 0).astype(int)
    space = {"alpha": Real(1e-3, 1e3, prior="log-uniform")}
    rows = []
    with LocalCluster(
        n_workers=N_WORKERS, threads_per_worker=1, processes=True, dashboard_address=":0", memory_limit=None
    ) as cluster, Client(cluster) as client:
        for how in ("search scatters (this version)", "joblib alone (before)", "scatter=[X, y] (user)"):
            search = LowDiscrepancySearchCV(RidgeClassifier(), space, n_iter=8, cv=3, random_state=0)
            backend_kwargs = {"scatter": [X, y]} if how.startswith("scatter") else {}
            off = how.startswith("joblib")
            saved = _backends.data_sent_once
            if off:
                _backends.data_sent_once = lambda *a, **k: contextlib.nullcontext(0)
            try:
                with _warnings_seen() as seen, _Traffic(client) as traffic:
                    start = time.perf_counter()
                    with joblib.parallel_backend("dask", **backend_kwargs):
                        search.fit(X, y)
                    wall = time.perf_counter() - start
            finally:
                _backends.data_sent_once = saved
            seen += _dask_logs(client)
            rows.append({
                "how": how, "X_MB": X.nbytes / 1e6, "wall_s": wall, "n_tasks": len(traffic.task_bytes),
                "scatter_calls": traffic.scatter_calls, "scattered_MB": traffic.scatter_bytes / 1e6,
                "worker_to_worker_MB": traffic.peer_bytes / 1e6,
                "received_by_workers_MB": (traffic.delivered + traffic.peer_bytes) / 1e6,
                "task_bytes_median": float(np.median(traffic.task_bytes)), "task_bytes_max": max(traffic.task_bytes),
                "warnings": seen, "load": _load(),
            })
            print(f"  {how}: {wall:.1f} s, {traffic.scatter_calls} scatters {traffic.scatter_bytes / 1e6:.0f} MB, "
                  f"worker to worker {traffic.peer_bytes / 1e6:.0f} MB, {len(seen)} warnings", flush=True)
            client.run(__import__("gc").collect)
    return {"rows": rows}


# -- part 3: bytes per fit task --------------------------------------------------


def part_task_bytes(args):
    X, y = make_classification(n_samples=200, n_features=5, random_state=0)
    space = {"C": Real(1e-3, 1e2, prior="log-uniform"), "tol": Real(1e-5, 1e-2, prior="log-uniform")}
    fit_and_score = sklearn_search._fit_and_score
    sizes = []

    def measured(estimator, X, y, *, train, test, **kwargs):
        sizes.append(len(pickle.dumps((estimator, kwargs))))
        return fit_and_score(estimator, X, y, train=train, test=test, **kwargs)

    rows = []
    sklearn_search._fit_and_score = measured
    try:
        for name, make in (
            ("BayesSearchCV", lambda n: BayesSearchCV(LogisticRegression(), space, n_iter=n, n_points=25, cv=2, random_state=0)),
            ("LowDiscrepancySearchCV", lambda n: LowDiscrepancySearchCV(LogisticRegression(), space, n_iter=n, cv=2, random_state=0, n_jobs=1)),
        ):
            sizes.clear()
            search = make(args.task_obs[1]).fit(X, y)
            k = search.n_splits_
            at = {n: sizes[n * k - 1] for n in args.task_obs}
            sizes.clear()
            search.set_params(warm_start=True, n_iter=args.task_obs[1] + 25).fit(X, y)
            rows.append({"search": name, **{f"bytes_after_{n}": v for n, v in at.items()}, "bytes_warm_start": max(sizes)})
            print(f"  {name}: {at} bytes per task; warm start: {max(sizes)}", flush=True)
    finally:
        sklearn_search._fit_and_score = fit_and_score
    return {"rows": rows, "observations": list(args.task_obs)}


# -- part 4: proposal time per batch ---------------------------------------------


def part_overhead(args):
    rng = np.random.default_rng(0)
    rows = []
    for n_obs in (48, 200):
        for n in (1, 2, 4, 8, 16, 32, 64):
            times = []
            for seed in range(args.overhead_seeds):
                opt = Optimizer(SVC_SPACE, n_initial_points=8, random_state=seed)
                params = opt.ask(n_obs)
                opt.tell(params, [float(-np.log10(p["C"]) ** 2 + rng.normal(0, 0.05)) for p in params])
                start = time.perf_counter()
                batch = opt.ask(n)
                opt.tell(batch, [0.0] * len(batch))
                times.append(time.perf_counter() - start)
            rows.append({"observations": n_obs, "batch": n, "proposal_s": float(np.median(times))})
            print(f"  {n_obs} observations, batch of {n}: {np.median(times):.3f} s", flush=True)
    return {"rows": rows}


# -- part 5: cost per batch with instant fits, and where the CPU goes ----------------


def _cpu_seconds():
    """CPU seconds of this process and of its children, by kind (psutil, a dependency of distributed)."""
    import psutil

    me = psutil.Process()
    out = {"this process (driver, Dask scheduler)": sum(me.cpu_times()[:2])}
    for child in me.children(recursive=True):
        try:
            line, spent = " ".join(child.cmdline()), sum(child.cpu_times()[:2])
        except psutil.Error:
            continue
        if "loky" in line:
            kind = "workers"
        elif "PoolActor" in line or "default_worker" in line or "ray::IDLE" in line:
            kind = "workers"  # Ray's worker processes (the pool's actors rename themselves)
        elif "multiprocessing" in line:  # dask nannies' worker processes (and the nannies)
            kind = "workers"
        else:
            kind = "other processes (Ray's raylet, GCS, agents)"
        out[kind] = out.get(kind, 0.0) + spent
    return out


class _Sleeper(ClassifierMixin, BaseEstimator):
    """Fits in ``cost`` seconds of sleep (no CPU); predicts the majority class."""

    def __init__(self, cost=0.01, other=0.0):
        self.cost = cost
        self.other = other

    def fit(self, X, y):
        time.sleep(self.cost)
        values, counts = np.unique(y, return_counts=True)
        self.classes_, self.majority_ = values, values[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


def part_order(args):
    from skbayes.search import _dispatch

    X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    n_iter = 16 if args.quick else 40
    as_proposed = lambda self, batch: list(range(len(batch)))  # noqa: E731
    slowest_first = _dispatch.CostModel.order
    rows = []
    for spread, low in ((10, 0.02), (100, 0.004)):
        space = {"cost": Real(low, low * spread, prior="log-uniform"), "other": Real(0.0, 1.0)}
        for n_workers in (2, 4, 8):
            for repeat in range(args.repeats):
                for how, order in (("as proposed", as_proposed), ("slowest first", slowest_first)):
                    _dispatch.CostModel.order = order
                    try:
                        make = lambda **kw: LowDiscrepancySearchCV(  # noqa: E731
                            _Sleeper(), space, n_iter=n_iter, cv=5, n_jobs=n_workers, refit=False,
                            random_state=repeat, **kw,
                        )
                        with joblib.parallel_config(backend="threading", n_jobs=n_workers):
                            out = _fit_measured(make, X, y, n_workers)
                    finally:
                        _dispatch.CostModel.order = slowest_first
                    out.update(spread=spread, workers=n_workers, repeat=repeat, how=how)
                    out.pop("params")
                    rows.append(out)
                    print(f"  {spread}x, {n_workers} workers, repeat {repeat + 1}, {how}: "
                          f"{out['wall_s']:.2f} s, idle in batches {out['idle_in_batches']:.1%}", flush=True)
    return {"rows": rows, "n_iter": n_iter}


def part_dispatch(args):
    from sklearn.dummy import DummyClassifier

    Xd, yd = np.zeros((100, 2)), np.arange(100) % 2
    Xs, ys = _svc_problem(args.n_samples)
    rows = []

    def measure(name, n_jobs, context):
        for per_batch in (2, 8):
            space = {"strategy": ["prior", "uniform", "stratified"], "random_state": Integer(0, 10**6)}
            search = BayesSearchCV(DummyClassifier(), space, n_iter=4 * per_batch, n_points=per_batch,
                                   n_initial_points=4 * per_batch, cv=5, n_jobs=n_jobs, random_state=0)
            with _batch_clock() as spans, context():
                search.fit(Xd, yd)
                search.fit(Xd, yd)
            rows.append({"backend": name, "kind": "instant fits", "candidates_per_batch": per_batch,
                         "batch_s": float(np.median(spans)), "load": _load()})
            print(f"  {name}: batch of {per_batch} x 5 instant fits {np.median(spans):.3f} s", flush=True)
        before = _cpu_seconds()
        out = _fit_measured(lambda **kw: _svc_search(0, n_iter=16, n_jobs=n_jobs, **kw), Xs, ys,
                            1 if n_jobs == 1 else N_WORKERS, context)
        spent = {k: round(v - before.get(k, 0.0), 2) for k, v in _cpu_seconds().items()}
        rows.append({"backend": name, "kind": "SVC, 16 candidates", "wall_s": out["wall_s"], "busy_s": out["busy_s"],
                     "cpu_s": spent, "load": _load()})
        print(f"  {name}: SVC 16 candidates {out['wall_s']:.1f} s, fits' own time {out['busy_s']:.1f} s, CPU {spent}", flush=True)

    measure("sequential", 1, contextlib.nullcontext)
    measure("loky", N_WORKERS, contextlib.nullcontext)
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=N_WORKERS, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, Client(cluster):
        measure("dask", None, lambda: joblib.parallel_backend("dask"))
    try:
        import ray
        from ray.util.joblib import register_ray
    except ImportError:
        return {"rows": rows}
    ray.init(num_cpus=N_WORKERS, include_dashboard=False, log_to_driver=False, configure_logging=False)
    register_ray()
    try:
        measure("ray", None, lambda: joblib.parallel_backend("ray"))
    finally:
        ray.shutdown()
    return {"rows": rows}


# -- report -----------------------------------------------------------------------


def _median(rows, key):
    return float(np.median([r[key] for r in rows]))


def report(results, meta):
    lines = [f"Machine: {meta['cpu']}, {meta['cores']} cores. Date: {meta['date']}. Versions: {meta['versions']}."]
    if "backends" in results:
        res = results["backends"]
        rows = res["rows"]
        seq = [r for r in rows if r["backend"] == "sequential"]
        t_seq = _median(seq, "wall_s")
        loads = [r["load"][0] for r in rows]
        lines += [
            "",
            f"### Backends side by side (SVC, {res['n_samples']} samples, {res['n_iter']} candidates, 5-fold CV, n_points=2)",
            "",
            f"Median of {max(r['repeat'] for r in rows) + 1} repeats; 1-minute load average during the run "
            f"{min(loads):.2f} to {max(loads):.2f}.",
            "",
            "| backend | fit | wall (s) | ratio to sequential | fits' own time / sequential | ratio at equal fits' time "
            "| idle share | idle in batches (unavoidable) | idle between batches | best score | same candidates | warnings |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for backend in ("sequential", "loky", "dask", "ray"):
            for which in ("-", "cold", "warm"):
                sel = [r for r in rows if r["backend"] == backend and r["fit"] == which]
                if not sel:
                    continue
                same = all(r["params"] == seq[0]["params"] for r in sel)
                n_warn = sum(len(r["warnings"]) for r in sel)
                start = f" (start {np.median([r['start_s'] for r in sel]):.1f} s)" if "start_s" in sel[0] else ""
                by_repeat = {r["repeat"]: r for r in seq}
                busy = float(np.median([r["busy_s"] / by_repeat[r["repeat"]]["busy_s"] for r in sel]))
                ideal = float(np.median([1 / (N_WORKERS * (1 - r["idle_share"])) for r in sel])) if backend != "sequential" else 1.0
                lines.append(
                    f"| {backend}{start} | {which} | {_median(sel, 'wall_s'):.1f} | {_median(sel, 'wall_s') / t_seq:.2f} | "
                    f"{busy:.2f} | {ideal:.2f} | "
                    f"{_median(sel, 'idle_share'):.1%} | {_median(sel, 'idle_in_batches'):.1%} "
                    f"({_median(sel, 'idle_unavoidable_in_batches'):.1%}) | {_median(sel, 'idle_between_batches'):.1%} | "
                    f"{_median(sel, 'best_score'):.4f} | {'yes' if same else 'NO'} | {n_warn} |"
                )
        folds = seq[0]["fold_s_range"]
        lines += ["", f"Fit + score time of one fold: {folds[0]:.3f} to {folds[1]:.3f} s "
                      f"({folds[1] / folds[0]:.0f}x), median {seq[0]['median_fold_s']:.3f} s; "
                      f"{seq[0]['n_batches']} batches."]
        warned = sorted({w for r in rows for w in r["warnings"]})
        if warned:
            lines += ["", "Warnings seen:"] + [f"- `{w}`" for w in warned[:12]]
        if not res["ray_installed"]:
            lines += ["", "Ray is not installed here: no Ray rows (pip install -e '.[ray]')."]
    if "floor" in results:
        rows = results["floor"]["rows"]
        lines += ["", f"### What the machine gives two workers (the sequential search, {results['floor']['n_iter']} candidates, "
                      "alone and two copies at once)", "",
                  "| repeat | alone (s) | two at once (s) | slowdown |", "|---|---|---|---|"]
        for r in rows:
            lines.append(f"| {r['repeat'] + 1} | {r['alone_s']:.1f} | {r['two_at_once_s'][0]:.1f}, {r['two_at_once_s'][1]:.1f} | "
                         f"{r['slowdown']:.3f} |")
    if "data" in results:
        lines += ["", "### 200 MB X under Dask (LowDiscrepancySearchCV, RidgeClassifier, 8 candidates in 4 batches, 3-fold CV)", "",
                  "| how | X (MB) | wall (s) | scatter calls | sent by this process (MB) | worker to worker (MB) | received by the workers (MB) | bytes per task (median / max) | warnings |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in results["data"]["rows"]:
            lines.append(f"| {r['how']} | {r['X_MB']:.0f} | {r['wall_s']:.1f} | {r['scatter_calls']} | {r['scattered_MB']:.0f} | "
                         f"{r['worker_to_worker_MB']:.0f} | {r['received_by_workers_MB']:.0f} | {r['task_bytes_median']:.0f} / {r['task_bytes_max']} | {len(r['warnings'])} |")
        warned = sorted({w for r in results["data"]["rows"] for w in r["warnings"]})
        if warned:
            lines += ["", "Warnings seen:"] + [f"- `{w}`" for w in warned[:12]]
    if "task-bytes" in results:
        obs = results["task-bytes"]["observations"]
        lines += ["", "### Bytes the search ships per fit task (data and split indices aside)", "",
                  f"| search | after {obs[0]} candidates | after {obs[1]} | warm-started second fit |", "|---|---|---|---|"]
        for r in results["task-bytes"]["rows"]:
            lines.append(f"| {r['search']} | {r[f'bytes_after_{obs[0]}']} | {r[f'bytes_after_{obs[1]}']} | {r['bytes_warm_start']} |")
    if "overhead" in results:
        rows = results["overhead"]["rows"]
        lines += ["", "### BayesSearchCV proposal time per batch (GP, ask(n) + tell)", "",
                  "| observations | " + " | ".join(f"n={r['batch']}" for r in rows if r["observations"] == 48) + " |",
                  "|---|" + "---|" * len([r for r in rows if r["observations"] == 48])]
        for n_obs in (48, 200):
            lines.append(f"| {n_obs} | " + " | ".join(f"{r['proposal_s']:.3f} s" for r in rows if r["observations"] == n_obs) + " |")
    if "order" in results:
        rows = results["order"]["rows"]
        lines += ["", f"### Slowest first against as proposed (sleeping fits, threading backend, "
                      f"LowDiscrepancySearchCV, {results['order']['n_iter']} candidates, a batch per worker, 5-fold CV)", "",
                  "| fit-time spread | workers | as proposed: wall (s) | idle in batches | slowest first: wall (s) | idle in batches | wall ratio |",
                  "|---|---|---|---|---|---|---|"]
        for spread in sorted({r["spread"] for r in rows}):
            for w in sorted({r["workers"] for r in rows}):
                sel = {how: [r for r in rows if r["spread"] == spread and r["workers"] == w and r["how"] == how]
                       for how in ("as proposed", "slowest first")}
                a, b = sel["as proposed"], sel["slowest first"]
                ratio = _median([{"x": rb["wall_s"] / ra["wall_s"]} for ra, rb in zip(a, b)], "x")
                lines.append(f"| {spread}x | {w} | {_median(a, 'wall_s'):.2f} | {_median(a, 'idle_in_batches'):.1%} | "
                             f"{_median(b, 'wall_s'):.2f} | {_median(b, 'idle_in_batches'):.1%} | {ratio:.2f} |")
    if "dispatch" in results:
        rows = results["dispatch"]["rows"]
        lines += ["", "### One batch with instant fits (DummyClassifier, 5 folds per candidate), and where the CPU goes", "",
                  "| backend | batch of 2 candidates (s) | batch of 8 (s) | SVC 16 candidates: wall (s) | fits' own time (s) | CPU seconds |",
                  "|---|---|---|---|---|---|"]
        for backend in ("sequential", "loky", "dask", "ray"):
            sel = {(r["kind"], r.get("candidates_per_batch")): r for r in rows if r["backend"] == backend}
            if not sel:
                continue
            svc = sel[("SVC, 16 candidates", None)]
            cpu = ", ".join(f"{k}: {v:.1f}" for k, v in svc["cpu_s"].items() if v > 0.05)
            lines.append(f"| {backend} | {sel[('instant fits', 2)]['batch_s']:.3f} | {sel[('instant fits', 8)]['batch_s']:.3f} | "
                         f"{svc['wall_s']:.1f} | {svc['busy_s']:.1f} | {cpu} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=["all", "backends", "floor", "data", "task-bytes", "overhead", "dispatch", "order"],
                        default="all")
    parser.add_argument("--child-sequential", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-samples", type=int, default=4000)
    parser.add_argument("--n-iter", type=int, default=48)
    parser.add_argument("--cold-only", dest="fits", action="store_const", const=("cold",), default=("cold", "warm"),
                        help="backends: fit once on each fresh backend (no second, warm fit)")
    parser.add_argument("--data-mb", type=float, default=200.0)
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat (a smoke test)")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "scaleout"))
    args = parser.parse_args()
    if args.child_sequential:  # one process of part floor
        _child_sequential(args.n_samples, args.n_iter)
        return
    args.task_obs = (50, 300)
    args.overhead_seeds = 3
    if args.quick:
        args.repeats, args.n_samples, args.n_iter, args.data_mb = 1, 600, 12, 20.0
        args.task_obs, args.overhead_seeds = (10, 40), 1
    meta = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "cpu": _cpu(), "cores": os.cpu_count(),
        "versions": _versions(), "load_at_start": _load(), "args": {k: v for k, v in vars(args).items()},
    }
    print(f"{meta['date']}, load {meta['load_at_start']}", flush=True)
    parts = ["backends", "floor", "data", "task-bytes", "overhead", "dispatch", "order"] if args.part == "all" else [args.part]
    results = {}
    for part in parts:
        print(f"== {part}", flush=True)
        results[part] = {"backends": part_backends, "floor": part_floor, "data": part_data, "task-bytes": part_task_bytes,
                         "overhead": part_overhead, "dispatch": part_dispatch, "order": part_order}[part](args)
    meta["load_at_end"] = _load()
    text = report(results, meta)
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out + ".json", "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1, default=str)
    with open(args.out + ".md", "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
