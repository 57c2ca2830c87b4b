"""Operators, CMA-ES and the evolutionary strategies of skbayes.evolution."""

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.special import ndtr

from skbayes.evolution import (
    CMAES,
    CMAESStrategy,
    GeneticAlgorithm,
    crossover,
    gene_kinds,
    mutate,
    reflect,
    tournament_select,
)
from skbayes.space import Categorical, Integer, Real, compile_search_spaces

MIXED = {
    "lr": Real(1e-4, 1.0, prior="log-uniform"),
    "x": Real(-2.0, 3.0),
    "depth": Integer(1, 6),
    "leaves": Integer(2, 200, prior="log-uniform"),
    "k": stats.randint(0, 5),
    "kind": Categorical(["a", "b", None]),
    "flag": [True, False],
    "fixed": ["only"],
}


def _check_legal(params):
    assert 1e-4 <= params["lr"] <= 1.0 and type(params["lr"]) is float
    assert -2.0 <= params["x"] <= 3.0 and type(params["x"]) is float
    assert type(params["depth"]) is int and 1 <= params["depth"] <= 6
    assert type(params["leaves"]) is int and 2 <= params["leaves"] <= 200
    assert type(params["k"]) is int and 0 <= params["k"] <= 4
    assert params["kind"] in ("a", "b", None)
    assert params["flag"] in (True, False) and type(params["flag"]) is bool
    assert params["fixed"] == "only"


# -- operators -----------------------------------------------------------------


def test_reflect_folds_into_the_cube_and_keeps_inner_points():
    x = np.array([0.0, 0.3, 1.0, 1.2, -0.3, 2.5, -1.75])
    np.testing.assert_allclose(reflect(x), [0.0, 0.3, 1.0, 0.8, 0.3, 0.5, 0.25])


def test_tournament_size_sets_selection_pressure():
    rng = np.random.default_rng(0)
    scores = np.array([0.1, 0.5, 0.9, np.nan])
    uniform = tournament_select(scores, 4000, 1, rng)
    assert np.all(np.abs(np.bincount(uniform, minlength=4) / 4000 - 0.25) < 0.04)
    hard = tournament_select(scores, 4000, 8, rng)
    assert np.mean(hard == 2) > 0.85
    # nan (a failed fit) only wins a tournament of failures
    failed = tournament_select([np.nan, np.nan, 0.0], 2000, 2, rng)
    assert np.mean(failed == 2) == pytest.approx(1 - (2 / 3) ** 2, abs=0.04)


def test_gene_kinds():
    (space,) = compile_search_spaces(MIXED)
    assert gene_kinds(space) == ["real", "real", "integer", "integer", "integer", "categorical", "categorical"]


def test_crossover_blends_numbers_and_inherits_categories():
    (space,) = compile_search_spaces({"x": Real(0.0, 1.0), "c": ["a", "b", "c", "d"]})
    kinds = gene_kinds(space)
    rng = np.random.default_rng(0)
    a = space.to_unit([{"x": 0.4, "c": "a"}])[0]
    b = space.to_unit([{"x": 0.6, "c": "d"}])[0]
    children = np.array([crossover(a, b, kinds, rng, blend_alpha=0.25) for _ in range(500)])
    assert np.all((children[:, 0] >= 0.35 - 1e-12) & (children[:, 0] <= 0.65 + 1e-12))
    assert children[:, 0].std() > 0.05  # it blends, not only copies
    cats = {p["c"] for p in space.from_unit(children)}
    assert cats == {"a", "d"}


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), gene_probability=st.floats(0.0, 1.0), scale=st.floats(0.01, 1.0))
def test_operators_keep_every_value_legal(seed, gene_probability, scale):
    (space,) = compile_search_spaces(MIXED)
    kinds = gene_kinds(space)
    rng = np.random.default_rng(seed)
    a, b = rng.random(space.n_dims), rng.random(space.n_dims)
    child = crossover(a, b, kinds, rng)
    child = mutate(child, space, kinds, rng, gene_probability=gene_probability, scale=scale)
    assert np.all((child >= 0) & (child <= 1))
    _check_legal(space.from_unit(child[None, :])[0])


def test_mutated_integers_and_categories_always_change():
    (space,) = compile_search_spaces({"n": Integer(1, 3), "c": ["a", "b", "c"], "k": stats.randint(0, 3)})
    kinds = gene_kinds(space)
    rng = np.random.default_rng(1)
    for _ in range(300):
        u = rng.random(3)
        before = space.from_unit(u[None, :])[0]
        after = space.from_unit(mutate(u, space, kinds, rng, gene_probability=1.0, scale=0.01)[None, :])[0]
        assert all(before[name] != after[name] for name in before)


def test_forced_mutation_changes_one_gene():
    (space,) = compile_search_spaces({"x": Real(0.0, 1.0), "y": Real(0.0, 1.0)})
    rng = np.random.default_rng(0)
    u = np.array([0.5, 0.5])
    child = mutate(u, space, gene_kinds(space), rng, gene_probability=0.0, scale=0.1, force=True)
    assert np.sum(child != u) == 1
    same = mutate(u, space, gene_kinds(space), rng, gene_probability=0.0, scale=0.1)
    np.testing.assert_array_equal(same, u)


# -- CMA-ES --------------------------------------------------------------------


def _run_cmaes(f, d, target, max_generations, optimum, seed=0):
    es = CMAES(np.full(d, 0.5), 0.2, rng=seed)
    for _ in range(max_generations):
        X = es.ask()
        assert X.shape == (es.lam, d) and np.all((X >= 0) & (X <= 1))
        es.tell(X, -f(X))
        if f(es.mean[None, :])[0] < target:
            break
    return es, f(es.mean[None, :])[0]


@pytest.mark.parametrize("d", [2, 5, 10])
def test_cmaes_converges_on_the_sphere(d):
    opt = np.linspace(0.2, 0.7, d)
    es, value = _run_cmaes(lambda X: np.sum((X - opt) ** 2, axis=1), d, 1e-12, 400, opt)
    assert value < 1e-12
    # linear convergence: about as many generations as Hansen's tutorial reports
    # for the sphere (roughly 10 * d / sqrt(lambda) per decade of f)
    assert es.generation < 60 * d


def test_cmaes_learns_a_rotated_ellipsoid():
    d = 6
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    scales = 1e6 ** (np.arange(d) / (d - 1))  # condition number 1e6
    opt = np.full(d, 0.4)

    def f(X):
        return np.sum(scales * ((X - opt) @ Q.T) ** 2, axis=1)

    es, value = _run_cmaes(f, d, 1e-10, 1500, opt)
    assert value < 1e-10
    # it has learnt the ellipsoid: the covariance's principal axes follow
    # the inverse Hessian, so its condition number is large
    eig = np.linalg.eigvalsh(es.C)
    assert eig.max() / eig.min() > 1e4


def test_cmaes_reaches_an_optimum_outside_the_box_at_the_bound():
    es, _ = _run_cmaes(lambda X: np.sum((X - 1.3) ** 2, axis=1), 3, 0.0, 150, None)
    np.testing.assert_allclose(es.mean, 1.0, atol=1e-3)


def test_cmaes_integer_margin_keeps_integers_moving():
    # an objective that only rewards the real coordinate: without a margin the
    # integer coordinate's step shrinks with the rest and freezes on one value
    edges = np.arange(1, 4) / 4  # Integer(0, 3) in the cube
    es = CMAES(np.full(2, 0.5), 0.2, integer_edges={1: edges}, rng=0)
    for _ in range(200):
        X = es.ask()
        es.tell(X, -((X[:, 0] - 0.3) ** 2))
    nearest = np.min(np.abs(edges - es.mean[1]))
    crossing = ndtr(-nearest / es.step_lengths[1])
    assert crossing >= es.margin_alpha * 0.999
    assert es.step_lengths[0] < 1e-6  # the real coordinate converged


def test_cmaes_checks_its_arguments():
    with pytest.raises(ValueError, match="sigma must be > 0"):
        CMAES(np.full(2, 0.5), 0.0)
    with pytest.raises(ValueError, match="population_size must be >= 2"):
        CMAES(np.full(2, 0.5), 0.2, population_size=1)
    es = CMAES(np.full(2, 0.5), 0.2, rng=0)
    X = es.ask()
    with pytest.raises(ValueError, match="points of the last ask"):
        es.tell(X[::-1], np.zeros(len(X)))


# -- strategies ------------------------------------------------------------------


def _sphere_params(center):
    def score(p):
        return -sum((p[k] - c) ** 2 for k, c in center.items())

    return score


def _run(strategy, score, batch=None):
    sizes = []
    while params := strategy.ask(batch or strategy.population_size):
        sizes.append(len(params))
        strategy.tell(params, [score(p) for p in params])
    return sizes


def test_ga_asks_whole_generations_and_logs_them():
    spaces = compile_search_spaces({"x": Real(0.0, 1.0), "y": Real(0.0, 1.0)})
    ga = GeneticAlgorithm(spaces, population_size=6, generations=4, rng=0)
    sizes = _run(ga, _sphere_params({"x": 0.3, "y": 0.7}))
    assert sizes == [6, 6, 6, 6]
    hist = ga.generation_history()
    assert hist["generation"].tolist() == [0, 1, 2, 3]
    assert hist["n_new_evaluations"].tolist() == [6, 6, 6, 6]
    assert np.all(np.diff(hist["best_so_far"]) >= 0)
    assert np.all(hist["min"] <= hist["mean"]) and np.all(hist["mean"] <= hist["best"])
    assert ga.should_stop() == "completed 4 generations"
    assert ga.ask(6) == []


def test_ga_hands_out_a_generation_in_smaller_batches():
    spaces = compile_search_spaces({"x": Real(0.0, 1.0)})
    a = GeneticAlgorithm(spaces, population_size=6, generations=3, rng=1)
    b = GeneticAlgorithm(spaces, population_size=6, generations=3, rng=1)
    score = _sphere_params({"x": 0.2})
    _run(a, score)
    sizes = _run(b, score, batch=4)
    assert sizes == [4, 2, 4, 2, 4, 2]
    assert a.history["params"] == b.history["params"]


def test_ga_never_evaluates_a_candidate_twice_and_exhausts_a_small_space():
    spaces = compile_search_spaces({"n": Integer(1, 4), "c": ["a", "b", "c"]})  # 12 candidates
    ga = GeneticAlgorithm(spaces, population_size=5, generations=20, rng=0)
    _run(ga, lambda p: p["n"] + (p["c"] == "b"))
    keys = [(p["n"], p["c"]) for p in ga.history["params"]]
    assert len(keys) == len(set(keys)) == 12
    assert "evaluated all 12 candidates" in ga.should_stop()
    assert ga.generation_history()["n_new_evaluations"].sum() == 12


def test_ga_elitism_keeps_the_best():
    spaces = compile_search_spaces({"x": Real(0.0, 1.0), "y": Real(0.0, 1.0)})
    ga = GeneticAlgorithm(spaces, population_size=4, generations=6, elitism=2, mutation_probability=1.0, rng=0)
    score = _sphere_params({"x": 0.9, "y": 0.1})
    best = -np.inf
    while params := ga.ask(4):
        ga.tell(params, [score(p) for p in params])
        pop_best = max(s for _, _, s in ga.population)
        assert pop_best >= best  # the best individual is never lost
        best = max(best, pop_best)
        assert len(ga.population) == 4


def test_ga_failed_candidates_are_not_selected_and_do_not_stop_it():
    spaces = compile_search_spaces({"x": Real(0.0, 1.0)})
    ga = GeneticAlgorithm(spaces, population_size=6, generations=5, rng=0)
    _run(ga, lambda p: np.nan if p["x"] > 0.5 else -p["x"])
    hist = ga.generation_history()
    assert hist["n_failed"][0] == 3  # Sobol balances the two halves
    assert hist["n_failed"][1:].sum() < hist["n_failed"][0] * 4  # selection avoids them
    assert len(ga.history["score"]) == 30


def test_ga_conditional_subspaces():
    spaces = compile_search_spaces(
        [{"kernel": ["rbf"], "gamma": Real(1e-3, 1.0, prior="log-uniform")}, {"kernel": ["linear"], "C": Real(0.1, 10.0)}]
    )
    ga = GeneticAlgorithm(spaces, population_size=6, generations=4, rng=0)
    _run(ga, lambda p: -abs(p.get("gamma", 10.0) - 0.05))
    kinds = [p["kernel"] for p in ga.history["params"][:6]]
    assert kinds.count("rbf") == 3 and kinds.count("linear") == 3
    for p in ga.history["params"]:
        assert set(p) in ({"kernel", "gamma"}, {"kernel", "C"})
    # selection moves the population to the better subspace
    assert [p["kernel"] for p in ga.history["params"][-6:]].count("rbf") >= 4


def test_ga_patience_and_target_score():
    spaces = compile_search_spaces({"x": Real(0.0, 1.0)})
    flat = GeneticAlgorithm(spaces, population_size=3, generations=50, patience=2, rng=0)
    _run(flat, lambda p: 1.0)
    assert flat.generation == 3 and "patience=2" in flat.should_stop()
    target = GeneticAlgorithm(spaces, population_size=4, generations=50, target_score=-0.01, rng=0)
    _run(target, lambda p: -((p["x"] - 0.5) ** 2))
    assert target.generation < 50 and "target_score" in target.should_stop()
    assert max(target.history["score"]) >= -0.01


def test_ga_state_pickles_mid_run_and_continues_identically():
    spaces = compile_search_spaces(MIXED)
    score = lambda p: -((np.log10(p["lr"]) + 2) ** 2) - (p["x"] - 1) ** 2 + (p["kind"] == "b")  # noqa: E731
    ga = GeneticAlgorithm(spaces, population_size=5, generations=4, rng=0)
    for _ in range(2):
        params = ga.ask(5)
        ga.tell(params, [score(p) for p in params])
    twin = pickle.loads(pickle.dumps(ga))
    _run(ga, score)
    _run(twin, score)
    assert ga.history["params"] == twin.history["params"]
    for p in ga.history["params"]:
        _check_legal(p)


def test_ga_beats_random_search_on_a_sphere():
    spaces = compile_search_spaces({f"x{i}": Real(-1.0, 1.0) for i in range(4)})
    center = {f"x{i}": 0.37 for i in range(4)}
    score = _sphere_params(center)
    ga_best, rnd_best = [], []
    for seed in range(5):
        ga = GeneticAlgorithm(spaces, population_size=10, generations=8, rng=seed)
        _run(ga, score)
        ga_best.append(max(ga.history["score"]))
        rng = np.random.default_rng(seed)
        rnd_best.append(max(score(p) for p in spaces[0].from_unit(rng.random((80, 4)))))
    assert np.median(ga_best) > np.median(rnd_best)


def test_cmaes_strategy_on_a_mixed_numeric_space():
    spaces = compile_search_spaces({"lr": Real(1e-4, 1.0, prior="log-uniform"), "depth": Integer(1, 6), "k": stats.randint(0, 5)})
    es = CMAESStrategy(spaces, population_size=6, generations=30, rng=0)
    sizes = _run(es, lambda p: -((np.log10(p["lr"]) + 2) ** 2) - (p["depth"] - 4) ** 2 - (p["k"] - 1) ** 2)
    hist = es.generation_history()
    assert hist["n_new_evaluations"].sum() == len(es.history["params"]) == sum(sizes)
    keys = [tuple(sorted(p.items())) for p in es.history["params"]]
    assert len(keys) == len(set(keys))  # duplicates reuse their score
    best = es.history["params"][int(np.argmax(es.history["score"]))]
    assert best["depth"] == 4 and best["k"] == 1 and abs(math.log10(best["lr"]) + 2) < 0.3


def test_cmaes_strategy_refuses_what_it_cannot_search():
    with pytest.raises(ValueError, match=r"search_spaces\['kernel'\] is categorical.*algorithm='ga'"):
        CMAESStrategy(compile_search_spaces({"C": Real(0.1, 1.0), "kernel": ["rbf", "poly"]}), population_size=4, generations=2)
    with pytest.raises(ValueError, match=r"use Integer\(1, 8\)"):
        CMAESStrategy(compile_search_spaces({"n": [1, 2, 8]}), population_size=4, generations=2)
    with pytest.raises(ValueError, match="list of 2 subspaces"):
        CMAESStrategy(compile_search_spaces([{"C": Real(0.1, 1.0)}, {"tol": Real(0.1, 1.0)}]), population_size=4, generations=2)
    with pytest.raises(ValueError, match="every parameter of search_spaces is fixed"):
        CMAESStrategy(compile_search_spaces({"C": [1.0]}), population_size=4, generations=2)
