"""Registry of the searches that the shared tests (test_search_common.py) run.

Each entry builds a search over ``estimator`` and ``search_spaces`` with a small
budget, seeded, so that a whole behaviour test fits in a few seconds. A new
search adds one factory here and gets every shared test: scikit-learn's checks,
nested CV, pipelines, multimetric scoring, pickling, reproducibility, n_jobs,
dask, failures and interruption.
"""

from skbayes import LowDiscrepancySearchCV


def low_discrepancy(estimator, search_spaces, **kwargs):
    kwargs.setdefault("n_iter", 4)
    kwargs.setdefault("random_state", 0)
    return LowDiscrepancySearchCV(estimator, search_spaces, **kwargs)


#: name -> factory(estimator, search_spaces, **search_kwargs)
SEARCHES = {
    "low_discrepancy": low_discrepancy,
}
