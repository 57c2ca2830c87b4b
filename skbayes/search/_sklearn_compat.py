"""Everything of skbayes that depends on scikit-learn's private internals.

The rest of the package uses scikit-learn's public API and the documented
hook of ``BaseSearchCV`` (``_run_search(evaluate_candidates)``). What is here
reaches further, each for a reason given where it is done:

- :data:`SKLEARN_CHECKS_CV` and :func:`cv_checked_before_fit`: a version gate
  (scikit-learn >= 1.7 checks the cv in ``BaseSearchCV.fit`` and calls
  ``_check_input_parameters``; older versions get the same done before
  ``fit``).
- :func:`collect_fit_failures`: scikit-learn's ``evaluate_candidates`` judges
  the fit failures of every call on its own (it raises when all the fits of
  a call failed, warns otherwise). A search of many small batches must judge
  them once per ``fit``, over all its fits, or a batch whose every fit failed
  (always the case with one candidate per batch) would end the search, and
  its fit times would be lost. While a search runs, the judgement of each
  batch is handed to the search instead; other searches are not affected.
- :func:`hand_over_results`: ``BaseSearchCV.fit`` builds ``cv_results_`` from
  lists local to it that only ``evaluate_candidates`` fills; a resumed search
  with nothing left to evaluate fills them through its closure.
- :func:`fits_start_from`: every fit of ``evaluate_candidates`` starts from a
  clone of ``base_estimator``, a variable of its closure; the halving search
  puts the estimator that continues fold models across rungs in its place
  for the duration of the search (never for the refit).
- :func:`fits_per_task_at_most`: ``BaseSearchCV.fit`` makes one joblib
  ``Parallel`` (a variable of the closure of ``evaluate_candidates``) with
  ``batch_size="auto"``, which groups fits shorter than 0.2 s into tasks of
  2, 4, ... fits. That suits a search's one large call; a search of many
  small batches (``n_points`` candidates x the folds) pays for the grouping
  at every batch, its last task keeping one worker busy while the others
  wait. While a batch is evaluated the grouping is capped.
- :func:`has_fit_callbacks`: whether a callback context (scikit-learn >= 1.9)
  has callbacks to call. Every node of its task tree leads to the whole tree,
  and every fit task is sent its own node: a search of many batches that
  builds the tree with no callback to read it ships a tree that grows with
  every candidate to every fit.
"""

import contextlib
import contextvars
import numbers
import sys

from sklearn.base import is_classifier
from sklearn.model_selection import _search, check_cv
from sklearn.model_selection._search import BaseSearchCV
from sklearn.model_selection._validation import _warn_or_raise_about_fit_failures
from sklearn.utils.validation import _check_method_params, indexable

__all__ = [
    "SKLEARN_CHECKS_CV",
    "cv_checked_before_fit",
    "collect_fit_failures",
    "judge_fit_failures",
    "hand_over_results",
    "fits_start_from",
    "fits_per_task_at_most",
    "has_fit_callbacks",
]

# scikit-learn >= 1.7 checks the cv in ``BaseSearchCV.fit`` (``_checked_cv_orig``)
SKLEARN_CHECKS_CV = hasattr(BaseSearchCV, "_check_input_parameters")



@contextlib.contextmanager
def cv_checked_before_fit(search, X, y, params):
    """Within the block, ``search`` is checked as scikit-learn >= 1.7 checks it in ``fit``.

    That is: parameters validated, ``_checked_cv_orig`` and ``n_splits_``
    set and the ``_check_input_parameters`` hook called before
    ``BaseSearchCV.fit`` (a no-op on scikit-learn >= 1.7, which does it
    itself). A one-shot iterable of splits given as ``cv`` is spent by the
    check: ``fit`` gets the re-iterable one made from it, and ``cv`` is
    given back after the block.
    """
    if SKLEARN_CHECKS_CV:
        yield
        return
    cv = search.cv
    search._validate_params()
    X, y = indexable(X, y)
    params = _check_method_params(X, params=params)
    search._checked_cv_orig = check_cv(cv, y, classifier=is_classifier(search.estimator))
    routed = search._get_routed_params_for_fit(params)
    hook = getattr(search, "_check_input_parameters", None)
    if hook is not None:
        hook(X=X, y=y, split_params=routed.splitter.split)
    search.n_splits_ = search._checked_cv_orig.get_n_splits(X, y, **routed.splitter.split)
    if not (cv is None or isinstance(cv, numbers.Integral) or hasattr(cv, "split")):
        search.cv = search._checked_cv_orig
    try:
        yield
    finally:
        search.cv = cv


# (search, collector) of the skbayes search running in this thread (or task)
_collector = contextvars.ContextVar("skbayes_fit_failures_collector", default=None)


def _judge_or_collect(results, error_score):
    entry = _collector.get()
    if entry is not None:
        search, collect = entry
        # only that search's own evaluate_candidates (``self`` of its closure)
        # hands over: a search fitted inside one of its fits (a GridSearchCV
        # as the estimator, with n_jobs=1) judges its failures as usual
        if sys._getframe(1).f_locals.get("self") is search:
            collect(results)
            return None
    return _warn_or_raise_about_fit_failures(results, error_score)


_judge_or_collect._skbayes = True


def _install():
    if not getattr(getattr(_search, "_warn_or_raise_about_fit_failures", None), "_skbayes", False):
        _search._warn_or_raise_about_fit_failures = _judge_or_collect


@contextlib.contextmanager
def collect_fit_failures(search, collect):
    """Within the block, the ``evaluate_candidates`` of ``search`` hands each batch's results to ``collect``.

    ``collect(out)`` receives the list of ``_fit_and_score`` results of a
    batch (failed fits included, with their times) instead of scikit-learn
    raising or warning about the batch's failures; judge them afterwards with
    :func:`judge_fit_failures`.
    """
    _install()
    token = _collector.set((search, collect))
    try:
        yield
    finally:
        _collector.reset(token)


def judge_fit_failures(out, error_score):
    """Raise if every fit of ``out`` failed, warn once if some did (scikit-learn's words)."""
    _warn_or_raise_about_fit_failures(out, error_score)


def _closure_cells(function):
    """The cells of ``function``'s closure by variable name (empty for a function without one)."""
    code = getattr(function, "__code__", None)
    names = code.co_freevars if code is not None else ()
    return dict(zip(names, getattr(function, "__closure__", None) or ()))


def hand_over_results(evaluate_candidates, params, out, more_results, format_results):
    """Put candidates into the lists ``BaseSearchCV.fit`` builds ``cv_results_`` from.

    For a search that has evaluated nothing in this ``fit`` (a resumed search
    with nothing left to do): the lists live in the closure of
    ``evaluate_candidates``, which only fills them when it evaluates.

    Returns
    -------
    results : dict
        What ``format_results`` made of the lists, now also scikit-learn's.
    """
    cells = _closure_cells(evaluate_candidates)
    needed = ("all_candidate_params", "all_out", "all_more_results", "results")
    if not all(n in cells for n in needed):
        raise RuntimeError(
            "This version of scikit-learn's BaseSearchCV.fit cannot be given "
            "the candidates of a snapshot without a new evaluation; fit with a "
            "larger budget and warm_start=True instead."
        )
    all_params = cells["all_candidate_params"].cell_contents
    all_out = cells["all_out"].cell_contents
    all_more = cells["all_more_results"].cell_contents
    all_params.extend(params)
    all_out.extend(out)
    for key, values in more_results.items():
        all_more[key].extend(values)
    results = format_results(all_params, all_out, all_more)
    cells["results"].cell_contents = results
    return results


@contextlib.contextmanager
def fits_start_from(evaluate_candidates, wrap):
    """Within the block, the fits of ``evaluate_candidates`` start from ``wrap(base_estimator)``.

    ``BaseSearchCV.fit`` clones the search's estimator once (``base_estimator``
    in the closure of ``evaluate_candidates``) and every fit from it again;
    the refit after the search clones it too, and sees the original, which
    is back in place when the block ends.

    Yields
    ------
    wrapped : object or None
        What ``wrap`` returned, or None (and nothing changed) when this
        ``evaluate_candidates`` has no ``base_estimator``.
    """
    cell = _closure_cells(evaluate_candidates).get("base_estimator")
    if cell is None:
        yield None
        return
    base = cell.cell_contents
    cell.cell_contents = wrapped = wrap(base)
    try:
        yield wrapped
    finally:
        cell.cell_contents = base


@contextlib.contextmanager
def fits_per_task_at_most(evaluate_candidates, size):
    """Within the block, joblib sends at most ``size`` fits of ``evaluate_candidates`` in one task.

    ``size`` caps the batch size joblib's auto-batching would choose (the
    backend's ``compute_batch_size``, which keeps adapting between calls); a
    ``Parallel`` given a fixed ``batch_size``, or an ``evaluate_candidates``
    that has no ``parallel`` in its closure, is left as it is.

    Yields
    ------
    batch_size : int or None
        The batch size in force within the block, or None where nothing was
        changed.
    """
    cell = _closure_cells(evaluate_candidates).get("parallel")
    parallel = cell.cell_contents if cell is not None else None
    backend = getattr(parallel, "_backend", None)
    if getattr(parallel, "batch_size", None) != "auto" or not callable(getattr(backend, "compute_batch_size", None)):
        yield None
        return
    parallel.batch_size = batch_size = max(1, min(int(size), backend.compute_batch_size()))
    try:
        yield batch_size
    finally:
        parallel.batch_size = "auto"


def has_fit_callbacks(callback_ctx, estimator):
    """Whether scikit-learn's callback context ``callback_ctx`` has callbacks to serve.

    Parameters
    ----------
    callback_ctx : sklearn.callback.CallbackContext or None
        The context ``BaseSearchCV.fit`` hands to ``_run_search``.
    estimator : estimator object
        The estimator the search fits: callbacks set on it (or on a step or
        parameter of it) are attached to the search's task tree through the
        fit tasks' contexts.

    Returns
    -------
    has_callbacks : bool
        False when there is no context, or when neither it (callbacks set on
        the search with ``set_callbacks``, or propagated to it from a
        meta-estimator) nor ``estimator`` holds a callback: then no
        sub-context needs to be made and the fit tasks need not carry one.
        True when the context cannot tell (a future scikit-learn).
    """
    if callback_ctx is None:
        return False
    callbacks = getattr(callback_ctx, "_callbacks", None)
    if callbacks is None or len(callbacks) > 0:
        return True
    parts = [estimator]
    if hasattr(estimator, "get_params") and not isinstance(estimator, type):
        parts += list(estimator.get_params(deep=True).values())
    return any(getattr(part, "_skl_callbacks", None) for part in parts if not isinstance(part, type))
