"""EI, PI and UCB against hand values, high precision and their gradients."""

import math

import numpy as np
import pytest

from skbayes.acquisition import (
    ACQUISITIONS,
    expected_improvement,
    get_acquisition,
    log_expected_improvement,
    log_probability_of_improvement,
    probability_of_improvement,
    upper_confidence_bound,
)

PHI1, CDF1 = 0.24197072451914337, 0.8413447460685429  # phi(1), Phi(1)


def test_hand_values():
    # z = (mean - best - xi) / std = 1: EI = std * (z Phi(z) + phi(z))
    assert expected_improvement(1.0, 1.0, 0.0, xi=0.0) == pytest.approx(CDF1 + PHI1, rel=1e-12)
    assert expected_improvement(2.5, 2.0, 0.0, xi=0.5) == pytest.approx(2.0 * (CDF1 + PHI1), rel=1e-12)
    assert expected_improvement(0.0, 1.0, 0.0, xi=0.0) == pytest.approx(1 / math.sqrt(2 * math.pi))
    assert probability_of_improvement(1.0, 1.0, 0.0, xi=0.0) == pytest.approx(CDF1, rel=1e-12)
    assert log_probability_of_improvement(1.0, 1.0, 0.0, xi=0.0) == pytest.approx(math.log(CDF1))
    assert upper_confidence_bound(1.0, 0.5, kappa=1.96) == pytest.approx(1.98)
    # a sure improvement of 1 is worth exactly 1
    assert expected_improvement(1.0, 1e-15, 0.0, xi=0.0) == pytest.approx(1.0)


def test_log_ei_matches_high_precision_and_never_vanishes():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 60
    zs = [-1e7, -1e4, -300.0, -40.0, -12.0, -3.0, -1.0, -0.5, 0.0, 0.7, 4.0, 30.0]
    for z in zs:
        zm = mpmath.mpf(z)
        exact = mpmath.log(zm * mpmath.ncdf(zm) + mpmath.npdf(zm))
        got = log_expected_improvement(z, 1.0, 0.0, xi=0.0)
        assert np.isfinite(got)
        assert float(got) == pytest.approx(float(exact), rel=1e-9, abs=1e-12), z
    # plain EI underflows to 0 far below the incumbent, log-EI keeps a slope
    far = log_expected_improvement(np.array([-60.0, -50.0]), 1.0, 0.0)
    assert far[1] > far[0] and np.all(np.isfinite(far))


@pytest.mark.parametrize(
    "func, kwargs",
    [(log_expected_improvement, {"xi": 0.1}), (log_probability_of_improvement, {"xi": 0.1}),
     (upper_confidence_bound, {"kappa": 2.0})],
)
def test_gradients_match_finite_differences(func, kwargs):
    rng = np.random.default_rng(0)
    mean, std = rng.normal(size=20) * 3, rng.uniform(0.05, 2.0, 20)
    value, d_mean, d_std = func(mean, std, 0.5, return_grad=True, **kwargs)
    eps = 1e-6
    np.testing.assert_allclose(d_mean, (func(mean + eps, std, 0.5, **kwargs) - value) / eps, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(d_std, (func(mean, std + eps, 0.5, **kwargs) - value) / eps, rtol=1e-4, atol=1e-6)


def test_acquisitions_prefer_higher_mean_and_more_uncertainty_below_incumbent():
    for name, (func, defaults) in ACQUISITIONS.items():
        v = func(np.array([0.0, 1.0]), np.array([1.0, 1.0]), 0.5, **defaults)
        assert v[1] > v[0], name
        v = func(np.array([0.0, 0.0]), np.array([0.5, 1.0]), 0.5, **defaults)
        assert v[1] > v[0], name


def test_get_acquisition_checks_names_and_kwargs():
    func, kwargs, grad = get_acquisition("ucb", {"kappa": 3.0})
    assert func is upper_confidence_bound and kwargs == {"kappa": 3.0} and grad
    with pytest.raises(ValueError, match=r"acquisition must be one of \['ei', 'pi', 'ucb'\]"):
        get_acquisition("lcb")
    with pytest.raises(ValueError, match=r"\['kappa'\] do not apply to acquisition='ei', which takes \['xi'\]"):
        get_acquisition("ei", {"kappa": 1.0})
    with pytest.raises(ValueError, match=r"acquisition_kwargs\['xi'\] must be a finite number"):
        get_acquisition("pi", {"xi": float("nan")})
    custom = lambda mean, std, best, w=1.0: mean + w * std  # noqa: E731
    assert get_acquisition(custom, {"w": 2.0}) == (custom, {"w": 2.0}, False)
