"""What a search keeps of what it evaluated: candidates known by value, warm start
and resume that replay the record, and what a fit task ships to the workers."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from skbayes import BayesSearchCV, EvolutionarySearchCV, HalvingBayesSearchCV, LowDiscrepancySearchCV
from skbayes.optimizer import Optimizer
from skbayes.space import Real
from skbayes.surrogates import GaussianProcess

from ._searches import SEARCHES

SEARCH_NAMES = sorted(SEARCHES)


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=80, n_features=5, n_informative=3, random_state=0)


class CountingSVC(SVC):
    fits = 0

    def fit(self, X, y, **kwargs):
        CountingSVC.fits += 1
        return super().fit(X, y, **kwargs)


KERNEL_SPACES = [
    {"kernel": ["rbf"], "C": Real(0.1, 10.0, prior="log-uniform")},
    {"kernel": ["linear"], "C": Real(0.1, 10.0, prior="log-uniform")},
]


def test_warm_start_files_candidates_by_their_fixed_values(data):
    X, y = data
    search = BayesSearchCV(CountingSVC(), KERNEL_SPACES, n_iter=4, n_initial_points=4, cv=2, random_state=0)
    search.fit(X, y)
    search.set_params(n_iter=8, warm_start=True).fit(X, y)
    history = search.strategy_.history
    for s, params in zip(history["subspace"], history["params"]):
        assert params["kernel"] == ("rbf" if s == 0 else "linear")


def test_low_discrepancy_warm_start_refits_nothing_it_evaluated(data):
    X, y = data
    search = LowDiscrepancySearchCV(CountingSVC(), KERNEL_SPACES, n_iter=4, cv=2, random_state=0)
    search.fit(X, y)
    CountingSVC.fits = 0
    search.set_params(n_iter=8, warm_start=True).fit(X, y)
    assert search.n_replayed_ == 4
    assert CountingSVC.fits == 4 * 2 + 1  # 4 new candidates x 2 folds, and the refit
    keys = [(p["kernel"], p["C"]) for p in search.cv_results_["params"]]
    assert len(keys) == len(set(keys)) == 8


@pytest.mark.parametrize("name", ["bayes", "low_discrepancy", "evolutionary"])
def test_warm_start_with_estimators_as_categories(name, data):
    X, y = data
    models = [LogisticRegression(), SVC()]
    budget = {"bayes": "n_iter", "low_discrepancy": "n_iter", "evolutionary": "generations"}[name]
    search = SEARCHES[name](Pipeline([("clf", SVC())]), {"clf": models, "clf__C": Real(0.1, 10.0)}, cv=2)
    search.fit(X, y)
    n_first = len(search.cv_results_["params"])
    search.set_params(warm_start=True, **{budget: search.get_params()[budget] * 2}).fit(X, y)
    assert search.n_replayed_ == n_first
    assert all(any(p["clf"] is m for m in models) for p in search.cv_results_["params"])


def test_refused_warm_start_keeps_the_record(data):
    X, y = data
    search = LowDiscrepancySearchCV(LogisticRegression(), {"C": Real(0.1, 10.0)}, n_iter=4, cv=2, random_state=0)
    search.fit(X, y)
    search.set_params(n_iter=6, warm_start=True)
    with pytest.raises(ValueError, match="fitted on other data"):
        search.fit(X[:60], y[:60])
    search.fit(X, y)
    assert search.n_replayed_ == 4 and len(search.cv_results_["params"]) == 6


def test_evolutionary_warm_start_without_a_seed_replays(data):
    X, y = data
    search = EvolutionarySearchCV(
        CountingSVC(), {"C": Real(0.1, 10.0)}, population_size=4, generations=2, cv=2, random_state=None
    )
    search.fit(X, y)
    n_first = len(search.cv_results_["params"])
    CountingSVC.fits = 0
    search.set_params(generations=3, warm_start=True).fit(X, y)
    assert search.n_replayed_ == n_first
    n_new = len(search.cv_results_["params"]) - n_first
    assert n_new <= 4 and CountingSVC.fits == 2 * n_new + 1


class NoUpdateSurrogate:
    """A regression surrogate with fit and predict only: the mean of the scores."""

    instances = set()

    def fit(self, X, y):
        NoUpdateSurrogate.instances.add(id(self))
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X, return_std=False):
        mean = np.full(len(X), self.mean_)
        return (mean, np.ones(len(X))) if return_std else mean


def test_custom_surrogate_without_update_in_batches():
    NoUpdateSurrogate.instances = set()
    opt = Optimizer(
        [{"a": Real(0.0, 1.0)}, {"b": Real(0.0, 1.0)}], surrogate=NoUpdateSurrogate(), n_initial_points=2, random_state=0
    )
    for _ in range(4):
        batch = opt.ask(3)
        assert len(batch) == 3
        opt.tell(batch, [p.get("a", 0.0) + p.get("b", 0.0) for p in batch])
    # one surrogate per subspace, none of them the user's object
    assert len({id(m) for m in opt.surrogates_.values()}) == 2


def test_gaussian_process_fit_forgets_the_previous_fit():
    rng = np.random.default_rng(0)
    X1, X2 = rng.random((30, 2)), rng.random((30, 2))
    y1 = np.sin(8 * X1[:, 0])
    y2 = X2[:, 1] - X2[:, 1].mean()
    gp = GaussianProcess(random_state=0).fit(X1, y1).fit(X2, y2)
    fresh = GaussianProcess(random_state=0).fit(X2, y2)
    np.testing.assert_allclose(gp.theta_, fresh.theta_)
    # warm starting is explicit
    warm = GaussianProcess(random_state=0, warm_start=True).fit(X1, y1)
    theta1 = warm.theta_.copy()
    warm.fit(np.vstack([X1, X2[:1]]), np.concatenate([y1, y2[:1]]))
    np.testing.assert_allclose(warm.theta_, theta1)  # grown by under 5 %: kept


def test_halving_accepts_a_shuffling_splitter_without_seed(data):
    X, y = data
    search = HalvingBayesSearchCV(
        LogisticRegression(), {"C": Real(0.1, 10.0)}, cv=KFold(3, shuffle=True), n_candidates=4, factor=2, random_state=0
    )
    search.fit(X, y)
    assert search.n_splits_ == 3 and np.all(np.isfinite(search.cv_results_["mean_test_score"]))


_SIZES = {}


class MeasureShipped:
    """A callback: bytes of the pickled search (what scikit-learn ships with a fit task)."""

    def __init__(self, key):
        self.key = key

    def __eq__(self, other):
        return isinstance(other, MeasureShipped) and other.key == self.key

    def __call__(self, state):
        shipped = state.search.__getstate__()
        # scikit-learn's own context of its callbacks grows with its task
        # tree: not what this search adds
        shipped.pop("_callback_fit_ctx", None)
        _SIZES[self.key].append(len(pickle.dumps(shipped)))


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_what_a_fit_task_ships_does_not_grow_with_observations(name, data):
    X, y = data
    sizes = _SIZES[name] = []
    measure = MeasureShipped(name)
    search = SEARCHES[name](LogisticRegression(), {"C": Real(0.1, 10.0)}, cv=2, callbacks=[measure])
    budget = {"bayes": {"n_iter": 12}, "low_discrepancy": {"n_iter": 12}, "evolutionary": {"generations": 4}}
    search.set_params(**budget.get(name, {"n_candidates": 8, "factor": 2})).fit(X, y)
    assert len(sizes) >= 3
    assert max(sizes) - min(sizes) < 512, sizes
    # a fitted search still pickles whole
    assert pickle.loads(pickle.dumps(search)).strategy_ is not None
    assert clone(search).get_params()["callbacks"] == [measure]


@pytest.mark.parametrize("name", ["bayes", "low_discrepancy"])
def test_checkpoint_resume_gives_back_the_users_objects(name, data, tmp_path):
    from skbayes.callbacks import CheckpointSaver

    X, y = data
    models = [LogisticRegression(), SVC()]
    path = tmp_path / "search.ckpt"

    def make():
        return SEARCHES[name](
            Pipeline([("clf", SVC())]), {"clf": models, "clf__C": Real(0.1, 10.0)}, cv=2,
            callbacks=[CheckpointSaver(path)],
        )

    first = make().fit(X, y)
    resumed = make().fit(X, y)
    assert resumed.n_replayed_ == len(first.cv_results_["params"])
    for p in resumed.cv_results_["params"]:
        assert any(p["clf"] is m for m in models)
    for p in resumed.strategy_.history["params"]:
        assert any(p["clf"] is m for m in models)


# -- item 6: a checkpoint under nested cross-validation ----------------------------


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_checkpoint_under_nested_cross_validation(data, tmp_path, n_jobs):
    from sklearn.model_selection import cross_val_score

    from skbayes.callbacks import CheckpointSaver

    X, y = data
    path = tmp_path / "search.ckpt"
    space = {"C": Real(1e-2, 1e2, prior="log-uniform")}

    def search(callbacks=None):
        return BayesSearchCV(LogisticRegression(), space, n_iter=4, cv=2, random_state=0, callbacks=callbacks)

    plain = cross_val_score(search(), X, y, cv=3)
    saved = cross_val_score(search([CheckpointSaver(path)]), X, y, cv=3, n_jobs=n_jobs)
    np.testing.assert_array_equal(saved, plain)  # no outer fold refused
    CountingSVC.fits = 0
    # each outer fold resumes its own entry of the shared file: nothing refitted
    # but the best candidate of each fold
    again = cross_val_score(
        BayesSearchCV(CountingSVC(), {"C": Real(1e-2, 1e2, prior="log-uniform")}, n_iter=3, cv=2,
                      random_state=0, callbacks=[CheckpointSaver(tmp_path / "svc.ckpt")]),
        X, y, cv=3,
    )
    first_fits = CountingSVC.fits
    assert first_fits == 3 * (3 * 2 + 1)
    resumed = cross_val_score(
        BayesSearchCV(CountingSVC(), {"C": Real(1e-2, 1e2, prior="log-uniform")}, n_iter=3, cv=2,
                      random_state=0, callbacks=[CheckpointSaver(tmp_path / "svc.ckpt")]),
        X, y, cv=3,
    )
    np.testing.assert_array_equal(resumed, again)
    assert CountingSVC.fits - first_fits == 3  # the refits only


# -- snapshots are plain data ------------------------------------------------------


class _NoSkbayesUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module.split(".")[0] == "skbayes":
            raise pickle.UnpicklingError(f"a live skbayes object in the snapshot: {module}.{name}")
        return super().find_class(module, name)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_a_snapshot_holds_no_skbayes_object(name, data):
    import io

    X, y = data
    search = SEARCHES[name](LogisticRegression(), {"C": Real(0.1, 10.0, prior="log-uniform")}, cv=2).fit(X, y)
    snapshot = search._search_record_
    _NoSkbayesUnpickler(io.BytesIO(pickle.dumps(snapshot))).load()
    assert "strategy" not in snapshot and snapshot["batches"]


def test_a_snapshot_proposed_otherwise_keeps_its_results(data):
    X, y = data
    space = {"C": Real(0.1, 10.0, prior="log-uniform")}
    search = BayesSearchCV(LogisticRegression(), space, n_iter=4, cv=2, random_state=0).fit(X, y)
    # as if another version of skbayes had proposed the first candidate
    search._search_record_["params"][0] = {"C": 5.0}
    search.set_params(warm_start=True, n_iter=6)
    with pytest.warns(UserWarning, match="results are kept"):
        search.fit(X, y)
    assert search.n_replayed_ == 4
    params = search.cv_results_["params"]
    assert len(params) == 6 and params[0] == {"C": 5.0}
    assert len({p["C"] for p in params}) == 6


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_stop_reason_is_always_a_string(name, data):
    X, y = data
    space = {"C": Real(0.1, 10.0, prior="log-uniform")}
    search = SEARCHES[name](LogisticRegression(), space, cv=2).fit(X, y)
    assert isinstance(search.stop_reason_, str) and search.stop_reason_

    def interrupt(state):
        raise KeyboardInterrupt

    search = SEARCHES[name](LogisticRegression(), space, cv=2, callbacks=[interrupt])
    with pytest.raises(KeyboardInterrupt):
        search.fit(X, y)
    assert search.stop_reason_.startswith("interrupted by KeyboardInterrupt after ")
