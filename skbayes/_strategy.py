"""The ask/tell protocol that every search strategy follows.

A strategy reads the history and proposes; it knows nothing of
cross-validation. The shared search loop (``skbayes.search._base``) asks it for
candidates, evaluates them with scikit-learn's machinery and tells it the
scores (greater is better, ``nan`` for a candidate whose fit failed).
"""

from abc import ABC, abstractmethod

import numpy as np

__all__ = ["Strategy"]


class Strategy(ABC):
    """Base class of ask/tell strategies over one or several subspaces.

    Parameters
    ----------
    spaces : list of skbayes.space.Space
        The compiled subspaces (one for a plain dict of dimensions).

    Attributes
    ----------
    spaces : list of Space
    history : dict of lists
        Every told candidate: ``"subspace"`` (int), ``"unit"`` (its point of
        the subspace's unit cube), ``"params"`` and ``"score"`` (``nan`` when
        the fit failed).
    """

    def __init__(self, spaces):
        self.spaces = list(spaces)
        self.history = {"subspace": [], "unit": [], "params": [], "score": []}
        self._pending = {}

    # -- what subclasses write -------------------------------------------
    @abstractmethod
    def _propose(self, n):
        """Return up to ``n`` proposals as a list of ``(subspace, unit_point)``."""

    def _observe(self, subspaces, units, scores):
        """Hook called by :meth:`tell` once the history has been extended."""

    @property
    def n_remaining(self):
        """How many more candidates the strategy will propose (None: unbounded)."""
        return None

    def warm_start(self, previous):
        """Continue from ``previous``, the strategy of an earlier fit with a smaller budget.

        Called by ``warm_start=True`` on a strategy just built with the new
        budget (and the same seed): it must take over what ``previous`` has
        evaluated, so that it proposes new candidates only, up to its own
        budget counted from the start of the first fit. The default tells it
        ``previous``'s whole history, which is enough for a strategy whose
        proposals and budget follow from its history; others override it.

        Parameters
        ----------
        previous : Strategy
            A strategy of the same class, over the same spaces.
        """
        self.tell(previous.history["params"], previous.history["score"])

    # -- the protocol ------------------------------------------------------
    def ask(self, n=1):
        """Propose up to ``n`` candidates (fewer, or none, when done).

        Returns
        -------
        params : list of dict
            Parameter settings in the user's own values.
        """
        proposals = self._propose(int(n))
        out = []
        for s, u in proposals:
            params = self.spaces[s].from_unit(np.asarray(u)[None, :])[0]
            self._pending[id(params)] = (s, np.asarray(u, dtype=float), params)
            out.append(params)
        return out

    def tell(self, params, scores):
        """Record the scores of evaluated candidates.

        Parameters
        ----------
        params : list of dict
            Candidates, usually as returned by :meth:`ask` (any dict that fits
            one of the subspaces is accepted).
        scores : array-like of float
            Greater is better; ``nan`` marks a failed evaluation.
        """
        params = list(params)
        scores = np.asarray(scores, dtype=float).reshape(-1)
        if len(params) != len(scores):
            raise ValueError(
                f"tell got {len(params)} candidates but {len(scores)} scores."
            )
        subspaces, units = [], []
        for p in params:
            s, u = self._locate(p)
            subspaces.append(s)
            units.append(u)
        self.history["subspace"].extend(subspaces)
        self.history["unit"].extend(units)
        self.history["params"].extend(params)
        self.history["score"].extend(scores.tolist())
        self._observe(subspaces, units, scores)

    def _locate(self, params):
        pending = self._pending.pop(id(params), None)
        if pending is not None and pending[2] is params:
            return pending[0], pending[1]
        for s, space in enumerate(self.spaces):
            if set(params) != set(space.names) | set(space.fixed):
                continue
            try:
                return s, space.to_unit([params])[0]
            except (ValueError, TypeError):
                continue
        raise ValueError(f"{params!r} does not belong to any subspace of the search.")

    # -- conveniences ------------------------------------------------------
    @property
    def n_told(self):
        return len(self.history["score"])

    def told_keys(self, subspace):
        """Keys (see :meth:`Space.keys`) of the candidates told in a subspace."""
        units = [u for s, u in zip(self.history["subspace"], self.history["unit"]) if s == subspace]
        if not units:
            return set()
        return set(self.spaces[subspace].keys(np.asarray(units)))
