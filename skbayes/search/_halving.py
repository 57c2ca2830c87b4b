"""HalvingBayesSearchCV: successive halving and Hyperband with model-based brackets (BOHB)."""

import contextlib
import warnings
from math import ceil
from numbers import Integral, Real

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..strategies._proposers import ParzenProposer
from ..strategies._halving import HalvingStrategy, halving_plan, hyperband_plans
from ..sampling import SAMPLERS
from . import _sklearn_compat
from ._base import BaseSearch
from ._halving_checks import _HalvingChecks, _SubsampleSplitter, make_proposer
from ._continue import (
    ContinuedColumn,
    ContinuingFit,
    FoldModelStore,
    candidate_key,
    fits_run_here,
)

SURROGATES = ("tpe", "gp", "rf", "kde")


class HalvingBayesSearchCV(_HalvingChecks, BaseSearch):
    """Successive halving and Hyperband whose new candidates come from a model (BOHB).

    Candidates are first evaluated with a small resource (a subsample of the
    data, or a few boosting rounds, epochs or iterations), and only the best
    ``1 / factor`` of them go on to a ``factor`` times larger resource, rung
    after rung, as in scikit-learn's
    :class:`~sklearn.model_selection.HalvingRandomSearchCV`: for the same
    settings the rungs hold the same numbers of candidates at the same
    resources. Each rung is one ``evaluate_candidates`` call, so ``n_jobs``
    workers share all its fits.

    Unlike scikit-learn's search, several *brackets* can follow each other
    (``brackets``): the first bracket's candidates come from a low-discrepancy
    design, and every later bracket's from a model fitted on the highest
    resource level that already has enough scores, with a random fraction
    kept for exploration (BOHB: Falkner, Klein and Hutter, 2018). Cheap
    low-resource evaluations thus steer where the expensive ones are spent.
    The best candidate is the best among those evaluated at the largest
    resource reached, and multimetric scoring works.

    Parameters
    ----------
    estimator : estimator object
        An object of the scikit-learn estimator interface to tune.

    search_spaces : dict or list of dict
        Parameter name -> :class:`~skbayes.space.Real`,
        :class:`~skbayes.space.Integer`, :class:`~skbayes.space.Categorical`,
        a ``(low, high)`` or ``(low, high, prior)`` tuple, a list of values, or
        a frozen ``scipy.stats`` distribution. A list of dicts gives
        conditional subspaces. The resource must not be one of the parameters.

    n_candidates : int or "exhaust", default="exhaust"
        Candidates of the first rung of the first bracket. ``"exhaust"``:
        ``max_resources_ // min_resources_``, so that the last rung uses
        about ``max_resources_`` (as in ``HalvingRandomSearchCV``).

    factor : float, default=3
        Each rung keeps the best ``ceil(n / factor)`` candidates and
        multiplies the resource by ``factor``. Must be greater than 1.

    resource : str, default="n_samples"
        What grows from rung to rung: ``"n_samples"`` (each rung fits on a
        subsample of every training fold and scores on a subsample of every
        test fold, as scikit-learn's halving does; stratified by class for a
        classifier), or the name of an
        estimator parameter such as ``"n_estimators"``, ``"max_iter"`` or
        ``"max_epochs"`` (set on every candidate; ``cv_results_`` then has its
        ``param_<resource>`` column).

    max_resources : int or "auto", default="auto"
        Largest resource. ``"auto"`` (only with ``resource="n_samples"``):
        the number of samples.

    min_resources : int, "smallest" or "exhaust", default="smallest"
        Resource of the first rung. ``"smallest"``: ``2 * n_splits`` samples
        (times the number of classes for a classifier) for ``"n_samples"``,
        else 1. ``"exhaust"``: as large as possible for the last rung to use
        ``max_resources`` (cannot be combined with ``n_candidates="exhaust"``).

    min_n_samples, max_n_samples : int, str or None, default=None
        Aliases of ``min_resources`` and ``max_resources`` for
        ``resource="n_samples"``, the names proposed for scikit-learn's
        halving searches; give each at most once.

    aggressive_elimination : bool, default=False
        When ``max_resources`` allows too few rungs to bring the candidates
        below ``factor``, repeat the first resource level until it does, as in
        scikit-learn.

    resume : "auto" or bool, default="auto"
        Whether a candidate promoted to the next rung continues, on each
        fold, from the model it trained at the previous rung, so that the
        rung costs ``r_k - r_(k-1)`` of the resource instead of ``r_k``.
        Only for a resource that is an estimator parameter the estimator can
        extend; ``cv_results_`` keeps its meaning (``n_resources`` is the
        total resource the model has seen) and says in its ``continued``
        column which rows continued. ``"auto"``: on for the estimators below
        (all of them continue exactly or closely), off otherwise. ``True``:
        the same, but ``fit`` raises a ValueError naming the estimator when
        it cannot continue. ``False``: every rung trains from scratch, as
        scikit-learn's halving does.

        Estimator by estimator (their subclasses included, and also as the
        last step of a :class:`~sklearn.pipeline.Pipeline`, whose other
        steps are fitted again on the same fold and must be deterministic):

        - ``HistGradientBoostingClassifier/Regressor`` over ``max_iter``:
          exact (the same predictions as training ``max_iter`` rounds from
          scratch) with an int ``random_state``, with or without early
          stopping (a model that stopped early is kept as it is: retraining
          stops at the same round). With ``random_state=None`` both are
          random draws of the same procedure.
        - ``GradientBoostingClassifier/Regressor`` over ``n_estimators``:
          exact with an int ``random_state`` (also with ``subsample`` or
          ``max_features`` below 1); with early stopping
          (``n_iter_no_change``) close only, as its counter of rounds
          without improvement starts over at each rung.
        - ``RandomForest*`` and ``ExtraTrees*`` over ``n_estimators``: exact
          with an int ``random_state`` (scikit-learn gives the added trees
          the seeds they would have had).
        - ``MLPClassifier/Regressor`` and ``SGDClassifier/Regressor`` over
          ``max_iter`` (epochs): close, not exact. The weights continue, but
          each rung starts the optimiser's state (Adam's moments, momentum),
          the learning-rate schedule (``"optimal"``, ``"invscaling"``,
          ``"adaptive"``), averaging, the convergence counters
          (``tol``/``n_iter_no_change``) and the shuffling sequence over.
          In the tests (3 rungs up to 27 epochs, digits and a synthetic
          regression) the continued and the retrained fold models' scores
          differ by less than 0.06 (accuracy or R²; 0.048 at worst). Exact only for
          ``SGD*(learning_rate="constant", shuffle=False, tol=None)`` without
          averaging or early stopping (and the like for ``MLP*`` with
          ``solver="sgd"``, ``momentum=0``).
        - skorch nets (``NeuralNetClassifier``, ``NeuralNetRegressor``,
          :class:`~skbayes.nets.NetClassifier`, ...) over ``max_epochs``:
          ``partial_fit`` continues the module, the optimiser's state and
          the history, which equals training from scratch when training is
          deterministic (a seeded initialisation, no shuffling, no dropout);
          close otherwise. skbayes' nets draw their ``random_state`` seed
          again at each ``partial_fit``, so the data order of a continued
          rung repeats that of the first epochs.

        The fold models of the live candidates (those still in their
        bracket: all of a rung's until its promotion is decided, then only
        the promoted ones') are kept between rungs, by candidate and by a
        hash of the fold's training data, so they never reach another fold
        or candidate. They are kept in memory when the fits run in the
        search's process (``n_jobs=1`` or joblib's threading backend), else
        (loky processes, Dask, Ray) in a temporary folder the search
        creates in :func:`tempfile.gettempdir` and removes when ``fit``
        ends, also on an error or Ctrl-C. A Dask cluster of several machines
        needs that folder on a file system that every worker mounts at the
        same path (set ``TMPDIR`` to it); a worker that cannot reach it
        trains from scratch, and the search warns. A checkpoint does not
        hold fold models: a search resumed in the middle of a bracket
        trains its live candidates again from scratch at the next rung, and
        says so in a warning.

    brackets : int or "hyperband", default="hyperband"
        ``int``: that many successive-halving brackets of the same shape, run
        one after the other. ``"hyperband"``: Hyperband's brackets; bracket
        ``b`` starts at ``min_resources_ * factor**b`` with about
        ``factor**b`` times fewer candidates, so that each costs about as much
        as the first, the last evaluating a few candidates at
        ``max_resources_`` only. ``brackets=1`` is plain successive halving
        (the candidates then come from the low-discrepancy design only). The
        total cost grows linearly with the number of brackets.

    surrogate : {"kde", "tpe", "gp", "rf"} or object, default="kde"
        The model that proposes the candidates of later brackets, fitted on
        the highest resource level with enough scores (at least the number
        of model columns plus 2, as BOHB requires) or on every configuration
        (see ``model_levels``). ``"tpe"``, ``"gp"``,
        ``"rf"``: :class:`~skbayes.surrogates.TPE`,
        :class:`~skbayes.surrogates.GaussianProcess` (Matérn 5/2, expected
        improvement) and :class:`~skbayes.surrogates.RandomForest`, as in
        :class:`~skbayes.BayesSearchCV`; a bracket's candidates are proposed
        as one batch (constant liar for the GP and the forest). ``"kde"``:
        BOHB's own multivariate kernel density estimator
        (a Parzen proposer, ``ParzenProposer``): each proposal is
        the best of 64 draws around the best points, which suits the few,
        similar points of a high rung.
        An object following the protocol of :mod:`skbayes.surrogates` is used
        as well, and so is a proposer: an object with a method
        ``propose(space, U, scores, n, rng)`` returning ``n`` unit-cube points,
        such as :class:`skbayes.strategies.ParzenProposer` with other settings
        (``ParzenProposer(gamma=0.25)``) or
        :class:`skbayes.strategies.SurrogateProposer` (a surrogate with another
        acquisition).

    cost_aware : bool, default=False
        Let the model of later brackets trade expected improvement against
        expected cost: each proposal is the draw with the largest expected
        improvement per second (Snoek, Larochelle and Adams, 2012), the cost
        being a kernel regression of ``log`` of the fit times seen at the
        model's resource level (a continued fit's time scaled to the whole
        resource), so that of two equally promising candidates the cheaper
        is chosen. Only with ``surrogate="kde"`` or a ``ParzenProposer``.
        Off by default: in the equal-CPU halving benchmark
        (``docs/benchmarks.md``) it spent 4 to 13 % less CPU time on four of
        five tasks but had the lower held-out score on three of them; it can
        steer towards configurations that are cheap rather than good.

    random_fraction : float, default=1/3
        Probability that a candidate of a later bracket is drawn uniformly at
        random instead of proposed by the model (BOHB's exploration).

    model_levels : {"highest", "all"}, default="highest"
        What the model of later brackets is fitted on. ``"highest"``: the
        scores of the highest resource level with enough of them (BOHB's
        rule). ``"all"``: every configuration evaluated so far, each once at
        the highest resource it reached, ranked as successive halving ranks
        them (first by that resource, then by the score there; the model is
        given the rank, not the score), so that the first bracket's
        eliminated candidates tell the model where not to look. In the
        equal-CPU halving benchmark (``docs/benchmarks.md``, 5 tasks, 8
        seeds) ``"all"`` started the later brackets from clearly better
        candidates (the best CV score of their first rung above that of
        random candidates by 2 to 7 standard errors on every task, where
        ``"highest"`` was above them on two tasks of 5) and found a higher
        final CV score on one task, but the held-out score of what it found
        was no higher on any task, hence the default.

    sampler : {"sobol", "halton", "hammersley", "lhs", "poisson-disk", "random"}, \
default="sobol"
        Design of the first bracket's candidates (see
        :class:`~skbayes.LowDiscrepancySearchCV`).

    scoring : str, callable, list, tuple or dict, default=None
        As in :class:`~sklearn.model_selection.GridSearchCV`. With several
        metrics the candidates are promoted by the ``refit`` metric (the first
        one when ``refit`` is a callable or False).

    n_jobs : int, default=None
        Number of jobs to run in parallel. All the fits of a rung
        (candidates times folds) are dispatched together.

    refit : bool, str or callable, default=True
        Refit the best candidate on the whole dataset. A callable receives
        ``cv_results_`` whole (every rung) and returns the chosen row.

    cv : int, cross-validation generator or iterable, default=None
        As in ``GridSearchCV``. The splits are drawn once per fit and every
        rung is evaluated on them (also with ``shuffle=True`` and no seed).

    verbose : int, default=0
        Print the schedule and each rung when positive.

    pre_dispatch : int or str, default="2*n_jobs"
        As in ``GridSearchCV``.

    random_state : int, RandomState instance or None, default=None
        Seeds the design, the proposals and the subsamples.

    error_score : "raise" or numeric, default=np.nan
        Score of a failed fit. Failed candidates are promoted last, and a rung
        whose every candidate failed ends its bracket.

    return_train_score : bool, default=False
        Also compute training scores.

    callbacks : list of callable, default=None
        Called after every rung with a :class:`~skbayes.callbacks.SearchState`;
        one returning True stops the search. See :mod:`skbayes.callbacks`.

    warm_start : bool, default=False
        When the search is already fitted (or its ``CheckpointSaver`` file
        exists), continue from what it evaluated instead of starting over:
        with a larger int ``brackets``, only the new brackets are evaluated,
        their candidates proposed by a model fitted on every earlier rung.

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        One row per candidate and rung, with the columns of ``GridSearchCV``
        plus ``iter`` (the rung's index, one per ``evaluate_candidates``
        call, all brackets counted), ``n_resources`` (the resource the
        row's models have seen, continued or not), ``bracket`` and
        ``continued`` (True when the row's fold models continued those of
        the previous rung, see ``resume``; ``mean_fit_time`` is then the
        time of the continuation). Kept when ``fit`` is interrupted.

    best_estimator_, best_score_, best_params_, best_index_, scorer_, \
n_splits_, refit_time_, multimetric_, classes_, n_features_in_, \
feature_names_in_
        As in ``GridSearchCV``; the best row is chosen among those with the
        largest ``n_resources`` (unless ``refit`` is a callable).

    n_resources_ : list of int
        Resource of each rung (index ``iter``).

    n_candidates_ : list of int
        Candidates of each rung.

    n_iterations_ : int
        Rungs evaluated, all brackets counted.

    n_required_iterations_, n_possible_iterations_ : int
        Of the first bracket, as in scikit-learn.

    n_remaining_candidates_ : int
        Candidates that the last rung would have promoted.

    min_resources_, max_resources_ : int
        Resources of the first rung and the largest allowed.

    n_brackets_ : int
        Brackets planned.

    fit_errors_ : dict of int -> str
        Rows of ``cv_results_`` for which at least one fit failed.

    stop_reason_ : str
        Why the search stopped: the message of the callback that stopped it,
        the budget spent, every candidate of a finite space proposed, or the
        exception that interrupted ``fit``.

    n_replayed_ : int
        Rows taken from a checkpoint or the previous fit without being refitted.

    parameter_importances_ : dict of str -> float
        Estimated share of the score's variance that each parameter explains
        on its own, largest first (computed when first read; see
        :func:`skbayes.plots.plot_importances` and the user guide's
        *Diagnostics*). After ``fit``, a
        :class:`~skbayes.exceptions.BoundaryWarning` says when the best
        candidate lies at a bound of its range.

    strategy_ : skbayes.strategies._halving.HalvingStrategy
        The bracket machinery; ``strategy_.history`` holds every evaluation
        (unit-cube point, score, ``n_resources``, bracket) and
        ``strategy_.proposed_by`` whether each bracket's candidates came from
        the design, the model or random draws.

    See Also
    --------
    sklearn.model_selection.HalvingRandomSearchCV : Random candidates, one bracket.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.svm import SVC
    >>> from skbayes import HalvingBayesSearchCV
    >>> from skbayes.space import Real
    >>> X, y = load_digits(return_X_y=True)
    >>> search = HalvingBayesSearchCV(
    ...     SVC(), {"C": Real(1e-2, 1e3, prior="log-uniform"),
    ...             "gamma": Real(1e-5, 1e-1, prior="log-uniform")},
    ...     n_candidates=27, factor=3, brackets=2, cv=3, random_state=0)
    >>> search.fit(X, y).n_resources_  # samples per rung, 2 brackets
    [60, 180, 540, 1620, 60, 180, 540, 1620]
    >>> search.n_candidates_
    [27, 9, 3, 1, 27, 9, 3, 1]
    >>> bool(search.best_score_ > 0.95)
    True
    """

    _parameter_constraints: dict = {
        **BaseSearch._parameter_constraints,
        "n_candidates": [Interval(Integral, 0, None, closed="neither"), StrOptions({"exhaust"})],
        "factor": [Interval(Real, 1, None, closed="neither")],
        "resource": [str],
        "max_resources": [Interval(Integral, 0, None, closed="neither"), StrOptions({"auto"})],
        "min_resources": [
            Interval(Integral, 0, None, closed="neither"),
            StrOptions({"exhaust", "smallest"}),
        ],
        "min_n_samples": [
            Interval(Integral, 0, None, closed="neither"),
            StrOptions({"exhaust", "smallest"}),
            None,
        ],
        "max_n_samples": [Interval(Integral, 0, None, closed="neither"), StrOptions({"auto"}), None],
        "aggressive_elimination": ["boolean"],
        "brackets": [Interval(Integral, 1, None, closed="left"), StrOptions({"hyperband"})],
        "surrogate": [StrOptions(set(SURROGATES)), HasMethods(["fit"]), HasMethods(["propose"])],
        "random_fraction": [Interval(Real, 0, 1, closed="both")],
        "sampler": [StrOptions(set(SAMPLERS))],
        "resume": ["boolean", StrOptions({"auto"})],
        "cost_aware": ["boolean"],
        "model_levels": [StrOptions({"highest", "all"})],
    }

    #: warm_start with more brackets extends a fitted search
    _budget_params = ("brackets",)

    def __init__(
        self,
        estimator,
        search_spaces,
        *,
        n_candidates="exhaust",
        factor=3,
        resource="n_samples",
        max_resources="auto",
        min_resources="smallest",
        min_n_samples=None,
        max_n_samples=None,
        aggressive_elimination=False,
        resume="auto",
        brackets="hyperband",
        surrogate="kde",
        cost_aware=False,
        random_fraction=1 / 3,
        model_levels="highest",
        sampler="sobol",
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
        self.n_candidates = n_candidates
        self.factor = factor
        self.resource = resource
        self.max_resources = max_resources
        self.min_resources = min_resources
        self.min_n_samples = min_n_samples
        self.max_n_samples = max_n_samples
        self.aggressive_elimination = aggressive_elimination
        self.resume = resume
        self.brackets = brackets
        self.surrogate = surrogate
        self.cost_aware = cost_aware
        self.random_fraction = random_fraction
        self.model_levels = model_levels
        self.sampler = sampler

    # -- fit-time checks (called by BaseSearchCV.fit before _run_search) ----
    # -- the strategy ----------------------------------------------------------
    def _plans(self):
        min_r, _ = self._resolve_aliases()
        first = halving_plan(
            self.n_candidates,
            self.min_resources_,
            self.max_resources_,
            self.factor,
            exhaust_min_resources=(min_r == "exhaust"),
            aggressive_elimination=self.aggressive_elimination,
        )
        self.min_resources_ = first.min_resources
        if self.brackets == "hyperband":
            return hyperband_plans(first, self.factor, aggressive_elimination=self.aggressive_elimination)
        return [first] * self.brackets

    def _make_strategy(self, spaces, rng):
        if self.resource != "n_samples":
            for i, space in enumerate(spaces):
                if self.resource in space.names or self.resource in space.fixed:
                    raise ValueError(
                        f"Cannot use parameter {self.resource!r} as the resource "
                        "since it is part of the searched parameters "
                        f"(search_spaces{'' if len(spaces) == 1 else f'[{i}]'})."
                    )
        proposer = make_proposer(self.surrogate)
        if self.cost_aware and not isinstance(proposer, ParzenProposer):
            raise ValueError(
                f"cost_aware=True needs surrogate='kde' or a ParzenProposer (the Parzen "
                f"proposer ranks its draws by improvement per second); got "
                f"surrogate={self.surrogate!r}."
            )
        plans = self._plans()
        if self.verbose:
            print(f"min_resources_: {self.min_resources_}, max_resources_: {self.max_resources_}")
            for b, plan in enumerate(plans):
                print(
                    f"bracket {b}: {plan.n_candidates} candidates, resources "
                    f"{plan.n_resources}"
                )
        strategy = HalvingStrategy(
            spaces,
            plans,
            self.factor,
            proposer,
            resource=self.resource,
            random_fraction=self.random_fraction,
            sampler=self.sampler,
            cost_aware=self.cost_aware,
            model_levels=self.model_levels,
            rng=rng,
        )
        strategy.subsample_seed = int(rng.integers(np.iinfo(np.int32).max))
        return strategy

    # -- the loop --------------------------------------------------------------
    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        with contextlib.ExitStack() as stack:
            self._start_continuing(evaluate_candidates, stack)
            self._run_rungs(evaluate_candidates, callback_ctx)

    def _start_continuing(self, evaluate_candidates, stack):
        """Put the estimator that continues fold models in place for this fit's rungs.

        ``stack`` puts everything back and removes the store of fold models
        (its folder too) when the search ends, also on an error or Ctrl-C.
        """
        way = self.__dict__.pop("_resume_way", None)
        self._retrain_warned = False
        if way is None:
            return
        store = stack.enter_context(FoldModelStore.open(in_memory=fits_run_here(self.n_jobs)))
        stack.callback(self._keep_store_figures, store)
        wrapper = stack.enter_context(
            _sklearn_compat.fits_start_from(
                evaluate_candidates, lambda base: ContinuingFit(base, store, way)
            )
        )
        if wrapper is None:
            message = (
                "This scikit-learn's evaluate_candidates does not let HalvingBayesSearchCV "
                "continue fold models across rungs"
            )
            if self.resume is True:
                raise RuntimeError(f"{message}; set resume='auto' or False.")
            warnings.warn(f"{message}: every rung trains from scratch.", UserWarning, stacklevel=4)
            return
        self._continuing = wrapper
        stack.callback(self.__dict__.pop, "_continuing", None)

    def _keep_store_figures(self, store):
        self._fold_models_kept = {
            "in_memory": store.folder is None,
            "peak_models": store.peak_models,
            "peak_bytes": store.peak_bytes if store.folder is not None else None,
        }

    def _run_rungs(self, evaluate_candidates, callback_ctx):
        try:
            super()._run_search(evaluate_candidates, callback_ctx=callback_ctx)
        finally:
            strategy = getattr(self, "strategy_", None)
            if strategy is not None:
                rungs = strategy.rungs
                self.n_brackets_ = len(strategy.plans)
                self.min_resources_ = strategy.plans[0].min_resources
                self.n_resources_ = [r.n_resources for r in rungs]
                self.n_candidates_ = [r.n_candidates for r in rungs]
                self.n_iterations_ = len(rungs)
                self.n_required_iterations_ = strategy.plans[0].n_required_iterations
                self.n_possible_iterations_ = strategy.plans[0].n_possible_iterations
                self.n_remaining_candidates_ = (
                    ceil(rungs[-1].n_candidates / self.factor) if rungs else 0
                )

    def _dispatch_order(self, batch):
        # as proposed: a rung's fold models and its more_results follow the
        # batch's order, and its many candidates leave little tail to balance
        return None

    def _evaluate_batch(self, evaluate_candidates, batch, search_ctx, **kwargs):
        rung = self.strategy_.rung
        if self.verbose:
            print(
                f"iter {rung.iter} (bracket {rung.bracket}, rung {rung.rung}): "
                f"{len(batch)} candidates, n_resources={rung.n_resources}"
            )
        if self.resource == "n_samples" and rung.n_resources < self._n_samples_orig:
            splits = getattr(self._record, "splits", None)  # the fit's fixed folds
            kwargs["cv"] = _SubsampleSplitter(
                self._checked_cv_orig if splits is None else list(splits),
                rung.n_resources / self._n_samples_orig,
                self.strategy_.subsample_seed,
                stratify=is_classifier(self.estimator),
            )
        n = len(batch)
        more = {
            "iter": [rung.iter] * n,
            "n_resources": [rung.n_resources] * n,
            "bracket": [rung.bracket] * n,
            "continued": [False] * n,
        }
        wrapper = self.__dict__.get("_continuing")
        if wrapper is not None:
            keys = [candidate_key(p, self.resource) for p in batch]
            wrapper.load = rung.rung > 0
            wrapper.keep = not self.strategy_.ends_bracket
            if wrapper.load:
                self._warn_if_retrained(wrapper.store, keys, rung)
            # read once the rung's fits are done: which rows did continue
            more["continued"] = ContinuedColumn(wrapper.store, keys, rung.n_resources, self.n_splits_)
        kwargs["more_results"] = more
        scores = super()._evaluate_batch(evaluate_candidates, batch, search_ctx, **kwargs)
        self.strategy_.note_costs(self._log_costs(rung, scores))
        if wrapper is not None:
            # the promotion is decided: only the promoted keep their fold models
            wrapper.store.keep_only(keys[i] for i in self.strategy_.promotion(scores))
        return scores

    def _log_costs(self, rung, scores):
        """``log`` of the seconds each candidate of the rung took to reach its resource.

        A continued fit trained ``r_k - r_(k-1)`` of the ``r_k``: its time is
        scaled to the whole resource, so that costs at one level compare.
        Failed fits: ``nan``.
        """
        results = self._record.results
        n = len(scores)
        seconds = np.asarray(results["mean_fit_time"][-n:], dtype=float)
        continued = np.asarray(results["continued"][-n:], dtype=bool)
        if rung.rung > 0 and continued.any():
            previous = self.strategy_.plans[rung.bracket].n_resources[rung.rung - 1]
            trained = max(rung.n_resources - previous, 1)
            seconds = np.where(continued, seconds * rung.n_resources / trained, seconds)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log(np.maximum(seconds, 1e-6))
        return np.where(np.isfinite(scores), out, np.nan)

    def _warn_if_retrained(self, store, keys, rung):
        """Warn (once per fit) when promoted candidates have no fold models to continue."""
        table = store.table()
        missing = sum(len(table.get(k, [])) < self.n_splits_ for k in keys)
        if not missing or self._retrain_warned:
            return
        self._retrain_warned = True
        warnings.warn(
            f"{missing} of the {len(keys)} candidates of rung {rung.rung} of bracket "
            f"{rung.bracket} (iter {rung.iter}) have no fold models of the previous rung "
            f"to continue (a search resumed from a checkpoint does not keep them, and "
            f"workers that cannot reach the search's temporary folder do not find them): "
            f"they are trained again from scratch with n_resources={rung.n_resources}, "
            f"and cv_results_['continued'] is False for them.",
            UserWarning,
            stacklevel=3,
        )

    @staticmethod
    def _select_best_index(refit, refit_metric, results):
        """The best row among those evaluated at the largest resource.

        A callable ``refit`` chooses among every row, as in ``GridSearchCV``.
        """
        if callable(refit) or "n_resources" not in results:
            return BaseSearch._select_best_index(refit, refit_metric, results)
        n_resources = np.asarray(results["n_resources"])
        rows = np.flatnonzero(n_resources == n_resources.max())
        ranks = np.asarray(results[f"rank_test_{refit_metric}"])[rows]
        return int(rows[np.argmin(ranks)])
