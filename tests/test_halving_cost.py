"""HalvingBayesSearchCV(cost_aware=True): proposals that know what a candidate costs."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.datasets import make_classification
from sklearn.utils._param_validation import InvalidParameterError

from skbayes import HalvingBayesSearchCV
from skbayes.space import Integer, Real, Space
from skbayes.strategies._proposers import ParzenProposer


def _two_peaks(n=60):
    """Scores with two peaks, at x=0.2 and at x=0.8, the second a little better."""
    U = np.linspace(0.01, 0.99, n)[:, None]
    scores = -np.minimum(np.abs(U[:, 0] - 0.2) + 0.01, np.abs(U[:, 0] - 0.8))
    return U, scores


def _near(P, centre):
    return np.mean(np.abs(P[:, 0] - centre) < 0.1)


def test_parzen_proposals_trade_a_little_score_for_much_less_cost():
    space = Space({"x": Real(0.0, 1.0)})
    U, scores = _two_peaks()
    for seed in range(3):
        blind = ParzenProposer().propose(space, U, scores, 20, np.random.default_rng(seed))
        assert _near(blind, 0.8) > 0.8  # by score alone: the better peak
        # the better peak costs 60 s a fit, the other 1 s: the cheaper one now
        costly_right = np.where(U[:, 0] > 0.5, np.log(60.0), 0.0)
        aware = ParzenProposer().propose(space, U, scores, 20, np.random.default_rng(seed),
                                         log_costs=costly_right)
        assert _near(aware, 0.2) > 0.8
        # when the better peak is also the cheaper one, nothing changes
        costly_left = np.where(U[:, 0] < 0.5, np.log(60.0), 0.0)
        aware = ParzenProposer().propose(space, U, scores, 20, np.random.default_rng(seed),
                                         log_costs=costly_left)
        assert _near(aware, 0.8) > 0.8


def test_parzen_proposals_without_known_costs_are_tpes():
    space = Space({"x": Real(0.0, 1.0)})
    U, scores = _two_peaks()
    blind = ParzenProposer().propose(space, U, scores, 10, np.random.default_rng(1))
    unknown = ParzenProposer().propose(space, U, scores, 10, np.random.default_rng(1),
                                       log_costs=np.full(len(U), np.nan))
    np.testing.assert_array_equal(blind, unknown)


def test_the_strategy_keeps_log_fit_times_scaled_to_the_whole_resource():
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    search = HalvingBayesSearchCV(
        HistGradientBoostingClassifier(early_stopping=False, random_state=0),
        {"learning_rate": Real(0.05, 0.5), "max_leaf_nodes": Integer(4, 16)},
        resource="max_iter", min_resources=1, max_resources=9, n_candidates=9, factor=3,
        brackets=2, cost_aware=True, cv=2, random_state=0,
    ).fit(X, y)
    res, strategy = search.cv_results_, search.strategy_
    for level, obs in strategy.observations.items():
        assert len(strategy.costs[level]) == len(obs)
    # the rows of the first bracket's second rung (continued from 1 to 3 rounds)
    rows = np.flatnonzero(np.asarray(res["iter"]) == 1)
    assert np.asarray(res["continued"])[rows].all()
    expected = np.log(np.asarray(res["mean_fit_time"])[rows] * 3 / 2)
    np.testing.assert_allclose(strategy.costs[3][: len(rows)], expected)
    assert "model" in strategy.proposed_by  # the second bracket was proposed with costs


class _Flat(RegressorMixin, BaseEstimator):
    def __init__(self, x=0.5, budget=1):
        self.x = x
        self.budget = budget

    def fit(self, X, y=None):
        return self

    def predict(self, X):
        return np.zeros(len(X))


def test_cost_aware_needs_the_parzen_proposer():
    search = HalvingBayesSearchCV(_Flat(), {"x": Real(0, 1)}, resource="budget", max_resources=9,
                                  surrogate="gp", cost_aware=True, cv=2)
    with pytest.raises(ValueError, match="cost_aware=True needs surrogate=.kde. or a ParzenProposer"):
        search.fit(np.zeros((20, 1)), np.zeros(20))


def test_bad_cost_aware_values_are_refused_at_fit():
    search = HalvingBayesSearchCV(_Flat(), {"x": Real(0, 1)}, resource="budget", max_resources=9,
                                  cost_aware="yes", cv=2)
    with pytest.raises(InvalidParameterError, match="'cost_aware' parameter"):
        search.fit(np.zeros((20, 1)), np.zeros(20))
