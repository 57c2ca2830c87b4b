"""The generational base of the evolutionary strategies.

:class:`_GenerationalStrategy` follows the ask/tell protocol of
:class:`skbayes.strategies._base.Strategy` one *generation* at a time: every
individual of a generation is proposed at once, so that a search evaluates the
whole generation as one batch, and the next generation is bred once every
score of the current one is known. An individual that decodes to a candidate
already evaluated (the same :meth:`Space.keys`) is never proposed again: its
told score is reused. It also keeps the per-generation statistics and the stop
criteria (a generation budget, ``patience``, ``target_score``). The genetic
algorithm (``_ga``) and CMA-ES (``_cmaes``) write how a generation is bred and
what is learnt from its scores.
"""

import math
from abc import abstractmethod

import numpy as np

from ._base import Strategy

__all__ = []


class _GenerationalStrategy(Strategy):
    """Generations, duplicates, statistics and stop criteria shared by the strategies.

    A subclass writes ``_breed()`` (the next generation's individuals as a
    list of ``(subspace, unit_point)``) and ``_select(individuals, scores)``
    (what it learns once a generation is scored).
    """

    def __init__(self, spaces, *, population_size, generations, patience=None, target_score=None):
        super().__init__(spaces)
        self.population_size = int(population_size)
        self.generations = int(generations)
        self.patience = patience
        self.target_score = target_score
        self.stop_reason = None
        self.generation = 0  # completed generations
        self.best_score = -np.inf
        self._stale = 0  # generations without improvement
        self._scores = {}  # (subspace, key) -> told score
        self._replay = {}  # (subspace, key) -> score evaluated by an earlier fit
        self._current = None  # [(subspace, unit, key)] of the generation in progress
        self._queue = []  # its individuals not yet handed out
        self._n_new = 0  # how many of them are new (not evaluated before)
        self._log = []
        finite = all(s.is_finite for s in self.spaces)
        self._n_candidates = sum(s.cardinality for s in self.spaces) if finite else math.inf

    # -- what subclasses write ---------------------------------------------------
    @abstractmethod
    def _breed(self):
        """The next generation: a list of ``(subspace, unit_point)``."""

    def _select(self, individuals, scores):
        """Learn from a scored generation."""

    # -- the protocol ------------------------------------------------------------
    def _propose(self, n):
        if not self._queue and self._current is not None:
            return []  # waiting for the scores of the generation in progress
        while not self._queue:
            if self.should_stop() is not None:
                return []
            self._start_generation()
            if not self._queue:  # every individual is known already
                self._finish_generation(n_new=0)
        out = self._queue[:n]
        del self._queue[:n]
        return out

    def _observe(self, subspaces, units, scores):
        by_space = {}
        for i, s in enumerate(subspaces):
            by_space.setdefault(s, []).append(i)
        for s, rows in by_space.items():
            keys = self.spaces[s].keys(np.asarray([units[i] for i in rows]))
            for i, key in zip(rows, keys):
                self._scores[(s, key)] = float(scores[i])
        if self._current is not None and not self._queue:
            if all((s, k) in self._scores for s, _, k in self._current):
                self._finish_generation(n_new=self._n_new)

    def warm_start(self, previous):
        """Continue ``previous`` (same seed, fewer generations) up to this budget.

        ``previous``'s candidates are kept aside and handed back as known
        scores when the evolution, replayed from the start with the same
        seed, reaches them: the replayed generations are the same as in the
        earlier fit and show no new evaluation, and the evolution goes on as
        if it had never stopped.
        """
        for name in self.history:
            self.history[name].extend(previous.history[name])
        for s, u, score in zip(previous.history["subspace"], previous.history["unit"], previous.history["score"]):
            key = self.spaces[s].keys(np.asarray(u, dtype=float)[None, :])[0]
            self._replay.setdefault((s, key), float(score))

    @property
    def n_remaining(self):
        """At most how many more candidates will be proposed."""
        if self.should_stop() is not None:
            return len(self._queue)
        left = self.generations - self.generation - (self._current is not None)
        return len(self._queue) + max(0, left) * self.population_size

    def should_stop(self):
        """Why the search should stop now (a str), or None to go on.

        Checked between generations: the generation budget, ``target_score``
        reached, ``patience`` generations without improvement, or every
        candidate of a finite space evaluated.
        """
        if self.stop_reason is not None:
            return self.stop_reason
        reason = None
        if self.generation >= self.generations:
            reason = f"completed {self.generations} generations"
        elif self.target_score is not None and self.best_score >= self.target_score:
            reason = f"reached target_score={self.target_score} (best score {self.best_score:.6g})"
        elif self.patience is not None and self.generation > 0 and self._stale >= self.patience:
            reason = f"no improvement for patience={self.patience} generations"
        elif len(self._scores) + len(self._replay) >= self._n_candidates:
            reason = f"evaluated all {self._n_candidates} candidates of the search space"
        if reason is not None and self._current is None:
            self.stop_reason = reason
        return reason

    # -- generations ---------------------------------------------------------------
    def _start_generation(self):
        individuals = self._breed()
        current, queue, seen = [], [], set()
        by_space = {}
        for i, (s, _) in enumerate(individuals):
            by_space.setdefault(s, []).append(i)
        keys = [None] * len(individuals)
        for s, rows in by_space.items():
            for i, key in zip(rows, self.spaces[s].keys(np.asarray([individuals[i][1] for i in rows]))):
                keys[i] = key
        for (s, u), key in zip(individuals, keys):
            current.append((s, np.asarray(u, dtype=float), key))
            if (s, key) in self._replay:  # evaluated by an earlier fit
                self._scores[(s, key)] = self._replay.pop((s, key))
            if (s, key) not in self._scores and (s, key) not in seen:
                seen.add((s, key))
                queue.append((s, np.asarray(u, dtype=float)))
        self._current, self._queue, self._n_new = current, queue, len(queue)

    def _finish_generation(self, n_new):
        individuals = self._current
        scores = np.array([self._scores[(s, k)] for s, _, k in individuals], dtype=float)
        self._current = None
        finite = scores[~np.isnan(scores)]
        best = float(finite.max()) if finite.size else np.nan
        if finite.size and best > self.best_score:
            self.best_score, self._stale = best, 0
        else:
            self._stale += 1
        self._log.append(
            {
                "generation": self.generation,
                "best": best,
                "mean": float(finite.mean()) if finite.size else np.nan,
                "std": float(finite.std()) if finite.size else np.nan,
                "min": float(finite.min()) if finite.size else np.nan,
                "best_so_far": self.best_score if np.isfinite(self.best_score) else np.nan,
                "n_new_evaluations": int(n_new),
                "n_failed": int(np.isnan(scores).sum()),
            }
        )
        self.generation += 1
        self._select(individuals, scores)

    def generation_history(self):
        """Per-generation statistics as a dict of arrays (``pandas.DataFrame`` takes it).

        Keys: ``generation``; ``best``, ``mean``, ``std``, ``min``: statistics
        of the scores of the generation's individuals (failed fits left out;
        ``nan`` if all failed); ``best_so_far``; ``n_new_evaluations``: how
        many were evaluated in this generation (individuals identical to one
        already evaluated reuse its score); ``n_failed``.
        """
        keys = ("generation", "best", "mean", "std", "min", "best_so_far", "n_new_evaluations", "n_failed")
        out = {}
        for key in keys:
            dtype = int if key in ("generation", "n_new_evaluations", "n_failed") else float
            out[key] = np.array([row[key] for row in self._log], dtype=dtype)
        return out
