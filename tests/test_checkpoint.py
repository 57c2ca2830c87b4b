"""Checkpoints, resuming after a crash (SIGKILL included) and warm start."""

import os
import pickle
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from skbayes import LowDiscrepancySearchCV
from skbayes.callbacks import CheckpointSaver, NoImprovementStopper
from skbayes.space import Real

from ._searches import SEARCHES

ROOT = Path(__file__).resolve().parents[1]
X = np.arange(40, dtype=float).reshape(20, 2)
y = np.arange(20) % 2
SPACE = {"a": Real(0.0, 1.0)}


class CountingClassifier(ClassifierMixin, BaseEstimator):
    """Appends ``a`` to ``log`` at every fit; scores ``-(a - 0.3)**2``.

    The process kills itself with SIGKILL at the start of fit number
    ``$SKBAYES_KILL_AT`` (counted in the log), as a crash would: an environment
    variable, so that the killed and the resumed searches have the same
    parameters.
    """

    interrupt_at = None  # raise KeyboardInterrupt at this fit of the log

    def __init__(self, a=0.0, log=None):
        self.a = a
        self.log = log

    def fit(self, X, y):
        if self.log is not None:
            n = len(Path(self.log).read_text().splitlines()) if os.path.exists(self.log) else 0
            kill_at = os.environ.get("SKBAYES_KILL_AT")
            if kill_at is not None and n + 1 >= int(kill_at):
                os.kill(os.getpid(), signal.SIGKILL)
            if CountingClassifier.interrupt_at is not None and n + 1 >= CountingClassifier.interrupt_at:
                raise KeyboardInterrupt
            with open(self.log, "a") as f:
                f.write(f"{self.a!r}\n")
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def score(self, X, y, sample_weight=None):
        return -((self.a - 0.3) ** 2)


def _search(log=None, ckpt=None, n_iter=8, **kwargs):
    kwargs.setdefault("cv", 2)
    kwargs.setdefault("n_jobs", 1)
    kwargs.setdefault("random_state", 0)
    kwargs.setdefault("refit", False)  # so that the fit log holds the CV fits only
    callbacks = kwargs.pop("callbacks", [])
    if ckpt is not None:
        callbacks = callbacks + [CheckpointSaver(ckpt)]
    return LowDiscrepancySearchCV(
        CountingClassifier(log=None if log is None else str(log)), SPACE, n_iter=n_iter, callbacks=callbacks or None, **kwargs
    )


def _fits(log):
    return Counter(float(v) for v in Path(log).read_text().split())


def _assert_same_results(a, b):
    assert a["params"] == b["params"]
    for key in ("mean_test_score", "split0_test_score", "split1_test_score", "rank_test_score"):
        np.testing.assert_array_equal(a[key], b[key])


@pytest.fixture(scope="module")
def reference():
    return _search().fit(X, y).cv_results_


def test_resume_after_sigkill_refits_nothing_done(tmp_path, reference):
    log, ckpt = tmp_path / "fits.log", tmp_path / "search.ckpt"
    script = textwrap.dedent(
        f"""
        import numpy as np
        from tests.test_checkpoint import _search, X, y
        _search(log={str(log)!r}, ckpt={str(ckpt)!r}).fit(X, y)
        """
    )
    env = dict(os.environ, SKBAYES_KILL_AT="8")  # the 8th fit: 2nd fold of candidate 4
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    done = _fits(log)
    assert sum(done.values()) == 7 and len(done) == 4  # 3 candidates whole, 1 fold of the 4th
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]

    resumed = _search(log=log, ckpt=ckpt).fit(X, y)
    _assert_same_results(resumed.cv_results_, reference)
    assert resumed.n_replayed_ == 3
    fits = _fits(log)
    first = [p["a"] for p in reference["params"]]
    # each candidate is fitted once per fold, except the one in flight at the kill
    assert [fits[a] for a in first] == [2, 2, 2, 3, 2, 2, 2, 2]


def test_resume_after_an_exception_and_of_a_finished_search(tmp_path, reference):
    log, ckpt = tmp_path / "fits.log", tmp_path / "search.ckpt"
    CountingClassifier.interrupt_at = 6
    try:
        with pytest.raises(KeyboardInterrupt):
            _search(log=log, ckpt=ckpt).fit(X, y)
    finally:
        CountingClassifier.interrupt_at = None
    search = _search(log=log, ckpt=ckpt).fit(X, y)
    _assert_same_results(search.cv_results_, reference)
    # the 6th fit raised: the 3rd candidate (in flight) is fitted again, no other
    assert sum(_fits(log).values()) == 17 and search.n_replayed_ == 2
    # the checkpoint of a finished search: nothing left to fit
    again = _search(log=log, ckpt=ckpt).fit(X, y)
    _assert_same_results(again.cv_results_, reference)
    assert again.n_replayed_ == 8 and sum(_fits(log).values()) == 17
    assert again.best_params_ == search.best_params_
    # resume=False starts over and overwrites
    LowDiscrepancySearchCV(
        CountingClassifier(log=str(log)), SPACE, n_iter=8, cv=2, n_jobs=1, random_state=0, refit=False,
        callbacks=[CheckpointSaver(ckpt, resume=False)],
    ).fit(X, y)
    assert sum(_fits(log).values()) == 17 + 16


def test_resume_a_search_stopped_by_a_callback(tmp_path):
    ckpt = tmp_path / "search.ckpt"
    stopped = _search(ckpt=ckpt, n_iter=16, callbacks=[NoImprovementStopper(2)]).fit(X, y)
    resumed = _search(ckpt=ckpt, n_iter=16, callbacks=[NoImprovementStopper(2)]).fit(X, y)
    _assert_same_results(resumed.cv_results_, stopped.cv_results_)
    assert resumed.stop_reason_ == stopped.stop_reason_
    # without the stopper, the search goes on where it stopped
    full = _search(ckpt=ckpt, n_iter=16).fit(X, y)
    _assert_same_results(full.cv_results_, _search(n_iter=16).fit(X, y).cv_results_)


def test_corrupted_checkpoint_is_refused(tmp_path, reference):
    ckpt = tmp_path / "search.ckpt"
    _search(ckpt=ckpt).fit(X, y)
    data = ckpt.read_bytes()
    ckpt.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="is corrupted or is not an skbayes checkpoint.*Delete it"):
        _search(ckpt=ckpt).fit(X, y)
    ckpt.write_bytes(b"not a pickle at all")
    with pytest.raises(ValueError, match="is corrupted"):
        _search(ckpt=ckpt).fit(X, y)
    ckpt.write_bytes(pickle.dumps({"some": "dict"}))
    with pytest.raises(ValueError, match="is not an skbayes checkpoint"):
        _search(ckpt=ckpt).fit(X, y)


def test_a_crash_while_writing_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    from skbayes.callbacks import _checkpoint

    ckpt = tmp_path / "search.ckpt"
    _search(ckpt=ckpt, n_iter=4).fit(X, y)
    before = ckpt.read_bytes()

    def failing_dump(pickler, obj):
        pickler._file.write(b"half a checkpoint")
        raise OSError("disk full")

    original_init = _checkpoint._Pickler.__init__

    def init(pickler, file, user_values):
        original_init(pickler, file, user_values)
        pickler._file = file

    monkeypatch.setattr(_checkpoint._Pickler, "__init__", init)
    monkeypatch.setattr(_checkpoint._Pickler, "dump", failing_dump)
    with pytest.raises(OSError, match="disk full"):
        _search(ckpt=ckpt, n_iter=8).set_params(warm_start=True).fit(X, y)
    assert ckpt.read_bytes() == before
    assert os.listdir(tmp_path) == ["search.ckpt"]


@pytest.mark.parametrize(
    "change, match",
    [
        (dict(search_spaces={"a": Real(0.0, 2.0)}), "other settings: search_spaces differ"),
        (dict(estimator=CountingClassifier(a=0.5)), "other settings: estimator differ"),
        (dict(scoring="accuracy"), "other settings: scoring differ"),
        (dict(random_state=1), "other settings: random_state differ"),
        (dict(n_iter=16), r"with n_iter=8. Set warm_start=True to extend it"),
        (dict(cv=3), "used 2 CV splits; this search uses 3"),
    ],
)
def test_checkpoint_of_another_search_is_refused(tmp_path, change, match):
    ckpt = tmp_path / "search.ckpt"
    _search(ckpt=ckpt).fit(X, y)
    with pytest.raises(ValueError, match=match):
        _search(ckpt=ckpt).set_params(**change).fit(X, y)


def test_checkpoint_keeps_an_entry_per_data_and_refuses_another_search_class(tmp_path):
    ckpt = tmp_path / "search.ckpt"
    _search(ckpt=ckpt).fit(X, y)
    # other data: a search of its own in the same file, the first one kept
    assert _search(ckpt=ckpt).fit(X + 1, y).n_replayed_ == 0
    assert _search(ckpt=ckpt).fit(X, y).n_replayed_ == 8
    assert _search(ckpt=ckpt).fit(X + 1, y).n_replayed_ == 8
    other = SEARCHES["evolutionary"] if "evolutionary" in SEARCHES else None
    if other is not None:
        search = other(CountingClassifier(), SPACE, cv=2, callbacks=[CheckpointSaver(ckpt)])
        with pytest.raises(ValueError, match="was written by LowDiscrepancySearchCV, not"):
            search.fit(X, y)


def test_n_jobs_and_verbose_do_not_block_a_resume(tmp_path, reference):
    ckpt = tmp_path / "search.ckpt"
    _search(ckpt=ckpt, n_iter=4).fit(X, y)
    search = _search(ckpt=ckpt, n_iter=4, n_jobs=2, verbose=0, refit=False).fit(X, y)
    assert search.n_replayed_ == 4


# -- warm start ----------------------------------------------------------------


def test_warm_start_extends_instead_of_restarting(tmp_path, reference):
    log = tmp_path / "fits.log"
    search = _search(log=log, n_iter=4).fit(X, y)
    first = search.cv_results_
    search.set_params(warm_start=True, n_iter=8).fit(X, y)
    assert search.n_replayed_ == 4
    assert sum(_fits(log).values()) == 16  # 8 candidates, 2 folds, each fitted once
    assert search.cv_results_["params"][:4] == first["params"]
    # a Sobol' design extends: the same as fitting 8 at once
    _assert_same_results(search.cv_results_, reference)
    # same budget: nothing to do, nothing refitted
    search.fit(X, y)
    assert sum(_fits(log).values()) == 16
    _assert_same_results(search.cv_results_, reference)
    # warm_start=False starts over
    search.set_params(warm_start=False).fit(X, y)
    assert sum(_fits(log).values()) == 32 and search.n_replayed_ == 0


def test_warm_start_on_an_unfitted_search_fits_from_scratch(reference):
    search = _search(warm_start=True).fit(X, y)
    _assert_same_results(search.cv_results_, reference)
    assert search.n_replayed_ == 0


def test_warm_start_refuses_changed_settings():
    search = _search(n_iter=4).fit(X, y)
    with pytest.raises(ValueError, match="the previous fit was written by a search with other settings: estimator differ. Set warm_start=False"):
        search.set_params(warm_start=True, estimator=CountingClassifier(a=0.9)).fit(X, y)


class SplitProbe(ClassifierMixin, BaseEstimator):
    """Scores the sum of its training rows' first feature: tells the splits apart."""

    def __init__(self, a=0.0):
        self.a = a

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.train_sum_ = float(np.asarray(X)[:, 0].sum())
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def score(self, X, y, sample_weight=None):
        return self.train_sum_


def test_warm_start_keeps_the_cv_splits():
    # a shuffling splitter without a seed gives other folds at every call
    cv = KFold(3, shuffle=True)
    search = LowDiscrepancySearchCV(SplitProbe(), SPACE, n_iter=3, cv=cv, n_jobs=1, random_state=0).fit(X, y)
    res = search.cv_results_
    split0 = res["split0_test_score"]
    assert np.all(split0 == split0[0])  # every batch of one fit uses the same folds
    search.set_params(warm_start=True, n_iter=6).fit(X, y)
    np.testing.assert_array_equal(search.cv_results_["split0_test_score"], split0[0])
    np.testing.assert_array_equal(search.cv_results_["split2_test_score"], res["split2_test_score"][0])


def test_warm_start_from_a_checkpoint_with_a_smaller_budget(tmp_path, reference):
    log, ckpt = tmp_path / "fits.log", tmp_path / "search.ckpt"
    _search(log=log, ckpt=ckpt, n_iter=4).fit(X, y)
    search = _search(log=log, ckpt=ckpt, n_iter=8, warm_start=True).fit(X, y)
    _assert_same_results(search.cv_results_, reference)
    assert sum(_fits(log).values()) == 16


# -- every search ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SEARCHES))
def test_every_search_resumes_from_a_checkpoint(name, tmp_path):
    Xc, yc = make_classification(n_samples=60, n_features=4, random_state=0)
    space = {"C": Real(1e-3, 1e2, prior="log-uniform"), "fit_intercept": [True, False]}
    make = SEARCHES[name]
    reference = make(LogisticRegression(), space, cv=2, n_jobs=1).fit(Xc, yc).cv_results_
    ckpt = tmp_path / "search.ckpt"
    stops = []

    def stop_after_first_batch(state):
        stops.append(state.n_evaluated)
        return len(stops) == 1 and not state.n_replayed

    first = make(LogisticRegression(), space, cv=2, n_jobs=1, callbacks=[stop_after_first_batch, CheckpointSaver(ckpt)])
    first.fit(Xc, yc)
    assert len(first.cv_results_["params"]) < len(reference["params"])
    resumed = make(LogisticRegression(), space, cv=2, n_jobs=1, callbacks=[CheckpointSaver(ckpt)]).fit(Xc, yc)
    assert resumed.n_replayed_ == len(first.cv_results_["params"])
    assert resumed.cv_results_["params"] == reference["params"]
    np.testing.assert_allclose(resumed.cv_results_["mean_test_score"], reference["mean_test_score"])
    for key in set(reference) - {"params"}:
        if key.startswith("param_") or key in ("iter", "n_resources"):
            assert list(resumed.cv_results_[key]) == list(reference[key]), key
