"""What a callback sees after a batch (:class:`SearchState`) and the base class of callbacks."""

import numpy as np

class SearchState:
    """What a callback sees after a batch.

    Attributes
    ----------
    search : BaseSearch
        The search being fitted. ``search.strategy_`` is its strategy.
    params : list of dict
        Every candidate evaluated so far, in evaluation order (those taken
        from a checkpoint or an earlier fit included).
    scores : ndarray of shape (n_evaluated,)
        Their scores in the metric the search optimises (the refit metric,
        greater is better); ``nan`` where a fit failed.
    n_evaluated : int
        ``len(params)``.
    n_planned : int or None
        Candidates the search will have evaluated when its strategy runs out
        (None when it does not say).
    n_replayed : int
        Candidates taken from a checkpoint or an earlier fit, not refitted.
    n_batches : int
        Batches evaluated by this fit (replayed ones not counted).
    batch_size : int
        Candidates in the last batch (0 before the first one).
    batch_time : float
        Seconds the last batch took, proposing included (0 before the first).
    elapsed : float
        Seconds since the search began (after the replay of a checkpoint).
    """

    def __init__(self, search, params, scores, *, n_planned, n_replayed, n_batches, batch_size, batch_time, elapsed, snapshot):
        self.search = search
        self.params = params
        self.scores = np.asarray(scores, dtype=float)
        self.n_evaluated = len(params)
        self.n_planned = n_planned
        self.n_replayed = n_replayed
        self.n_batches = n_batches
        self.batch_size = batch_size
        self.batch_time = batch_time
        self.elapsed = elapsed
        self._snapshot = snapshot

    @property
    def best_index(self):
        """Index of the best candidate so far (None if every fit failed)."""
        if not np.any(np.isfinite(self.scores)):
            return None
        return int(np.nanargmax(self.scores))

    @property
    def best_score(self):
        """Best score so far (``nan`` if there is none)."""
        i = self.best_index
        return np.nan if i is None else float(self.scores[i])

    @property
    def best_params(self):
        """Parameters of the best candidate so far (None if there is none)."""
        i = self.best_index
        return None if i is None else self.params[i]

    def snapshot(self):
        """Everything needed to resume the search, as a picklable dict."""
        return self._snapshot()


class Callback:
    """Base class of callbacks with hooks (all optional).

    A subclass overrides any of :meth:`on_search_begin`,
    :meth:`on_batch_end` (return True to stop) and :meth:`on_search_end`.
    """

    def on_search_begin(self, state):
        """Called once, before the first batch (``state`` holds any replayed candidates)."""

    def on_batch_end(self, state):
        """Called after every batch; return True to stop the search."""
        return False

    def on_search_end(self, state):
        """Called once when the loop ends, also when it is interrupted."""

    def stop_message(self, state):
        """Why this callback stopped the search (stored in ``stop_reason_``)."""
        return f"{type(self).__name__} stopped the search after {state.n_evaluated} candidates."

    def restore(self, search):
        """A snapshot to resume from (a dict), or None to start afresh."""
        return None

    def __call__(self, state):
        return self.on_batch_end(state)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"
