"""HalvingBayesSearchCV: scikit-learn's rungs, Hyperband brackets, model proposals."""

import numpy as np
import pytest
from scipy.stats import uniform
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.datasets import make_classification
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import HalvingRandomSearchCV, KFold, StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from skbayes import HalvingBayesSearchCV
from skbayes.strategies._proposers import ParzenProposer
from skbayes.strategies._halving import halving_plan, hyperband_plans
from skbayes.space import Categorical, Real, Space


class Bowl(RegressorMixin, BaseEstimator):
    """Fits nothing; scores ``-|(x, z) - (0.7, 0.2)|^2`` plus noise that shrinks with ``budget``.

    Low budgets predict high ones, so a model fitted on a low rung should
    steer later brackets towards (0.7, 0.2). ``score`` also reports how many
    samples ``fit`` saw when ``report_n`` is set.
    """

    def __init__(self, x=0.5, z=0.5, kind="a", budget=1, report_n=False):
        self.x = x
        self.z = z
        self.kind = kind
        self.budget = budget
        self.report_n = report_n

    def fit(self, X, y=None):
        self.n_fit_ = len(X)
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y=None):
        if self.report_n:
            return float(self.n_fit_)
        seed = int(self.budget * 7919 + self.x * 1e6 + self.z * 1e3) % 2**31
        noise = np.random.default_rng(seed).normal(0, 0.05 / self.budget)
        penalty = 0.0 if self.kind == "a" else 0.1
        return -((self.x - 0.7) ** 2 + (self.z - 0.2) ** 2) - penalty + noise


class BowlClassifier(ClassifierMixin, Bowl):
    score = Bowl.score

    def fit(self, X, y=None):
        self.classes_ = np.unique(y)
        return super().fit(X, y)


X60 = np.zeros((60, 1))
Y60 = np.zeros(60)
SPACE = {"x": Real(0.0, 1.0), "z": Real(0.0, 1.0)}


# -- the schedule is scikit-learn's ---------------------------------------------

SCHEDULES = [
    # n_samples, resource settings, n_candidates, factor, aggressive
    (300, dict(min_resources="smallest"), 30, 3, False),
    (300, dict(min_resources="smallest"), "exhaust", 3, False),
    (300, dict(min_resources="exhaust"), 10, 2, False),
    (300, dict(min_resources=20, max_resources=200), 50, 3, True),
    (300, dict(min_resources=20, max_resources=200), 50, 3, False),
    (243, dict(resource="budget", min_resources=1, max_resources=243), 243, 3, False),  # log(243, 3) = 4.999...
    (300, dict(min_resources=7), 9, 2.5, False),
    (200, dict(min_resources=50), 20, 4, True),
]


@pytest.mark.parametrize("n_samples, resources, n_candidates, factor, aggressive", SCHEDULES)
def test_rungs_equal_scikit_learns(n_samples, resources, n_candidates, factor, aggressive):
    X, y = make_classification(n_samples=n_samples, n_features=4, random_state=0)
    est = BowlClassifier()
    common = dict(factor=factor, aggressive_elimination=aggressive, cv=2, **resources)
    ref = HalvingRandomSearchCV(
        est, {"x": uniform(0, 1)}, n_candidates=n_candidates, random_state=0, **common
    ).fit(X, y)
    ours = HalvingBayesSearchCV(est, {"x": Real(0.0, 1.0)}, n_candidates=n_candidates,
                                brackets=1, random_state=0, **common).fit(X, y)
    for attr in ("n_resources_", "n_candidates_", "n_iterations_", "n_required_iterations_",
                 "n_possible_iterations_", "min_resources_", "max_resources_",
                 "n_remaining_candidates_"):
        assert getattr(ours, attr) == getattr(ref, attr), attr
    for key in ("iter", "n_resources"):
        np.testing.assert_array_equal(ours.cv_results_[key], ref.cv_results_[key])
    assert np.all(ours.cv_results_["bracket"] == 0)


def test_resource_parameter_is_set_on_candidates_and_best_uses_the_largest():
    search = HalvingBayesSearchCV(Bowl(), SPACE, resource="budget", min_resources=1,
                                  max_resources=9, n_candidates=9, brackets=2, cv=2,
                                  random_state=0).fit(X60, Y60)
    res = search.cv_results_
    np.testing.assert_array_equal(res["param_budget"].astype(int), res["n_resources"])
    assert search.n_resources_ == [1, 3, 9, 1, 3, 9]
    assert search.n_candidates_ == [9, 3, 1, 9, 3, 1]
    assert list(res["bracket"]) == [0] * 13 + [1] * 13
    assert search.best_params_["budget"] == 9 and search.best_estimator_.budget == 9
    final = np.flatnonzero(res["n_resources"] == 9)
    assert search.best_index_ in final
    assert search.best_score_ == pytest.approx(res["mean_test_score"][final].max())
    # promotions are the best of their rung
    for itr in (0, 1, 3, 4):
        rung = np.flatnonzero(res["iter"] == itr)
        nxt = [p["x"] for p in np.asarray(res["params"])[res["iter"] == itr + 1]]
        ranked = rung[np.argsort(-res["mean_test_score"][rung])]
        assert sorted(nxt) == sorted(res["params"][i]["x"] for i in ranked[: len(nxt)])


def test_n_samples_rungs_fit_on_subsamples():
    X, y = make_classification(n_samples=120, n_features=4, random_state=0)
    search = HalvingBayesSearchCV(BowlClassifier(report_n=True), {"x": Real(0.0, 1.0)},
                                  min_resources=30, n_candidates=4, factor=2, brackets=1,
                                  cv=StratifiedKFold(3), random_state=0).fit(X, y)
    res = search.cv_results_
    assert search.n_resources_ == [30, 60, 120]
    # each fit sees n_resources / n_samples of its training fold (80 samples)
    expected = [int(r / 120 * 80) for r in res["n_resources"]]
    np.testing.assert_array_equal(res["mean_test_score"], expected)
    # the aliases name the same thing
    alias = clone(search).set_params(min_resources="smallest", min_n_samples=30).fit(X, y)
    assert alias.n_resources_ == search.n_resources_


def test_hyperband_brackets_match_the_paper():
    first = halving_plan(81, 1, 81, 3)
    plans = hyperband_plans(first, 3)
    # Li et al. (2018), R = 81, eta = 3
    assert [p.n_candidates for p in plans] == [81, 34, 15, 8, 5]
    assert [p.n_resources for p in plans] == [
        [1, 3, 9, 27, 81], [3, 9, 27, 81], [9, 27, 81], [27, 81], [81]
    ]
    assert [p.rung_sizes(3) for p in plans][1] == [34, 12, 4, 2]


def test_hyperband_search_runs_every_bracket():
    search = HalvingBayesSearchCV(Bowl(), SPACE, resource="budget", min_resources=1,
                                  max_resources=9, factor=3, cv=2,
                                  random_state=0).fit(X60, Y60)
    assert search.n_brackets_ == 3
    assert search.n_resources_ == [1, 3, 9, 3, 9, 9]
    assert search.n_candidates_ == [9, 3, 1, 5, 2, 3]
    assert set(search.cv_results_["bracket"]) == {0, 1, 2}


@pytest.mark.parametrize("surrogate", ["kde", "tpe", "rf"])
def test_later_brackets_are_proposed_by_the_model(surrogate):
    search = HalvingBayesSearchCV(Bowl(), SPACE, resource="budget", min_resources=1,
                                  max_resources=27, n_candidates=27, brackets=3,
                                  surrogate=surrogate, cv=2, random_state=0).fit(X60, Y60)
    h = search.strategy_.history
    U, b, r = np.array(h["unit"]), np.array(h["bracket"]), np.array(h["n_resources"])
    dist = np.hypot(U[:, 0] - 0.7, U[:, 1] - 0.2)
    first = np.median(dist[(b == 0) & (r == 1)])
    later = np.median(dist[(b > 0) & (r == 1)])
    assert later < 0.75 * first
    by = search.strategy_.proposed_by
    assert by[:27] == ["design"] * 27
    assert by.count("model") > by.count("random") > 0  # random_fraction = 1/3


def test_model_brackets_reach_better_candidates_than_random_ones():
    """At equal budget, later brackets start from better candidates than random ones."""

    def true_value(search):
        h = search.strategy_.history
        final = (np.array(h["bracket"]) > 0) & (np.array(h["n_resources"]) == 1)
        U = np.array(h["unit"])[final]
        return -np.mean((U[:, 0] - 0.7) ** 2 + (U[:, 1] - 0.2) ** 2)

    gains = []
    for seed in range(3):
        kw = dict(resource="budget", min_resources=1, max_resources=9, n_candidates=9,
                  brackets=4, cv=2, random_state=seed)
        model = HalvingBayesSearchCV(Bowl(), SPACE, **kw).fit(X60, Y60)
        rand = HalvingBayesSearchCV(Bowl(), SPACE, random_fraction=1.0, **kw).fit(X60, Y60)
        gains.append(true_value(model) - true_value(rand))
    assert np.median(gains) > 0


def test_random_fraction_one_never_uses_the_model():
    search = HalvingBayesSearchCV(Bowl(), SPACE, resource="budget", min_resources=1,
                                  max_resources=9, n_candidates=9, brackets=3,
                                  random_fraction=1.0, cv=2, random_state=0).fit(X60, Y60)
    assert "model" not in search.strategy_.proposed_by


def test_conditional_subspaces_and_categoricals():
    spaces = [{"x": Real(0.0, 1.0), "z": Real(0.0, 1.0), "kind": ["a"]},
              {"x": Real(0.0, 1.0), "kind": Categorical(["b", "c"])}]
    search = HalvingBayesSearchCV(Bowl(), spaces, resource="budget", min_resources=1,
                                  max_resources=9, n_candidates=18, brackets=3, cv=2,
                                  random_state=0).fit(X60, Y60)
    kinds = [p["kind"] for p in search.cv_results_["params"]]
    assert set(kinds) == {"a", "b", "c"}
    assert search.best_params_["kind"] == "a"


def test_multimetric_promotes_by_the_refit_metric():
    X, y = make_classification(n_samples=150, n_features=6, random_state=0)
    search = HalvingBayesSearchCV(
        LogisticRegression(), {"C": Real(1e-4, 1e2, prior="log-uniform")},
        scoring={"acc": "accuracy", "nll": "neg_log_loss"}, refit="nll",
        min_resources=50, factor=3, n_candidates=6, brackets=1, cv=3, random_state=0,
    ).fit(X, y)
    res = search.cv_results_
    rung0 = np.flatnonzero(res["iter"] == 0)
    kept = {res["params"][i]["C"] for i in np.flatnonzero(res["iter"] == 1)}
    best_nll = rung0[np.argsort(-res["mean_test_nll"][rung0])[:2]]
    assert kept == {res["params"][i]["C"] for i in best_nll}
    final = res["n_resources"] == res["n_resources"].max()
    assert search.best_score_ == pytest.approx(res["mean_test_nll"][final].max())


def test_callable_refit_sees_every_row():
    def first_row(results):
        return 0

    search = HalvingBayesSearchCV(Bowl(), SPACE, resource="budget", min_resources=1,
                                  max_resources=3, n_candidates=3, brackets=1, refit=first_row,
                                  cv=2, random_state=0).fit(X60, Y60)
    assert search.best_index_ == 0 and search.best_params_["budget"] == 1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.filterwarnings("ignore:One or more of the test scores are non-finite")
def test_failed_candidates_are_promoted_last_and_a_failed_rung_ends_its_bracket():
    class Fragile(Bowl):
        def fit(self, X, y=None):
            if self.x > 0.5 or (self.budget > 1 and self.z > 0.9):
                raise ValueError("x too large")
            return super().fit(X, y)

    search = HalvingBayesSearchCV(Fragile(), SPACE, resource="budget", min_resources=1,
                                  max_resources=9, n_candidates=9, brackets=2, cv=2,
                                  random_state=0).fit(X60, Y60)
    res = search.cv_results_
    failed = np.isnan(res["mean_test_score"])
    assert failed.any() and sorted(search.fit_errors_) == list(np.flatnonzero(failed))
    rung0 = res["iter"] == 0
    promoted = [p["x"] for p in np.asarray(res["params"])[res["iter"] == 1]]
    assert all(x <= 0.5 for x in promoted)  # 3 to keep, more than 3 succeeded
    assert search.best_params_["x"] <= 0.5
    assert np.count_nonzero(~failed[rung0]) >= 3
    told = np.array(search.strategy_.history["score"])
    assert np.all(np.isnan(told[failed]))


# -- refusals at fit ------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(resource="n_trees", max_resources=9), "resource='n_trees' is not a parameter of Bowl"),
        (dict(resource="budget"), "max_resources='auto' means the number of samples"),
        (dict(min_resources=100), r"min_resources_=100 is greater than max_resources_=60"),
        (dict(resource="budget", min_resources=10, max_resources=5), "min_resources_=10 is greater"),
        (dict(factor=1), r"The 'factor' parameter .* range \(1.0, inf\)"),
        (dict(factor=0.5), r"The 'factor' parameter"),
        (dict(min_resources="exhaust"), "cannot be both set to 'exhaust'"),
        (dict(resource="x", max_resources=9), "'x' as the resource since it is part of the searched"),
        (dict(min_n_samples=10, min_resources=20), "min_n_samples=10 and min_resources=20 both given"),
        (dict(max_n_samples=10, resource="budget", max_resources=9), "alias of max_resources for resource='n_samples'"),
        (dict(brackets=0), "The 'brackets' parameter"),
        (dict(surrogate="bogus"), "The 'surrogate' parameter"),
    ],
)
def test_refusals_at_fit(params, match):
    params.setdefault("cv", 2)
    search = HalvingBayesSearchCV(Bowl(), SPACE, **params)  # __init__ only stores
    with pytest.raises(ValueError, match=match):
        search.fit(X60, Y60)


def test_unfitted_and_pickle():
    import pickle

    search = HalvingBayesSearchCV(Bowl(), SPACE, resource="budget", min_resources=1,
                                  max_resources=9, n_candidates=9, cv=2, random_state=1)
    with pytest.raises(Exception):
        check_is_fitted(search, "best_params_")
    search.fit(X60, Y60)
    loaded = pickle.loads(pickle.dumps(search))
    assert loaded.best_params_ == search.best_params_
    assert loaded.n_resources_ == search.n_resources_


def test_warm_start_adds_brackets():
    kw = dict(resource="budget", min_resources=1, max_resources=9, n_candidates=9, cv=2,
              random_state=0)
    two = HalvingBayesSearchCV(Bowl(), SPACE, brackets=2, **kw).fit(X60, Y60)
    search = HalvingBayesSearchCV(Bowl(), SPACE, brackets=1, warm_start=True, **kw).fit(X60, Y60)
    n_first = len(search.cv_results_["params"])
    search.set_params(brackets=2).fit(X60, Y60)
    res = search.cv_results_
    assert search.n_replayed_ == n_first
    assert list(res["bracket"]) == list(two.cv_results_["bracket"])
    assert res["params"][:n_first] == two.cv_results_["params"][:n_first]
    assert search.n_resources_ == [1, 3, 9, 1, 3, 9]


# -- the Parzen proposer ----------------------------------------------------------------


def test_parzen_proposals_stay_in_the_cube_and_near_the_good_points():
    rng = np.random.default_rng(0)
    space = Space({"x": Real(0.0, 1.0), "k": Categorical(["a", "b", "c"]), "z": Real(0.0, 1.0)})
    U = rng.random((60, 3))
    is_b = np.array([p["k"] == "b" for p in space.from_unit(U)])
    for scores, check in [
        (-np.abs(U[:, 0] - 0.1), lambda new, params: np.median(new[:, 0]) < 0.3),
        (is_b + 0.01 * U[:, 2], lambda new, params: sum(p["k"] == "b" for p in params) >= 14),
    ]:
        new = ParzenProposer().propose(space, U, scores, 20, rng)
        assert new.shape == (20, 3) and np.all((new >= 0) & (new <= 1))
        assert check(new, space.from_unit(new))


def test_skorch_max_epochs_as_the_resource():
    pytest.importorskip("skorch")
    from skbayes.nets import MLPNetClassifier

    X, y = make_classification(n_samples=90, n_features=5, random_state=0)
    search = HalvingBayesSearchCV(
        MLPNetClassifier(batch_size=32, random_state=0, verbose=0),
        {"lr": Real(1e-3, 1e-1, prior="log-uniform"), "hidden_units": [8, 16]},
        resource="max_epochs", min_resources=1, max_resources=4, factor=2,
        n_candidates=4, brackets=1, cv=2, random_state=0,
    ).fit(X.astype("float32"), y)
    assert search.n_resources_ == [1, 2, 4]
    assert search.best_params_["max_epochs"] == 4
    assert len(search.best_estimator_.history_) == 4


def test_later_brackets_do_not_repeat_candidates_of_a_finite_space():
    space = {"kind": ["a", "b"], "x": Categorical([0.1, 0.7, 0.9])}
    search = HalvingBayesSearchCV(Bowl(), space, resource="budget", min_resources=1,
                                  max_resources=2, n_candidates=3, factor=2, brackets=2,
                                  cv=2, random_state=0).fit(X60, Y60)
    res = search.cv_results_
    first = [tuple(sorted(p.items())) for p, r in zip(res["params"], res["n_resources"]) if r == 1]
    assert len(first) == 6 and len(set(first)) == 6  # 6 candidates in all, none twice


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_proposer_instance_proposes_the_later_brackets():
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from skbayes import HalvingBayesSearchCV
    from skbayes.space import Real
    from skbayes.strategies import ParzenProposer

    X, y = make_classification(n_samples=120, random_state=0)
    proposer = ParzenProposer(gamma=0.3)
    search = HalvingBayesSearchCV(
        LogisticRegression(), {"C": Real(1e-3, 1e2, prior="log-uniform")}, resource="max_iter",
        max_resources=40, min_resources=5, factor=2, brackets=3, surrogate=proposer, random_state=0, cv=2,
    ).fit(X, y)
    assert search.get_params()["surrogate"] is proposer  # stored as given, not mutated
    assert "model" in search.strategy_.proposed_by
    reference = HalvingBayesSearchCV(
        LogisticRegression(), {"C": Real(1e-3, 1e2, prior="log-uniform")}, resource="max_iter",
        max_resources=40, min_resources=5, factor=2, brackets=3, surrogate="kde", random_state=0, cv=2,
    ).fit(X, y)
    assert search.cv_results_["params"] != reference.cv_results_["params"]  # gamma 0.3, not 0.15


# -- model_levels="all": every configuration, ranked as successive halving ranks it --


class _Recorder:
    """A proposer that records what it is fitted on and proposes at random."""

    def __init__(self):
        self.calls = []

    def propose(self, space, U, scores, n, rng):
        self.calls.append((np.array(U), np.array(scores)))
        return space.sample_unit(n, rng)


def _recorded(model_levels):
    proposer = _Recorder()
    search = HalvingBayesSearchCV(Bowl(), SPACE, resource="budget", min_resources=1, max_resources=27,
                                  n_candidates=27, surrogate=proposer, model_levels=model_levels,
                                  cv=2, random_state=0)
    search.fit(X60, Y60)
    # the search proposes with a copy of the proposer it was given
    return search, search.strategy_.proposer.calls


def test_model_levels_all_fits_the_model_on_every_configuration_once():
    from scipy.stats import rankdata

    search, calls = _recorded("all")
    _, highest_calls = _recorded("highest")
    # the second bracket's model: all 27 configurations of the first bracket, against the
    # 9 of its highest level with enough scores (2 dimensions: at least 4) for "highest"
    U, ranks = calls[0]
    assert len(U) == 27 and len(np.unique(U, axis=0)) == 27
    assert len(highest_calls[0][0]) == 9
    # expected: the index of the highest level a configuration reached, plus the mid-rank
    # quantile of its score among all the first bracket's scores at that level
    res = search.cv_results_
    first = np.flatnonzero(np.asarray(res["bracket"]) == 0)
    key = lambda p: (round(p["x"], 9), round(p["z"], 9))  # noqa: E731
    levels = sorted({res["n_resources"][i] for i in first})
    expected = {}
    for index, level in enumerate(levels):
        rows = [i for i in first if res["n_resources"][i] == level]
        q = (rankdata([res["mean_test_score"][i] for i in rows]) - 0.5) / len(rows)
        expected.update({key(res["params"][i]): index + qi for i, qi in zip(rows, q)})
    space = search.strategy_.spaces[0]
    got = {key(p): r for p, r in zip(space.from_unit(U), ranks)}
    assert got.keys() == expected.keys()
    for k in got:
        assert got[k] == pytest.approx(expected[k])
    # so the best configuration of the highest level reached has the highest rank
    scores, resources = np.asarray(res["mean_test_score"])[first], np.asarray(res["n_resources"])[first]
    best = res["params"][first[np.lexsort((scores, resources))[-1]]]
    assert key(space.from_unit(U[np.argmax(ranks)][None, :])[0]) == key(best)


def test_model_levels_all_proposes_better_candidates_than_chance():
    gains = []
    for seed in range(3):
        values = {}
        for setting in [dict(model_levels="all"), dict(random_fraction=1.0)]:
            search = HalvingBayesSearchCV(Bowl(), SPACE, resource="budget", min_resources=1, max_resources=27,
                                          n_candidates=27, brackets=3, cv=2, random_state=seed, **setting)
            search.fit(X60, Y60)
            h = search.strategy_.history
            later = (np.array(h["bracket"]) > 0) & (np.array(h["n_resources"]) == 1)
            U = np.array(h["unit"])[later]
            values[setting.get("model_levels", "random")] = -np.mean((U[:, 0] - 0.7) ** 2 + (U[:, 1] - 0.2) ** 2)
        gains.append(values["all"] - values["random"])
    assert min(gains) > 0


def test_model_levels_is_reproducible_and_validated():
    kwargs = dict(resource="budget", min_resources=1, max_resources=9, cv=2, model_levels="all")
    a = HalvingBayesSearchCV(Bowl(), SPACE, random_state=3, **kwargs).fit(X60, Y60)
    b = HalvingBayesSearchCV(Bowl(), SPACE, random_state=3, **kwargs).fit(X60, Y60)
    assert a.cv_results_["params"] == b.cv_results_["params"]
    assert "model" in a.strategy_.proposed_by
    bad = HalvingBayesSearchCV(Bowl(), SPACE, random_state=3, **{**kwargs, "model_levels": "every"})
    with pytest.raises(ValueError, match="model_levels"):
        bad.fit(X60, Y60)
