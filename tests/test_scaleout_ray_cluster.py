"""Batches follow a Ray cluster that grows and shrinks during a fit.

A cluster of its own (``ray.cluster_utils.Cluster``: a 1-CPU head, then a
2-CPU node added after the first batch and removed after the third), so in a
module of its own: ``test_scaleout_ray`` keeps one plain local Ray for all its
tests. Skipped when Ray is not installed.
"""

import time

import joblib
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from skbayes.space import Real

from ._searches import SEARCHES
from .test_search_common import _results_equal

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402
from ray.util.joblib import register_ray  # noqa: E402

SPACE = {"C": Real(1e-3, 1e2, prior="log-uniform", hard_bounds=True)}


@pytest.fixture
def cluster():
    if ray.is_initialized():  # pragma: no cover - someone else's Ray
        pytest.skip("a Ray instance is already running in this process")
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
    register_ray()
    yield cluster
    ray.shutdown()
    cluster.shutdown()


def test_batches_follow_a_ray_cluster_that_grows_and_shrinks(cluster):
    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    sizes, added = [], []

    def rescale(state):
        sizes.append(state.batch_size)
        if state.n_batches == 1:
            added.append(cluster.add_node(num_cpus=2))
            cluster.wait_for_nodes()
        elif state.n_batches == 3:
            cluster.remove_node(added[0])
            deadline = time.monotonic() + 60
            while ray.cluster_resources().get("CPU", 0) > 1 and time.monotonic() < deadline:
                time.sleep(0.1)

    with joblib.parallel_backend("ray"):
        search = SEARCHES["low_discrepancy"](
            LogisticRegression(), SPACE, n_iter=10, cv=2, callbacks=[rescale]
        ).fit(X, y)
    assert sizes == [1, 3, 3, 1, 1, 1]
    ref = SEARCHES["low_discrepancy"](LogisticRegression(), SPACE, n_iter=10, cv=2, n_jobs=1).fit(X, y)
    _results_equal(ref.cv_results_, search.cv_results_)
