"""Score warping: what a surrogate models instead of the raw scores, and back.

:class:`_ScoreWarp` standardises the told scores, applies a Yeo-Johnson power
transform fitted by maximum likelihood (monotone, so the order of the scores
is kept) and standardises again; its ``inverse`` maps a model's prediction
back to scores. The Yeo-Johnson transform, its inverse and the fit of its
exponent are the private functions ``_yeo_johnson*``. Nothing here knows of
the strategies that use it.
"""

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import boxcox1p

__all__ = []


def _yeo_johnson(x, lmbda):
    """The Yeo-Johnson transform of ``x``, broadcast over ``lmbda``."""
    pos = x >= 0
    return np.where(pos, boxcox1p(np.where(pos, x, 0.0), lmbda), -boxcox1p(np.where(pos, 0.0, -x), 2.0 - lmbda))


def _yeo_johnson_lambda(x, bounds=(-2.0, 4.0)):
    """The maximum-likelihood Yeo-Johnson exponent of ``x`` within ``bounds``.

    The profile log-likelihood of a normal model of the transformed data is
    ``-n/2 log var(y_lambda) + (lambda - 1) sum(sign(x) log(1 + |x|))``; it is
    evaluated on a grid (vectorised), then refined by a bounded scalar search
    around the best grid point.
    """
    jac = np.sum(np.sign(x) * np.log1p(np.abs(x)))

    def nll(lmbda):
        lmbda = np.asarray(lmbda, dtype=float)
        y = _yeo_johnson(x[None, :], lmbda.reshape(-1, 1))
        var = y.var(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = 0.5 * len(x) * np.log(var) - (lmbda.reshape(-1) - 1.0) * jac
        return np.where(np.isfinite(out), out, np.inf)

    grid = np.linspace(*bounds, 25)
    i = int(np.argmin(nll(grid)))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    res = minimize_scalar(lambda t: float(nll(t)[0]), bounds=(lo, hi), method="bounded", options={"xatol": 1e-3})
    return float(res.x) if np.isfinite(res.fun) else float(grid[i])


def _yeo_johnson_inverse(w, lmbda):
    """The inverse of :func:`_yeo_johnson`.

    Values beyond the transform's range (which is bounded on one side when
    ``lmbda < 0`` or ``lmbda > 2``) map to the extreme the power reaches.
    """
    w = np.asarray(w, dtype=float)
    pos = w >= 0
    with np.errstate(all="ignore"):
        if abs(lmbda) < 1e-12:
            up = np.expm1(w)
        else:
            up = np.power(np.maximum(w * lmbda + 1.0, 1e-300), 1.0 / lmbda) - 1.0
        if abs(2.0 - lmbda) < 1e-12:
            down = -np.expm1(-w)
        else:
            down = 1.0 - np.power(np.maximum(1.0 - (2.0 - lmbda) * w, 1e-300), 1.0 / (2.0 - lmbda))
    return np.where(pos, up, down)


class _ScoreWarp:
    """Standardise, Yeo-Johnson power transform (MLE), standardise again.

    The transform is monotone, so it keeps the order of the scores, and it
    makes a skewed distribution (a long tail of very bad candidates, common
    in tuning and in test functions) closer to normal, which a GP models far
    better than the raw scores. With ``warp=False``, or too few distinct
    scores, it only standardises.

    :meth:`inverse` maps a model's prediction back to scores. The power
    transform is bounded on one side for some exponents, and its inverse
    grows as a high power there, so a prediction far below (or above) every
    told score is first clipped to the image of the told scores' range
    widened by that range on both sides: beyond, the inverse would only
    report the power, not the data.
    """

    def __init__(self, y, warp=True):
        y = np.asarray(y, dtype=float)
        self.mean, self.scale = (y.mean(), y.std()) if len(y) else (0.0, 0.0)
        self.scale = self.scale if self.scale > 0 else 1.0
        z = (y - self.mean) / self.scale
        self.lmbda = None
        if warp and len(z) >= 3 and np.ptp(z) > 0:
            lmbda = _yeo_johnson_lambda(z)
            with np.errstate(all="ignore"):
                w = _yeo_johnson(z, lmbda)
            if np.all(np.isfinite(w)) and np.ptp(w) > 0:
                lo, hi = z.min() - np.ptp(z), z.max() + np.ptp(z)
                with np.errstate(all="ignore"):
                    self.limits = _yeo_johnson(np.array([lo, hi]), lmbda)
                self.lmbda, z = lmbda, w
        self.mean2, self.scale2 = (z.mean(), z.std()) if len(z) else (0.0, 0.0)
        self.scale2 = self.scale2 if self.scale2 > 0 else 1.0

    def transform(self, y):
        z = (np.asarray(y, dtype=float) - self.mean) / self.scale
        if self.lmbda is not None:
            with np.errstate(all="ignore"):
                z = _yeo_johnson(z, self.lmbda)
        return (z - self.mean2) / self.scale2

    def inverse(self, z):
        z = np.asarray(z, dtype=float) * self.scale2 + self.mean2
        if self.lmbda is not None:
            z = _yeo_johnson_inverse(np.clip(z, *self.limits), self.lmbda)
        return z * self.scale + self.mean
