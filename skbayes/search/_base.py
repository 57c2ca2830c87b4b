"""The search loop that every skbayes search shares.

scikit-learn's ``BaseSearchCV.fit`` owns scoring, routing, CV splitting, the
``Parallel`` pool, refit and ``cv_results_``; a search only writes
``_run_search(evaluate_candidates)``. Ours asks a strategy for a batch of
candidates, evaluates the batch with ``evaluate_candidates`` and tells the
strategy the scores, until the strategy has nothing more to propose.

Two things scikit-learn's own loop does not do, and this one does:

- Fit failures are judged once per ``fit``, over all its batches, as
  ``GridSearchCV`` judges its one batch: a ``FitFailedWarning`` saying how
  many fits failed and why when some did, "All the N fits failed" when every
  fit did. (scikit-learn would judge every batch, so a batch whose every fit
  failed, always the case with one candidate per batch, would end the
  search.) Failed fits keep their times in ``cv_results_``; ``fit_errors_``
  says what failed. The strategy is told ``nan`` for a failed candidate,
  never ``error_score``.
- When ``fit`` is interrupted (``KeyboardInterrupt`` or any exception) after
  some batches, ``cv_results_`` and ``fit_errors_`` still hold every candidate
  evaluated so far before the exception propagates. Only the batch in flight is
  lost.

And the loop around it (issue 7):

- ``callbacks`` are called after every batch with a
  :class:`~skbayes.callbacks.SearchState`; one returning True stops the search.
- The CV splits are computed once per fit and every batch is evaluated on
  them, so that candidates are compared on the same folds (also with a
  splitter that shuffles without a seed) and a resumed search uses the folds
  of the first run.
- A search resumes from a snapshot (a checkpoint file, or the fitted search's
  own record with ``warm_start=True``): the snapshot's raw per-fold results are
  *replayed*, that is inserted before the new ones into the lists
  scikit-learn builds ``cv_results_`` from (``_Record.merge``), so nothing is
  refitted and ``cv_results_`` is the same as if the search had never
  stopped.
"""

import numbers
import re
import time
import warnings
from abc import abstractmethod

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import is_classifier
from sklearn.model_selection import check_cv
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_method_params, indexable

from .. import _checkpoint
from ..callbacks import Callback, SearchState
from ..space import compile_search_spaces
from . import _diagnostics, _sklearn_compat
from ._checks import _check_callbacks, _check_estimator_accepts, _check_parallel_fits
from ._record import _Record, _score_failed_fits_per_metric
from ._resume import _Resumable
from ._splits import _FixedSplits

# scikit-learn warns about non-finite mean scores each time it formats the
# results, that is after every batch: once per fit is enough
_NON_FINITE = re.compile(r"One or more of the \w+ scores are non-finite")


class BaseSearch(_Resumable, BaseSearchCV):
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
        import inspect

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
    def _check_search_spaces(self):
        spaces = compile_search_spaces(self.search_spaces)
        for i, space in enumerate(spaces):
            where = "search_spaces" if isinstance(self.search_spaces, dict) else f"search_spaces[{i}]"
            sample = space.from_unit(np.full((1, space.n_dims), 0.5))[0]
            _check_estimator_accepts(self.estimator, sample, where)
        return spaces

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
        cv = self.cv
        try:
            if not _sklearn_compat.SKLEARN_CHECKS_CV:
                self._check_cv_as_sklearn_does(X, y, params)
                if not (cv is None or isinstance(cv, numbers.Integral) or hasattr(cv, "split")):
                    # a one-shot iterable of splits is spent: scikit-learn's
                    # own check_cv gets the re-iterable one made from it
                    self.cv = self._checked_cv_orig
            super().fit(X, y, **params)
        finally:
            self.cv = cv
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

    def _check_cv_as_sklearn_does(self, X, y, params):
        # scikit-learn >= 1.7 sets ``_checked_cv_orig`` and calls the
        # ``_check_input_parameters`` hook in ``BaseSearchCV.fit``; do the
        # same on older versions, which check the cv inside ``fit`` only.
        self._validate_params()
        X, y = indexable(X, y)
        params = _check_method_params(X, params=params)
        self._checked_cv_orig = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        routed = self._get_routed_params_for_fit(params)
        hook = getattr(self, "_check_input_parameters", None)
        if hook is not None:
            hook(X=X, y=y, split_params=routed.splitter.split)
        self.n_splits_ = self._checked_cv_orig.get_n_splits(X, y, **routed.splitter.split)

    def __getstate__(self):
        # scikit-learn sends the search to the workers with every fit (as the
        # ``caller`` of its callbacks): leave the fit's transient state behind
        state = dict(super().__getstate__())  # a copy: it may be __dict__ itself
        state.pop("_fit_inputs", None)
        if state.pop("_record", None) is not None:
            # during a fit, the strategy (a fitted surrogate) and the previous
            # fit's record are not the workers' business either: what a fit
            # task ships stays as small as the search's parameters
            state.pop("strategy_", None)
            state.pop("_search_record_", None)
        return state

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        spaces = self._check_search_spaces()
        callbacks = _check_callbacks(self.callbacks)
        own = self.__dict__.get("_search_record_")
        n_workers = effective_n_jobs(self.n_jobs)
        _check_parallel_fits(self.estimator, n_workers)
        record = self._record = _Record(self.error_score)
        record.user_values = self._user_values(spaces)
        record.fingerprint = _checkpoint.settings_fingerprint(self)
        record.data = self._data_fingerprint()
        record.splits = self._compute_splits()
        snapshot = own if self.warm_start else None
        if snapshot is None:
            for cb in callbacks:
                if isinstance(cb, Callback):
                    snapshot = cb.restore(self)
                    if snapshot is not None:
                        break
        # the root seed of the search: drawn once, kept in the snapshot, so that
        # a search extended by warm_start replays its first proposals also
        # with random_state=None
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        if snapshot is not None and snapshot.get("seed") is not None:
            seed = snapshot["seed"]
        record.seed = seed
        try:
            strategy = self._start_strategy(spaces, seed, snapshot)
        except BaseException:
            del self._record  # a snapshot that cannot be resumed: nothing ran
            raise
        # the previous fit's record now lives on in this fit's (a refused
        # snapshot above leaves it in place, for a retry on the right data)
        self.__dict__.pop("_search_record_", None)
        self.strategy_ = strategy
        self.stop_reason_ = None
        search_ctx = None
        if callback_ctx is not None:
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
            with _sklearn_compat.collect_fit_failures(self, record.count_new_fits):
                while not stop:
                    n = self._batch_size(n_workers)
                    batch = strategy.ask(n)
                    if not batch:
                        break
                    scores = self._evaluate_batch(evaluate_candidates, batch, search_ctx)
                    strategy.tell(batch, scores)
                    record.batches.append((n, scores.tolist()))
                    n_batches += 1
                    now = time.perf_counter()
                    state = self._state(begin, n_batches=n_batches, batch_size=len(batch), batch_time=now - last)
                    stop = self._notify(callbacks, state)
                    last = time.perf_counter()
            if record.results is None:
                if record.replayed is None:
                    raise ValueError("The search evaluated no candidate.")
                self._hand_replay_to_sklearn(evaluate_candidates)
            self._judge_fit_failures()
            completed = True
        finally:
            for cb in begun:
                cb.on_search_end(state)
            self._publish_record(completed)
            del self._record
        if search_ctx is not None:
            search_ctx.call_on_fit_task_end(estimator=self)

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

    def _hand_replay_to_sklearn(self, evaluate_candidates):
        """Give scikit-learn the replayed candidates when no batch was evaluated.

        ``BaseSearchCV.fit`` builds ``cv_results_`` from lists that only
        ``evaluate_candidates`` fills; a resumed search with nothing left to
        evaluate fills them through :func:`_sklearn_compat.hand_over_results`.
        """
        record = self._record
        params, out, more = record.merge([], [], {})
        record.replayed = None
        record.results = _sklearn_compat.hand_over_results(
            evaluate_candidates,
            params,
            out,
            more,
            lambda p, o, m: self._format_results(p, self.n_splits_, o, m),
        )

    def _judge_fit_failures(self):
        """Warn once about the failed fits of this fit, or raise if all failed.

        Also says once, if scikit-learn said it while formatting the results,
        that some mean scores are not finite.
        """
        record = self._record
        for w in record.warnings:
            warnings.warn(w.message, w.category)
        params, out, _ = record.evaluated()
        if not record.n_new_fits:
            return
        try:
            _sklearn_compat.judge_fit_failures(out, self.error_score)
        except ValueError as exc:  # scikit-learn's "All the N fits failed"
            raise ValueError(f"All the {len(params)} candidates failed on every fold.{exc}") from None

    def _evaluate_batch(self, evaluate_candidates, batch, search_ctx, **kwargs):
        """Evaluate one batch; return its scores (``nan`` where a fit failed)."""
        record = self._record
        start = record.n_candidates
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
        try:
            record.results = evaluate_candidates(batch, **kwargs)
        finally:
            if batch_ctx is not None:
                batch_ctx.call_on_fit_task_end(estimator=self)
        record.n_candidates += len(batch)
        metric = self._told_metric(record.results)
        # a copy: setting failures to nan must not write into cv_results_
        scores = np.array(record.results[f"mean_test_{metric}"][start:], dtype=float)
        failed = [n > 0 for n, _, _ in record.fit_failures[start:]]
        scores[np.asarray(failed, dtype=bool)] = np.nan
        return scores

    def _told_metric(self, results):
        """Name of the metric the strategy optimises (the refit metric)."""
        if isinstance(self.refit, str) and f"mean_test_{self.refit}" in results:
            return self.refit
        if "mean_test_score" in results:
            return "score"
        # multimetric with a callable or False refit: the first scorer
        return next(k for k in results if k.startswith("mean_test_"))[len("mean_test_"):]

    def _publish_record(self, completed=True):
        """Expose what was evaluated, also when the search was interrupted.

        A completed search also keeps its snapshot, which ``warm_start``
        continues (an interrupted one may have asked for a batch it was never
        told the scores of, so it keeps none: resume it from a checkpoint).
        """
        record = self._record
        if record.results is not None:
            self.cv_results_ = record.results
            if completed:
                self._search_record_ = self._snapshot()
        self.fit_errors_ = record.fit_errors()
        self.n_replayed_ = record.n_replayed

    def _format_results(self, candidate_params, n_splits, out, more_results=None):
        record = getattr(self, "_record", None)
        if record is None:
            return super()._format_results(candidate_params, n_splits, out, more_results)
        candidate_params, out, more_results = record.merge(candidate_params, out, more_results)
        record.merged = (candidate_params, out, more_results or {})
        _score_failed_fits_per_metric(out, self.error_score)
        record.note_failures(out, n_splits)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results = super()._format_results(candidate_params, n_splits, out, more_results)
        record.warnings = []
        for w in caught:
            if issubclass(w.category, UserWarning) and _NON_FINITE.match(str(w.message)):
                record.warnings.append(w)  # said once, by _judge_fit_failures
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return results
