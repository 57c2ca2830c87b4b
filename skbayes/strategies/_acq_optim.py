"""The acquisition maximiser: the best new candidate of a fitted surrogate.

:func:`maximise_acquisition` finds, for a regression surrogate (GP, random
forest), the candidate of a subspace with the greatest acquisition that is not
excluded (told, pending or already in the batch): the acquisition is
evaluated at quasi-random candidates plus perturbations of the best observed
points, and the best ones are refined by L-BFGS-B on the continuous
coordinates when the surrogate and the acquisition give gradients, or by a
second round of local perturbations otherwise; a small finite subspace is
enumerated instead. :func:`best_sampled` does the same for a sampling
surrogate (TPE), which proposes by its own rule. Integer and categorical
coordinates are always snapped to a legal value. Below them are the helpers
on a :class:`~skbayes.space.Space` they share with the
:class:`~skbayes.optimizer.Optimizer` (candidate generation, perturbation,
snapping, the first candidate not excluded). Every random draw comes from the
``rng`` passed in, in a fixed order, so the proposals of a seeded optimizer
are reproducible.
"""

import math

import numpy as np
from scipy.optimize import minimize
from scipy.stats import qmc

from ..space import Categorical
from ..surrogates._base import _encode

__all__ = ["maximise_acquisition", "best_sampled"]


def maximise_acquisition(
    space,
    model,
    best,
    U_obs,
    y_obs,
    exclude,
    rng,
    *,
    acquisition,
    acquisition_kwargs=None,
    acquisition_grad=False,
    n_candidates,
    n_refine,
    local_scale,
    refine_scale,
    log_cost=None,
):
    """The candidate of ``space`` with the greatest acquisition, not in ``exclude``.

    Parameters
    ----------
    space : skbayes.space.Space
        The subspace searched.
    model : object
        A fitted regression surrogate of the subspace (``predict(X,
        return_std=True)``, and ``return_grad=True`` when its
        ``has_gradient`` is true), in its own encoding.
    best : float
        The incumbent, in the model's (warped) scale of scores.
    U_obs : ndarray of shape (n_obs, space.n_dims)
        The subspace's observed unit points (told and lies).
    y_obs : ndarray of shape (n_obs,)
        Their (warped) scores; the ``n_refine`` best are perturbed into
        extra candidates.
    exclude : set
        Keys (``Space.keys``) of candidates that must not be proposed.
    rng : numpy.random.Generator
        Draws the candidates and the perturbations.
    acquisition : callable
        ``acquisition(mean, std, best, **acquisition_kwargs)`` returns values
        to maximise (as :func:`skbayes.acquisition.get_acquisition` returns
        it).
    acquisition_kwargs : dict or None, default=None
        Keyword arguments of ``acquisition``.
    acquisition_grad : bool, default=False
        Whether ``acquisition`` accepts ``return_grad=True``; with a model
        that has gradients, the best candidates are then refined by L-BFGS-B.
    n_candidates : int or None
        Quasi-random candidates; None: ``min(2048, max(512, 128 * n_dims))``.
        A finite space with at most that many candidates is enumerated.
    n_refine : int
        How many of the best observed points are perturbed (64 candidates
        each), and how many of the best candidates are refined.
    local_scale : float
        Standard deviation, in unit-cube lengths, of the perturbations of the
        observed points.
    refine_scale : float
        Standard deviation of the perturbations that refine a candidate when
        there is no gradient (32 per refined candidate).
    log_cost : callable or None, default=None
        ``log_cost(U, return_grad=False)``: the predicted log cost of unit
        points ``U`` (with ``return_grad``, also its derivatives with respect
        to the unit coordinates), subtracted from the acquisition, which must
        then be a log (expected improvement per second). None: the
        acquisition alone.

    Returns
    -------
    found : tuple (ndarray of shape (space.n_dims,), float) or None
        The unit point and its acquisition value; None if every candidate of
        a finite space is excluded.
    """
    acquisition_kwargs = {} if acquisition_kwargs is None else acquisition_kwargs
    n_cand = n_candidates or min(2048, max(512, 128 * space.n_dims))
    if space.is_finite and space.cardinality <= n_cand:
        U = _unseen(space, exclude)
        if len(U) == 0:
            return None
        values = _acq_values(space, model, U, best, acquisition, acquisition_kwargs, log_cost)
        i = int(np.argmax(values))
        return U[i], float(values[i])
    U = _candidates(space, n_cand, rng)
    # integers are stepped to their neighbours for a surrogate without
    # gradients (the forest, whose piecewise-constant EI gains from local
    # moves); the GP keeps redrawing them, which measured better for it
    # (docs/benchmarks.md, "Small budgets")
    steps = not getattr(model, "has_gradient", False)
    if len(U_obs):
        top = U_obs[np.argsort(-y_obs, kind="stable")[:n_refine]]
        U = np.vstack([U, _perturb(space, top, 64, local_scale, rng, ordinal=steps)])
    U = _snap(space, U)
    values = _acq_values(space, model, U, best, acquisition, acquisition_kwargs, log_cost)
    top = np.argsort(-values, kind="stable")[:n_refine]
    if getattr(model, "has_gradient", False) and acquisition_grad and _continuous(space).any():
        refined, refined_values = _refine(
            space, model, U[top], best, acquisition, acquisition_kwargs, log_cost
        )
    else:
        refined = _snap(space, _perturb(space, U[top], 32, refine_scale, rng, ordinal=steps))
        refined_values = _acq_values(space, model, refined, best, acquisition, acquisition_kwargs, log_cost)
    U = np.vstack([refined, U])
    values = np.concatenate([refined_values, values])
    found = _first_new(space, U, values, exclude)
    if found is None and space.is_finite:
        U = _unseen(space, exclude, limit=n_cand, rng=rng)
        if len(U) == 0:
            return None
        values = _acq_values(space, model, U, best, acquisition, acquisition_kwargs, log_cost)
        i = int(np.argmax(values))
        return U[i], float(values[i])
    return found


def best_sampled(space, model, exclude, rng, merit=None):
    """The best candidate that a sampling surrogate proposes, not in ``exclude``.

    Parameters
    ----------
    space : skbayes.space.Space
        The subspace searched.
    model : object
        A fitted sampling surrogate (``propose(space, None, rng)``).
    exclude : set
        Keys (``Space.keys``) of candidates that must not be proposed.
    rng : numpy.random.Generator
        Passed to ``propose``.
    merit : callable or None, default=None
        ``merit(U, values)``: what the proposals are ranked by, from their
        points and the surrogate's own values (cost-aware proposals); None:
        the surrogate's values.

    Returns
    -------
    found : tuple (ndarray of shape (space.n_dims,), float) or None
        The unit point and its merit. When every proposal is excluded, a
        finite space gives its first candidate not excluded (merit
        ``-inf``), or None if there is none; an infinite space gives None.
    """
    U, values = model.propose(space, None, rng)
    U = _snap(space, U)
    if merit is not None:
        values = merit(U, values)
    found = _first_new(space, U, values, exclude)
    if found is None and space.is_finite:
        U = _unseen(space, exclude)
        if len(U) == 0:
            return None
        return U[0], -math.inf
    return found


def _acq_values(space, model, U, best, acquisition, acquisition_kwargs, log_cost=None):
    X = _encode(model, space, U)
    mean, std = model.predict(X, return_std=True)
    values = np.asarray(acquisition(mean, std, best, **acquisition_kwargs), dtype=float)
    if log_cost is not None:
        values = values - log_cost(U)
    return values


def _refine(space, model, U0, best, acquisition, acquisition_kwargs, log_cost=None):
    """L-BFGS-B on the continuous coordinates of the starts ``U0``, all at once.

    The objective is the sum of the acquisition at each start: its Hessian
    is block diagonal, so one quasi-Newton run refines every start. A
    continuous coordinate is its own column in every model encoding, so the
    gradient of ``log_cost`` (by unit coordinate) is chained in as it is.
    """
    cont = np.flatnonzero(_continuous(space))
    cols = _model_columns(model, space)[cont]
    k, c = U0.shape[0], cont.size
    X0 = _encode(model, space, U0)

    def objective(z):
        X = X0.copy()
        X[:, cols] = z.reshape(k, c)
        mean, std, d_mean, d_std = model.predict(X, return_std=True, return_grad=True)
        value, g_mean, g_std = acquisition(mean, std, best, return_grad=True, **acquisition_kwargs)
        grad = g_mean[:, None] * d_mean[:, cols] + g_std[:, None] * d_std[:, cols]
        if log_cost is not None:
            U = U0.copy()
            U[:, cont] = z.reshape(k, c)
            cost, d_cost = log_cost(U, return_grad=True)
            value, grad = value - cost, grad - d_cost[:, cont]
        return -float(np.sum(value)), -grad.ravel()

    z0 = U0[:, cont].ravel()
    with np.errstate(all="ignore"):
        res = minimize(
            objective, z0, jac=True, method="L-BFGS-B",
            bounds=[(0.0, 1.0)] * z0.size, options={"maxiter": 25, "ftol": 1e-6},
        )
    U = U0.copy()
    z = res.x if np.all(np.isfinite(res.x)) else z0
    U[:, cont] = np.clip(z.reshape(k, c), 0.0, 1.0)
    U = np.vstack([U, U0])
    return U, _acq_values(space, model, U, best, acquisition, acquisition_kwargs, log_cost)


# -- helpers on a Space --------------------------------------------------------------


def _ordinal(space):
    """Which unit coordinates are finite but ordered (integers): stepped, not redrawn."""
    return np.array([d.is_finite and not isinstance(d, Categorical) for d in space.dimensions], dtype=bool)


def _continuous(space):
    """Which unit coordinates are continuous (free to move by gradient)."""
    return np.array([not d.is_finite for d in space.dimensions], dtype=bool)


def _model_columns(model, space):
    """Model-encoding column of each unit coordinate (first column for one-hot)."""
    if getattr(model, "encoding", "one_hot") == "unit":
        return np.arange(space.n_dims)
    cols, j = [], 0
    for dim in space.dimensions:
        cols.append(j)
        j += dim.cardinality if isinstance(dim, Categorical) else 1
    return np.asarray(cols, dtype=int)


def _snap(space, U):
    """Move finite coordinates to the centre of their value's cell (legal values)."""
    U = space.as_points(U).copy()
    for j, dim in enumerate(space.dimensions):
        if dim.is_finite:
            U[:, j] = dim.to_unit(dim.from_unit(U[:, j]))
    return U


def _candidates(space, n, rng):
    if space.n_dims == 0:
        return np.empty((1, 0))
    engine = qmc.Sobol(space.n_dims, scramble=True, rng=rng)
    m = max(0, math.ceil(math.log2(n)))
    return engine.random_base2(m)[:n]


def _perturb(space, centres, per_centre, scale, rng, ordinal=True):
    """Gaussian steps around ``centres``.

    Continuous coordinates take a step of standard deviation ``scale``.
    With ``ordinal``, ordered finite ones (integers, discrete distributions)
    too, widened to about one cell when ``scale`` is smaller than a cell,
    and are snapped later; categorical ones (and, without ``ordinal``, every
    finite one) are redrawn uniformly with probability ``1/d``. Without
    ``ordinal`` (the only behaviour before 2026-12) the local candidates
    around a good point on an integer grid are as far from it as random
    ones.
    """
    if len(centres) == 0 or space.n_dims == 0:
        return np.empty((0, space.n_dims))
    C = np.repeat(np.asarray(centres, dtype=float), per_centre, axis=0)
    steps = rng.normal(scale=scale, size=C.shape)
    ordinal = _ordinal(space) if ordinal else np.zeros(space.n_dims, dtype=bool)
    if ordinal.any():
        # an ordinal coordinate steps like a continuous one, by at least about one of its cells
        cells = np.array([d.cardinality if o else 1 for d, o in zip(space.dimensions, ordinal)], dtype=float)
        steps = np.where(ordinal[None, :], steps * np.maximum(1.0, 1.0 / (scale * cells))[None, :], steps)
    U = np.clip(C + steps, 0.0, 1.0)
    finite = ~_continuous(space) & ~ordinal
    if finite.any():
        redraw = (rng.random(C.shape) < 1.0 / space.n_dims) & finite[None, :]
        U = np.where(finite[None, :], C, U)
        U[redraw] = rng.random(int(redraw.sum()))
    return U


def _has_room(space, exclude):
    return not (space.is_finite and len(exclude) >= space.cardinality)


def _first_new(space, U, values, exclude, chunk=64):
    """The candidate of greatest value whose key is not in ``exclude``."""
    order = np.argsort(-np.asarray(values), kind="stable")
    for start in range(0, len(order), chunk):
        idx = order[start : start + chunk]
        for i, key in zip(idx, space.keys(U[idx])):
            if key not in exclude:
                return U[i], float(values[i])
    return None


def _unseen(space, exclude, limit=None, rng=None):
    """Candidates of a finite space not in ``exclude`` (all, or ``limit`` drawn)."""
    if space.cardinality <= 100_000:
        U = space.enumerate_unit()
        keep = [i for i, key in enumerate(space.keys(U)) if key not in exclude]
        return U[keep]
    rng = rng or np.random.default_rng(0)
    U = _snap(space, rng.random((limit or 1024, space.n_dims)))
    keep = [i for i, key in enumerate(space.keys(U)) if key not in exclude]
    return U[keep]
