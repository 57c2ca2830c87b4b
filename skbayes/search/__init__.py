"""The searches: scikit-learn ``BaseSearchCV`` subclasses sharing one loop."""

from ._base import BaseSearch
from ._bayes import BayesSearchCV
from ._evolutionary import EvolutionarySearchCV
from ._halving import HalvingBayesSearchCV
from ._low_discrepancy import LowDiscrepancySearchCV

__all__ = ["BaseSearch", "BayesSearchCV", "LowDiscrepancySearchCV", "EvolutionarySearchCV", "HalvingBayesSearchCV"]
