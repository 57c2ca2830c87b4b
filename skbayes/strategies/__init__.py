"""The ask/tell strategies: every object that proposes candidates, and nothing else.

A strategy reads the history of what it was told and proposes; it knows
nothing of cross-validation (the searches in :mod:`skbayes.search` evaluate
what it proposes). The modules here are private; the public paths are
:mod:`skbayes.optimizer` (Bayesian optimisation), :mod:`skbayes.evolution`
(genetic algorithm, CMA-ES) and :mod:`skbayes.sampling` (the low-discrepancy
design, also exported here); the proposers of
:class:`~skbayes.HalvingBayesSearchCV`'s later brackets are exported here:

- ``_base``: the protocol (:class:`Strategy`: ask, tell, candidates matched by value);
- ``_design``: :class:`~skbayes.sampling.LowDiscrepancyDesign`, a design handed out in batches;
- ``_bayes``: the :class:`~skbayes.optimizer.Optimizer` (a surrogate per subspace, batches by constant liar);
- ``_acq_optim``: the acquisition maximiser, the best new candidate of a fitted surrogate;
- ``_cost``: the model of what a candidate costs (``log`` seconds), for cost-aware proposals;
- ``_generational``: generations, duplicates and stop criteria of the GA and CMA-ES;
- ``_operators``: the evolutionary operators on unit-cube points (reflect, crossover, ...);
- ``_ga``: the genetic algorithm;
- ``_cmaes``: the CMA-ES engine and its strategy;
- ``_halving``: successive halving and Hyperband brackets;
- ``_proposers``: the models that propose the candidates of later brackets.
"""

from ._design import LowDiscrepancyDesign
from ._proposers import ParzenProposer, SurrogateProposer

__all__ = ["LowDiscrepancyDesign", "ParzenProposer", "SurrogateProposer"]
