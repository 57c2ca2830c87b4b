"""Diagnostics after a search: the best value at a bound, and parameter importances."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import NotFittedError

from skbayes import LowDiscrepancySearchCV
from skbayes.exceptions import BoundaryWarning
from skbayes.search._diagnostics import boundary_findings, warn_if_best_at_bound
from skbayes.space import Categorical, Integer, Real, compile_search_spaces

from ._searches import SEARCHES

X, Y = np.zeros((6, 1)), np.zeros(6)


class Objective(RegressorMixin, BaseEstimator):
    """Scores ``-f(a, b, k, c)`` whatever the data: a known synthetic objective.

    Main effects (variance shares under uniform parameters): ``a`` about
    0.8, ``k`` 0.13, ``b`` 0.04, ``c`` none at all; no interactions.
    """

    def __init__(self, a=0.5, b=0.5, k=1, c=0.5, kind="x"):
        self.a, self.b, self.k, self.c, self.kind = a, b, k, c, kind

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y):
        return -(4.0 * (self.a - 0.3) ** 2 + 1.0 * (self.b - 0.6) ** 2 + 0.3 * abs(self.k - 3))


class Best(RegressorMixin, BaseEstimator):
    """The best candidate is the one closest to ``target`` (on parameter ``x``)."""

    def __init__(self, x=0.0, y=0.0, kind="a", target=0.0):
        self.x, self.y, self.kind, self.target = x, y, kind, target

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y):
        return -abs(float(self.x) - self.target) - 1e-3 * abs(float(self.y))


def _fit(space, n_iter=16, estimator=None, **kwargs):
    search = LowDiscrepancySearchCV(
        estimator if estimator is not None else Best(), space, n_iter=n_iter, cv=2, random_state=0, **kwargs
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, Y)
    return search, [w for w in caught if issubclass(w.category, BoundaryWarning)]


# -- the best value at a bound --------------------------------------------------


class _Fitted:
    """What the diagnostics read of a fitted search, with a chosen best candidate."""

    def __init__(self, search_spaces, best):
        self.search_spaces = search_spaces
        self.best_index_ = 0
        self.cv_results_ = {"params": [best]}


@pytest.mark.parametrize(
    "dim, value, side",
    [
        (Real(0.0, 10.0), 10.0, "upper"),
        (Real(0.0, 10.0), 0.05, "lower"),
        (Real(1e-3, 1e3, prior="log-uniform"), 1e3, "upper"),
        (Real(1e-3, 1e3, prior="log-uniform"), 1.1e-3, "lower"),
        (Integer(1, 8), 1, "lower"),
        (Integer(2, 64, prior="log-uniform"), 64, "upper"),
    ],
)
def test_warns_when_the_best_value_is_at_a_bound(dim, value, side):
    fitted = _Fitted({"x": dim, "y": Real(-1.0, 1.0), "kind": ["a", "b"]}, {"x": value, "y": 0.0, "kind": "a"})
    with pytest.warns(BoundaryWarning) as caught:
        warn_if_best_at_bound(fitted, stacklevel=2)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert f"x={value!r} is" in message and f"the {side} bound" in message and "widen" in message
    assert repr(dim) in message and "y=0.0" not in message, "y's best value is inside its range"
    assert "category=skbayes.exceptions.BoundaryWarning" in message, "the message says how to silence it"


def test_a_fitted_search_warns_at_its_callers_line():
    # unscrambled Sobol starts at the corner: x=0.0 is evaluated, and it is the best
    search = LowDiscrepancySearchCV(Best(target=-5.0), {"x": Real(0.0, 10.0)}, n_iter=4, scramble=False, cv=2)
    with pytest.warns(BoundaryWarning, match=r"x=0\.0 is at the lower bound 0\.0") as caught:
        search.fit(X, Y)
    assert caught[0].filename == __file__


def test_no_warning_in_the_middle_of_the_range():
    _, caught = _fit({"x": Real(-10.0, 10.0), "y": Real(-1.0, 1.0)}, n_iter=32, estimator=Best(target=2.0))
    assert caught == []


def test_one_percent_is_measured_in_the_prior_scale():
    # 0.0012 is 0.02 % of [0.001, 1000] linearly, but 1.3 % in log scale
    assert boundary_findings(_Fitted({"x": Real(1e-3, 1e3, prior="log-uniform")}, {"x": 0.0012})) == []
    (finding,) = boundary_findings(_Fitted({"x": Real(1e-3, 1e3)}, {"x": 0.0012}))
    assert finding["side"] == "low" and finding["bound"] == 1e-3
    # 1e-3 * 1e6 ** 0.995: 99.5 % of the log range, 3 % below the top linearly
    top = 1e-3 * 1e6**0.995
    assert [f["side"] for f in boundary_findings(_Fitted({"x": Real(1e-3, 1e3, prior="log-uniform")}, {"x": top}))] == ["high"]
    assert boundary_findings(_Fitted({"x": Real(1e-3, 1e3)}, {"x": top})) == []


def test_integer_within_one_percent_of_a_wide_range():
    assert [f["side"] for f in boundary_findings(_Fitted({"n": Integer(1, 500)}, {"n": 5}))] == ["low"]
    assert boundary_findings(_Fitted({"n": Integer(1, 500)}, {"n": 7})) == []  # 6/499 = 1.2 %
    assert boundary_findings(_Fitted({"n": Integer(1, 500)}, {"n": 250})) == []


def test_nothing_to_report_without_a_best_candidate():
    fitted = _Fitted({"x": Real(0.0, 1.0)}, {"x": 1.0})
    del fitted.best_index_  # multimetric with refit=False
    assert boundary_findings(fitted) == []


@pytest.mark.parametrize(
    "hard, reported", [(True, []), ("high", ["low"]), ("low", ["high"]), (False, ["low", "high"])]
)
def test_hard_bounds_are_never_reported(hard, reported):
    dim = Real(0.0, 1.0, hard_bounds=hard)
    sides = [
        f["side"] for value in (0.0, 1.0) for f in boundary_findings(_Fitted({"x": dim}, {"x": value}))
    ]
    assert sides == reported
    dim = Integer(0, 1, hard_bounds=hard)
    _, caught = _fit({"x": dim}, n_iter=2, estimator=Best(target=3.0))
    assert bool(caught) is ("high" in reported)


def test_categorical_and_distribution_values_are_never_reported():
    from scipy import stats

    space = {"kind": Categorical([0.0, 0.5, 1.0]), "x": stats.uniform(0.0, 1.0), "y": Real(-1.0, 1.0)}
    assert boundary_findings(_Fitted(space, {"kind": 1.0, "x": 1.0, "y": 0.0})) == []


def test_conditional_subspaces_only_the_best_candidates_own():
    # subspace "a" reaches x's bound but loses; the best candidate is in "b"
    space = [
        {"kind": ["a"], "x": Real(-5.0, -1.0)},
        {"kind": ["b"], "x": Real(-1.0, 1.0), "y": Real(0.0, 100.0)},
    ]
    search, caught = _fit(space, n_iter=24, estimator=Best(target=0.2))
    assert search.best_params_["kind"] == "b" and caught == []
    search, caught = _fit(space, n_iter=24, estimator=Best(target=-9.0), scramble=False)
    assert search.best_params_["kind"] == "a" and len(caught) == 1
    assert "x=-5.0 is at the lower bound" in str(caught[0].message)
    # the same value, judged in the other subspace's range, would not be at a bound
    best = {"kind": "b", "x": -0.5, "y": 50.0}
    assert boundary_findings(_Fitted(space, best)) == []
    assert [f["side"] for f in boundary_findings(_Fitted(space, {"kind": "a", "x": -1.0}))] == ["high"]


def test_the_documented_off_switch():
    search = LowDiscrepancySearchCV(Best(target=-5.0), {"x": Real(0.0, 1.0)}, n_iter=4, cv=2, scramble=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=BoundaryWarning)
        search.fit(X, Y)
    assert not [w for w in caught if issubclass(w.category, BoundaryWarning)]


@pytest.mark.parametrize("name", sorted(SEARCHES))
def test_every_search_warns(name):
    # x=1 is at the upper bound and beats x=0: any candidate with x=1 is the best
    search = SEARCHES[name](Best(target=5.0), {"x": Integer(0, 1), "y": Real(-1.0, 1.0)}, cv=2)
    with pytest.warns(BoundaryWarning, match=r"x=1 is at the upper bound 1 of Integer"):
        search.fit(X, Y)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"hard_bounds": "upper"}, r"search_spaces\['x'\]: hard_bounds must be False, True, 'low' or 'high'; got 'upper'"),
        ({"hard_bounds": 1}, "hard_bounds must be False, True, 'low' or 'high'; got 1"),
        ({"hard_bounds": None}, "got None"),
    ],
)
@pytest.mark.parametrize("cls, low, high", [(Real, 0.0, 1.0), (Integer, 0, 9)])
def test_bad_hard_bounds_refused_at_fit(cls, low, high, kwargs, match):
    dim = cls(low, high, **kwargs)  # stored, checked at fit
    with pytest.raises(ValueError, match=match):
        LowDiscrepancySearchCV(Best(), {"x": dim}, n_iter=2, cv=2).fit(X, Y)


def test_hard_bounds_is_part_of_the_value():
    dim = Real(0.0, 1.0, prior="uniform", hard_bounds="low")
    assert repr(dim) == "Real(low=0.0, high=1.0, prior='uniform', hard_bounds='low')"
    assert eval(repr(dim)) == dim and dim != Real(0.0, 1.0)
    assert pickle.loads(pickle.dumps(dim)) == dim
    assert Integer(1, 5, hard_bounds=True) == Integer(1, 5, "uniform", True) != Integer(1, 5)
    (space,) = compile_search_spaces({"x": dim})
    assert space.dimensions[0].hard_bounds == "low"


# -- parameter importances ------------------------------------------------------


SYNTHETIC = {"a": Real(0.0, 1.0), "b": Real(0.0, 1.0), "k": Integer(1, 5), "c": Real(0.0, 1.0)}


@pytest.mark.parametrize("name", sorted(SEARCHES))
def test_importances_rank_the_irrelevant_parameter_last(name):
    budget = {
        "low_discrepancy": {"n_iter": 32},
        "bayes": {"n_iter": 32},
        "evolutionary": {"population_size": 8, "generations": 4},
        "halving_bayes": {"n_candidates": 16, "brackets": 1},
    }
    search = SEARCHES[name](Objective(), SYNTHETIC, cv=2, **budget[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BoundaryWarning)
        search.fit(X, Y)
    imp = search.parameter_importances_
    assert set(imp) == {"a", "b", "k", "c"}
    assert all(0.0 <= v <= 1.0 for v in imp.values()) and sum(imp.values()) <= 1.0 + 1e-12
    assert list(imp) == sorted(imp, key=lambda k: -imp[k]), "largest first"
    assert max(imp, key=imp.get) == "a"
    assert min(imp, key=imp.get) == "c"


def test_importances_of_an_additive_objective_sum_to_about_one():
    search = LowDiscrepancySearchCV(Objective(), SYNTHETIC, n_iter=64, cv=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BoundaryWarning)
        search.fit(X, Y)
    imp = search.parameter_importances_
    # no interactions: the main effects explain (nearly) all of the variance
    assert 0.85 <= sum(imp.values()) <= 1.0 + 1e-12
    assert imp["a"] > imp["k"] > imp["b"] > imp["c"] and imp["c"] < 0.02
    # the exact shares of this objective: 0.836, 0.140, 0.025 and 0
    np.testing.assert_allclose([imp[k] for k in "akbc"], [0.836, 0.140, 0.025, 0.0], atol=0.04)
    # reproducible and cached, a copy every time
    imp["a"] = -1.0
    assert search.parameter_importances_["a"] > 0


def test_importances_with_conditional_subspaces():
    space = [
        {"kind": ["x"], "a": Real(0.0, 1.0), "c": Real(0.0, 1.0)},
        {"kind": ["y"], "b": Real(0.0, 1.0)},
    ]
    search = LowDiscrepancySearchCV(Objective(), space, n_iter=48, cv=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BoundaryWarning)
        search.fit(X, Y)
    imp = search.parameter_importances_
    assert set(imp) == {"a", "b", "c", "kind"}
    assert sum(imp.values()) <= 1.0 + 1e-12 and min(imp, key=imp.get) == "c"


def test_importances_degenerate_cases():
    class Flat(Best):
        def score(self, X, y):
            return 1.0

    search, _ = _fit({"x": Real(0.0, 1.0), "y": Real(0.0, 1.0)}, n_iter=8, estimator=Flat())
    assert search.parameter_importances_ == {"x": 0.0, "y": 0.0}
    search, _ = _fit({"x": Real(0.0, 1.0), "y": Real(0.0, 1.0)}, n_iter=3)
    assert all(np.isnan(v) for v in search.parameter_importances_.values())
    with pytest.raises(NotFittedError):
        LowDiscrepancySearchCV(Best(), {"x": Real(0.0, 1.0)}).parameter_importances_
    assert not hasattr(LowDiscrepancySearchCV(Best(), {"x": Real(0.0, 1.0)}), "parameter_importances_")
