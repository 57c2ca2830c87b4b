"""A batch's candidates go to the workers slowest first; results keep the order proposed."""

import threading
import time

import numpy as np
import pytest
from joblib import parallel_config, register_parallel_backend
from joblib._parallel_backends import ThreadingBackend
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV

from skbayes import BayesSearchCV, EvolutionarySearchCV, LowDiscrepancySearchCV
from skbayes.search import _dispatch
from skbayes.space import Categorical, Real

pytestmark = pytest.mark.filterwarnings("ignore::skbayes.exceptions.BoundaryWarning")


class _Timed(ClassifierMixin, BaseEstimator):
    """Sleeps ``delay`` seconds per fit and notes when each fit starts; fails when asked."""

    started = []
    lock = threading.Lock()

    def __init__(self, delay=0.001, shift=0.0, fail=False):
        self.delay = delay
        self.shift = shift
        self.fail = fail

    def fit(self, X, y):
        with self.lock:
            type(self).started.append(self.delay)
        if self.fail and self.delay > 0.04:
            raise ValueError("this candidate always fails")
        time.sleep(self.delay)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        # a score that depends on the candidate and on the fold
        threshold = np.quantile(X[:, 0], 0.5 + 0.4 * np.tanh(self.shift))
        return np.where(X[:, 0] > threshold, self.classes_[-1], self.classes_[0])


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=60, n_features=4, random_state=0)


SPACE = {
    "delay": Real(0.004, 0.15, prior="log-uniform"),
    "shift": Real(-1.0, 1.0),
}


def test_the_slowest_candidates_are_dispatched_first(data):
    X, y = data
    _Timed.started = []
    with parallel_config(backend="threading", n_jobs=2):
        search = LowDiscrepancySearchCV(
            _Timed(), SPACE, n_iter=24, cv=2, n_jobs=2, refit=False, random_state=0
        ).fit(X, y)
    proposed = [p["delay"] for p in search.cv_results_["params"]]
    started = list(_Timed.started)
    assert len(started) == 2 * 24
    checked = slow_first = 0
    for b in range(2, 12):  # the first two batches have (almost) no timings to go by
        pair = proposed[2 * b : 2 * b + 2]
        first = started[4 * b]  # the first fit that started in the batch
        assert first in pair
        if max(pair) > 3 * min(pair):  # clearly different costs
            checked += 1
            slow_first += first == max(pair)
    assert checked >= 4
    assert slow_first == checked
    # and the rows are as proposed: the same candidates as one worker evaluates
    sequential = LowDiscrepancySearchCV(
        _Timed(), SPACE, n_iter=24, cv=2, n_jobs=1, random_state=0
    ).fit(X, y)
    assert proposed == [p["delay"] for p in sequential.cv_results_["params"]]


@pytest.fixture
def reversed_dispatch(monkeypatch):
    """Every batch of more than one candidate dispatched in reverse order."""
    orders = []

    def backwards(self, batch):
        orders.append(len(batch))
        return list(range(len(batch)))[::-1]

    monkeypatch.setattr(_dispatch.CostModel, "order", backwards)
    return orders


SEARCHES = {
    "bayes": lambda **kw: BayesSearchCV(n_iter=10, n_initial_points=4, n_points=3, **kw),
    "low_discrepancy": lambda **kw: LowDiscrepancySearchCV(n_iter=10, **kw),
    "evolutionary": lambda **kw: EvolutionarySearchCV(population_size=4, generations=2, **kw),
}


def _same_results(a, b):
    assert list(a) == list(b)
    for key in a:
        if key.endswith("_time"):
            continue
        va, vb = a[key], b[key]
        if key == "params" or np.asarray(va).dtype == object:
            assert list(va) == list(vb), key
        else:
            np.testing.assert_array_equal(np.asarray(va), np.asarray(vb), err_msg=key)


@pytest.mark.parametrize("name", sorted(SEARCHES))
def test_results_keep_the_order_proposed(name, data, reversed_dispatch):
    # failing candidates, two metrics and train scores: every column of
    # cv_results_, fit_errors_ and the scores told equal those of one worker
    X, y = data
    space = {**SPACE, "fail": Categorical([True])}
    kwargs = dict(
        estimator=_Timed(),
        search_spaces=space,
        cv=3,
        scoring=["accuracy", "balanced_accuracy"],
        refit="balanced_accuracy",
        return_train_score=True,
        random_state=1,
    )
    with pytest.warns(Warning, match="fits failed"):
        sequential = SEARCHES[name](n_jobs=1, **kwargs).fit(X, y)
    assert not reversed_dispatch  # one worker: nothing to order
    with parallel_config(backend="threading", n_jobs=2), pytest.warns(Warning, match="fits failed"):
        parallel = SEARCHES[name](n_jobs=2, **kwargs).fit(X, y)
    assert reversed_dispatch and max(reversed_dispatch) > 1
    _same_results(parallel.cv_results_, sequential.cv_results_)
    assert parallel.fit_errors_ == sequential.fit_errors_
    assert parallel.fit_errors_  # some candidates did fail
    assert parallel.best_params_ == sequential.best_params_
    np.testing.assert_array_equal(
        parallel.strategy_.history["score"], sequential.strategy_.history["score"]
    )


def test_warm_start_after_a_reordered_fit(data, reversed_dispatch):
    # what a fit leaves for warm_start is in the order proposed
    X, y = data
    kwargs = dict(search_spaces=SPACE, n_initial_points=4, n_points=3, cv=2, random_state=2)
    fitted = {}
    for n_jobs in (1, 2):
        with parallel_config(backend="threading", n_jobs=2):
            search = BayesSearchCV(_Timed(), n_iter=9, n_jobs=n_jobs, warm_start=True, **kwargs)
            fitted[n_jobs] = search.fit(X, y).set_params(n_iter=15).fit(X, y)
    assert reversed_dispatch
    _same_results(fitted[2].cv_results_, fitted[1].cv_results_)


def test_cost_model_orders_by_predicted_seconds():
    locate = lambda p: (0, np.array([p["x"]]))  # noqa: E731
    model = _dispatch.CostModel(locate)
    batch = [{"x": 0.1}, {"x": 0.9}, {"x": 0.5}]
    assert model.order(batch) == [0, 1, 2]  # nothing timed yet
    model.observe([{"x": 0.0}, {"x": 1.0}, {"x": 0.5}], [0.01, 1.0, np.nan])
    assert model.order(batch) == [1, 2, 0]
    # a candidate the strategy cannot place is not noted, nor does it break the order
    def refusing(p):
        if "y" in p:
            raise ValueError("not in the space")
        return locate(p)

    model = _dispatch.CostModel(refusing)
    model.observe([{"x": 0.0}, {"x": 1.0}, {"y": 1}], [0.01, 1.0, 5.0])
    assert model.order([{"y": 1}, {"x": 1.0}, {"x": 0.0}]) == [1, 0, 2]


def test_reorder_puts_every_list_back_in_the_order_proposed():
    # proposed a, b, c; dispatched c, a, b: order[k] = where the k-th proposed landed
    order = [1, 2, 0]
    params = [{"p": "c"}, {"p": "a"}, {"p": "b"}, {"p": "replayed"}]
    out = ["c0", "c1", "a0", "a1", "b0", "b1", "r0", "r1"]
    more = {"iter": ["C", "A", "B", "R"]}
    params, out, more = _dispatch.reorder(order, 2, params, out, more)
    assert [p["p"] for p in params] == ["a", "b", "c", "replayed"]
    assert out == ["a0", "a1", "b0", "b1", "c0", "c1", "r0", "r1"]
    assert more == {"iter": ["A", "B", "C", "R"]}
    assert _dispatch.reorder([0, 1], 2, params, out, more) == (params, out, more)


class _GroupingBackend(ThreadingBackend):
    """Threads whose auto-batching always asks for tasks of 4 fits; notes each task's size."""

    sizes = []

    def compute_batch_size(self):
        return 4


def _noting_sizes(hand_over):
    def noted(self, func, callback=None):
        type(self).sizes.append(len(func))
        return hand_over(self, func, callback)

    return noted


# joblib >= 1.5 hands its tasks to the backend's ``submit``, older versions to ``apply_async``
_HAND_OVER = "submit" if hasattr(ThreadingBackend, "submit") else "apply_async"
setattr(_GroupingBackend, _HAND_OVER, _noting_sizes(getattr(ThreadingBackend, _HAND_OVER)))


@pytest.fixture
def grouping_backend():
    register_parallel_backend("skbayes-test-grouping", _GroupingBackend)
    _GroupingBackend.sizes = []
    return "skbayes-test-grouping"


@pytest.mark.parametrize(
    "n_points, largest",
    [(2, 1), (8, 2)],  # 10 fits a batch: one per task; 40 fits: at most 40 // (8 x 2)
)
def test_a_batch_is_not_sent_in_few_large_tasks(data, grouping_backend, n_points, largest):
    X, y = data
    search = BayesSearchCV(
        _Timed(), SPACE, n_iter=2 * n_points, n_points=n_points, n_initial_points=n_points,
        cv=5, n_jobs=2, refit=False, random_state=0,
    )
    with parallel_config(backend=grouping_backend):
        search.fit(X, y)
    assert sum(_GroupingBackend.sizes) == 2 * n_points * 5
    assert max(_GroupingBackend.sizes) == largest
    # scikit-learn's own search, in the same backend, groups as the backend asks
    _GroupingBackend.sizes = []
    with parallel_config(backend=grouping_backend):
        GridSearchCV(_Timed(), {"shift": [-0.5, 0.0, 0.5, 1.0]}, cv=5, n_jobs=2).fit(X, y)
    assert max(_GroupingBackend.sizes) == 4
