"""Callbacks of the search loop: stoppers, a progress bar, checkpoints.

Every skbayes search takes ``callbacks=[...]``. After every batch of
candidates, the loop calls each callback with a :class:`SearchState`; a
callback that returns ``True`` stops the search (the candidates evaluated so
far are kept, the best one is refitted as usual). A callback is either a plain
function ``f(state) -> bool`` or a :class:`Callback`, whose hooks also run when
the search begins and ends.

Callbacks are constructor parameters, so ``clone`` copies them: the callbacks a
search calls during ``fit`` may be copies of the ones you passed. Read what a
stopper did from the search's ``stop_reason_``.
"""

import math
import os
import time

import numpy as np

from . import _checkpoint

__all__ = [
    "SearchState",
    "Callback",
    "DeadlineStopper",
    "NoImprovementStopper",
    "TargetScoreStopper",
    "ProgressBar",
    "CheckpointSaver",
]


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


class ProgressBar(Callback):
    """A tqdm progress bar: candidates evaluated out of planned, best score so far.

    Needs tqdm (``pip install "skbayes[progress]"``), imported when the search
    begins.

    Parameters
    ----------
    desc : str, default=None
        Label of the bar; the search's class name by default.
    leave : bool, default=True
        Keep the bar on screen once the search ends.
    file : file-like, default=None
        Where to draw the bar (tqdm's default, standard error, if None).

    Examples
    --------
    >>> from skbayes.callbacks import ProgressBar
    >>> bar = ProgressBar(desc="SVC")
    """

    def __init__(self, desc=None, *, leave=True, file=None):
        self.desc = desc
        self.leave = leave
        self.file = file

    def on_search_begin(self, state):
        try:
            from tqdm.auto import tqdm
        except ImportError as exc:
            raise ImportError(
                'ProgressBar needs tqdm: pip install "skbayes[progress]" (or pip install tqdm).'
            ) from exc
        self._bar = tqdm(
            total=state.n_planned,
            initial=state.n_evaluated,
            desc=self.desc or type(state.search).__name__,
            unit="cand",
            leave=self.leave,
            file=self.file,
        )
        self._shown = state.n_evaluated

    def on_batch_end(self, state):
        bar = getattr(self, "_bar", None)
        if bar is None:
            return False
        if state.n_planned is not None and bar.total != state.n_planned:
            bar.total = state.n_planned
        if np.isfinite(state.best_score):
            bar.set_postfix(best=f"{state.best_score:.4g}", refresh=False)
        bar.update(state.n_evaluated - self._shown)
        self._shown = state.n_evaluated
        return False

    def on_search_end(self, state):
        bar = getattr(self, "_bar", None)
        if bar is not None:
            bar.close()
        self._bar = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_bar", None)  # a live bar neither pickles nor copies
        return state


class CheckpointSaver(Callback):
    """Save the search after every batch; resume from the file when it exists.

    After every batch, writes everything evaluated so far (the candidates with
    their per-fold results, the CV splits, the batches the strategy is rebuilt
    from) to ``path``, atomically: a crash, even ``kill -9``, never leaves a
    corrupted file, and at most the batch in flight is lost. Fitting the same
    search again with the same ``path`` resumes it: the candidates in the file
    are not refitted, and ``cv_results_`` ends the same as if the search had
    never stopped. A checkpoint written by a search with other settings
    (estimator, space, scoring, cv, random_state, ...) is refused with an
    error naming what differs; one with a smaller budget (``n_iter``,
    ``generations``, ``brackets``) is extended when the search has
    ``warm_start=True``.

    The file keeps one entry per data set (``X``, ``y`` and fit parameters,
    by their fingerprint): a search fitted on other data starts its own
    entry, so that the clones of a nested cross-validation
    (``cross_val_score(search, X, y)``, also with ``n_jobs``) share one file
    and each resumes its own outer fold.

    The file is a pickle: load only checkpoints you wrote yourself.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file.
    resume : bool, default=True
        Resume from ``path`` when it holds an entry for this data; False starts
        over and overwrites that entry.
    fsync : bool, default=True
        Flush each checkpoint to disk before it replaces the previous one (a
        few milliseconds per batch), so that it also survives a power cut or
        an OS crash. Without, it still survives any crash of the process.

    Examples
    --------
    >>> from skbayes.callbacks import CheckpointSaver
    >>> saver = CheckpointSaver("search.ckpt")
    """

    def __init__(self, path, *, resume=True, fsync=True):
        self.path = path
        self.resume = resume
        self.fsync = fsync

    def restore(self, search):
        if self.resume and os.path.exists(self.path):
            return _checkpoint.load(self.path, search._data_key(), user_values=search._user_values())
        return None

    def on_batch_end(self, state):
        search = state.search
        _checkpoint.save(self.path, state.snapshot(), fsync=self.fsync, user_values=search._user_values())
        return False
