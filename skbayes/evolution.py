"""Evolutionary strategies: genetic operators, a genetic algorithm and CMA-ES.

The public path of what lives in ``skbayes.strategies._evolution`` with the
other strategies.
"""

from .strategies import _evolution
from .strategies._evolution import (
    CMAES,
    CMAESStrategy,
    GeneticAlgorithm,
    crossover,
    gene_kinds,
    mutate,
    reflect,
    tournament_select,
)

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

__doc__ = _evolution.__doc__
