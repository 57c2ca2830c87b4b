"""LowDiscrepancySearchCV and the designs behind it."""

import numpy as np
import pytest
from scipy.stats import qmc
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC
from sklearn.utils._param_validation import InvalidParameterError

from skbayes import LowDiscrepancySearchCV
from skbayes.sampling import SAMPLERS, LowDiscrepancyDesign, unit_design
from skbayes.space import Categorical, Integer, Real, Space, compile_search_spaces


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=60, n_features=4, random_state=0)


def _real_space(d):
    return Space({f"x{i}": Real(0.0, 1.0) for i in range(d)})


@pytest.mark.parametrize("d", [2, 6])
@pytest.mark.parametrize("sampler", ["sobol", "halton", "hammersley", "lhs"])
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


@pytest.mark.parametrize("sampler", SAMPLERS)
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
        ({"sampler": "Hammersley"}, r"'sampler' parameter .* among \{.*'hammersley'.*\}"),
        ({"sampler": "poisson_disk"}, r"'sampler' parameter .* among \{.*'poisson-disk'.*\}"),
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


# -- Hammersley and Poisson-disk designs ----------------------------------------

NEW_SAMPLERS = ["hammersley", "poisson-disk"]


def test_hammersley_unscrambled_is_the_hammersley_set():
    U = unit_design(_real_space(3), 8, sampler="hammersley", scramble=False)
    np.testing.assert_allclose(U[:, 0], (np.arange(8) + 0.5) / 8)
    # the other coordinates: van der Corput in bases 2 and 3
    np.testing.assert_allclose(U[:, 1], [0, 1 / 2, 1 / 4, 3 / 4, 1 / 8, 5 / 8, 3 / 8, 7 / 8])
    np.testing.assert_allclose(U[:4, 2], [0, 1 / 3, 2 / 3, 1 / 9])


def test_scrambled_hammersley_keeps_the_grid_coordinate_stratified():
    U = unit_design(_real_space(4), 20, sampler="hammersley", rng=3)
    assert sorted((U[:, 0] * 20).astype(int)) == list(range(20))
    assert not np.all(np.diff(U[:, 0]) > 0), "rows come in a random order"


@pytest.mark.parametrize("d", [2, 6])
def test_hammersley_beats_random_discrepancy(d):
    ours = [qmc.discrepancy(unit_design(_real_space(d), 64, sampler="hammersley", rng=s)) for s in range(5)]
    rand = [qmc.discrepancy(unit_design(_real_space(d), 64, sampler="random", rng=s)) for s in range(5)]
    assert np.median(ours) < 0.5 * np.median(rand)


def _min_distance(U):
    n = len(U)
    return np.sqrt(((U[:, None, :] - U[None, :, :]) ** 2).sum(-1))[np.triu_indices(n, 1)].min()


@pytest.mark.parametrize("d, n", [(1, 10), (2, 64), (3, 7), (6, 64)])
def test_poisson_disk_gives_exactly_n_points_apart(d, n):
    U = unit_design(_real_space(d), n, sampler="poisson-disk", rng=0)
    assert U.shape == (n, d) and np.all((U >= 0) & (U <= 1))
    rand = np.median([_min_distance(unit_design(_real_space(d), n, sampler="random", rng=s)) for s in range(5)])
    assert _min_distance(U) > 1.5 * rand, "no two Poisson-disk points are near each other"


def test_poisson_disk_fills_with_uniform_draws_when_the_engine_stops_short(monkeypatch):
    from skbayes import sampling

    class Stingy:
        def __init__(self, d, **kwargs):
            self.d = d

        def random(self, n):
            return np.full((1, self.d), 0.5)

    monkeypatch.setattr(sampling.qmc, "PoissonDisk", Stingy)
    U = unit_design(_real_space(2), 9, sampler="poisson-disk", rng=0)
    assert U.shape == (9, 2) and (np.all(U == 0.5, axis=1)).sum() == 1


def test_poisson_disk_refuses_a_space_too_large_for_its_grid():
    space = {"C": Real(0.1, 1.0), **{f"x{i}": Real(0.0, 1.0) for i in range(11)}}
    with pytest.raises(ValueError, match="sampler='poisson-disk' is impractical for 12 dimensions"):
        LowDiscrepancyDesign(compile_search_spaces(space), 8, sampler="poisson-disk", rng=0)


@pytest.mark.parametrize("sampler", NEW_SAMPLERS)
def test_new_samplers_keep_the_contract_in_a_search(data, sampler):
    """Exactly n_iter candidates, legal values, reproducible by seed, conditional spaces."""
    X, y = data
    spaces = [
        {"kernel": ["linear"], "C": Real(1e-2, 1e2, prior="log-uniform")},
        {"kernel": ["rbf"], "C": Real(1e-2, 1e2, prior="log-uniform"), "gamma": Real(1e-3, 1.0, prior="log-uniform")},
        {"kernel": ["poly"], "degree": Integer(2, 4), "coef0": Categorical([0.0, 1.0])},
    ]

    def run(seed):
        search = LowDiscrepancySearchCV(SVC(), spaces, n_iter=11, sampler=sampler, cv=2, random_state=seed)
        return search.fit(X, y).cv_results_["params"]

    params = run(0)
    assert len(params) == 11
    for p in params:
        assert 1e-2 <= p.get("C", 1.0) <= 1e2 and 1e-3 <= p.get("gamma", 0.1) <= 1.0
        if p["kernel"] == "poly":
            assert type(p["degree"]) is int and p["degree"] in (2, 3, 4) and p["coef0"] in (0.0, 1.0)
    assert run(0) == params
    assert run(1) != params


@pytest.mark.parametrize("sampler", NEW_SAMPLERS)
def test_new_samplers_keep_integer_and_categorical_spread(sampler):
    (space,) = compile_search_spaces({"a": Integer(1, 4), "b": Categorical(["p", "q"])})
    params = space.from_unit(unit_design(space, 8, sampler=sampler, rng=0))
    # 8 candidates of a space of 8: every one exactly once
    assert sorted((p["a"], p["b"]) for p in params) == sorted((a, b) for a in range(1, 5) for b in "pq")
    (space,) = compile_search_spaces({"a": Integer(1, 50), "b": Categorical(["p", "q", "r"])})
    U = unit_design(space, 30, sampler=sampler, rng=0)
    assert len(set(space.keys(U))) == 30
    counts = [sum(p["b"] == c for p in space.from_unit(U)) for c in "pqr"]
    assert min(counts) >= 5, counts


@pytest.mark.parametrize("sampler", NEW_SAMPLERS)
def test_new_samplers_extend_with_warm_start(data, sampler):
    X, y = data
    search = LowDiscrepancySearchCV(
        LogisticRegression(), {"C": Real(1e-2, 1e2, prior="log-uniform")}, n_iter=4, sampler=sampler, cv=2, random_state=0
    ).fit(X, y)
    search.set_params(n_iter=7, warm_start=True).fit(X, y)
    Cs = [p["C"] for p in search.cv_results_["params"]]
    assert len(Cs) == 7 and search.n_replayed_ == 4 and len(set(Cs)) == 7
