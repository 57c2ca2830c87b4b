"""Low-discrepancy designs over a search space, on ``scipy.stats.qmc``.

What the designs guarantee (and what they do not):

- ``"sobol"`` (scrambled by default): the first ``2**m`` points of the
  sequence are balanced (every dyadic box of volume ``2**-m`` holds its share
  of points). With ``n`` not a power of two, the design is the first ``n``
  points of the sequence: its first ``2**floor(log2 n)`` points are balanced,
  the rest start the next balanced block. The sequence extends: a longer design
  begins with a shorter one.
- ``"halton"`` (scrambled by default): any prefix is low-discrepancy, no power
  of two needed; it also extends.
- ``"lhs"``: a Latin hypercube: each dimension's ``n`` strata hold exactly
  one point. It does not extend: more points mean a new, independent design.
- ``"random"``: independent uniform points, the baseline of random search.

Integer and categorical dimensions own cells of the unit cube as wide as their
probability, so a design keeps its spread over them. In a space of finite
dimensions only, points that decode to a candidate already in the design are
replaced by further points of the sequence, so no candidate is fitted twice.
"""

import math
import warnings

import numpy as np
from scipy.stats import qmc

from ._strategy import Strategy

__all__ = ["SAMPLERS", "make_engine", "unit_design", "LowDiscrepancyDesign"]

SAMPLERS = ("sobol", "halton", "lhs", "random")


class _UniformEngine(qmc.QMCEngine):
    """Independent uniform points: the plain random-search baseline."""

    def __init__(self, d, *, rng=None):
        super().__init__(d=d, rng=rng)

    def _random(self, n=1, *, workers=1):
        return self.rng.random((n, self.d))


def make_engine(sampler, d, *, scramble=True, rng=None):
    """Build a ``scipy.stats.qmc`` engine of dimension ``d``.

    Parameters
    ----------
    sampler : {"sobol", "halton", "lhs", "random"}
    d : int
        Number of dimensions, at least 1.
    scramble : bool, default=True
        Randomise the sequence (Sobol, Halton) or the position inside strata
        (LHS; False centres the points). Ignored by ``"random"``.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    engine : scipy.stats.qmc.QMCEngine
    """
    if sampler == "sobol":
        return qmc.Sobol(d, scramble=scramble, rng=rng)
    if sampler == "halton":
        return qmc.Halton(d, scramble=scramble, rng=rng)
    if sampler == "lhs":
        return qmc.LatinHypercube(d, scramble=scramble, rng=rng)
    if sampler == "random":
        return _UniformEngine(d, rng=rng)
    raise ValueError(f"sampler must be one of {list(SAMPLERS)}; got {sampler!r}.")


def _draw(engine, sampler, n, first):
    """Next ``n`` points of the engine; Sobol's first draw keeps its balance."""
    if sampler == "sobol" and first:
        m = max(0, math.ceil(math.log2(n)))
        return engine.random_base2(m)[:n]
    with warnings.catch_warnings():
        # The docstring of this module says what a non power of two means.
        warnings.filterwarnings("ignore", message=".*balance properties of Sobol.*")
        return engine.random(n)


def unit_design(space, n, *, sampler="sobol", scramble=True, rng=None):
    """A design of ``n`` distinct candidates of ``space``, as unit-cube points.

    Parameters
    ----------
    space : skbayes.space.Space
    n : int
        Number of points wanted. A finite space with at most ``n`` candidates
        is enumerated whole instead (so fewer points may come back).
    sampler, scramble, rng
        As in :func:`make_engine`.

    Returns
    -------
    U : ndarray of shape (n_points, space.n_dims)
    """
    rng = np.random.default_rng(rng)
    if space.is_finite and space.cardinality <= n:
        return space.enumerate_unit()
    engine = make_engine(sampler, space.n_dims, scramble=scramble, rng=rng)
    U = _draw(engine, sampler, n, first=True)
    if not space.is_finite:
        return U
    # Finite space larger than n: drop points that decode to a candidate
    # already in the design, and continue the sequence to replace them.
    keep, seen = [], set()

    def add(points):
        for u, key in zip(points, space.keys(points)):
            if key not in seen and len(keep) < n:
                seen.add(key)
                keep.append(u)

    add(U)
    for _ in range(20):
        if len(keep) == n:
            break
        add(_draw(engine, sampler, 2 * (n - len(keep)), first=False))
    while len(keep) < n:  # pathological priors: fall back on uniform draws
        add(rng.random((n, space.n_dims)))
    return np.asarray(keep)


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
    sampler : {"sobol", "halton", "lhs", "random"}, default="sobol"
    scramble : bool, default=True
    rng : numpy.random.Generator, int or None
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
