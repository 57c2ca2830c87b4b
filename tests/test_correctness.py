"""What scikit-learn's and scikit-optimize's own search tests check, for our searches.

Written from what those suites assert (scikit-learn's test_search.py and
test_successive_halving.py, scikit-optimize's test_searchcv.py, test_optimizer.py
and test_space.py), for every skbayes search, plus the regression tests of the
defects those suites found: subspaces without a free dimension, the user's
objects mutated by validation, silent fit failures, scikit-learn's callbacks
ignored by one search, and ``tell`` accepting what is not in the space.
"""

import copy
import json
import pickle
import re
import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris, make_blobs, make_classification
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, make_scorer, recall_score
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC, LinearSVC

from skbayes import EvolutionarySearchCV
from skbayes.optimizer import Optimizer
from skbayes.space import Categorical, Integer, Real

from ._searches import SEARCHES

SEARCH_NAMES = sorted(SEARCHES)


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=90, n_features=5, n_informative=3, random_state=0)


class FailingClassifier(ClassifierMixin, BaseEstimator):
    """Fails to fit when ``a > threshold``; scores ``1 - a`` otherwise."""

    def __init__(self, a=0.0, threshold=0.5):
        self.a = a
        self.threshold = threshold

    def fit(self, X, y):
        if self.a > self.threshold:
            raise ValueError("Failing classifier failed as required")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def score(self, X, y):
        return 1.0 - self.a


class CountingClassifier(LogisticRegression):
    """A LogisticRegression that counts its fits (in this process)."""

    fits = 0

    def fit(self, X, y, **kwargs):
        CountingClassifier.fits += 1
        return super().fit(X, y, **kwargs)


def _cv_times_are_real(results):
    for key in ("mean_fit_time", "mean_score_time", "std_fit_time", "std_score_time"):
        values = np.asarray(results[key], dtype=float)
        assert np.all(np.isfinite(values)) and np.all(values >= 0), key


# -- 1. subspaces with no free dimension --------------------------------------


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_baseline_branch_of_a_conditional_space(name, data):
    X, y = data
    spaces = [
        {"clf": [LogisticRegression(max_iter=200)]},
        {"clf": [SVC()], "clf__C": Real(1e-2, 1e2, prior="log-uniform")},
    ]
    search = SEARCHES[name](Pipeline([("clf", SVC())]), spaces, cv=2).fit(X, y)
    kinds = [type(p["clf"]).__name__ for p in search.cv_results_["params"]]
    assert "SVC" in kinds
    baseline = [p for p in search.cv_results_["params"] if "clf__C" not in p]
    # the fixed-only subspace is one candidate, never evaluated twice at one resource
    rows = [
        (type(p["clf"]).__name__, r)
        for p, r in zip(search.cv_results_["params"], search.cv_results_.get("n_resources", [0] * 99))
        if "clf__C" not in p
    ]
    assert len(rows) == len(set(rows))
    assert all(type(p["clf"]).__name__ == "LogisticRegression" for p in baseline)


@pytest.mark.parametrize("name", SEARCH_NAMES)
@pytest.mark.parametrize("space", [{"C": [0.5]}, {}], ids=["one-value", "empty"])
def test_space_without_free_dimension_is_one_candidate(name, space, data):
    X, y = data
    candidate = {k: v[0] for k, v in space.items()}
    search = SEARCHES[name](LogisticRegression(), space, cv=3).fit(X, y)
    params = search.cv_results_["params"]
    assert all(p == candidate for p in params)
    resources = search.cv_results_.get("n_resources")
    # one candidate (per resource, for a multi-fidelity search)
    assert len(params) == (1 if resources is None else len(set(resources)))
    if resources is None:  # as GridSearchCV: the estimator's own CV score
        expected = cross_val_score(LogisticRegression(**candidate), X, y, cv=3).mean()
        assert search.best_score_ == pytest.approx(expected)
    assert search.best_params_ == candidate
    assert search.best_estimator_.get_params()["C"] == candidate.get("C", 1.0)


@pytest.mark.parametrize("surrogate", ["gp", "rf", "tpe"])
@pytest.mark.parametrize(
    "space",
    [{"C": [1.0]}, {}, [{"kind": ["base"]}, {"kind": ["tuned"], "x": Real(0.0, 1.0)}]],
    ids=["one-value", "empty", "conditional"],
)
def test_optimizer_over_spaces_without_free_dimension(surrogate, space):
    opt = Optimizer(space, surrogate=surrogate, n_initial_points=3, random_state=0)
    seen = []
    for _ in range(8):
        batch = opt.ask(2)
        if not batch:
            break
        opt.tell(batch, [float(p.get("x", 0.5)) for p in batch])
        seen += batch
    if isinstance(space, dict):
        assert seen == [{k: v[0] for k, v in space.items()}]  # one candidate, then nothing left
    else:
        assert sum(p["kind"] == "base" for p in seen) == 1
        assert sum(p["kind"] == "tuned" for p in seen) >= 5


# -- 2. nothing the user passed in is mutated -----------------------------------


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_candidate_estimators_are_not_mutated(name, data):
    X, y = data
    svc = SVC()
    before = svc.get_params()
    spaces = [
        {"clf": [svc], "clf__C": Real(1e-4, 1e-2, prior="log-uniform")},
        {"clf": [svc], "clf__kernel": ["linear", "rbf"]},
    ]
    frozen = copy.deepcopy(spaces)
    estimator = Pipeline([("clf", SVC())])
    search = SEARCHES[name](estimator, spaces, cv=3).fit(X, y)
    assert svc.get_params() == before
    assert estimator.get_params()["clf"].get_params() == SVC().get_params()
    assert repr(spaces) == repr(frozen) and spaces[0]["clf"][0] is svc
    # each candidate is scored with its own hyperparameters, nothing else
    res = search.cv_results_
    for params, score in zip(res["params"], res["mean_test_score"]):
        if "clf__kernel" in params and "n_resources" not in res:
            expected = cross_val_score(SVC(kernel=params["clf__kernel"]), X, y, cv=3).mean()
            assert score == pytest.approx(expected)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_validation_does_not_mutate_estimator_parameters(name, data):
    X, y = data
    inner = LogisticRegression()
    estimator = Pipeline([("clf", inner)])
    SEARCHES[name](estimator, {"clf__C": Real(0.1, 10.0)}, cv=2).fit(X, y)
    assert inner.C == 1.0 and not hasattr(inner, "coef_")


# -- 3. fit failures: warned once per fit, real times ----------------------------


@pytest.mark.parametrize("name", SEARCH_NAMES)
@pytest.mark.parametrize("n_jobs", [None, 2])
def test_failing_fits_warn_once_with_counts(name, n_jobs):
    X, y = load_iris(return_X_y=True)
    search = SEARCHES[name](FailingClassifier(), {"a": Real(0.0, 1.0)}, cv=3, error_score=0.0, n_jobs=n_jobs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    failures = [w for w in caught if issubclass(w.category, FitFailedWarning)]
    assert len(failures) == 1
    res = search.cv_results_
    failed = np.array([p["a"] > 0.5 for p in res["params"]])
    assert failed.any() and (~failed).any()
    n_fits = 3 * len(res["params"])
    pattern = (
        rf"{3 * failed.sum()} fits failed out of a total of {n_fits}.+"
        r"will be set to 0\.0.+Failing classifier failed as required"
    )
    assert re.search(pattern, str(failures[0].message), flags=re.DOTALL)
    np.testing.assert_array_equal(res["mean_test_score"][failed], 0.0)
    _cv_times_are_real(res)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_every_fit_failing_raises_as_grid_search_does(name):
    X, y = load_iris(return_X_y=True)
    search = SEARCHES[name](FailingClassifier(threshold=-1.0), {"a": Real(0.0, 1.0)}, cv=3)
    with pytest.raises(ValueError, match=r"(?s)All the \d+ fits failed.+Failing classifier failed"):
        search.fit(X, y)
    # what was evaluated is kept, with the times of the failed fits
    assert len(search.cv_results_["params"]) >= 1
    _cv_times_are_real(search.cv_results_)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_error_score_raise_propagates_the_error(name):
    X, y = load_iris(return_X_y=True)
    search = SEARCHES[name](FailingClassifier(threshold=-1.0), {"a": Real(0.0, 1.0)}, cv=2, error_score="raise")
    with pytest.raises(ValueError, match="Failing classifier failed as required"):
        search.fit(X, y)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_callable_multimetric_scoring_with_failing_fits(name):
    X, y = load_iris(return_X_y=True)

    def scoring(est, X, y):
        pred = est.predict(X)
        return {"acc": accuracy_score(y, pred), "recall": recall_score(y, pred, average="micro")}

    search = SEARCHES[name](
        FailingClassifier(), {"a": Real(0.0, 1.0)}, cv=2, scoring=scoring, refit="acc", error_score=0.1
    )
    with pytest.warns(FitFailedWarning, match="fits failed out of a total of"):
        search.fit(X, y)
    res = search.cv_results_
    failed = np.array([p["a"] > 0.5 for p in res["params"]])
    for metric in ("acc", "recall"):
        np.testing.assert_allclose(res[f"mean_test_{metric}"][failed], 0.1)
        assert np.all(res[f"mean_test_{metric}"][~failed] > 0.1)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_non_finite_scores_warned_once(name):
    X, y = load_iris(return_X_y=True)
    search = SEARCHES[name](FailingClassifier(), {"a": Real(0.0, 1.0)}, cv=2, n_jobs=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    non_finite = [w for w in caught if "test scores are non-finite" in str(w.message)]
    assert len(non_finite) == 1


# -- 4. scikit-learn's callbacks reach every search -------------------------------


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_scikit_learn_callbacks_for_every_search(name, data):
    pytest.importorskip("sklearn.callback")

    class Recorder:
        def __init__(self):
            self.begun = []

        def setup(self, estimator, context):
            pass

        def teardown(self, estimator, context):
            pass

        def on_fit_begin(self, estimator):
            pass

        def on_fit_end(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context, **kwargs):
            self.begun.append(context.task_name)

        def on_fit_task_end(self, estimator, context, **kwargs):
            pass

    X, y = data
    rec = Recorder()
    search = SEARCHES[name](LogisticRegression(), {"C": Real(0.1, 10.0)}, cv=2)
    search.set_callbacks(rec).fit(X, y)
    assert rec.begun.count("search") == 1
    assert rec.begun.count("batch") >= 1
    assert rec.begun.count("candidate-split-evaluation") == 2 * len(search.cv_results_["params"])


# -- 5. tell refuses what is not in the space ------------------------------------

SPACE = {"x": Real(0.0, 1.0), "k": Integer(1, 5), "c": Categorical(["a", "b"])}


@pytest.mark.parametrize(
    "params, match",
    [
        ({"x": 1.5, "k": 2, "c": "a"}, r"x=1\.5 is outside the bounds \[0\.0, 1\.0\]"),
        ({"x": -0.1, "k": 2, "c": "a"}, r"x=-0\.1 is outside the bounds"),
        ({"x": 0.5, "k": 6, "c": "a"}, r"k=6 is outside the bounds \[1, 5\]"),
        ({"x": 0.5, "k": 2.5, "c": "a"}, r"k=2\.5 is not an integer"),
        ({"x": 0.5, "k": 2, "c": "z"}, r"c='z' is not one of the categories \['a', 'b'\]"),
        ({"x": "0.5", "k": 2, "c": "a"}, r"x='0\.5' is not a number"),
        ({"x": 0.5, "k": 2}, r"lacks \['c'\]"),
        ({"x": 0.5, "k": 2, "c": "a", "z": 1}, r"unknown \['z'\]"),
    ],
)
def test_tell_refuses_points_outside_the_space(params, match):
    opt = Optimizer(SPACE, random_state=0)
    with pytest.raises(ValueError, match=match):
        opt.tell(params, 0.5)
    assert opt.n_told == 0


@pytest.mark.parametrize("score", [None, "0.5", object()])
def test_tell_refuses_non_numeric_scores(score):
    opt = Optimizer(SPACE, random_state=0)
    with pytest.raises(ValueError, match="scores must be real numbers"):
        opt.tell({"x": 0.5, "k": 2, "c": "a"}, score)
    with pytest.raises(ValueError, match="score 1 is None"):
        opt.tell([{"x": 0.5, "k": 2, "c": "a"}, {"x": 0.1, "k": 2, "c": "a"}], [0.5, None])
    assert opt.n_told == 0


def test_tell_accepts_points_on_the_bounds_and_failures():
    opt = Optimizer(SPACE, random_state=0)
    opt.tell([{"x": 0.0, "k": 1, "c": "a"}, {"x": 1.0, "k": 5.0, "c": "b"}], [0.1, np.nan])
    opt.tell({"x": np.float32(0.25), "k": np.int64(3), "c": np.str_("b")}, np.float64(0.7))
    assert opt.n_told == 3 and opt.best_params["x"] == np.float32(0.25)
    assert np.isnan(opt.history["score"][1])


@pytest.mark.parametrize("n", [0, -2, "3", 2.0, True])
def test_ask_refuses_bad_n(n):
    opt = Optimizer(SPACE, random_state=0)
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        opt.ask(n)


def test_tell_of_copies_of_asked_candidates():
    """A copy of an asked candidate (JSON, pickle) is matched to its proposal by value."""

    def f(p):
        return -((p["x"] - 0.3) ** 2 + (p["y"] - 0.7) ** 2)

    best = {}
    for mode in ("originals", "json", "pickle"):
        opt = Optimizer({"x": Real(0.0, 1.0), "y": Real(0.0, 1.0)}, n_initial_points=5, random_state=0)
        for _ in range(15):
            batch = opt.ask(2)
            if mode == "json":
                batch = json.loads(json.dumps(batch))
            elif mode == "pickle":
                batch = pickle.loads(pickle.dumps(batch))
            opt.tell(batch, [f(p) for p in batch])
            assert opt.pending() == []
        best[mode] = opt.best_score
    assert best["json"] == best["originals"] == best["pickle"]


def test_tell_files_a_point_into_the_subspace_that_holds_it():
    opt = Optimizer([{"C": Real(1.0, 10.0)}, {"C": Real(100.0, 1000.0)}], random_state=0)
    opt.tell({"C": 500.0}, 1.0)
    assert opt.history["subspace"] == [1]
    with pytest.raises(ValueError, match=r"subspace 0: C=5000\.0 is outside.+subspace 1: C=5000\.0"):
        opt.tell({"C": 5000.0}, 1.0)


def test_numpy_scalars_as_categorical_values():
    opt = Optimizer({"n": [16, 32, 64], "flag": [True, False]}, random_state=0)
    opt.tell({"n": np.int64(32), "flag": np.bool_(True)}, 1.0)
    assert opt.history["unit"][0][0] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="flag=1 is not one of the categories"):
        opt.tell({"n": 16, "flag": 1}, 1.0)  # a bool is not a number here


# -- 6. smaller defects ----------------------------------------------------------


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_two_dimensional_array_refused_before_any_fit(name, data):
    X, y = data
    CountingClassifier.fits = 0
    search = SEARCHES[name](CountingClassifier(), {"C": np.array([[0.1, 0.2], [0.3, 0.4]])}, cv=2)
    with pytest.raises(ValueError, match=r"search_spaces\['C'\].+one-dimensional.+\(2, 2\)"):
        search.fit(X, y)
    assert CountingClassifier.fits == 0


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_duplicated_values_evaluated_once(name, data):
    X, y = data
    search = SEARCHES[name](LogisticRegression(), {"C": [1.0, 1.0, 0.1, 0.1, 1.0]}, cv=2).fit(X, y)
    rows = list(zip([p["C"] for p in search.cv_results_["params"]], search.cv_results_.get("n_resources", [0] * 99)))
    assert len(rows) == len(set(rows))
    assert {c for c, _ in rows} == {1.0, 0.1}


def test_evolutionary_population_of_two_with_default_elitism(data):
    X, y = data
    search = EvolutionarySearchCV(LogisticRegression(), {"C": Real(0.1, 10.0)}, population_size=2, generations=3, cv=2, random_state=0)
    search.fit(X, y)
    assert search.n_generations_ == 3
    with pytest.raises(ValueError, match="elitism must be less than population_size=2"):
        clone(search).set_params(elitism=2).fit(X, y)


# -- 7. what BaseSearchCV promises, for every search ----------------------------


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_scores_are_the_cross_validated_scores(name, data):
    X, y = data
    search = SEARCHES[name](LinearSVC(), {"C": Real(0.01, 10.0, prior="log-uniform")}, cv=3).fit(X, y)
    res = search.cv_results_
    for params, score, n in zip(res["params"], res["mean_test_score"], res.get("n_resources", [None] * 99)):
        if n is not None and n != len(y):
            continue
        assert score == pytest.approx(cross_val_score(LinearSVC(**params), X, y, cv=3).mean())


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_values_come_back_as_the_users_types(name, data):
    X, y = data
    solver = "lbfgs"
    space = {"C": Real(0.1, 10.0), "max_iter": Integer(50, 200), "solver": Categorical([solver, "liblinear"])}
    search = SEARCHES[name](LogisticRegression(), space, cv=2).fit(X, y)
    for p in search.cv_results_["params"]:
        assert type(p["C"]) is float and type(p["max_iter"]) is int
        assert p["solver"] in ("lbfgs", "liblinear")
    assert any(p["solver"] is solver for p in search.cv_results_["params"])


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_no_refit(name, data):
    X, y = data
    search = SEARCHES[name](LogisticRegression(), {"C": Real(0.1, 10.0)}, cv=2, refit=False).fit(X, y)
    assert not hasattr(search, "best_estimator_")
    assert isinstance(search.best_params_, dict) and np.isfinite(search.best_score_)
    with pytest.raises(AttributeError, match="has no attribute 'predict'") as info:
        search.predict(X)
    assert "refit=False" in str(info.value.__cause__)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_refit_callable_index_is_checked(name, data):
    X, y = data
    search = SEARCHES[name](LogisticRegression(), {"C": Real(0.1, 10.0)}, cv=2, refit=lambda res: 10**6)
    with pytest.raises(IndexError, match="best_index_ index out of range"):
        search.fit(X, y)
    search = SEARCHES[name](LogisticRegression(), {"C": Real(0.1, 10.0)}, cv=2, refit=lambda res: 0).fit(X, y)
    assert search.best_index_ == 0 and not hasattr(search, "best_score_")


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_delegation_and_fitted_attributes(name, data):
    X, y = data
    search = SEARCHES[name](SVC(), {"C": Real(0.1, 10.0)}, cv=2)
    with pytest.raises(NotFittedError):
        search.predict(X)
    search.fit(X, y)
    np.testing.assert_array_equal(search.classes_, np.unique(y))
    assert search.n_features_in_ == X.shape[1]
    assert not hasattr(search, "predict_proba")  # SVC(probability=False)
    assert search.refit_time_ >= 0
    assert search.decision_function(X).shape == (len(y),)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_sparse_input_and_lists(name, data):
    X, y = data
    search = SEARCHES[name](LogisticRegression(), {"C": Real(0.1, 10.0)}, cv=2, random_state=0)
    dense = clone(search).fit(X, y)
    sp = clone(search).fit(sparse.csr_matrix(X), y)
    as_lists = clone(search).fit(X.tolist(), y.tolist())
    np.testing.assert_allclose(sp.cv_results_["mean_test_score"], dense.cv_results_["mean_test_score"], atol=1e-6)
    np.testing.assert_allclose(as_lists.cv_results_["mean_test_score"], dense.cv_results_["mean_test_score"])


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_unsupervised_search_with_a_scorer(name):
    X, y = make_blobs(n_samples=60, centers=3, random_state=0)
    search = SEARCHES[name](KMeans(n_init=2, random_state=0), {"n_clusters": Integer(2, 4)}, cv=2, scoring="adjusted_rand_score")
    search.fit(X, y)
    assert search.best_params_["n_clusters"] in (2, 3, 4)
    search = SEARCHES[name](KMeans(n_init=2, random_state=0), {"n_clusters": Integer(2, 4)}, cv=2).fit(X)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_empty_and_inconsistent_cv_are_refused(name, data):
    X, y = data

    class Inconsistent:
        def split(self, X, y=None, groups=None):
            yield from KFold(2).split(X)

        def get_n_splits(self, X=None, y=None, groups=None):
            return 3

    with pytest.raises(ValueError, match="No fits were performed|empty|Expected"):
        SEARCHES[name](LogisticRegression(), {"C": Real(0.1, 10.0)}, cv=iter([])).fit(X, y)
    with pytest.raises(ValueError, match="inconsistent results|Expected"):
        SEARCHES[name](LogisticRegression(), {"C": Real(0.1, 10.0)}, cv=Inconsistent()).fit(X, y)


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_none_as_a_parameter_value_and_masked_columns(name, data):
    X, y = data
    spaces = [{"class_weight": [None]}, {"C": Real(0.1, 10.0)}]
    search = SEARCHES[name](LogisticRegression(), spaces, cv=2).fit(X, y)
    res = search.cv_results_
    has = np.array(["class_weight" in p for p in res["params"]])
    assert has.any() and (~has).any()
    assert all(p["class_weight"] is None for p in np.array(res["params"])[has])
    assert np.array_equal(np.ma.getmaskarray(res["param_class_weight"]), ~has)
    assert np.array_equal(np.ma.getmaskarray(res["param_C"]), has)


def test_scorer_given_as_make_scorer(data):
    X, y = data
    search = SEARCHES["bayes"](LogisticRegression(), {"C": Real(0.1, 10.0)}, cv=2, scoring=make_scorer(accuracy_score))
    search.fit(X, y)
    assert search.score(X, y) == pytest.approx(accuracy_score(y, search.predict(X)))


@pytest.mark.parametrize("name", SEARCH_NAMES)
def test_a_search_inside_a_fit_judges_its_own_failures(name):
    from sklearn.model_selection import GridSearchCV

    X, y = load_iris(return_X_y=True)
    inner = GridSearchCV(FailingClassifier(), {"a": [0.1, 0.9]}, cv=2, error_score=0.0)
    search = SEARCHES[name](inner, {"cv": [2, 3]}, cv=2, n_jobs=1)
    with pytest.warns(FitFailedWarning, match="fits failed out of a total of"):
        search.fit(X, y)
    assert search.fit_errors_ == {}
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_tell_checks_the_support_of_a_distribution():
    from scipy.stats import expon, randint

    opt = Optimizer({"x": expon(0.0, 1.0), "k": randint(1, 10)}, random_state=0)
    with pytest.raises(ValueError, match="x=-1.0 is outside the bounds"):
        opt.tell({"x": -1.0, "k": 3}, 1.0)
    with pytest.raises(ValueError, match="k=10 is outside the bounds"):
        opt.tell({"x": 1.0, "k": 10}, 1.0)
    opt.tell({"x": 50.0, "k": 9}, 1.0)
    assert opt.n_told == 1
