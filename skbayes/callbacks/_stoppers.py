"""Callbacks that stop a search: at a deadline, without improvement, at a target score."""

import math

import numpy as np

from ._base import Callback

class DeadlineStopper(Callback):
    """Stop the search so that no batch starts past a deadline.

    The clock starts when the search begins. After each batch, the search stops
    if ``total_time`` seconds have passed; the batch running when the deadline
    passes is therefore the only one that runs past it (by less than one
    batch). With ``anticipate=True`` it also stops when the next batch would
    likely end past the deadline (it takes as long as the longest so far), so
    that the search usually ends before the deadline, at the cost of leaving
    some time unused. ``stop_reason_`` of the search says by how much the last
    batch overran.

    Parameters
    ----------
    total_time : float
        Seconds the search may start batches for.
    anticipate : bool, default=False
        Also stop when the longest batch so far would not fit in the time left.

    Attributes
    ----------
    overrun_ : float
        Set when the search ends: seconds by which the last batch ran past the
        deadline (0.0 if the search ended before it).
    elapsed_ : float
        Seconds from the start of the search to the end of its last batch.

    Examples
    --------
    >>> from skbayes.callbacks import DeadlineStopper
    >>> stopper = DeadlineStopper(total_time=3600)  # one hour
    """

    def __init__(self, total_time, *, anticipate=False):
        self.total_time = total_time
        self.anticipate = anticipate

    def on_search_begin(self, state):
        if not (isinstance(self.total_time, (int, float)) and self.total_time > 0):
            raise ValueError(
                f"DeadlineStopper: total_time must be a positive number of seconds; got {self.total_time!r}."
            )
        self._longest = 0.0

    def on_search_end(self, state):
        self.elapsed_ = state.elapsed
        self.overrun_ = max(0.0, state.elapsed - self.total_time)

    def on_batch_end(self, state):
        self._longest = max(getattr(self, "_longest", 0.0), state.batch_time)
        if state.elapsed >= self.total_time:
            return True
        return bool(self.anticipate and state.elapsed + self._longest > self.total_time)

    def stop_message(self, state):
        overrun = state.elapsed - self.total_time
        if overrun >= 0:
            tail = f"the last batch ({state.batch_time:.3g} s) overran it by {overrun:.3g} s."
        else:
            tail = (
                f"{-overrun:.3g} s were left, less than the longest batch "
                f"({self._longest:.3g} s), so no batch was started."
            )
        return (
            f"DeadlineStopper: deadline of {self.total_time:g} s, stopped after "
            f"{state.elapsed:.3g} s and {state.n_evaluated} candidates; {tail}"
        )


class NoImprovementStopper(Callback):
    """Stop when the best score has not improved for ``n_evaluations`` candidates.

    Parameters
    ----------
    n_evaluations : int
        Candidates evaluated since the best one, after which the search stops.
    tol : float, default=0.0
        An improvement must beat the best score by more than ``tol``.

    Examples
    --------
    >>> from skbayes.callbacks import NoImprovementStopper
    >>> stopper = NoImprovementStopper(n_evaluations=20, tol=1e-3)
    """

    def __init__(self, n_evaluations, *, tol=0.0):
        self.n_evaluations = n_evaluations
        self.tol = tol

    def on_search_begin(self, state):
        if not (isinstance(self.n_evaluations, (int, np.integer)) and self.n_evaluations >= 1):
            raise ValueError(
                f"NoImprovementStopper: n_evaluations must be an int >= 1; got {self.n_evaluations!r}."
            )
        if not (isinstance(self.tol, (int, float)) and self.tol >= 0):
            raise ValueError(f"NoImprovementStopper: tol must be a number >= 0; got {self.tol!r}.")

    def _since_best(self, scores):
        best, best_i = -math.inf, -1
        for i, s in enumerate(scores):
            if np.isfinite(s) and (best_i < 0 or s > best + self.tol):
                best, best_i = s, i
        return len(scores) - 1 - best_i

    def on_batch_end(self, state):
        return self._since_best(state.scores) >= self.n_evaluations

    def stop_message(self, state):
        return (
            f"NoImprovementStopper: no improvement (tol={self.tol:g}) in the last "
            f"{self._since_best(state.scores)} candidates; best score {state.best_score:.6g}."
        )


class TargetScoreStopper(Callback):
    """Stop as soon as a candidate reaches a target score.

    Scores are greater-is-better, as scikit-learn's scorers return them: with
    ``scoring="neg_mean_squared_error"`` a target of ``-0.5`` means an MSE of
    at most 0.5.

    Parameters
    ----------
    target : float
        Stop when the best score is at least ``target``.

    Examples
    --------
    >>> from skbayes.callbacks import TargetScoreStopper
    >>> stopper = TargetScoreStopper(0.95)
    """

    def __init__(self, target):
        self.target = target

    def on_search_begin(self, state):
        if not isinstance(self.target, (int, float, np.number)) or isinstance(self.target, bool):
            raise ValueError(f"TargetScoreStopper: target must be a number; got {self.target!r}.")

    def on_batch_end(self, state):
        return bool(np.isfinite(state.best_score) and state.best_score >= self.target)

    def stop_message(self, state):
        return (
            f"TargetScoreStopper: score {state.best_score:.6g} >= target {self.target:g} "
            f"after {state.n_evaluated} candidates."
        )
