"""Bayesian optimisation as an ask/tell object over a search space.

The public path of :class:`Optimizer`, which lives in
``skbayes.strategies._bayes`` with the other strategies.
"""

from .strategies import _bayes

__all__ = ["Optimizer"]

Optimizer = _bayes.Optimizer
__doc__ = _bayes.__doc__
