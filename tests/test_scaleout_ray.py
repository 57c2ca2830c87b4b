"""The searches on a local Ray (``ray.init(num_cpus=2)``) through joblib's API.

Skipped when Ray is not installed (extra ``ray``; CI runs this module in a
step of its own, ``.ci/ray``). The recipe under test is the documented one::

    from ray.util.joblib import register_ray
    register_ray()
    with joblib.parallel_backend("ray"):
        search.fit(X, y)
"""

import joblib
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, RidgeClassifier

from skbayes.space import Real

from ._ctrl_c import interrupt_search
from ._searches import SEARCHES
from .test_search_common import FailingClassifier, _results_equal

ray = pytest.importorskip("ray")
from ray.util.joblib import register_ray  # noqa: E402

SEARCH_NAMES = sorted(SEARCHES)
SPACE = {"C": Real(1e-3, 1e2, prior="log-uniform", hard_bounds=True), "fit_intercept": [True, False]}


@pytest.fixture(scope="module")
def local_ray():
    """A 2-CPU Ray started for this module (a few seconds), shut down after it."""
    if ray.is_initialized():  # pragma: no cover - someone else's Ray
        pytest.skip("a Ray instance is already running in this process")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    register_ray()
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=120, n_features=6, n_informative=4, random_state=0)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_results_equal_to_sequential(name, local_ray, data):
    X, y = data
    ref = SEARCHES[name](LogisticRegression(), SPACE, cv=2, n_jobs=1).fit(X, y)
    with joblib.parallel_backend("ray"):
        search = SEARCHES[name](LogisticRegression(), SPACE, cv=2).fit(X, y)
    _results_equal(ref.cv_results_, search.cv_results_)
    assert search.best_params_ == ref.best_params_


@pytest.mark.parametrize("name", ["low_discrepancy", "bayes"])
def test_batches_sized_from_the_ray_cluster(name, local_ray, data):
    # n_jobs=None (and n_points=None): one candidate per CPU of the Ray cluster
    X, y = data
    sizes = []
    kwargs = {"n_points": None} if name == "bayes" else {}
    with joblib.parallel_backend("ray"):
        SEARCHES[name](
            LogisticRegression(), SPACE, cv=2, callbacks=[lambda s: sizes.append(s.batch_size)], **kwargs
        ).fit(X, y)
    assert set(sizes) == {2}


def test_parallel_config_needs_n_jobs(local_ray, data):
    # joblib.parallel_config(backend="ray") alone gives the Ray backend's
    # default of one job: the docs say to add n_jobs=-1
    X, y = data
    sizes = []
    with joblib.parallel_config(backend="ray", n_jobs=-1):
        SEARCHES["low_discrepancy"](
            LogisticRegression(), SPACE, cv=2, callbacks=[lambda s: sizes.append(s.batch_size)]
        ).fit(X, y)
    assert set(sizes) == {2}
    with joblib.parallel_config(backend="ray"):
        assert joblib.effective_n_jobs(None) == 1


def test_large_data_put_in_the_object_store_once_per_fit(local_ray, monkeypatch):
    # 8 candidates in 4 batches of 2, 24 fit tasks: X is put once, and each
    # task carries a reference to it, not a copy
    import cloudpickle
    from ray.util.multiprocessing import pool

    X, y = make_classification(n_samples=2000, n_features=50, random_state=0)
    puts, task_bytes = [], []
    put, run_batch = ray.put, pool.Pool._run_batch
    monkeypatch.setattr(ray, "put", lambda obj, **kw: puts.append(obj) or put(obj, **kw))

    def measured(self, index, func, batch):
        task_bytes.append(len(cloudpickle.dumps((func, batch))))
        return run_batch(self, index, func, batch)

    monkeypatch.setattr(pool.Pool, "_run_batch", measured)
    with joblib.parallel_backend("ray"):
        search = SEARCHES["low_discrepancy"](RidgeClassifier(), {"alpha": Real(1e-3, 1e3)}, n_iter=8, cv=3).fit(X, y)
    ref = SEARCHES["low_discrepancy"](RidgeClassifier(), {"alpha": Real(1e-3, 1e3)}, n_iter=8, cv=3).fit(X, y)
    _results_equal(ref.cv_results_, search.cv_results_)
    assert sum(obj is X for obj in puts) == 1
    assert len(task_bytes) >= 12 and max(task_bytes) < 0.1 * X.nbytes, (max(task_bytes), X.nbytes)


@pytest.mark.parametrize("name", SEARCH_NAMES)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.filterwarnings("ignore:One or more of the test scores are non-finite")
def test_failing_candidate_as_with_loky(name, local_ray):
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    space = {"a": Real(0.0, 1.0, hard_bounds=True)}
    loky = SEARCHES[name](FailingClassifier(threshold=0.5), space, cv=2, n_jobs=2).fit(X, y)
    with joblib.parallel_backend("ray"):
        search = SEARCHES[name](FailingClassifier(threshold=0.5), space, cv=2, n_jobs=2).fit(X, y)
    _results_equal(loky.cv_results_, search.cv_results_)
    assert sorted(search.fit_errors_) == sorted(loky.fit_errors_) and search.fit_errors_
    assert all("too large" in msg for msg in search.fit_errors_.values())


def test_error_score_raise_as_with_loky(local_ray):
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    space = {"a": Real(0.6, 1.0)}
    for backend in ("loky", "ray"):
        search = SEARCHES["low_discrepancy"](FailingClassifier(threshold=0.5), space, cv=2, n_jobs=2, error_score="raise")
        with joblib.parallel_backend(backend, n_jobs=2), pytest.raises(ValueError, match="is too large"):
            search.fit(X, y)


@pytest.mark.slow
def test_ctrl_c_as_with_loky():
    # its own Ray, in a process sent SIGINT as a terminal sends it: the
    # KeyboardInterrupt reaches the caller and the first batch is kept
    line = interrupt_search("ray")
    assert line.startswith("kept 2 "), line
    assert np.isfinite(float(line.split()[3]))


def _fit_in_task(name, n_jobs):
    X, y = make_classification(n_samples=120, n_features=6, n_informative=4, random_state=0)
    search = SEARCHES[name](LogisticRegression(), SPACE, cv=2, n_jobs=n_jobs).fit(X, y)
    return search.cv_results_["mean_test_score"].tolist()


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_search_fitted_inside_a_ray_task(local_ray, data, n_jobs):
    # a whole search as one Ray task (its fits on loky inside the task)
    X, y = data
    ref = SEARCHES["bayes"](LogisticRegression(), SPACE, cv=2, n_jobs=1).fit(X, y)
    scores = ray.get(ray.remote(_fit_in_task).remote("bayes", n_jobs))
    np.testing.assert_allclose(scores, ref.cv_results_["mean_test_score"])
