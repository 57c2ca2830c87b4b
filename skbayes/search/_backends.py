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

Ray's backend needs nothing of this: its pool puts each large argument in
the object store once for the whole ``fit`` (the pool lives as long as
scikit-learn's ``Parallel`` context, which spans the fit).
"""

import contextlib
import sys
import uuid

from joblib import effective_n_jobs
from joblib.parallel import get_active_backend
from sklearn.utils.validation import indexable

__all__ = ["n_workers", "data_sent_once", "state_for_fit_tasks"]

# joblib's Dask backend scatters an argument when dask's sizeof says it is
# larger than this (bytes); everything it would scatter is scattered once here
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


def _active_dask_backend(n_jobs):
    """The active joblib Dask backend if the fits go to it, else None."""
    module = sys.modules.get("joblib._dask")  # imported when the backend is used
    cls = getattr(module, "DaskDistributedBackend", None)
    if cls is None or n_jobs == 1:  # n_jobs=1: joblib runs the fits in this process
        return None
    backend, _ = get_active_backend()
    if not isinstance(backend, cls):
        return None
    if getattr(backend, "client", None) is None or not isinstance(getattr(backend, "data_futures", None), dict):
        return None
    return backend


def _worth_scattering(obj, already):
    if obj is None or id(obj) in already:
        return False
    from dask.sizeof import sizeof

    # also what joblib does not scatter (a list, which has no weak
    # reference): that would go inside every task of every batch
    return sizeof(obj) > _SCATTER_ABOVE


@contextlib.contextmanager
def data_sent_once(n_jobs, X, y, splits):
    """Send the data and the CV splits to a Dask cluster once for a whole fit.

    Outside joblib's Dask backend (and with ``n_jobs=1``) this does nothing.
    Under it, ``X``, ``y`` and the index arrays of ``splits`` are scattered to
    every worker (``client.scatter(..., broadcast=True)``) and registered
    with the backend, which then sends their futures with every fit task
    instead of scattering the arrays again at every batch. They are
    unregistered and released when the block ends.

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
    n_scattered : int
        Number of objects scattered here (0 when nothing was to be done).
    """
    backend = _active_dask_backend(n_jobs)
    if backend is None:
        yield 0
        return
    # scikit-learn fits on indexable(X, y): only what that leaves as it is
    # is the very object the fit tasks receive
    Xi, yi = indexable(X, y)
    objects = [obj for obj, given in ((Xi, X), (yi, y)) if obj is given]
    for split in splits or ():
        objects.extend(split)
    todo, seen = [], set(backend.data_futures)
    for obj in objects:
        if _worth_scattering(obj, seen):
            seen.add(id(obj))
            todo.append(obj)
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
        del todo, futures


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
