"""Evolutionary operators on unit-cube points, shared by the GA and CMA-ES.

Pure functions of arrays (and a ``numpy.random.Generator``): nothing here
keeps state. :func:`reflect` folds a step back into ``[0, 1]``;
:func:`tournament_select`, :func:`crossover` and :func:`mutate` (per gene
kind, see :func:`gene_kinds`) are the genetic algorithm's operators. Scores
are greater-is-better; ``nan`` (a failed fit) ranks below every number.
The public path of the public names is :mod:`skbayes.evolution`.
"""

import numpy as np

from ..space import Categorical, Distribution, Integer

__all__ = ["reflect", "tournament_select", "crossover", "mutate", "gene_kinds"]


def reflect(x):
    """Fold real numbers into ``[0, 1]`` by reflection at the bounds.

    ``1.2`` becomes ``0.8``, ``-0.3`` becomes ``0.3``, ``2.5`` becomes
    ``0.5``: a step that leaves the cube comes back in as far as it went out,
    so a symmetric step keeps its spread near a bound.

    Parameters
    ----------
    x : array-like of float

    Returns
    -------
    ndarray of float in ``[0, 1]``

    Examples
    --------
    >>> from skbayes.evolution import reflect
    >>> reflect([1.2, -0.3, 0.5, 2.5]).round(6).tolist()
    [0.8, 0.3, 0.5, 0.5]
    """
    x = np.mod(np.asarray(x, dtype=float), 2.0)
    return np.where(x > 1.0, 2.0 - x, x)


def _fitness(scores):
    """Scores with ``nan`` (failed fits) as ``-inf``, for ranking."""
    scores = np.asarray(scores, dtype=float)
    return np.where(np.isnan(scores), -np.inf, scores)


def tournament_select(scores, n, tournament_size, rng):
    """Indices of ``n`` winners of tournaments among the scored individuals.

    Each tournament draws ``tournament_size`` contestants uniformly with
    replacement; the best score wins (``nan`` loses to every number, ties go
    to the first contestant drawn). A size of 1 is uniform random selection;
    larger sizes select harder.

    Parameters
    ----------
    scores : array-like of shape (n_individuals,)
        Greater is better; ``nan`` for failures.
    n : int
        Number of winners.
    tournament_size : int
        Contestants per tournament, at least 1.
    rng : numpy.random.Generator

    Returns
    -------
    winners : ndarray of int, shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from skbayes.evolution import tournament_select
    >>> rng = np.random.default_rng(0)
    >>> winners = tournament_select([0.1, 0.9, np.nan], 1000, 3, rng)
    >>> bool(np.mean(winners == 1) > 0.6), bool(np.all(winners != 2) or np.mean(winners == 2) < 0.05)
    (True, True)
    """
    fit = _fitness(scores)
    if fit.size == 0:
        raise ValueError("tournament_select needs at least one individual.")
    contestants = rng.integers(0, fit.size, size=(int(n), int(tournament_size)))
    best = np.argmax(fit[contestants], axis=1)
    return contestants[np.arange(int(n)), best]


def gene_kinds(space):
    """The kind of each unit-cube coordinate of ``space``.

    Returns
    -------
    kinds : list of str
        ``"real"`` (a continuous dimension), ``"integer"`` (integers or a
        discrete distribution) or ``"categorical"``, one per dimension.
    """
    kinds = []
    for dim in space.dimensions:
        if isinstance(dim, Categorical):
            kinds.append("categorical")
        elif isinstance(dim, Integer) or (isinstance(dim, Distribution) and dim.is_discrete):
            kinds.append("integer")
        else:
            kinds.append("real")
    return kinds


def crossover(a, b, kinds, rng, *, blend_alpha=0.25):
    """One child of two parents of the same space, gene by gene.

    Numeric genes (``"real"``, ``"integer"``) blend (BLX-alpha): the child
    gene is drawn uniformly on the segment between the parents' genes,
    extended by ``blend_alpha`` times its length on each side, and folded back
    into the cube by :func:`reflect`. Categorical genes are inherited from one
    parent or the other with equal probability (uniform crossover), so the
    child's category is always one of its parents'.

    Parameters
    ----------
    a, b : ndarray of shape (n_dims,)
        The parents' unit-cube points.
    kinds : list of str
        As returned by :func:`gene_kinds`.
    rng : numpy.random.Generator
    blend_alpha : float, default=0.25
        Extension of the blending segment; 0 keeps the child between its
        parents.

    Returns
    -------
    child : ndarray of shape (n_dims,), in ``[0, 1]``
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    categorical = np.array([k == "categorical" for k in kinds], dtype=bool)
    w = rng.uniform(-blend_alpha, 1.0 + blend_alpha, size=a.shape)
    child = reflect(a + w * (b - a))
    pick_a = rng.random(a.shape) < 0.5
    child[categorical] = np.where(pick_a, a, b)[categorical]
    return child


def mutate(u, space, kinds, rng, *, gene_probability, scale, force=False):
    """Mutate a unit-cube point, each gene with its own rule.

    - ``"real"``: a Gaussian step of standard deviation ``scale`` in the cube,
      folded back by :func:`reflect`.
    - ``"integer"``: the same step; if it lands in the cell of the same value,
      the gene moves to the neighbouring value in the step's direction (the
      other way at a bound), so a mutated integer always changes.
    - ``"categorical"``: a different category, uniformly (at the centre of its
      cell).

    Parameters
    ----------
    u : ndarray of shape (n_dims,)
    space : skbayes.space.Space
    kinds : list of str
        As returned by :func:`gene_kinds`.
    rng : numpy.random.Generator
    gene_probability : float
        Probability that each gene mutates.
    scale : float
        Standard deviation of the Gaussian steps, in unit-cube lengths.
    force : bool, default=False
        Mutate at least one gene (chosen uniformly) even if no gene was drawn.

    Returns
    -------
    child : ndarray of shape (n_dims,), in ``[0, 1]``
    """
    child = np.array(u, dtype=float, copy=True)
    d = child.size
    if d == 0:
        return child
    genes = np.flatnonzero(rng.random(d) < gene_probability)
    if force and genes.size == 0:
        genes = np.array([rng.integers(d)])
    for j in genes:
        dim, kind = space.dimensions[j], kinds[j]
        if kind == "categorical":
            k = dim.cardinality
            current = int(dim.indices_from_unit([child[j]])[0])
            new = (current + 1 + rng.integers(k - 1)) % k
            child[j] = dim.to_unit([dim.categories[new]])[0]
            continue
        step = rng.normal(0.0, scale)
        moved = float(reflect(child[j] + step))
        if kind == "integer":
            old_value = dim.from_unit([child[j]])[0]
            if dim.from_unit([moved])[0] == old_value:
                moved = _neighbour(dim, old_value, 1 if step >= 0 else -1, child[j])
        child[j] = moved
    return child


def _neighbour(dim, value, direction, u):
    """Unit coordinate of the integer next to ``value`` (``u`` if there is none)."""
    for delta in (direction, -direction):
        candidate = dim.to_unit([value + delta])[0]
        if dim.from_unit([candidate])[0] != value:
            return float(candidate)
    return float(u)
