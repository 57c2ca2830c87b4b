"""BayesSearchCV: a surrogate model chooses each next candidate."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from .._suggest import did_you_mean
from ..acquisition import ACQUISITIONS
from ..strategies._bayes import Optimizer
from ..surrogates import SURROGATES
from ._base import BaseSearch


class BayesSearchCV(BaseSearch):
    """Bayesian optimisation of hyperparameters over cross-validated scores.

    Like :class:`~sklearn.model_selection.RandomizedSearchCV`, but after an
    initial quasi-random design each candidate is chosen by a surrogate model
    of the cross-validated score fitted to every candidate evaluated so far:
    a Gaussian process (default), a random forest or a tree-structured Parzen
    estimator, with an acquisition function (expected improvement by default)
    that trades exploring uncertain regions for exploiting good ones. The
    same number of fits usually finds better parameters than random search.

    Argument names follow scikit-optimize's ``BayesSearchCV`` where they mean
    the same, so that switching is a change of import.

    The loop is :class:`skbayes.optimizer.Optimizer` (usable alone, without
    cross-validation). Failed fits are told to the model as one standard
    deviation below the worst score observed, so it steers away from their
    region; a candidate is never evaluated twice.

    Parameters
    ----------
    estimator : estimator object
        An object of the scikit-learn estimator interface to tune.

    search_spaces : dict or list of dict
        Parameter name -> :class:`~skbayes.space.Real`,
        :class:`~skbayes.space.Integer`, :class:`~skbayes.space.Categorical`,
        a ``(low, high)`` or ``(low, high, prior)`` tuple, a list of values, or
        a frozen ``scipy.stats`` distribution. A list of dicts gives
        conditional subspaces: the initial design is split evenly between
        them, then each subspace has its own surrogate and the candidate with
        the best acquisition value over all subspaces is taken (TPE compares
        subspaces by their share of good and bad candidates).

    n_iter : int, default=50
        Number of candidates evaluated in total (initial design included). A
        space with fewer distinct candidates is evaluated whole, with a
        warning.

    surrogate : {"gp", "rf", "tpe"} or object, default="gp"
        ``"gp"``: Gaussian process, Matérn 5/2 kernel with one length scale per
        dimension and learned noise, the most sample-efficient for up to a few
        dozen mostly continuous dimensions; with ``n_points=1`` the length
        scales of its real and integer inputs are bounded, so that it keeps
        looking where its design did not (``GaussianProcess(max_ordered_lengthscale=...)``
        says more). ``"rf"``: random forest (mean and
        spread of its trees), for large or mostly categorical spaces.
        ``"tpe"``: tree-structured Parzen estimator, the cheapest per
        proposal, categoricals and conditional subspaces natively. An
        instance following the protocol of :class:`skbayes.surrogates.Surrogate`
        is cloned and used.

    acquisition : {"ei", "pi", "ucb"} or callable, default="ei"
        ``"ei"``: expected improvement (computed in log space, so it never
        vanishes); ``"pi"``: probability of improvement; ``"ucb"``: upper
        confidence bound. A callable ``f(mean, std, best, **kwargs)`` returns
        values to maximise. ``surrogate="tpe"`` takes ``"ei"`` only (its
        density ratio is its expected improvement).

    n_initial_points : int, default=10
        Candidates from the initial quasi-random (scrambled Sobol') design
        before the surrogate is used. At least 1; at most ``n_iter`` are used.

    n_points : int or None, default=None
        Candidates proposed, and evaluated in parallel, per round. None: one
        per joblib worker at fit time (``n_jobs``, or the workers of a Dask or
        Ray backend), so that every worker is busy. A batch is made diverse by
        the constant liar rule (each chosen point is added to the model with
        the mean observed score before the next is chosen; ``liar`` in
        ``optimizer_kwargs``). The candidates
        depend on the batch size: set ``n_points`` to get the same candidates
        whatever ``n_jobs``.

    acquisition_kwargs : dict or None, default=None
        ``{"xi": float}`` for ``"ei"`` and ``"pi"`` (minimum improvement, in
        standard deviations of the scores; default 0 for ``"ei"``, 0.01 for
        ``"pi"``), ``{"kappa": float}`` for ``"ucb"`` (default 1.96).

    optimizer_kwargs : dict or None, default=None
        Further keywords of the :class:`~skbayes.optimizer.Optimizer`
        (scikit-optimize's name for this argument): ``n_candidates``,
        ``y_transform``, ``n_refine``, ``local_scale``, ``refine_scale``,
        ``incumbent``, ``liar``, ``explore_on_ties``. Checked at ``fit``.

    cost_aware : bool, default=False
        Trade expected improvement against expected cost: after the initial
        design, each candidate maximises expected improvement per second
        (Snoek, Larochelle and Adams, 2012), ``log EI(x) - log c(x)``, where
        ``c(x)`` is predicted by a Gaussian process fitted to ``log`` of the
        seconds each evaluated candidate took (its ``mean_fit_time`` plus
        ``mean_score_time``, failed fits included), so that of two equally
        promising candidates the cheaper one is evaluated first. Needs
        ``acquisition="ei"`` or ``"pi"`` (``"ucb"`` and callables are refused
        at ``fit``); with ``surrogate="tpe"`` its density ratio is used as
        the expected improvement it stands for. The costs of a resumed or
        warm-started search come from its ``cv_results_`` rows. See
        :class:`~skbayes.optimizer.Optimizer` for the details. With it, the
        same ``random_state`` no longer repeats a search exactly (timings
        differ between runs). Off by default: in its equal-CPU benchmark
        (``docs/benchmarks.md``, "Cost-aware proposals in BayesSearchCV"; 3
        tasks, 5 seeds) the best scores at equal fit CPU time were
        level on all three tasks, and a model that prizes cheap fits may
        also prize poor ones.

    scoring : str, callable, list, tuple or dict, default=None
        As in :class:`~sklearn.model_selection.GridSearchCV`. With several
        metrics, the model optimises the ``refit`` metric (the first one when
        ``refit`` is a callable or False).

    n_jobs : int, default=None
        Number of jobs to run in parallel (``-1``: all processors).

    refit : bool, str or callable, default=True
        Refit the best candidate on the whole dataset, as in ``GridSearchCV``.

    cv : int, cross-validation generator or iterable, default=None
        Cross-validation splitting strategy, as in ``GridSearchCV``.

    verbose : int, default=0
        Verbosity, as in ``GridSearchCV``.

    pre_dispatch : int or str, default="2*n_jobs"
        As in ``GridSearchCV``.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial design, the candidates and the surrogates: the same
        seed (and batch size) gives the same candidates, except with
        ``cost_aware=True``, whose proposals follow the measured fit times.

    error_score : "raise" or numeric, default=np.nan
        Score given to a fit that fails. The model is told a score one standard
        deviation below the worst observed instead, never ``error_score``.

    return_train_score : bool, default=False
        Also compute training scores, as in ``GridSearchCV``.

    callbacks : list of callable, default=None
        Called after every batch with a :class:`~skbayes.callbacks.SearchState`;
        one returning True stops the search. See :mod:`skbayes.callbacks`.

    warm_start : bool, default=False
        When the search is already fitted (or its ``CheckpointSaver`` file
        exists), continue from what it evaluated instead of starting over:
        with a larger ``n_iter``, the model is fitted to the old candidates and
        only new ones are evaluated.

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        As in ``GridSearchCV``, one row per candidate in evaluation order;
        kept up to the last evaluated batch if ``fit`` is interrupted.

    best_estimator_, best_score_, best_params_, best_index_, scorer_, \
n_splits_, refit_time_, multimetric_, classes_, n_features_in_, \
feature_names_in_
        As in ``GridSearchCV``.

    fit_errors_ : dict of int -> str
        Candidates (row of ``cv_results_``) for which at least one fit failed.

    strategy_ : skbayes.optimizer.Optimizer
        The optimizer after the search: ``strategy_.history`` holds every
        candidate's point of the unit cube and told score,
        ``strategy_.surrogates_`` the last fitted surrogates.

    stop_reason_ : str
        Why the search stopped: the message of the callback that stopped it,
        the budget spent, every candidate of a finite space proposed, or the
        exception that interrupted ``fit``.

    n_replayed_ : int
        Candidates taken from a checkpoint or the previous fit
        (``warm_start``) without being refitted.

    parameter_importances_ : dict of str -> float
        Estimated share of the score's variance that each parameter explains
        on its own, largest first (computed when first read; see
        :func:`skbayes.plots.plot_importances` and the user guide's
        *Diagnostics*). After ``fit``, a
        :class:`~skbayes.exceptions.BoundaryWarning` says when the best
        candidate lies at a bound of its range.

    See Also
    --------
    skbayes.optimizer.Optimizer : The same search as an ask/tell object.
    LowDiscrepancySearchCV : A quasi-random design, no model.
    sklearn.model_selection.RandomizedSearchCV : Independent random candidates.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skbayes import BayesSearchCV
    >>> from skbayes.space import Real
    >>> X, y = load_iris(return_X_y=True)
    >>> search = BayesSearchCV(
    ...     SVC(), {"C": Real(1e-2, 1e2, prior="log-uniform"), "kernel": ["rbf", "linear"]},
    ...     n_iter=8, n_initial_points=4, random_state=0)
    >>> bool(search.fit(X, y).best_score_ > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **BaseSearch._parameter_constraints,
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "surrogate": [StrOptions(set(SURROGATES)), HasMethods(["fit"])],
        "acquisition": [StrOptions(set(ACQUISITIONS)), callable],
        "n_initial_points": [Interval(Integral, 1, None, closed="left")],
        "n_points": [Interval(Integral, 1, None, closed="left"), None],
        "acquisition_kwargs": [dict, None],
        "optimizer_kwargs": [dict, None],
        "cost_aware": ["boolean"],
    }

    #: Keywords of :class:`~skbayes.optimizer.Optimizer` that ``optimizer_kwargs`` may set
    #: (the others are parameters of the search itself).
    _optimizer_keywords = (
        "n_candidates", "y_transform", "n_refine", "local_scale", "refine_scale", "incumbent",
        "liar", "explore_on_ties",
    )

    def __init__(
        self,
        estimator,
        search_spaces,
        *,
        n_iter=50,
        surrogate="gp",
        acquisition="ei",
        n_initial_points=10,
        n_points=None,
        acquisition_kwargs=None,
        optimizer_kwargs=None,
        cost_aware=False,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
        callbacks=None,
        warm_start=False,
    ):
        super().__init__(
            estimator,
            search_spaces,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            random_state=random_state,
            error_score=error_score,
            return_train_score=return_train_score,
            callbacks=callbacks,
            warm_start=warm_start,
        )
        self.n_iter = n_iter
        self.surrogate = surrogate
        self.acquisition = acquisition
        self.n_initial_points = n_initial_points
        self.n_points = n_points
        self.acquisition_kwargs = acquisition_kwargs
        self.optimizer_kwargs = optimizer_kwargs
        self.cost_aware = cost_aware

    def _make_strategy(self, spaces, rng):
        extra = dict(self.optimizer_kwargs or {})
        for key in extra:
            if key not in self._optimizer_keywords:
                hint = did_you_mean(key, self._optimizer_keywords)
                raise ValueError(
                    f"optimizer_kwargs: {key!r} is not a keyword it may set{hint}; the legal "
                    f"keywords are {list(self._optimizer_keywords)} (the others are "
                    "parameters of BayesSearchCV itself)."
                )
        return Optimizer(
            spaces,
            surrogate=self.surrogate,
            acquisition=self.acquisition,
            n_initial_points=self.n_initial_points,
            acquisition_kwargs=self.acquisition_kwargs,
            n_iter=self.n_iter,
            cost_aware=self.cost_aware,
            random_state=rng,
            **extra,
        )

    def _tell(self, strategy, params, scores, seconds):
        # the seconds are told also without cost_aware: strategy_.history
        # keeps them, and they change nothing then
        strategy.tell(params, scores, costs=seconds)

    def _batch_size(self, n_workers):
        return n_workers if self.n_points is None else self.n_points
