"""LowDiscrepancySearchCV and the designs behind it."""

import numpy as np
import pytest
from scipy.stats import qmc
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC
from sklearn.utils._param_validation import InvalidParameterError

from skbayes import LowDiscrepancySearchCV
from skbayes.sampling import LowDiscrepancyDesign, unit_design
from skbayes.space import Categorical, Integer, Real, Space, compile_search_spaces


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=60, n_features=4, random_state=0)


def _real_space(d):
    return Space({f"x{i}": Real(0.0, 1.0) for i in range(d)})


@pytest.mark.parametrize("d", [2, 6])
@pytest.mark.parametrize("sampler", ["sobol", "halton", "lhs"])
def test_designs_beat_random_discrepancy(d, sampler):
    """Median over seeds of the centred L2 discrepancy at n=64."""
    ours, rand = [], []
    for seed in range(5):
        ours.append(qmc.discrepancy(unit_design(_real_space(d), 64, sampler=sampler, rng=seed)))
        rand.append(qmc.discrepancy(unit_design(_real_space(d), 64, sampler="random", rng=seed)))
    assert np.median(ours) < np.median(rand)


def test_search_evaluates_the_design_points(data):
    X, y = data
    search = LowDiscrepancySearchCV(LogisticRegression(), {"C": Real(1e-2, 1e2, prior="log-uniform"), "tol": Real(1e-5, 1e-2, prior="log-uniform")}, n_iter=16, cv=2, random_state=0)
    search.fit(X, y)
    U = np.array(search.strategy_.history["unit"])
    assert U.shape == (16, 2)
    # scrambled Sobol: 16 points, one in each of the 4x4 cells
    cells = {(int(a * 4), int(b * 4)) for a, b in U}
    assert len(cells) == 16
    assert len(search.cv_results_["params"]) == 16


def test_sobol_prefix_property():
    space = _real_space(3)
    long = unit_design(space, 32, sampler="sobol", rng=1)
    short = unit_design(space, 20, sampler="sobol", rng=1)
    np.testing.assert_allclose(long[:20], short)


def test_unscrambled_designs_are_deterministic():
    space = _real_space(2)
    a = unit_design(space, 8, sampler="halton", scramble=False, rng=1)
    b = unit_design(space, 8, sampler="halton", scramble=False, rng=2)
    np.testing.assert_allclose(a, b)


def test_lhs_stratifies_every_dimension():
    U = unit_design(_real_space(3), 10, sampler="lhs", rng=0)
    for j in range(3):
        assert sorted((U[:, j] * 10).astype(int)) == list(range(10))


@pytest.mark.parametrize("sampler", ["sobol", "halton", "lhs", "random"])
def test_finite_space_has_no_duplicate_candidates(sampler):
    (space,) = compile_search_spaces({"a": Integer(1, 5), "b": ["x", "y", "z"]})
    U = unit_design(space, 12, sampler=sampler, rng=0)
    assert len(U) == 12 and len(set(space.keys(U))) == 12


def test_integer_and_categorical_keep_the_spread():
    (space,) = compile_search_spaces({"a": Integer(1, 4), "b": Categorical(["p", "q"])})
    params = space.from_unit(unit_design(space, 8, sampler="sobol", rng=0))
    assert sorted(p["a"] for p in params) == [1, 1, 2, 2, 3, 3, 4, 4]
    assert sorted(p["b"] for p in params) == ["p"] * 4 + ["q"] * 4


def test_small_space_is_enumerated_with_a_warning(data):
    X, y = data
    search = LowDiscrepancySearchCV(LogisticRegression(), {"C": [0.1, 1.0, 10.0]}, n_iter=10, cv=2)
    with pytest.warns(UserWarning, match="only 3 distinct candidates, fewer than n_iter=10"):
        search.fit(X, y)
    assert sorted(p["C"] for p in search.cv_results_["params"]) == [0.1, 1.0, 10.0]


def test_conditional_subspaces_share_n_iter(data):
    X, y = data
    spaces = [
        {"kernel": ["linear"], "C": Real(1e-2, 1e2, prior="log-uniform")},
        {"kernel": ["rbf"], "C": Real(1e-2, 1e2, prior="log-uniform"), "gamma": Real(1e-3, 1.0, prior="log-uniform")},
        {"kernel": ["poly"], "degree": [2, 3]},  # only 2 candidates: its leftover goes to the others
    ]
    search = LowDiscrepancySearchCV(SVC(), spaces, n_iter=12, cv=2, random_state=0).fit(X, y)
    kernels = [p["kernel"] for p in search.cv_results_["params"]]
    assert kernels.count("poly") == 2 and kernels.count("linear") == 5 and kernels.count("rbf") == 5
    assert set(kernels[:3]) == {"linear", "rbf", "poly"}, "any prefix covers every subspace"
    for p in search.cv_results_["params"]:
        assert ("gamma" in p) == (p["kernel"] == "rbf")


def test_design_strategy_ask_tell():
    strategy = LowDiscrepancyDesign([_real_space(2)], 5, rng=0)
    first = strategy.ask(3)
    assert len(first) == 3 and strategy.n_remaining == 2
    strategy.tell(first, [0.1, np.nan, 0.3])
    assert strategy.ask(10) and strategy.ask(10) == []
    assert strategy.n_told == 3 and np.isnan(strategy.history["score"][1])


@pytest.mark.parametrize("n_jobs, expected_batches", [(1, 8), (2, 4), (-1, 4)])
def test_batches_follow_the_number_of_workers(data, monkeypatch, n_jobs, expected_batches):
    X, y = data
    sizes = []
    original = LowDiscrepancySearchCV._evaluate_batch

    def spy(self, evaluate_candidates, batch, search_ctx, **kwargs):
        sizes.append(len(batch))
        return original(self, evaluate_candidates, batch, search_ctx, **kwargs)

    monkeypatch.setattr(LowDiscrepancySearchCV, "_evaluate_batch", spy)
    monkeypatch.setattr("skbayes.search._base.effective_n_jobs", lambda n: 2 if n in (-1, 2) else 1)
    LowDiscrepancySearchCV(LogisticRegression(), {"C": Real(0.1, 1.0)}, n_iter=8, cv=2, n_jobs=n_jobs).fit(X, y)
    assert len(sizes) == expected_batches and sum(sizes) == 8


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_iter": 0}, "'n_iter' parameter of LowDiscrepancySearchCV must be an int in the range"),
        ({"sampler": "grid"}, "'sampler' parameter of LowDiscrepancySearchCV must be a str among"),
        ({"scramble": "yes"}, "'scramble' parameter"),
        ({"random_state": "seed"}, "'random_state' parameter"),
        ({"search_spaces": "C"}, "'search_spaces' parameter"),
    ],
)
def test_bad_parameters_raise_at_fit(data, params, match):
    X, y = data
    kwargs = {"search_spaces": {"C": Real(0.1, 1.0)}, **params}
    search = LowDiscrepancySearchCV(LogisticRegression(), **kwargs)
    with pytest.raises(InvalidParameterError, match=match):
        search.fit(X, y)


def test_sklearn_callbacks_reach_every_fit(data):
    callback_mod = pytest.importorskip("sklearn.callback")
    X, y = data

    class Counter(callback_mod.FitCallback if hasattr(callback_mod, "FitCallback") else object):
        def __init__(self):
            self.begun = []

        def on_fit_begin(self, estimator):
            pass

        def on_fit_task_begin(self, estimator, context, **kwargs):
            self.begun.append(context.task_name)

        def on_fit_task_end(self, estimator, context, **kwargs):
            pass

        def on_fit_end(self, estimator, context):
            pass

    counter = Counter()
    search = LowDiscrepancySearchCV(LogisticRegression(), {"C": Real(0.1, 1.0)}, n_iter=4, cv=2, n_jobs=2)
    search.set_callbacks(counter)
    search.fit(X, y)
    assert counter.begun.count("batch") == 2
    assert "search" in counter.begun
