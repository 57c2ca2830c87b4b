"""The searches on a real Dask cluster (LocalCluster, worker processes).

What a user who moves a search onto ``parallel_backend("dask")`` would
notice: the same results as sequentially, batches as wide as the cluster (also
when it grows or shrinks), the data sent to each worker once per fit rather
than once per batch, failures and interruptions handled as with loky.
"""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, RidgeClassifier

from skbayes.exceptions import BoundaryWarning
from skbayes.space import Real

from ._searches import SEARCHES
from ._ctrl_c import interrupt_search
from .test_search_common import FailingClassifier, _results_equal

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

SEARCH_NAMES = sorted(SEARCHES)
SPACE = {"C": Real(1e-3, 1e2, prior="log-uniform")}


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=120, n_features=6, n_informative=4, random_state=0)


class _Traffic:
    """What crosses from this process to the workers, and between workers.

    Counts the calls and bytes of ``client.scatter`` (joblib's backend and
    the search both scatter through the client; each object goes to one
    worker, also with ``broadcast=True``, which then copies it from worker to
    worker) and reads every worker's log of the data it fetched from another
    worker.
    """

    def __init__(self, client):
        self.client, self.calls, self.bytes, self.each = client, 0, 0, []
        self._scatter = client.scatter

    def __enter__(self):
        def scatter(data, *args, **kwargs):
            from dask.sizeof import sizeof

            self.calls += 1
            self.bytes += sizeof(data)
            self.each.append(sizeof(data))
            return self._scatter(data, *args, **kwargs)

        self._before = self._peer_bytes()
        self.client.scatter = scatter
        return self

    def __exit__(self, *exc):
        del self.client.scatter  # the instance attribute: back to the method
        self.peer = self._peer_bytes() - self._before

    def _peer_bytes(self):
        logs = self.client.run(lambda dask_worker: sum(e.get("total", 0) for e in dask_worker.transfer_incoming_log))
        return sum(logs.values())


def test_large_data_reaches_each_worker_once_per_fit(client):
    # 4 MB of X, 8 candidates in 4 batches of 2: joblib's backend alone sends
    # X to the cluster once per batch and the second worker fetches it once
    # per batch (8 X in all); the search sends it once, to each worker
    X, y = make_classification(n_samples=5000, n_features=100, random_state=0)
    make = SEARCHES["low_discrepancy"]
    ref = make(RidgeClassifier(), {"alpha": Real(1e-3, 1e3, prior="log-uniform")}, n_iter=8, cv=3).fit(X, y)
    with _Traffic(client) as traffic, joblib.parallel_backend("dask"):
        search = make(RidgeClassifier(), {"alpha": Real(1e-3, 1e3, prior="log-uniform")}, n_iter=8, cv=3).fit(X, y)
    _results_equal(ref.cv_results_, search.cv_results_)
    assert len(search.cv_results_["params"]) == 8
    assert traffic.calls == 1, "X, y and the splits are scattered together, once"
    assert X.nbytes <= traffic.bytes < 1.1 * X.nbytes, traffic.bytes / X.nbytes
    assert traffic.peer < 1.1 * X.nbytes, "the second worker fetches it once at most"


def test_data_the_user_scattered_is_not_sent_again(client, data):
    X, y = make_classification(n_samples=2000, n_features=50, random_state=0)
    make = SEARCHES["low_discrepancy"]
    with _Traffic(client) as traffic, joblib.parallel_backend("dask", scatter=[X, y]):
        make(RidgeClassifier(), {"alpha": Real(1e-3, 1e3, prior="log-uniform")}, n_iter=8, cv=3).fit(X, y)
    # the user's scatter (X and y), then the search's: only the index arrays
    # of the splits (3 x 16 KB train, 3 x 4 KB test)
    assert traffic.calls == 2
    assert traffic.each[0] > X.nbytes and traffic.each[1] < 0.1 * X.nbytes


@pytest.mark.parametrize("as_list", [False, True])
def test_no_large_graph_warning(client, as_list):
    # with the threshold lowered to 1 MB, a 4 MB X inside the tasks would warn
    # at every task: joblib scatters an array but leaves a list in the tasks
    X, y = make_classification(n_samples=5000, n_features=100, random_state=0)
    if as_list:
        X = X.tolist()
    search = SEARCHES["bayes"](RidgeClassifier(), {"alpha": Real(1e-3, 1e3, prior="log-uniform")}, cv=3)
    with dask.config.set({"distributed.admin.large-graph-warning-threshold": "1MB"}):
        with warnings.catch_warnings(), joblib.parallel_backend("dask"):
            warnings.simplefilter("error")
            warnings.simplefilter("ignore", BoundaryWarning)
            search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_batches_as_wide_as_the_cluster(name, client, data):
    # n_jobs=None and no n_points: one candidate per worker of the cluster
    X, y = data
    sizes = []
    kwargs = {"n_points": None} if name == "bayes" else {}
    with joblib.parallel_backend("dask"):
        SEARCHES[name](
            LogisticRegression(), SPACE, cv=2, callbacks=[lambda s: sizes.append(s.batch_size)], **kwargs
        ).fit(X, y)
    if name in ("low_discrepancy", "bayes"):
        assert set(sizes) == {2}
    else:  # a generation or a rung per batch, whatever the workers
        assert sizes


def test_batches_follow_a_cluster_that_grows_and_shrinks(data):
    X, y = data
    sizes = []
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, distributed.Client(cluster) as client:

        def rescale(state):
            sizes.append(state.batch_size)
            target = {1: 3, 2: 2}.get(state.n_batches)
            if target is not None:
                cluster.scale(target)
                client.wait_for_workers(target, timeout=60)
                while len(client.scheduler_info()["workers"]) != target:  # a retiring worker
                    client.sync(lambda: __import__("asyncio").sleep(0.1))

        with joblib.parallel_backend("dask"):
            search = SEARCHES["low_discrepancy"](
                LogisticRegression(), SPACE, n_iter=8, cv=2, callbacks=[rescale]
            ).fit(X, y)
    assert sizes == [1, 3, 2, 2]
    ref = SEARCHES["low_discrepancy"](LogisticRegression(), SPACE, n_iter=8, cv=2).fit(X, y)
    _results_equal(ref.cv_results_, search.cv_results_)


@pytest.mark.parametrize("name", SEARCH_NAMES)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.filterwarnings("ignore:One or more of the test scores are non-finite")
def test_failing_candidate_as_with_loky(name, client):
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    space = {"a": Real(0.0, 1.0)}
    loky = SEARCHES[name](FailingClassifier(threshold=0.5), space, cv=2, n_jobs=2).fit(X, y)
    with joblib.parallel_backend("dask"):
        search = SEARCHES[name](FailingClassifier(threshold=0.5), space, cv=2, n_jobs=2).fit(X, y)
    _results_equal(loky.cv_results_, search.cv_results_)
    assert sorted(search.fit_errors_) == sorted(loky.fit_errors_) and search.fit_errors_


@pytest.mark.slow
def test_ctrl_c_as_with_loky():
    # Ctrl-C (SIGINT to the process group) while the 2nd batch runs: the
    # KeyboardInterrupt reaches the caller and the 1st batch is kept
    for backend in ("loky", "dask"):
        line = interrupt_search(backend)
        assert line.startswith("kept 2 "), (backend, line)
