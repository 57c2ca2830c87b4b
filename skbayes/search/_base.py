"""The search loop that every skbayes search shares.

scikit-learn's ``BaseSearchCV.fit`` owns scoring, routing, CV splitting, the
``Parallel`` pool, refit and ``cv_results_``; a search only writes
``_run_search(evaluate_candidates)``. Ours asks a strategy for a batch of
candidates, evaluates the batch with ``evaluate_candidates`` and tells the
strategy the scores, until the strategy has nothing more to propose.

Two things scikit-learn's own loop does not do, and this one does:

- A batch whose every fit fails makes ``evaluate_candidates`` raise
  "All the N fits failed" even when ``error_score`` is a number. We catch that,
  record the batch (scores set to ``error_score``, fit times ``nan``) and go on;
  ``fit_errors_`` says what failed. The strategy is told ``nan`` for a failed
  candidate, never ``error_score``.
- When ``fit`` is interrupted (``KeyboardInterrupt`` or any exception) after
  some batches, ``cv_results_`` and ``fit_errors_`` still hold every candidate
  evaluated so far before the exception propagates. Only the batch in flight is
  lost.
"""

import difflib
from abc import abstractmethod

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import clone
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils import check_random_state

from ..space import compile_search_spaces

_ALL_FAILED = "fits failed."


def _is_all_fits_failed(exc):
    msg = str(exc).lstrip()
    return msg.startswith("All the ") and _ALL_FAILED in msg.splitlines()[0]


def _last_line(text):
    lines = [ln for ln in str(text).strip().splitlines() if ln.strip()]
    return lines[-1].strip() if lines else str(text)


class _Record:
    """What one ``fit`` has evaluated, including batches scikit-learn dropped."""

    def __init__(self, error_score):
        self.error_score = error_score
        self.results = None  # the dict evaluate_candidates last returned
        self.last_args = None  # the arguments of the last _format_results call
        self.failed_batches = []  # (start, params, message, more_results)
        self.fit_failures = []  # per candidate: (n_failed_folds, n_folds, message)
        self.n_candidates = 0

    def merge(self, candidate_params, n_splits, out, more_results):
        """Insert the batches that failed whole at their place in the lists."""
        if not self.failed_batches:
            return candidate_params, out, more_results
        candidate_params, out = list(candidate_params), list(out)
        more_results = {k: list(v) for k, v in (more_results or {}).items()}
        for start, params, message, more in self.failed_batches:
            records = [
                _failed_fit_record(out[k], message, self.error_score)
                for _ in params
                for k in range(n_splits)
            ]
            candidate_params[start:start] = params
            out[start * n_splits : start * n_splits] = records
            for key, values in (more or {}).items():
                more_results.setdefault(key, [])[start:start] = values
        return candidate_params, out, more_results

    def note_failures(self, out, n_splits):
        errors = [o["fit_error"] for o in out]
        self.fit_failures = []
        for i in range(len(errors) // n_splits):
            folds = [e for e in errors[i * n_splits : (i + 1) * n_splits] if e is not None]
            message = _last_line(folds[0]) if folds else None
            self.fit_failures.append((len(folds), n_splits, message))

    def fit_errors(self):
        return {
            i: f"{n} of {k} fits failed: {msg}"
            for i, (n, k, msg) in enumerate(self.fit_failures)
            if n > 0
        }


def _failed_fit_record(template, message, error_score):
    """A result of ``_fit_and_score`` for a fit that failed, shaped like ``template``."""
    record = {}
    for key, value in template.items():
        if key in ("test_scores", "train_scores"):
            record[key] = (
                {name: error_score for name in value} if isinstance(value, dict) else error_score
            )
        elif key in ("fit_time", "score_time"):
            record[key] = np.nan
        elif key == "fit_error":
            record[key] = message
        else:
            record[key] = value
    return record


class BaseSearch(BaseSearchCV):
    """Base class of skbayes' searches: a strategy inside ``BaseSearchCV``.

    Subclasses declare their parameters and write ``_make_strategy``; the loop,
    failure handling and partial results live here.

    Warning: this class should not be used directly. Use derived classes.
    """

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "search_spaces": [dict, list],
        "random_state": ["random_state"],
    }

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

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        spaces = self._check_search_spaces()
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        strategy = self._make_strategy(spaces, np.random.default_rng(seed))
        self.strategy_ = strategy
        n_workers = effective_n_jobs(self.n_jobs)
        record = self._record = _Record(self.error_score)
        search_ctx = None
        if callback_ctx is not None:
            search_ctx = callback_ctx.subcontext(
                task_name="search", max_subtasks=None
            ).call_on_fit_task_begin(estimator=self)
        try:
            while True:
                batch = strategy.ask(self._batch_size(n_workers))
                if not batch:
                    break
                scores = self._evaluate_batch(evaluate_candidates, batch, search_ctx)
                strategy.tell(batch, scores)
            if record.results is None:
                raise ValueError(
                    f"All the {record.n_candidates} candidates failed on every "
                    f"fold.\n{record.failed_batches[-1][2]}"
                )
        finally:
            self._publish_record()
            del self._record
        if search_ctx is not None:
            search_ctx.call_on_fit_task_end(estimator=self)

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
        try:
            record.results = evaluate_candidates(batch, **kwargs)
        except ValueError as exc:
            if self.error_score == "raise" or not _is_all_fits_failed(exc):
                raise
            record.failed_batches.append((start, list(batch), str(exc), kwargs.get("more_results")))
            record.n_candidates += len(batch)
            self._refresh_results()
            return np.full(len(batch), np.nan)
        finally:
            if batch_ctx is not None:
                batch_ctx.call_on_fit_task_end(estimator=self)
        record.n_candidates += len(batch)
        metric = self._told_metric(record.results)
        scores = np.asarray(record.results[f"mean_test_{metric}"][start:], dtype=float)
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

    def _refresh_results(self):
        """Bring the last results dict up to date with batches that failed whole.

        ``BaseSearchCV.fit`` stores the dict object that ``evaluate_candidates``
        last returned as ``cv_results_``; updating it in place is how a batch
        that failed after the last successful one still appears there.
        """
        record = self._record
        if record.results is None or record.last_args is None:
            return
        fresh = self._format_results(*record.last_args)
        record.results.clear()
        record.results.update(fresh)

    def _publish_record(self):
        """Expose what was evaluated, also when the search was interrupted."""
        record = self._record
        if record.results is not None:
            self.cv_results_ = record.results
        self.fit_errors_ = record.fit_errors()

    def _format_results(self, candidate_params, n_splits, out, more_results=None):
        record = getattr(self, "_record", None)
        if record is not None:
            record.last_args = (candidate_params, n_splits, out, more_results)
            candidate_params, out, more_results = record.merge(
                candidate_params, n_splits, out, more_results
            )
            record.note_failures(out, n_splits)
        return super()._format_results(candidate_params, n_splits, out, more_results)


def _check_estimator_accepts(estimator, sample, where):
    """Raise a clear error if the estimator does not take a parameter of ``sample``.

    ``set_params`` is the test (not ``get_params``): skorch nets accept
    ``module__*`` parameters that are not listed until they are set.
    """
    try:
        clone(estimator).set_params(**sample)
        return
    except Exception as exc:  # noqa: BLE001 - re-raised below with context
        original = exc
    valid = sorted(clone(estimator).get_params(deep=True))
    for name, value in sample.items():
        try:
            clone(estimator).set_params(**{name: value})
        except Exception:  # noqa: BLE001
            hint = _suggest(estimator, name, value, valid)
            raise ValueError(
                f"{where}: {name!r} is not a parameter of "
                f"{type(estimator).__name__}{hint}. Valid parameters are: {valid}."
            ) from original
    raise ValueError(
        f"{where}: the estimator refused a candidate {sample!r}: {original}"
    ) from original


def _suggest(estimator, name, value, valid):
    """A name close to ``name`` that the estimator accepts, as a hint."""
    prefixes = {v.split("__")[0] for v in valid if "__" in v}
    prefixes |= set(getattr(estimator, "prefixes_", ()))  # skorch's routed prefixes
    guesses = [
        p + "__" + name[len(p) + 1 :]
        for p in sorted(prefixes, key=len, reverse=True)
        if name.startswith(p + "_") and not name.startswith(p + "__") and len(name) > len(p) + 1
    ]
    guesses += difflib.get_close_matches(name, valid, n=3, cutoff=0.5)
    for guess in guesses:
        try:
            clone(estimator).set_params(**{guess: value})
        except Exception:  # noqa: BLE001
            continue
        return f" (did you mean {guess!r}?)"
    return ""
