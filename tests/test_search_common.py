"""Behaviour every skbayes search shares, run for each search in _searches.SEARCHES."""

import pickle

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GroupKFold, KFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

from skbayes.space import Categorical, Integer, Real

from ._searches import SEARCHES

SEARCH_NAMES = sorted(SEARCHES)

# The failures scikit-learn expects for its own searches (GridSearchCV,
# RandomizedSearchCV), and no other.
EXPECTED_FAILED_CHECKS = {
    "check_supervised_y_2d": "DataConversionWarning not caught (as for GridSearchCV)",
    "check_requires_y_none": "Doesn't fail gracefully (as for GridSearchCV)",
}


def _check_instances():
    out = []
    for name in SEARCH_NAMES:
        make = SEARCHES[name]
        common = dict(cv=2, error_score="raise")
        out += [
            make(Ridge(), {"alpha": Real(0.1, 1.0)}, **common),
            make(LogisticRegression(), {"C": Real(0.1, 1.0, prior="log-uniform")}, **common),
            make(Pipeline([("pca", PCA()), ("ridge", Ridge())]), {"ridge__alpha": Real(0.1, 1.0)}, **common),
            make(
                Pipeline([("pca", PCA()), ("logisticregression", LogisticRegression())]),
                {"logisticregression__C": Real(0.1, 1.0)},
                **common,
            ),
        ]
    return out


@parametrize_with_checks(
    _check_instances(), expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_param_validation(name):
    search = SEARCHES[name](Ridge(), {"alpha": Real(0.1, 1.0)}, cv=2)
    check_param_validation(type(search).__name__, search)


# -- data and helpers ----------------------------------------------------------


@pytest.fixture(scope="module")
def clf_data():
    return make_classification(n_samples=120, n_features=6, n_informative=4, random_state=0)


LOGREG_SPACE = {"C": Real(1e-3, 1e2, prior="log-uniform"), "fit_intercept": [True, False]}


def _final_rows(results):
    """Rows the best candidate is chosen from: all, or for a multi-fidelity
    search (an ``n_resources`` column) those at the largest resource."""
    if "n_resources" not in results:
        return slice(None)
    n_resources = np.asarray(results["n_resources"])
    return n_resources == n_resources.max()


def _results_equal(a, b):
    assert [p for p in a["params"]] == [p for p in b["params"]]
    np.testing.assert_allclose(a["mean_test_score"], b["mean_test_score"])


class FailingClassifier(ClassifierMixin, BaseEstimator):
    """Fails to fit when ``a > threshold``; the ``stop_at``-th fit of the process raises ``stop``."""

    n_fits = 0  # fits in this process (n_jobs=1 runs them here)

    def __init__(self, a=0.0, threshold=2.0, stop_at=None, stop="keyboard"):
        self.a = a
        self.threshold = threshold
        self.stop_at = stop_at
        self.stop = stop

    def fit(self, X, y, sample_weight=None):
        FailingClassifier.n_fits += 1
        if self.stop_at is not None and FailingClassifier.n_fits >= self.stop_at:
            raise KeyboardInterrupt if self.stop == "keyboard" else RuntimeError("disk full")
        if self.a > self.threshold:
            raise ValueError(f"a={self.a} is too large")
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def score(self, X, y, sample_weight=None):
        # prefers small a, so the best candidate is known
        return 1.0 - self.a


class WeightCheckingClassifier(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        if sample_weight is None:
            raise AssertionError("sample_weight was not routed to fit")
        return super().fit(X, y, sample_weight=sample_weight)


# -- behaviour -----------------------------------------------------------------


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_fit_finds_good_params_and_exposes_results(name, clf_data):
    X, y = clf_data
    search = SEARCHES[name](LogisticRegression(), LOGREG_SPACE, cv=3).fit(X, y)
    res = search.cv_results_
    n = len(res["params"])
    assert n >= 1
    for key in ("mean_test_score", "std_test_score", "rank_test_score", "mean_fit_time", "param_C"):
        assert len(res[key]) == n
    assert search.best_score_ == pytest.approx(np.max(res["mean_test_score"][_final_rows(res)]))
    assert search.best_params_ == res["params"][search.best_index_]
    assert search.best_estimator_.C == search.best_params_["C"]
    for p in res["params"]:
        assert 1e-3 <= p["C"] <= 1e2 and isinstance(p["C"], float)
        assert p["fit_intercept"] in (True, False)
    assert search.score(X, y) > 0.5
    assert search.fit_errors_ == {}


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_nested_cross_validation(name, clf_data):
    X, y = clf_data
    search = SEARCHES[name](LogisticRegression(), LOGREG_SPACE, cv=2)
    scores = cross_val_score(search, X, y, cv=2)
    assert scores.shape == (2,) and np.all(scores > 0.5)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_pipeline_step_params(name, clf_data):
    X, y = clf_data
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    space = {"logisticregression__C": Real(1e-2, 10.0, prior="log-uniform"), "standardscaler__with_mean": [True, False]}
    search = SEARCHES[name](pipe, space, cv=2).fit(X, y)
    assert set(search.best_params_) == set(space)
    assert search.best_estimator_.named_steps["logisticregression"].C == search.best_params_["logisticregression__C"]


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_estimators_as_categorical_values(name, clf_data):
    X, y = clf_data
    models = [LogisticRegression(), Ridge()]
    pipe = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])
    search = SEARCHES[name](pipe, {"model": models, "scale": [StandardScaler(), "passthrough"]}, cv=2, scoring="r2")
    search.fit(X, y)
    assert all(any(p["model"] is m for m in models) for p in search.cv_results_["params"])


@pytest.mark.parametrize("name", SEARCH_NAMES)
@pytest.mark.parametrize("refit", ["accuracy", "callable"])
def test_multimetric_scoring(name, refit, clf_data):
    X, y = clf_data

    def lowest_fit_time(results):
        return int(np.argmax(results["mean_test_balanced_accuracy"]))

    search = SEARCHES[name](
        LogisticRegression(),
        LOGREG_SPACE,
        cv=2,
        scoring=["accuracy", "balanced_accuracy"],
        refit=lowest_fit_time if refit == "callable" else refit,
        return_train_score=True,
    ).fit(X, y)
    res = search.cv_results_
    for key in ("mean_test_accuracy", "mean_test_balanced_accuracy", "mean_train_accuracy", "rank_test_accuracy"):
        assert key in res
    if refit == "accuracy":
        assert search.best_score_ == pytest.approx(res["mean_test_accuracy"][_final_rows(res)].max())
    else:
        assert search.best_index_ == lowest_fit_time(res)
    assert search.predict(X).shape == y.shape


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_return_train_score(name, clf_data):
    X, y = clf_data
    search = SEARCHES[name](LogisticRegression(), LOGREG_SPACE, cv=2, return_train_score=True).fit(X, y)
    assert "mean_train_score" in search.cv_results_ and "split1_train_score" in search.cv_results_
    search = SEARCHES[name](LogisticRegression(), LOGREG_SPACE, cv=2).fit(X, y)
    assert "mean_train_score" not in search.cv_results_


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_pandas_input(name, clf_data):
    pd = pytest.importorskip("pandas")
    X, y = clf_data
    Xdf = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    search = SEARCHES[name](LogisticRegression(), LOGREG_SPACE, cv=2).fit(Xdf, pd.Series(y))
    assert list(search.feature_names_in_) == list(Xdf.columns)
    assert search.predict(Xdf).shape == (len(y),)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_sample_weight_and_groups_without_routing(name, clf_data):
    X, y = clf_data
    groups = np.arange(len(y)) % 4
    search = SEARCHES[name](WeightCheckingClassifier(), {"C": Real(0.1, 10.0)}, cv=GroupKFold(n_splits=2))
    search.fit(X, y, sample_weight=np.ones(len(y)), groups=groups)
    assert search.n_splits_ == 2
    with pytest.raises(ValueError, match="groups"):
        SEARCHES[name](LogisticRegression(), {"C": Real(0.1, 10.0)}, cv=GroupKFold(n_splits=2)).fit(X, y)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_metadata_routing(name, clf_data):
    from sklearn.metrics import get_scorer

    X, y = clf_data
    groups = np.arange(len(y)) % 4
    with sklearn.config_context(enable_metadata_routing=True):
        est = WeightCheckingClassifier().set_fit_request(sample_weight=True)
        scorer = get_scorer("accuracy").set_score_request(sample_weight=True)
        search = SEARCHES[name](est, {"C": Real(0.1, 10.0)}, cv=GroupKFold(n_splits=2), scoring=scorer)
        search.fit(X, y, sample_weight=np.ones(len(y)), groups=groups)
        assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_pickle_fitted_search(name, clf_data):
    X, y = clf_data
    search = SEARCHES[name](LogisticRegression(), LOGREG_SPACE, cv=2).fit(X, y)
    loaded = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(loaded.predict(X), search.predict(X))
    _results_equal(loaded.cv_results_, search.cv_results_)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_clone_and_random_state_reproducibility(name, clf_data):
    X, y = clf_data
    search = SEARCHES[name](LogisticRegression(), LOGREG_SPACE, cv=2, random_state=3)
    a = search.fit(X, y).cv_results_
    b = clone(search).fit(X, y).cv_results_
    _results_equal(a, b)
    c = clone(search).set_params(random_state=4).fit(X, y).cv_results_
    assert a["params"] != c["params"]


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_cv_given_as_a_generator_of_splits(name, clf_data):
    # as GridSearchCV takes it; scikit-learn < 1.7 needs the shared loop to
    # keep the splits it drew from the generator
    X, y = clf_data
    splits = KFold(3, shuffle=True, random_state=0)
    ref = SEARCHES[name](LogisticRegression(), LOGREG_SPACE, cv=splits, random_state=0).fit(X, y)
    gen = splits.split(X, y)
    search = SEARCHES[name](LogisticRegression(), LOGREG_SPACE, cv=gen, random_state=0).fit(X, y)
    assert search.cv is gen and search.n_splits_ == 3
    _results_equal(ref.cv_results_, search.cv_results_)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_n_jobs_does_not_change_results(name, clf_data):
    X, y = clf_data
    one = SEARCHES[name](LogisticRegression(), LOGREG_SPACE, cv=2, n_jobs=1).fit(X, y)
    two = SEARCHES[name](LogisticRegression(), LOGREG_SPACE, cv=2, n_jobs=2).fit(X, y)
    _results_equal(one.cv_results_, two.cv_results_)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_dask_backend_with_local_cluster(name, clf_data):
    joblib = pytest.importorskip("joblib")
    distributed = pytest.importorskip("dask.distributed")
    X, y = clf_data
    ref = SEARCHES[name](LogisticRegression(), LOGREG_SPACE, cv=2, n_jobs=2).fit(X, y)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster):
        with joblib.parallel_backend("dask"):
            search = SEARCHES[name](LogisticRegression(), LOGREG_SPACE, cv=2, n_jobs=2).fit(X, y)
    _results_equal(ref.cv_results_, search.cv_results_)


@pytest.mark.parametrize("name", SEARCH_NAMES)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.filterwarnings("ignore:One or more of the test scores are non-finite")
@pytest.mark.parametrize("error_score", [np.nan, -1.0])
def test_failing_candidates_do_not_stop_the_search(name, error_score):
    X, y = load_iris(return_X_y=True)
    space = {"a": Real(0.0, 1.0)}
    search = SEARCHES[name](FailingClassifier(threshold=0.5), space, cv=2, error_score=error_score, n_jobs=1)
    search.fit(X, y)
    res = search.cv_results_
    a = np.array([p["a"] for p in res["params"]])
    failed = a > 0.5
    assert failed.any() and (~failed).any(), "the budget should reach both regions"
    assert sorted(search.fit_errors_) == list(np.flatnonzero(failed))
    assert all("too large" in msg for msg in search.fit_errors_.values())
    np.testing.assert_allclose(res["mean_test_score"][failed], error_score)
    assert search.best_params_["a"] <= 0.5
    # the strategy is told nan for a failure, never error_score
    told = np.array(search.strategy_.history["score"])
    assert np.all(np.isnan(told[failed])) and np.all(np.isfinite(told[~failed]))


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_every_candidate_failing_raises(name):
    X, y = load_iris(return_X_y=True)
    search = SEARCHES[name](FailingClassifier(threshold=-1.0), {"a": Real(0.0, 1.0)}, cv=2)
    with pytest.raises(ValueError, match="All the 4 candidates failed on every fold"):
        search.fit(X, y)


@pytest.mark.parametrize("name", SEARCH_NAMES)
@pytest.mark.parametrize("how", ["keyboard", "exception"])
def test_interrupted_search_keeps_results(name, how):
    X, y = load_iris(return_X_y=True)
    space = {"a": Real(0.0, 1.0)}
    reference = SEARCHES[name](FailingClassifier(), space, cv=2, n_jobs=1).fit(X, y)
    # batches of one candidate (n_jobs=1) of two fits each: the 5th fit is the
    # first of the third candidate
    FailingClassifier.n_fits = 0
    search = SEARCHES[name](FailingClassifier(stop_at=5, stop=how), space, cv=2, n_jobs=1, error_score="raise")
    with pytest.raises(KeyboardInterrupt if how == "keyboard" else RuntimeError):
        search.fit(X, y)
    kept = search.cv_results_["params"]
    assert kept == reference.cv_results_["params"][:2]
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"][:2])


# -- bad input -------------------------------------------------------------------


BAD_SPACES = [
    ({"C": Real(5.0, 1.0)}, ValueError, r"search_spaces\['C'\].*low must be < high"),
    ({"C": Real(0.0, 1.0, prior="log-uniform")}, ValueError, r"search_spaces\['C'\].*log-uniform prior needs low > 0"),
    ({"C": Real(0.1, 1.0, prior="normal")}, ValueError, r"search_spaces\['C'\].*prior must be one of \['uniform', 'log-uniform'\]"),
    ({"max_iter": Integer(1.5, 10)}, TypeError, r"search_spaces\['max_iter'\].*Integer bounds must be integers"),
    ({"C": Real("a", 1.0)}, TypeError, r"search_spaces\['C'\].*bounds must be real numbers"),
    ({"penalty": Categorical([])}, ValueError, r"search_spaces\['penalty'\].*at least one value"),
    ({"penalty": []}, ValueError, r"search_spaces\['penalty'\].*at least one value"),
    ({"penalty": "l2"}, TypeError, r"search_spaces\['penalty'\].*wrap it in a list: \['l2'\]"),
    ({"C": (1.0, 2.0, 3.0, 4.0)}, TypeError, r"search_spaces\['C'\].*tuple means \(low, high\)"),
    ({"C_": Real(0.1, 1.0)}, ValueError, r"search_spaces: 'C_' is not a parameter of LogisticRegression \(did you mean 'C'\?\)"),
    ([{"C": Real(0.1, 1.0)}, {"tol": Real(2.0, 1.0)}], ValueError, r"search_spaces\[1\]\['tol'\].*low must be < high"),
    ([], ValueError, "empty list"),
]


@pytest.mark.parametrize("name", SEARCH_NAMES)
@pytest.mark.parametrize("space, error, match", BAD_SPACES)
def test_bad_search_space_raises_at_fit(name, space, error, match, clf_data):
    X, y = clf_data
    search = SEARCHES[name](LogisticRegression(), space, cv=2)  # __init__ only stores
    assert search.search_spaces is space
    with pytest.raises(error, match=match):
        search.fit(X, y)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_pipeline_typo_suggests_double_underscore(name, clf_data):
    X, y = clf_data
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    search = SEARCHES[name](pipe, {"logisticregression_C": Real(0.1, 1.0)}, cv=2)
    with pytest.raises(ValueError, match=r"did you mean 'logisticregression__C'"):
        search.fit(X, y)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_search_does_not_mutate_user_space(name, clf_data):
    X, y = clf_data
    dim = Real(1e-2, 1e2, prior="log-uniform")
    space = {"C": dim, "fit_intercept": [True, False]}
    search = SEARCHES[name](LogisticRegression(), space, cv=2).fit(X, y)
    assert search.search_spaces is space and space["C"] is dim
    assert dim == Real(1e-2, 1e2, prior="log-uniform")
    assert space["fit_intercept"] == [True, False]


def test_regression_with_integer_space():
    X, y = make_regression(n_samples=80, n_features=5, noise=1.0, random_state=0)
    from sklearn.tree import DecisionTreeRegressor

    for name in SEARCH_NAMES:
        search = SEARCHES[name](
            DecisionTreeRegressor(random_state=0),
            {"max_depth": Integer(1, 8), "min_samples_leaf": Integer(1, 20, prior="log-uniform")},
            cv=KFold(3),
        ).fit(X, y)
        for p in search.cv_results_["params"]:
            assert type(p["max_depth"]) is int and 1 <= p["max_depth"] <= 8
            assert type(p["min_samples_leaf"]) is int and 1 <= p["min_samples_leaf"] <= 20
