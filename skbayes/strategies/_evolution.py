"""Evolutionary strategies over a search space: a genetic algorithm and CMA-ES.

Both work on the space's unit cube (one coordinate per dimension, see
:mod:`skbayes.space`) and follow the ask/tell protocol of
:class:`skbayes.strategies._base.Strategy`, one *generation* at a time: every
individual of a generation is proposed at once, so that a search evaluates the
whole generation as one batch, and the next generation is bred once every
score of the current one is known. An individual that decodes to a candidate
already evaluated (the same :meth:`Space.keys`) is never proposed again: its
told score is reused.

The module has three layers:

- pure operators on unit-cube arrays: :func:`tournament_select`,
  :func:`crossover`, :func:`mutate` (per dimension type: Gaussian steps for
  numbers, a different category for categoricals) and :func:`reflect`;
- :class:`CMAES`, a small (mu/mu_w, lambda)-CMA-ES on the box ``[0, 1]^d``
  (Hansen's tutorial, 2016), with a margin for integer coordinates
  (Hamano et al., 2022) so that they never freeze on one value;
- the strategies :class:`GeneticAlgorithm` and :class:`CMAESStrategy`, which
  share the bookkeeping of generations, duplicates, per-generation statistics
  and stop criteria (a generation budget, ``patience``, ``target_score``).

Scores are greater-is-better throughout; ``nan`` (a failed fit) ranks below
every number.
"""

import math
import warnings
from abc import abstractmethod

import numpy as np
from scipy.special import ndtri

from ._base import Strategy
from ..sampling import LowDiscrepancyDesign
from ..space import Categorical, Distribution, Integer

__all__ = [
    "reflect",
    "tournament_select",
    "crossover",
    "mutate",
    "gene_kinds",
    "CMAES",
    "GeneticAlgorithm",
    "CMAESStrategy",
]

#: Above this many values an integer coordinate is treated as continuous by
#: the CMA-ES margin (its cells are then narrower than any useful step).
_MAX_MARGIN_CELLS = 1000


# -- operators -------------------------------------------------------------------


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


# -- CMA-ES ----------------------------------------------------------------------


def _integer_edges(dim):
    """Interior cell edges of an integer coordinate in the cube, or None."""
    if isinstance(dim, Integer):
        card = dim.cardinality
        if card > _MAX_MARGIN_CELLS:
            return None
        if dim.prior == "log-uniform":
            lo, hi = dim._log_edges()
            ks = np.arange(int(dim.low) + 1, int(dim.high) + 1, dtype=float)
            return (np.log(ks) - lo) / (hi - lo)
        return np.arange(1, card) / card
    if isinstance(dim, Distribution) and dim.is_finite and dim.cardinality <= _MAX_MARGIN_CELLS:
        lo, hi = dim.dist.support()
        return np.asarray(dim.dist.cdf(np.arange(int(lo), int(hi))), dtype=float)
    return None


class CMAES:
    """A (mu/mu_w, lambda)-CMA-ES on the box ``[0, 1]^d`` (greater is better).

    The update is the one of Hansen's tutorial ("The CMA Evolution Strategy: A
    Tutorial", 2016, algorithm of appendix A, positive weights): weighted
    recombination of the best half, cumulative step-size adaptation, rank-one
    and rank-mu covariance updates. Samples that leave the box are folded back
    by :func:`reflect`; the step of a folded sample is recomputed from the
    point actually evaluated and its Mahalanobis length capped at
    ``sqrt(d) + 2d/(d+2)``, as Hansen recommends for repaired or injected
    solutions ("Injecting External Solutions Into CMA-ES", 2011).

    Coordinates listed in ``integer_edges`` get a margin (Hamano et al.,
    "CMA-ES with Margin", GECCO 2022): their marginal standard deviation is
    kept large enough that a sample crosses the cell edge nearest to the mean
    with probability at least ``1 / (d * population_size)``, so an integer
    never freezes on one value while the others converge.

    Parameters
    ----------
    mean : array-like of shape (d,)
        Initial mean, in ``[0, 1]``.
    sigma : float
        Initial step size (in unit-cube lengths), > 0.
    population_size : int or None, default=None
        Samples per generation (lambda); None: ``4 + floor(3 ln d)``.
    integer_edges : dict of int -> ndarray, default=None
        Coordinate -> interior cell edges, for integer coordinates.
    rng : numpy.random.Generator, int or None

    Attributes
    ----------
    mean, sigma, C : the distribution's state.
    generation : int
        Number of completed updates.

    Examples
    --------
    >>> import numpy as np
    >>> from skbayes.evolution import CMAES
    >>> es = CMAES(np.full(3, 0.5), 0.2, rng=0)
    >>> for _ in range(100):
    ...     X = es.ask()
    ...     es.tell(X, -np.sum((X - 0.3) ** 2, axis=1))
    >>> bool(np.allclose(es.mean, 0.3, atol=1e-4))
    True
    """

    def __init__(self, mean, sigma, *, population_size=None, integer_edges=None, rng=None):
        mean = np.asarray(mean, dtype=float).reshape(-1)
        n = mean.size
        if n < 1:
            raise ValueError("CMA-ES needs at least one coordinate.")
        if not sigma > 0:
            raise ValueError(f"sigma must be > 0; got {sigma!r}.")
        lam = int(population_size) if population_size is not None else 4 + int(3 * math.log(n))
        if lam < 2:
            raise ValueError(f"population_size must be >= 2; got {lam}.")
        self.rng = np.random.default_rng(rng)
        self.n, self.lam = n, lam
        self.mu = lam // 2
        w = math.log((lam + 1) / 2) - np.log(np.arange(1, self.mu + 1))
        self.weights = w / w.sum()
        self.mueff = 1.0 / np.sum(self.weights**2)
        mueff = self.mueff
        self.cc = (4 + mueff / n) / (n + 4 + 2 * mueff / n)
        self.cs = (mueff + 2) / (n + mueff + 5)
        self.c1 = 2 / ((n + 1.3) ** 2 + mueff)
        self.cmu = min(1 - self.c1, 2 * (mueff - 2 + 1 / mueff) / ((n + 2) ** 2 + mueff))
        self.damps = 1 + 2 * max(0.0, math.sqrt((mueff - 1) / (n + 1)) - 1) + self.cs
        self.chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n**2))
        self.mean = np.clip(mean, 0.0, 1.0)
        self.sigma = float(sigma)
        self.C = np.eye(n)
        self.B, self.D = np.eye(n), np.ones(n)
        self.pc, self.ps = np.zeros(n), np.zeros(n)
        self.integer_edges = {int(j): np.asarray(e, float) for j, e in (integer_edges or {}).items()}
        self.margin_alpha = 1.0 / (n * lam)
        self.A = np.ones(n)
        self.generation = 0
        self._asked = None
        self._update_margin()

    # -- sampling ----------------------------------------------------------------
    def _inv_sqrt_C(self, y):
        return (self.B @ ((self.B.T @ y.T) / self.D[:, None])).T

    def ask(self):
        """Sample one generation, shape (population_size, d), inside ``[0, 1]^d``."""
        z = self.rng.standard_normal((self.lam, self.n))
        Y = (z * self.D) @ self.B.T
        X = reflect(self.mean + self.sigma * self.A * Y)
        Y = (X - self.mean) / (self.sigma * self.A)
        # Cap the Mahalanobis length of repaired steps (Hansen, 2011).
        norms = np.linalg.norm(self._inv_sqrt_C(Y), axis=1)
        cap = math.sqrt(self.n) + 2 * self.n / (self.n + 2)
        Y *= np.minimum(1.0, cap / np.maximum(norms, 1e-300))[:, None]
        self._asked = (X.copy(), Y)
        return X

    def tell(self, X, scores):
        """Update the distribution from the scores of the last :meth:`ask`.

        Parameters
        ----------
        X : ndarray of shape (population_size, d)
            The points :meth:`ask` returned, in the same order.
        scores : array-like of shape (population_size,)
            Greater is better; ``nan`` ranks last.
        """
        if self._asked is None or not np.array_equal(np.asarray(X, float), self._asked[0]):
            raise ValueError("tell expects the points of the last ask, in the same order.")
        Y = self._asked[1]
        self._asked = None
        fit = _fitness(scores)
        if fit.shape != (self.lam,):
            raise ValueError(f"tell expects {self.lam} scores; got {fit.shape}.")
        order = np.argsort(-fit, kind="stable")[: self.mu]
        y_w = self.weights @ Y[order]
        n = self.n
        self.mean = np.clip(self.mean + self.sigma * self.A * y_w, 0.0, 1.0)
        self.ps = (1 - self.cs) * self.ps + math.sqrt(self.cs * (2 - self.cs) * self.mueff) * self._inv_sqrt_C(
            y_w[None, :]
        )[0]
        norm_ps = np.linalg.norm(self.ps)
        g = self.generation + 1
        hsig = norm_ps / math.sqrt(1 - (1 - self.cs) ** (2 * g)) / self.chi_n < 1.4 + 2 / (n + 1)
        self.pc = (1 - self.cc) * self.pc + hsig * math.sqrt(self.cc * (2 - self.cc) * self.mueff) * y_w
        rank_mu = (Y[order].T * self.weights) @ Y[order]
        delta = (1 - hsig) * self.cc * (2 - self.cc)
        self.C = (
            (1 - self.c1 - self.cmu + self.c1 * delta) * self.C
            + self.c1 * np.outer(self.pc, self.pc)
            + self.cmu * rank_mu
        )
        self.sigma *= math.exp(min(1.0, (self.cs / self.damps) * (norm_ps / self.chi_n - 1)))
        self.generation = g
        self._decompose()
        self._update_margin()

    def _decompose(self):
        C = np.triu(self.C) + np.triu(self.C, 1).T
        eigvals, B = np.linalg.eigh(C)
        eigvals = np.maximum(eigvals, 1e-20)
        # Keep the condition number bounded so that sampling stays finite.
        eigvals = np.maximum(eigvals, eigvals.max() * 1e-14)
        self.C = (B * eigvals) @ B.T
        self.B, self.D = B, np.sqrt(eigvals)

    def _update_margin(self):
        if not self.integer_edges:
            return
        z = ndtri(1.0 - self.margin_alpha)
        std = self.sigma * np.sqrt(np.diag(self.C))
        self.A = np.ones(self.n)
        for j, edges in self.integer_edges.items():
            if edges.size == 0:
                continue
            nearest = np.min(np.abs(edges - self.mean[j]))
            needed = nearest / z
            if std[j] > 0 and needed > std[j]:
                self.A[j] = needed / std[j]

    @property
    def step_lengths(self):
        """Marginal standard deviation of each coordinate (margin included)."""
        return self.sigma * self.A * np.sqrt(np.diag(self.C))


# -- strategies ------------------------------------------------------------------


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


class GeneticAlgorithm(_GenerationalStrategy):
    """A genetic algorithm on the unit cube of one or several subspaces.

    - Generation 0 is a scrambled Sobol' design of ``population_size`` points
      (split evenly between subspaces, see
      :class:`~skbayes.sampling.LowDiscrepancyDesign`).
    - Each later generation has ``population_size`` offspring. Each offspring
      has two parents chosen by tournament (:func:`tournament_select`) among
      the current population; with probability ``crossover_probability`` it
      is their :func:`crossover` (when both belong to the same subspace), and
      otherwise a copy of the first. With probability
      ``mutation_probability`` it is then mutated (:func:`mutate`, each gene
      with probability ``1 / n_dims``, at least one).
    - An offspring identical to a candidate already evaluated, or to a
      sibling, is mutated again (up to ``max_retries`` times); if it is still
      a duplicate (a small finite space), it keeps the known score and is not
      evaluated again.
    - The next population is the ``elitism`` best individuals of the current
      population and the best ``population_size - elitism`` offspring.

    Parameters
    ----------
    spaces : list of Space
    population_size : int
        At least 2.
    generations : int
        Number of generations, the first included.
    crossover_probability, mutation_probability : float in [0, 1]
    mutation_scale : float
        Standard deviation of Gaussian steps in the unit cube.
    tournament_size : int
    elitism : int
        Less than ``population_size``.
    blend_alpha : float, default=0.0
        See :func:`crossover`; 0 draws numeric genes between the parents'
        (mutation does the exploring).
    max_retries : int, default=10
    patience, target_score : see :meth:`should_stop`.
    rng : numpy.random.Generator, int or None

    Examples
    --------
    >>> import numpy as np
    >>> from skbayes.evolution import GeneticAlgorithm
    >>> from skbayes.space import compile_search_spaces, Real, Categorical
    >>> spaces = compile_search_spaces({"x": Real(-5.0, 5.0), "kind": ["a", "b"]})
    >>> ga = GeneticAlgorithm(spaces, population_size=8, generations=10, rng=0)
    >>> while batch := ga.ask(8):
    ...     ga.tell(batch, [-(p["x"] - 1) ** 2 + (p["kind"] == "b") for p in batch])
    >>> best = ga.history["params"][int(np.argmax(ga.history["score"]))]
    >>> best["kind"], bool(abs(best["x"] - 1) < 0.5)
    ('b', True)
    """

    def __init__(
        self,
        spaces,
        *,
        population_size,
        generations,
        crossover_probability=0.8,
        mutation_probability=0.3,
        mutation_scale=0.15,
        tournament_size=3,
        elitism=2,
        blend_alpha=0.0,
        max_retries=10,
        patience=None,
        target_score=None,
        rng=None,
    ):
        super().__init__(
            spaces,
            population_size=population_size,
            generations=generations,
            patience=patience,
            target_score=target_score,
        )
        if self.population_size < 2:
            raise ValueError(f"population_size must be >= 2; got {population_size}.")
        if not 0 <= int(elitism) < self.population_size:
            raise ValueError(
                f"elitism must be in [0, population_size - 1] = [0, {self.population_size - 1}]; got {elitism}."
            )
        self.crossover_probability = float(crossover_probability)
        self.mutation_probability = float(mutation_probability)
        self.mutation_scale = float(mutation_scale)
        self.tournament_size = int(tournament_size)
        self.elitism = int(elitism)
        self.blend_alpha = float(blend_alpha)
        self.max_retries = int(max_retries)
        self.rng = np.random.default_rng(rng)
        self.kinds = [gene_kinds(s) for s in self.spaces]
        self.population = []  # [(subspace, unit, score)]

    def _breed(self):
        if self.generation == 0:
            with warnings.catch_warnings():
                # a space smaller than the population is evaluated whole; the
                # stop reason says so
                warnings.simplefilter("ignore", UserWarning)
                design = LowDiscrepancyDesign(self.spaces, self.population_size, rng=self.rng)
            return [(s, np.asarray(u, float)) for s, u in design.plan]
        pop_scores = [score for _, _, score in self.population]
        pa = tournament_select(pop_scores, self.population_size, self.tournament_size, self.rng)
        pb = tournament_select(pop_scores, self.population_size, self.tournament_size, self.rng)
        offspring, taken = [], set()
        for i, j in zip(pa, pb):
            (s, a, _), (sb, b, _) = self.population[i], self.population[j]
            kinds, space = self.kinds[s], self.spaces[s]
            child = a.copy()
            if sb == s and i != j and self.rng.random() < self.crossover_probability:
                child = crossover(a, b, kinds, self.rng, blend_alpha=self.blend_alpha)
            if self.rng.random() < self.mutation_probability:
                child = self._mutate(s, child, force=True)
            key = space.keys(child[None, :])[0]
            for _ in range(self.max_retries):
                if (s, key) not in self._scores and (s, key) not in taken:
                    break
                child = self._mutate(s, child, force=True)
                key = space.keys(child[None, :])[0]
            taken.add((s, key))
            offspring.append((s, child))
        return offspring

    def _mutate(self, s, u, force):
        d = max(1, self.spaces[s].n_dims)
        return mutate(
            u,
            self.spaces[s],
            self.kinds[s],
            self.rng,
            gene_probability=1.0 / d,
            scale=self.mutation_scale,
            force=force,
        )

    def _select(self, individuals, scores):
        scored = [(s, u, sc) for (s, u, _), sc in zip(individuals, scores)]
        if not self.population:
            self.population = scored
            return
        elite = _best(self.population, self.elitism)
        self.population = elite + _best(scored, self.population_size - len(elite))


def _best(scored, k):
    fit = _fitness([sc for _, _, sc in scored])
    order = np.argsort(-fit, kind="stable")[: max(0, k)]
    return [scored[i] for i in order]


class CMAESStrategy(_GenerationalStrategy):
    """CMA-ES (:class:`CMAES`) over one numeric search space.

    Every dimension must be numeric: :class:`~skbayes.space.Real`,
    :class:`~skbayes.space.Integer` or a scipy.stats distribution (integers
    get the margin of :class:`CMAES`). The search starts at the centre of the
    unit cube with step size ``sigma0``. Samples of a generation that decode
    to a candidate already evaluated reuse its score.

    Parameters
    ----------
    spaces : list of one Space
    population_size : int
        Samples per generation (lambda), at least 2.
    generations : int
    sigma0 : float, default=0.15
        Initial step size in unit-cube lengths.
    patience, target_score : see :meth:`should_stop`.
    rng : numpy.random.Generator, int or None
    where : str, default="search_spaces"
        How errors name the space.

    Raises
    ------
    ValueError
        If there are several subspaces, no free dimension, or a categorical
        dimension (named in the message).
    """

    def __init__(
        self,
        spaces,
        *,
        population_size,
        generations,
        sigma0=0.15,
        patience=None,
        target_score=None,
        rng=None,
        where="search_spaces",
    ):
        super().__init__(
            spaces,
            population_size=population_size,
            generations=generations,
            patience=patience,
            target_score=target_score,
        )
        check_cmaes_space(self.spaces, where)
        space = self.spaces[0]
        edges = {}
        for j, dim in enumerate(space.dimensions):
            e = _integer_edges(dim)
            if e is not None:
                edges[j] = e
        self.rng = np.random.default_rng(rng)
        self.es = CMAES(
            np.full(space.n_dims, 0.5),
            sigma0,
            population_size=self.population_size,
            integer_edges=edges,
            rng=self.rng,
        )
        self._X = None

    def _breed(self):
        self._X = self.es.ask()
        return [(0, x) for x in self._X]

    def _select(self, individuals, scores):
        self.es.tell(self._X, scores)
        self._X = None


def check_cmaes_space(spaces, where="search_spaces"):
    """Raise a ValueError, naming the dimension, if CMA-ES cannot search ``spaces``.

    CMA-ES needs one space whose every free dimension is numeric (ordered).
    """
    if len(spaces) != 1:
        raise ValueError(
            f"algorithm='cmaes' searches a single space; {where} is a list of "
            f"{len(spaces)} subspaces. Use algorithm='ga' for conditional subspaces."
        )
    space = spaces[0]
    if space.n_dims == 0:
        raise ValueError(
            f"algorithm='cmaes' needs at least one dimension with several values; "
            f"every parameter of {where} is fixed."
        )
    for name, dim in zip(space.names, space.dimensions):
        if isinstance(dim, Categorical):
            numbers = all(
                isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
                for v in dim.categories
            )
            hint = (
                f" For ordered integers, use Integer({min(dim.categories)}, {max(dim.categories)})."
                if numbers
                else ""
            )
            raise ValueError(
                f"algorithm='cmaes' handles numeric dimensions only (Real, Integer, "
                f"scipy.stats distributions); {where}[{name!r}] is categorical: "
                f"{dim!r}. Use algorithm='ga' for spaces with categorical "
                f"dimensions.{hint}"
            )
