"""The search loop that every skbayes search shares.

scikit-learn's ``BaseSearchCV.fit`` owns scoring, routing, CV splitting, the
``Parallel`` pool, refit and ``cv_results_``; a search only writes
``_run_search(evaluate_candidates)``. Ours asks a strategy for a batch of
candidates, evaluates it with ``evaluate_candidates`` on CV splits computed
once per fit, tells the strategy the scores (``nan`` where a fit failed) and
calls the callbacks, until the strategy has nothing more to propose or a
callback stops the search. Around the loop, in their own modules:

- ``_record``: the one record of what this fit evaluated, kept in step with
  scikit-learn's lists; fit failures judged once per fit, over every batch,
  in scikit-learn's words; ``cv_results_`` exposed also when the fit is
  interrupted (only the batch in flight is lost);
- ``_resume``: snapshots of plain data (checkpoints, ``warm_start``), from
  which a strategy is rebuilt by replaying its batches;
- ``_sklearn_compat``: the only code that touches scikit-learn's internals.
"""

import contextlib
import inspect
import time
from abc import abstractmethod

import numpy as np
from joblib import effective_n_jobs
from sklearn.model_selection._search import BaseSearchCV

from ..callbacks import Callback, SearchState
from . import _backends, _diagnostics, _dispatch, _sklearn_compat
from ._checks import _check_callbacks, _check_parallel_fits, _check_search_spaces
from ._record import _Recording
from ._resume import _Resumable
from ._splits import _FixedSplits

# a batch's fits go to the workers in at least this many tasks per worker
# (fewer only when the batch has fewer fits), see BaseSearch._evaluate_batch
_TASKS_PER_WORKER = 8


class BaseSearch(_Recording, _Resumable, BaseSearchCV):
    """Base class of skbayes' searches: a strategy inside ``BaseSearchCV``.

    Subclasses declare their parameters and write ``_make_strategy``; the loop,
    failure handling and partial results live here.

    Warning: this class should not be used directly. Use derived classes.
    """

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "search_spaces": [dict, list],
        "random_state": ["random_state"],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
    }

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Every search should take ``callbacks`` and ``warm_start``; one whose
        # __init__ does not yet list them runs without (they keep the defaults
        # the base __init__ sets), and is not validated for parameters it lacks.
        init_params = inspect.signature(cls.__init__).parameters
        missing = [p for p in ("callbacks", "warm_start") if p not in init_params]
        if missing and "__init__" in cls.__dict__:
            cls._parameter_constraints = {
                k: v for k, v in cls._parameter_constraints.items() if k not in missing
            }

    #: Parameters that set how many candidates a search evaluates: a snapshot
    #: that differs from the search only in these is extended by warm_start.
    _budget_params = ("n_iter", "generations")

    @abstractmethod
    def __init__(
        self,
        estimator,
        search_spaces,
        *,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
        callbacks=None,
        warm_start=False,
    ):
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.search_spaces = search_spaces
        self.random_state = random_state
        self.callbacks = callbacks
        self.warm_start = warm_start

    # -- what a search writes ------------------------------------------------
    @abstractmethod
    def _make_strategy(self, spaces, rng):
        """Build the ask/tell strategy for this fit.

        Parameters
        ----------
        spaces : list of skbayes.space.Space
            The validated search space(s).
        rng : numpy.random.Generator
            Seeded from ``random_state``.
        """

    def _batch_size(self, n_workers):
        """Candidates per batch; by default one per joblib worker."""
        return n_workers

    # -- the shared loop -----------------------------------------------------
    def fit(self, X, y=None, **params):
        """Run the search: cross-validate candidates, then refit the best one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Target; None for unsupervised learning.

        **params : dict of str -> object
            Parameters passed to the ``fit`` method of the estimator, the
            scorer and the CV splitter (``groups``), as in
            :meth:`sklearn.model_selection.GridSearchCV.fit`.

        Returns
        -------
        self : object
            The fitted search.
        """
        # _run_search reads the data to compute the CV splits once and to
        # fingerprint the data of a checkpoint.
        self._fit_inputs = (X, y, params)
        try:
            with _sklearn_compat.cv_checked_before_fit(self, X, y, params):
                super().fit(X, y, **params)
        finally:
            del self._fit_inputs
        _diagnostics.warn_if_best_at_bound(self)
        return self

    @property
    def parameter_importances_(self):
        """dict of str -> float: share of the score's variance each parameter explains.

        An estimate, from a Gaussian process fitted to ``cv_results_``; the
        shares sum to at most 1. See
        :func:`skbayes.plots.plot_importances` and the user guide
        (*Diagnostics*) for how it is computed and read.
        """
        return _diagnostics.cached_importances(self)

    def __getstate__(self):
        # scikit-learn sends the search to the workers with every fit (as the
        # ``caller`` of its callbacks): leave the fit's transient state behind
        state = dict(super().__getstate__())  # a copy: it may be __dict__ itself
        state.pop("_fit_inputs", None)
        if state.pop("_record", None) is not None:
            # during a fit: only what a fit task needs (see _backends)
            state = _backends.state_for_fit_tasks(state)
        return state

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        spaces = _check_search_spaces(self.search_spaces, self.estimator)
        callbacks = _check_callbacks(self.callbacks)
        n_workers = effective_n_jobs(self.n_jobs)
        _check_parallel_fits(self.estimator, n_workers)
        strategy = self.strategy_ = self._start(spaces, callbacks)
        record = self._record
        record.costs = _dispatch.CostModel(strategy.locate)
        self.stop_reason_ = None
        search_ctx = None
        # no callback to serve: no task tree, which every fit task would carry
        if _sklearn_compat.has_fit_callbacks(callback_ctx, self.estimator):
            search_ctx = callback_ctx.subcontext(
                task_name="search", max_subtasks=None
            ).call_on_fit_task_begin(estimator=self)
        begin = time.perf_counter()
        state = self._state(begin, n_batches=0, batch_size=0, batch_time=0.0)
        begun, completed = [], False
        try:
            for cb in callbacks:
                if isinstance(cb, Callback):
                    cb.on_search_begin(state)
                    begun.append(cb)
            # a replayed search that would have stopped here stops here
            stop = record.n_replayed > 0 and self._notify(callbacks, state)
            n_batches, last = 0, begin
            X, y, _ = getattr(self, "_fit_inputs", (None, None, None))
            with (
                _sklearn_compat.collect_fit_failures(self, record.count_new_fits),
                _backends.data_sent_once(self.n_jobs, X, y, record.splits),
            ):
                while not stop:
                    # asked again at every batch: a cluster may grow or shrink
                    workers = _backends.n_workers(self.n_jobs)
                    n = self._batch_size(workers)
                    batch = strategy.ask(n)
                    if not batch:
                        break
                    order = self._dispatch_order(batch) if workers > 1 else None
                    scores = self._evaluate_batch(
                        evaluate_candidates, batch, search_ctx, order=order, n_workers=workers
                    )
                    self._tell(strategy, batch, scores, _batch_seconds(record.results, len(batch)))
                    record.batches.append((n, scores.tolist()))
                    n_batches += 1
                    now = time.perf_counter()
                    state = self._state(begin, n_batches=n_batches, batch_size=len(batch), batch_time=now - last)
                    stop = self._notify(callbacks, state)
                    last = time.perf_counter()
            if self.stop_reason_ is None:  # no callback stopped the search
                self.stop_reason_ = self._why_done(strategy)
            if record.results is None:
                if record.replayed is None:
                    raise ValueError("The search evaluated no candidate.")
                self._hand_replay_to_sklearn(evaluate_candidates)
            self._judge_fit_failures()
            completed = True
        except BaseException as exc:
            if self.stop_reason_ is None:
                self.stop_reason_ = (
                    f"interrupted by {type(exc).__name__} after {record.n_candidates} candidates."
                )
            raise
        finally:
            for cb in begun:
                cb.on_search_end(state)
            self._publish_record(completed)
            del self._record
        if search_ctx is not None:
            search_ctx.call_on_fit_task_end(estimator=self)

    def _tell(self, strategy, params, scores, seconds):
        """Tell ``strategy`` the scores of evaluated candidates.

        ``seconds``: what each candidate cost, its mean fit and score time
        over the folds (failed fits included). A search whose strategy takes
        costs passes them on; by default they are not told. The loop and the
        replay of a snapshot both tell through here.
        """
        strategy.tell(params, scores)

    def _why_done(self, strategy):
        """Why the loop ended when no callback stopped it (``stop_reason_``)."""
        n = self._record.n_candidates
        if strategy.n_remaining == 0:
            return f"budget spent: {n} candidates evaluated."
        return f"every candidate of the space was proposed: {n} candidates evaluated."

    # -- callbacks -------------------------------------------------------------
    def _state(self, begin, **kwargs):
        strategy = self.strategy_
        remaining = strategy.n_remaining
        return SearchState(
            self,
            list(strategy.history["params"]),
            strategy.history["score"],
            n_planned=None if remaining is None else strategy.n_told + remaining,
            n_replayed=self._record.n_replayed,
            elapsed=time.perf_counter() - begin,
            snapshot=self._snapshot,
            **kwargs,
        )

    def _notify(self, callbacks, state):
        """Call every callback (all of them, also after one asks to stop)."""
        stop = None
        for cb in callbacks:
            if cb(state) and stop is None:
                stop = cb
        if stop is not None:
            if isinstance(stop, Callback):
                self.stop_reason_ = stop.stop_message(state)
            else:
                self.stop_reason_ = (
                    f"callback {getattr(stop, '__name__', repr(stop))} returned True after "
                    f"{state.n_evaluated} candidates."
                )
        return stop is not None

    def _dispatch_order(self, batch):
        """The order in which ``batch`` goes to the workers: predicted slowest first.

        Only the dispatch follows it; the results keep the order proposed
        (see ``_dispatch``).
        """
        return self._record.costs.order(batch)

    def _evaluate_batch(self, evaluate_candidates, batch, search_ctx, order=None, n_workers=1, **kwargs):
        """Evaluate one batch; return its scores (``nan`` where a fit failed).

        ``order`` (a permutation of the batch's indices, or None) is the order
        the candidates are handed to ``evaluate_candidates`` in. On
        ``n_workers`` > 1, joblib groups at most ``len(batch) * n_splits_ /
        (_TASKS_PER_WORKER n_workers)`` fits into one task: every worker gets
        at least ``_TASKS_PER_WORKER`` (8) tasks of the batch where joblib's
        auto-batching would have sent fewer, larger ones (it groups fits
        shorter than 0.2 s, and the batch then waits for its last group).
        """
        record = self._record
        start = record.n_candidates
        if order is None:
            order = range(len(batch))
        offset = len(record.order)
        position = np.empty(len(batch), dtype=int)
        position[list(order)] = np.arange(len(batch))
        record.order.extend(offset + int(p) for p in position)
        batch_ctx = None
        if search_ctx is not None:
            batch_ctx = search_ctx.subcontext(
                task_name="batch",
                max_subtasks=len(batch) * self.n_splits_,
                sequential_subtasks=False,
            ).call_on_fit_task_begin(estimator=self)
            kwargs["callback_ctx"] = batch_ctx
        if "cv" not in kwargs and record.splits is not None:
            kwargs["cv"] = _FixedSplits(record.splits)
        n_fits = len(batch) * self.n_splits_
        grouping = (
            _sklearn_compat.fits_per_task_at_most(evaluate_candidates, n_fits // (_TASKS_PER_WORKER * n_workers))
            if n_workers > 1
            else contextlib.nullcontext()
        )
        try:
            with grouping:
                record.results = evaluate_candidates([batch[i] for i in order], **kwargs)
        except BaseException:
            del record.order[offset:]  # the batch is lost: no rows to put in order
            raise
        finally:
            if batch_ctx is not None:
                batch_ctx.call_on_fit_task_end(estimator=self)
        record.n_candidates += len(batch)
        results = record.results
        metric = self._told_metric(results)
        # a copy: setting failures to nan must not write into cv_results_
        scores = np.array(results[f"mean_test_{metric}"][start:], dtype=float)
        failed = [n > 0 for n, _, _ in record.fit_failures[start:]]
        scores[np.asarray(failed, dtype=bool)] = np.nan
        seconds = _batch_seconds(results, len(batch))
        record.costs.observe(batch, np.where(np.isnan(scores), np.nan, seconds))
        return scores


def _batch_seconds(results, n):
    """Mean fit plus score seconds of the last ``n`` rows of ``results`` (the batch)."""
    start = len(results["mean_fit_time"]) - n
    return np.add(results["mean_fit_time"][start:], results["mean_score_time"][start:])
