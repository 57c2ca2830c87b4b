"""Evolutionary strategies over a search space: a genetic algorithm and CMA-ES.

Both work on the space's unit cube (one coordinate per dimension, see
:mod:`skbayes.space`) and follow the ask/tell protocol of
:class:`skbayes.strategies._base.Strategy`, one *generation* at a time: every
individual of a generation is proposed at once, so that a search evaluates the
whole generation as one batch, and the next generation is bred once every
score of the current one is known. An individual that decodes to a candidate
already evaluated (the same :meth:`Space.keys`) is never proposed again: its
told score is reused.

There are three layers:

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

This is the public path of names that live with the other strategies in
``skbayes.strategies`` (``_operators``, ``_cmaes``, ``_ga``, on the shared
``_generational`` base).
"""

from .strategies._cmaes import CMAES, CMAESStrategy
from .strategies._ga import GeneticAlgorithm
from .strategies._operators import crossover, gene_kinds, mutate, reflect, tournament_select

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
