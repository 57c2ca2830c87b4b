"""Registry of the searches that the shared tests (test_search_common.py) run.

Each entry builds a search over ``estimator`` and ``search_spaces`` with a small
budget, seeded, so that a whole behaviour test fits in a few seconds. A new
search adds one factory here and gets every shared test: scikit-learn's checks,
nested CV, pipelines, multimetric scoring, pickling, reproducibility, n_jobs,
dask, failures and interruption.
"""

from skbayes import EvolutionarySearchCV, LowDiscrepancySearchCV
from skbayes import HalvingBayesSearchCV
from skbayes import BayesSearchCV


def low_discrepancy(estimator, search_spaces, **kwargs):
    kwargs.setdefault("n_iter", 4)
    kwargs.setdefault("random_state", 0)
    return LowDiscrepancySearchCV(estimator, search_spaces, **kwargs)


def evolutionary(estimator, search_spaces, **kwargs):
    # population_size=2: the interruption test counts on batches of 2 candidates
    kwargs.setdefault("population_size", 2)
    kwargs.setdefault("generations", 2)
    kwargs.setdefault("elitism", 1)
    kwargs.setdefault("random_state", 0)
    return EvolutionarySearchCV(estimator, search_spaces, **kwargs)


def halving_bayes(estimator, search_spaces, **kwargs):
    # 2 brackets of 2 + 1 candidates (factor 2, min_resources="exhaust"): the
    # interruption test counts on a first rung of 2, the all-failing test on 4
    # candidates (a rung that fails whole ends its bracket)
    for key, value in dict(n_candidates=2, factor=2, min_resources="exhaust", brackets=2, random_state=0).items():
        kwargs.setdefault(key, value)
    return HalvingBayesSearchCV(estimator, search_spaces, **kwargs)


def bayes(estimator, search_spaces, **kwargs):
    # n_iter=4: the all-failing test counts 4 candidates; n_points=2 fixes the
    # batches (same candidates for n_jobs=1 and 2; the interruption test
    # counts on a first batch of 2)
    for key, value in dict(n_iter=4, n_initial_points=2, n_points=2, random_state=0).items():
        kwargs.setdefault(key, value)
    return BayesSearchCV(estimator, search_spaces, **kwargs)


#: name -> factory(estimator, search_spaces, **search_kwargs)
SEARCHES = {
    "low_discrepancy": low_discrepancy,
    "bayes": bayes,
    "evolutionary": evolutionary,
    "halving_bayes": halving_bayes,
}
