"""The low-discrepancy design as a strategy: :class:`LowDiscrepancyDesign`.

An ask/tell strategy (:class:`skbayes.strategies._base.Strategy`) that hands
out a design of :mod:`skbayes.sampling` computed once, split evenly between
conditional subspaces and interleaved. ``LowDiscrepancySearchCV`` runs it,
and the other strategies draw their initial candidates from it. Its public
path is :mod:`skbayes.sampling` (``from skbayes.sampling import
LowDiscrepancyDesign``).
"""

import math
import warnings

import numpy as np

from ._base import Strategy
from ..sampling import unit_design

__all__ = ["LowDiscrepancyDesign"]


def _allocate(n, capacities):
    """Split ``n`` as evenly as possible, never past a subspace's capacity."""
    counts = [0] * len(capacities)
    remaining = n
    open_ = [i for i, c in enumerate(capacities) if c > 0]
    while remaining > 0 and open_:
        share, extra = divmod(remaining, len(open_))
        for rank, i in enumerate(open_):
            add = min(share + (rank < extra), capacities[i] - counts[i])
            counts[i] += add
            remaining -= add
        open_ = [i for i in open_ if counts[i] < capacities[i]]
    return counts


class LowDiscrepancyDesign(Strategy):
    """Ask/tell strategy that hands out a precomputed low-discrepancy design.

    With conditional subspaces, ``n_iter`` is split evenly between them (a
    subspace with fewer distinct candidates than its share gets them all and
    passes the rest on), and the candidates of the subspaces are interleaved
    so that any prefix of the design, such as the batches evaluated before an
    interruption, covers every subspace in proportion.

    Parameters
    ----------
    spaces : list of Space
    n_iter : int
        Total number of candidates.
    sampler : {"sobol", "halton", "hammersley", "lhs", "poisson-disk", "random"}, \
default="sobol"
        The design, as in :func:`~skbayes.sampling.make_engine`.
    scramble : bool, default=True
        Randomise the design, as in :func:`~skbayes.sampling.make_engine`.
    rng : numpy.random.Generator, int or None
        Seed or generator of the randomisation.
    """

    def __init__(self, spaces, n_iter, *, sampler="sobol", scramble=True, rng=None):
        super().__init__(spaces)
        self.n_iter = n_iter
        self.sampler = sampler
        self.scramble = scramble
        rng = np.random.default_rng(rng)
        capacities = [
            int(min(s.cardinality, n_iter)) if math.isfinite(s.cardinality) else n_iter
            for s in self.spaces
        ]
        counts = _allocate(n_iter, capacities)
        if sum(counts) < n_iter:
            warnings.warn(
                f"The search space holds only {sum(counts)} distinct candidates, "
                f"fewer than n_iter={n_iter}. Running {sum(counts)} iterations.",
                UserWarning,
            )
        designs = [
            unit_design(space, c, sampler=sampler, scramble=scramble, rng=rng)
            if c > 0
            else np.empty((0, space.n_dims))
            for space, c in zip(self.spaces, counts)
        ]
        # Interleave subspaces by the relative position of each point.
        order = sorted(
            ((i + 0.5) / len(U), s, i) for s, U in enumerate(designs) for i in range(len(U))
        )
        self.plan = [(s, designs[s][i]) for _, s, i in order]
        self._next = 0

    @property
    def n_remaining(self):
        return len(self.plan) - self._next

    def warm_start(self, previous):
        """Continue ``previous``'s design up to this one's ``n_iter`` in all.

        The candidates ``previous`` evaluated are dropped from this design:
        with the same seed, a Sobol' or Halton design of a single subspace
        begins with the smaller one, so the search goes on along the same
        sequence. A Latin hypercube does not extend: the new candidates are
        the first ones of a new, larger hypercube.
        """
        super().warm_start(previous)
        told = {(s, k) for s in range(len(self.spaces)) for k in self.told_keys(s)}
        left = [
            (s, u) for s, u in self.plan[self._next :]
            if (s, self.spaces[s].keys(np.asarray(u)[None, :])[0]) not in told
        ]
        self.plan = left[: max(0, self.n_iter - previous.n_told)]
        self._next = 0

    def _propose(self, n):
        batch = self.plan[self._next : self._next + n]
        self._next += len(batch)
        return batch
