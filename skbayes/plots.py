"""Plots of fitted searches (matplotlib, imported when a plot is drawn).

Every function takes the fitted search itself and an optional ``ax``, and
returns what it drew on: an Axes, or an array of Axes for the plots of several
dimensions.

- :func:`plot_convergence`: best score by evaluation, several searches on one
  Axes to compare them.
- :func:`plot_evaluations`: where the search sampled, for each pair of
  dimensions.
- :func:`plot_objective`: partial dependence of the score on each dimension,
  from the surrogate of a :class:`~skbayes.BayesSearchCV`.
- :func:`plot_fitness`: best and mean fitness by generation of an
  :class:`~skbayes.EvolutionarySearchCV`.
- :func:`plot_rungs`: scores by resource of a
  :class:`~skbayes.HalvingBayesSearchCV`, each candidate followed up its rungs.

Needs matplotlib: ``pip install "skbayes[plots]"``.
"""

import copy
import math
import numbers

import numpy as np

from .space import Categorical, Integer, Real, compile_search_spaces

__all__ = [
    "plot_convergence",
    "plot_evaluations",
    "plot_objective",
    "plot_fitness",
    "plot_rungs",
    "plot_importances",
]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            'skbayes.plots needs matplotlib: pip install "skbayes[plots]" '
            "(or pip install matplotlib)."
        ) from exc
    return plt


def _check_fitted(search, what):
    if not hasattr(search, "cv_results_"):
        raise ValueError(
            f"{what} needs a fitted search; {type(search).__name__} is not fitted yet "
            "(call fit first)."
        )


def _metric(search):
    """Name of the metric the search optimised (its refit metric)."""
    results = search.cv_results_
    if isinstance(search.refit, str) and f"mean_test_{search.refit}" in results:
        return search.refit
    if "mean_test_score" in results:
        return "score"
    return next(k for k in results if k.startswith("mean_test_"))[len("mean_test_"):]


# -- convergence -----------------------------------------------------------------


def plot_convergence(*searches, ax=None, labels=None, show_scores=True):
    """Best score so far by number of candidates evaluated.

    Parameters
    ----------
    *searches : fitted searches, or (label, search) pairs
        One line each, on the same Axes: pass several searches fitted on the
        same problem to compare how fast they find good candidates. Any
        fitted ``BaseSearchCV`` works (``GridSearchCV`` and
        ``RandomizedSearchCV`` included). For successive halving
        (``n_resources`` in ``cv_results_``), every row counts as an
        evaluation but the best score counts the rows with the most
        resources only, as ``best_score_`` does.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure if None.
    labels : list of str, default=None
        Legend labels; the class names (or the pair's labels) by default.
    show_scores : bool, default=True
        Also mark every candidate's own score (faint dots).

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from skbayes.plots import plot_convergence
    >>> ax = plot_convergence(("Sobol", search_a), ("random", search_b))  # doctest: +SKIP
    """
    plt = _pyplot()
    if not searches:
        raise ValueError("plot_convergence needs at least one fitted search.")
    pairs = [s if isinstance(s, tuple) else (None, s) for s in searches]
    if labels is not None and len(labels) != len(pairs):
        raise ValueError(f"labels has {len(labels)} names for {len(pairs)} searches.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    metrics = set()
    for i, (label, search) in enumerate(pairs):
        _check_fitted(search, "plot_convergence")
        metric = _metric(search)
        metrics.add(metric)
        scores = np.asarray(search.cv_results_[f"mean_test_{metric}"], dtype=float)
        x = np.arange(1, len(scores) + 1)
        counted = np.isfinite(scores)
        resources = search.cv_results_.get("n_resources")
        if resources is not None:
            # successive halving: a score on a fraction of the resource is not
            # comparable; the best counts rows with the most resources only
            resources = np.asarray(resources, dtype=float)
            counted &= resources == resources.max()
        best = np.fmax.accumulate(np.where(counted, scores, -np.inf))
        best[np.isneginf(best)] = np.nan
        name = labels[i] if labels is not None else (label or type(search).__name__)
        if resources is not None:
            name += " (full resources)"
        (line,) = ax.step(x, best, where="post", label=name)
        if show_scores:
            ax.plot(x, scores, ".", color=line.get_color(), alpha=0.3)
    ax.set_xlabel("candidates evaluated")
    ax.set_ylabel(f"best {' / '.join(sorted(metrics))} so far")
    ax.set_title("Convergence")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    return ax


# -- evaluations -----------------------------------------------------------------


def _spaces(search):
    return compile_search_spaces(search.search_spaces)


def _plotted_dimensions(search, dimensions, subspace):
    spaces = _spaces(search)
    if not 0 <= subspace < len(spaces):
        raise ValueError(f"subspace must be in [0, {len(spaces) - 1}]; got {subspace}.")
    space = spaces[subspace]
    names = list(space.names)
    if dimensions is None:
        if not names:
            raise ValueError("The search space has no dimension with more than one value to plot.")
        return space, names
    dimensions = [dimensions] if isinstance(dimensions, str) else list(dimensions)
    unknown = [d for d in dimensions if d not in names]
    if unknown:
        raise ValueError(f"dimensions {unknown} are not in the search space; its dimensions are {names}.")
    return space, dimensions


class _Axis:
    """How one dimension is drawn: numbers on a linear or log axis, or categories."""

    def __init__(self, name, dim):
        self.name = name
        self.dim = dim
        self.categorical = isinstance(dim, Categorical) or not getattr(dim, "is_numeric", True)
        self.log = getattr(dim, "prior", None) == "log-uniform"
        if self.categorical:
            self.values = list(dim.values())

    def position(self, value):
        if self.categorical:
            for i, v in enumerate(self.values):
                if v is value or _same(v, value):
                    return float(i)
            return np.nan
        return float(value)

    def limits(self):
        if self.categorical:
            return (-0.5, len(self.values) - 0.5)
        if isinstance(self.dim, (Real, Integer)):
            return (self.dim.low, self.dim.high)
        return None

    def style(self, ax, which):
        set_scale, set_lim, set_ticks, set_labels, set_label = (
            (ax.set_xscale, ax.set_xlim, ax.set_xticks, ax.set_xticklabels, ax.set_xlabel)
            if which == "x"
            else (ax.set_yscale, ax.set_ylim, ax.set_yticks, ax.set_yticklabels, ax.set_ylabel)
        )
        if self.categorical:
            set_ticks(range(len(self.values)))
            set_labels([_short(v) for v in self.values])
        elif self.log:
            set_scale("log")
        lim = self.limits()
        if lim is not None:
            pad = 0 if self.categorical or self.log else 0.02 * (lim[1] - lim[0])
            set_lim(lim[0] - pad, lim[1] + pad)
        set_label(self.name)


def _same(a, b):
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - arrays and such compare as not equal
        return False


def _short(value, width=14):
    text = value.__name__ if isinstance(value, type) else str(value)
    text = text.split("(")[0] if len(text) > width and "(" in text else text
    return text if len(text) <= width else text[: width - 1] + "…"


def plot_evaluations(search, dimensions=None, *, ax=None, subspace=0, cmap="viridis"):
    """Where the search sampled: every pair of dimensions, coloured by order.

    The diagonal holds a histogram of each dimension's sampled values; below
    it, a scatter plot for each pair, from dark (first candidates) to light
    (last), with the best candidate as a red star. Log-uniform dimensions are
    on log axes, categorical ones on one tick per value.

    Parameters
    ----------
    search : fitted skbayes search
        Any search with ``search_spaces``.
    dimensions : str or list of str, default=None
        Dimensions to show; all the free dimensions of ``subspace`` by default.
    ax : matplotlib Axes or array of Axes, default=None
        For one dimension or a pair, a single Axes (a histogram, or one
        scatter plot); otherwise an array of shape ``(n, n)``. A new figure if
        None.
    subspace : int, default=0
        With a list of dicts as ``search_spaces``, the subspace to show.
    cmap : str, default="viridis"
        Colour map of the evaluation order.

    Returns
    -------
    ax : matplotlib Axes, or ndarray of Axes of shape (n, n)
    """
    plt = _pyplot()
    _check_fitted(search, "plot_evaluations")
    space, names = _plotted_dimensions(search, dimensions, subspace)
    axes_of = {n: _Axis(n, d) for n, d in zip(space.names, space.dimensions)}
    rows = [p for p in search.cv_results_["params"] if all(n in p for n in names)]
    if not rows:
        raise ValueError(f"No evaluated candidate has the dimensions {names}.")
    metric = _metric(search)
    scores = np.asarray(
        [s for p, s in zip(search.cv_results_["params"], search.cv_results_[f"mean_test_{metric}"]) if all(n in p for n in names)],
        dtype=float,
    )
    best = int(np.nanargmax(scores)) if np.isfinite(scores).any() else None
    pos = {n: np.array([axes_of[n].position(p[n]) for p in rows]) for n in names}
    order = np.arange(len(rows))
    n = len(names)

    def scatter(a, xn, yn):
        a.scatter(pos[xn], pos[yn], c=order, cmap=cmap, s=18, edgecolors="none")
        if best is not None:
            a.plot(pos[xn][best], pos[yn][best], "r*", markersize=12)
        axes_of[xn].style(a, "x")
        axes_of[yn].style(a, "y")

    def histogram(a, name):
        ax_ = axes_of[name]
        values = pos[name]
        if ax_.categorical:
            counts = np.bincount(values[np.isfinite(values)].astype(int), minlength=len(ax_.values))
            a.bar(range(len(ax_.values)), counts, color="tab:blue")
        else:
            lo, hi = ax_.limits() or (np.nanmin(values), np.nanmax(values))
            bins = np.geomspace(lo, hi, 16) if ax_.log else np.linspace(lo, hi, 16)
            a.hist(values, bins=bins, color="tab:blue")
        ax_.style(a, "x")
        a.set_ylabel("candidates")

    single = n <= 2 and ax is not None and not isinstance(ax, np.ndarray)
    if n == 1 or single:
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 4))
        if n == 1:
            histogram(ax, names[0])
        else:
            scatter(ax, names[0], names[1])
        ax.set_title(f"Evaluations of {type(search).__name__}")
        return ax
    if ax is None:
        fig, ax = plt.subplots(n, n, figsize=(2.6 * n, 2.6 * n), squeeze=False)
        fig.suptitle(f"Evaluations of {type(search).__name__} (dark: first, light: last, star: best)")
    ax = np.asarray(ax)
    if ax.shape != (n, n):
        raise ValueError(f"ax must be an array of shape ({n}, {n}) for {n} dimensions; got {ax.shape}.")
    for i, yn in enumerate(names):
        for j, xn in enumerate(names):
            a = ax[i, j]
            if i == j:
                histogram(a, xn)
            elif i > j:
                scatter(a, xn, yn)
            else:
                a.axis("off")
    ax[0, 0].figure.tight_layout()
    return ax


# -- objective (BayesSearchCV) ------------------------------------------------------


def _surrogate_of(search, subspace):
    """The search's surrogate of ``subspace`` refitted on every told score, and the score scale.

    Returns the space, a function from unit points to predicted scores, the
    told unit points and the fitted model.
    """
    strategy = getattr(search, "strategy_", None)
    needed = ("_data", "_fresh_surrogate")
    if strategy is None or not all(hasattr(strategy, a) for a in needed):
        raise TypeError(
            f"plot_objective needs a fitted BayesSearchCV (its surrogate model); "
            f"got {type(search).__name__}."
        )
    from .surrogates._base import _encode

    strategy = copy.deepcopy(strategy)  # fitting a surrogate draws from its rng
    told = np.asarray(strategy.history["score"], dtype=float)
    finite = told[np.isfinite(told)]
    if finite.size < 2:
        raise ValueError("plot_objective needs at least two successful evaluations.")
    subspaces, units, y, _ = strategy._data([])
    mask = subspaces == subspace
    if mask.sum() < 2:
        raise ValueError(f"Subspace {subspace} has fewer than two evaluations to fit a model on.")
    space = strategy.spaces[subspace]
    # the search's own copy, with the settings of its last proposal there (the
    # GP's length-scale bound of a one-at-a-time search, say); a fresh one
    # when the model never proposed in this subspace
    model = getattr(strategy, "surrogates_", {}).get(subspace)
    if model is None:
        model = strategy._fresh_surrogate(space)
    if not callable(getattr(model, "predict", None)):
        raise TypeError(
            f"plot_objective needs a surrogate that predicts a mean (surrogate='gp' or "
            f"'rf'); this search uses {type(model).__name__}."
        )
    U = np.asarray([u for u, m in zip(units, mask) if m], dtype=float).reshape(int(mask.sum()), space.n_dims)
    model.fit(_encode(model, space, U), y[mask])
    warp = strategy._score_warp()  # what the model predicts, back to scores

    def predict(V):
        z = np.asarray(model.predict(_encode(model, space, V)), dtype=float).reshape(-1)
        return warp.inverse(z)

    return space, predict, U, model


def plot_objective(search, dimensions=None, *, ax=None, subspace=0, n_points=40, n_samples=200, random_state=0):
    """Partial dependence of the score on each dimension, from the search's surrogate.

    For each dimension, the surrogate of a fitted
    :class:`~skbayes.BayesSearchCV` (a copy of the one its last proposal
    used, with that proposal's settings, refitted on every evaluation) predicts
    the score along a grid of the dimension's values, averaged over
    ``n_samples`` random values of the other dimensions: how the score
    depends on this dimension alone, on average. The evaluated candidates are
    marked along the bottom, the best one with a red line.

    Parameters
    ----------
    search : fitted BayesSearchCV
        With a mean-predicting surrogate (``surrogate="gp"`` or ``"rf"``).
    dimensions : str or list of str, default=None
        Dimensions to show; every free dimension of ``subspace`` by default.
    ax : matplotlib Axes or array of Axes, default=None
        One Axes per dimension (a single Axes for one dimension); a new
        figure if None.
    subspace : int, default=0
        With a list of dicts as ``search_spaces``, the subspace to show.
    n_points : int, default=40
        Grid points along each continuous dimension.
    n_samples : int, default=200
        Random points the other dimensions are averaged over.
    random_state : int, default=0
        Seeds those random points.

    Returns
    -------
    ax : matplotlib Axes, or ndarray of Axes (one per dimension)
    """
    plt = _pyplot()
    _check_fitted(search, "plot_objective")
    space, names = _plotted_dimensions(search, dimensions, subspace)
    space, predict, U_told, _ = _surrogate_of(search, subspace)
    if not (isinstance(n_points, numbers.Integral) and n_points >= 2):
        raise ValueError(f"n_points must be an int >= 2; got {n_points!r}.")
    if not (isinstance(n_samples, numbers.Integral) and n_samples >= 1):
        raise ValueError(f"n_samples must be an int >= 1; got {n_samples!r}.")
    rng = np.random.default_rng(random_state)
    base = space.sample_unit(n_samples, rng)
    n = len(names)
    if ax is None:
        cols = min(n, 3)
        rows = math.ceil(n / cols)
        fig, grid = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False)
        fig.suptitle(f"Partial dependence ({type(search).__name__} surrogate)")
        for a in grid.ravel()[n:]:
            a.axis("off")
        axes = grid.ravel()[:n]
    else:
        axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
        if len(axes) != n:
            raise ValueError(f"ax must hold {n} Axes, one per dimension; got {len(axes)}.")
    metric = _metric(search)
    scores = np.asarray(search.strategy_.history["score"], dtype=float)
    subs = np.asarray(search.strategy_.history["subspace"])
    best_u = None
    if np.isfinite(scores[subs == subspace]).any():
        own = np.flatnonzero(subs == subspace)
        best_u = np.asarray(search.strategy_.history["unit"][own[np.nanargmax(scores[own])]])
    for a, name in zip(axes, names):
        j = space.names.index(name)
        dim = space.dimensions[j]
        axis = _Axis(name, dim)
        if dim.is_finite:
            grid_u = dim.to_unit(dim.values())
        else:
            grid_u = np.linspace(0.0, 1.0, n_points)
        means = []
        for g in grid_u:
            V = base.copy()
            V[:, j] = g
            means.append(predict(space.canonical(V)).mean())
        values = dim.from_unit(np.asarray(grid_u))
        xs = np.array([axis.position(v) for v in values])
        if axis.categorical:  # unordered: one point per category, no line between
            a.plot(xs, means, "o", markersize=8)
            a.vlines(xs, min(means), means, alpha=0.4)
        elif dim.is_finite:
            a.plot(xs, means, "o-")
        else:
            a.plot(xs, means, "-")
        told_x = [axis.position(v) for v in dim.from_unit(U_told[:, j])]
        lo, hi = a.get_ylim()
        a.plot(told_x, np.full(len(told_x), lo), "|", color="k", markersize=10, alpha=0.6)
        if best_u is not None:
            a.axvline(axis.position(dim.from_unit(np.asarray([best_u[j]]))[0]), color="r", lw=1)
        axis.style(a, "x")
        a.set_ylabel(f"partial dependence ({metric})")
        a.grid(True, alpha=0.3)
    axes[0].figure.tight_layout()
    return axes[0] if n == 1 else axes


# -- fitness (EvolutionarySearchCV) -----------------------------------------------------


def plot_fitness(search, *, ax=None):
    """Best, mean (with one standard deviation) and best-so-far score by generation.

    Parameters
    ----------
    search : fitted EvolutionarySearchCV
        Uses its ``history_``.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure if None.

    Returns
    -------
    ax : matplotlib Axes
    """
    plt = _pyplot()
    history = getattr(search, "history_", None)
    if not isinstance(history, dict) or "generation" not in history:
        raise TypeError(
            f"plot_fitness needs a fitted EvolutionarySearchCV (its history_); got "
            f"{type(search).__name__}."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    g = np.asarray(history["generation"], dtype=float) + 1
    mean = np.asarray(history["mean"], dtype=float)
    std = np.asarray(history["std"], dtype=float)
    ax.fill_between(g, mean - std, mean + std, alpha=0.2, color="tab:blue", label="mean ± std")
    ax.plot(g, mean, "-", color="tab:blue")
    ax.plot(g, np.asarray(history["best"], dtype=float), "o-", color="tab:orange", label="best of generation")
    ax.step(g, np.asarray(history["best_so_far"], dtype=float), where="post", color="tab:red", label="best so far")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("generation")
    ax.set_ylabel(_metric(search) if hasattr(search, "cv_results_") else "score")
    ax.set_title(f"Fitness of {type(search).__name__}")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    return ax


# -- rungs (HalvingBayesSearchCV) ---------------------------------------------------------


def plot_rungs(search, *, ax=None, cmap="tab10"):
    """Scores by resource: every candidate followed up the rungs it was promoted to.

    Each line is one candidate of one bracket, from its first rung to the
    last one it reached; colours tell the brackets apart. The x axis is the
    resource (``n_resources``, log scale).

    Parameters
    ----------
    search : fitted HalvingBayesSearchCV
        Or any search whose ``cv_results_`` has ``n_resources`` (and
        optionally ``bracket``), such as scikit-learn's
        ``HalvingRandomSearchCV``.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure if None.
    cmap : str, default="tab10"
        Colour map of the brackets.

    Returns
    -------
    ax : matplotlib Axes
    """
    plt = _pyplot()
    results = getattr(search, "cv_results_", None)
    if results is None or "n_resources" not in results:
        raise TypeError(
            f"plot_rungs needs a fitted HalvingBayesSearchCV (n_resources in "
            f"cv_results_); got {type(search).__name__}."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    metric = _metric(search)
    scores = np.asarray(results[f"mean_test_{metric}"], dtype=float)
    resources = np.asarray(results["n_resources"], dtype=float)
    brackets = np.asarray(results["bracket"]) if "bracket" in results else np.zeros(len(scores), int)
    resource = getattr(search, "resource", None)
    colours = plt.get_cmap(cmap)
    lines = {}
    for i, params in enumerate(results["params"]):
        key = (brackets[i], repr(sorted((k, repr(v)) for k, v in params.items() if k != resource)))
        lines.setdefault(key, []).append(i)
    labelled = set()
    for (bracket, _), rows in lines.items():
        colour = colours(int(bracket) % colours.N)
        label = None if bracket in labelled else f"bracket {bracket}"
        labelled.add(bracket)
        ax.plot(resources[rows], scores[rows], "o-", color=colour, alpha=0.6, markersize=4, label=label)
    best = getattr(search, "best_index_", None)
    if best is not None:
        ax.plot(resources[best], scores[best], "r*", markersize=14, label="best")
    from matplotlib.ticker import NullLocator

    ax.set_xscale("log")
    ticks = np.unique(resources[np.isfinite(resources)])
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel(f"n_resources ({resource})" if resource else "n_resources")
    ax.set_ylabel(metric)
    ax.set_title(f"Rungs of {type(search).__name__}")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return ax


# -- importances (every search) -------------------------------------------------------------


def plot_importances(search, *, ax=None, color="tab:blue"):
    """Horizontal bars of ``search.parameter_importances_``, largest on top.

    The bars are each parameter's estimated share of the score's variance
    (see :attr:`skbayes.BayesSearchCV.parameter_importances_`); the title
    gives the share left to interactions, ``1 - sum``.

    Parameters
    ----------
    search : fitted skbayes search
        Any of the four searches.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure if None.
    color : matplotlib color, default="tab:blue"
        Colour of the bars.

    Returns
    -------
    ax : matplotlib Axes
    """
    plt = _pyplot()
    _check_fitted(search, "plot_importances")
    importances = getattr(search, "parameter_importances_", None)
    if importances is None:
        raise TypeError(
            f"plot_importances needs a fitted skbayes search (its parameter_importances_); "
            f"got {type(search).__name__}."
        )
    names = list(importances)
    values = np.array([importances[n] for n in names], dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.45 * len(names) + 1.4))
    positions = np.arange(len(names))[::-1]
    ax.barh(positions, np.nan_to_num(values), color=color)
    ax.set_yticks(positions)
    ax.set_yticklabels(names)
    for p, v in zip(positions, values):
        ax.text(np.nan_to_num(v) + 0.01, p, "n/a" if np.isnan(v) else f"{v:.2f}", va="center")
    ax.set_xlim(0, 1.1)
    ax.set_xlabel("share of the score's variance (estimate)")
    rest = 1.0 - np.nansum(values)
    title = f"Parameter importances ({type(search).__name__})"
    if np.isfinite(values).all():
        title += f"\ninteractions: {max(rest, 0.0):.2f}"
    ax.set_title(title)
    ax.grid(True, axis="x", alpha=0.3)
    return ax
