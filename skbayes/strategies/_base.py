"""The ask/tell protocol that every search strategy follows.

A strategy reads the history and proposes; it knows nothing of
cross-validation. The shared search loop (``skbayes.search._base``) asks it for
candidates, evaluates them with scikit-learn's machinery and tells it the
scores (greater is better, ``nan`` for a candidate whose fit failed).
"""

import numbers
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
        # asked, not told yet: token -> (subspace, unit point, the candidate as
        # asked). A told candidate is matched to one by its value (equal
        # values, or the same point of the same subspace), never by identity,
        # so that a copy of an asked dict (rebuilt from JSON, sent through
        # pickle) is recognised as well
        self._pending = {}
        self._next_token = 0

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
        if not isinstance(n, numbers.Integral) or isinstance(n, (bool, np.bool_)) or n < 1:
            raise ValueError(f"n must be an int >= 1; got {n!r}.")
        proposals = self._propose(int(n))
        out = []
        for s, u in proposals:
            u = np.asarray(u, dtype=float)
            params = self.spaces[s].from_unit(u[None, :])[0]
            self._pending[self._next_token] = (s, u, dict(params))
            self._next_token += 1
            out.append(params)
        return out

    def pending(self):
        """Candidates asked but not told yet, as ``(subspace, unit_point)``."""
        return [(s, u) for s, u, _ in self._pending.values()]

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
        scores = _check_scores(scores)
        if len(params) != len(scores):
            raise ValueError(
                f"tell got {len(params)} candidates but {len(scores)} scores."
            )
        taken = set()  # tokens matched by this call: all checked before any is kept
        located = [self._locate(p, taken) for p in params]
        for token in taken:
            del self._pending[token]
        subspaces = [s for s, _ in located]
        units = [u for _, u in located]
        self.history["subspace"].extend(subspaces)
        self.history["unit"].extend(units)
        self.history["params"].extend(params)
        self.history["score"].extend(scores.tolist())
        self._observe(subspaces, units, scores)

    def locate(self, params):
        """``(subspace, unit_point)`` of a candidate, as :meth:`tell` would place it.

        Parameters
        ----------
        params : dict
            A candidate, as returned by :meth:`ask` or any dict that fits one
            of the subspaces.

        Returns
        -------
        subspace : int
        unit_point : ndarray of shape (n_dims,)

        Raises
        ------
        ValueError
            If the candidate is in none of the subspaces.
        """
        return self._locate(params, set())

    def _locate(self, params, taken):
        """``(subspace, unit_point)`` of a candidate, found by its value.

        A pending candidate it matches (not in ``taken``, to which its token is
        added) gives the very point asked; otherwise, among the subspaces that
        hold the candidate, the first.
        """
        pending = [(t, e) for t, e in self._pending.items() if t not in taken]
        for token, (s, u, asked) in pending:
            if _same_candidate(params, asked):  # the common case, and cheap
                taken.add(token)
                return s, u
        found, reasons = [], []
        for s, space in enumerate(self.spaces):
            reason = space.mismatch(params)
            if reason is not None:
                reasons.append(reason if len(self.spaces) == 1 else f"subspace {s}: {reason}")
                continue
            u = space.to_unit([params])[0]
            key = space.keys(u[None, :])[0]
            for token, (ps, pu, _) in pending:
                if ps == s and space.keys(pu[None, :])[0] == key:
                    taken.add(token)
                    return s, pu
            found.append((s, u))
        if found:
            return found[0]
        raise ValueError(
            f"The candidate {params!r} is not in the search space: " + "; ".join(reasons) + "."
        )

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


def _check_scores(scores):
    """Scores as a 1-D float array; refuse what is not a number (nan is a failure)."""
    values = np.asarray(scores, dtype=object).reshape(-1)
    for i, v in enumerate(values):
        if not isinstance(v, numbers.Real) or isinstance(v, (bool, np.bool_)):
            raise ValueError(
                f"scores must be real numbers (nan marks a failed evaluation); "
                f"score {i} is {v!r} ({type(v).__name__})."
            )
    return values.astype(float)


def _same_candidate(params, asked):
    """Whether ``params`` holds exactly the values of ``asked`` (objects by identity or ==)."""
    try:
        return isinstance(params, dict) and bool(params == asked)
    except Exception:  # values whose == is not a bool (arrays)
        return False
