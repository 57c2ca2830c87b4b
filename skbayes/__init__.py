"""skbayes: hyperparameter search for scikit-learn.

Drop-in ``BaseSearchCV`` estimators that choose candidates better than random
search. Importing skbayes never imports torch, matplotlib or dask.
"""

from .search import EvolutionarySearchCV, LowDiscrepancySearchCV
from .search import HalvingBayesSearchCV
from .search import BayesSearchCV
from .space import Categorical, Integer, Real
from . import sampling as _sampling
from .strategies import LowDiscrepancyDesign as _LowDiscrepancyDesign

# the design strategy lives with the strategies, above the design functions of
# skbayes.sampling; its public path there is given here, at the top, so that
# sampling imports nothing above it
_sampling.LowDiscrepancyDesign = _LowDiscrepancyDesign

__version__ = "0.1.0.dev0"

__all__ = [
    "BayesSearchCV",
    "LowDiscrepancySearchCV",
    "EvolutionarySearchCV",
    "HalvingBayesSearchCV",
    "Real",
    "Integer",
    "Categorical",
    "__version__",
]
