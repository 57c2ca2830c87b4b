"""What one ``fit`` of a search has evaluated: the record the loop keeps.

``BaseSearchCV.fit`` builds ``cv_results_`` from the lists that
``evaluate_candidates`` fills; the record holds, beside them, what scikit-learn
does not keep: the candidates replayed from a snapshot, the failures per
candidate, the splits, the root seed and the user's own objects among the
values of the space.
"""

import re
import warnings

from ..callbacks import _checkpoint
from . import _dispatch, _sklearn_compat

# scikit-learn warns about non-finite mean scores each time it formats the
# results, that is after every batch: once per fit is enough
_NON_FINITE = re.compile(r"One or more of the \w+ scores are non-finite")


def _last_line(text):
    lines = [ln for ln in str(text).strip().splitlines() if ln.strip()]
    return lines[-1].strip() if lines else str(text)


class _Record:
    """What one ``fit`` has evaluated."""

    def __init__(self, error_score):
        self.error_score = error_score
        self.results = None  # the dict evaluate_candidates last returned
        self.fit_failures = []  # per candidate: (n_failed_folds, n_folds, message)
        self.n_new_fits = 0  # fits evaluated by this fit (not replayed)
        self.seed = None  # the root seed the strategy was built from
        self.user_values = None  # the user's objects among the space's values
        self.warnings = []  # the non-finite-score warning of the last formatting
        self.n_candidates = 0
        # every batch told to the strategy, in order: (n asked for, scores
        # told), what a resumed search rebuilds its strategy from
        self.batches = []
        self.replayed = None  # (params, out, more_results) taken from a snapshot
        self.merged = None  # the lists of the last _format_results, merged
        self.splits = None  # the CV splits of this fit: list of (train, test)
        self.n_replayed = 0
        self.fingerprint = {}  # settings_fingerprint of the search
        self.data = None  # data_fingerprint of X, y and the fit parameters
        self.n_samples = None
        # positions in scikit-learn's lists of this fit's candidates, in the
        # order proposed (each batch is dispatched slowest first, _dispatch)
        self.order = []
        self.costs = None  # _dispatch.CostModel of this fit

    def count_new_fits(self, out):
        """Collector of a batch's ``_fit_and_score`` results (see ``_sklearn_compat``)."""
        self.n_new_fits += len(out)

    def replay(self, snapshot):
        """Take over what a snapshot evaluated; it is merged before new batches."""
        params, out = list(snapshot["params"]), list(snapshot["out"])
        if params:
            self.replayed = (params, out, {k: list(v) for k, v in snapshot["more_results"].items()})
        self.n_candidates = self.n_replayed = snapshot["n_candidates"]
        self.batches = [(n, list(scores)) for n, scores in snapshot["batches"]]

    def packed_splits(self):
        """The splits as :func:`skbayes.callbacks._checkpoint.pack_splits` stores them (cached)."""
        if self.splits is None:
            return None
        if getattr(self, "_packed", (None,))[0] is not self.splits:
            self._packed = (self.splits, _checkpoint.pack_splits(self.splits, self.n_samples))
        return self._packed[1]

    def evaluated(self):
        """``(params, out, more_results)`` of every candidate so far."""
        for found in (self.merged, self.replayed):
            if found is not None:
                params, out, more = found
                return list(params), list(out), {k: list(v) for k, v in more.items()}
        return [], [], {}

    def merge(self, candidate_params, out, more_results):
        """Put the replayed candidates before those of this fit."""
        if self.replayed is None:
            return candidate_params, out, more_results
        candidate_params, out = list(candidate_params), list(out)
        more_results = {k: list(v) for k, v in (more_results or {}).items()}
        if self.replayed is not None:
            r_params, r_out, r_more = self.replayed
            candidate_params = r_params + candidate_params
            out = r_out + out
            for key in set(r_more) | set(more_results):
                more_results[key] = list(r_more.get(key, [])) + more_results.get(key, [])
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


class _Recording:
    """How :class:`~skbayes.search.BaseSearch` keeps its record in step with scikit-learn.

    ``BaseSearchCV.fit`` formats ``cv_results_`` from its own lists after
    every batch; these methods put the replayed candidates before them,
    note the failures, judge them once per fit and expose what was
    evaluated, also when the fit is interrupted.
    """

    def _format_results(self, candidate_params, n_splits, out, more_results=None):
        record = getattr(self, "_record", None)
        if record is None:
            return super()._format_results(candidate_params, n_splits, out, more_results)
        candidate_params, out, more_results = _dispatch.reorder(
            record.order, n_splits, candidate_params, out, more_results
        )
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

    def _told_metric(self, results):
        """Name of the metric the strategy optimises (the refit metric)."""
        if isinstance(self.refit, str) and f"mean_test_{self.refit}" in results:
            return self.refit
        if "mean_test_score" in results:
            return "score"
        # multimetric with a callable or False refit: the first scorer
        return next(k for k in results if k.startswith("mean_test_"))[len("mean_test_"):]

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


def _score_failed_fits_per_metric(out, error_score):
    """Give failed fits one ``error_score`` per metric, as the fits that succeeded have.

    With a callable ``scoring`` that returns a dict, scikit-learn learns the
    metrics' names from a fit that succeeded in the same batch; a batch whose
    every fit failed has none, so its scores are single numbers until a later
    batch tells the names.
    """
    template = next((o["test_scores"] for o in out if isinstance(o["test_scores"], dict)), None)
    if template is None:
        return
    for o in out:
        if o["fit_error"] is not None and not isinstance(o["test_scores"], dict):
            o["test_scores"] = {name: error_score for name in template}
            if "train_scores" in o:
                o["train_scores"] = {name: error_score for name in template}


def _user_values(space):
    """The values of a space that are the user's own objects (categories, fixed values)."""
    yield from space.fixed.values()
    for dim in space.dimensions:
        if dim.is_finite and not dim.is_numeric:
            yield from dim.values()
