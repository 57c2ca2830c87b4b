"""Bayesian optimisation as an ask/tell object over a search space.

:class:`Optimizer` is what ``BayesSearchCV`` runs, and it is usable alone to
tune any black-box function::

    opt = Optimizer({"x": Real(-2.0, 2.0), "kind": ["a", "b"]}, random_state=0)
    for _ in range(30):
        params = opt.ask()
        opt.tell(params, score(params))   # greater is better, nan if it failed
    opt.best_params, opt.best_score

How a proposal is made:

1. The first ``n_initial_points`` candidates are a scrambled Sobol design
   (``skbayes.sampling``), split evenly between conditional subspaces.
2. Then, for each subspace, a surrogate is fitted to the candidates told so
   far in the model encoding of that subspace (``Space.one_hot``), on
   standardised scores. A failed candidate (``nan``) gets a score one
   standard deviation below the worst observed, so the model learns to avoid
   its region.
3. A regression surrogate (GP, random forest) is turned into a value to
   maximise by the acquisition (log-EI, PI, UCB), whose incumbent is, for
   the GP and the random forest, the greatest posterior mean at the told
   candidates (``incumbent``): the acquisition is evaluated
   at many quasi-random candidates plus perturbations of the best observed
   points, and the best ones are refined by L-BFGS-B on the continuous
   coordinates when the surrogate gives gradients (the GP), or by a second
   round of local perturbations otherwise. Integer and categorical
   coordinates are always snapped to a legal value (``Space.canonical``).
   A sampling surrogate (TPE) proposes by its own rule.
4. The subspace whose best candidate has the greatest value wins; a candidate
   already evaluated or already proposed is never proposed again.

A batch of ``n`` candidates (``ask(n)``) is built by the constant liar rule:
after each point is chosen, it is added to the data with the mean of the
told scores (or the worst or best one: ``liar``), and the surrogate is
conditioned on it (``update``: the GP keeps its hyperparameters and only
refactorises), so the next point goes elsewhere.
That is one model update per point of the batch, never more. Candidates asked
but not yet told are treated the same way.

With ``cost_aware=True``, the costs told with the scores (``tell(params,
scores, costs=seconds)``) are modelled too (``skbayes.strategies._cost``: a
Gaussian process of ``log(seconds)`` per subspace, fitted once per ``ask``)
and each model proposal maximises the log acquisition minus the predicted
log seconds: expected improvement per second.
"""

import math
import numbers
import warnings

import numpy as np

from ._acq_optim import _candidates, _has_room, best_sampled, maximise_acquisition
from ._base import Strategy
from ._cost import LogCostModel, tpe_log_ei
from ._design import LowDiscrepancyDesign
from ..acquisition import get_acquisition
from ..space import Space, compile_search_spaces
from ..surrogates import make_surrogate
from ..surrogates._base import _encode, _for_space
from ..surrogates._warp import _ScoreWarp
from ..surrogates.tpe import TPE

__all__ = ["Optimizer"]

#: the legal values of ``Optimizer(incumbent=...)``
_INCUMBENTS = ("auto", "mean", "observed")
#: told candidates in a row that tie earlier scores before explore_on_ties draws one at random
_N_TIES_STALLED = 5
#: the legal values of ``Optimizer(liar=...)``
_LIARS = ("worst", "mean", "best")
#: the acquisitions that are logs, from which a log cost can be subtracted
_LOG_ACQUISITIONS = ("ei", "pi")

class Optimizer(Strategy):
    """Ask/tell Bayesian optimizer over a search space.

    Parameters
    ----------
    search_spaces : dict, list of dict or list of Space
        The space(s), as :func:`skbayes.space.compile_search_spaces` takes
        them; a list of dicts gives conditional subspaces.
    surrogate : {"gp", "rf", "tpe"} or object, default="gp"
        ``"gp"``: :class:`~skbayes.surrogates.GaussianProcess` (Matérn 5/2,
        the best choice for a few to a few dozen mostly continuous
        dimensions); ``"rf"``: :class:`~skbayes.surrogates.RandomForest`
        (large or mostly categorical spaces); ``"tpe"``:
        :class:`~skbayes.surrogates.TPE` (cheapest per proposal, categoricals
        and conditional spaces natively). Or an instance of your own
        surrogate (see :mod:`skbayes.surrogates._base`): each subspace gets a
        copy of its own (cloned, or deep-copied if it has no ``get_params``),
        with ``warm_start=True`` if it takes that parameter; one without an
        ``update`` method is refitted for each point of a batch. A GP with
        ``max_ordered_lengthscale="auto"`` (its default) has the length
        scales of its ordered inputs bounded when an ask proposes one
        candidate with none pending, and not in batches.
    acquisition : {"ei", "pi", "ucb"} or callable, default="ei"
        ``"ei"``: log expected improvement; ``"pi"``: (log) probability of
        improvement; ``"ucb"``: upper confidence bound. A callable
        ``f(mean, std, best, **acquisition_kwargs)`` returns values to
        maximise. TPE ranks by its density ratio, which is its form of
        expected improvement: it takes ``"ei"`` only.
    n_initial_points : int, default=10
        Candidates from the initial quasi-random design before the surrogate
        is used. 0 is allowed when observations are told before the first
        ``ask`` (e.g. the scores of an earlier run): every proposal then comes
        from the model (uniformly random ones while no score is finite).
    acquisition_kwargs : dict or None, default=None
        ``{"xi": ...}`` for ``"ei"``/``"pi"`` (minimum improvement, in
        standard deviations of the scores; default 0 for ``"ei"``, 0.01 for
        ``"pi"``), ``{"kappa": ...}`` for ``"ucb"`` (default 1.96), anything
        for a callable.
    n_iter : int or None, default=None
        Total number of candidates to propose; None: no limit (the caller
        stops). A finite space with fewer candidates lowers it, with a
        warning.
    n_candidates : int or None, default=None
        Quasi-random candidates at which the acquisition is evaluated per
        proposal and subspace; None: ``min(2048, max(512, 128 * n_dims))``
        (TPE: its own ``n_candidates``).
    y_transform : {"yeo-johnson"} or None, default="yeo-johnson"
        How the told scores are transformed before a surrogate sees them.
        ``"yeo-johnson"``: standardised, then a Yeo-Johnson power transform
        fitted by maximum likelihood (monotone: the order of the scores is
        kept), then standardised again, which tames the long tail of bad
        candidates; None: standardised only.
    n_refine : int, default=5
        How many of the best observed points are perturbed into extra
        candidates, and how many of the best candidates are then refined
        locally (L-BFGS-B on the GP, perturbations otherwise).
    local_scale : float, default=0.1
        Standard deviation, in unit-cube lengths, of the Gaussian steps that
        turn each of the ``n_refine`` best observed points into 64 candidates.
    refine_scale : float, default=0.02
        Standard deviation of the steps of the local refinement of a
        surrogate without gradients (32 per refined candidate).
    incumbent : {"auto", "mean", "observed"}, default="auto"
        The value an acquisition of a regression surrogate improves on
        (``best`` of EI and PI). ``"mean"``: the greatest posterior mean of
        the fitted surrogates at the told candidates (noise-aware: on a noisy
        objective, such as cross-validated scores, a lucky evaluation does
        not set a bar that only the model's uncertainty can clear, which
        drew the proposals to the edges of the box); with several subspaces,
        the greatest over their surrogates. ``"observed"``: the greatest told
        score. ``"auto"``: ``"mean"`` for a surrogate that learns the noise
        of the scores (its ``learns_noise`` is true: the GP, whose mean at a
        told point departs from the score only as far as the noise it has
        fitted) or that asks for it (its ``mean_incumbent`` is true: the
        random forest, whose leaf means lie below the best told score, so
        that against that score expected improvement rewards only
        uncertainty, which is greatest at the edges of the box),
        ``"observed"`` otherwise. The defaults were ``"observed"`` before
        2026-12; docs/benchmarks.md, "Ablations of the GP" and "Small
        budgets", has the measurements behind the changes. UCB ignores it;
        TPE does not use one.
    liar : {"mean", "worst", "best"}, default="mean"
        The score a candidate asked but not told yet (the earlier points of
        a batch, or pending ones) pretends to have while the next points are
        chosen (the constant liar). ``"mean"``: the mean of the told scores;
        ``"worst"``: the worst told score, which pushes the next points
        furthest away; ``"best"``: the greatest told score, which only
        removes the uncertainty around the pending point (scikit-optimize's
        ``"cl_mean"``, ``"cl_max"`` and ``"cl_min"`` for losses). Read by
        regression surrogates (GP, random forest); TPE always takes the
        worst. The default was ``"worst"`` before 2026-12: while the model
        knows little, the worst lie sends most of a batch to the corners of
        the box; with the mean, the GP's batches scored 2.7 points higher
        after 32 evaluations on the Bayesmark protocol (8 problems, 10
        seeds) and the same at 128 (docs/benchmarks.md, "Batches: the
        liar"). One at a time (each candidate told before the next ``ask``)
        there are no lies, and it changes nothing.
    explore_on_ties : bool, default=True
        A candidate whose score equals, to the last bit, the score of a
        candidate told before it lies on a plateau of the objective (a tree
        depth beyond what the data support, a leaf size that changes
        nothing): a model that found a plateau better than its surroundings
        can keep proposing on it, one candidate at a time, for the rest of
        the run. With ``True``, once the last 5 candidates told (since the
        last random one) have all tied earlier scores, one proposal of the
        next ``ask`` is uniformly random. A continuous objective never ties,
        so it changes nothing there. On by default since 2026-12: on the
        Bayesmark protocol one at a time it took the decision-tree problem
        from random search's level to the peers' (docs/benchmarks.md,
        "Noisy EI, input warping and plateaus").
    cost_aware : bool, default=False
        Trade expected improvement against expected cost: each model
        proposal maximises ``log EI(x) - log c(x)``, expected improvement per
        second (Snoek, Larochelle and Adams, 2012), where ``c(x)`` is the
        predicted cost of ``x``: a Gaussian process of ``log(seconds)`` on the
        encoded points of each subspace, fitted to the ``costs`` told with
        the scores (see :meth:`tell`; refitted once per :meth:`ask`, the same
        for every point of a batch). Of two equally promising candidates, one
        predicted 60 times cheaper gets ``log 60 = 4.1`` more, which is as
        much as a large difference of expected improvement. A failed
        candidate's cost counts, but never as less than the median
        successful one (a fit that fails at once says nothing of the cost
        of fitting there). Until two costs are known (none told, only
        ``nan``), proposals are those of plain EI; the initial design is not
        affected. ``acquisition="pi"`` gives improvement probability per
        second; ``"ucb"`` and callables are refused (their values are not
        logs, and "per second" has no meaning for a bound that may be
        negative). With ``surrogate="tpe"``, its density ratio is mapped to
        the expected improvement it is proportional to (Bergstra et al.,
        2011) before the log cost is subtracted; other sampling surrogates
        are refused. Off by default: in its equal-CPU benchmark
        (``benchmarks/bench_cost_aware.py``; docs/benchmarks.md,
        "Cost-aware proposals in BayesSearchCV": SVC, HistGradientBoosting
        and a random forest, 5 seeds) the best scores at equal fit
        CPU time were level on all three tasks, and a model that prizes
        cheap fits may also prize poor ones (HalvingBayesSearchCV's
        ``cost_aware`` lost score on three of five tasks at equal CPU).
    random_state : int, numpy Generator or None, default=None
        Seeds the design, the candidates and the surrogates.

    Attributes
    ----------
    spaces : list of Space
    history : dict of lists
        Every told candidate (see :class:`skbayes.strategies._base.Strategy`),
        and ``"cost"``: the seconds told for it (``nan`` when none was).
    surrogates_ : dict of int -> surrogate
        The surrogate last fitted for each subspace.
    cost_model_ : LogCostModel or None
        With ``cost_aware``: the model of the log costs last fitted (its
        ``models_``: a GP per subspace); None before.

    Examples
    --------
    >>> from skbayes.optimizer import Optimizer
    >>> from skbayes.space import Real
    >>> opt = Optimizer({"x": Real(-2.0, 2.0)}, n_initial_points=4, random_state=0)
    >>> for _ in range(12):
    ...     p = opt.ask()
    ...     opt.tell(p, -(p["x"] - 0.5) ** 2)
    >>> bool(abs(opt.best_params["x"] - 0.5) < 0.1)
    True
    """

    def __init__(
        self,
        search_spaces,
        *,
        surrogate="gp",
        acquisition="ei",
        n_initial_points=10,
        acquisition_kwargs=None,
        n_iter=None,
        n_candidates=None,
        y_transform="yeo-johnson",
        n_refine=5,
        local_scale=0.1,
        refine_scale=0.02,
        incumbent="auto",
        liar="mean",
        explore_on_ties=True,
        cost_aware=False,
        random_state=None,
    ):
        if isinstance(search_spaces, (list, tuple)) and search_spaces and all(
            isinstance(s, Space) for s in search_spaces
        ):
            spaces = list(search_spaces)
        else:
            spaces = compile_search_spaces(search_spaces)
        super().__init__(spaces)
        self.surrogate = surrogate
        self.acquisition = acquisition
        self.n_initial_points = n_initial_points
        self.acquisition_kwargs = acquisition_kwargs
        self.n_candidates = n_candidates
        self.n_iter = n_iter
        self.y_transform = y_transform
        self.n_refine = n_refine
        self.local_scale = local_scale
        self.refine_scale = refine_scale
        self.incumbent = incumbent
        self.liar = liar
        self.explore_on_ties = explore_on_ties
        self.cost_aware = cost_aware
        self.history["cost"] = []
        self._told_costs = None
        self._check_params()
        self._template = make_surrogate(surrogate)
        if hasattr(self._template, "_parameter_constraints") and callable(
            getattr(self._template, "_validate_params", None)
        ):
            # a surrogate that declares its parameters' ranges is checked now,
            # not at its first fit, after the initial design was evaluated
            self._template._validate_params()
        self._sampling = callable(getattr(self._template, "propose", None))
        if self._sampling and acquisition != "ei":
            raise ValueError(
                f"acquisition={acquisition!r} does not apply to surrogate="
                f"{surrogate!r}: TPE ranks candidates by its density ratio "
                "l(x)/g(x), which is its form of expected improvement. Use "
                "acquisition='ei', or a regression surrogate ('gp', 'rf') for "
                "'pi' and 'ucb'."
            )
        self._check_cost_aware()
        if not self._sampling:
            self._acq, self._acq_kwargs, self._acq_grad = get_acquisition(
                acquisition, acquisition_kwargs
            )
        elif acquisition_kwargs:
            raise ValueError(
                f"acquisition_kwargs {sorted(acquisition_kwargs)} do not apply to "
                f"surrogate={surrogate!r}, which proposes by its own rule; set its "
                "parameters on the surrogate instead (e.g. TPE(gamma=0.2))."
            )
        self.rng = np.random.default_rng(random_state)
        capacity = sum(s.cardinality for s in self.spaces)
        if n_iter is not None and capacity < n_iter:
            warnings.warn(
                f"The search space holds only {capacity} distinct candidates, "
                f"fewer than n_iter={n_iter}. Running {capacity} iterations.",
                UserWarning,
            )
            n_iter = int(capacity)
        self.n_iter = n_iter
        n_init = n_initial_points if n_iter is None else min(n_initial_points, n_iter)
        n_init = int(min(n_init, capacity))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            self._initial = LowDiscrepancyDesign(self.spaces, n_init, rng=self.rng).plan
        self._next_initial = 0
        self._n_proposed = 0
        self._n_told_at_exploration = 0
        self.surrogates_ = {}
        self.cost_model_ = None
        self._cost_ready = False

    def _check_cost_aware(self):
        if not isinstance(self.cost_aware, (bool, np.bool_)):
            raise ValueError(f"cost_aware must be a bool; got {self.cost_aware!r}.")
        if not self.cost_aware:
            return
        if self._sampling:
            if not isinstance(self._template, TPE):
                raise ValueError(
                    f"cost_aware=True needs a surrogate whose merit is a log expected "
                    f"improvement: 'gp', 'rf', 'tpe' or a regression surrogate; got the "
                    f"sampling surrogate {self.surrogate!r}, whose values have no known "
                    "relation to an improvement."
                )
            return
        if not isinstance(self.acquisition, str) or self.acquisition not in _LOG_ACQUISITIONS:
            raise ValueError(
                f"cost_aware=True needs a log acquisition, {list(_LOG_ACQUISITIONS)} (log "
                f"expected improvement or log probability of improvement, from which the "
                f"log cost is subtracted); got acquisition={self.acquisition!r}. UCB and "
                "callables give values in units of the score, which may be negative: "
                "'per second' has no meaning for them."
            )

    def _check_params(self):
        n = self.n_initial_points
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ValueError(f"n_initial_points must be an int >= 0; got {n!r}.")
        n = self.n_iter
        if n is not None and (not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1):
            raise ValueError(f"n_iter must be an int >= 1 or None; got {n!r}.")
        if self.acquisition_kwargs is not None and not isinstance(self.acquisition_kwargs, dict):
            raise TypeError(
                f"acquisition_kwargs must be a dict or None; got {self.acquisition_kwargs!r}."
            )
        if self.y_transform not in ("yeo-johnson", None):
            raise ValueError(f"y_transform must be 'yeo-johnson' or None; got {self.y_transform!r}.")
        c = self.n_candidates
        if c is not None and (not isinstance(c, (int, np.integer)) or isinstance(c, bool) or c < 1):
            raise ValueError(f"n_candidates must be an int >= 1 or None; got {c!r}.")
        k = self.n_refine
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise ValueError(f"n_refine must be an int >= 1; got {k!r}.")
        for name in ("local_scale", "refine_scale"):
            v = getattr(self, name)
            if not isinstance(v, (int, float, np.number)) or isinstance(v, bool) or not 0 < v <= 1:
                raise ValueError(f"{name} must be a number in (0, 1]; got {v!r}.")
        if not isinstance(self.incumbent, str) or self.incumbent not in _INCUMBENTS:
            raise ValueError(
                f"incumbent must be one of {list(_INCUMBENTS)}; got {self.incumbent!r}."
            )
        if not isinstance(self.liar, str) or self.liar not in _LIARS:
            raise ValueError(f"liar must be one of {list(_LIARS)}; got {self.liar!r}.")
        if not isinstance(self.explore_on_ties, (bool, np.bool_)):
            raise ValueError(f"explore_on_ties must be True or False; got {self.explore_on_ties!r}.")

    # -- the public ask/tell conveniences ------------------------------------
    def ask(self, n=None):
        """Propose candidates.

        Parameters
        ----------
        n : int or None, default=None
            None: return one candidate (a dict). An int: return a list of up to
            ``n`` distinct candidates (fewer, or none, when ``n_iter`` is
            reached or the space is exhausted).

        Returns
        -------
        params : dict or list of dict
        """
        if n is None:
            out = super().ask(1)
            if not out:
                raise ValueError(
                    "No candidate left: n_iter was reached or every candidate of "
                    "the space has been proposed."
                )
            return out[0]
        return super().ask(n)

    def tell(self, params, scores, costs=None):
        """Record scores (greater is better; ``nan`` marks a failure), and costs.

        Parameters
        ----------
        params : dict or list of dict
            Candidates of the space: those :meth:`ask` returned, copies of
            them, or any others (the scores of an earlier run, say). A
            candidate is matched to a pending proposal by its values.
        scores : float or array-like of float
            One per candidate; ``nan`` marks a failed evaluation.
        costs : float, array-like of float or None, default=None
            What evaluating each candidate cost, in seconds (or any unit, the
            same for every call: only ratios matter), failed ones included;
            ``nan`` or None for a cost not known; None: none known. Kept in
            ``history["cost"]``; with ``cost_aware=True`` the proposals weigh
            them (without known costs they are plain EI's).

        Raises
        ------
        ValueError
            If a candidate is not in the space (a parameter missing or
            unknown, a value outside its bounds, a non-integer for an
            :class:`~skbayes.space.Integer`, a value that is not one of the
            categories; the message names the parameter and what is legal),
            or a score is not a real number, or a cost is not a number >= 0
            (or ``nan``/None), or there are not as many costs as candidates.
            Nothing of the call is recorded then.
        """
        if isinstance(params, dict):
            params, scores = [params], [scores]
            costs = None if costs is None else [costs]
        params = list(params)
        self._told_costs = _check_costs(costs, len(params))
        try:
            super().tell(params, scores)
        finally:
            self._told_costs = None

    def _observe(self, subspaces, units, scores):
        # called by Strategy.tell once the rest of the history is extended;
        # a tell without costs (Strategy.tell called directly) tells nan
        costs = self._told_costs
        if costs is None or len(costs) != len(scores):
            costs = [math.nan] * len(scores)
        told = self.history.setdefault("cost", [])  # (an optimizer pickled before costs)
        told.extend([math.nan] * (self.n_told - len(scores) - len(told)))
        told.extend(costs)

    @property
    def best_params(self):
        """The told candidate with the greatest score (None before any)."""
        i = self._best_index()
        return None if i is None else self.history["params"][i]

    @property
    def best_score(self):
        """The greatest told score (nan before any finite one)."""
        i = self._best_index()
        return math.nan if i is None else self.history["score"][i]

    def _best_index(self):
        scores = np.asarray(self.history["score"], dtype=float)
        if not np.isfinite(scores).any():
            return None
        return int(np.nanargmax(scores))

    def warm_start(self, previous):
        """Continue from ``previous``, an optimizer of an earlier run.

        Its history is told to this one (the model will be fitted to it),
        costs included, the part of the initial design it used is skipped,
        and its candidates count against this optimizer's ``n_iter``.
        """
        costs = previous._costs() if isinstance(previous, Optimizer) else None
        self.tell(previous.history["params"], previous.history["score"], costs=costs)
        self._n_proposed = previous.n_told
        self._next_initial = min(getattr(previous, "_next_initial", 0), len(self._initial))

    def _costs(self):
        """``history["cost"]``, as long as the history (nan where none was told)."""
        costs = self.history.setdefault("cost", [])  # (an optimizer pickled before costs)
        costs.extend([math.nan] * (self.n_told - len(costs)))
        return costs

    @property
    def n_remaining(self):
        if self.n_iter is None:
            return None
        return max(0, self.n_iter - self._n_proposed)

    # -- proposals ----------------------------------------------------------------
    def _propose(self, n):
        if self.n_iter is not None:
            n = min(n, self.n_remaining)
        exclude = [self.told_keys(s) for s in range(len(self.spaces))]
        pending = self.pending()
        for s, u in pending:
            exclude[s].update(self.spaces[s].keys(u[None, :]))
        out = []
        refit = True
        alone = n == 1 and not pending  # one candidate, none pending: no lies spread it
        n_explore = self._n_explorations()
        while len(out) < n:
            if self._next_initial < len(self._initial):
                s, u = self._initial[self._next_initial]
                self._next_initial += 1
                if self.spaces[s].keys(u[None, :])[0] in exclude[s]:
                    continue
            elif n_explore > 0:
                n_explore -= 1
                self._n_told_at_exploration = self.n_told
                choice = self._random_proposal(exclude)
                if choice is None:
                    break
                s, u = choice
            else:
                choice = self._model_proposal(exclude, pending + out, refit, alone)
                refit = False
                if choice is None:
                    break
                s, u = choice
            exclude[s].update(self.spaces[s].keys(u[None, :]))
            out.append((s, np.asarray(u, dtype=float)))
        self._n_proposed += len(out)
        return out

    def _n_explorations(self):
        """Random proposals owed to a plateau (``explore_on_ties``): 0 or 1.

        The search is walking a plateau when each of the last
        ``_N_TIES_STALLED`` candidates told since the last random one scored
        exactly (to the last bit) what an earlier candidate scored: none of
        them improved on anything, and the model keeps proposing there.
        """
        if not self.explore_on_ties or self._next_initial < len(self._initial):
            return 0
        scores = np.asarray(self.history["score"], dtype=float)
        start = max(getattr(self, "_n_told_at_exploration", 0), len(scores) - _N_TIES_STALLED)
        if len(scores) - start < _N_TIES_STALLED:
            return 0
        for i in range(start, len(scores)):
            if not (math.isfinite(scores[i]) and np.any(scores[:i] == scores[i])):
                return 0
        return 1

    def _data(self, lies):
        """Told points plus lies, with scores imputed and standardised.

        Scores are standardised over the finite told scores. A failed
        candidate gets one standard deviation below the worst finite score:
        worse than anything seen, so the model steers away, but not so far
        that it distorts the fit. A lie (a point asked but not told yet) gets
        the mean of the finite scores (constant liar), or the worst or the
        greatest one (``liar``).
        """
        subspaces = list(self.history["subspace"]) + [s for s, _ in lies]
        units = list(self.history["unit"]) + [u for _, u in lies]
        told = np.asarray(self.history["score"], dtype=float)
        ok = np.isfinite(told)
        z = np.full(told.shape, np.nan)
        z[ok] = self._score_warp().transform(told[ok])
        worst = z[ok].min()
        failed = worst - 1.0
        if self._sampling or self.liar == "worst":
            lie = worst
        else:
            lie = z[ok].mean() if self.liar == "mean" else z[ok].max()
        y = np.concatenate([np.where(ok, z, failed), np.full(len(lies), lie)])
        return np.asarray(subspaces, dtype=int), units, y, z[ok].max()

    def _score_warp(self):
        """The map from told (finite) scores to what the surrogate models, and back."""
        told = np.asarray(self.history["score"], dtype=float)
        # a sampling surrogate (TPE) only ranks the scores: a monotone warp
        # would change nothing but the time it takes
        warp = self.y_transform == "yeo-johnson" and not self._sampling
        return _ScoreWarp(told[np.isfinite(told)], warp)

    def _fresh_surrogate(self, space):
        """A new surrogate for one subspace, a copy of the template (never shared).

        The optimizer refits it on the subspace's growing data at every
        proposal: a surrogate that can start from its previous fit
        (``warm_start``) does. A surrogate with the ``set_column_kinds`` hook
        is told what its input columns hold in ``space``.
        """
        model = make_surrogate(self._template)
        if hasattr(model, "get_params"):
            params = model.get_params(deep=False)
            if "random_state" in params and params["random_state"] is None:
                model.set_params(random_state=int(self.rng.integers(np.iinfo(np.int32).max)))
            if "warm_start" in params:
                model.set_params(warm_start=True)
        return _for_space(model, space)

    def _adapt(self, model, alone):
        """Set, on the optimizer's own copy of the surrogate, what depends on the ask.

        ``max_ordered_lengthscale="auto"`` (the GP's default) becomes
        ``"prior"`` when the ask proposes one candidate with none pending, and
        None for a batch (docs/benchmarks.md, "The length-scale bound:
        batches, more problems, and a default by the batch size").
        """
        wanted = getattr(self._template, "max_ordered_lengthscale", None)
        if isinstance(wanted, str) and wanted == "auto" and hasattr(model, "set_params"):
            model.set_params(max_ordered_lengthscale="prior" if alone else None)

    def _model_proposal(self, exclude, lies, refit, alone=False):
        told = np.asarray(self.history["score"], dtype=float)
        if not np.isfinite(told).any():
            return self._random_proposal(exclude)
        subspaces, units, y, best = self._data(lies)
        threshold = None
        if self._sampling and len(self.spaces) > 1 and hasattr(self._template, "threshold"):
            threshold = self._template.threshold(y)
        costs = self._cost_model(refit)
        choices, fitted = [], []
        for s, space in enumerate(self.spaces):
            if not _has_room(space, exclude[s]):
                continue
            mask = subspaces == s
            U = np.asarray([u for u, m in zip(units, mask) if m], dtype=float).reshape(int(mask.sum()), space.n_dims)
            ys = y[mask]
            model = self.surrogates_.get(s)
            if model is None:
                model = self.surrogates_[s] = self._fresh_surrogate(space)
            X = _encode(model, space, U)
            if self._sampling:
                model.fit(X, ys, threshold=threshold) if threshold is not None else model.fit(X, ys)
                shift = 0.0 if threshold is None else self._subspace_log_ratio(s, subspaces, y, threshold)
                merit = None
                if costs is not None:
                    gamma = float(np.mean(y >= threshold)) if threshold is not None else float(np.mean(model.good_))
                    log_cost = costs.for_subspace(s)

                    def merit(U, ratio, shift=shift, gamma=gamma, log_cost=log_cost):
                        return tpe_log_ei(ratio + shift, gamma) - log_cost(U)

                    shift = 0.0  # already in the merit
                found = best_sampled(space, model, exclude[s], self.rng, merit=merit)
                if found is not None:
                    choices.append((found[1] + shift, s, found[0]))
                continue
            # a surrogate without `update` is refitted for each lie of a batch
            if refit or not callable(getattr(model, "update", None)):
                self._adapt(model, alone)
                model.fit(X, ys)
            else:
                model.update(X, ys)
            fitted.append((s, space, model, U, ys))
        if fitted and self._mean_incumbent_wanted():
            mean_best = self._mean_incumbent(fitted, subspaces)
            best = mean_best if math.isfinite(mean_best) else best
        for s, space, model, U, ys in fitted:
            found = maximise_acquisition(
                space, model, best, U, ys, exclude[s], self.rng,
                acquisition=self._acq, acquisition_kwargs=self._acq_kwargs,
                acquisition_grad=self._acq_grad, n_candidates=self.n_candidates,
                n_refine=self.n_refine, local_scale=self.local_scale,
                refine_scale=self.refine_scale,
                log_cost=None if costs is None else costs.for_subspace(s),
            )
            if found is not None:
                choices.append((found[1], s, found[0]))
        if not choices:
            return None
        value, s, u = max(choices, key=lambda c: c[0])
        return s, u

    def _cost_model(self, refit):
        """The fitted cost model (refitted at the first proposal of an ask), or None.

        None without ``cost_aware`` or while fewer than two costs are known:
        the proposals are then plain EI's.
        """
        if not self.cost_aware:
            return None
        if refit or self.cost_model_ is None:
            if self.cost_model_ is None:
                self.cost_model_ = LogCostModel(self.spaces, self.rng)
            scores = np.asarray(self.history["score"], dtype=float)
            self._cost_ready = self.cost_model_.fit(
                self.history["subspace"], self.history["unit"], self._costs(), ~np.isfinite(scores)
            )
        return self.cost_model_ if self._cost_ready else None

    def _mean_incumbent_wanted(self):
        if self.incumbent == "auto":
            return bool(
                getattr(self._template, "learns_noise", False)
                or getattr(self._template, "mean_incumbent", False)
            )
        return self.incumbent == "mean"

    def _mean_incumbent(self, fitted, subspaces):
        """The greatest posterior mean of the fitted surrogates at told, finite candidates.

        Lies (pending candidates) and failures are not candidates for the
        incumbent: only what was told with a finite score. The first rows of
        each subspace's data are its told candidates, in the order of the
        history.
        """
        told = np.asarray(self.history["score"], dtype=float)
        told_sub = subspaces[: len(told)]
        best = -math.inf
        for s, space, model, U, ys in fitted:
            ok = np.isfinite(told[told_sub == s])
            if not ok.any():
                continue
            X = _encode(model, space, U[: ok.size][ok])
            best = max(best, float(np.max(model.predict(X))))
        return best

    def _subspace_log_ratio(self, s, subspaces, y, threshold):
        """log l(s) - log g(s): the subspace's share of good vs bad points."""
        good = y >= threshold
        k, w = len(self.spaces), getattr(self._template, "prior_weight", 1.0)
        n_good_s = np.sum(good & (subspaces == s))
        n_bad_s = np.sum(~good & (subspaces == s))
        log_l = math.log((n_good_s + w / k) / (good.sum() + w))
        log_g = math.log((n_bad_s + w / k) / ((~good).sum() + w))
        return log_l - log_g

    def _random_proposal(self, exclude):
        """A uniformly drawn candidate not seen yet (no finite score to model)."""
        order = self.rng.permutation(len(self.spaces))
        for s in order:
            space = self.spaces[s]
            if not _has_room(space, exclude[s]):
                continue
            U = _candidates(space, 64, self.rng)
            for u, key in zip(U, space.keys(U)):
                if key not in exclude[s]:
                    return s, u
        return None


def _check_costs(costs, n):
    """Told costs as a list of ``n`` floats (``nan``: unknown), or None for none."""
    if costs is None:
        return None
    values = np.asarray(costs, dtype=object).reshape(-1)
    if values.size != n:
        raise ValueError(f"tell got {n} candidates but {values.size} costs.")
    out = []
    for i, v in enumerate(values):
        if v is None:
            v = math.nan
        if not isinstance(v, numbers.Real) or isinstance(v, (bool, np.bool_)) or v < 0 or v == math.inf:
            raise ValueError(
                f"costs must be numbers of seconds >= 0 (nan or None: unknown); cost {i} "
                f"is {v!r}."
            )
        out.append(float(v))
    return out
