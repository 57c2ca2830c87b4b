"""Cost-aware proposals of the Optimizer and BayesSearchCV (expected improvement per second)."""

import pickle
import time
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils._param_validation import InvalidParameterError

from skbayes import BayesSearchCV
from skbayes.callbacks import CheckpointSaver
from skbayes.optimizer import Optimizer
from skbayes.space import Real, Space
from skbayes.strategies._cost import LogCostModel, tpe_log_ei

X = np.arange(40, dtype=float).reshape(20, 2)
y = np.arange(20, dtype=float) % 3


def _spin(seconds):
    """Busy for ``seconds`` of this thread's CPU time.

    Not a sleep: on a loaded machine the wall time of a sleep is mostly the
    wait for the processor, while that of CPU work stays proportional to it.
    """
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


class SpinningRegressor(RegressorMixin, BaseEstimator):
    """Fitting takes ``1 + 30 * t`` ms of CPU; the score depends on ``a`` only.

    ``t`` sets the cost (31x from one end to the other), ``a`` the score
    (best at 0.6); ``fail_above``: the fit raises when ``a`` exceeds it.
    """

    def __init__(self, t=0.0, a=0.0, fail_above=None):
        self.t = t
        self.a = a
        self.fail_above = fail_above

    def fit(self, X, y):
        if self.fail_above is not None and self.a > self.fail_above:
            raise ValueError("a is too large")
        _spin(0.001 + 0.03 * self.t)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y, sample_weight=None):
        return -((self.a - 0.6) ** 2)


SPACE = {"t": Real(0.0, 1.0), "a": Real(0.0, 1.0)}


def _search(**kwargs):
    kwargs.setdefault("n_iter", 10)
    kwargs.setdefault("n_initial_points", 5)
    kwargs.setdefault("cv", 2)
    kwargs.setdefault("refit", False)
    kwargs.setdefault("random_state", 0)
    kwargs.setdefault("cost_aware", True)
    return BayesSearchCV(SpinningRegressor(), SPACE, **kwargs)


def _told_seconds(search):
    r = search.cv_results_
    return np.add(r["mean_fit_time"], r["mean_score_time"])


# -- the flat-score problem: the score ignores x, the cost grows 100x along it ----


def _flat(p):
    return -((p["y"] - 0.5) ** 2)


def _cost(p):
    return 0.01 * 100.0 ** p["x"]


def _run(seed, cost_aware, n_iter=13, n_initial=5, batch=1, **kwargs):
    opt = Optimizer(
        {"x": Real(0.0, 1.0), "y": Real(0.0, 1.0)}, n_initial_points=n_initial,
        n_iter=n_iter, cost_aware=cost_aware, random_state=seed, **kwargs,
    )
    while opt.n_remaining:
        params = opt.ask(batch)
        opt.tell(params, [_flat(p) for p in params], costs=[_cost(p) for p in params])
    return opt


def _model_x(opt, n_initial=5):
    return np.array([p["x"] for p in opt.history["params"][n_initial:]])


# -- validation ---------------------------------------------------------------


def test_bad_cost_aware_values_are_refused_at_fit():
    for bad in ("yes", 1.5, None):
        with pytest.raises(InvalidParameterError, match="cost_aware"):
            _search(cost_aware=bad, n_iter=2).fit(X, y)


def test_cost_aware_needs_a_log_acquisition():
    with pytest.raises(ValueError, match="log acquisition.*'ucb'"):
        _search(acquisition="ucb", n_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="log acquisition"):
        Optimizer(SPACE, acquisition=lambda m, s, b: m, cost_aware=True)
    with pytest.raises(ValueError, match="cost_aware must be a bool"):
        Optimizer(SPACE, cost_aware="yes")
    Optimizer(SPACE, acquisition="pi", cost_aware=True)  # log PI: accepted
    Optimizer(SPACE, acquisition="ucb", cost_aware=False)  # off: anything goes


def test_bad_costs_are_refused_and_nothing_is_recorded():
    opt = Optimizer(SPACE, cost_aware=True, random_state=0)
    p = opt.ask(2)
    for costs, match in (([1.0], "2 candidates but 1 costs"), ([1.0, -1.0], "cost 1 is -1.0"),
                         ([1.0, "1s"], "cost 1 is '1s'"), ([np.inf, 1.0], "cost 0 is inf")):
        with pytest.raises(ValueError, match=match):
            opt.tell(p, [0.0, 0.0], costs=costs)
        assert opt.n_told == 0 and opt.history["cost"] == []
    opt.tell(p, [0.0, 1.0], costs=[None, np.nan])  # unknown
    opt.tell(opt.ask(), 0.5, costs=2.0)  # one candidate, one number
    opt.tell(opt.ask(), 0.5)  # none told
    np.testing.assert_array_equal(opt.history["cost"], [np.nan, np.nan, 2.0, np.nan])


# -- what it does ----------------------------------------------------------------


def test_proposals_go_to_the_cheap_side_only_when_cost_aware():
    aware, blind = [], []
    for seed in range(3):
        aware.append(_model_x(_run(seed, True)).mean())
        blind.append(_model_x(_run(seed, False)).mean())
    assert max(aware) < 0.25, aware
    assert np.mean(blind) > np.mean(aware) + 0.2, (aware, blind)


def test_batches_and_tpe_are_cost_aware_too():
    opt = _run(0, True, n_iter=13, batch=4)
    x = _model_x(opt)
    points = {(p["x"], p["y"]) for p in opt.history["params"]}
    assert len(points) == opt.n_told == 13  # the points of a batch are distinct
    assert x.mean() < 0.3, x
    aware = _model_x(_run(0, True, surrogate="tpe", n_iter=25)).mean()
    blind = _model_x(_run(0, False, surrogate="tpe", n_iter=25)).mean()
    assert aware < blind - 0.15, (aware, blind)


def test_the_cheaper_of_two_equally_good_subspaces_wins():
    # each subspace has its own models: told the same scores, they see the
    # same promise, and the cost decides
    opt = Optimizer([{"kind": ["slow"], "y": Real(0.0, 1.0)}, {"kind": ["fast"], "y": Real(0.0, 1.0)}],
                    n_initial_points=0, cost_aware=True, random_state=0)
    told = [{"kind": k, "y": v} for v in (0.1, 0.3, 0.7, 0.9) for k in ("slow", "fast")]
    opt.tell(told, [_flat(p) for p in told], costs=[10.0 if p["kind"] == "slow" else 0.1 for p in told])
    later = [opt.ask()["kind"] for _ in range(4)]
    assert later.count("fast") >= 3, later


def test_without_known_costs_proposals_are_plain_eis():
    def run(cost_aware, costs):
        opt = Optimizer(SPACE, n_initial_points=3, n_iter=6, cost_aware=cost_aware, random_state=1)
        while opt.n_remaining:
            p = opt.ask()
            opt.tell(p, -((p["a"] - 0.6) ** 2), costs=costs)
        return opt.history["params"]

    assert run(True, None) == run(False, None) == run(True, np.nan)


def test_the_same_seed_and_costs_give_the_same_proposals():
    a, b = _run(3, True, n_iter=9), _run(3, True, n_iter=9)
    assert a.history["params"] == b.history["params"]
    assert a.history["params"] != _run(3, False, n_iter=9).history["params"]


def test_a_cheap_failure_does_not_make_its_region_look_cheap():
    space = Space({"x": Real(0.0, 1.0)})
    units = [np.array([v]) for v in (0.1, 0.3, 0.5, 0.7, 0.9)]
    seconds = [1.0, 1.0, 1.0, 1.0, 0.001]  # the last failed at once
    model = LogCostModel([space], np.random.default_rng(0))
    assert model.fit([0] * 5, units, seconds, [False] * 4 + [True])
    assert model.predict(0, np.array([[0.9]]))[0] > np.log(0.5)
    # a slow failure counts at its full cost
    assert model.fit([0] * 5, units, [1.0, 1.0, 1.0, 1.0, 50.0], [False] * 4 + [True])
    assert model.predict(0, np.array([[0.9]]))[0] > np.log(5.0)
    assert not model.fit([0] * 5, units, [np.nan] * 4 + [1.0], [False] * 5)  # one known


def test_the_cost_gradient_matches_finite_differences():
    space = Space({"x": Real(0.0, 1.0), "k": ["a", "b"], "z": Real(0.0, 1.0)})
    rng = np.random.default_rng(0)
    U = rng.random((12, 3))
    model = LogCostModel([space], rng)
    model.fit([0] * 12, list(U), np.exp(3 * U[:, 0] - U[:, 2]), [False] * 12)
    P = space.as_points(rng.random((4, 3)))
    _, grad = model.predict(0, P, return_grad=True)
    for j in (0, 2):
        step = np.zeros(3)
        step[j] = 1e-6
        fd = (model.predict(0, P + step) - model.predict(0, P - step)) / 2e-6
        np.testing.assert_allclose(grad[:, j], fd, rtol=1e-4, atol=1e-6)
    assert np.all(grad[:, 1] == 0)  # a categorical is not moved by gradient


def test_tpe_log_ei_is_monotone_and_saturates():
    ratio = np.linspace(-10, 10, 21)
    v = tpe_log_ei(ratio, 0.15)
    assert np.all(np.diff(v) > 0)
    assert abs(v[-1] + np.log(0.15)) < 1e-3  # at most 1/gamma


# -- BayesSearchCV ----------------------------------------------------------------


def test_bayes_search_tells_fit_times_and_goes_where_fits_are_cheap():
    search = _search(n_iter=12).fit(X, y)
    history = search.strategy_.history
    np.testing.assert_allclose(history["cost"], _told_seconds(search))
    t = np.asarray(search.cv_results_["param_t"][5:], dtype=float)
    assert t.mean() < 0.35, t
    assert search.strategy_.cost_model_ is not None
    # pickled and back, a fitted search keeps its optimizer and costs
    again = pickle.loads(pickle.dumps(search))
    assert again.strategy_.history["cost"] == history["cost"]
    assert again.cv_results_["params"] == search.cv_results_["params"]


def test_failed_fits_are_told_with_their_cost():
    search = BayesSearchCV(
        SpinningRegressor(fail_above=0.6), SPACE, n_iter=7, n_initial_points=5, cv=2,
        refit=False, random_state=0, cost_aware=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fit failures
        search.fit(X, y)
    failed = np.isnan(search.strategy_.history["score"])
    assert failed.any()
    costs = np.asarray(search.strategy_.history["cost"])
    assert np.all(np.isfinite(costs)) and np.all(costs[failed] >= 0)


#: the warning of a snapshot whose candidates the rebuilt optimizer does not propose again
_NOT_REPLAYED = ".*not those this strategy proposes again"


def test_warm_start_and_resume_keep_the_told_costs(tmp_path):
    search = _search(n_iter=7).fit(X, y)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=_NOT_REPLAYED)
        search.set_params(warm_start=True, n_iter=9).fit(X, y)
    assert search.n_replayed_ == 7 and len(search.cv_results_["params"]) == 9
    np.testing.assert_allclose(search.strategy_.history["cost"], _told_seconds(search))

    ckpt = tmp_path / "search.ckpt"

    def stop_hard(state):
        if state.n_evaluated >= 7:
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        _search(n_iter=9, callbacks=[CheckpointSaver(ckpt), stop_hard]).fit(X, y)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=_NOT_REPLAYED)
        resumed = _search(n_iter=9, callbacks=[CheckpointSaver(ckpt)]).fit(X, y)
    assert resumed.n_replayed_ == 7 and len(resumed.cv_results_["params"]) == 9
    np.testing.assert_allclose(resumed.strategy_.history["cost"], _told_seconds(resumed))
