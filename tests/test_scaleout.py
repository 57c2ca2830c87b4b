"""What every fit task carries of the search, whatever the backend.

scikit-learn sends the search itself with every fit task (the ``caller`` of
its callbacks). That must stay the search's parameters: not the fitted
surrogate, not the results of an earlier fit, not the user's callbacks, and
not a task tree that grows with every candidate.
"""

import pickle
import threading

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import _search as sklearn_search

from skbayes.space import Real

from ._searches import SEARCHES

SEARCH_NAMES = sorted(SEARCHES)
SPACE = {"C": Real(1e-3, 1e2, prior="log-uniform", hard_bounds=True)}

# enough candidates and batches for growth to show (cv=2: two tasks each)
BUDGETS = {
    "low_discrepancy": dict(n_iter=40),  # 40 batches of 1 with n_jobs=1
    "bayes": dict(n_iter=40, n_initial_points=10, n_points=10),
    "evolutionary": dict(population_size=10, generations=4),
    "halving_bayes": dict(n_candidates=16, brackets=3),
}


@pytest.fixture
def task_sizes(monkeypatch):
    """Bytes of each fit task, pickled as a process backend pickles it, data aside."""
    sizes = []
    fit_and_score = sklearn_search._fit_and_score

    def measured(estimator, X, y, *, train, test, **kwargs):
        sizes.append(len(pickle.dumps((estimator, kwargs))))
        return fit_and_score(estimator, X, y, train=train, test=test, **kwargs)

    monkeypatch.setattr(sklearn_search, "_fit_and_score", measured)
    return sizes


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=80, n_features=4, random_state=0)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_bytes_per_fit_task_do_not_grow_with_the_candidates(name, data, task_sizes):
    X, y = data
    search = SEARCHES[name](LogisticRegression(), SPACE, cv=2, n_jobs=1, **BUDGETS[name]).fit(X, y)
    assert len(search.cv_results_["params"]) >= 30
    first, last = task_sizes[0], task_sizes[-1]
    assert max(task_sizes) - min(task_sizes) < 100, (first, last, max(task_sizes))
    assert last < 4000


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_a_second_fit_does_not_ship_the_first_one(name, data, task_sizes):
    # warm_start or a plain second fit: the earlier cv_results_ and
    # best_estimator_ stay home
    X, y = data
    search = SEARCHES[name](LogisticRegression(), SPACE, cv=2, n_jobs=1, **BUDGETS[name]).fit(X, y)
    first_fit = max(task_sizes)
    task_sizes.clear()
    search.fit(X, y)
    assert max(task_sizes) - first_fit < 100


class _Unpicklable:
    def __init__(self):
        self.lock = threading.Lock()
        self.seen = 0

    def __call__(self, state):
        with self.lock:
            self.seen += 1


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_a_callback_that_cannot_be_pickled_stays_home(name, data):
    # callbacks run in this process: one holding a lock (a client, a file)
    # does not stop the search from sending its fits to worker processes
    X, y = data
    callback = _Unpicklable()
    search = SEARCHES[name](LogisticRegression(), SPACE, cv=2, n_jobs=2, callbacks=[callback]).fit(X, y)
    assert callback.seen >= 1
    ref = SEARCHES[name](LogisticRegression(), SPACE, cv=2, n_jobs=1).fit(X, y)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"])
    assert search.callbacks == [callback], "the search's own parameter is untouched"
