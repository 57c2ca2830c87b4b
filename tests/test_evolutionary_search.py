"""EvolutionarySearchCV behaviour beyond the shared tests of test_search_common.py."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils._param_validation import InvalidParameterError

from skbayes import EvolutionarySearchCV
from skbayes.evolution import CMAESStrategy, GeneticAlgorithm
from skbayes.space import Integer, Real

LOGREG_SPACE = {"C": Real(1e-3, 1e2, prior="log-uniform"), "fit_intercept": [True, False]}


@pytest.fixture(scope="module")
def clf_data():
    return make_classification(n_samples=100, n_features=5, n_informative=3, random_state=0)


class BatchRecorder(EvolutionarySearchCV):
    """Records the size of each batch handed to evaluate_candidates."""

    def _evaluate_batch(self, evaluate_candidates, batch, search_ctx, **kwargs):
        self.batches_ = getattr(self, "batches_", []) + [len(batch)]
        return super()._evaluate_batch(evaluate_candidates, batch, search_ctx, **kwargs)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_one_generation_is_one_batch_whatever_n_jobs(n_jobs, clf_data):
    X, y = clf_data
    search = BatchRecorder(LogisticRegression(), LOGREG_SPACE, population_size=5, generations=3, cv=2, n_jobs=n_jobs, random_state=0)
    search.fit(X, y)
    assert search.batches_ == [5, 5, 5]
    assert len(search.cv_results_["params"]) == 15


def test_history_per_generation_as_a_dataframe(clf_data):
    pd = pytest.importorskip("pandas")
    X, y = clf_data
    search = EvolutionarySearchCV(LogisticRegression(), LOGREG_SPACE, population_size=4, generations=3, cv=2, random_state=0)
    search.fit(X, y)
    frame = pd.DataFrame(search.history_)
    assert list(frame.columns) == ["generation", "best", "mean", "std", "min", "best_so_far", "n_new_evaluations", "n_failed"]
    assert frame["generation"].tolist() == [0, 1, 2] and search.n_generations_ == 3
    assert frame["n_new_evaluations"].sum() == len(search.cv_results_["params"])
    scores = search.cv_results_["mean_test_score"]
    assert frame["best"].iloc[0] == pytest.approx(scores[:4].max())
    assert frame["min"].iloc[0] == pytest.approx(scores[:4].min())
    assert frame["mean"].iloc[0] == pytest.approx(scores[:4].mean())
    assert frame["best_so_far"].iloc[-1] == pytest.approx(search.best_score_)
    assert search.stop_reason_ == "completed 3 generations"


def test_identical_candidates_are_not_refitted(clf_data):
    X, y = clf_data
    space = {"max_iter": Integer(50, 52), "fit_intercept": [True, False]}  # 6 candidates
    search = EvolutionarySearchCV(LogisticRegression(), space, population_size=4, generations=6, cv=2, random_state=0)
    search.fit(X, y)
    params = [tuple(sorted(p.items())) for p in search.cv_results_["params"]]
    assert len(params) == len(set(params)) == 6
    assert "evaluated all 6 candidates" in search.stop_reason_


def test_cmaes_search_on_real_and_integer_dimensions():
    X, y = make_regression(n_samples=80, n_features=4, noise=5.0, random_state=0)
    space = {"max_depth": Integer(1, 10), "min_samples_leaf": Integer(1, 20, prior="log-uniform"), "ccp_alpha": Real(1e-3, 10.0, prior="log-uniform")}
    search = EvolutionarySearchCV(DecisionTreeRegressor(random_state=0), space, algorithm="cmaes", population_size=6, generations=3, cv=3, random_state=0)
    search.fit(X, y)
    assert isinstance(search.strategy_, CMAESStrategy)
    assert search.history_["n_new_evaluations"].sum() == len(search.cv_results_["params"]) <= 18
    for p in search.cv_results_["params"]:
        assert type(p["max_depth"]) is int and 1 <= p["max_depth"] <= 10
        assert type(p["min_samples_leaf"]) is int and 1 <= p["min_samples_leaf"] <= 20
        assert 1e-3 <= p["ccp_alpha"] <= 10.0
    assert np.isfinite(search.best_score_)


def test_patience_and_target_score_stop_between_generations(clf_data):
    X, y = clf_data
    flat = EvolutionarySearchCV(DummyClassifier(), {"strategy": ["most_frequent", "prior"], "random_state": Integer(0, 1000)}, population_size=3, generations=20, patience=2, cv=2, random_state=0)
    flat.fit(X, y)  # every candidate scores the same
    assert flat.n_generations_ == 3 and "patience=2" in flat.stop_reason_
    assert len(flat.cv_results_["params"]) == 9
    target = EvolutionarySearchCV(LogisticRegression(), LOGREG_SPACE, population_size=4, generations=20, target_score=0.5, cv=2, random_state=0)
    target.fit(X, y)
    assert target.n_generations_ == 1 and "target_score=0.5" in target.stop_reason_
    assert target.strategy_.should_stop() == target.stop_reason_


def test_conditional_subspaces(clf_data):
    X, y = clf_data
    space = [{"solver": ["lbfgs"], "C": Real(0.01, 10.0, prior="log-uniform")}, {"solver": ["liblinear"], "max_iter": Integer(50, 200)}]
    search = EvolutionarySearchCV(LogisticRegression(), space, population_size=4, generations=2, cv=2, random_state=0).fit(X, y)
    assert isinstance(search.strategy_, GeneticAlgorithm)
    assert {p["solver"] for p in search.cv_results_["params"][:4]} == {"lbfgs", "liblinear"}


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"population_size": 1}, InvalidParameterError, r"'population_size' parameter .* range \[2, inf\)"),
        ({"generations": 0}, InvalidParameterError, r"'generations' parameter"),
        ({"crossover_probability": 1.5}, InvalidParameterError, r"'crossover_probability' parameter .* range \[0(\.0)?, 1(\.0)?\]"),
        ({"mutation_probability": -0.1}, InvalidParameterError, r"'mutation_probability' parameter .* range \[0(\.0)?, 1(\.0)?\]"),
        ({"mutation_scale": 0.0}, InvalidParameterError, r"'mutation_scale' parameter .* range \(0(\.0)?, 1(\.0)?\]"),
        ({"tournament_size": 0}, InvalidParameterError, r"'tournament_size' parameter"),
        ({"algorithm": "pso"}, InvalidParameterError, r"'algorithm' parameter .* \{.*'cmaes'.*\}|'algorithm' parameter .* \{.*'ga'.*\}"),
        ({"patience": 0}, InvalidParameterError, r"'patience' parameter"),
        ({"elitism": 4}, ValueError, r"elitism must be less than population_size=4"),
        ({"algorithm": "cmaes"}, ValueError, r"search_spaces\['fit_intercept'\] is categorical"),
    ],
)
def test_bad_parameters_raise_at_fit(params, error, match, clf_data):
    X, y = clf_data
    search = EvolutionarySearchCV(LogisticRegression(), LOGREG_SPACE, population_size=4, generations=2, cv=2).set_params(**params)
    with pytest.raises(error, match=match):
        search.fit(X, y)


def test_refit_after_an_error_leaves_no_stale_history(clf_data):
    X, y = clf_data
    search = EvolutionarySearchCV(LogisticRegression(), LOGREG_SPACE, population_size=3, generations=2, cv=2, random_state=0).fit(X, y)
    assert search.n_generations_ == 2
    search.set_params(algorithm="cmaes")
    with pytest.raises(ValueError, match="categorical"):
        search.fit(X, y)
    assert not hasattr(search, "history_") and not hasattr(search, "strategy_")


def test_fitted_search_pickles_with_its_history(clf_data):
    X, y = clf_data
    search = EvolutionarySearchCV(LogisticRegression(), LOGREG_SPACE, population_size=3, generations=2, cv=2, random_state=1).fit(X, y)
    loaded = pickle.loads(pickle.dumps(search))
    for key, value in search.history_.items():
        np.testing.assert_array_equal(loaded.history_[key], value)
    assert loaded.strategy_.history["params"] == search.strategy_.history["params"]
    again = clone(search).fit(X, y)
    assert again.cv_results_["params"] == search.cv_results_["params"]


def test_the_ga_improves_on_its_first_generation():
    X, y = make_regression(n_samples=120, n_features=6, n_informative=3, noise=10.0, random_state=1)
    search = EvolutionarySearchCV(Ridge(), {"alpha": Real(1e-3, 1e4, prior="log-uniform")}, population_size=4, generations=4, cv=3, random_state=0)
    search.fit(X, y)
    hist = search.history_
    assert hist["best_so_far"][-1] >= hist["best"][0]
    assert hist["mean"][-1] > hist["mean"][0]  # the population moved to better alphas


def test_a_callback_stops_between_generations_and_its_reason_is_kept(clf_data):
    X, y = clf_data
    calls = []

    def stop_after_two(state):
        calls.append(state.batch_size)
        return state.n_batches >= 2

    search = EvolutionarySearchCV(LogisticRegression(), LOGREG_SPACE, population_size=3, generations=6, cv=2, random_state=0, callbacks=[stop_after_two])
    search.fit(X, y)
    assert calls == [3, 3] and search.n_generations_ == 2
    assert len(search.cv_results_["params"]) == 6
    assert "stop_after_two" in search.stop_reason_


def test_warm_start_adds_generations_without_refitting(clf_data):
    X, y = clf_data
    kwargs = dict(population_size=3, cv=2, random_state=0)
    fresh = EvolutionarySearchCV(LogisticRegression(), LOGREG_SPACE, generations=4, **kwargs).fit(X, y)
    search = EvolutionarySearchCV(LogisticRegression(), LOGREG_SPACE, generations=2, warm_start=True, **kwargs).fit(X, y)
    search.set_params(generations=4).fit(X, y)
    assert search.n_replayed_ == 6
    assert search.history_["n_new_evaluations"].tolist() == [0, 0, 3, 3]
    # the same seed continues the same evolution: as if it had never stopped
    assert search.cv_results_["params"] == fresh.cv_results_["params"]
    np.testing.assert_allclose(search.history_["best_so_far"], fresh.history_["best_so_far"])


def test_resume_from_a_checkpoint_after_a_crash(clf_data, tmp_path):
    from skbayes.callbacks import CheckpointSaver

    X, y = clf_data
    kwargs = dict(population_size=3, generations=4, cv=2, random_state=0)
    fresh = EvolutionarySearchCV(LogisticRegression(), LOGREG_SPACE, **kwargs).fit(X, y)

    def crash(state):
        if state.n_batches == 2:
            raise RuntimeError("machine lost")
        return False

    path = str(tmp_path / "evo.ckpt")
    with pytest.raises(RuntimeError, match="machine lost"):
        EvolutionarySearchCV(LogisticRegression(), LOGREG_SPACE, callbacks=[CheckpointSaver(path), crash], **kwargs).fit(X, y)
    resumed = EvolutionarySearchCV(LogisticRegression(), LOGREG_SPACE, callbacks=[CheckpointSaver(path)], **kwargs).fit(X, y)
    assert resumed.n_replayed_ == 6
    assert resumed.cv_results_["params"] == fresh.cv_results_["params"]
    assert resumed.history_["n_new_evaluations"].tolist() == [3, 3, 3, 3]
