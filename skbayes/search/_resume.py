"""How a search resumes: the snapshot it keeps, and the checks before it continues one.

A snapshot (a checkpoint file, or a fitted search's own record for
``warm_start``) holds what was evaluated, the splits, the root seed and the
strategy; these are the methods of :class:`~skbayes.search.BaseSearch` that
write one and that start a fit from one.
"""

import copy
import numbers

import numpy as np
from sklearn.utils.validation import _check_method_params, _num_samples, indexable

from .. import _checkpoint
from ..space import compile_search_spaces
from ._record import _user_values


class _Resumable:
    """Snapshots and resuming, for :class:`~skbayes.search.BaseSearch`."""

    def _data_fingerprint(self):
        inputs = getattr(self, "_fit_inputs", None)
        return None if inputs is None else _checkpoint.data_fingerprint(*inputs)

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

    def _start_strategy(self, spaces, rng, snapshot):
        """A new strategy, the snapshot's (resume) or one extending it (warm start)."""
        if snapshot is None:
            return self._make_strategy(spaces, rng)
        extend = self._check_snapshot(snapshot)
        record = self._record
        if snapshot.get("splits") is not None:
            record.splits = _checkpoint.unpack_splits(snapshot["splits"])
        record.replay(snapshot)
        # a copy, so that resuming does not change the snapshot, that keeps
        # the user's own values (estimators as categories) as they are
        keep = {id(v): v for v in record.user_values}
        previous = copy.deepcopy(snapshot["strategy"], memo=keep)
        if not extend:
            return previous
        strategy = self._make_strategy(spaces, rng)
        strategy.warm_start(previous)
        return strategy

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
            "strategy": self.strategy_,
        }
