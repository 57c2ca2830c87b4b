"""The genetic algorithm: :class:`GeneticAlgorithm`.

A generational strategy (:mod:`skbayes.strategies._generational`) over one or
several subspaces whose offspring are bred by the operators of
:mod:`skbayes.strategies._operators` (tournament selection, crossover,
mutation) and whose next population keeps the best (elitism). The public
path is :mod:`skbayes.evolution`.
"""

import warnings

import numpy as np

from ._design import LowDiscrepancyDesign
from ._generational import _GenerationalStrategy
from ._operators import _fitness, crossover, gene_kinds, mutate, tournament_select

__all__ = ["GeneticAlgorithm"]


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
