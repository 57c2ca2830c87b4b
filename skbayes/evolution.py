"""Evolutionary strategies: genetic operators, a genetic algorithm and CMA-ES.

The public path of what lives in ``skbayes.strategies._evolution`` with the
other strategies.
"""

from .strategies import _evolution
from .strategies._evolution import *  # noqa: F401,F403 - the public names

__all__ = list(_evolution.__all__)
__doc__ = _evolution.__doc__
