"""The GP, random forest and TPE surrogates, and the surrogate registry."""

import math

import numpy as np
import pytest
from scipy.optimize import approx_fprime
from sklearn.base import clone

from skbayes.space import Categorical, Integer, Real, Space
from skbayes.surrogates import (
    SURROGATES,
    TPE,
    GaussianProcess,
    RandomForest,
    make_surrogate,
)


def _standardise(y):
    return (y - y.mean()) / y.std()


def _fixed_gp(X, y, s2=1.7, ls=(0.3, 0.6), noise=0.01):
    gp = GaussianProcess()
    gp.theta_ = np.log(np.r_[s2, ls, noise])
    return gp.update(X, y)


def test_gp_posterior_matches_closed_form():
    rng = np.random.default_rng(0)
    X, Xs = rng.random((15, 2)), rng.random((7, 2))
    y = np.sin(4 * X[:, 0]) + X[:, 1]
    s2, ls, noise = 1.7, np.array([0.3, 0.6]), 0.01
    gp = _fixed_gp(X, y, s2, ls, noise)

    def k(A, B):
        r = np.sqrt((((A[:, None, :] - B[None, :, :]) / ls) ** 2).sum(-1))
        return s2 * (1 + math.sqrt(5) * r + 5 * r**2 / 3) * np.exp(-math.sqrt(5) * r)

    K = k(X, X) + noise * np.eye(len(X))
    mean = k(Xs, X) @ np.linalg.solve(K, y)
    var = s2 - np.einsum("ij,ji->i", k(Xs, X), np.linalg.solve(K, k(X, Xs)))
    got_mean, got_std = gp.predict(Xs, return_std=True)
    np.testing.assert_allclose(got_mean, mean, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got_std, np.sqrt(var), rtol=1e-5, atol=1e-8)


def test_gp_agrees_with_sklearn_at_fixed_hyperparameters():
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern

    rng = np.random.default_rng(1)
    X, Xs = rng.random((12, 2)), rng.random((5, 2))
    y = np.cos(3 * X.sum(1))
    ours = _fixed_gp(X, y)
    kernel = ConstantKernel(1.7, "fixed") * Matern([0.3, 0.6], "fixed", nu=2.5)
    ref = GaussianProcessRegressor(kernel, alpha=0.01 + 1e-8, optimizer=None).fit(X, y)
    m_ref, s_ref = ref.predict(Xs, return_std=True)
    m, s = ours.predict(Xs, return_std=True)
    np.testing.assert_allclose(m, m_ref, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(s, s_ref, rtol=1e-5, atol=1e-8)


def test_gp_gradients_match_finite_differences():
    rng = np.random.default_rng(2)
    X = rng.random((20, 3))
    y = _standardise(np.sin(5 * X[:, 0]) + X[:, 1] ** 2)
    gp = GaussianProcess(random_state=0)
    d = 3
    sq = ((X[None] - X[:, None]) ** 2).reshape(-1, d).T.copy()
    centre, scales = gp._prior_centre(d), gp._prior_scales(d)
    theta = centre + 0.3 * rng.standard_normal(d + 2)
    f = lambda t: gp._neg_objective(t, sq, y, centre, scales)[0]  # noqa: E731
    grad = gp._neg_objective(theta, sq, y, centre, scales)[1]
    np.testing.assert_allclose(grad, approx_fprime(theta, f, 1e-7), rtol=1e-4, atol=1e-4)
    gp.fit(X, y)
    Xs = rng.random((6, 3))
    mean, std, d_mean, d_std = gp.predict(Xs, return_grad=True)
    eps = 1e-6
    for j in range(d):
        Xp = Xs.copy()
        Xp[:, j] += eps
        m2, s2 = gp.predict(Xp, return_std=True)
        np.testing.assert_allclose(d_mean[:, j], (m2 - mean) / eps, rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(d_std[:, j], (s2 - std) / eps, rtol=1e-3, atol=1e-4)


def test_gp_learns_a_smooth_function_and_its_noise():
    rng = np.random.default_rng(3)
    f = lambda X: np.sin(6 * X[:, 0]) * np.cos(3 * X[:, 1])  # noqa: E731
    X, Xt = rng.random((40, 2)), rng.random((200, 2))
    gp = GaussianProcess(random_state=0).fit(X, f(X))
    rmse = np.sqrt(np.mean((gp.predict(Xt) - f(Xt)) ** 2))
    assert rmse < 0.05 and gp.noise_ < 1e-3
    noisy = f(X) + rng.normal(scale=0.3, size=len(X))
    gp_noisy = GaussianProcess(random_state=0).fit(X, noisy)
    assert 0.02 < gp_noisy.noise_ < 0.3  # true noise variance 0.09
    # an irrelevant input gets a long length scale
    X3 = np.c_[X, rng.random(len(X))]
    gp3 = GaussianProcess(random_state=0).fit(X3, f(X))
    assert gp3.lengthscale_[2] > 3 * gp3.lengthscale_[:2].max()


def test_gp_without_data_predicts_the_prior_and_uncertainty_shrinks_near_data():
    gp = GaussianProcess().fit(np.empty((0, 2)), np.empty(0))
    mean, std = gp.predict(np.array([[0.5, 0.5]]), return_std=True)
    assert mean[0] == 0.0 and std[0] > 0
    X = np.array([[0.2, 0.2], [0.8, 0.8], [0.2, 0.8]])
    gp = GaussianProcess(random_state=0).fit(X, np.array([0.0, 1.0, -1.0]))
    _, std = gp.predict(np.array([[0.2, 0.2], [0.6, 0.2]]), return_std=True)
    assert std[0] < std[1]


def test_random_forest_mean_and_spread():
    rng = np.random.default_rng(4)
    X = rng.random((60, 2))
    y = _standardise(X[:, 0] * 3 + 0.1 * rng.standard_normal(60))
    rf = RandomForest(random_state=0).fit(X, y)
    mean, std = rf.predict(np.array([[0.95, 0.5], [0.05, 0.5]]), return_std=True)
    assert mean[0] > 1.0 > -1.0 > mean[1]
    assert np.all(std >= rf.min_std)
    again = RandomForest(random_state=0).fit(X, y).predict(np.array([[0.3, 0.3]]))
    np.testing.assert_array_equal(again, rf.predict(np.array([[0.3, 0.3]])))
    empty = RandomForest().fit(np.empty((0, 2)), np.empty(0))
    assert empty.predict(np.zeros((3, 2)), return_std=True)[1].tolist() == [1.0] * 3


def test_tpe_ratio_prefers_the_good_region():
    space = Space({"x": Real(0.0, 1.0), "c": Categorical(["a", "b", "c"])})
    best_x = []
    for seed in range(6):
        rng = np.random.default_rng(seed)
        U = rng.random((60, 2))
        cats = space.dimensions[1].indices_from_unit(U[:, 1])
        y = -np.abs(U[:, 0] - 0.3) + 0.5 * (cats == 1)
        tpe = TPE().fit(U, y)
        assert tpe.good_.sum() == tpe.n_good(60) == 9
        probe = space.to_unit([{"x": 0.3, "c": "b"}, {"x": 0.9, "c": "b"}, {"x": 0.3, "c": "a"}])
        good, bad = U[tpe.good_], U[~tpe.good_]
        ratio = tpe._log_density(space, good, probe) - tpe._log_density(space, bad, probe)
        assert ratio[0] > ratio[1] and ratio[0] > ratio[2]
        Uc, values = tpe.propose(space, 48, np.random.default_rng(0))
        assert Uc.shape == (48, 2) and np.all((Uc >= 0) & (Uc <= 1))
        best = space.from_unit(Uc[np.argmax(values)][None, :])[0]
        assert best["c"] == "b"
        best_x.append(best["x"])
    # the good points spread over [0, 0.7]: the proposals centre on 0.3
    assert abs(np.median(best_x) - 0.3) < 0.1


def test_tpe_densities_are_normalised_and_threshold_splits():
    space = Space({"x": Real(0.0, 1.0), "k": Integer(1, 4)})
    tpe = TPE()
    centres = np.array([[0.1, 0.3], [0.9, 0.6]])
    grid = np.linspace(0, 1, 801)
    gx, gk = np.meshgrid(grid, grid, indexing="ij")
    dens = np.exp(tpe._log_density(space, centres, np.c_[gx.ravel(), gk.ravel()])).reshape(gx.shape)
    trapezoid = getattr(np, "trapezoid", None) or np.trapz  # numpy < 2: trapz
    total = trapezoid(trapezoid(dens, grid, axis=1), grid)
    assert total == pytest.approx(1.0, rel=2e-3)
    y = np.array([3.0, 1.0, 2.0, 0.0])
    assert tpe.threshold(y) == 3.0
    tpe.fit(np.zeros((4, 2)), y, threshold=2.0)
    assert tpe.good_.tolist() == [True, False, True, False]


def test_registry_and_custom_surrogates():
    assert set(SURROGATES) == {"gp", "rf", "tpe"}
    for name, cls in SURROGATES.items():
        assert type(make_surrogate(name)) is cls
    mine = RandomForest(n_estimators=5)
    made = make_surrogate(mine)
    assert made is not mine and made.get_params() == mine.get_params()
    assert clone(GaussianProcess(n_restarts=3)).n_restarts == 3
    with pytest.raises(ValueError, match=r"surrogate must be one of \['gp', 'rf', 'tpe'\]"):
        make_surrogate("svm")
    with pytest.raises(ValueError, match="fit and predict"):
        make_surrogate(object())


def test_gp_noise_check_prefers_short_length_scales_when_they_predict_better():
    # a square wave in one input of six: the marginal likelihood calls the
    # steps noise (its bound, 0.5); the low-noise refit predicts held-out
    # points far better, and its leave-one-out density says so
    rng = np.random.default_rng(2)
    wave = lambda X: np.sign(np.sin(40 * X[:, 0]))  # noqa: E731
    X, Xt = rng.random((100, 6)), rng.random((1000, 6))
    mu, sd = wave(X).mean(), wave(X).std()
    y, yt = (wave(X) - mu) / sd, (wave(Xt) - mu) / sd
    plain = GaussianProcess(random_state=0, noise_check=None).fit(X, y)
    checked = GaussianProcess(random_state=0).fit(X, y)
    assert plain.noise_ > 0.3 and checked.noise_ <= 0.05
    assert checked._loo_log_density(y) > plain._loo_log_density(y) + 10
    rmse = lambda gp: np.sqrt(np.mean((gp.predict(Xt) - yt) ** 2))  # noqa: E731
    assert rmse(checked) < 0.8 * rmse(plain)


def test_gp_noise_check_keeps_the_noise_of_noisy_data():
    rng = np.random.default_rng(0)
    X = rng.random((60, 3))
    y = np.sin(6 * X[:, 0]) + rng.normal(scale=0.5, size=60)
    y = (y - y.mean()) / y.std()
    plain = GaussianProcess(random_state=0, noise_check=None).fit(X, y)
    checked = GaussianProcess(random_state=0).fit(X, y)
    assert plain.noise_ > 0.1  # the check runs (above 0.05) and keeps the noisy fit
    np.testing.assert_array_equal(checked.theta_, plain.theta_)
    # below 10 observations there is no check
    few = GaussianProcess(random_state=0, noise_check=1e-5).fit(X[:9], y[:9])
    plain_few = GaussianProcess(random_state=0, noise_check=None).fit(X[:9], y[:9])
    np.testing.assert_array_equal(few.theta_, plain_few.theta_)


@pytest.mark.parametrize("bad", [0, -0.1, float("inf"), "0.05", True])
def test_gp_noise_check_is_validated_at_fit(bad):
    gp = GaussianProcess(noise_check=bad)  # __init__ only stores
    with pytest.raises(ValueError, match="noise_check must be a positive float or None"):
        gp.fit(np.random.default_rng(0).random((12, 2)), np.arange(12.0))


def test_gp_noise_check_respects_the_noise_bounds():
    # a cap at or below the lower noise bound has nothing to compare: no check
    rng = np.random.default_rng(2)
    X = rng.random((100, 6))
    y = np.sign(np.sin(40 * X[:, 0]))
    y = (y - y.mean()) / y.std()
    bounded = GaussianProcess(random_state=0, noise_bounds=(0.1, 0.5)).fit(X, y)
    plain = GaussianProcess(random_state=0, noise_bounds=(0.1, 0.5), noise_check=None).fit(X, y)
    np.testing.assert_array_equal(bounded.theta_, plain.theta_)
    assert bounded.noise_ >= 0.1


def _irrelevant_inputs(n=24, seed=0):
    # the score depends on x0 only; x1 and a one-hot categorical of 3 values do nothing
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.random(n), rng.random(n), np.eye(3)[rng.integers(0, 3, n)]])
    return X, _standardise(np.sin(5 * X[:, 0]))


def test_gp_max_ordered_lengthscale_bounds_ordered_columns_only():
    X, y = _irrelevant_inputs()
    kinds = ("real", "integer", "categorical", "categorical", "categorical")
    free = GaussianProcess(random_state=0).set_column_kinds(kinds).fit(X, y)
    assert free.lengthscale_[1] > 5.0  # nothing to learn along x1: the length scale runs away
    cap = 2 * 0.5 * math.sqrt(5)  # "prior": twice the prior's centre for 5 columns
    prior = GaussianProcess(random_state=0, max_ordered_lengthscale="prior").set_column_kinds(kinds).fit(X, y)
    assert np.all(prior.lengthscale_[:2] <= cap * (1 + 1e-9))
    assert prior.lengthscale_[1] > 0.9 * cap  # pinned at the bound, not below it
    assert np.any(prior.lengthscale_[2:] > cap)  # the one-hot columns keep lengthscale_bounds
    fixed = GaussianProcess(random_state=0, max_ordered_lengthscale=0.7).set_column_kinds(kinds).fit(X, y)
    assert np.all(fixed.lengthscale_[:2] <= 0.7 * (1 + 1e-9))
    # without the kinds (a GP fitted on its own) every column counts as ordered
    alone = GaussianProcess(random_state=0, max_ordered_lengthscale=0.7).fit(X, y)
    assert np.all(alone.lengthscale_ <= 0.7 * (1 + 1e-9))
    # clone forgets the kinds (learned state); None is the plain GP, bit for bit
    assert not hasattr(clone(prior), "column_kinds_")
    none = GaussianProcess(random_state=0, max_ordered_lengthscale=None).set_column_kinds(kinds).fit(X, y)
    np.testing.assert_array_equal(none.theta_, free.theta_)
    assert GaussianProcess().max_ordered_lengthscale == "auto"  # on its own, "auto" is None


def test_gp_warm_start_across_changed_bounds_starts_inside_them():
    # the optimizer may bound a copy for one fit and not the next ("auto"):
    # a fit under other bounds is clipped and refitted, never kept
    X, y = _irrelevant_inputs(n=30)
    gp = GaussianProcess(random_state=0, warm_start=True, max_ordered_lengthscale=None).fit(X, y)
    assert gp.lengthscale_[1] > 5.0
    gp.set_params(max_ordered_lengthscale=0.5).fit(X, y)  # no new point: would keep theta
    assert np.all(gp.lengthscale_ <= 0.5 * (1 + 1e-9))
    kept = gp.theta_.copy()
    gp.fit(X, y)  # same bounds, no new point: kept
    np.testing.assert_array_equal(gp.theta_, kept)


@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), "always", True])
def test_gp_max_ordered_lengthscale_is_validated_at_fit(bad):
    X, y = _irrelevant_inputs()
    gp = GaussianProcess(max_ordered_lengthscale=bad)  # __init__ only stores
    with pytest.raises(ValueError, match="max_ordered_lengthscale must be a positive float, 'prior', 'auto' or None"):
        gp.fit(X, y)


def test_gp_set_column_kinds_checks_kinds_and_their_number():
    X, y = _irrelevant_inputs()
    with pytest.raises(ValueError, match="column kinds must be 'real', 'integer' or 'categorical'; got 'bool'"):
        GaussianProcess().set_column_kinds(["real", "bool"])
    gp = GaussianProcess(max_ordered_lengthscale="prior").set_column_kinds(["real", "real"])
    with pytest.raises(ValueError, match="X has 5 columns; set_column_kinds was told 2"):
        gp.fit(X, y)
