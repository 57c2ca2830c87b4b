"""How a search resumes: the snapshot it keeps, and the checks before it continues one.

A snapshot (a checkpoint file's entry, or a fitted search's own record for
``warm_start``) is plain data: what was evaluated, the batches told to the
strategy, the splits, the root seed and fingerprints of the settings and the
data. These are the methods of :class:`~skbayes.search.BaseSearch` that
write one and that start a fit from one, rebuilding the strategy by
replaying the batches.
"""

import contextlib
import numbers
import warnings

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_method_params, _num_samples, indexable

from ..callbacks import _checkpoint
from ..callbacks import Callback
from ..space import compile_search_spaces
from ..strategies._base import Strategy
from ._record import _Record, _user_values


class _Resumable:
    """Snapshots and resuming, for :class:`~skbayes.search.BaseSearch`."""

    def _data_fingerprint(self):
        inputs = getattr(self, "_fit_inputs", None)
        return None if inputs is None else _checkpoint.data_fingerprint(*inputs)

    def _data_key(self):
        """The fingerprint of this fit's data (what a checkpoint entry is filed under)."""
        record = getattr(self, "_record", None)
        return record.data if record is not None else self._data_fingerprint()

    def _compute_splits(self):
        """The CV splits of this fit, computed as ``BaseSearchCV.fit`` does."""
        inputs = getattr(self, "_fit_inputs", None)
        if inputs is None:  # _run_search called without our fit
            return None
        X, y, params = inputs
        X, y = indexable(X, y)
        params = _check_method_params(X, params=params)
        routed = self._get_routed_params_for_fit(params)
        self._record.n_samples = _num_samples(X)
        return [
            (np.asarray(train), np.asarray(test))
            for train, test in self._checked_cv_orig.split(X, y, **routed.splitter.split)
        ]

    def _start(self, spaces, callbacks):
        """This fit's record and strategy: fresh, or rebuilt from a snapshot.

        The snapshot is the fitted search's own with ``warm_start=True``, else
        the first a callback restores (a checkpoint).
        """
        own = self.__dict__.get("_search_record_")
        record = self._record = _Record(self.error_score)
        record.user_values = self._user_values(spaces)
        record.fingerprint = _checkpoint.settings_fingerprint(self)
        record.data = self._data_fingerprint()
        record.splits = self._compute_splits()
        snapshot = own if self.warm_start else None
        for cb in callbacks if snapshot is None else ():
            snapshot = cb.restore(self) if isinstance(cb, Callback) else None
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
        return strategy

    def _start_strategy(self, spaces, seed, snapshot):
        """A new strategy: fresh, the snapshot's (resume) or one extending it (warm start).

        A snapshot holds no strategy: the strategy is rebuilt by replaying
        the snapshot's batches, asking for each and telling it the recorded
        scores, which leaves it as the search that never stopped left it
        (asks are deterministic given the seed and what was told).
        """
        if snapshot is None:
            return self._make_strategy(spaces, np.random.default_rng(seed))
        extend = self._check_snapshot(snapshot)
        record = self._record
        if snapshot.get("splits") is not None:
            record.splits = _checkpoint.unpack_splits(snapshot["splits"])
        record.replay(snapshot)
        params = record.replayed[0] if record.replayed is not None else []
        out = record.replayed[1] if record.replayed is not None else []
        seconds = _seconds_per_candidate(out, len(params))
        with self._budget(snapshot["budget"] if extend else {}):
            previous = self._replayed_strategy(spaces, seed, params, record.batches, seconds)
        if not extend:
            return previous
        strategy = self._make_strategy(spaces, np.random.default_rng(seed))
        strategy.warm_start(previous)
        return strategy

    def _replayed_strategy(self, spaces, seed, params, batches, seconds=None):
        """A strategy told ``batches`` (``(n asked for, scores)``) of ``params``, in order.

        ``seconds`` (one per candidate, from the recorded fit and score
        times) are told as the loop told them (see ``_tell``).
        """
        if seconds is None:
            seconds = np.full(len(params), np.nan)
        strategy = self._make_strategy(spaces, np.random.default_rng(seed))
        start = 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # said when they were first proposed
            for n, scores in batches:
                told = params[start : start + len(scores)]
                cost = seconds[start : start + len(scores)]
                start += len(scores)
                asked = strategy.ask(n)
                if not _same_candidates(asked, told):
                    break
                self._tell(strategy, told, scores, cost)
            else:
                return strategy
        # not proposed again as recorded (a checkpoint of another version of
        # skbayes, or other floating-point arithmetic): the candidates keep
        # their results, and a strategy that knows their scores goes on
        warnings.warn(
            "The candidates of the snapshot are not those this strategy proposes "
            "again (written by another version of skbayes, or on another machine?); "
            f"their {len(params)} results are kept, and the search continues from "
            "their scores instead of exactly as it would have.",
            UserWarning,
        )
        told = self._make_strategy(spaces, np.random.default_rng(seed))
        if params:
            Strategy.tell(told, params, [s for _, scores in batches for s in scores])
            if "cost" in told.history:  # an optimizer that keeps costs keeps these
                told.history["cost"] = [float(c) for c in seconds]
        strategy = self._make_strategy(spaces, np.random.default_rng(seed))
        strategy.warm_start(told)
        return strategy

    @contextlib.contextmanager
    def _budget(self, budget):
        """Set the budget parameters (``n_iter``, ...) to ``budget`` for a while."""
        saved = {k: getattr(self, k) for k in budget}
        try:
            for k, v in budget.items():
                setattr(self, k, v)
            yield
        finally:
            for k, v in saved.items():
                setattr(self, k, v)

    def _check_snapshot(self, snapshot):
        """Raise if the snapshot cannot be resumed; return True to extend it."""
        record, source = self._record, snapshot.get("source", "the previous fit")
        own = source == "the previous fit"
        advice = (
            "Set warm_start=False to start over."
            if own
            else "Fit the same search to resume it, or delete the file (or pass "
            "CheckpointSaver(..., resume=False)) to start over."
        )
        name = type(self).__name__
        if snapshot.get("search") != name:
            raise ValueError(
                f"{source} was written by {snapshot.get('search')}, not {name}; it "
                f"cannot be resumed. {advice}"
            )
        if None not in (snapshot.get("data"), record.data) and snapshot["data"] != record.data:
            raise ValueError(
                f"{source} was fitted on other data (X, y or fit parameters differ); "
                f"it cannot be resumed on this data. {advice}"
            )
        if snapshot.get("n_splits") is not None and snapshot["n_splits"] != self.n_splits_:
            raise ValueError(
                f"{source} used {snapshot['n_splits']} CV splits; this search uses "
                f"{self.n_splits_}. {advice}"
            )
        old, new = snapshot["settings"], record.fingerprint
        differ = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        settings = [k for k in differ if k not in self._budget_params]
        if settings:
            raise ValueError(
                f"{source} was written by a search with other settings: "
                f"{', '.join(settings)} differ. {advice}"
            )
        if differ and not self.warm_start:
            budget = ", ".join(f"{k}={snapshot['budget'].get(k)!r}" for k in differ)
            raise ValueError(
                f"{source} was written by a search with {budget}. Set "
                f"warm_start=True to extend it to this search's budget. {advice}"
            )
        return bool(differ)

    def _user_values(self, spaces=None):
        """The user's own objects among the values of the space (estimators, ...).

        Plain values (numbers, strings, None) are left out: they compare by
        value, so copies of them are as good.
        """
        record = getattr(self, "_record", None)
        if spaces is None and record is not None and record.user_values is not None:
            return record.user_values  # this fit's
        if spaces is None:
            spaces = compile_search_spaces(self.search_spaces)
        plain = (str, bytes, numbers.Number, type(None))
        return [v for space in spaces for v in _user_values(space) if not isinstance(v, plain)]

    def _snapshot(self):
        """Everything needed to resume this fit (what a checkpoint holds)."""
        record = self._record
        params, out, more = record.evaluated()
        return {
            "search": type(self).__name__,
            "settings": dict(record.fingerprint),
            "budget": {k: v for k, v in self.get_params(deep=False).items() if k in self._budget_params},
            "data": record.data,
            "n_splits": self.n_splits_,
            "splits": record.packed_splits(),
            "n_candidates": record.n_candidates,
            "seed": record.seed,
            "params": params,
            "out": out,
            "more_results": more,
            "batches": [(n, list(scores)) for n, scores in record.batches],
        }


def _seconds_per_candidate(out, n):
    """Mean fit plus score seconds of each of ``n`` candidates, from their fold results.

    ``out`` holds scikit-learn's results of every fold, candidate by
    candidate (as ``cv_results_``'s ``mean_fit_time`` and
    ``mean_score_time`` are made); ``nan`` where they are missing.
    """
    if n == 0 or len(out) % n:
        return np.full(n, np.nan)
    k = len(out) // n
    times = np.array(
        [float(o.get("fit_time", np.nan)) + float(o.get("score_time", np.nan)) for o in out]
    )
    return times.reshape(n, k).mean(axis=1)


def _same_candidates(asked, told):
    """Whether two lists of candidates hold the same values, in order."""
    if len(asked) != len(told):
        return False
    try:
        return all(bool(a == t) for a, t in zip(asked, told))
    except Exception:  # noqa: BLE001 - values whose == is not a bool
        return False
