"""HalvingBayesSearchCV(resume=...): promoted candidates continue their fold models."""

import glob
import os
import tempfile
import warnings

import numpy as np
import pytest
from joblib import hash as joblib_hash
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression, SGDClassifier, SGDRegressor
from sklearn.model_selection import KFold
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skbayes import HalvingBayesSearchCV
from skbayes.callbacks import CheckpointSaver
from skbayes.search._continue import _fit, candidate_key, go_on, how_to_continue
from skbayes.space import Integer, Real

X, Y = make_classification(n_samples=240, n_features=8, random_state=0)
SPACE = {"learning_rate": Real(0.02, 0.5, prior="log-uniform"), "max_leaf_nodes": Integer(4, 24)}


pytestmark = pytest.mark.filterwarnings("ignore::skbayes.exceptions.BoundaryWarning")


def _search(estimator=None, space=SPACE, *, resource="max_iter", max_resources=9, **kwargs):
    kwargs.setdefault("random_state", 0)
    kwargs.setdefault("cv", 2)
    kwargs.setdefault("n_candidates", 9)
    kwargs.setdefault("brackets", 1)
    if estimator is None:
        estimator = HistGradientBoostingClassifier(early_stopping=False, random_state=0)
    return HalvingBayesSearchCV(
        estimator, space, resource=resource, min_resources=1, max_resources=max_resources,
        factor=3, **kwargs,
    )


def _assert_same_search(a, b):
    """Same candidates, same rungs, same per-fold scores."""
    ra, rb = a.cv_results_, b.cv_results_
    assert ra["params"] == rb["params"]
    assert list(ra["n_resources"]) == list(rb["n_resources"])
    for key in [k for k in ra if k.startswith("split") and k.endswith("test_score")]:
        np.testing.assert_array_equal(ra[key], rb[key], err_msg=key)
    assert a.best_params_ == b.best_params_


def _rungs_after_first(search):
    return np.asarray(search.cv_results_["iter"]) > 0


# -- continuing equals retraining, where the docstring says so ---------------------


@pytest.mark.parametrize(
    "estimator, resource, space",
    [
        (HistGradientBoostingClassifier(early_stopping=False, random_state=0), "max_iter", SPACE),
        (
            HistGradientBoostingClassifier(early_stopping=True, n_iter_no_change=2,
                                           validation_fraction=0.2, random_state=0),
            "max_iter",
            SPACE,
        ),
        (
            GradientBoostingClassifier(subsample=0.7, max_features=0.5, random_state=0),
            "n_estimators",
            {"learning_rate": Real(0.02, 0.5, prior="log-uniform"), "max_depth": Integer(1, 4)},
        ),
        (RandomForestClassifier(random_state=0), "n_estimators", {"max_depth": Integer(1, 16)}),
        (
            make_pipeline(StandardScaler(), HistGradientBoostingClassifier(early_stopping=False, random_state=0)),
            "histgradientboostingclassifier__max_iter",
            {"histgradientboostingclassifier__learning_rate": Real(0.02, 0.5, prior="log-uniform")},
        ),
    ],
    ids=["hgb", "hgb-early-stopping", "gb-subsample", "forest", "pipeline"],
)
def test_continued_rungs_score_exactly_as_retrained_ones(estimator, resource, space):
    before = joblib_hash(estimator)
    on = _search(estimator, space, resource=resource, resume=True).fit(X, Y)
    off = _search(estimator, space, resource=resource, resume=False).fit(X, Y)
    _assert_same_search(on, off)
    continued = np.asarray(on.cv_results_["continued"])
    assert continued[_rungs_after_first(on)].all()
    assert not continued[~_rungs_after_first(on)].any()
    assert not np.asarray(off.cv_results_["continued"]).any()
    assert joblib_hash(estimator) == before  # the user's estimator is left as given


def test_boosting_that_stopped_early_is_kept_as_retraining_stops_there():
    est = HistGradientBoostingClassifier(early_stopping=True, n_iter_no_change=3, tol=1e-2,
                                         learning_rate=0.3, random_state=0)
    way, _ = how_to_continue(est, "max_iter")
    Xc, yc = make_classification(n_samples=1000, n_features=10, random_state=0)
    model = clone(est).set_params(max_iter=3).fit(Xc, yc)
    for done, target in [(3, 9), (9, 27), (27, 81)]:
        go_on(way, model, Xc, yc, {}, done, target)
        scratch = clone(est).set_params(max_iter=target).fit(Xc, yc)
        assert model.n_iter_ == scratch.n_iter_
        np.testing.assert_array_equal(model.predict_proba(Xc), scratch.predict_proba(Xc))
    assert model.n_iter_ < 27  # it did stop early


def test_extra_trees_regressor_continue_exactly():
    Xr, yr = make_regression(n_samples=120, n_features=5, random_state=0)
    est = ExtraTreesRegressor(random_state=0)
    on = _search(est, {"max_depth": Integer(2, 16)}, resource="n_estimators", resume="auto").fit(Xr, yr)
    off = _search(est, {"max_depth": Integer(2, 16)}, resource="n_estimators", resume=False).fit(Xr, yr)
    _assert_same_search(on, off)
    assert np.asarray(on.cv_results_["continued"])[_rungs_after_first(on)].all()


def _digits():
    Xd, yd = load_digits(return_X_y=True)
    return Xd / 16.0, yd


def _regression():
    Xr, yr = make_regression(n_samples=600, n_features=10, noise=10, random_state=0)
    return StandardScaler().fit_transform(Xr), yr / yr.std()


def _continued_and_retrained(estimator, X_, y_, rungs=(3, 9, 27)):
    """Per fold: (continued model, model trained from scratch for rungs[-1])."""
    way, _ = how_to_continue(estimator, "max_iter")
    for train, test in KFold(3, shuffle=True, random_state=0).split(X_):
        model = clone(estimator).set_params(max_iter=rungs[0])
        _fit(model, X_[train], y_[train], {})
        for done, target in zip(rungs, rungs[1:]):
            go_on(way, model, X_[train], y_[train], {}, done, target)
        scratch = clone(estimator).set_params(max_iter=rungs[-1])
        _fit(scratch, X_[train], y_[train], {})
        yield model, scratch, X_[test], y_[test]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "estimator, data",
    [
        (MLPClassifier(hidden_layer_sizes=(32,), random_state=0), _digits),
        (MLPClassifier(hidden_layer_sizes=(16,), solver="sgd", learning_rate="invscaling", random_state=0), _digits),
        (MLPRegressor(hidden_layer_sizes=(32,), random_state=0), _regression),
        (SGDClassifier(random_state=0), _digits),
        (SGDRegressor(random_state=0), _regression),
    ],
    ids=["mlp-adam", "mlp-sgd-invscaling", "mlp-regressor", "sgd-classifier", "sgd-regressor"],
)
def test_epochs_continue_close_to_retraining_within_the_documented_tolerance(estimator, data):
    assert how_to_continue(estimator, "max_iter")[0].claim == "close"
    X_, y_ = data()
    for model, scratch, X_test, y_test in _continued_and_retrained(estimator, X_, y_):
        assert abs(model.score(X_test, y_test) - scratch.score(X_test, y_test)) < 0.06
        assert model.get_params()["max_iter"] == 27  # the total, as retraining has it


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sgd_with_a_constant_rate_and_no_shuffling_continues_exactly():
    est = SGDClassifier(learning_rate="constant", eta0=0.01, shuffle=False, tol=None, random_state=0)
    X_, y_ = _digits()
    for model, scratch, X_test, _ in _continued_and_retrained(est, X_, y_):
        np.testing.assert_array_equal(model.predict(X_test), scratch.predict(X_test))
        np.testing.assert_allclose(model.coef_, scratch.coef_, rtol=1e-10, atol=1e-12)


def test_skorch_net_continues_by_partial_fit_exactly_when_training_is_deterministic():
    torch = pytest.importorskip("torch")
    skorch = pytest.importorskip("skorch")

    X_ = X.astype(np.float32)
    net = skorch.NeuralNetClassifier(
        torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2)),
        criterion=torch.nn.CrossEntropyLoss, max_epochs=2, lr=0.05, train_split=None, verbose=0,
    )
    way, _ = how_to_continue(net, "max_epochs")
    assert way.kind == "partial_fit"
    torch.manual_seed(0)
    model = clone(net).fit(X_, Y)
    go_on(way, model, X_, Y, {}, 2, 6)
    torch.manual_seed(0)
    scratch = clone(net).set_params(max_epochs=6).fit(X_, Y)
    assert len(model.history) == 6 and model.max_epochs == 6
    np.testing.assert_allclose(model.predict_proba(X_), scratch.predict_proba(X_), rtol=1e-5, atol=1e-6)


def test_skbayes_net_search_continues_over_max_epochs():
    pytest.importorskip("torch")
    from skbayes.nets import NetClassifier
    import torch

    X_ = X.astype(np.float32)
    net = NetClassifier(torch.nn.Linear, module__in_features=8, module__out_features=2,
                        lr=0.05, random_state=0)
    search = _search(net, {"lr": Real(1e-3, 0.3, prior="log-uniform")}, resource="max_epochs").fit(X_, Y)
    assert np.asarray(search.cv_results_["continued"])[_rungs_after_first(search)].all()
    assert search.best_estimator_.max_epochs == search.best_params_["max_epochs"]


# -- fold models are known by value: candidate and fold -------------------------------


class Probe(HistGradientBoostingRegressor):
    """Scores 1 + the number of fits its model went through, if they all saw
    its own fold's data and its own parameters; -100 when it was handed a
    model trained on another fold or for another candidate."""

    def fit(self, X, y, **params):
        seen = list(getattr(self, "seen_", [])) + [(joblib_hash((X, y)), self.learning_rate)]
        super().fit(X, y, **params)
        self.seen_ = seen
        return self

    def score(self, X, y, **params):
        if len(set(self.seen_)) != 1:
            return -100.0
        return float(len(self.seen_))


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_fold_models_never_reach_another_fold_or_candidate(n_jobs):
    Xr, yr = make_regression(n_samples=90, n_features=3, random_state=0)
    n = 27 if n_jobs == 1 else 9  # (loky's tasks cost more on 2 shared cores)
    search = _search(
        Probe(early_stopping=False, random_state=0),
        {"learning_rate": Real(0.05, 0.5)},
        max_resources=n, n_candidates=n, cv=3, n_jobs=n_jobs,
    ).fit(Xr, yr)
    res = search.cv_results_
    for k in range(3):
        np.testing.assert_array_equal(res[f"split{k}_test_score"], np.asarray(res["iter"]) + 1.0)
    assert list(search.n_candidates_) == [27, 9, 3, 1][-len(search.n_candidates_):]


def test_candidate_keys_compare_values_not_objects():
    a = {"C": 1.0, "est": LogisticRegression(C=2.0), "max_iter": 3}
    b = {"C": np.float64(1.0), "est": clone(LogisticRegression(C=2.0)), "max_iter": 9}
    assert candidate_key(a, "max_iter") == candidate_key(b, "max_iter")
    assert candidate_key(a, "max_iter") != candidate_key({**a, "est": LogisticRegression(C=3.0)}, "max_iter")
    assert candidate_key(a, "max_iter") != candidate_key({**a, "C": 1.5}, "max_iter")


# -- memory: only the live candidates keep their fold models ------------------------------


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_only_live_candidates_keep_fold_models(n_jobs):
    kept = []

    def count(state):
        store = state.search._continuing.store
        table = store.table()
        kept.append((len(table), sum(map(len, table.values())), store.peak_models))

    n = 27 if n_jobs == 1 else 9
    search = _search(max_resources=n, n_candidates=n, n_jobs=n_jobs, callbacks=[count]).fit(X, Y)
    # after each rung: the promoted candidates' fold models only (none after the last)
    promoted = [9, 3, 1, 0][-len(kept):]
    assert [k[0] for k in kept] == promoted
    assert [k[1] for k in kept] == [p * search.n_splits_ for p in promoted]
    # never more than one rung's fold models at once
    assert max(k[2] for k in kept) == n * search.n_splits_
    assert search._fold_models_kept["in_memory"] is (n_jobs == 1)
    assert not hasattr(search, "_continuing")


# -- processes: loky and Dask; the temporary folder ----------------------------------------


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """tempfile's folder, for this test alone (the search's folder is made there)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _folders(tmp):
    return glob.glob(os.path.join(str(tmp), "skbayes-rungs-*"))


def test_loky_workers_continue_through_a_folder_removed_after_fit(private_tmp):
    seen = []

    def look(state):
        seen.append([len(os.listdir(f)) for f in _folders(private_tmp)])

    on = _search(n_jobs=2, resume=True, callbacks=[look]).fit(X, Y)
    off = _search(n_jobs=1, resume=False).fit(X, Y)
    _assert_same_search(on, off)
    assert np.asarray(on.cv_results_["continued"])[_rungs_after_first(on)].all()
    assert seen[0] and seen[0][0] > 0  # the folder held fold models during the search
    assert _folders(private_tmp) == []


def test_threads_share_the_fold_models_in_memory(private_tmp):
    from joblib import parallel_backend

    off = _search(resume=False).fit(X, Y)
    with parallel_backend("threading", n_jobs=2):
        on = _search(n_jobs=2).fit(X, Y)
    _assert_same_search(on, off)
    assert np.asarray(on.cv_results_["continued"])[_rungs_after_first(on)].all()
    assert on._fold_models_kept["in_memory"] is True
    assert _folders(private_tmp) == []


def test_dask_local_cluster_continues(private_tmp):
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_backend

    off = _search(resume=False).fit(X, Y)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster), parallel_backend("dask"):
            on = _search(n_jobs=2, resume=True).fit(X, Y)
    _assert_same_search(on, off)
    assert np.asarray(on.cv_results_["continued"])[_rungs_after_first(on)].all()
    assert on._fold_models_kept["in_memory"] is False
    assert _folders(private_tmp) == []


class FailsAtSecondRung(HistGradientBoostingClassifier):
    def fit(self, X, y, **params):
        if self.max_iter > 1:
            raise RuntimeError("this fit fails on purpose")
        return super().fit(X, y, **params)


class InterruptedAtSecondRung(HistGradientBoostingClassifier):
    def fit(self, X, y, **params):
        if self.max_iter > 1:
            raise KeyboardInterrupt
        return super().fit(X, y, **params)


def test_folder_removed_after_an_exception(private_tmp):
    search = _search(FailsAtSecondRung(early_stopping=False), n_jobs=2, error_score="raise")
    with pytest.raises(RuntimeError, match="fails on purpose"):
        search.fit(X, Y)
    assert _folders(private_tmp) == []
    assert not hasattr(search, "_continuing")


def test_folder_removed_after_ctrl_c(private_tmp):
    def interrupt(state):
        assert _folders(private_tmp) and os.listdir(_folders(private_tmp)[0])
        raise KeyboardInterrupt

    search = _search(n_jobs=2, callbacks=[interrupt])
    with pytest.raises(KeyboardInterrupt):
        search.fit(X, Y)
    assert _folders(private_tmp) == []
    assert len(search.cv_results_["params"]) == 9  # the first rung is kept
    # Ctrl-C during a fit, sequential (fold models in memory)
    search = _search(InterruptedAtSecondRung(early_stopping=False), n_jobs=1)
    with pytest.raises(KeyboardInterrupt):
        search.fit(X, Y)
    assert not hasattr(search, "_continuing")


# -- parameters: checked at fit, with clear errors --------------------------------------------


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_bad_resume_values_are_refused_at_fit(bad):
    search = _search(resume=bad)  # __init__ only stores
    assert search.get_params()["resume"] is bad
    with pytest.raises(InvalidParameterError, match="'resume' parameter of HalvingBayesSearchCV"):
        search.fit(X, Y)


@pytest.mark.parametrize(
    "estimator, resource, match",
    [
        (LogisticRegression(), "max_iter", "LogisticRegression cannot continue a fit over resource='max_iter'"),
        (HistGradientBoostingClassifier(), "max_depth", "continues over 'max_iter' only"),
        (make_pipeline(StandardScaler(), HistGradientBoostingClassifier()), "standardscaler__copy",
         "not a parameter of the pipeline's last step"),
    ],
)
def test_resume_true_refuses_an_estimator_that_cannot_continue(estimator, resource, match):
    space = {"learning_rate": Real(0.05, 0.5)} if not isinstance(estimator, LogisticRegression) else {"C": Real(0.1, 10)}
    if hasattr(estimator, "steps"):
        space = {"histgradientboostingclassifier__learning_rate": Real(0.05, 0.5)}
    with pytest.raises(ValueError, match=match):
        _search(estimator, space, resource=resource, max_resources=4, resume=True).fit(X, Y)


def test_resume_true_refuses_n_samples():
    with pytest.raises(ValueError, match="resume=True continues fits over an estimator parameter"):
        HalvingBayesSearchCV(HistGradientBoostingClassifier(), SPACE, resume=True, cv=2).fit(X, Y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_auto_retrains_what_cannot_continue():
    search = _search(LogisticRegression(), {"C": Real(0.1, 10)}, max_resources=9).fit(X, Y)
    assert not np.asarray(search.cv_results_["continued"]).any()
    plain = HalvingBayesSearchCV(LogisticRegression(), {"C": Real(0.1, 10)}, n_candidates=9, cv=2,
                                 brackets=1, random_state=0).fit(X, Y)
    assert not np.asarray(plain.cv_results_["continued"]).any()


# -- checkpoints and warm_start ---------------------------------------------------------------


def test_a_search_resumed_mid_bracket_retrains_and_says_so(tmp_path):
    ckpt = tmp_path / "search.ckpt"
    reference = _search(max_resources=27, n_candidates=27).fit(X, Y)
    stops = []

    def stop_after_second_rung(state):
        stops.append(1)
        return len(stops) == 2 and not state.n_replayed

    first = _search(max_resources=27, n_candidates=27,
                    callbacks=[stop_after_second_rung, CheckpointSaver(ckpt)]).fit(X, Y)
    assert len(first.cv_results_["params"]) == 27 + 9
    with pytest.warns(UserWarning, match="trained again from scratch with n_resources=9"):
        resumed = _search(max_resources=27, n_candidates=27, callbacks=[CheckpointSaver(ckpt)]).fit(X, Y)
    _assert_same_search(resumed, reference)
    continued = list(resumed.cv_results_["continued"])
    iters = list(resumed.cv_results_["iter"])
    # replayed rows as they were; the first rung after the resume retrained, the next continued
    assert [c for c, i in zip(continued, iters) if i == 1] == [True] * 9
    assert [c for c, i in zip(continued, iters) if i == 2] == [False] * 3
    assert [c for c, i in zip(continued, iters) if i == 3] == [True]


def test_warm_start_adds_brackets_that_continue():
    search = _search(brackets=1, warm_start=True).fit(X, Y)
    n_first = len(search.cv_results_["params"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.set_params(brackets=2).fit(X, Y)
    # nothing to retrain: the new bracket starts at its first rung
    assert not [w for w in caught if "from scratch" in str(w.message)]
    res = search.cv_results_
    assert search.n_replayed_ == n_first
    new = np.arange(len(res["params"])) >= n_first
    later = new & (np.asarray(res["iter"]) > np.asarray(res["iter"])[new].min())
    assert later.any() and np.asarray(res["continued"])[later].all()
