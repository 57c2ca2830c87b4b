"""Low-discrepancy designs over a search space, on ``scipy.stats.qmc``.

What the designs guarantee (and what they do not):

- ``"sobol"`` (scrambled by default): the first ``2**m`` points of the
  sequence are a digital net: each coordinate is balanced (each of its
  ``2**m`` equal intervals holds one point), and so are the projections on
  the first few coordinates; in more dimensions every dyadic box of volume
  ``2**(t - m)`` holds its share, ``t`` growing with the dimension. With
  ``n`` not a power of two, the design is the first ``n`` points of the
  sequence: its first ``2**floor(log2 n)`` points are balanced, the rest
  start the next balanced block. The sequence extends: a longer design
  begins with a shorter one. What a net of few points does not do is
  separate the leading digits of every pair of coordinates: in 6
  dimensions, among the first 16 points of every scrambled sequence, the
  6th coordinate is in its upper half exactly where the 1st is (or exactly
  where it is not), and 8 points show only 2 of the 4 combinations of
  halves on 4 pairs of coordinates. A boolean reads nothing but the upper
  half, so two booleans at such positions come tied in such a design (the
  combinations they miss are never evaluated). The tied pairs, whatever the
  scrambling: 4, 8 and 41 with 8 points in 6, 10 and 20 dimensions; 1, 3
  and 21 with 16; none, none and 7 with 32; none with 64. Halton and Latin
  hypercube designs tie a pair only by chance (with 8 points in 10
  dimensions, 0.7 and 1.4 pairs on average; almost none from 16). Shuffling
  the categorical coordinates within the net's blocks unties them but loses
  their balance against the continuous coordinates: in ``BayesSearchCV``
  it was no better on tuning problems with booleans and worse on a mixed
  synthetic function (``docs/benchmarks.md``), so the designs are the
  sequence's own.
- ``"halton"`` (scrambled by default): any prefix is low-discrepancy, no power
  of two needed; it also extends.
- ``"lhs"``: a Latin hypercube: each dimension's ``n`` strata hold exactly
  one point. It does not extend: more points mean a new, independent design.
- ``"hammersley"``: the Hammersley set of exactly ``n`` points: the first
  coordinate is the grid ``(i + shift) / n``, the others a (scrambled) Halton
  sequence of ``d - 1`` dimensions. Its discrepancy is lower than Halton's at
  the same ``n``, but it is built for that ``n``: it does not extend, and a
  prefix of it is not itself a Hammersley set.
- ``"poisson-disk"``: ``scipy.stats.qmc.PoissonDisk``, points no closer to
  each other than a radius. It guarantees the minimal distance, not a number
  of points: with a given radius the engine may stop short of ``n``. We start
  at a radius close to the largest at which ``n`` points fit (``0.9 *
  n**(-1/d)``) and shrink it by 15 % until the engine yields ``n`` points, so
  exactly ``n`` points come back, as spread as we could make them; after 12
  shrinks (or when a smaller radius would need more than 256 MB for the
  engine's grid) the missing points are uniform draws. Its cost grows
  exponentially with ``d`` (the engine keeps a grid of
  ``ceil(sqrt(d) / radius)**d`` cells): a design whose grid at the first radius
  would exceed that memory is refused with a ``ValueError`` (in practice
  beyond about 8 dimensions); there, use Sobol' or Halton. It does not extend
  either, and its uniformity (discrepancy) is much closer to random search
  than to Sobol' (``docs/benchmarks.md``): its strength is that no two
  candidates are near-duplicates.
- ``"random"``: independent uniform points, the baseline of random search.

The points of ``"hammersley"`` and ``"poisson-disk"`` designs are handed out in
a random order (seeded by ``rng``; Hammersley unscrambled keeps its order), so
that the candidates evaluated before an interruption or an early stop are
spread over the space, not the low corner of its first coordinate (Hammersley)
or a neighbourhood of the first point (Poisson disk).

Integer and categorical dimensions own cells of the unit cube as wide as their
probability, so a design keeps its spread over them. In a space of finite
dimensions only, points that decode to a candidate already in the design are
replaced by further points of the sequence, so no candidate is fitted twice.

:class:`LowDiscrepancyDesign`, the ask/tell strategy that hands such a design
out in batches, lives with the other strategies (``skbayes.strategies``); the
package gives it this module's name as well (``from skbayes.sampling import
LowDiscrepancyDesign``), without this module importing the strategies.
"""

import math
import warnings

import numpy as np
from scipy.stats import qmc

__all__ = ["SAMPLERS", "make_engine", "unit_design"]

SAMPLERS = ("sobol", "halton", "hammersley", "lhs", "poisson-disk", "random")


class _UniformEngine(qmc.QMCEngine):
    """Independent uniform points: the plain random-search baseline."""

    def __init__(self, d, *, rng=None):
        super().__init__(d=d, rng=rng)

    def _random(self, n=1, *, workers=1):
        return self.rng.random((n, self.d))


class _HammersleyEngine(qmc.QMCEngine):
    """The Hammersley set: a grid coordinate and a Halton sequence of ``d - 1``.

    Each call of ``random(n)`` returns a Hammersley set of ``n`` points built
    on the next ``n`` points of the Halton sequence. Scrambled, the grid is
    shifted by a random fraction of a cell (it stays stratified), the Halton
    part is Owen-scrambled, and the rows come in a random order.
    """

    def __init__(self, d, *, scramble=True, rng=None):
        super().__init__(d=d, rng=rng)
        self.scramble = scramble
        self._halton = qmc.Halton(d - 1, scramble=scramble, rng=self.rng) if d > 1 else None

    def _random(self, n=1, *, workers=1):
        shift = self.rng.random() if self.scramble else 0.5
        points = np.empty((n, self.d))
        points[:, 0] = (np.arange(n) + shift) / n
        if self._halton is not None:
            points[:, 1:] = self._halton.random(n)
        if self.scramble:
            points = points[self.rng.permutation(n)]
        return points

    def reset(self):
        super().reset()
        if self._halton is not None:
            self._halton.reset()
        return self


#: The Poisson-disk engine keeps a float32 grid of ``cells * d`` numbers.
_POISSON_MAX_GRID_BYTES = 256 * 2**20
_POISSON_SHRINK = 0.85
_POISSON_MAX_SHRINKS = 12


def _poisson_grid_bytes(d, radius):
    return math.ceil(math.sqrt(d) / radius) ** d * d * 4


class _PoissonDiskEngine(qmc.QMCEngine):
    """Exactly ``n`` Poisson-disk points per call, with the largest radius found.

    See the module docstring for how the radius is chosen and what happens
    when the engine cannot place ``n`` points.
    """

    def __init__(self, d, *, rng=None):
        super().__init__(d=d, rng=rng)

    @staticmethod
    def first_radius(d, n):
        return 0.9 * max(n, 1) ** (-1.0 / d)

    def _random(self, n=1, *, workers=1):
        radius = self.first_radius(self.d, n)
        _check_poisson_disk(self.d, n)
        points = np.empty((0, self.d))
        for _ in range(_POISSON_MAX_SHRINKS + 1):
            engine = qmc.PoissonDisk(self.d, radius=radius, rng=self.rng)
            points = engine.random(n)
            next_radius = radius * _POISSON_SHRINK
            if len(points) >= n or _poisson_grid_bytes(self.d, next_radius) > _POISSON_MAX_GRID_BYTES:
                break
            radius = next_radius
        if len(points) < n:
            points = np.vstack([points, self.rng.random((n - len(points), self.d))])
        return points[self.rng.permutation(n)]


def _check_poisson_disk(d, n):
    """Raise a ``ValueError`` if a Poisson-disk design of ``n`` points in ``d`` is impractical.

    Parameters
    ----------
    d : int
        Number of unit-cube dimensions.
    n : int
        Number of points.

    Raises
    ------
    ValueError
        When the grid of ``scipy.stats.qmc.PoissonDisk`` at the first radius
        would need more than 256 MB.
    """
    radius = _PoissonDiskEngine.first_radius(d, n)
    size = _poisson_grid_bytes(d, radius)
    if size > _POISSON_MAX_GRID_BYTES:
        raise ValueError(
            f"sampler='poisson-disk' is impractical for {d} dimensions and {n} "
            f"points: scipy's PoissonDisk would need a grid of {size / 2**20:.0f} MB "
            "(its cost grows exponentially with the dimension). Use "
            "sampler='sobol' or 'halton' for this space."
        )


def make_engine(sampler, d, *, scramble=True, rng=None):
    """Build a ``scipy.stats.qmc`` engine of dimension ``d``.

    Parameters
    ----------
    sampler : {"sobol", "halton", "hammersley", "lhs", "poisson-disk", "random"}
        The design; the module docstring says what each guarantees.
    d : int
        Number of dimensions, at least 1.
    scramble : bool, default=True
        Randomise the sequence (Sobol, Halton, the Halton part of Hammersley
        and its grid's offset) or the position inside strata (LHS; False
        centres the points). Ignored by ``"poisson-disk"`` and ``"random"``,
        which are random by nature.
    rng : numpy.random.Generator, int or None
        Seed or generator of the randomisation.

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
    if sampler == "hammersley":
        return _HammersleyEngine(d, scramble=scramble, rng=rng)
    if sampler == "poisson-disk":
        return _PoissonDiskEngine(d, rng=rng)
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
