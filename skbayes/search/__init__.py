"""The searches: scikit-learn ``BaseSearchCV`` subclasses sharing one loop."""

from ._base import BaseSearch
from ._low_discrepancy import LowDiscrepancySearchCV

__all__ = ["BaseSearch", "LowDiscrepancySearchCV"]
