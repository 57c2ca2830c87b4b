"""What a fitted search can tell its user beyond the best candidate.

Two diagnostics, computed from ``cv_results_`` and the search space only, so
that they apply to every search:

- :func:`boundary_findings` / :func:`warn_if_best_at_bound`: the best
  candidate's numeric values that lie at, or within 1 % of the range of, a
  bound of their dimension, measured in the dimension's prior scale (log for
  ``prior="log-uniform"``). The optimum may lie beyond: the search warns once
  after ``fit`` with a :class:`~skbayes.exceptions.BoundaryWarning`. Bounds
  marked with ``hard_bounds`` and categorical (or ``scipy.stats``)
  dimensions are never reported.
- :func:`parameter_importances`: how much of the variation of the score each
  parameter explains on its own, estimated as first-order variance shares
  (the main effects of a functional ANOVA) of a Gaussian process fitted to
  the evaluated candidates; see its docstring for what is estimated and how.
"""

import math
import numbers
import warnings

import numpy as np

from ..exceptions import BoundaryWarning
from ..space import Categorical, Integer, Real, compile_search_spaces
from ..surrogates import GaussianProcess

#: A value this close to a bound (as a fraction of the range, in the prior's
#: scale) counts as at the bound.
BOUNDARY_TOLERANCE = 0.01

#: Fewer successful candidates than this give no importances (all nan).
MIN_CANDIDATES = 4

#: At most this many candidates (a seeded random subset) train the model: a
#: Gaussian process costs O(n**3).
MAX_CANDIDATES = 128


def _same_value(a, b):
    if a is b:
        return True
    if type(a) is not type(b) and not (isinstance(a, numbers.Number) and isinstance(b, numbers.Number)):
        return False
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - arrays, objects whose == is not a bool
        return False


def _locate(params, spaces):
    """Index of the subspace a candidate belongs to, or None.

    A candidate belongs to a subspace when it holds every free parameter of
    the subspace and the subspace's fixed values (parameters set by the
    search itself, such as a halving resource, may come on top).
    """
    for s, space in enumerate(spaces):
        if all(n in params for n in space.names) and all(
            k in params and _same_value(params[k], v) for k, v in space.fixed.items()
        ):
            return s
    return None


def _position(dim, value):
    """Where ``value`` lies in ``[low, high]``, from 0 to 1, in the prior's scale."""
    low, high, x = float(dim.low), float(dim.high), float(value)
    if dim.prior == "log-uniform":
        low, high, x = math.log(low), math.log(high), math.log(max(x, float(dim.low)))
    return (x - low) / (high - low)


def _is_hard(dim, side):
    hard = dim.hard_bounds
    return hard is True or (isinstance(hard, str) and hard == side)


def boundary_findings(search, tolerance=BOUNDARY_TOLERANCE):
    """The best candidate's values that lie at a bound of their range.

    Parameters
    ----------
    search : fitted search
        Any skbayes search (or a scikit-learn one with ``search_spaces``).
    tolerance : float, default=0.01
        A value within this fraction of its dimension's range from a bound
        (in the prior's scale) counts as at the bound.

    Returns
    -------
    findings : list of dict
        One per value at a soft bound, with keys ``"name"``, ``"value"``,
        ``"side"`` (``"low"`` or ``"high"``), ``"bound"`` and
        ``"dimension"``. Empty when the search has no best candidate
        (``refit=False`` with several metrics).
    """
    best = getattr(search, "best_index_", None)
    if best is None or not hasattr(search, "cv_results_"):
        return []
    params = search.cv_results_["params"][best]
    spaces = compile_search_spaces(search.search_spaces)
    s = _locate(params, spaces)
    if s is None:
        return []
    findings = []
    for name, dim in zip(spaces[s].names, spaces[s].dimensions):
        if not isinstance(dim, (Real, Integer)):
            continue
        pos = _position(dim, params[name])
        for side, near, bound in (
            ("low", pos <= tolerance, dim.low),
            ("high", pos >= 1.0 - tolerance, dim.high),
        ):
            if near and not _is_hard(dim, side):
                findings.append(
                    {"name": name, "value": params[name], "side": side, "bound": bound, "dimension": dim}
                )
    return findings


def _describe(finding):
    where = "lower" if finding["side"] == "low" else "upper"
    value, bound = finding["value"], finding["bound"]
    at = "at" if _same_value(value, bound) or float(value) == float(bound) else "within 1 % of the range from"
    return f"{finding['name']}={value!r} is {at} the {where} bound {bound!r} of {finding['dimension']!r}"


def warn_if_best_at_bound(search, stacklevel=3):
    """Emit one :class:`~skbayes.exceptions.BoundaryWarning` listing :func:`boundary_findings`.

    Parameters
    ----------
    search : fitted search
    stacklevel : int, default=3
        Passed to :func:`warnings.warn` (3: the caller of ``search.fit``).

    Returns
    -------
    findings : list of dict
        What :func:`boundary_findings` returned.
    """
    findings = boundary_findings(search)
    if findings:
        hard = ", ".join(f"hard_bounds={f['side']!r} on {f['name']}" for f in findings)
        warnings.warn(
            f"{type(search).__name__}: the best candidate lies at the edge of the search "
            f"space: {'; '.join(_describe(f) for f in findings)}. Better values may lie "
            "beyond: widen the range, or, if the parameter cannot go further, mark the "
            f"bound as hard ({hard}). To silence this warning: "
            "warnings.filterwarnings('ignore', category=skbayes.exceptions.BoundaryWarning).",
            BoundaryWarning,
            stacklevel=stacklevel,
        )
    return findings


# -- importances ----------------------------------------------------------------


def _told_scores(search):
    results = search.cv_results_
    told_metric = getattr(search, "_told_metric", None)
    if told_metric is not None:
        metric = told_metric(results)
    else:
        metric = "score" if "mean_test_score" in results else next(
            k for k in results if k.startswith("mean_test_")
        )[len("mean_test_"):]
    return np.asarray(results[f"mean_test_{metric}"], dtype=float)


class _Columns:
    """The points the model is fitted on, one column per parameter.

    :meth:`rows` gives one column per parameter: its value's unit-cube
    coordinate in the candidate's own subspace (``-1`` where that subspace
    lacks it); then a column for the subspace (when there are several) and one
    for the resource of a halving search. :meth:`encode` turns them into the
    model's inputs, all in ``[0, 1]``: categoricals and the subspace one-hot,
    an absent parameter at the centre (the subspace's one-hot tells it
    apart), the resource on a log scale.
    """

    def __init__(self, spaces, resources=None):
        self.spaces = spaces
        self.names, self.dims = [], {}
        for space in spaces:
            for name, dim in zip(space.names, space.dimensions):
                if name not in self.dims:
                    self.names.append(name)
                    self.dims[name] = dim
        self.subspace_column = len(spaces) > 1
        self.resources = None
        if resources is not None:
            r = np.log(np.asarray(resources, dtype=float))
            self.resources = (r.min(), max(r.max() - r.min(), 1e-12))
        self.n_columns = len(self.names) + self.subspace_column + (resources is not None)

    def subspace_name(self):
        """How the subspace column is called: the fixed parameters that tell subspaces apart."""
        names = sorted({n for space in self.spaces for n in space.fixed})
        differ = [
            n for n in names
            if len({repr(space.fixed.get(n, "<absent>")) for space in self.spaces}) > 1
        ]
        return ", ".join(differ) if differ else "subspace"

    def rows(self, subspaces, units, resources=None):
        X = np.full((len(subspaces), self.n_columns), -1.0)
        for i, (s, u) in enumerate(zip(subspaces, units)):
            for name, value in zip(self.spaces[s].names, u):
                X[i, self.names.index(name)] = value
        k = len(self.names)
        if self.subspace_column:
            X[:, k] = subspaces
            k += 1
        if self.resources is not None:
            X[:, k] = resources
        return X

    def encode(self, X):
        cols = []
        for j, name in enumerate(self.names):
            dim, x = self.dims[name], X[:, j]
            absent = x < 0
            if isinstance(dim, Categorical):
                block = np.eye(dim.cardinality)[dim.indices_from_unit(np.clip(x, 0.0, 1.0))]
                block[absent] = 0.0
                cols.append(block)
            else:
                cols.append(np.where(absent, 0.5, x)[:, None])
        k = len(self.names)
        if self.subspace_column:
            cols.append(np.eye(len(self.spaces))[X[:, k].astype(int)])
            k += 1
        if self.resources is not None:
            low, width = self.resources
            cols.append(((np.log(X[:, k]) - low) / width)[:, None])
        return np.hstack(cols)


class _Model:
    """A Gaussian process on the encoded points, on the scale of the scores."""

    def __init__(self, columns, random_state):
        self.columns = columns
        self.gp = GaussianProcess(n_restarts=1, random_state=random_state)

    def fit(self, X, y):
        self.mean, self.scale = y.mean(), y.std()
        self.gp.fit(self.columns.encode(X), (y - self.mean) / self.scale)
        return self

    def predict(self, X):
        return self.gp.predict(self.columns.encode(X)) * self.scale + self.mean


def parameter_importances(search, *, n_samples=256, n_grid=32, random_state=0):
    """Share of the score's variance each parameter explains on its own (an estimate).

    A Gaussian process (:class:`skbayes.surrogates.GaussianProcess`: Matérn
    5/2, one length scale per input, learned noise) is fitted to the evaluated
    candidates (their unit-cube coordinates, categoricals one-hot) and the
    told score (the ``refit`` metric's ``mean_test_*``; failed fits are left
    out; a seeded random subset of 128 when there are more). The importance
    of parameter ``j`` is the first-order variance share
    of that model, the main effect of a functional ANOVA (as in Hutter et
    al., "An efficient approach for assessing hyperparameter importance",
    ICML 2014, who use a random forest instead)::

        Var_v( E[f(x) | x_j = v] ) / Var( f(x) )

    with ``x`` uniform on the search space (the unit cube of each subspace,
    subspaces weighted equally; a halving search's model is read at its
    largest resource), both estimated by Monte Carlo over ``n_samples``
    points and ``n_grid`` values of ``x_j``. On a synthetic objective with
    known shares (``tests/test_diagnostics.py``), 32 evaluations give them
    within a few hundredths; a random forest, tried too, gave the smaller
    effects a fraction of their share.

    It is an estimate twice over: of the score by a model of a few dozen
    evaluations, mostly where the search looked (an adaptive search samples
    the good region densely), and of the variances by sampling.

    Parameters
    ----------
    search : fitted search
        Any skbayes search.
    n_samples : int, default=256
        Points of the space the expectations are averaged over.
    n_grid : int, default=32
        Values of each parameter (quantiles of its prior; the values of a
        finite dimension, weighted by their probability).
    random_state : int, default=0
        Seeds the model and the Monte Carlo points: the same search gives the
        same importances.

    Returns
    -------
    importances : dict of str -> float
        Parameter name -> share, largest first. Every share is in ``[0, 1]``
        and they sum to at most 1; ``1 - sum`` is the share of the variance
        the model attributes to interactions between parameters. With
        conditional subspaces, a parameter acts only in the subspaces that
        have it, and one more entry, named after the fixed parameters that
        tell the subspaces apart (``"subspace"`` if none do), is the share
        explained by the choice of subspace. All zero when the scores do
        not vary; all ``nan`` with fewer than 4 successful candidates.
        Parameters with a single value are not listed.
    """
    results = search.cv_results_
    spaces = compile_search_spaces(search.search_spaces)
    y = _told_scores(search)
    subspaces, units, ok = [], [], []
    for i, params in enumerate(results["params"]):
        s = _locate(params, spaces)
        if s is None or not np.isfinite(y[i]):
            continue
        subspaces.append(s)
        units.append(spaces[s].to_unit([params])[0])
        ok.append(i)
    resources = np.asarray(results["n_resources"], dtype=float)[ok] if "n_resources" in results else None
    columns = _Columns(spaces, resources if resources is not None and len(ok) else None)
    keys = list(columns.names) + ([columns.subspace_name()] if columns.subspace_column else [])
    if len(ok) < MIN_CANDIDATES:
        return {k: float("nan") for k in keys}
    y = y[ok]
    if np.ptp(y) == 0:
        return {k: 0.0 for k in keys}
    rng = np.random.default_rng(random_state)
    X = columns.rows(subspaces, units, resources)
    if len(y) > MAX_CANDIDATES:
        keep = np.sort(rng.choice(len(y), MAX_CANDIDATES, replace=False))
        X, y = X[keep], y[keep]
    model = _Model(columns, random_state).fit(X, y)

    # Monte Carlo points: uniform on each subspace's cube, at the full resource
    per_space = max(1, math.ceil(n_samples / len(spaces)))
    base_sub = np.repeat(np.arange(len(spaces)), per_space)
    base_units = [spaces[s].sample_unit(1, rng)[0] for s in base_sub]
    top = None if resources is None else np.full(len(base_sub), resources.max())
    base = columns.rows(base_sub, base_units, top)
    pred = model.predict(base)
    total = pred.var()
    if not total > 0:
        return {k: 0.0 for k in keys}

    shares = {}
    grid = (np.arange(n_grid) + 0.5) / n_grid
    for j, name in enumerate(columns.names):
        dim = columns.dims[name]
        values = dim.to_unit(dim.from_unit(grid))  # finite: cell centres, weighted by width
        has = base[:, j] >= 0
        stacked = np.repeat(base[None], len(values), axis=0)
        stacked[:, has, j] = values[:, None]
        means = model.predict(stacked.reshape(-1, base.shape[1])).reshape(len(values), -1).mean(axis=1)
        shares[name] = np.var(means) / total
    if columns.subspace_column:
        means = [pred[base_sub == s].mean() for s in range(len(spaces))]
        shares[keys[-1]] = np.var(means) / total
    shares = {k: min(max(float(v), 0.0), 1.0) for k, v in shares.items()}
    total_share = sum(shares.values())
    if total_share > 1.0:  # sampling noise on an additive model
        shares = {k: v / total_share for k, v in shares.items()}
    return dict(sorted(shares.items(), key=lambda kv: -kv[1]))


def cached_importances(search):
    """:func:`parameter_importances` of ``search``, computed once per ``cv_results_``."""
    if not hasattr(search, "cv_results_"):
        from sklearn.exceptions import NotFittedError

        raise NotFittedError(
            f"This {type(search).__name__} instance is not fitted yet; call fit "
            "before reading parameter_importances_."
        )
    results = search.cv_results_
    cache = search.__dict__.get("_importances_cache")
    # the cache holds the very results dict it was computed from (a new fit
    # makes a new one), so that a later dict cannot be mistaken for it
    if cache is None or cache[0] is not results or cache[1] != len(results["params"]):
        cache = (results, len(results["params"]), parameter_importances(search))
        search.__dict__["_importances_cache"] = cache
    return dict(cache[2])
