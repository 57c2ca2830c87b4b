"""Callbacks of the search loop: when they are called, when they stop, what they show."""

import io
import pickle
import sys
import time

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import InvalidParameterError

from skbayes import LowDiscrepancySearchCV
from skbayes.callbacks import (
    Callback,
    DeadlineStopper,
    NoImprovementStopper,
    ProgressBar,
    TargetScoreStopper,
)
from skbayes.space import Real

from ._searches import SEARCHES

X = np.zeros((20, 2))
y = np.arange(20) % 2
SPACE = {"a": Real(0.0, 1.0)}


class QuadClassifier(ClassifierMixin, BaseEstimator):
    """Instant (or ``sleep`` seconds) fits; scores ``-(a - 0.3)**2``, best at a = 0.3."""

    def __init__(self, a=0.0, sleep=0.0):
        self.a = a
        self.sleep = sleep

    def fit(self, X, y):
        if self.sleep:
            time.sleep(self.sleep)
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def score(self, X, y, sample_weight=None):
        return -((self.a - 0.3) ** 2)


def _search(n_iter=16, **kwargs):
    kwargs.setdefault("cv", 2)
    kwargs.setdefault("n_jobs", 1)  # batches of one candidate
    kwargs.setdefault("random_state", 0)
    return LowDiscrepancySearchCV(QuadClassifier(), SPACE, n_iter=n_iter, **kwargs)


@pytest.fixture(scope="module")
def reference_scores():
    """Scores of the whole 16-candidate design, in evaluation order."""
    return _search().fit(X, y).cv_results_["mean_test_score"]


class Recorder(Callback):
    def __init__(self):
        self.states = []
        self.begun = self.ended = 0

    def on_search_begin(self, state):
        self.begun += 1

    def on_batch_end(self, state):
        self.states.append(
            (state.n_evaluated, state.n_planned, state.best_score, state.best_params, state.batch_size, state.elapsed)
        )
        return False

    def on_search_end(self, state):
        self.ended += 1


def test_callbacks_see_every_batch(reference_scores):
    rec, calls = Recorder(), []
    search = _search(callbacks=[rec, lambda state: calls.append(state.n_evaluated)])
    search.fit(X, y)
    fitted_rec = search.callbacks[0]  # fit uses the search's own parameter objects
    assert fitted_rec is rec and rec.begun == 1 and rec.ended == 1
    assert calls == list(range(1, 17))
    for i, (n, planned, best, best_params, size, elapsed) in enumerate(rec.states):
        assert n == i + 1 and planned == 16 and size == 1 and elapsed >= 0
        assert best == pytest.approx(np.max(reference_scores[: i + 1]))
        assert best_params == search.cv_results_["params"][int(np.argmax(reference_scores[: i + 1]))]
    assert search.stop_reason_ == "budget spent: 16 candidates evaluated."


def test_a_function_returning_true_stops_after_its_batch():
    def stop_at_5(state):
        return state.n_evaluated >= 5

    search = _search(callbacks=[stop_at_5]).fit(X, y)
    assert len(search.cv_results_["params"]) == 5
    assert "stop_at_5 returned True after 5 candidates" in search.stop_reason_
    assert search.best_params_ == search.cv_results_["params"][search.best_index_]
    # every callback is called after the batch, also after one asked to stop
    rec = Recorder()
    _search(callbacks=[stop_at_5, rec]).fit(X, y)
    assert [s[0] for s in rec.states] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("k", [1, 3, 5])
def test_no_improvement_stops_after_k_evaluations_and_not_before(k, reference_scores):
    search = _search(callbacks=[NoImprovementStopper(k)]).fit(X, y)
    n = len(search.cv_results_["params"])
    best_before = [int(np.argmax(reference_scores[:i])) for i in range(1, 17)]
    expected = next(i for i in range(1, 17) if i - 1 - best_before[i - 1] >= k)
    assert n == expected
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], reference_scores[:n])
    assert f"in the last {k} candidates" in search.stop_reason_


def test_no_improvement_tolerance(reference_scores):
    tol = 1.0  # nothing improves by more than 1: stops after k of the first candidate
    search = _search(callbacks=[NoImprovementStopper(3, tol=tol)]).fit(X, y)
    assert len(search.cv_results_["params"]) == 4


def test_target_score_stops_at_the_first_candidate_reaching_it(reference_scores):
    target = float(np.sort(reference_scores)[-3])  # third best of the design
    search = _search(callbacks=[TargetScoreStopper(target)]).fit(X, y)
    n = len(search.cv_results_["params"])
    assert n == int(np.argmax(reference_scores >= target)) + 1
    assert search.best_score_ >= target
    assert np.all(search.cv_results_["mean_test_score"][:-1] < target)
    assert "TargetScoreStopper" in search.stop_reason_
    # an unreachable target never stops
    assert len(_search(callbacks=[TargetScoreStopper(1.0)]).fit(X, y).cv_results_["params"]) == 16


def test_deadline_overruns_by_at_most_one_batch():
    # batches of 2 fits of 0.1 s each: about 0.2 s a batch
    rec = Recorder()
    est = QuadClassifier(sleep=0.1)
    search = LowDiscrepancySearchCV(
        est, SPACE, n_iter=64, cv=2, n_jobs=1, random_state=0, callbacks=[DeadlineStopper(0.9), rec]
    ).fit(X, y)
    n = len(search.cv_results_["params"])
    elapsed = [s[5] for s in rec.states]
    assert 2 <= n < 64
    # stopped at the first batch that ended past the deadline, not before
    assert elapsed[-1] >= 0.9 and all(e < 0.9 for e in elapsed[:-1])
    last_batch = elapsed[-1] - elapsed[-2]
    assert elapsed[-1] - 0.9 <= last_batch
    assert "overran it by" in search.stop_reason_
    stopper = search.callbacks[0]
    assert stopper.overrun_ == pytest.approx(stopper.elapsed_ - 0.9)
    assert 0 <= stopper.overrun_ <= last_batch + 0.05


def test_deadline_anticipates_the_next_batch():
    rec = Recorder()
    search = LowDiscrepancySearchCV(
        QuadClassifier(sleep=0.1), SPACE, n_iter=64, cv=2, n_jobs=1, random_state=0,
        callbacks=[DeadlineStopper(0.9, anticipate=True), rec],
    ).fit(X, y)
    elapsed = [s[5] for s in rec.states]
    assert len(search.cv_results_["params"]) >= 2
    # it stopped because the longest batch no longer fitted in the time left
    longest = max(np.diff([0.0] + elapsed))
    assert elapsed[-1] + longest > 0.9
    assert len(elapsed) == 1 or elapsed[-2] + max(np.diff([0.0] + elapsed[:-1])) <= 0.9


def test_progress_bar_shows_done_planned_and_best():
    pytest.importorskip("tqdm")
    out = io.StringIO()
    search = _search(n_iter=8, callbacks=[ProgressBar(desc="quad", file=out)]).fit(X, y)
    text = out.getvalue()
    assert "quad" in text and "8/8" in text
    assert f"best={search.best_score_:.4g}" in text
    # the fitted search pickles (no live bar left in it)
    pickle.loads(pickle.dumps(search))


def test_progress_bar_needs_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ImportError, match=r'pip install "skbayes\[progress\]"'):
        _search(n_iter=2, callbacks=[ProgressBar()]).fit(X, y)


def test_callbacks_are_validated_at_fit():
    search = _search(callbacks=[42])  # __init__ only stores
    with pytest.raises(TypeError, match=r"callbacks\[0\] must be a skbayes.callbacks.Callback or a function"):
        search.fit(X, y)
    with pytest.raises(InvalidParameterError, match="callbacks"):
        _search(callbacks="stop").fit(X, y)
    with pytest.raises(ValueError, match="total_time must be a positive number"):
        _search(callbacks=[DeadlineStopper(-1)]).fit(X, y)
    with pytest.raises(ValueError, match="n_evaluations must be an int >= 1"):
        _search(callbacks=[NoImprovementStopper(0)]).fit(X, y)
    with pytest.raises(ValueError, match="target must be a number"):
        _search(callbacks=[TargetScoreStopper("high")]).fit(X, y)


def test_callbacks_survive_clone_and_pickle():
    cbs = [NoImprovementStopper(3), DeadlineStopper(60.0), TargetScoreStopper(0.0)]
    search = _search(callbacks=cbs)
    copy = clone(search)
    assert [type(c) for c in copy.get_params()["callbacks"]] == [type(c) for c in cbs]
    assert copy.get_params()["callbacks"][0].n_evaluations == 3
    fitted = copy.fit(X, y)
    loaded = pickle.loads(pickle.dumps(fitted))
    assert loaded.stop_reason_ == fitted.stop_reason_


class TaskRecorder:
    """A scikit-learn FitCallback (sklearn.callback protocol) that records the tasks."""

    def __init__(self):
        self.begun, self.ended, self.setups, self.teardowns = [], [], 0, 0

    def setup(self, estimator, context):
        self.setups += 1

    def teardown(self, estimator, context):
        self.teardowns += 1

    def on_fit_task_begin(self, estimator, context, **kwargs):
        self.begun.append(context.task_name)

    def on_fit_task_end(self, estimator, context, **kwargs):
        self.ended.append(context.task_name)


def test_scikit_learn_set_callbacks():
    pytest.importorskip("sklearn.callback")
    rec = TaskRecorder()
    search = _search(n_iter=4).set_callbacks(rec)
    search.fit(X, y)
    assert rec.setups == 1 and rec.teardowns == 1
    assert rec.begun.count("search") == 1 and rec.begun.count("batch") == 4
    assert rec.begun.count("candidate-split-evaluation") == 4 * 2
    assert sorted(rec.begun) == sorted(rec.ended)
    # both kinds of callbacks together
    rec2 = TaskRecorder()
    search = _search(n_iter=4, callbacks=[NoImprovementStopper(1)]).set_callbacks(rec2).fit(X, y)
    assert rec2.begun.count("batch") == len(search.cv_results_["params"])


@pytest.mark.filterwarnings("ignore:The estimator QuadClassifier does not support callbacks")
def test_scikit_learn_progress_bar():
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar as SkProgressBar

    search = _search(n_iter=4).set_callbacks(SkProgressBar()).fit(X, y)
    assert len(search.cv_results_["params"]) == 4


@pytest.mark.parametrize("name", sorted(SEARCHES))
def test_every_search_takes_callbacks(name):
    from sklearn.datasets import make_classification

    Xc, yc = make_classification(n_samples=60, n_features=4, random_state=0)
    make = SEARCHES[name]
    assert {"callbacks", "warm_start"} <= set(make(LogisticRegression(), {"C": Real(0.1, 10.0)}).get_params())
    seen = []

    def stop_after_first(state):
        seen.append(state.n_evaluated)
        return True

    search = make(LogisticRegression(), {"C": Real(0.1, 10.0)}, cv=2, callbacks=[stop_after_first]).fit(Xc, yc)
    assert len(seen) == 1 and len(search.cv_results_["params"]) == seen[0]
    assert search.stop_reason_ is not None
