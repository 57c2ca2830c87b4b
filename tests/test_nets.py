"""skbayes.nets: tunable skorch nets, devices, seeding, interrupts (CPU; GPU tests marked)."""

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits, load_iris, make_regression  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler, scale  # noqa: E402
from skorch.callbacks import Callback  # noqa: E402
from skorch.dataset import ValidSplit  # noqa: E402

from skbayes import LowDiscrepancySearchCV  # noqa: E402
from skbayes.nets import (  # noqa: E402
    GPUSlots,
    MLPNetClassifier,
    MLPNetRegressor,
    NetClassifier,
    NetRegressor,
    check_parallel_fits,
    resolve_device,
)
from skbayes.nets import _devices  # noqa: E402
from skbayes.space import Categorical, Integer, Real  # noqa: E402

TINY = dict(hidden_units=8, n_layers=1, max_epochs=3, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return scale(X), y


class TwoLayer(torch.nn.Module):
    """A user module: tuned through ``module__n_hidden``."""

    def __init__(self, n_in=4, n_hidden=8, n_out=3):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(n_in, n_hidden), torch.nn.ReLU(), torch.nn.Linear(n_hidden, n_out)
        )

    def forward(self, X):
        return self.net(X)


# -- imports ---------------------------------------------------------------------------


def _run_python(code, env=None):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


def test_missing_torch_names_the_extra():
    out = _run_python(
        "import sys\n"
        "class Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'skorch'):\n"
        "            raise ImportError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, Hide())\n"
        "try:\n    import skbayes.nets\nexcept ImportError as e:\n    print(e)\n"
    )
    assert 'pip install "skbayes[nets]"' in out.stdout, out.stdout + out.stderr


# -- parameters ------------------------------------------------------------------------


def test_clone_keeps_what_was_set(iris):
    X, y = iris
    net = MLPNetClassifier(**TINY, dropout=0.1, activation="tanh", optimizer="sgd")
    net.fit(X, y)
    copy = clone(net)
    params = copy.get_params(deep=False)
    assert params["device"] == "auto" and params["optimizer"] == "sgd"
    assert params["dropout"] == 0.1 and params["activation"] == "tanh"
    assert not hasattr(copy, "device_")
    # after fit, skorch's internals read the resolved values; get_params does not
    assert net.device == "cpu" and net.get_params()["device"] == "auto"
    assert net.optimizer is torch.optim.SGD


def test_module_parameters_are_listed_with_defaults():
    net = NetClassifier(TwoLayer)
    params = net.get_params(deep=True)
    assert params["module__n_hidden"] == 8 and params["module__n_in"] == 4
    assert "optimizer__betas" in params  # Adam's own parameters
    assert "module__n_hidden" not in net.get_params(deep=False)  # clone passes only what was set
    net.set_params(module__n_hidden=5)
    assert clone(net).get_params(deep=False)["module__n_hidden"] == 5


@pytest.mark.parametrize(
    "params, match",
    [
        ({"module__n_hiden": 4}, "did you mean 'module__n_hidden'"),
        ({"module_n_hidden": 4}, "did you mean 'module__n_hidden'"),
        ({"optimizer__betaz": (0.9, 0.99)}, "did you mean 'optimizer__betas'"),
    ],
)
def test_bad_routed_names_are_refused_when_set(params, match):
    with pytest.raises(ValueError, match=match):
        NetClassifier(TwoLayer).set_params(**params)


def test_mlp_architecture_is_not_set_through_module():
    with pytest.raises(ValueError, match="tune the net's own parameter 'hidden_units'"):
        MLPNetClassifier().set_params(module__hidden_units=3)


@pytest.mark.parametrize(
    "space, hint",
    [
        ({"module__n_hiden": Integer(4, 16)}, "module__n_hidden"),
        ({"module_n_hidden": Integer(4, 16)}, "module__n_hidden"),
    ],
)
def test_search_refuses_module_typo_before_fitting(iris, space, hint):
    X, y = iris
    fits = []

    class Count(Callback):
        def on_train_begin(self, net, **kwargs):
            fits.append(1)

    net = NetClassifier(TwoLayer, max_epochs=2, callbacks=[Count()])
    search = LowDiscrepancySearchCV(net, space, n_iter=2, cv=2)
    with pytest.raises(ValueError, match=f"did you mean '{hint}'"):
        search.fit(X, y)
    assert fits == []  # refused before any fit


def test_typo_given_to_constructor_fails_at_fit(iris):
    X, y = iris
    net = NetClassifier(TwoLayer, module__n_hiden=4)  # __init__ only stores
    with pytest.raises(ValueError, match="did you mean 'module__n_hidden'"):
        net.fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"lr": -1.0}, "'lr' parameter"),
        ({"optimizer": "adamm"}, "'optimizer' parameter"),
        ({"activation": "relu6"}, "'activation' parameter"),
        ({"dropout": 1.0}, "'dropout' parameter"),
        ({"hidden_units": 0}, "'hidden_units' parameter"),
        ({"device": "gpu"}, "'device' parameter"),
        ({"max_fits_per_gpu": 0}, "'max_fits_per_gpu' parameter"),
    ],
)
def test_bad_values_fail_at_fit_naming_the_parameter(iris, params, match):
    X, y = iris
    net = MLPNetClassifier(**{**TINY, **params})  # no error at construction
    with pytest.raises(ValueError, match=match):
        net.fit(X, y)


SKLEARN_CHECKS = [
    "check_get_params_invariance",
    "check_estimators_pickle",
    "check_n_features_in_after_fitting",
    "check_fit_idempotent",
    "check_dont_overwrite_parameters",
    "check_estimators_overwrite_params",
    "check_supervised_y_2d",
    "check_supervised_y_no_nan",
    "check_estimators_dtypes",
    "check_fit_check_is_fitted",
    "check_estimators_nan_inf",
    "check_dict_unchanged",
    "check_estimators_empty_data_messages",
    "check_fit2d_1sample",
]


@pytest.mark.parametrize("Net", [MLPNetClassifier, MLPNetRegressor])
@pytest.mark.parametrize("check", SKLEARN_CHECKS)
def test_sklearn_conventions(Net, check):
    # the scikit-learn checks that skorch's design allows (skorch itself sets
    # history_ in __init__ and keeps a _params_to_validate parameter)
    from sklearn.utils import estimator_checks

    net = Net(hidden_units=4, n_layers=1, max_epochs=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        getattr(estimator_checks, check)(Net.__name__, net)


# -- fitting -----------------------------------------------------------------------------


def test_device_auto_is_cpu_without_cuda(iris):
    X, y = iris
    net = MLPNetClassifier(**TINY).fit(X, y)
    assert net.device_ == "cpu"
    assert next(net.module_.parameters()).device.type == "cpu"


def test_any_labels_and_float64_input(iris):
    X, y = iris
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    net = MLPNetClassifier(**{**TINY, "max_epochs": 20}, lr=1e-2).fit(X, labels)
    assert list(net.classes_) == list(labels[[0, 50, 100]])
    assert set(net.predict(X)) <= set(labels)
    assert net.score(X, labels) > 0.8
    assert net.predict_proba(X).shape == (150, 3)


def test_regressor_takes_1d_targets():
    X, y = make_regression(n_samples=80, n_features=5, noise=1.0, random_state=0)
    net = MLPNetRegressor(hidden_units=16, lr=1e-2, max_epochs=40, random_state=0)
    net.fit(scale(X), scale(y))
    assert net.predict(scale(X)).shape == (80,)
    assert net.score(scale(X), scale(y)) > 0.5
    custom = NetRegressor(
        torch.nn.Linear, module__in_features=5, module__out_features=1, lr=5e-2,
        max_epochs=40, random_state=0,
    ).fit(scale(X), scale(y))
    assert custom.score(scale(X), scale(y)) > 0.9


def test_pandas_input_records_feature_names(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    frame = pd.DataFrame(X, columns=list("abcd"))
    net = MLPNetClassifier(**TINY).fit(frame, y)
    assert list(net.feature_names_in_) == list("abcd") and net.n_features_in_ == 4
    assert net.predict(frame).shape == (150,)


def test_same_seed_same_net_and_global_rng_untouched(iris):
    X, y = iris
    np.random.seed(123)
    torch.manual_seed(123)
    before = (np.random.get_state()[1].copy(), torch.random.get_rng_state().clone())
    nets = [MLPNetClassifier(**{**TINY, "random_state": seed}, dropout=0.2).fit(X, y)
            for seed in (0, 0, 1)]
    # fitting left the global generators as they were (predicting draws from torch's)
    np.testing.assert_array_equal(np.random.get_state()[1], before[0])
    assert torch.equal(torch.random.get_rng_state(), before[1])
    a, b, c = (net.predict_proba(X) for net in nets)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


class _StopSignal(Callback):
    """Sends a real SIGINT (as Ctrl-C does) at the end of epoch ``at`` of fit number ``fit``."""

    def __init__(self, fit=1, at=1):
        self.fit = fit
        self.at = at

    def on_train_begin(self, net, **kwargs):
        _StopSignal.fits += 1

    def on_epoch_end(self, net, **kwargs):
        if _StopSignal.fits == self.fit and len(net.history) == self.at:
            os.kill(os.getpid(), signal.SIGINT)


@pytest.fixture
def default_sigint():
    """The interpreter's own Ctrl-C handler, whatever the test runner installed."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    _StopSignal.fits = 0
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_is_not_swallowed_by_skorch(iris, default_sigint):
    X, y = iris
    net = MLPNetClassifier(**{**TINY, "max_epochs": 5}, callbacks=[_StopSignal(fit=1, at=2)])
    with pytest.raises(KeyboardInterrupt):
        net.fit(X, y)
    assert len(net.history) == 2  # training stopped where the signal came
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_stops_a_search_over_nets(iris, default_sigint):
    X, y = iris
    net = MLPNetClassifier(**{**TINY, "max_epochs": 3}, callbacks=[_StopSignal(fit=3, at=1)])
    search = LowDiscrepancySearchCV(net, {"lr": Real(1e-3, 1e-1, prior="log-uniform")},
                                    n_iter=4, cv=2, n_jobs=1, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        search.fit(X, y)
    # the first candidate (fits 1 and 2) was evaluated and kept; the search stopped in fit 3
    assert len(search.cv_results_["params"]) == 1
    assert _StopSignal.fits == 3


def test_early_stopping_splits_the_training_data_and_stops(iris):
    X, y = iris
    net = MLPNetClassifier(**{**TINY, "max_epochs": 30}, lr=1e-9, early_stopping=True,
                           patience=2, validation_fraction=0.2)
    net.fit(X, y)
    split = net.resolved_params_["train_split"]
    assert isinstance(split, ValidSplit) and split.cv == 0.2 and split.stratified
    assert len(net.history) < 30  # stopped: the loss cannot improve with lr=1e-9
    assert "valid_loss" in net.history[-1]
    assert net.get_params()["train_split"] is None
    # under cross-validation the net only ever sees the training fold
    scores = cross_val_score(net, X, y, cv=2)
    assert scores.shape == (2,)


# -- searches --------------------------------------------------------------------------

MLP_SPACE = {
    "mlpnetclassifier__hidden_units": Integer(4, 32, prior="log-uniform"),
    "mlpnetclassifier__lr": Real(1e-3, 1e-1, prior="log-uniform"),
    "mlpnetclassifier__dropout": Real(0.0, 0.3),
    "mlpnetclassifier__activation": Categorical(["relu", "tanh"]),
}


def _pipeline_search(**kwargs):
    pipe = make_pipeline(StandardScaler(), MLPNetClassifier(**TINY))
    kwargs.setdefault("n_iter", 2)
    kwargs.setdefault("cv", 2)
    kwargs.setdefault("random_state", 0)
    return LowDiscrepancySearchCV(pipe, MLP_SPACE, **kwargs)


def test_search_in_pipeline_nested_cv_and_pickle(iris):
    X, y = load_iris(return_X_y=True)
    scores = cross_val_score(_pipeline_search(), X, y, cv=2)
    assert scores.shape == (2,) and np.all(scores > 0.3)
    search = _pipeline_search().fit(X, y)
    clone(search)
    restored = pickle.loads(pickle.dumps(search))
    np.testing.assert_allclose(restored.predict_proba(X), search.predict_proba(X))
    assert restored.best_estimator_[-1].device_ == "cpu"


def test_search_is_reproducible_and_n_jobs_independent():
    X, y = load_iris(return_X_y=True)
    a = _pipeline_search(n_jobs=1).fit(X, y).cv_results_
    b = _pipeline_search(n_jobs=1).fit(X, y).cv_results_
    c = _pipeline_search(n_jobs=2).fit(X, y).cv_results_
    assert a["params"] == b["params"] == c["params"]
    np.testing.assert_array_equal(a["mean_test_score"], b["mean_test_score"])
    np.testing.assert_allclose(a["mean_test_score"], c["mean_test_score"])


def test_successive_halving_over_epochs(iris):
    import skbayes

    if not hasattr(skbayes, "HalvingBayesSearchCV"):
        pytest.skip("HalvingBayesSearchCV is not available")
    X, y = iris
    net = MLPNetClassifier(hidden_units=8, n_layers=1, lr=1e-2, random_state=0)
    search = skbayes.HalvingBayesSearchCV(
        net, {"lr": Real(1e-3, 1e-1, prior="log-uniform"), "dropout": Real(0.0, 0.3)},
        resource="max_epochs", min_resources=2, max_resources=8, factor=2, brackets=1,
        cv=2, random_state=0,
    ).fit(X, y)
    epochs = np.asarray(search.cv_results_["param_max_epochs"], dtype=int)
    assert set(epochs) == {2, 4, 8}
    assert np.sum(epochs == 2) > np.sum(epochs == 8)
    assert search.best_estimator_.max_epochs == 8
    assert len(search.best_estimator_.history) == 8


def test_small_cnn_on_digit_images():
    X, y = load_digits(return_X_y=True)
    images = (X[:300] / 16.0).reshape(-1, 1, 8, 8)  # float64 in: cast to float32

    class CNN(torch.nn.Module):
        def __init__(self, channels=4):
            super().__init__()
            self.conv = torch.nn.Conv2d(1, channels, 3, padding=1)
            self.out = torch.nn.Linear(channels * 16, 10)

        def forward(self, X):
            h = torch.nn.functional.max_pool2d(torch.relu(self.conv(X)), 2)
            return self.out(h.flatten(1))

    net = NetClassifier(CNN, lr=1e-2, max_epochs=5, random_state=0)
    search = LowDiscrepancySearchCV(net, {"module__channels": Integer(2, 8)}, n_iter=2, cv=2,
                                    random_state=0).fit(images, y[:300])
    assert search.best_score_ > 0.5


# -- devices (mocked CUDA) ---------------------------------------------------------------


@pytest.fixture
def fake_gpus(monkeypatch, tmp_path):
    """Pretend torch sees ``n`` GPUs; lock files in a private folder."""
    monkeypatch.setenv(_devices.LOCK_DIR_ENV, str(tmp_path))
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(_devices, "_last_gpu", {})

    def install(n):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: n > 0)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: n)
        monkeypatch.setattr(torch.cuda, "_is_in_bad_fork", lambda: False)

    return install


def test_resolve_device(fake_gpus):
    fake_gpus(0)
    assert resolve_device("auto") == "cpu"
    fake_gpus(2)
    assert resolve_device("auto") == "cuda"
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("cuda:1") == "cuda:1"
    assert resolve_device(None) is None


def test_no_cuda_in_a_bad_fork(fake_gpus, monkeypatch):
    fake_gpus(2)
    monkeypatch.setattr(torch.cuda, "_is_in_bad_fork", lambda: True)
    with pytest.raises(RuntimeError, match="forked.*'loky'"):
        resolve_device("auto")


def test_parallel_fits_get_their_own_gpu(fake_gpus):
    fake_gpus(2)
    slots = GPUSlots(2, max_fits_per_gpu=1, poll=0.01)
    first, second = slots.acquire(), slots.acquire()
    assert {first.device, second.device} == {"cuda:0", "cuda:1"}
    assert first.waited == second.waited == 0.0
    got = []
    waiter = threading.Thread(target=lambda: got.append(slots.acquire()))
    waiter.start()
    time.sleep(0.2)
    assert got == []  # both GPUs busy: the third fit waits
    second.release()
    waiter.join(5)
    assert got[0].device == second.device and got[0].waited > 0
    got[0].release()
    first.release()


def test_slots_spread_before_sharing(fake_gpus):
    fake_gpus(2)
    slots = GPUSlots(2, max_fits_per_gpu=2)
    leases = [slots.acquire() for _ in range(4)]
    indices = [lease.index for lease in leases]
    assert indices[0] != indices[1] and sorted(indices) == [0, 0, 1, 1]
    for lease in leases:
        lease.release()


def test_worker_returns_to_its_gpu(fake_gpus):
    fake_gpus(3)
    slots = GPUSlots(3)
    held = slots.acquire()  # GPU 0 busy (another worker)
    lease = slots.acquire()
    assert lease.index == 1
    lease.release()
    held.release()
    again = slots.acquire()
    assert again.index == 1  # this thread's previous GPU first: one CUDA context per worker
    again.release()


def test_lock_names_follow_cuda_visible_devices(fake_gpus, monkeypatch, tmp_path):
    fake_gpus(2)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,5")
    with GPUSlots(2).acquire() as lease:
        assert lease.device == "cuda:0"
        assert (tmp_path / "gpu-3-slot-0.lock").exists()


def test_net_takes_a_free_gpu_at_fit(fake_gpus):
    fake_gpus(2)
    busy = GPUSlots(2).acquire()
    net = MLPNetClassifier(device="auto")
    lease = net._resolve(None, keep_device=False, hold_slot=True)
    assert net.device_ == "cuda:1" and net.device == "cuda:1"
    assert net.get_params()["device"] == "auto"
    lease.release()
    busy.release()
    pinned = MLPNetClassifier(device="cuda:0")
    lease = pinned._resolve(None, keep_device=False, hold_slot=True)
    assert pinned.device_ == "cuda:0"
    lease.release()


def test_cuda_without_gpu_is_a_clear_error(iris, fake_gpus):
    fake_gpus(0)
    X, y = iris
    with pytest.raises(RuntimeError, match="device='auto'"):
        MLPNetClassifier(**TINY, device="cuda").fit(X, y)


def test_oversubscription_warning():
    kwargs = dict(n_gpus=2, backend="LokyBackend")
    with pytest.warns(UserWarning, match="at most 2 fits train at a time"):
        assert check_parallel_fits(4, "auto", 1, **kwargs) == 2
    with pytest.warns(UserWarning, match="Use n_jobs=1"):
        check_parallel_fits(2, "cuda:0", 1, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_parallel_fits(4, "auto", 2, **kwargs) == 4  # the user allows 2 per GPU
        assert check_parallel_fits(4, "cpu", 1, **kwargs) is None
        assert check_parallel_fits(4, "auto", None, **kwargs) is None
        assert check_parallel_fits(4, "auto", 1, n_gpus=0, backend="LokyBackend") is None
        assert check_parallel_fits(8, "auto", 1, n_gpus=2, backend="DaskDistributedBackend") is None
    net = MLPNetClassifier()
    assert net._check_parallel_fits(4) is None  # no GPU on this machine


# -- GPU (skipped without CUDA) -----------------------------------------------------------


@pytest.mark.gpu
def test_fit_on_cuda(iris):
    X, y = iris
    net = MLPNetClassifier(**TINY).fit(X, y)
    assert net.device_.startswith("cuda:")
    assert next(net.module_.parameters()).is_cuda
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_allclose(restored.predict_proba(X), net.predict_proba(X), atol=1e-5)


@pytest.mark.gpu
def test_parallel_search_on_cuda(iris):
    X, y = load_iris(return_X_y=True)
    n = torch.cuda.device_count()
    search = _pipeline_search(n_jobs=n, n_iter=2 * n).fit(X, y)
    assert search.best_estimator_[-1].device_.startswith("cuda:")
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_search_warns_before_oversubscribing_gpus(fake_gpus):
    from skbayes.search._base import _check_parallel_fits

    fake_gpus(1)
    pipe = make_pipeline(StandardScaler(), MLPNetClassifier())
    with pytest.warns(UserWarning, match="2 parallel workers will train nets on 1 GPU"):
        _check_parallel_fits(pipe, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _check_parallel_fits(pipe, 1)
        _check_parallel_fits(make_pipeline(StandardScaler(), MLPNetClassifier(device="cpu")), 2)
