"""What a search needs to know about the joblib backend its fits run on.

A search evaluates its candidates in many batches, each one call of
scikit-learn's ``evaluate_candidates`` and so one ``Parallel`` call, where
``GridSearchCV`` makes a single call. Two things follow, and they are settled
here:

- :func:`n_workers`: the number of workers is asked again before every batch
  (``joblib.effective_n_jobs``), so that ``n_points=None`` follows a Dask or
  Ray cluster that grows or shrinks during a fit.
- :func:`data_sent_once`: joblib's Dask backend sends every large argument of
  a ``Parallel`` call (the data ``X`` and ``y``, the index arrays of the CV
  splits) to the cluster once *per call*, so a search of 24 batches sends a
  200 MB ``X`` 24 times, and every worker fetches it 24 times. While a search
  runs on that backend, the data and the splits are scattered once, to every
  worker, and the backend is told to send the futures instead, exactly as it
  does for the arrays a user passes in ``parallel_backend("dask",
  scatter=[X, y])``. Objects the user scattered that way are left alone.

And what travels with every fit task besides the data: scikit-learn sends
the search itself (the ``caller`` of its callbacks) with each one. While a
search fits, :func:`state_for_fit_tasks` keeps that to its parameters: not
the strategy (a fitted surrogate), nor what an earlier ``fit`` of the same
object left (``cv_results_``, ``best_estimator_``: a warm start or a second
``fit`` would send them with every task), nor the user's callbacks, which
run in this process only and may hold what cannot be pickled (a Dask
client, an open file).

The Dask point reads two attributes of joblib's ``DaskDistributedBackend``
(``client`` and ``data_futures``, the registry its ``scatter`` argument
fills; both unchanged since joblib 1.3). A backend without them is used as
it is: the search is then as correct as before, only slower.

Ray's backend means to put each large argument in the object store once per
``Parallel`` context (which spans the fit), but with joblib >= 1.5 its pool
no longer recognises joblib's batches and every fit task carries the data.
While that is so, :func:`data_sent_once` puts the data in the object store
once and sends references (wrapping the backend's ``submit`` for the fit).
"""

import contextlib
import sys
import uuid

from joblib import effective_n_jobs
from joblib.parallel import get_active_backend
from sklearn.utils.validation import indexable

__all__ = ["n_workers", "data_sent_once", "state_for_fit_tasks"]

# joblib's Dask backend scatters an argument when dask's sizeof says it is
# larger than this (bytes); everything it would scatter is sent once here
_SCATTER_ABOVE = 1e3


def n_workers(n_jobs):
    """Number of workers a batch would run on now.

    Parameters
    ----------
    n_jobs : int or None
        The search's ``n_jobs``. None: the active joblib backend's default
        (``parallel_backend("dask")`` or ``parallel_backend("ray")``: all the
        cluster's cores).

    Returns
    -------
    n_workers : int
        ``joblib.effective_n_jobs(n_jobs)``, asked of the backend at this
        call: a cluster that has grown or shrunk since the last batch is
        counted as it is now.
    """
    return effective_n_jobs(n_jobs)


def _dask_backend(backend):
    """``backend`` if it is joblib's Dask backend as this module knows it, else None."""
    module = sys.modules.get("joblib._dask")  # imported when the backend is used
    cls = getattr(module, "DaskDistributedBackend", None)
    if cls is None or not isinstance(backend, cls):
        return None
    if getattr(backend, "client", None) is None or not isinstance(getattr(backend, "data_futures", None), dict):
        return None
    return backend


def _ray_backend(backend):
    """``backend`` if it is Ray's joblib backend and its pool does not cache the data, else None.

    Ray's pool (``ray.util.multiprocessing.pool``) means to put each large
    argument in the object store once, but only when it can import joblib's
    ``SafeFunction``, which joblib 1.5 removed: then its ``RayBatchedCalls``
    is None and every task carries the data (measured: a 40 MB ``X``, 40.8 MB
    pickled per fit task, Ray 2.60, joblib 1.6).
    """
    module = sys.modules.get("ray.util.joblib.ray_backend")
    cls = getattr(module, "RayBackend", None)
    if cls is None or not isinstance(backend, cls):
        return None
    pool = sys.modules.get("ray.util.multiprocessing.pool")
    if pool is None or getattr(pool, "RayBatchedCalls", None) is not None:
        return None  # Ray's own cache works
    if not callable(getattr(backend, "submit", None)):
        return None
    return backend


def _fit_data(X, y, splits):
    """The objects every fit task of a batch receives: the data and the split indices."""
    # scikit-learn fits on indexable(X, y): only what that leaves as it is
    # is the very object the fit tasks receive
    Xi, yi = indexable(X, y)
    objects = [obj for obj, given in ((Xi, X), (yi, y)) if obj is given]
    for split in splits or ():
        objects.extend(split)
    return objects


def _large(objects, already=()):
    """The objects above the scatter threshold, each once, leaving out ids in ``already``."""
    todo, seen = [], set(already)
    for obj in objects:
        if obj is None or id(obj) in seen:
            continue
        seen.add(id(obj))
        # also what joblib does not scatter (a list, which has no weak
        # reference): that would go inside every task of every batch
        if _size(obj) > _SCATTER_ABOVE:
            todo.append(obj)
    return todo


def _size(obj):
    """Bytes of ``obj`` as dask measures them (joblib's Dask backend does), else roughly."""
    try:
        from dask.sizeof import sizeof
    except ImportError:  # Ray without dask
        nbytes = getattr(obj, "nbytes", None)
        return nbytes if isinstance(nbytes, int) else sys.getsizeof(obj)
    return sizeof(obj)


@contextlib.contextmanager
def data_sent_once(n_jobs, X, y, splits):
    """Send the data and the CV splits to the cluster once for a whole fit.

    Outside joblib's Dask and Ray backends (and with ``n_jobs=1``) this does
    nothing. Under Dask, ``X``, ``y`` and the index arrays of ``splits`` are
    scattered to every worker (``client.scatter(..., broadcast=True)``) and
    registered with the backend, which then sends their futures with every
    fit task instead of scattering the arrays again at every batch. Under
    Ray, when its pool does not cache them itself (see :func:`_ray_backend`),
    they are put in the object store once and every fit task carries a
    reference instead of a copy. Either way they are released when the block
    ends.

    Parameters
    ----------
    n_jobs : int or None
        The search's ``n_jobs``.
    X, y : object
        The data as the user gave it to ``fit``. An object that scikit-learn
        converts before fitting (a list becomes an array, say) is not the
        object the fits receive, and is left to the backend.
    splits : list of (ndarray, ndarray) or None
        The (train, test) indices of the fit's CV splits, the very arrays
        every batch is evaluated on.

    Yields
    ------
    n_sent : int
        Number of objects sent here (0 when nothing was to be done).
    """
    backend = None if n_jobs == 1 else get_active_backend()[0]  # n_jobs=1: fits run here
    if _dask_backend(backend) is not None:
        with _scattered(backend, _fit_data(X, y, splits)) as n_sent:
            yield n_sent
    elif _ray_backend(backend) is not None:
        with _put_once(backend, _fit_data(X, y, splits)) as n_sent:
            yield n_sent
    else:
        yield 0


@contextlib.contextmanager
def _scattered(backend, objects):
    todo = _large(objects, already=backend.data_futures)
    if not todo:
        yield 0
        return
    # named, so that a list is scattered whole and not item by item
    names = [f"skbayes-fit-data-{uuid.uuid4().hex}" for _ in todo]
    scattered = backend.client.scatter(dict(zip(names, todo)), broadcast=True, hash=False)
    futures = [scattered[name] for name in names]
    for obj, future in zip(todo, futures):
        backend.data_futures[id(obj)] = future
    try:
        yield len(todo)
    finally:
        for obj in todo:
            backend.data_futures.pop(id(obj), None)
        for future in futures:
            future.release()


class _Stored:
    """An argument of a fit task that waits in Ray's object store."""

    def __init__(self, ref):
        self.ref = ref


class _FetchingCall:
    """A fit task's function, called with its stored arguments fetched first (in the worker)."""

    def __init__(self, func):
        self.func = func

    def __call__(self, *args, **kwargs):
        import ray

        def fetch(value):
            return ray.get(value.ref) if isinstance(value, _Stored) else value

        return self.func(*[fetch(a) for a in args], **{k: fetch(v) for k, v in kwargs.items()})


@contextlib.contextmanager
def _put_once(backend, objects):
    import ray

    todo = _large(objects)
    if not todo:
        yield 0
        return
    stored = {id(obj): _Stored(ray.put(obj)) for obj in todo}
    submit = backend.submit

    def submit_with_references(func, callback=None):
        # func: joblib's BatchedCalls, a list of (function, args, kwargs)
        items = getattr(func, "items", None)
        if isinstance(items, list):
            func.items = [
                (
                    _FetchingCall(f),
                    [stored.get(id(a), a) for a in args],
                    {k: stored.get(id(v), v) for k, v in kwargs.items()},
                )
                if any(id(v) in stored for v in (*args, *kwargs.values()))
                else (f, args, kwargs)
                for f, args, kwargs in items
            ]
        return submit(func, callback)

    backend.submit = submit_with_references
    try:
        yield len(todo)
    finally:
        del backend.submit  # the instance attribute: the class's method again
        stored.clear()


def state_for_fit_tasks(state):
    """What a running search's fit tasks carry of it: its parameters.

    Parameters
    ----------
    state : dict
        The search's ``__getstate__`` while it fits.

    Returns
    -------
    state : dict
        A copy without the fitted attributes (names ending with ``_``, as
        :func:`sklearn.utils.validation.check_is_fitted` counts them: the
        strategy, the record and the results of an earlier fit), and with
        ``callbacks=None``: they are called in the process that runs the
        search, never in a worker. So the bytes sent per fit task do not
        grow with the candidates evaluated or the size of the models fitted.
    """
    kept = {k: v for k, v in state.items() if not (k.endswith("_") and not k.startswith("__"))}
    if "callbacks" in kept:
        kept["callbacks"] = None
    return kept
